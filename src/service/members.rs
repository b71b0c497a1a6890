//! The confidential notification list's members: added (by the CLI until the
//! request-and-review process exists), listed for the team, revoked. A member with a
//! key receives pre-notifications encrypted to it.

use super::{ServiceError, audit, keys};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::store::members::{Member, NewMember};
use crate::store::{self, Db};
use serde_json::json;

/// A member to add.
pub struct Addition<'a> {
    /// Project slug.
    pub project: &'a str,
    /// Address.
    pub email: &'a EmailAddress,
    /// Full name.
    pub name: &'a str,
    /// Organisation.
    pub organisation: &'a str,
    /// One of the policy's group ids.
    pub group: &'a str,
    /// Armored public key.
    pub key: Option<&'a [u8]>,
}

/// Add (or re-admit) a member: the group must be one of the policy's, a key must
/// parse, be able to encrypt and not be expired or revoked.
pub async fn add(db: &Db, actor: &Actor, a: &Addition<'_>) -> Result<Member, ServiceError> {
    let project = super::projects::find(db, a.project).await?;
    let policy = super::advisories::policy_for(&project)?;
    let list = policy.notification_list.as_ref().ok_or_else(|| {
        ServiceError::Conflict(format!(
            "project `{}` keeps no notification list (its policy has no [notification_list])",
            project.slug
        ))
    })?;
    if !list.groups.iter().any(|g| g.id == a.group) {
        let ids: Vec<&str> = list.groups.iter().map(|g| g.id.as_str()).collect();
        return Err(ServiceError::Invalid(format!(
            "`{}` is not a group of the list; use one of: {}",
            a.group,
            ids.join(", ")
        )));
    }
    let name = a.name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("give the member's full name".into()));
    }
    let (armored, fingerprint) = match a.key {
        Some(bytes) => {
            let (key, info) = keys::inspect_recipient(bytes)?;
            (Some(key.to_armored()?), Some(info.fingerprint))
        }
        None if list.individuals_need_key && a.organisation.trim().is_empty() => {
            return Err(ServiceError::Invalid(
                "the policy requires a public key from individual members; give --key FILE (or --organisation for an organisation's generic address)".into(),
            ));
        }
        None => (None, None),
    };
    let mut tx = db.begin().await?;
    let id = store::members::upsert(
        tx.conn(),
        &NewMember {
            project_id: project.id,
            email: a.email.as_str(),
            name,
            organisation: a.organisation.trim(),
            group_id: a.group,
            public_key: armored.as_deref(),
            fingerprint: fingerprint.as_deref(),
        },
        store::now(),
    )
    .await?;
    // The audit trail names the member by id only: the list is confidential.
    audit::record(
        &mut tx,
        actor,
        "list.member_added",
        ("list_member", &id.to_string()),
        Some(project.id),
        json!({"group": a.group, "key": fingerprint}),
    )
    .await?;
    tx.commit().await?;
    let mut c = db.acquire().await?;
    store::members::list(c.conn(), project.id, false)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ServiceError::Internal("member vanished".into()))
}

/// Members of a project (current only, or all including revoked).
pub async fn list(db: &Db, slug: &str, current: bool) -> Result<Vec<Member>, ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let mut c = db.acquire().await?;
    Ok(store::members::list(c.conn(), project.id, current).await?)
}

/// Revoke a member, with or without a reason; they receive nothing further.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    slug: &str,
    email: &EmailAddress,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let mut tx = db.begin().await?;
    if !store::members::revoke(tx.conn(), project.id, email.as_str(), reason, store::now()).await? {
        return Err(ServiceError::NotFound(format!(
            "current list member {email}"
        )));
    }
    audit::record(
        &mut tx,
        actor,
        "list.member_revoked",
        ("project", &project.id.to_string()),
        Some(project.id),
        json!({"reason_given": reason.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
