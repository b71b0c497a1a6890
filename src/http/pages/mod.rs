//! Server-rendered HTML pages. They work without JavaScript; forms carry a
//! CSRF token (checked by [`crate::http::security::csrf`]).

mod account;
mod advisories;
mod auth;
mod cvss;
mod disclosure;
mod guest;
mod list_team;
mod lists;
mod public;
mod report;
mod team;
mod triage;

use super::AppState;
use super::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/healthz", get(public::healthz))
        .route("/static/style.css", get(stylesheet))
        .route("/favicon.ico", get(favicon))
        .route("/p/{project}", get(public::project_redirect))
        .route("/p/{project}/", get(public::project))
        .route("/p/{project}/security.txt", get(public::security_txt))
        .route("/p/{project}/policy", get(public::policy))
        .route("/p/{project}/advisories", get(advisories::archive))
        .route("/p/{project}/advisories.atom", get(advisories::atom))
        .route("/p/{project}/advisories/{id}", get(advisories::advisory))
        .route(
            "/.well-known/security.txt",
            get(public::well_known_security_txt),
        )
        .route("/p/{project}/key.asc", get(public::key_asc))
        .route("/.well-known/openpgpkey/policy", get(public::wkd_policy))
        .route("/.well-known/openpgpkey/hu/{hash}", get(public::wkd_direct))
        .route(
            "/.well-known/openpgpkey/{domain}/policy",
            get(public::wkd_policy),
        )
        .route(
            "/.well-known/openpgpkey/{domain}/hu/{hash}",
            get(public::wkd_advanced),
        )
        .route(
            "/p/{project}/report",
            get(report::form).post(report::submit),
        )
        .route(
            "/p/{project}/notification-list/apply",
            get(lists::apply_form).post(lists::apply),
        )
        .route(
            "/p/{project}/notification-list/requests/{token}",
            get(lists::request_page),
        )
        .route(
            "/p/{project}/notification-list/requests/{token}/confirm",
            post(lists::request_confirm),
        )
        .route(
            "/p/{project}/notification-list/requests/{token}/answer",
            post(lists::request_answer),
        )
        .route(
            "/p/{project}/notification-list/key",
            get(lists::key_form).post(lists::key_submit),
        )
        .route(
            "/p/{project}/notification-list/key/{token}",
            get(lists::key_confirm_page).post(lists::key_confirm),
        )
        .route(
            "/p/{project}/announce",
            get(lists::announce_form).post(lists::subscribe),
        )
        .route(
            "/p/{project}/announce/confirm/{token}",
            get(lists::confirm_page).post(lists::confirm),
        )
        .route(
            "/p/{project}/announce/unsubscribe/{token}",
            get(lists::unsubscribe_page).post(lists::unsubscribe),
        )
        .route("/team/projects/{project}/list", get(list_team::page))
        .route(
            "/team/projects/{project}/list/requests/{id}",
            get(list_team::request),
        )
        .route(
            "/team/projects/{project}/list/requests/{id}/decide",
            post(list_team::decide),
        )
        .route(
            "/team/projects/{project}/list/revoke",
            post(list_team::revoke),
        )
        .route("/c/{token}", get(report::case))
        .route("/c/{token}/reply", post(report::reply))
        .route("/g/{token}", get(guest::case))
        .route("/g/{token}/reply", post(guest::reply))
        .route("/team/cases/{id}/guests", post(triage::invite))
        .route(
            "/team/cases/{id}/guests/{guest}/remove",
            post(triage::remove_guest),
        )
        .route("/team/cases/{id}/shared", post(triage::share))
        .route("/team/cases/{id}/strike", post(triage::strike))
        .route("/team/cases/{id}/affected", post(triage::affected))
        .route("/team/cases/{id}/patches", post(triage::attach_patch))
        .route(
            "/team/cases/{id}/patches/{patch}/review",
            post(triage::review_patch),
        )
        .route(
            "/team/cases/{id}/patches/{file}",
            get(triage::download_patch),
        )
        .route("/team/cases/{id}/branch", post(triage::branch))
        .route("/team/cases/{id}/advisory", post(disclosure::save_draft))
        .route("/team/cases/{id}/schedule", post(disclosure::schedule))
        .route("/team/cases/{id}/disclosure/{step}", post(disclosure::step))
        .route("/team/cases/{id}/cve", post(disclosure::cve))
        .route("/team/cases/{id}/upstream", post(triage::upstream))
        .route(
            "/team/cases/{id}/upstream/record",
            post(triage::upstream_record),
        )
        .route("/team/projects/{project}/bans/lift", post(triage::lift_ban))
        .route("/team/projects/{project}/freeze", post(triage::freeze))
        .route("/team/cases/{id}", get(team::case))
        .route("/team/cases/{id}/reply", post(team::case_reply))
        .route("/team/cases/{id}/note", post(team::case_note))
        .route("/team/cases/{id}/spam", post(team::case_spam))
        .route("/team/cases/{id}/acknowledge", post(team::case_acknowledge))
        .route("/team/cases/{id}/decide", post(triage::decide))
        .route("/team/cases/{id}/severity", post(triage::severity))
        .route("/team/cases/{id}/step", post(triage::step))
        .route("/team/cases/{id}/assign", post(triage::assign))
        .route("/team", get(team::dashboard_redirect))
        .route("/team/", get(team::dashboard))
        .route("/team/login", get(auth::login_form).post(auth::login))
        .route(
            "/team/login/second-factor",
            get(auth::second_factor_form).post(auth::second_factor),
        )
        .route("/team/logout", post(auth::logout))
        .route("/team/account", get(account::show))
        .route(
            "/team/account/two-factor/start",
            post(account::start_two_factor),
        )
        .route("/team/account/two-factor/qr.svg", get(account::qr_code))
        .route(
            "/team/account/two-factor/confirm",
            post(account::confirm_two_factor),
        )
        .route(
            "/team/account/recovery-codes",
            post(account::regenerate_recovery_codes),
        )
        .route("/team/projects/{project}", get(team::project))
        .route("/team/audit", get(team::audit))
        .route("/team/cvss", get(cvss::calculator))
}

/// The fallback for unknown pages.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// Browsers ask for it on every site; there is no icon, and "no content" says so without an error.
async fn favicon() -> Response {
    (
        axum::http::StatusCode::NO_CONTENT,
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        )],
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        include_str!("../../../static/style.css"),
    )
        .into_response()
}

/// Render a template to an HTML response.
pub fn render(template: &impl Template) -> Result<Html<String>, PageError> {
    Ok(Html(template.render()?))
}

/// A form body; a malformed one is a 400 page that says which field is wrong.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(PageError::BadRequest(format!(
                "The form could not be read: {}. Go back and check the fields.",
                rejection.body_text()
            ))),
        }
    }
}

/// The navigation bar of team pages.
pub struct Nav {
    /// CSRF token for the sign-out form.
    pub csrf: String,
    /// The member's address.
    pub email: String,
    /// Whether to show administrator links.
    pub is_admin: bool,
}

impl Nav {
    fn new(user: &crate::store::users::UserRow, csrf: String) -> Self {
        Self {
            csrf,
            email: user.email.clone(),
            is_admin: user.is_admin,
        }
    }
}

/// A `next` target is followed only if it is a team page on this site.
pub fn safe_next(next: &str) -> String {
    if next.starts_with("/team/") && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/team/".to_owned()
    }
}
