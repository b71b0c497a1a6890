//! The upstream track (Pylons' procedure): a case found to be a vulnerability in a
//! dependency records the upstream and its maintainer's contact; when the team
//! contacts them, the policy's wait (`upstream.wait`) sets a deadline; their answers
//! and their release are recorded. Past the deadline without a release, the case
//! prompts the team for the policy's remedies (`upstream.then`: documentation of a
//! workaround, then a patched version).

use super::cases::{case_row, project_of};
use super::{CaseRef, ServiceError, audit};
use crate::store::{self, Db, upstream::EventRow, upstream::UpstreamRow};
use serde_json::json;

/// The upstream track of a case, as shown.
#[derive(Debug, Clone)]
pub struct Track {
    /// The facts (`upstream_name` is `None` when the case is not an upstream one).
    pub facts: UpstreamRow,
    /// Contacts, answers, release, remedy — oldest first.
    pub events: Vec<EventRow>,
    /// Past the deadline without a release: the remedies the policy names, to act on now.
    pub prompt: Option<Vec<String>>,
}

/// Read a case's track, with the prompt when the deadline has passed.
pub async fn track(db: &Db, case_ref: &CaseRef, now: i64) -> Result<Track, ServiceError> {
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let (facts, events) = {
        let mut c = db.acquire().await?;
        let facts = store::upstream::of_case(c.conn(), case.id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("case #{case_id}")))?;
        (facts, store::upstream::events(c.conn(), case.id).await?)
    };
    let prompt = match (facts.upstream_deadline_at, facts.upstream_resolved_at) {
        (Some(deadline), None) if now > deadline => {
            let remedies = super::projects::policy_of(&project)?
                .map(|p| {
                    p.upstream
                        .then
                        .iter()
                        .map(|r| r.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            Some(remedies)
        }
        _ => None,
    };
    Ok(Track {
        facts,
        events,
        prompt,
    })
}

/// Mark a case as a dependency's vulnerability.
pub async fn set(
    db: &Db,
    case_ref: &CaseRef,
    name: &str,
    contact: &str,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let (name, contact) = (name.trim(), contact.trim());
    if name.is_empty() || name.len() > 200 {
        return Err(ServiceError::Invalid(
            "name the upstream project or dependency".into(),
        ));
    }
    if contact.len() > 500 {
        return Err(ServiceError::Invalid(
            "the contact is longer than 500 characters".into(),
        ));
    }
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    store::upstream::set(tx.conn(), case.id, name, contact).await?;
    audit::record(
        &mut tx,
        actor,
        "case.upstream_set",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"upstream": name, "contact": contact}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Record an entry: `contacted` (starts the policy's deadline), `answer`, `released`
/// (upstream's fix is out: the deadline no longer applies) or `remedy` (the team
/// published a workaround or a patched version).
pub async fn record(
    db: &Db,
    case_ref: &CaseRef,
    kind: &str,
    body: &str,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    if !matches!(kind, "contacted" | "answer" | "released" | "remedy") {
        return Err(ServiceError::Invalid(format!(
            "`{kind}`: record contacted, answer, released or remedy"
        )));
    }
    let body = body.trim();
    if body.is_empty() || body.len() > 64 * 1024 {
        return Err(ServiceError::Invalid(
            "say what happened (at most 64 KiB)".into(),
        ));
    }
    let case = case_row(db, case_id).await?;
    let facts = {
        let mut c = db.acquire().await?;
        store::upstream::of_case(c.conn(), case.id).await?
    };
    if facts
        .as_ref()
        .and_then(|f| f.upstream_name.as_ref())
        .is_none()
    {
        return Err(ServiceError::Conflict(
            "mark the case as an upstream (dependency) issue first".into(),
        ));
    }
    let project = project_of(db, &case).await?;
    let wait = super::projects::policy_of(&project)?.and_then(|p| p.upstream.wait);
    let now = store::now();
    let mut tx = db.begin().await?;
    store::upstream::add_event(tx.conn(), case.id, kind, body, user_id, now).await?;
    match kind {
        "contacted" => {
            store::upstream::contacted(
                tx.conn(),
                case.id,
                now,
                wait.map(|w| now + w.as_seconds_i64()),
            )
            .await?
        }
        "released" | "remedy" => store::upstream::resolved(tx.conn(), case.id, now).await?,
        _ => {}
    }
    audit::record(
        &mut tx,
        actor,
        &format!("case.upstream_{kind}"),
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
