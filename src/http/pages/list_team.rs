//! The team's pages of the confidential pre-notification list: the review queue (with
//! the decision clock and the reviewer's flags), one request with the decision form,
//! and the members per group with revocation. Only the project's team (and
//! administrators) reach them; anyone else gets 404.

use super::PagePath;
use super::visible_project;
use super::{Nav, PageForm, render};
use crate::domain::time::Timestamp;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
use crate::service::list_requests::{self, Decision, RequestView};
use crate::service::{self, ServiceError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect};
use serde::Deserialize;

/// A request in the queue table.
struct RequestLine {
    id: i64,
    name: String,
    organisation: String,
    email: String,
    group: String,
    status: String,
    due: String,
    overdue: bool,
    flags: Vec<String>,
}

/// A member in the table.
struct MemberLine {
    name: String,
    organisation: String,
    email: String,
    fingerprint: Option<String>,
    since: String,
}

#[derive(Template)]
#[template(path = "list_team.html")]
struct ListPage {
    nav: Nav,
    name: String,
    slug: String,
    requests: Vec<RequestLine>,
    groups: Vec<(String, Vec<MemberLine>)>,
    revoked: Vec<MemberLine>,
    reason_optional: bool,
    subscribers: usize,
    mails: Vec<MailLine>,
}

/// A request that came by mail.
struct MailLine {
    sender: String,
    received: String,
    subject: String,
    body: String,
}

fn missing_list(e: ServiceError) -> PageError {
    match e {
        ServiceError::NotFound(_) => PageError::NotFound,
        other => other.into(),
    }
}

/// `GET /team/projects/{project}/list`.
pub async fn page(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let project = visible_project(&state, &s, &slug).await?;
    let (_, _, list) = list_requests::project_list(&state.db, &project.slug)
        .await
        .map_err(missing_list)?;
    let group_name = |id: &str| {
        list.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let requests = list_requests::queue(&state.db, &project, true)
        .await?
        .into_iter()
        .map(|r| RequestLine {
            id: r.row.id,
            name: r.row.name.clone(),
            organisation: r.row.organisation.clone(),
            email: r.row.email.clone(),
            group: group_name(&r.row.group_id),
            status: r.row.status.clone(),
            due: r
                .row
                .decide_due_at
                .map(|t| Timestamp(t).minute())
                .unwrap_or_default(),
            overdue: r.overdue,
            flags: r.flag_list.iter().map(|f| f.kind.clone()).collect(),
        })
        .collect();
    let members = service::members::list(&state.db, &project, false).await?;
    let line = |m: &crate::store::members::Member| MemberLine {
        name: m.name.clone(),
        organisation: m.organisation.clone(),
        email: m.email.clone(),
        fingerprint: m.fingerprint.clone(),
        since: Timestamp(m.revoked_at.unwrap_or(m.approved_at)).minute(),
    };
    let groups = list
        .groups
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                members
                    .iter()
                    .filter(|m| m.group_id == g.id && m.revoked_at.is_none())
                    .map(line)
                    .collect(),
            )
        })
        .collect();
    let revoked = members
        .iter()
        .filter(|m| m.revoked_at.is_some())
        .map(line)
        .collect();
    let subscribers = service::announce::subscribers(&state.db, &project, true)
        .await?
        .len();
    let mails = list_requests::mails(&state.db, &project)
        .await?
        .into_iter()
        .map(|m| MailLine {
            sender: match (m.sender_name, m.sender) {
                (Some(n), Some(a)) => format!("{n} <{a}>"),
                (None, Some(a)) => a,
                (Some(n), None) => n,
                (None, None) => "unknown sender".into(),
            },
            received: Timestamp(m.received_at).minute(),
            subject: m.subject,
            body: m.body,
        })
        .collect();
    render(&ListPage {
        nav: Nav::new(&s.user, csrf),
        name: project.name.clone(),
        slug: project.slug.clone(),
        requests,
        groups,
        revoked,
        reason_optional: list.revocable_without_reason,
        subscribers,
        mails,
    })
}

#[derive(Template)]
#[template(path = "list_team_request.html")]
struct RequestPage {
    nav: Nav,
    slug: String,
    r: RequestView,
    due: Option<String>,
    group: String,
    groups: Vec<(String, String)>,
    attempts: Vec<(String, String)>,
    open: bool,
}

