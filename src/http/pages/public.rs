//! Pages anyone may see.

use super::PagePath;
use super::render;
use crate::domain::policy::document::{self, RenderContext};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::url;
use crate::service::{self, ServiceError};
use crate::store::projects::ProjectRow;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    /// Each project with how to report to it.
    projects: Vec<(ProjectRow, ReportWay)>,
}

/// How a visitor reports a vulnerability to a project: the form, or mail (and its key).
pub(super) struct ReportWay {
    /// The policy opens Embargo's report form.
    pub web_form: bool,
    /// The security addresses (for a mailto link).
    pub addresses: Vec<String>,
    /// The key this desk decrypts with, if it has one.
    pub key: Option<String>,
}

/// How to report to `project`, from its policy (no policy: the form, as the desk's default).
pub(super) async fn report_way(state: &AppState, project: &ProjectRow) -> ReportWay {
    let policy = service::projects::policy_of(project).ok().flatten();
    let key = match service::keys::project_public_key(&state.db, project.id).await {
        Ok(Some(_)) => Some(url::path(&["p", &project.slug, "key.asc"])),
        _ => None,
    };
    ReportWay {
        web_form: policy.as_ref().is_none_or(|p| p.contact.web_form),
        addresses: policy
            .map(|p| {
                p.contact
                    .addresses
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        key,
    }
}

/// `/`: the projects on this instance.
pub async fn home(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let mut projects = Vec::new();
    for p in service::projects::list(&state.db).await? {
        let way = report_way(&state, &p).await;
        projects.push((p, way));
    }
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
    way: ReportWay,
    has_policy: bool,
    has_list: bool,
    release_in_progress: bool,
}

/// `/p/{project}` → `/p/{project}/`.
pub async fn project_redirect(PagePath(slug): PagePath<String>) -> Redirect {
    Redirect::permanent(&url::path(&["p", &slug, ""]))
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
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let project = find_project(&state, &slug).await?;
    render(&ProjectPage {
        way: report_way(&state, &project).await,
        release_in_progress: project.freeze_since.is_some() && project.freeze_public,
        has_policy: project.policy.is_some(),
        has_list: service::projects::policy_of(&project)
            .ok()
            .flatten()
            .is_some_and(|p| p.notification_list.is_some()),
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
    PagePath(slug): PagePath<String>,
) -> Result<Response, PageError> {
    let project = find_project(&state, &slug).await?;
    let policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    let canonical = state.cfg.link(&format!("/p/{}/security.txt", project.slug));
    let key = served_key(&state, &project).await?;
    Ok(plain_text(document::security_txt(
        &policy,
        &context(&state),
        &canonical,
        key.as_deref(),
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
                let key = served_key(&state, only).await?;
                document::security_txt(
                    &policy,
                    &ctx,
                    &state.cfg.link("/.well-known/security.txt"),
                    key.as_deref(),
                )
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
    way: ReportWay,
    body: String,
    /// The policy text names another key than the one this desk decrypts with: which.
    key_notice: Option<(String, String)>,
}

/// `/p/{project}/policy`: the rendered policy (the same text as `policy render --format security-md`).
/// Where the policy names another OpenPGP key than the desk decrypts with, the page shows
/// the desk's key (the one reporters must use) and says which key the policy text named.
pub async fn policy(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let project = find_project(&state, &slug).await?;
    let mut policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    let mut key_notice = None;
    // A key that cannot be read is the team's problem (their project page says so); the
    // policy page still answers.
    if let Ok(service::keys::PolicyKey::Differs { stated, served, .. }) =
        service::keys::policy_key(&state.db, project.id, &policy).await
        && let Some(k) = policy.contact.openpgp.as_mut()
    {
        k.key_id = Some(served.key_id.clone());
        k.fingerprint = Some(served.fingerprint.clone());
        k.key_url = Some(state.cfg.link(&format!("/p/{}/key.asc", project.slug)));
        // Where else the policy's key is published says nothing about this one.
        k.published = None;
        key_notice = Some((stated, served.key_id));
    }
    let doc = document::security_policy(&policy, &context(&state));
    render(&PolicyPage {
        way: report_way(&state, &project).await,
        title: doc.title.clone(),
        slug: project.slug,
        body: doc.to_html(),
        key_notice,
    })
}

/// The URL of the project's key on this instance, if it has one.
async fn served_key(state: &AppState, project: &ProjectRow) -> Result<Option<String>, PageError> {
    Ok(service::keys::project_public_key(&state.db, project.id)
        .await?
        .map(|_| state.cfg.link(&format!("/p/{}/key.asc", project.slug))))
}

/// `/p/{project}/key.asc`: the project's public key, armored.
pub async fn key_asc(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
) -> Result<Response, PageError> {
    let project = find_project(&state, &slug).await?;
    let key = service::keys::project_public_key(&state.db, project.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let armored = key.to_armored().map_err(ServiceError::from)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pgp-keys"),
        )],
        armored,
    )
        .into_response())
}

/// WKD `policy` file (draft-koch-openpgp-webkey-service §4.5): its presence says the directory exists.
pub async fn wkd_policy() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "",
    )
        .into_response()
}

fn request_host(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| {
            h.rsplit_once(':')
                .map(|(host, _)| host)
                .unwrap_or(h)
                .to_ascii_lowercase()
        })
}

fn wkd_response(key: crate::pgp::PublicKey) -> Result<Response, PageError> {
    let binary = key.to_binary().map_err(ServiceError::from)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        binary,
    )
        .into_response())
}

/// WKD direct method: `/.well-known/openpgpkey/hu/{hash}`. The domain is the request's
/// host; if no key has that domain, the only key with that local part answers.
pub async fn wkd_direct(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PagePath(hash): PagePath<String>,
) -> Result<Response, PageError> {
    let host = request_host(&headers);
    let key = match service::keys::wkd_lookup(&state.db, &hash, host.as_deref()).await? {
        Some(k) => Some(k),
        None => service::keys::wkd_lookup(&state.db, &hash, None).await?,
    };
    wkd_response(key.ok_or(PageError::NotFound)?)
}

/// WKD advanced method: `/.well-known/openpgpkey/{domain}/hu/{hash}`.
pub async fn wkd_advanced(
    State(state): State<AppState>,
    PagePath((domain, hash)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    let key = service::keys::wkd_lookup(&state.db, &hash, Some(&domain)).await?;
    wkd_response(key.ok_or(PageError::NotFound)?)
}
