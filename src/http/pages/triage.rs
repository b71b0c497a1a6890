//! The team's triage forms on a case page: the decision (with the threat-model
//! checklist), severity (level, CVSS vectors, CWE), assignment and the plain
//! lifecycle steps. Each posts, then redirects back to the case.

use super::PageForm;
use super::visible_project;
use super::{MemberCase, PagePath};
use crate::domain::case::Action;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::session::TeamUser;
use crate::http::url;
use crate::service::triage::{self, Decision, RejectReason, SeverityInput, ThreatAnswer, Verdict};
use crate::service::{self, ServiceError};
use axum::extract::State;
use axum::response::Redirect;
use std::collections::HashMap;

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("").trim()
}

/// Read the decision form: `verdict`, `reason`, `duplicate_of`, `note`, and per check
/// `check.<id>` (`met` | `not-met`) with `check_note.<id>`.
fn decision_from(form: &HashMap<String, String>) -> Result<Decision, ServiceError> {
    let verdict = match field(form, "verdict") {
        "accept" => Verdict::Accept,
        "reject" => Verdict::Reject(
            field(form, "reason")
                .parse::<RejectReason>()
                .map_err(|e| ServiceError::Invalid(format!("choose why it is rejected: {e}")))?,
        ),
        "duplicate" => Verdict::Duplicate(
            field(form, "duplicate_of")
                .trim_start_matches('#')
                .parse()
                .map_err(|_| {
                    ServiceError::Invalid("give the number of the case it duplicates".into())
                })?,
        ),
        "spam" => Verdict::Spam,
        "public-fix" => Verdict::PublicFix,
        other => {
            return Err(ServiceError::Invalid(format!(
                "choose a decision (accept, reject, duplicate, spam, public-fix), not `{other}`"
            )));
        }
    };
    let mut answers: Vec<ThreatAnswer> = form
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("check.")?;
            let met = match v.as_str() {
                "met" => true,
                "not-met" => false,
                _ => return None,
            };
            Some(ThreatAnswer {
                id: id.to_owned(),
                met,
                note: field(form, &format!("check_note.{id}")).to_owned(),
            })
        })
        .collect();
    answers.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Decision {
        verdict,
        answers,
        note: field(form, "note").to_owned(),
    })
}

/// `POST /team/cases/{id}/decide`. Rejecting and closing as a duplicate end the case and
/// mail the reporter: they are asked first, with the form posted again once confirmed.
pub async fn decide(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let id = case.id();
    let place = super::case_return::Done::Decided;
    let checked = decision_from(&form).and_then(|d| {
        case.state()
            .apply(d.verdict.action())
            .map(|_| d)
            .map_err(|e| ServiceError::Conflict(e.to_string()))
    });
    let decision = match checked {
        Ok(d) => d,
        Err(e) => {
            return super::case_return::finish(
                &state,
                &s,
                csrf,
                &case,
                Err::<(), _>(e),
                place,
                form,
            )
            .await;
        }
    };
    let ends_case = match &decision.verdict {
        Verdict::Reject(reason) => Some(format!("Reject case #{id} as {}?", reason.describe())),
        Verdict::Duplicate(of) => Some(format!("Close case #{id} as a duplicate of #{of}?")),
        _ => None,
    };
    if let Some(title) = ends_case
        && field(&form, "confirm") != "yes"
    {
        let told = match &case.row().reporter_email {
            Some(addr) => format!(
                "The reporter ({addr}) is told by mail at once, with your note; the mail cannot be taken back."
            ),
            None => "The reporter left no address, so nobody is told.".to_owned(),
        };
        let mut hidden: Vec<(String, String)> = form
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "confirm"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        hidden.sort();
        return Ok(super::render(&super::Confirm {
            nav: super::Nav::new(&s.user, csrf),
            title,
            paragraphs: vec![
                format!("“{}” leaves the inbox. {told}", case.row().summary),
                "The case can be reopened later; it stays in the audit trail.".to_owned(),
            ],
            irreversible: case.row().reporter_email.is_some(),
            action: format!("/team/cases/{id}/decide"),
            hidden,
            button: if matches!(decision.verdict, Verdict::Reject(_)) {
                "Reject the report".into()
            } else {
                "Close as a duplicate".into()
            },
            back: format!("/team/cases/{id}"),
            back_to: "the case".into(),
        })?
        .into_response());
    }
    let result = triage::decide(&state.db, &state.cfg, &case, &decision).await;
    super::case_return::finish(&state, &s, csrf, &case, result, place, form).await
}

