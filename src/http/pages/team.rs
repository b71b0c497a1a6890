//! The team's pages: dashboard, project team view, audit trail.

use super::{Nav, PageForm, render};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
use crate::service::login::actor_of;
use crate::service::{self, ServiceError};
use crate::store::{
    self,
    projects::{MemberRow, ProjectRow},
};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Nav,
    display_name: String,
    is_admin: bool,
    projects: Vec<ProjectRow>,
}

/// `/team` → `/team/`.
pub async fn dashboard_redirect() -> Redirect {
    Redirect::permanent("/team/")
}

/// `GET /team/`.
pub async fn dashboard(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
) -> Result<Html<String>, PageError> {
    let projects = service::projects::visible_to(&state.db, s.user.id, s.user.is_admin).await?;
    render(&Dashboard {
        display_name: s.user.display_name.clone(),
        is_admin: s.user.is_admin,
        nav: Nav::new(&s.user, csrf),
        projects,
    })
}

#[derive(Template)]
#[template(path = "project_team.html")]
struct ProjectTeam {
    nav: Nav,
    name: String,
    slug: String,
    members: Vec<MemberRow>,
    cases: Vec<CaseLine>,
}

/// A case in the project's list.
struct CaseLine {
    id: i64,
    summary: String,
    state: String,
    received: String,
    ack_due: String,
}

