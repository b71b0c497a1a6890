//! Disclosure in the JSON API: the schedule, the advisory draft, the steps
//! (pre-announce, pre-notify, publish), CVE assignment, and a project's scheduled jobs.
//! Cases and projects the caller is not on the team of answer 404.

use super::ApiCase;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::disclosure::{self, Outcome, ScheduleInput};
use crate::service::{self, ServiceError};
use crate::store::advisories::Draft;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// `POST /api/v1/cases/{id}/schedule`.
pub async fn schedule(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<ScheduleInput>,
) -> Result<Json<Value>, ApiError> {
    let plan = disclosure::schedule(&state.db, &state.cfg, &case, &body).await?;
    Ok(Json(json!({
        "disclose_at": plan.disclose_at,
        "zone": plan.zone,
        "pre_announce_at": plan.pre_announce_at,
        "pre_notify_at": plan.pre_notify_at,
        "shortened": plan.shortened,
    })))
}

/// `GET /api/v1/cases/{id}/advisory`: the draft, or the published advisory.
pub async fn advisory(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<Value>, ApiError> {
    if let Some(a) = service::advisories::of_case(&state.db, &case).await? {
        return Ok(Json(json!({"published": true, "advisory": a})));
    }
    let d = service::advisories::draft(&state.db, &case).await?;
    Ok(Json(json!({"published": false, "draft": d})))
}

/// `PUT /api/v1/cases/{id}/advisory`: save the draft.
pub async fn save_advisory(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<Draft>,
) -> Result<Json<Value>, ApiError> {
    service::advisories::save_draft(&state.db, &case, &body).await?;
    Ok(Json(json!({"saved": true})))
}

/// `POST /api/v1/cases/{id}/disclosure/{step}`: pre-announce, pre-notify or publish now.
/// `?reason=` of a disclosure step: why publishing comes before the scheduled date.
#[derive(Debug, serde::Deserialize)]
pub struct StepQuery {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /cases/{id}/disclosure/{step}`.
pub async fn step(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiPath((_, step)): ApiPath<(i64, String)>,
    ApiQuery(q): ApiQuery<StepQuery>,
) -> Result<Json<Value>, ApiError> {
    let done = |o: Outcome| match o {
        Outcome::Done { messages } => json!({"done": true, "messages": messages}),
        Outcome::Skipped(why) => json!({"done": false, "why": why}),
    };
    let body = match step.as_str() {
        "pre-announce" => done(disclosure::pre_announce_now(&state.db, &state.cfg, &case).await?),
        "pre-notify" => done(disclosure::pre_notify_now(&state.db, &state.cfg, &case).await?),
        "publish" => {
            let adv =
                disclosure::publish_now(&state.db, &state.cfg, &case, q.reason.as_deref()).await?;
            json!({"done": true, "advisory": adv})
        }
        other => {
            return Err(ServiceError::Invalid(format!(
                "unknown step `{other}`; use pre-announce, pre-notify or publish"
            ))
            .into());
        }
    };
    Ok(Json(body))
}

/// `POST /api/v1/cases/{id}/cve`: assign the next free ID of the project's pool.
pub async fn assign_cve(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<Value>, ApiError> {
    let cve = service::advisories::assign_cve(&state.db, &case).await?;
    Ok(Json(json!({"cve": cve})))
}

/// `GET /api/v1/projects/{project}/schedule`: pending disclosure jobs.
pub async fn jobs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let p = super::casework::team_project(&state, &user, &slug).await?;
    let jobs = disclosure::jobs_of_project(&state.db, &p, false).await?;
    Ok(Json(json!(jobs
        .into_iter()
        .map(|j| json!({"case": j.case_id, "step": j.kind, "due_at": j.due_at, "status": j.status, "attempts": j.attempts, "last_error": j.last_error}))
        .collect::<Vec<_>>())))
}
