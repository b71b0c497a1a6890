//! The case page's disclosure section: the advisory draft, the schedule (date, hour,
//! zone, exploited-in-the-wild reason, automatic publication), the steps by hand, CVE
//! assignment — and the view of it the case page renders.

use super::PageForm;
use super::{MemberCase, PagePath};
use crate::domain::time::Timestamp;

use crate::domain::case::{Action, CaseState};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::service::disclosure::{self, ScheduleInput};
use crate::service::{self, ServiceError};
use crate::store::advisories::Draft;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// What the case page shows of the disclosure.
pub struct DisclosureView {
    /// The draft.
    pub draft: Draft,
    /// The disclosure date as scheduled, in its zone and in UTC.
    pub disclose: Option<String>,
    /// Zone of the schedule (or the policy's), for the form.
    pub zone: String,
    /// Date and time for the form (in the zone).
    pub date: String,
    /// Time for the form.
    pub time: String,
    /// Automatic publication chosen.
    pub auto_publish: bool,
    /// Exploited-in-the-wild reason.
    pub exploited: String,
    /// Steps taken: (what, when).
    pub done: Vec<(String, String)>,
    /// Pending jobs: (step, when, note).
    pub jobs: Vec<(String, String, String)>,
    /// CVE ID.
    pub cve: Option<String>,
    /// Published advisory id.
    pub advisory: Option<String>,
    /// The policy publishes on the project's website: where, and under which category.
    pub website: Option<(String, Option<String>)>,
    /// The steps by hand the case's state allows now.
    pub can_pre_announce: bool,
    /// See `can_pre_announce`.
    pub can_pre_notify: bool,
    /// See `can_pre_announce`.
    pub can_publish: bool,
    /// Whether the state allows (re)scheduling.
    pub can_schedule: bool,
}

/// Build the view for a case in `case_state`.
pub async fn view(
    state: &AppState,
    opened: &service::CaseRef,
    case_state: CaseState,
    default_zone: &str,
) -> Result<DisclosureView, PageError> {
    let allowed = |a: Action| case_state.apply(a).is_ok();
    let s = disclosure::schedule_of(&state.db, opened).await?;
    let draft = service::advisories::draft(&state.db, opened).await?;
    let jobs = disclosure::jobs_of_case(&state.db, opened, false).await?;
    let zone = s
        .disclose_zone
        .clone()
        .unwrap_or_else(|| default_zone.to_owned());
    let (date, time) = match s.disclose_at {
        Some(t) => {
            let tz = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let z = jiff::Timestamp::from_second(t)
                .map(|ts| ts.to_zoned(tz))
                .ok();
            (
                z.as_ref()
                    .map(|z| z.strftime("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                z.as_ref()
                    .map(|z| z.strftime("%H:%M").to_string())
                    .unwrap_or_default(),
            )
        }
        None => (String::new(), String::new()),
    };
    let mut done = Vec::new();
    for (what, t) in [
        ("Pre-announced", s.pre_announced_at),
        ("Pre-notified", s.pre_notified_at),
        ("Published", s.published_at),
    ] {
        if let Some(t) = t {
            done.push((what.to_owned(), Timestamp(t).second()));
        }
    }
    let advisory = service::advisories::of_case(&state.db, opened)
        .await?
        .map(|a| a.id);
    let website = service::projects::by_id(&state.db, opened.project_id())
        .await
        .ok()
        .and_then(|p| service::projects::policy_of(&p).ok().flatten())
        .filter(|p| {
            p.publication
                .publish_to
                .contains(&crate::domain::policy::PublishTo::Website)
        })
        .map(|p| {
            (
                p.publication.website.clone().unwrap_or_default(),
                p.publication.news_category.clone(),
            )
        });
    Ok(DisclosureView {
        draft,
        disclose: s
            .disclose_at
            .map(|t| format!("{} = {}", disclosure::show(t, &zone), Timestamp(t).second())),
        zone,
        date,
        time,
        auto_publish: s.auto_publish,
        exploited: s.exploited_reason.unwrap_or_default(),
        done,
        jobs: jobs
            .into_iter()
            .map(|j| {
                (
                    j.kind,
                    Timestamp(j.due_at).second(),
                    j.last_error.unwrap_or_default(),
                )
            })
            .collect(),
        cve: s.cve_id,
        advisory,
        website,
        can_pre_announce: allowed(Action::PreAnnounce),
        can_pre_notify: allowed(Action::PreNotify),
        // Only a fixing case has more to ask than the transition table (its upstream
        // track and workaround): the rule is asked only then.
        can_publish: allowed(Action::Publish)
            && (case_state != CaseState::Fixing
                || disclosure::can_publish(&state.db, opened).await.is_ok()),
        can_schedule: allowed(Action::Schedule),
    })
}

/// `POST /team/cases/{id}/advisory`: save the draft.
pub async fn save_draft(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<Draft>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::advisories::save_draft(&state.db, &case, &form).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Advisory,
        kept,
    )
    .await
}

/// The schedule form (checkbox: present when ticked).
#[derive(serde::Deserialize, serde::Serialize)]
pub struct ScheduleForm {
    date: String,
    time: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    exploited: String,
    #[serde(default)]
    auto_publish: Option<String>,
}

/// `POST /team/cases/{id}/schedule`.
pub async fn schedule(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<ScheduleForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> = async {
        disclosure::schedule(
            &state.db,
            &state.cfg,
            &case,
            &ScheduleInput {
                date: form.date,
                time: form.time,
                zone: form.zone,
                exploited: form.exploited,
                auto_publish: form.auto_publish.is_some(),
            },
        )
        .await
    }
    .await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Scheduled,
        kept,
    )
    .await
}

