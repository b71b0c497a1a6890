//! The JSON API under `/api/v1/`, authenticated with personal API tokens
//! (`Authorization: Bearer emb_…`). Errors are JSON:
//! `{"error": {"status": 404, "code": "not_found", "message": "…"}}`.

mod cases;
mod casework;
mod disclosure;
mod lists;

use super::AppState;
use super::error::ApiError;
use crate::service::{self, ServiceError};
use crate::store::users::UserRow;
#[allow(clippy::disallowed_types)]
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Serialize;

/// Declares the API routes once: the router and [`ROUTES`], the inventory the
/// access tests walk.
macro_rules! api_routes {
    ($($path:literal => $handler:expr;)*) => {
        /// Every API route (below `/api/v1`) with its method router as written.
        pub const ROUTES: &[(&str, &str)] = &[$(($path, stringify!($handler))),*];

        /// The API routes (mounted at `/api/v1`).
        pub fn routes() -> Router<AppState> {
            Router::new()$(.route($path, $handler))*.fallback(not_found)
        }
    };
}

api_routes! {
    "/me" => get(me);
    "/projects" => get(projects);
    "/projects/{project}" => get(project);
    "/cases" => get(cases::list);
    "/cases/{id}" => get(cases::show);
    "/cases/{id}/decision" => post(cases::decide);
    "/cases/{id}/severity" => put(cases::severity);
    "/cases/{id}/actions" => post(cases::step);
    "/cases/{id}/assignee" => put(cases::assign);
    "/cases/{id}/reporter-key" => put(cases::reporter_key);
    "/cases/{id}/credit" => put(cases::credit);
    "/cases/{id}/guests" => get(casework::guests).post(casework::invite);
    "/cases/{id}/guests/{guest}" => delete(casework::remove_guest);
    "/cases/{id}/strikes" => post(casework::strike);
    "/cases/{id}/affected" => put(casework::affected);
    "/cases/{id}/patches" => get(casework::patches).post(casework::attach);
    "/cases/{id}/patches/{patch}/reviews" => post(casework::review);
    "/cases/{id}/upstream" => get(casework::upstream).put(casework::set_upstream);
    "/cases/{id}/upstream/events" => post(casework::upstream_event);
    "/projects/{project}/freeze" => put(casework::freeze);
    "/projects/{project}/bans" => get(casework::bans);
    "/projects/{project}/bans/lift" => post(casework::lift);
    "/cwe" => get(casework::cwe);
    "/cases/{id}/schedule" => post(disclosure::schedule);
    "/cases/{id}/advisory" => get(disclosure::advisory).put(disclosure::save_advisory);
    "/cases/{id}/disclosure/{step}" => post(disclosure::step);
    "/cases/{id}/cve" => post(disclosure::assign_cve);
    "/projects/{project}/schedule" => get(disclosure::jobs);
    "/projects/{project}/list/requests" => get(lists::requests);
    "/projects/{project}/list/requests/{id}" => get(lists::request);
    "/projects/{project}/list/requests/{id}/decision" => post(lists::decide);
    "/projects/{project}/list/members" => get(lists::members).post(lists::add_member);
    "/projects/{project}/list/members/revoke" => post(lists::revoke);
    "/projects/{project}/list/members/key" => put(lists::set_key);
    "/projects/{project}/announce/subscribers" => get(lists::subscribers);
    "/cvss" => get(cases::cvss_score);
    "/openapi.json" => get(openapi);
}

/// `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1 (public: it holds no data).
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}

/// A JSON body; a malformed one is a 400 that says what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// Path parameters; a malformed one (a case number that is not a number) is a JSON 400.
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // The same rule as pages: a parameter that is not a plain segment names nothing.
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if let Some((name, _)) = raw
            .iter()
            .find(|(_, v)| !crate::http::url::is_plain_segment(v))
        {
            return Err(ApiError::NotFound(format!(
                "the `{name}` given in the path"
            )));
        }
        #[allow(clippy::disallowed_types)]
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(Self(v)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The case named by the path's `{id}`, opened for the token's owner through
/// [`service::access::open`] — the one door to a case (404 for a member outside the
/// project, as for a missing case).
pub struct ApiCase(pub UserRow, pub service::CaseRef);

impl FromRequestParts<AppState> for ApiCase {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let given = raw
            .iter()
            .find(|(name, _)| *name == "id")
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default();
        if !crate::http::url::is_plain_segment(&given) {
            return Err(ApiError::NotFound("the `id` given in the path".into()));
        }
        let id: i64 = given.parse().map_err(|_| {
            ApiError::BadRequest(format!("`{given}` is not a case number (a whole number)"))
        })?;
        match service::access::open(&state.db, &service::Caller::member(&user), id).await {
            Ok(case) => Ok(Self(user, case)),
            Err(ServiceError::NotFound(_)) => Err(ApiError::NotFound(format!("case #{id}"))),
            Err(e) => Err(e.into()),
        }
    }
}

/// Query parameters; a malformed one is a JSON 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// Unknown API paths.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("this API endpoint".into())
}

/// The account behind the request's bearer token.
pub struct ApiUser(pub UserRow);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        service::tokens::authenticate(&state.db, token)
            .await?
            .map(Self)
            .ok_or(ApiError::Unauthorized)
    }
}

/// An account as the API shows it.
#[derive(Serialize)]
pub struct UserView {
    id: i64,
    email: String,
    display_name: String,
    is_admin: bool,
    two_factor_enabled: bool,
}

/// A project as the API shows it.
#[derive(Serialize)]
pub struct ProjectView {
    slug: String,
    name: String,
    created_at: i64,
}

/// `GET /api/v1/me`.
async fn me(ApiUser(user): ApiUser) -> Json<UserView> {
    Json(UserView {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        is_admin: user.is_admin,
        two_factor_enabled: user.totp_enabled,
    })
}

/// `GET /api/v1/projects`: the projects the caller is on the team of.
async fn projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ProjectView>>, ApiError> {
    let rows = service::projects::visible_to(&state.db, user.id, user.is_admin).await?;
    Ok(Json(
        rows.into_iter()
            .map(|p| ProjectView {
                slug: p.slug,
                name: p.name,
                created_at: p.created_at,
            })
            .collect(),
    ))
}

/// `GET /api/v1/projects/{slug}`.
async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ProjectView>, ApiError> {
    let p = match service::projects::find(&state.db, &slug).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => {
            return Err(ApiError::NotFound(format!("project `{slug}`")));
        }
        Err(e) => return Err(e.into()),
    };
    if !service::projects::is_team(&state.db, p.id, user.id, user.is_admin).await? {
        return Err(ApiError::NotFound(format!("project `{slug}`")));
    }
    Ok(Json(ProjectView {
        slug: p.slug,
        name: p.name,
        created_at: p.created_at,
    }))
}
