//! Cases in the JSON API: the inbox, one case, triage decisions, severity,
//! assignment and lifecycle steps; plus CVSS scoring. Cases of projects the caller
//! is not on the team of answer 404, like cases that do not exist.

use super::{ApiCase, ApiJson, ApiQuery, ApiUser};
use crate::domain::case::Action;
use crate::domain::cvss;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::triage::{self, Decision, RejectReason, SeverityInput, ThreatAnswer, Verdict};
use crate::service::{self, ServiceError};
use crate::store::{self};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

/// Inbox filters.
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    project: Option<String>,
    state: Option<String>,
    severity: Option<String>,
    assignee: Option<i64>,
    q: Option<String>,
    limit: Option<i64>,
}

/// A case in a list.
#[derive(Serialize)]
pub struct CaseLine {
    id: i64,
    project: String,
    summary: String,
    state: String,
    severity: Option<String>,
    cvss_score: Option<f64>,
    assignee: Option<i64>,
    received_at: i64,
    acknowledge_due_at: Option<i64>,
    acknowledged_at: Option<i64>,
    decide_due_at: Option<i64>,
    target_fix_due_at: Option<i64>,
    disclosure_due_at: Option<i64>,
    next_due_at: Option<i64>,
}

/// `GET /api/v1/cases`.
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<Vec<CaseLine>>, ApiError> {
    let projects = service::projects::visible_to(&state.db, user.id, user.is_admin).await?;
    let project_id = match q.project.as_deref() {
        None | Some("") => None,
        Some(slug) => Some(
            projects
                .iter()
                .find(|p| p.slug == slug)
                .map(|p| p.id)
                .ok_or_else(|| ApiError::NotFound(format!("project `{slug}`")))?,
        ),
    };
    let st = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<crate::domain::case::CaseState>()
                .map_err(ApiError::BadRequest)?,
        ),
    };
    let rows = triage::inbox(
        &state.db,
        user.id,
        user.is_admin,
        &store::cases::InboxFilter {
            member: None,
            project_id,
            state: st.map(|s| s.as_str()),
            severity: q.severity.as_deref().filter(|s| !s.is_empty()),
            assignee: q.assignee,
            query: q.q.as_deref(),
            limit: q.limit.unwrap_or(200).clamp(1, 1000),
        },
    )
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CaseLine {
                project: projects
                    .iter()
                    .find(|p| p.id == r.project_id)
                    .map(|p| p.slug.clone())
                    .unwrap_or_default(),
                id: r.id,
                summary: r.summary,
                state: r.state.to_string(),
                severity: r.severity,
                cvss_score: r.cvss_score,
                assignee: r.assignee_user_id,
                received_at: r.received_at,
                acknowledge_due_at: r.acknowledge_due_at,
                acknowledged_at: r.acknowledged_at,
                decide_due_at: r.decide_due_at,
                target_fix_due_at: r.target_fix_due_at,
                disclosure_due_at: r.disclosure_due_at,
                next_due_at: r.next_due,
            })
            .collect(),
    ))
}

/// A message as the team sees it.
#[derive(Serialize)]
pub struct MessageView {
    id: i64,
    author: String,
    author_user_id: Option<i64>,
    team_only: bool,
    body: String,
    created_at: i64,
}

/// One case, whole, as the team sees it.
#[derive(Serialize)]
pub struct CaseView {
    id: i64,
    project: String,
    summary: String,
    state: String,
    source: String,
    reporter_email: Option<String>,
    reporter_name: Option<String>,
    reporter_has_key: bool,
    reporter_key_note: Option<String>,
    signature: Option<String>,
    wants_credit: bool,
    credit_as: Option<String>,
    received_at: i64,
    acknowledge_due_at: Option<i64>,
    acknowledged_at: Option<i64>,
    decide_due_at: Option<i64>,
    decided_at: Option<i64>,
    decision_reason: Option<String>,
    decision_note: Option<String>,
    threat_model: Vec<ThreatAnswer>,
    duplicate_of: Option<i64>,
    target_fix_due_at: Option<i64>,
    disclosure_due_at: Option<i64>,
    severity: Option<String>,
    cvss3: Option<String>,
    cvss4: Option<String>,
    cvss_score: Option<f64>,
    cwe: Option<String>,
    assignee: Option<i64>,
    messages: Vec<MessageView>,
}

/// `GET /api/v1/cases/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
) -> Result<Json<CaseView>, ApiError> {
    view_of(&state, &case).await
}

/// A case as the API shows it, read now.
async fn view_of(state: &AppState, opened: &service::CaseRef) -> Result<Json<CaseView>, ApiError> {
    let (case, messages, _) = service::cases::team_view(&state.db, opened).await?;
    let project = service::projects::by_id(&state.db, case.project_id).await?;
    Ok(Json(CaseView {
        id: case.id,
        project: project.slug,
        summary: case.summary,
        state: case.state.to_string(),
        source: case.source,
        reporter_email: case.reporter_email,
        reporter_name: case.reporter_name,
        reporter_has_key: case.reporter_key.is_some(),
        reporter_key_note: case
            .reporter_key
            .as_ref()
            .and(case.reporter_key_note.clone()),
        signature: case.signature.clone(),
        wants_credit: case.wants_credit,
        credit_as: case.credit_as,
        received_at: case.received_at,
        acknowledge_due_at: case.acknowledge_due_at,
        acknowledged_at: case.acknowledged_at,
        decide_due_at: case.decide_due_at,
        decided_at: case.decided_at,
        decision_reason: case.decision_reason,
        decision_note: case.decision_note,
        threat_model: case
            .threat_answers
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default(),
        duplicate_of: case.duplicate_of,
        target_fix_due_at: case.target_fix_due_at,
        disclosure_due_at: case.disclosure_due_at,
        severity: case.severity,
        cvss3: case.cvss3,
        cvss4: case.cvss4,
        cvss_score: case.cvss_score,
        cwe: case.cwe.map(|c| format!("CWE-{c}")),
        assignee: case.assignee_user_id,
        messages: messages
            .into_iter()
            .map(|m| MessageView {
                id: m.id,
                team_only: m.visibility == "team",
                author: m.author,
                author_user_id: m.author_user_id,
                body: m.body,
                created_at: m.created_at,
            })
            .collect(),
    }))
}