fn when(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `GET /team/projects/{project}`: only the project's team (and administrators) see it; others get 404.
pub async fn project(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    Path(slug): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = match service::projects::find(&state.db, &slug).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !service::projects::is_team(&state.db, project.id, s.user.id, s.user.is_admin).await? {
        return Err(PageError::NotFound);
    }
    let members = service::projects::members(&state.db, project.id).await?;
    let cases = {
        let mut c = state.db.acquire().await?;
        store::cases::list_for_project(c.conn(), project.id, false).await?
    };
    let cases = cases
        .into_iter()
        .map(|c| CaseLine {
            id: c.id,
            summary: c.summary,
            state: c.state,
            received: when(c.received_at),
            ack_due: match (c.acknowledged_at, c.acknowledge_due_at) {
                (Some(_), _) => "met".into(),
                (None, Some(due)) => when(due),
                (None, None) => String::new(),
            },
        })
        .collect();
    render(&ProjectTeam {
        nav: Nav::new(&s.user, csrf),
        name: project.name,
        slug: project.slug,
        members,
        cases,
    })
}

/// One message as the team sees it.
struct TeamMessage {
    author: String,
    who: String,
    when: String,
    body: String,
    note: bool,
}

#[derive(Template)]
#[template(path = "team_case.html")]
struct TeamCase {
    nav: Nav,
    case_id: i64,
    summary: String,
    project: String,
    slug: String,
    state: String,
    received: String,
    source: String,
    ack_due: Option<String>,
    acknowledged: Option<String>,
    reporter: Option<String>,
    has_key: bool,
    wants_credit: bool,
    credit_as: Option<String>,
    attachments: Vec<store::cases::AttachmentRow>,
    messages: Vec<TeamMessage>,
    spam: bool,
}

/// The case, if the member may see it (404 otherwise, so case numbers leak nothing).
async fn visible_case(
    state: &AppState,
    s: &crate::service::login::ActiveSession,
    id: i64,
) -> Result<
    (
        store::cases::CaseRow,
        Vec<store::cases::MessageRow>,
        Vec<store::cases::AttachmentRow>,
        ProjectRow,
    ),
    PageError,
> {
    let (case, messages, attachments) = match service::cases::team_view(&state.db, id).await {
        Ok(v) => v,
        Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !service::projects::is_team(&state.db, case.project_id, s.user.id, s.user.is_admin).await? {
        return Err(PageError::NotFound);
    }
    let project = service::projects::by_id(&state.db, case.project_id).await?;
    Ok((case, messages, attachments, project))
}

/// `GET /team/cases/{id}`.
pub async fn case(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let (case, messages, attachments, project) = visible_case(&state, &s, id).await?;
    let users = service::accounts::list(&state.db).await?;
    let messages = messages
        .into_iter()
        .map(|m| TeamMessage {
            who: match m.author.as_str() {
                "reporter" => case
                    .reporter_email
                    .clone()
                    .unwrap_or_else(|| "Reporter".into()),
                "team" => m
                    .author_user_id
                    .and_then(|u| users.iter().find(|x| x.id == u))
                    .map(|u| u.display_name.clone())
                    .unwrap_or_else(|| "Team".into()),
                _ => "Embargo".into(),
            },
            note: m.visibility == "team",
            author: m.author,
            when: when(m.created_at),
            body: m.body,
        })
        .collect();
    render(&TeamCase {
        nav: Nav::new(&s.user, csrf),
        case_id: case.id,
        summary: case.summary,
        project: project.name,
        slug: project.slug,
        spam: case.state == "spam",
        state: case.state,
        received: when(case.received_at),
        source: case.source,
        ack_due: case.acknowledge_due_at.map(when),
        acknowledged: case.acknowledged_at.map(when),
        reporter: case.reporter_email,
        has_key: case.reporter_key.is_some(),
        wants_credit: case.wants_credit,
        credit_as: case.credit_as,
        attachments,
        messages,
    })
}

/// A text form.
#[derive(serde::Deserialize)]
pub struct TextForm {
    text: String,
}

/// `POST /team/cases/{id}/reply`: to the reporter.
pub async fn case_reply(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<TextForm>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    service::cases::team_reply(
        &state.db,
        &state.cfg,
        &actor_of(&s.user),
        s.user.id,
        id,
        &form.text,
    )
    .await?;
    Ok(Redirect::to(&format!("/team/cases/{id}")))
}

/// `POST /team/cases/{id}/note`: team only.
pub async fn case_note(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<TextForm>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    service::cases::team_note(&state.db, &actor_of(&s.user), s.user.id, id, &form.text).await?;
    Ok(Redirect::to(&format!("/team/cases/{id}")))
}

/// An empty form.
#[derive(serde::Deserialize)]
pub struct Empty {}

/// `POST /team/cases/{id}/spam`.
pub async fn case_spam(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    Path(id): Path<i64>,
    PageForm(_): PageForm<Empty>,
) -> Result<Redirect, PageError> {
    let (_, _, _, project) = visible_case(&state, &s, id).await?;
    service::cases::mark_spam(&state.db, &actor_of(&s.user), id).await?;
    Ok(Redirect::to(&format!("/team/projects/{}", project.slug)))
}

/// One audit event as shown.
struct EventView {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    object: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    events: Vec<EventView>,
}

/// `GET /team/audit`: the newest events, for administrators.
pub async fn audit(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
) -> Result<Html<String>, PageError> {
    if !s.user.is_admin {
        return Err(ServiceError::Forbidden(
            "the audit trail is for instance administrators".into(),
        )
        .into());
    }
    let events = {
        let mut c = state.db.acquire().await?;
        store::audit::recent(c.conn(), None, 200).await?
    };
    let events = events
        .into_iter()
        .map(|e| EventView {
            seq: e.seq,
            when: jiff::Timestamp::from_second(e.at)
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            actor: e.actor,
            action: e.action,
            object: format!("{} {}", e.object_type, e.object_id),
            details: e.details,
        })
        .collect();
    render(&AuditPage {
        nav: Nav::new(&s.user, csrf),
        events,
    })
}

/// `POST /team/cases/{id}/acknowledge`: the team's acknowledgement with a personal message.
pub async fn case_acknowledge(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    Path(id): Path<i64>,
    PageForm(form): PageForm<TextForm>,
) -> Result<Redirect, PageError> {
    visible_case(&state, &s, id).await?;
    service::cases::acknowledge(
        &state.db,
        &state.cfg,
        &actor_of(&s.user),
        s.user.id,
        id,
        &form.text,
    )
    .await?;
    Ok(Redirect::to(&format!("/team/cases/{id}")))
}
