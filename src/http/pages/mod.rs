//! Server-rendered HTML pages. They work without JavaScript; forms carry a
//! CSRF token (checked by [`crate::http::security::csrf`]).

mod account;
mod advisories;
mod auth;
pub mod case_return;
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
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

/// Declares the page routes once: the router and [`ROUTES`], the inventory
/// that tests walk (the path-parameter crawl, the access matrix).
macro_rules! page_routes {
    ($($path:literal => $handler:expr;)*) => {
        /// Every page route with its method router as written (`get(…)`, `post(…)`).
        pub const ROUTES: &[(&str, &str)] = &[$(($path, stringify!($handler))),*];

        /// The page routes.
        pub fn routes() -> Router<AppState> {
            Router::new()$(.route($path, $handler))*
        }
    };
}

page_routes! {
    "/" => get(public::home);
    "/healthz" => get(public::healthz);
    "/static/style.css" => get(stylesheet);
    "/favicon.ico" => get(favicon);
    "/p/{project}" => get(public::project_redirect);
    "/p/{project}/" => get(public::project);
    "/p/{project}/security.txt" => get(public::security_txt);
    "/p/{project}/policy" => get(public::policy);
    "/p/{project}/advisories" => get(advisories::archive);
    "/p/{project}/advisories.atom" => get(advisories::atom);
    "/p/{project}/advisories/{id}" => get(advisories::advisory);
    "/.well-known/security.txt" => get(public::well_known_security_txt);
    "/p/{project}/key.asc" => get(public::key_asc);
    "/.well-known/openpgpkey/policy" => get(public::wkd_policy);
    "/.well-known/openpgpkey/hu/{hash}" => get(public::wkd_direct);
    "/.well-known/openpgpkey/{domain}/policy" => get(public::wkd_policy);
    "/.well-known/openpgpkey/{domain}/hu/{hash}" => get(public::wkd_advanced);
    "/p/{project}/report" => get(report::form).post(report::submit);
    "/p/{project}/notification-list/apply" => get(lists::apply_form).post(lists::apply);
    "/p/{project}/notification-list/requests/{token}" => get(lists::request_page);
    "/p/{project}/notification-list/requests/{token}/confirm" => post(lists::request_confirm);
    "/p/{project}/notification-list/requests/{token}/answer" => post(lists::request_answer);
    "/p/{project}/notification-list/key" => get(lists::key_form).post(lists::key_submit);
    "/p/{project}/notification-list/key/{token}" => get(lists::key_confirm_page).post(lists::key_confirm);
    "/p/{project}/announce" => get(lists::announce_form).post(lists::subscribe);
    "/p/{project}/announce/confirm/{token}" => get(lists::confirm_page).post(lists::confirm);
    "/p/{project}/announce/unsubscribe/{token}" => get(lists::unsubscribe_page).post(lists::unsubscribe);
    "/team/projects/{project}/list" => get(list_team::page);
    "/team/projects/{project}/list/requests/{id}" => get(list_team::request);
    "/team/projects/{project}/list/requests/{id}/decide" => post(list_team::decide);
    "/team/projects/{project}/list/revoke" => post(list_team::revoke);
    "/c/{token}" => get(report::case);
    "/c/{token}/reply" => post(report::reply);
    "/c/{token}/key" => post(report::key);
    "/c/{token}/credit" => post(report::credit);
    "/g/{token}" => get(guest::case);
    "/g/{token}/reply" => post(guest::reply);
    "/team/cases/{id}/guests" => post(triage::invite);
    "/team/cases/{id}/guests/{guest}/remove" => post(triage::remove_guest);
    "/team/cases/{id}/shared" => post(triage::share);
    "/team/cases/{id}/strike" => post(triage::strike);
    "/team/cases/{id}/affected" => post(triage::affected);
    "/team/cases/{id}/patches" => post(triage::attach_patch);
    "/team/cases/{id}/patches/{patch}/review" => post(triage::review_patch);
    "/team/cases/{id}/patches/{file}" => get(triage::download_patch);
    "/team/cases/{id}/branch" => post(triage::branch);
    "/team/cases/{id}/advisory" => post(disclosure::save_draft);
    "/team/cases/{id}/schedule" => post(disclosure::schedule);
    "/team/cases/{id}/disclosure/{step}" => get(disclosure::confirm_step).post(disclosure::step);
    "/team/cases/{id}/cve" => post(disclosure::cve);
    "/team/cases/{id}/upstream" => post(triage::upstream);
    "/team/cases/{id}/upstream/record" => post(triage::upstream_record);
    "/team/projects/{project}/bans/lift" => post(triage::lift_ban);
    "/team/projects/{project}/freeze" => post(triage::freeze);
    "/team/cases/{id}" => get(team::case);
    "/team/cases/{id}/reply" => post(team::case_reply);
    "/team/cases/{id}/note" => post(team::case_note);
    "/team/cases/{id}/spam" => post(team::case_spam);
    "/team/cases/{id}/acknowledge" => post(team::case_acknowledge);
    "/team/cases/{id}/reporter/confirm" => post(team::case_confirm_reporter);
    "/team/cases/{id}/reporter/key" => post(team::case_reporter_key);
    "/team/cases/{id}/reporter/credit" => post(team::case_reporter_credit);
    "/team/cases/{id}/reporter/view" => post(team::case_reporter_view);
    "/team/cases/{id}/decide" => post(triage::decide);
    "/team/cases/{id}/severity" => post(triage::severity);
    "/team/cases/{id}/step" => post(triage::step);
    "/team/cases/{id}/assign" => post(triage::assign);
    "/team" => get(team::dashboard_redirect);
    "/team/" => get(team::dashboard);
    "/team/login" => get(auth::login_form).post(auth::login);
    "/team/login/second-factor" => get(auth::second_factor_form).post(auth::second_factor);
    "/team/logout" => post(auth::logout);
    "/team/account" => get(account::show);
    "/team/account/two-factor/start" => post(account::start_two_factor);
    "/team/account/two-factor/qr.svg" => get(account::qr_code);
    "/team/account/two-factor/confirm" => post(account::confirm_two_factor);
    "/team/account/recovery-codes" => post(account::regenerate_recovery_codes);
    "/team/projects/{project}" => get(team::project);
    "/team/audit" => get(team::audit);
    "/team/cvss" => get(cvss::calculator);
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

/// Path parameters of a page. Every parameter must be a plain segment
/// ([`crate::http::url::is_plain_segment`]); anything else — a `/`, `%`,
/// quote, NUL or dot segment — is "no such page" before the handler runs, so
/// no handler can put hostile path input into a link, a form action or a
/// redirect. Pages never use axum's `Path` directly (clippy.toml forbids it).
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NotFound)?;
        if raw
            .iter()
            .any(|(_, v)| !crate::http::url::is_plain_segment(v))
        {
            return Err(PageError::NotFound);
        }
        #[allow(clippy::disallowed_types)]
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(_) => Err(PageError::NotFound),
        }
    }
}

