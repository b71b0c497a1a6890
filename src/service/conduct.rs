//! Conduct: the team records a strike against a case's reporter, with the reason;
//! at the policy's threshold (`conduct.strikes_before_ban`) the reporter is banned
//! from reporting to that project, by address and by OpenPGP key. An administrator
//! can lift a ban (the strikes are then marked lifted, and counting starts again).
//! All of it is audited.

use super::cases::{case_row, project_of};
use super::{CaseRef, ProjectRef, ServiceError, audit};
use crate::pgp::PublicKey;
use crate::store::{self, Db};
use serde_json::json;

/// What a strike led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrikeOutcome {
    /// Strikes now counted against the reporter.
    pub strikes: i64,
    /// The policy's threshold, if it has one.
    pub threshold: Option<u32>,
    /// Whether this strike banned them.
    pub banned: bool,
}

/// Record a strike against the reporter of a case.
pub async fn strike(
    db: &Db,
    case_ref: &CaseRef,
    reason: &str,
) -> Result<StrikeOutcome, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > 2000 {
        return Err(ServiceError::Invalid(
            "say what the reporter did (at most 2,000 characters): it is recorded with the strike"
                .into(),
        ));
    }
    let case = case_row(db, case_id).await?;
    let email = case.reporter_email.clone();
    let fingerprint = case
        .reporter_key
        .as_deref()
        .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok())
        .map(|k| k.info().fingerprint);
    if email.is_none() && fingerprint.is_none() {
        return Err(ServiceError::Conflict(
            "the reporter of this case left no address or key: there is no one to record a strike against"
                .into(),
        ));
    }
    let project = project_of(db, &case).await?;
    let threshold =
        super::projects::policy_of(&project)?.and_then(|p| p.conduct.strikes_before_ban);
    let now = store::now();
    let mut tx = db.begin().await?;
    store::conduct::strike(
        tx.conn(),
        &store::conduct::NewStrike {
            project_id: project.id,
            case_id: Some(case.id),
            email: email.as_deref(),
            key_fingerprint: fingerprint.as_deref(),
            reason,
            struck_by: user_id,
        },
        now,
    )
    .await?;
    let strikes = store::conduct::count(
        tx.conn(),
        project.id,
        email.as_deref(),
        fingerprint.as_deref(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "reporter.struck",
        ("case", &case.id.to_string()),
        Some(project.id),
        json!({"email": email, "key": fingerprint, "reason": reason, "strikes": strikes}),
    )
    .await?;
    let banned = threshold.is_some_and(|t| strikes >= i64::from(t));
    if banned {
        let why = format!(
            "{strikes} strikes (the policy bans after {})",
            threshold.unwrap_or(0)
        );
        if let Some(e) = &email {
            store::cases::ban(tx.conn(), project.id, e, &why, now).await?;
        }
        if let Some(f) = &fingerprint {
            store::conduct::ban_key(tx.conn(), project.id, f, email.as_deref(), &why, now).await?;
        }
        audit::record(
            &mut tx,
            actor,
            "reporter.banned",
            ("project", &project.slug),
            Some(project.id),
            json!({"email": email, "key": fingerprint, "reason": why}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StrikeOutcome {
        strikes,
        threshold,
        banned,
    })
}

/// Lift a ban (administrators only).
pub async fn lift_ban(db: &Db, project_ref: &ProjectRef, email: &str) -> Result<(), ServiceError> {
    let actor = project_ref.actor();
    let is_admin = project_ref.admin();
    let project = project_ref.row();
    if !is_admin {
        return Err(ServiceError::Forbidden(
            "only an instance administrator can lift a ban".into(),
        ));
    }
    let email = email.trim().to_lowercase();
    let mut tx = db.begin().await?;
    let lifted = store::conduct::lift(tx.conn(), project.id, &email, store::now()).await?;
    if lifted == 0 {
        return Err(ServiceError::NotFound(format!(
            "a ban on {email} in {}",
            project.slug
        )));
    }
    audit::record(
        &mut tx,
        actor,
        "reporter.ban_lifted",
        ("project", &project.slug),
        Some(project.id),
        json!({"email": email}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The project's bans.
pub async fn bans(
    db: &Db,
    project_ref: &ProjectRef,
) -> Result<Vec<store::conduct::BanRow>, ServiceError> {
    let project_id = project_ref.id();
    let mut c = db.acquire().await?;
    Ok(store::conduct::bans(c.conn(), project_id).await?)
}

/// Whether a reporter's key is banned from the project.
pub async fn key_banned(db: &Db, project_id: i64, key: &PublicKey) -> Result<bool, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::conduct::key_banned(c.conn(), project_id, &key.info().fingerprint).await?)
}