/// The confirmation page of a step by hand: what happens, what is skipped, who
/// has not been told; publishing before the date asks for the reason.
#[derive(Template)]
#[template(path = "confirm_step.html")]
struct ConfirmStep {
    nav: super::Nav,
    case_id: i64,
    summary: String,
    step: String,
    title: String,
    happens: Vec<String>,
    skipped: Vec<String>,
    untold: Vec<String>,
    notices: Vec<String>,
    needs_reason: bool,
    reason: String,
    button: String,
    error: Option<String>,
}

async fn case_project_slug(
    state: &AppState,
    case: &crate::store::cases::CaseRow,
) -> Result<String, PageError> {
    Ok(service::projects::by_id(&state.db, case.project_id)
        .await?
        .slug)
}

async fn confirm_page(
    state: &AppState,
    s: &crate::service::login::ActiveSession,
    csrf: String,
    opened: &service::CaseRef,
    step: &str,
    reason: String,
    error: Option<String>,
) -> Result<ConfirmStep, PageError> {
    let id = opened.id();
    let (case, _, _) = service::cases::team_view(&state.db, opened).await?;
    let from: CaseState = case.state;
    let action = match step {
        "pre-announce" => Action::PreAnnounce,
        "pre-notify" => Action::PreNotify,
        "publish" => Action::Publish,
        _ => return Err(PageError::NotFound),
    };
    // A step the case cannot take gets no confirmation page (and no button) but the
    // reason, in words.
    let impossible = if action == Action::Publish {
        disclosure::can_publish(&state.db, opened)
            .await
            .err()
            .map(|e| e.to_string())
    } else {
        from.apply(action).err().map(|_| {
            format!(
                "A case that is {from} cannot take this step now: schedule its disclosure first."
            )
        })
    };
    if let Some(why) = impossible {
        return Err(ServiceError::Conflict(why).into());
    }
    let project = super::visible_project(state, s, &case_project_slug(state, &case).await?).await?;
    let members = service::members::list(&state.db, &project, true)
        .await?
        .len();
    let (title, happens, button, plan) = match step {
        "pre-announce" => (
            "Send the pre-announcement now?".to_owned(),
            vec!["The announce lists and the pre-announcement addresses are told the date, time and severity of the coming security release now, without details. Mail that has gone out cannot be recalled.".to_owned()],
            "Send the pre-announcement now",
            None,
        ),
        "pre-notify" => (
            "Send the pre-notification now?".to_owned(),
            vec![match members {
                0 => "The confidential pre-notification list has no members: nothing is sent, and the step is recorded as done.".to_owned(),
                n => format!("The {n} member(s) of the confidential pre-notification list receive the advisory, the patches and the date now, each encrypted to their key (a member whose key cannot be used is skipped and named to the team). Mail that has gone out cannot be recalled."),
            }],
            "Send the pre-notification now",
            None,
        ),
        "publish" => {
            let plan = disclosure::publish_plan(&state.db, opened).await?;
            let mut happens = vec!["The advisory becomes public (archive, page, feed, OSV, CVE and CSAF exports), the disclosure notices are mailed, and the reporter is told. The embargo ends.".to_owned()];
            if plan.early {
                happens.push(format!(
                    "The case is scheduled for {}: publishing now is early.",
                    plan.disclose_shown.clone().unwrap_or_default()
                ));
            }
            ("Publish now?".to_owned(), happens, "Publish now", Some(plan))
        }
        _ => return Err(PageError::NotFound),
    };
    Ok(ConfirmStep {
        nav: super::Nav::new(&s.user, csrf),
        case_id: id,
        summary: case.summary,
        step: step.to_owned(),
        title,
        happens,
        skipped: plan.as_ref().map(|p| p.skipped.clone()).unwrap_or_default(),
        untold: plan
            .as_ref()
            .map(|p| p.untold_members.clone())
            .unwrap_or_default(),
        notices: plan
            .as_ref()
            .map(|p| p.notices_to.clone())
            .unwrap_or_default(),
        needs_reason: plan.as_ref().is_some_and(|p| p.early),
        reason,
        button: button.to_owned(),
        error,
    })
}