/// `GET /team/projects/{project}/list/requests/{id}`.
pub async fn request(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PagePath((slug, id)): PagePath<(String, i64)>,
) -> Result<Html<String>, PageError> {
    let project = visible_project(&state, &s, &slug).await?;
    let (_, _, list) = list_requests::project_list(&state.db, &project.slug)
        .await
        .map_err(missing_list)?;
    let r = list_requests::request(&state.db, &project, id)
        .await
        .map_err(missing_list)?;
    let group = list
        .groups
        .iter()
        .find(|g| g.id == r.row.group_id)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| r.row.group_id.clone());
    let attempts = r
        .attempts
        .iter()
        .map(|(what, at)| {
            let list: Vec<String> = serde_json::from_str(what).unwrap_or_default();
            (list.join("; "), Timestamp(*at).minute())
        })
        .collect();
    render(&RequestPage {
        nav: Nav::new(&s.user, csrf),
        slug: project.slug.clone(),
        due: r.row.decide_due_at.map(|t| Timestamp(t).minute()),
        open: matches!(r.row.status.as_str(), "pending" | "more-info"),
        group,
        groups: list
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect(),
        attempts,
        r,
    })
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    verdict: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /team/projects/{project}/list/requests/{id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PagePath((slug, id)): PagePath<(String, i64)>,
    PageForm(f): PageForm<DecideForm>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let project = visible_project(&state, &s, &slug).await?;
    // Approving lets someone read every embargoed issue from now on; a rejection is
    // mailed at once: both ask first.
    let complete = f.verdict == "approve" || !f.note.trim().is_empty();
    if matches!(f.verdict.as_str(), "approve" | "reject") && complete && f.confirm != "yes" {
        let what = if f.verdict == "approve" {
            format!(
                "The applicant joins the group “{}” of the confidential list and receives every pre-notification from now on. They are told by mail.",
                f.group
            )
        } else {
            "The applicant is told by mail that the request is rejected, with your reason."
                .to_owned()
        };
        return Ok(render(&super::Confirm {
            nav: Nav::new(&s.user, csrf),
            title: if f.verdict == "approve" {
                format!("Approve request #{id}?")
            } else {
                format!("Reject request #{id}?")
            },
            paragraphs: vec![what],
            irreversible: f.verdict == "reject",
            action: format!("/team/projects/{}/list/requests/{id}/decide", project.slug),
            hidden: vec![
                ("verdict".into(), f.verdict.clone()),
                ("group".into(), f.group.clone()),
                ("note".into(), f.note.clone()),
            ],
            button: if f.verdict == "approve" {
                "Approve".into()
            } else {
                "Reject".into()
            },
            back: format!("/team/projects/{}/list/requests/{id}", project.slug),
            back_to: "the request".into(),
        })?
        .into_response());
    }
    let d = match f.verdict.as_str() {
        "approve" => Decision::Approve {
            group: f.group,
            note: f.note,
        },
        "reject" => Decision::Reject { note: f.note },
        "ask-more" => Decision::AskMore { note: f.note },
        other => {
            return Err(ServiceError::Invalid(format!(
                "`{other}` is not a decision; use approve, reject or ask-more"
            ))
            .into());
        }
    };
    list_requests::decide(&state.db, &state.cfg, &project, id, &d).await?;
    Ok(Redirect::to(&format!(
        "/team/projects/{}/list/requests/{id}",
        project.slug
    ))
    .into_response())
}

/// The revoke form.
#[derive(Deserialize)]
pub struct RevokeForm {
    email: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /team/projects/{project}/list/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
    PageForm(f): PageForm<RevokeForm>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let project = visible_project(&state, &s, &slug).await?;
    if f.confirm != "yes" {
        return Ok(render(&super::Confirm {
            nav: Nav::new(&s.user, csrf),
            title: format!("Revoke {}?", f.email.trim()),
            paragraphs: vec![format!(
                "{} leaves the confidential list at once and receives nothing from now on, not even a date change. To come back they apply again.",
                f.email.trim()
            )],
            irreversible: false,
            action: format!("/team/projects/{}/list/revoke", project.slug),
            hidden: vec![
                ("email".into(), f.email.clone()),
                ("reason".into(), f.reason.clone()),
            ],
            button: "Revoke".into(),
            back: format!("/team/projects/{}/list", project.slug),
            back_to: "the list".into(),
        })?
        .into_response());
    }
    let email = f
        .email
        .trim()
        .parse()
        .map_err(|e| ServiceError::Invalid(format!("{e}")))?;
    service::members::revoke(&state.db, &project, &email, Some(&f.reason)).await?;
    Ok(Redirect::to(&format!("/team/projects/{}/list", project.slug)).into_response())
}
