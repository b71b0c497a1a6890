//! The team's pages: dashboard, project team view, audit trail.

use super::{Nav, render};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
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
    render(&ProjectTeam {
        nav: Nav::new(&s.user, csrf),
        name: project.name,
        slug: project.slug,
        members,
    })
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