/// `GET /team/cases/{id}/disclosure/{step}`: the confirmation page.
pub async fn confirm_step(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PagePath((_, step)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    let page = confirm_page(&state, &s, csrf, &case, &step, String::new(), None).await?;
    Ok(super::render(&page)?.into_response())
}

/// The step form: `confirm=yes` (from the confirmation page) and, to publish
/// before the date, the reason.
#[derive(serde::Deserialize)]
pub struct StepForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

/// `POST /team/cases/{id}/disclosure/{step}`: pre-announce, pre-notify or publish now,
/// once confirmed; an unconfirmed post is sent to the confirmation page.
pub async fn step(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PagePath((id, step)): PagePath<(i64, String)>,
    PageForm(form): PageForm<StepForm>,
) -> Result<Response, PageError> {
    if !matches!(step.as_str(), "pre-announce" | "pre-notify" | "publish") {
        return Err(ServiceError::Invalid(format!(
            "unknown step `{step}`; use pre-announce, pre-notify or publish"
        ))
        .into());
    }
    if form.confirm != "yes" {
        return Ok(Redirect::to(&format!("/team/cases/{id}/disclosure/{step}")).into_response());
    }
    let result = match step.as_str() {
        "pre-announce" => disclosure::pre_announce_now(&state.db, &state.cfg, &case)
            .await
            .map(|_| ()),
        "pre-notify" => disclosure::pre_notify_now(&state.db, &state.cfg, &case)
            .await
            .map(|_| ()),
        _ => {
            // The page's own wording for the one thing a person can forget here.
            let plan = disclosure::publish_plan(&state.db, &case).await?;
            if plan.early && form.reason.trim().is_empty() {
                Err(ServiceError::Invalid(
                    "Give the reason for publishing early.".into(),
                ))
            } else {
                disclosure::publish_now(&state.db, &state.cfg, &case, Some(&form.reason))
                    .await
                    .map(|_| ())
            }
        }
    };
    match result {
        Ok(()) => Ok(
            super::case_return::to_case(id, super::case_return::Done::DisclosureStep)
                .into_response(),
        ),
        // Stay on the confirmation page, with what was typed and what to fix.
        Err(ServiceError::Invalid(m) | ServiceError::Conflict(m)) => {
            let reason = form.reason.trim().to_owned();
            let page = confirm_page(&state, &s, csrf, &case, &step, reason, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, super::render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /team/cases/{id}/cve`: assign a CVE ID from the pool.
pub async fn cve(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(_form): PageForm<std::collections::HashMap<String, String>>,
) -> Result<axum::response::Response, PageError> {
    let kept = std::collections::HashMap::new();
    let result: Result<_, ServiceError> =
        async { service::advisories::assign_cve(&state.db, &case).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Cve,
        kept,
    )
    .await
}
