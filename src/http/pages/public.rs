//! Pages anyone may see.

use super::render;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::service::{self, ServiceError};
use crate::store::projects::ProjectRow;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    projects: Vec<ProjectRow>,
}

/// `/`: the projects on this instance.
pub async fn home(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let projects = service::projects::list(&state.db).await?;
    render(&Home { projects })
}

/// `/healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.acquire().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "project_public.html")]
struct ProjectPage {
    name: String,
}

/// `/p/{project}` → `/p/{project}/`.
pub async fn project_redirect(Path(slug): Path<String>) -> Redirect {
    let slug: String = form_urlencoded::byte_serialize(slug.as_bytes()).collect();
    Redirect::permanent(&format!("/p/{slug}/"))
}

/// `/p/{project}/`: the project's public security page.
pub async fn project(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = match service::projects::find(&state.db, &slug).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    render(&ProjectPage { name: project.name })
}
