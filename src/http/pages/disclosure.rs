//! The case page's disclosure section: the advisory draft, the schedule (date, hour,
//! zone, exploited-in-the-wild reason, automatic publication), the steps by hand, CVE
//! assignment — and the view of it the case page renders.

use super::PageForm;
use super::PagePath;
use super::team::visible_case;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::session::TeamUser;
use crate::service::disclosure::{self, ScheduleInput};
use crate::service::login::actor_of;
use crate::service::{self, ServiceError};
use crate::store::advisories::Draft;
use axum::extract::State;
use axum::response::Redirect;

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
}

fn utc(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Build the view for a case.
pub async fn view(
    state: &AppState,
    case_id: i64,
    default_zone: &str,
) -> Result<DisclosureView, PageError> {
    let s = disclosure::schedule_of(&state.db, case_id).await?;
    let draft = service::advisories::draft(&state.db, case_id).await?;
    let jobs = disclosure::jobs(&state.db, None, Some(case_id), false).await?;
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
            done.push((what.to_owned(), utc(t)));
        }
    }
    let advisory = service::advisories::of_case(&state.db, case_id)
        .await?
        .map(|a| a.id);
    Ok(DisclosureView {
        draft,
        disclose: s
            .disclose_at
            .map(|t| format!("{} = {}", disclosure::show(t, &zone), utc(t))),
        zone,
        date,
        time,
        auto_publish: s.auto_publish,
        exploited: s.exploited_reason.unwrap_or_default(),
        done,
        jobs: jobs
            .into_iter()
            .map(|j| (j.kind, utc(j.due_at), j.last_error.unwrap_or_default()))
            .collect(),
        cve: s.cve_id,
        advisory,
    })
}

/// `POST /team/cases/{id}/advisory`: save the draft.
pub async fn save_draft(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<Draft>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    service::advisories::save_draft(&state.db, &actor_of(&s.user), id, &form).await?;
    Ok(Redirect::to(&format!("/team/cases/{id}#disclosure")))
}

/// The schedule form (checkbox: present when ticked).
#[derive(serde::Deserialize)]
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
    TeamUser(s): TeamUser,
    PagePath(id): PagePath<i64>,
    PageForm(form): PageForm<ScheduleForm>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    disclosure::schedule(
        &state.db,
        &state.cfg,
        &actor_of(&s.user),
        Some(s.user.id),
        id,
        &ScheduleInput {
            date: form.date,
            time: form.time,
            zone: form.zone,
            exploited: form.exploited,
            auto_publish: form.auto_publish.is_some(),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/team/cases/{id}#disclosure")))
}

/// `POST /team/cases/{id}/disclosure/{step}`: pre-announce, pre-notify or publish now.
pub async fn step(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    PagePath((id, step)): PagePath<(i64, String)>,
    PageForm(_form): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    let actor = actor_of(&s.user);
    match step.as_str() {
        "pre-announce" => {
            disclosure::pre_announce_now(&state.db, &state.cfg, &actor, id).await?;
        }
        "pre-notify" => {
            disclosure::pre_notify_now(&state.db, &state.cfg, &actor, Some(s.user.id), id).await?;
        }
        "publish" => {
            disclosure::publish_now(&state.db, &state.cfg, &actor, id).await?;
        }
        other => {
            return Err(ServiceError::Invalid(format!(
                "unknown step `{other}`; use pre-announce, pre-notify or publish"
            ))
            .into());
        }
    }
    Ok(Redirect::to(&format!("/team/cases/{id}#disclosure")))
}

/// `POST /team/cases/{id}/cve`: assign a CVE ID from the pool.
pub async fn cve(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    PagePath(id): PagePath<i64>,
    PageForm(_form): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    service::advisories::assign_cve(&state.db, &actor_of(&s.user), id).await?;
    Ok(Redirect::to(&format!("/team/cases/{id}#disclosure")))
}