/// `POST /team/cases/{id}/severity`.
pub async fn severity(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<SeverityInput>,
) -> Result<axum::response::Response, PageError> {
    let result = triage::set_severity(&state.db, &case, &form).await;
    let kept = [
        ("level", &form.level),
        ("cvss3", &form.cvss3),
        ("cvss4", &form.cvss4),
        ("cwe", &form.cwe),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
    .collect();
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Severity,
        kept,
    )
    .await
}

/// The step form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct StepForm {
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /team/cases/{id}/step`: start fix, unschedule, close, reopen.
pub async fn step(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<StepForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> = async {
        let action: Action = form.action.parse().map_err(ServiceError::Invalid)?;
        triage::act(&state.db, &case, action, &form.note).await
    }
    .await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Step,
        kept,
    )
    .await
}

/// The assignment form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
}

/// `POST /team/cases/{id}/assign`: a member's id, or empty for nobody.
pub async fn assign(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<AssignForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> = async {
        let assignee = match form.assignee.trim() {
            "" => None,
            t => Some(
                t.parse::<i64>()
                    .map_err(|_| ServiceError::Invalid("choose a team member".into()))?,
            ),
        };
        service::triage::assign(&state.db, &case, assignee).await
    }
    .await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Assigned,
        kept,
    )
    .await
}

/// `POST /team/cases/{id}/guests`: invite a collaborator.
pub async fn invite(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<service::guests::Invitation>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::guests::invite(&state.db, &state.cfg, &case, &form).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Invited,
        kept,
    )
    .await
}

/// `POST /team/cases/{id}/guests/{guest}/remove`: asked first (their link stops working).
pub async fn remove_guest(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PagePath((id, guest)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<super::Confirmed>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    if !f.yes() {
        let who = service::guests::of_case(&state.db, &case)
            .await?
            .into_iter()
            .find(|g| g.id == guest && g.removed_at.is_none())
            .ok_or(PageError::NotFound)?;
        return Ok(super::render(&super::Confirm {
            nav: super::Nav::new(&s.user, csrf),
            title: format!("Remove {} from case #{id}?", who.email),
            paragraphs: vec![format!(
                "{} ({}) loses access at once: their private link stops working. To let them back in, invite them again (they get a new link).",
                who.name, who.role
            )],
            irreversible: false,
            action: format!("/team/cases/{id}/guests/{guest}/remove"),
            hidden: Vec::new(),
            button: "Remove the collaborator".into(),
            back: format!("/team/cases/{id}"),
            back_to: "the case".into(),
        })?
        .into_response());
    }
    service::guests::remove(&state.db, &case, guest).await?;
    Ok(super::case_return::to_case(id, super::case_return::Done::GuestRemoved).into_response())
}

/// The shared-message form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct ShareForm {
    text: String,
}

/// `POST /team/cases/{id}/shared`: a message to the case's collaborators.
pub async fn share(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<ShareForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::guests::team_message(&state.db, &case, &form.text).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Shared,
        kept,
    )
    .await
}

/// The strike form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct StrikeForm {
    reason: String,
}

/// `POST /team/cases/{id}/strike`: a strike against the case's reporter.
pub async fn strike(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<StrikeForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::conduct::strike(&state.db, &case, &form.reason).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Strike,
        kept,
    )
    .await
}

/// The lift form.
#[derive(serde::Deserialize)]
pub struct LiftForm {
    email: String,
}

/// `POST /team/projects/{project}/bans/lift`: administrators lift a ban.
pub async fn lift_ban(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    PagePath(slug): PagePath<String>,
    PageForm(form): PageForm<LiftForm>,
) -> Result<Redirect, PageError> {
    let project = visible_project(&state, &s, &slug).await?;
    service::conduct::lift_ban(&state.db, &project, &form.email).await?;
    Ok(Redirect::to(&url::path(&["team", "projects", &slug])))
}

/// The affected-versions form.
#[derive(serde::Deserialize)]
pub struct AffectedForm {
    #[serde(default)]
    text: String,
}

/// `POST /team/cases/{id}/affected`.
pub async fn affected(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<AffectedForm>,
) -> Result<axum::response::Response, PageError> {
    let result = service::triage::set_affected(&state.db, &case, &form.text).await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Affected,
        HashMap::from([("text".to_owned(), form.text)]),
    )
    .await
}

/// The freeze form.
#[derive(serde::Deserialize)]
pub struct FreezeForm {
    on: bool,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    confirm: String,
}

/// `POST /team/projects/{project}/freeze`: start or end a security-release freeze.
pub async fn freeze(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PagePath(slug): PagePath<String>,
    PageForm(form): PageForm<FreezeForm>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let project = visible_project(&state, &s, &slug).await?;
    if form.confirm != "yes" {
        let (title, what, button) = if form.on {
            (
                format!("Start a security release of {}?", project.name),
                "The team pages show that other development is halted until the release ends."
                    .to_owned()
                    + if form.public {
                        " A notice without details appears on the public security page."
                    } else {
                        ""
                    },
                "Start the security release",
            )
        } else {
            (
                format!("End the security release of {}?", project.name),
                "The freeze banner goes, and the public notice with it.".to_owned(),
                "End the security release",
            )
        };
        return Ok(super::render(&super::Confirm {
            nav: super::Nav::new(&s.user, csrf),
            title,
            paragraphs: vec![what],
            irreversible: false,
            action: format!("/team/projects/{}/freeze", project.slug),
            hidden: vec![
                ("on".into(), form.on.to_string()),
                ("public".into(), form.public.to_string()),
            ],
            button: button.into(),
            back: format!("/team/projects/{}", project.slug),
            back_to: "the project".into(),
        })?
        .into_response());
    }
    service::projects::set_freeze(&state.db, &project, form.on, form.public).await?;
    Ok(Redirect::to(&url::path(&["team", "projects", &slug])).into_response())
}

/// `POST /team/cases/{id}/patches`.
pub async fn attach_patch(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<service::fixes::NewPatch>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::fixes::attach(&state.db, &case, &form).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Patch,
        kept,
    )
    .await
}

/// The review form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct ReviewForm {
    verdict: String,
    #[serde(default)]
    note: String,
}

/// `POST /team/cases/{id}/patches/{patch}/review`.
pub async fn review_patch(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PagePath((_, patch)): PagePath<(i64, i64)>,
    PageForm(form): PageForm<ReviewForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::fixes::review(&state.db, &case, patch, &form.verdict, &form.note).await }
            .await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Review,
        kept,
    )
    .await
}

/// `GET /team/cases/{id}/patches/{patch}.patch`: the diff as text.
pub async fn download_patch(
    State(state): State<AppState>,
    MemberCase(_, case): MemberCase,
    PagePath((id, file)): PagePath<(i64, String)>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let pid: i64 = file
        .strip_suffix(".patch")
        .and_then(|n| n.parse().ok())
        .ok_or(PageError::NotFound)?;
    let patch = service::fixes::of_case(&state.db, &case)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == pid)
        .ok_or(PageError::NotFound)?
        .0;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/x-diff; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"case-{id}-{}.patch\"",
                    patch
                        .branch
                        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")
                ),
            ),
        ],
        patch.content,
    )
        .into_response())
}

/// The branch-link form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct BranchForm {
    #[serde(default)]
    url: String,
}

/// `POST /team/cases/{id}/branch`.
pub async fn branch(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<BranchForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::fixes::set_branch_url(&state.db, &case, &form.url).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Branch,
        kept,
    )
    .await
}

/// The upstream form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct UpstreamForm {
    name: String,
    #[serde(default)]
    contact: String,
}

/// `POST /team/cases/{id}/upstream`.
pub async fn upstream(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<UpstreamForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::upstream::set(&state.db, &case, &form.name, &form.contact).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Upstream,
        kept,
    )
    .await
}

/// The upstream-entry form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct UpstreamEventForm {
    kind: String,
    body: String,
}

/// `POST /team/cases/{id}/upstream/record`.
pub async fn upstream_record(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    crate::http::security::CsrfToken(csrf): crate::http::security::CsrfToken,
    PageForm(form): PageForm<UpstreamEventForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::upstream::record(&state.db, &case, &form.kind, &form.body).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::UpstreamEvent,
        kept,
    )
    .await
}
