//! One mapping from failures to responses: HTML pages for people, JSON for
//! the API. Every [`ServiceError`] variant has exactly one status; a 5xx is
//! logged here (once, at the boundary) and its body says nothing about internals.

use crate::service::ServiceError;
use crate::store::StoreError;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// Status, short title and the message a person may see.
pub fn describe(err: &ServiceError) -> (StatusCode, &'static str, String) {
    match err {
        ServiceError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, "Please check your input", m.clone()),
        ServiceError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", format!("{what} was not found.")),
        ServiceError::Conflict(m) => (StatusCode::CONFLICT, "Conflict", m.clone()),
        ServiceError::BadCredentials | ServiceError::BadSecondFactor | ServiceError::ReplayedSecondFactor => {
            (StatusCode::UNAUTHORIZED, "Not signed in", err.to_string())
        }
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", err.to_string()),
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.clone()),
        ServiceError::Store(StoreError::Unavailable(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "The database is unavailable at the moment. Nothing was lost; please try again shortly.".into(),
        ),
        ServiceError::Store(StoreError::Conflict) => (StatusCode::CONFLICT, "Conflict", "That already exists.".into()),
        ServiceError::Store(StoreError::Migrate(_) | StoreError::Database(_) | StoreError::Failed(_)) | ServiceError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Something went wrong on our side. The error has been logged; please try again later.".into(),
        ),
    }
}

fn log_if_server_error(status: StatusCode, err: &dyn std::fmt::Display) {
    if status.is_server_error() {
        tracing::error!(%status, error = %err, "request failed");
    }
}

fn retry_after(err: &ServiceError) -> Option<HeaderValue> {
    match err {
        ServiceError::RateLimited {
            retry_after_minutes,
        } => HeaderValue::from_str(&(retry_after_minutes * 60).to_string()).ok(),
        ServiceError::Store(StoreError::Unavailable(_)) => Some(HeaderValue::from_static("5")),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// Render the error page.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| format!("{title}: {message}"));
    (status, Html(body)).into_response()
}

/// A failure while serving a page.
#[derive(Debug)]
pub enum PageError {
    /// A use case failed.
    Service(ServiceError),
    /// No such page.
    NotFound,
    /// The request was malformed; the message says how.
    BadRequest(String),
    /// Not signed in: go to the sign-in page, then come back to `next`.
    SignInRequired {
        /// Where to return after signing in.
        next: String,
    },
    /// Signed in, but the instance requires a second factor first.
    EnrolmentRequired,
}

impl From<ServiceError> for PageError {
    fn from(err: ServiceError) -> Self {
        Self::Service(err)
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        Self::Service(err.into())
    }
}

impl From<askama::Error> for PageError {
    fn from(err: askama::Error) -> Self {
        Self::Service(ServiceError::Internal(format!("template: {err}")))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignInRequired { next } => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish();
                Redirect::to(&format!("/team/login?{query}")).into_response()
            }
            Self::EnrolmentRequired => Redirect::to("/team/account").into_response(),
            Self::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no page at this address.",
            ),
            Self::BadRequest(message) => {
                error_page(StatusCode::BAD_REQUEST, "Bad request", &message)
            }
            Self::Service(err) => {
                let (status, title, message) = describe(&err);
                log_if_server_error(status, &err);
                let mut response = error_page(status, title, &message);
                if let Some(value) = retry_after(&err) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
        }
    }
}

/// A failure in the JSON API.
#[derive(Debug)]
pub enum ApiError {
    /// A use case failed.
    Service(ServiceError),
    /// No valid bearer token.
    Unauthorized,
    /// No such endpoint or object.
    NotFound(String),
    /// The request was malformed.
    BadRequest(String),
    /// The body is larger than the API accepts.
    TooLarge,
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        Self::Service(err)
    }
}

fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ => "internal",
    }
}

/// A JSON error body: `{"error": {"status", "code", "message"}}`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"error": {"status": status.as_u16(), "code": code_of(status), "message": message}});
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized => {
                let mut r = json_error(
                    StatusCode::UNAUTHORIZED,
                    "a valid API token is required: send `Authorization: Bearer emb_…` (create one with `embargo token create`)",
                );
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            Self::NotFound(what) => {
                json_error(StatusCode::NOT_FOUND, &format!("{what} was not found"))
            }
            Self::BadRequest(message) => json_error(StatusCode::BAD_REQUEST, &message),
            Self::TooLarge => json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "the request body is larger than the API accepts ({} MiB)",
                    super::API_BODY_LIMIT / (1024 * 1024)
                ),
            ),
            Self::Service(err) => {
                let (status, _, message) = describe(&err);
                log_if_server_error(status, &err);
                let mut r = json_error(status, &message);
                if let Some(value) = retry_after(&err) {
                    r.headers_mut().insert(header::RETRY_AFTER, value);
                }
                r
            }
        }
    }
}