/// The case named by the path's `{id}`, opened for the signed-in member through
/// [`crate::service::access::open`] — the one door to a case. A handler that works on a
/// case takes this instead of the id: there is no way to reach a case's use cases
/// without it, and a member outside the project gets the same 404 as for a missing case.
pub struct MemberCase(
    pub crate::service::login::ActiveSession,
    pub crate::service::CaseRef,
);

impl FromRequestParts<AppState> for MemberCase {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let crate::http::session::TeamUser(s) =
            crate::http::session::TeamUser::from_request_parts(parts, state).await?;
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NotFound)?;
        let id: i64 = raw
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or(PageError::NotFound)?;
        let case = open_case(state, &s, id).await?;
        Ok(Self(s, case))
    }
}

/// A case for the signed-in member, through the one door (for a case named elsewhere
/// than the path, e.g. the CVSS calculator's `?case=`).
pub(crate) async fn open_case(
    state: &AppState,
    s: &crate::service::login::ActiveSession,
    id: i64,
) -> Result<crate::service::CaseRef, PageError> {
    let caller = crate::service::Caller::member(&s.user);
    match crate::service::access::open(&state.db, &caller, id).await {
        Ok(case) => Ok(case),
        Err(crate::service::ServiceError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The project, if the member may do its team's work (404 otherwise): the one door,
/// [`crate::service::access::open_project`].
pub(crate) async fn visible_project(
    state: &AppState,
    s: &crate::service::login::ActiveSession,
    slug: &str,
) -> Result<crate::service::ProjectRef, PageError> {
    let caller = crate::service::Caller::member(&s.user);
    match crate::service::access::open_project(&state.db, &caller, slug).await {
        Ok(p) => Ok(p),
        Err(crate::service::ServiceError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
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

/// The confirmation asked before a step that cannot be undone (spam, revoking a
/// member, deciding a list request, freezing): the handler, given a post
/// without `confirm=yes`, answers with this page, which says what will happen
/// and posts the same fields again, confirmed. Works without JavaScript.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct Confirm {
    /// The navigation bar (with the CSRF token the button posts).
    pub nav: Nav,
    /// The question.
    pub title: String,
    /// What will happen.
    pub paragraphs: Vec<String>,
    /// Whether to say that it cannot be undone.
    pub irreversible: bool,
    /// Where the button posts (the same route).
    pub action: String,
    /// The fields posted first, posted again.
    pub hidden: Vec<(String, String)>,
    /// The button's label.
    pub button: String,
    /// Where "Cancel" leads.
    pub back: String,
    /// What it leads back to ("the case", "the list").
    pub back_to: String,
}

/// The `confirm` field of a form that asks first (see [`Confirm`]).
#[derive(serde::Deserialize, Default)]
pub struct Confirmed {
    /// `yes` once confirmed.
    #[serde(default)]
    pub confirm: String,
}

impl Confirmed {
    /// Whether the step was confirmed.
    pub fn yes(&self) -> bool {
        self.confirm == "yes"
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
    // The path part is plain (no escapes, no dot segments): the query may be anything printable.
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let plain = next.bytes().all(|b| b.is_ascii_graphic())
        && !next.contains('\\')
        && !path.contains('%')
        && !path.split('/').any(|s| s == "." || s == "..");
    if next.starts_with("/team/") && !next.starts_with("//") && plain {
        next.to_owned()
    } else {
        "/team/".to_owned()
    }
}
