//! Pages anyone may see.

use super::render;
use crate::domain::policy::document::{self, RenderContext};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::service::{self, ServiceError};
use crate::store::projects::ProjectRow;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
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
    slug: String,
    has_policy: bool,
}

/// `/p/{project}` → `/p/{project}/`.
pub async fn project_redirect(Path(slug): Path<String>) -> Redirect {
    let slug: String = form_urlencoded::byte_serialize(slug.as_bytes()).collect();
    Redirect::permanent(&format!("/p/{slug}/"))
}

async fn find_project(state: &AppState, slug: &str) -> Result<ProjectRow, PageError> {
    match service::projects::find(&state.db, slug).await {
        Ok(p) => Ok(p),
        Err(ServiceError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `/p/{project}/`: the project's public security page.
pub async fn project(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = find_project(&state, &slug).await?;
    render(&ProjectPage {
        has_policy: project.policy.is_some(),
        name: project.name,
        slug: project.slug,
    })
}

fn context(state: &AppState) -> RenderContext {
    let now = jiff::Timestamp::now();
    RenderContext {
        base_url: state
            .cfg
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        date: now.to_zoned(jiff::tz::TimeZone::UTC).date(),
        now,
    }
}

fn plain_text(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `/p/{project}/security.txt`: RFC 9116, from the project's policy.
pub async fn security_txt(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let project = find_project(&state, &slug).await?;
    let policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    let canonical = state.cfg.link(&format!("/p/{}/security.txt", project.slug));
    Ok(plain_text(document::security_txt(
        &policy,
        &context(&state),
        &canonical,
    )))
}

/// `/.well-known/security.txt`: the single project's, or one pointing at the list of projects.
pub async fn well_known_security_txt(State(state): State<AppState>) -> Result<Response, PageError> {
    let projects = service::projects::list(&state.db).await?;
    let with_policy: Vec<&ProjectRow> = projects.iter().filter(|p| p.policy.is_some()).collect();
    let ctx = context(&state);
    let body = match with_policy.as_slice() {
        [only] => match service::projects::policy_of(only)? {
            Some(policy) => {
                document::security_txt(&policy, &ctx, &state.cfg.link("/.well-known/security.txt"))
            }
            None => document::instance_security_txt(&ctx.base_url, ctx.now),
        },
        _ => document::instance_security_txt(&ctx.base_url, ctx.now),
    };
    Ok(plain_text(body))
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    title: String,
    slug: String,
    body: String,
}

/// `/p/{project}/policy`: the rendered policy (the same text as `policy render --format security-md`).
pub async fn policy(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Html<String>, PageError> {
    let project = find_project(&state, &slug).await?;
    let policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    let doc = document::security_policy(&policy, &context(&state));
    render(&PolicyPage {
        title: doc.title.clone(),
        slug: project.slug,
        body: doc.to_html(),
    })
}
