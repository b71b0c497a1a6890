//! The project's lists in the JSON API: notification-list requests (queue, one
//! request, decisions), members (list, add, revoke, key), and the announce list's
//! subscribers. Team only: a project the caller is not on the team of answers 404, so
//! the confidential list is never in an unauthenticated response.

use super::casework::team_project;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::list_requests::{self, Decision};
use crate::service::{self, ServiceError};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

/// `?all=true` includes decided requests / revoked members / unsubscribed addresses.
#[derive(Debug, Default, Deserialize)]
pub struct All {
    #[serde(default)]
    all: bool,
}

fn email(text: &str) -> Result<crate::domain::email::EmailAddress, ApiError> {
    text.trim()
        .parse()
        .map_err(|e| ServiceError::Invalid(format!("{e}")).into())
}

/// `GET /api/v1/projects/{project}/list/requests`.
pub async fn requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<All>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    Ok(Json(json!(
        list_requests::queue(&state.db, &p, !q.all).await?
    )))
}

/// `GET /api/v1/projects/{project}/list/requests/{id}`.
pub async fn request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    Ok(Json(json!(
        list_requests::request(&state.db, &p, id).await?
    )))
}

/// `POST /api/v1/projects/{project}/list/requests/{id}/decision`.
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(d): ApiJson<Decision>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let r = list_requests::decide(&state.db, &state.cfg, &p, id, &d).await?;
    Ok(Json(json!(r)))
}

fn member_json(m: &crate::store::members::Member) -> Value {
    json!({
        "id": m.id,
        "email": m.email,
        "name": m.name,
        "organisation": m.organisation,
        "group": m.group_id,
        "fingerprint": m.fingerprint,
        "approved_at": m.approved_at,
        "revoked_at": m.revoked_at,
        "revoke_reason": m.revoke_reason,
    })
}

/// `GET /api/v1/projects/{project}/list/members`.
pub async fn members(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<All>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let members = service::members::list(&state.db, &p, !q.all).await?;
    Ok(Json(Value::Array(
        members.iter().map(member_json).collect(),
    )))
}

/// A member added by the team.
#[derive(Debug, Deserialize)]
pub struct NewMember {
    email: String,
    name: String,
    group: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    public_key: Option<String>,
}

/// `POST /api/v1/projects/{project}/list/members`.
pub async fn add_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(m): ApiJson<NewMember>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let address = email(&m.email)?;
    let added = service::members::add(
        &state.db,
        &p,
        &service::members::Addition {
            email: &address,
            name: &m.name,
            organisation: &m.organisation,
            group: &m.group,
            key: m.public_key.as_deref().map(str::as_bytes),
        },
    )
    .await?;
    Ok(Json(member_json(&added)))
}

/// A revocation.
#[derive(Debug, Deserialize)]
pub struct Revocation {
    email: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/projects/{project}/list/members/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(r): ApiJson<Revocation>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let address = email(&r.email)?;
    service::members::revoke(&state.db, &p, &address, r.reason.as_deref()).await?;
    Ok(Json(json!({"revoked": true})))
}

/// A key set by the team.
#[derive(Debug, Deserialize)]
pub struct KeyChange {
    email: String,
    public_key: String,
}

/// `PUT /api/v1/projects/{project}/list/members/key`.
pub async fn set_key(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(k): ApiJson<KeyChange>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let address = email(&k.email)?;
    let fp = service::members::set_key(&state.db, &p, &address, k.public_key.as_bytes()).await?;
    Ok(Json(json!({"fingerprint": fp})))
}

/// `GET /api/v1/projects/{project}/announce/subscribers`.
pub async fn subscribers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<All>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let subs = service::announce::subscribers(&state.db, &p, !q.all).await?;
    Ok(Json(Value::Array(
        subs.iter()
            .map(|s| json!({"email": s.email, "status": s.status, "since": s.confirmed_at.unwrap_or(s.created_at)}))
            .collect(),
    )))
}