/// A triage decision.
#[derive(Debug, Deserialize)]
pub struct DecisionBody {
    verdict: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    duplicate_of: Option<i64>,
    #[serde(default)]
    threat_model: Vec<ThreatAnswer>,
    #[serde(default)]
    note: String,
}

/// The state after a change.
#[derive(Serialize)]
pub struct StateView {
    id: i64,
    state: String,
}

/// `POST /api/v1/cases/{id}/decision`.
pub async fn decide(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<StateView>, ApiError> {
    let id = case.id();
    let verdict = match body.verdict.as_str() {
        "accept" => Verdict::Accept,
        "reject" => Verdict::Reject(
            body.reason
                .as_deref()
                .unwrap_or("")
                .parse::<RejectReason>()
                .map_err(|e| ApiError::Service(ServiceError::Invalid(format!("reason: {e}"))))?,
        ),
        "duplicate" => Verdict::Duplicate(body.duplicate_of.ok_or_else(|| {
            ApiError::Service(ServiceError::Invalid(
                "duplicate_of: the case this one duplicates".into(),
            ))
        })?),
        "spam" => Verdict::Spam,
        "public-fix" => Verdict::PublicFix,
        other => {
            return Err(ApiError::Service(ServiceError::Invalid(format!(
                "verdict `{other}`: use accept, reject, duplicate, spam or public-fix"
            ))));
        }
    };
    let to = triage::decide(
        &state.db,
        &state.cfg,
        &case,
        &Decision {
            verdict,
            answers: body.threat_model,
            note: body.note,
        },
    )
    .await?;
    Ok(Json(StateView {
        id,
        state: to.as_str().into(),
    }))
}

/// `PUT /api/v1/cases/{id}/severity`.
pub async fn severity(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<SeverityInput>,
) -> Result<Json<CaseView>, ApiError> {
    triage::set_severity(&state.db, &case, &body).await?;
    view_of(&state, &case).await
}

/// A lifecycle step.
#[derive(Debug, Deserialize)]
pub struct StepBody {
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/cases/{id}/actions`: start-fix, unschedule, close, reopen.
pub async fn step(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<StepBody>,
) -> Result<Json<StateView>, ApiError> {
    let id = case.id();
    let action: Action = body
        .action
        .parse()
        .map_err(|e: String| ApiError::Service(ServiceError::Invalid(e)))?;
    let to = triage::act(&state.db, &case, action, &body.note).await?;
    Ok(Json(StateView {
        id,
        state: to.as_str().into(),
    }))
}

/// An assignment.
#[derive(Debug, Deserialize)]
pub struct AssignBody {
    user_id: Option<i64>,
}

/// `PUT /api/v1/cases/{id}/assignee`.
pub async fn assign(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<CaseView>, ApiError> {
    triage::assign(&state.db, &case, body.user_id).await?;
    view_of(&state, &case).await
}

/// A reporter key.
#[derive(Debug, Deserialize)]
pub struct KeyBody {
    key: Option<String>,
}

/// `PUT /api/v1/cases/{id}/reporter-key`.
pub async fn reporter_key(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<KeyBody>,
) -> Result<Json<CaseView>, ApiError> {
    crate::service::reporter_key::set_by_team(&state.db, &case, body.key.as_deref().unwrap_or(""))
        .await?;
    view_of(&state, &case).await
}

/// `PUT /api/v1/cases/{id}/credit`: whether (and as whom) the reporter is credited.
pub async fn credit(
    State(state): State<AppState>,
    ApiCase(_, case): ApiCase,
    ApiJson(body): ApiJson<crate::service::credit::CreditWish>,
) -> Result<Json<CaseView>, ApiError> {
    crate::service::credit::set_by_team(&state.db, &case, &body).await?;
    view_of(&state, &case).await
}

/// CVSS scoring request.
#[derive(Debug, Deserialize)]
pub struct CvssQuery {
    vector: String,
}

/// Scores of one vector.
#[derive(Serialize)]
pub struct CvssView {
    version: &'static str,
    vector: String,
    scores: serde_json::Map<String, serde_json::Value>,
    score: f64,
    rating: &'static str,
}

/// `GET /api/v1/cvss?vector=…`.
pub async fn cvss_score(
    ApiUser(_): ApiUser,
    ApiQuery(q): ApiQuery<CvssQuery>,
) -> Result<Json<CvssView>, ApiError> {
    let v = cvss::parse(&q.vector)
        .map_err(|e| ApiError::Service(ServiceError::Invalid(e.to_string())))?;
    let s = v.summary();
    Ok(Json(CvssView {
        version: s.version,
        vector: s.canonical,
        scores: s
            .scores
            .iter()
            .map(|(n, x)| ((*n).to_owned(), serde_json::json!(x)))
            .collect(),
        score: s.score,
        rating: s.rating.as_str(),
    }))
}
