//! The confidential notification list's members: admitted through a reviewed request
//! (`list_requests`) or added by an operator, listed for the team, revoked at any time
//! (with or without a reason, as the policy allows; a revoked member receives nothing
//! further). A member with a key receives pre-notifications encrypted to it, and can
//! replace the key: at once with the new key signed by the old one, or through a
//! confirmation link mailed to their address (encrypted to the new key). The public key
//! form answers the same whatever the address: it does not reveal who is on the list.

use super::{ProjectRef, ServiceError, audit, keys};
use crate::auth::secret;
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::pgp::{PublicKey, SignatureStatus};
use crate::store::members::{Member, NewMember};
use crate::store::{self, Db};
use serde_json::json;

/// How long a key-change confirmation link works.
const KEY_CHANGE_WITHIN: i64 = 2 * 86_400;

/// A member to add.
pub struct Addition<'a> {
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
pub async fn add(
    db: &Db,
    project_ref: &ProjectRef,
    a: &Addition<'_>,
) -> Result<Member, ServiceError> {
    let actor = project_ref.actor();
    let project = project_ref.row().clone();
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
            let (key, info) = keys::inspect_recipient_untrusted(bytes.to_vec()).await?;
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
pub async fn list(
    db: &Db,
    project_ref: &ProjectRef,
    current: bool,
) -> Result<Vec<Member>, ServiceError> {
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let mut c = db.acquire().await?;
    Ok(store::members::list(c.conn(), project.id, current).await?)
}

/// Revoke a member, with or without a reason; they receive nothing further.
pub async fn revoke(
    db: &Db,
    project_ref: &ProjectRef,
    email: &EmailAddress,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let actor = project_ref.actor();
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let without_reason = super::advisories::policy_for(&project)?
        .notification_list
        .is_none_or(|l| l.revocable_without_reason);
    if reason.is_none() && !without_reason {
        return Err(ServiceError::Invalid(
            "the policy revokes membership with a stated reason: give one".into(),
        ));
    }
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

/// What a key-change request did (for the CLI and tests; the public page shows one
/// answer for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    /// Signed by the member's current key: replaced now.
    Replaced,
    /// A confirmation link went to the member's address.
    Mailed,
    /// Not a current member, or a signature that is not the member's: nothing happened.
    Nothing,
}

/// A member asks to replace their key. `text` is either the new armored public key, or
/// that key inside an OpenPGP-signed message made with the member's current key.
pub async fn request_key_change(
    db: &Db,
    cfg: &Config,
    slug: &str,
    email: &EmailAddress,
    text: &str,
) -> Result<KeyChange, ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let member = {
        let mut c = db.acquire().await?;
        store::members::by_email(c.conn(), project.id, email.as_str()).await?
    }
    .filter(|m| m.revoked_at.is_none());
    let signed = text.contains("-----BEGIN PGP SIGNED MESSAGE-----")
        || text.contains("-----BEGIN PGP MESSAGE-----");
    if signed {
        let Some(m) = member else {
            return Ok(KeyChange::Nothing);
        };
        let Some(old) = m
            .public_key
            .as_deref()
            .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok())
        else {
            return Ok(KeyChange::Nothing);
        };
        // Verification is CPU work on input from anyone: off the async workers.
        let (signed_text, old_key) = (text.as_bytes().to_vec(), old.clone());
        let verified = super::cpu::run("the signed key change", move || {
            crate::pgp::verify_inline_dated(std::slice::from_ref(&old_key), &signed_text)
        })
        .await?;
        let Ok((inner, status, signed_at)) = verified else {
            return Ok(KeyChange::Nothing);
        };
        if !matches!(&status, SignatureStatus::Good { fingerprint } if *fingerprint == old.fingerprint())
        {
            return Ok(KeyChange::Nothing);
        }
        // A signed request is taken only while fresh: a copy replayed later (after
        // the member moved on to yet another key, say) changes nothing (F15).
        let now = store::now();
        if !signed_at.is_some_and(|t| t <= now + 300 && now - t <= SIGNED_KEY_CHANGE_WITHIN) {
            return Ok(KeyChange::Nothing);
        }
        let (new, info) = keys::inspect_recipient_untrusted(inner).await?;
        let armored = new.to_armored()?;
        let mut tx = db.begin().await?;
        store::members::set_key(tx.conn(), m.id, &armored, &info.fingerprint).await?;
        audit::record(
            &mut tx,
            &Actor::Anonymous,
            "list.member_key_replaced",
            ("list_member", &m.id.to_string()),
            Some(project.id),
            json!({"key": info.fingerprint, "by": "signature"}),
        )
        .await?;
        tx.commit().await?;
        return Ok(KeyChange::Replaced);
    }
    // The new key is checked before anything else, whoever asks: its faults reveal nothing.
    let (new, info) = keys::inspect_recipient_untrusted(text.as_bytes().to_vec()).await?;
    let Some(m) = member else {
        return Ok(KeyChange::Nothing);
    };
    let armored = new.to_armored()?;
    let token = secret::random_token(32);
    let link = cfg.link(&format!(
        "/p/{}/notification-list/key/{token}",
        project.slug
    ));
    let msg = super::mail::team_message(
        cfg,
        &project,
        &m.email,
        "Confirm your new key",
        super::mail::render(&KeyChangeMail {
            email: &m.email,
            project: &project.name,
            fingerprint: &info.fingerprint,
            link: &link,
        })?,
    );
    let now = store::now();
    let mut tx = db.begin().await?;
    store::list_requests::add_key_change(
        tx.conn(),
        m.id,
        &armored,
        &info.fingerprint,
        &secret::digest(&token),
        now,
    )
    .await?;
    super::mail::enqueue(
        &mut tx,
        cfg,
        &msg,
        &super::mail::Protect::Encrypt {
            recipients: vec![new],
            signer: None,
        },
        Some(project.id),
        "list-key-confirm",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.member_key_change_requested",
        ("list_member", &m.id.to_string()),
        Some(project.id),
        json!({"key": info.fingerprint}),
    )
    .await?;
    tx.commit().await?;
    Ok(KeyChange::Mailed)
}

