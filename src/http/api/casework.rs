//! Case work in the JSON API beyond triage: collaborators, conduct, affected versions,
//! patches and reviews, the upstream track, project freeze and bans, CWE lookup.
//! Cases and projects the caller is not on the team of answer 404.

use super::ApiCase;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::{self, ServiceError};
use crate::store::users::UserRow;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

fn ts(t: Option<i64>) -> Value {
    json!(t)
}

/// `GET /api/v1/cases/{id}/guests`.
pub async fn guests(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<Value>, ApiError> {
    let rows = service::guests::of_case(&state.db, &case).await?;
    Ok(Json(json!(rows
        .into_iter()
        .map(|g| json!({"id": g.id, "email": g.email, "name": g.name, "role": g.role, "invited_at": g.invited_at, "removed_at": ts(g.removed_at), "last_seen_at": ts(g.last_seen_at)}))
        .collect::<Vec<_>>())))
}

/// `POST /api/v1/cases/{id}/guests`: invite (the link is mailed, and returned once).
pub async fn invite(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<service::guests::Invitation>,
) -> Result<Json<Value>, ApiError> {
    let (gid, link) = service::guests::invite(&state.db, &state.cfg, &case, &body).await?;
    Ok(Json(json!({"id": gid, "link": link})))
}

/// `DELETE /api/v1/cases/{id}/guests/{guest}`.
pub async fn remove_guest(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiPath((_, guest)): ApiPath<(i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    service::guests::remove(&state.db, &case, guest).await?;
    Ok(Json(json!({"id": guest, "removed": true})))
}

/// A strike.
#[derive(Debug, Deserialize)]
pub struct StrikeBody {
    reason: String,
}

/// `POST /api/v1/cases/{id}/strikes`.
pub async fn strike(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<StrikeBody>,
) -> Result<Json<Value>, ApiError> {
    let out = service::conduct::strike(&state.db, &case, &body.reason).await?;
    Ok(Json(
        json!({"strikes": out.strikes, "threshold": out.threshold, "banned": out.banned}),
    ))
}

/// Affected versions.
#[derive(Debug, Deserialize)]
pub struct AffectedBody {
    text: String,
}

/// `PUT /api/v1/cases/{id}/affected`: lines in the project's scheme; answers the assessment.
pub async fn affected(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<AffectedBody>,
) -> Result<Json<Value>, ApiError> {
    let view = service::triage::set_affected(&state.db, &case, &body.text).await?;
    Ok(Json(json!({
        "lines": view.lines,
        "assessment": view.assessment.map(|a| json!({
            "supported": a.supported.iter().map(|s| json!({"series": s.series, "status": s.status.as_str(), "fixed_in": s.fixed_in})).collect::<Vec<_>>(),
            "unsupported": a.unsupported,
            "development_only": a.development_only,
            "prerelease_only": a.prerelease_only,
            "public_fix": a.public_fix,
        })),
    })))
}

/// `GET /api/v1/cases/{id}/patches`.
pub async fn patches(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<Value>, ApiError> {
    let rows = service::fixes::of_case(&state.db, &case).await?;
    Ok(Json(json!(rows
        .into_iter()
        .map(|(p, r)| json!({
            "id": p.id, "branch": p.branch, "title": p.title, "diff": p.content,
            "files": serde_json::from_str::<Value>(&p.files).unwrap_or(Value::Null),
            "added": p.added, "removed": p.removed, "author": p.author_user_id,
            "created_at": p.created_at, "superseded_at": ts(p.superseded_at),
            "reviews": r.into_iter().map(|r| json!({"reviewer": r.reviewer_user_id, "verdict": r.verdict, "note": r.note, "created_at": r.created_at})).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>())))
}

/// `POST /api/v1/cases/{id}/patches`.
pub async fn attach(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<service::fixes::NewPatch>,
) -> Result<Json<Value>, ApiError> {
    let a = service::fixes::attach(&state.db, &case, &body).await?;
    Ok(Json(json!({"id": a.id, "warning": a.warning})))
}

/// A review.
#[derive(Debug, Deserialize)]
pub struct ReviewBody {
    verdict: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/cases/{id}/patches/{patch}/reviews`.
pub async fn review(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiPath((_, patch)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<Value>, ApiError> {
    service::fixes::review(&state.db, &case, patch, &body.verdict, &body.note).await?;
    Ok(Json(json!({"patch": patch, "verdict": body.verdict})))
}

/// The upstream facts.
#[derive(Debug, Deserialize)]
pub struct UpstreamBody {
    name: String,
    #[serde(default)]
    contact: String,
}

/// `GET /api/v1/cases/{id}/upstream`.
pub async fn upstream(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<Value>, ApiError> {
    track_of(&state, &case).await
}

async fn track_of(state: &AppState, case: &service::CaseRef) -> Result<Json<Value>, ApiError> {
    let t = service::upstream::track(&state.db, case, crate::store::now()).await?;
    Ok(Json(json!({
        "name": t.facts.upstream_name, "contact": t.facts.upstream_contact,
        "contacted_at": t.facts.upstream_contacted_at, "deadline_at": t.facts.upstream_deadline_at,
        "resolved_at": t.facts.upstream_resolved_at,
        "events": t.events.iter().map(|e| json!({"kind": e.kind, "body": e.body, "user": e.user_id, "at": e.at})).collect::<Vec<_>>(),
        "prompt": t.prompt,
    })))
}

/// `PUT /api/v1/cases/{id}/upstream`.
pub async fn set_upstream(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<UpstreamBody>,
) -> Result<Json<Value>, ApiError> {
    service::upstream::set(&state.db, &case, &body.name, &body.contact).await?;
    track_of(&state, &case).await
}

/// An upstream entry.
#[derive(Debug, Deserialize)]
pub struct UpstreamEventBody {
    kind: String,
    body: String,
}

/// `POST /api/v1/cases/{id}/upstream/events`.
pub async fn upstream_event(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<UpstreamEventBody>,
) -> Result<Json<Value>, ApiError> {
    service::upstream::record(&state.db, &case, &body.kind, &body.body).await?;
    track_of(&state, &case).await
}

pub(super) async fn team_project(
    state: &AppState,
    user: &UserRow,
    slug: &str,
) -> Result<service::ProjectRef, ApiError> {
    match service::access::open_project(&state.db, &service::Caller::member(user), slug).await {
        Ok(p) => Ok(p),
        Err(ServiceError::NotFound(_)) => Err(ApiError::NotFound(format!("project `{slug}`"))),
        Err(e) => Err(e.into()),
    }
}

/// A freeze.
#[derive(Debug, Deserialize)]
pub struct FreezeBody {
    on: bool,
    #[serde(default)]
    public: bool,
}

/// `PUT /api/v1/projects/{project}/freeze`.
pub async fn freeze(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<FreezeBody>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    service::projects::set_freeze(&state.db, &p, body.on, body.public).await?;
    Ok(Json(
        json!({"project": slug, "frozen": body.on, "public_notice": body.on && body.public}),
    ))
}

/// `GET /api/v1/projects/{project}/bans`.
pub async fn bans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    let rows = service::conduct::bans(&state.db, &p).await?;
    Ok(Json(json!(rows
        .into_iter()
        .map(|b| json!({"email": b.email, "key": b.fingerprint, "reason": b.reason, "created_at": b.created_at}))
        .collect::<Vec<_>>())))
}

/// A ban to lift.
#[derive(Debug, Deserialize)]
pub struct LiftBody {
    email: String,
}

/// `POST /api/v1/projects/{project}/bans/lift` (administrators).
pub async fn lift(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<LiftBody>,
) -> Result<Json<Value>, ApiError> {
    let p = team_project(&state, &user, &slug).await?;
    service::conduct::lift_ban(&state.db, &p, &body.email).await?;
    Ok(Json(json!({"email": body.email, "lifted": true})))
}

/// CWE search.
#[derive(Debug, Deserialize)]
pub struct CweQuery {
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/cwe?q=…`: assignable CWE entries whose id or name matches.
pub async fn cwe(ApiUser(_): ApiUser, ApiQuery(q): ApiQuery<CweQuery>) -> Json<Value> {
    Json(json!({
        "version": crate::domain::cwe::version(),
        "entries": crate::domain::cwe::search(&q.q, 50).into_iter().map(|c| json!({"id": format!("CWE-{}", c.id), "name": c.name, "abstraction": c.abstraction, "status": c.status})).collect::<Vec<_>>(),
    }))
}