/// Whether a key confirmation link is pending for this project (the page with
/// its button is shown only then; the same "not found" otherwise).
pub async fn check_key_change(db: &Db, slug: &str, token: &str) -> Result<(), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let gone =
        || ServiceError::NotFound("this key confirmation link (it works once, for 2 days)".into());
    let mut c = db.acquire().await?;
    let member_id = store::list_requests::pending_key_change(
        c.conn(),
        &secret::digest(token),
        store::now(),
        KEY_CHANGE_WITHIN,
    )
    .await?
    .ok_or_else(gone)?;
    store::members::by_id(c.conn(), member_id)
        .await?
        .filter(|m| m.project_id == project.id)
        .map(|_| ())
        .ok_or_else(gone)
}

/// How old a signed key-change request may be when it arrives (2 days).
pub const SIGNED_KEY_CHANGE_WITHIN: i64 = 2 * 86_400;

/// The member confirms a key change by its link: the new key replaces the old.
pub async fn confirm_key_change(db: &Db, slug: &str, token: &str) -> Result<(), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let Some((member_id, armored, fingerprint)) = store::list_requests::take_key_change(
        tx.conn(),
        &secret::digest(token),
        now,
        KEY_CHANGE_WITHIN,
    )
    .await?
    else {
        return Err(ServiceError::NotFound(
            "this key confirmation link (it works once, for 2 days)".into(),
        ));
    };
    let member = store::members::by_id(tx.conn(), member_id)
        .await?
        .filter(|m| m.project_id == project.id)
        .ok_or_else(|| ServiceError::NotFound("this key confirmation link".into()))?;
    if !store::members::set_key(tx.conn(), member.id, &armored, &fingerprint).await? {
        return Err(ServiceError::Conflict(
            "the membership has ended; the key was not changed".into(),
        ));
    }
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.member_key_replaced",
        ("list_member", &member.id.to_string()),
        Some(project.id),
        json!({"key": fingerprint, "by": "mail"}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The team or an operator sets a member's key directly.
pub async fn set_key(
    db: &Db,
    project_ref: &ProjectRef,
    email: &EmailAddress,
    key: &[u8],
) -> Result<String, ServiceError> {
    let actor = project_ref.actor();
    let slug = project_ref.slug.as_str();
    let project = super::projects::find(db, slug).await?;
    let (new, info) = keys::inspect_recipient_untrusted(key.to_vec()).await?;
    let armored = new.to_armored()?;
    let mut tx = db.begin().await?;
    let member = store::members::by_email(tx.conn(), project.id, email.as_str())
        .await?
        .filter(|m| m.revoked_at.is_none())
        .ok_or_else(|| ServiceError::NotFound(format!("current list member {email}")))?;
    store::members::set_key(tx.conn(), member.id, &armored, &info.fingerprint).await?;
    audit::record(
        &mut tx,
        actor,
        "list.member_key_replaced",
        ("list_member", &member.id.to_string()),
        Some(project.id),
        json!({"key": info.fingerprint, "by": "team"}),
    )
    .await?;
    tx.commit().await?;
    Ok(info.fingerprint)
}

/// The mail that asks a list member to confirm their new key.
#[derive(askama::Template)]
#[template(path = "email/key_change/body.txt")]
struct KeyChangeMail<'a> {
    email: &'a str,
    project: &'a str,
    fingerprint: &'a str,
    link: &'a str,
}

#[cfg(test)]
mod mail_snapshots {
    //! The key-change confirmation (`cargo insta review` after a change).
    use super::*;
    use askama::Template;

    #[test]
    fn confirm_a_new_key() {
        insta::assert_snapshot!(
            KeyChangeMail {
                email: "ada@distro.example",
                project: "Django",
                fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567",
                link: "https://security.example.org/p/django/notification-list/key/0123abcd",
            }
            .render()
            .unwrap()
        );
    }
}
