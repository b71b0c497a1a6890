//! Team accounts: creation, passwords, and TOTP enrolment with recovery codes.

use super::{ServiceError, audit};
use crate::auth::{password, secret, totp};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::store::{self, Db, users::UserRow};
use serde_json::json;

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

/// A new account's details.
#[derive(Debug)]
pub struct NewUser {
    /// Login address.
    pub email: EmailAddress,
    /// Name shown to others.
    pub display_name: String,
    /// Initial password.
    pub password: NewPassword,
    /// Instance administrator.
    pub is_admin: bool,
}

/// Check a display name: 1–100 characters, no control characters.
pub fn validate_display_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(
            "the name must be 1 to 100 characters without control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Create an account.
pub async fn create(db: &Db, actor: &Actor, new: NewUser) -> Result<UserRow, ServiceError> {
    let display_name = validate_display_name(&new.display_name)?;
    let hash = password::hash(&new.password).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    let id = store::users::insert(
        tx.conn(),
        new.email.as_str(),
        &display_name,
        &hash,
        new.is_admin,
        store::now(),
    )
    .await
    .map_err(ServiceError::conflict_as(format!(
        "an account for {} already exists",
        new.email
    )))?;
    audit::record(
        &mut tx,
        actor,
        "user.created",
        ("user", &id.to_string()),
        None,
        json!({"email": new.email.as_str(), "display_name": display_name, "is_admin": new.is_admin}),
    )
    .await?;
    let user = store::users::by_id(tx.conn(), id)
        .await?
        .ok_or_else(|| ServiceError::Internal("account vanished after insert".into()))?;
    tx.commit().await?;
    Ok(user)
}

/// Look an account up by address.
pub async fn find(db: &Db, email: &EmailAddress) -> Result<UserRow, ServiceError> {
    let mut c = db.acquire().await?;
    store::users::by_email(c.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))
}

/// Every account.
pub async fn list(db: &Db) -> Result<Vec<UserRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::users::list(c.conn()).await?)
}

/// Set a new password and end the account's sessions.
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    email: &EmailAddress,
    new: &NewPassword,
) -> Result<(), ServiceError> {
    let hash = password::hash(new).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    store::users::set_password(tx.conn(), user.id, &hash).await?;
    let ended = store::sessions::delete_for_user(tx.conn(), user.id).await?;
    audit::record(
        &mut tx,
        actor,
        "user.password_changed",
        ("user", &user.id.to_string()),
        None,
        json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a person needs to enrol an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The base32 secret, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URI.
    pub uri: String,
}

/// Seal a TOTP secret with the instance's vault for storage (F7: a copy of the
/// database alone does not give anyone the second factors).
pub fn seal_totp(cfg: &Config, secret: &str) -> Result<String, ServiceError> {
    let vault = cfg
        .vault(true)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    vault
        .seal(secret.as_bytes())
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A stored TOTP secret in clear: sealed ones are opened with the vault; one
/// stored in clear by an earlier version is returned as is (and sealed at the
/// owner's next sign-in). The flag says whether it was sealed.
pub fn open_totp(cfg: &Config, stored: &str) -> Result<(String, bool), ServiceError> {
    if !stored.starts_with("v1:") {
        return Ok((stored.to_owned(), false));
    }
    let vault = cfg
        .vault(false)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let bytes = vault
        .open(stored)
        .map_err(|e| ServiceError::Internal(format!("the second-factor secret: {e}")))?;
    String::from_utf8(bytes)
        .map(|s| (s, true))
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Start (or restart) TOTP enrolment: a fresh secret, stored unconfirmed and sealed.
pub async fn begin_totp(
    db: &Db,
    cfg: &Config,
    user: &UserRow,
    issuer: &str,
) -> Result<Enrolment, ServiceError> {
    if user.totp_enabled {
        return Err(ServiceError::Conflict(
            "two-factor authentication is already enabled".into(),
        ));
    }
    let secret = totp::generate_secret();
    let uri = totp::otpauth_uri(&secret, issuer, &user.email)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let sealed = seal_totp(cfg, &secret)?;
    let mut c = db.acquire().await?;
    store::users::set_pending_totp(c.conn(), user.id, &sealed).await?;
    Ok(Enrolment { secret, uri })
}

/// The pending enrolment of an account (to show the same QR code again).
pub fn pending_enrolment(
    cfg: &Config,
    user: &UserRow,
    issuer: &str,
) -> Result<Option<Enrolment>, ServiceError> {
    match (&user.totp_secret, user.totp_enabled) {
        (Some(stored), false) => {
            let (secret, _) = open_totp(cfg, stored)?;
            let secret = &secret;
            let uri = totp::otpauth_uri(secret, issuer, &user.email)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok(Some(Enrolment {
                secret: secret.clone(),
                uri,
            }))
        }
        _ => Ok(None),
    }
}

/// Confirm enrolment with a code from the app; turns the factor on, ends
/// other sessions, and returns the recovery codes (shown once).
pub async fn confirm_totp(
    db: &Db,
    cfg: &Config,
    actor: &Actor,
    user_id: i64,
    code: &str,
    keep_session: Option<&str>,
) -> Result<Vec<String>, ServiceError> {
    let mut tx = db.begin().await?;
    let user = store::users::by_id(tx.conn(), user_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("account".into()))?;
    let Some(stored) = user.totp_secret.clone().filter(|_| !user.totp_enabled) else {
        return Err(ServiceError::Conflict(
            "there is no enrolment in progress; start again".into(),
        ));
    };
    let (secret, _) = open_totp(cfg, &stored)?;
    let now = store::now();
    let step = totp::check(&secret, code, now.unsigned_abs())
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .ok_or(ServiceError::BadSecondFactor)?;
    let step = i64::try_from(step).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if !store::users::accept_totp_step(tx.conn(), user.id, step).await? {
        return Err(ServiceError::ReplayedSecondFactor);
    }
    store::users::set_totp_enabled(tx.conn(), user.id, true).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| secret::recovery_code())
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| secret::digest(c)).collect();
    store::users::replace_recovery_codes(tx.conn(), user.id, &hashes).await?;
    end_other_sessions(&mut tx, user.id, keep_session).await?;
    audit::record(
        &mut tx,
        actor,
        "user.totp_enabled",
        ("user", &user.id.to_string()),
        None,
        json!({"recovery_codes": RECOVERY_CODES}),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

async fn end_other_sessions(
    tx: &mut store::Tx,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), ServiceError> {
    let kept = match keep {
        Some(hash) => store::sessions::find(tx.conn(), hash).await?,
        None => None,
    };
    store::sessions::delete_for_user(tx.conn(), user_id).await?;
    if let Some(s) = kept {
        store::sessions::insert(
            tx.conn(),
            &s.id_hash,
            s.user_id,
            true,
            s.created_at,
            &s.client_ip,
        )
        .await?;
    }
    Ok(())
}

/// Replace the recovery codes with a fresh set.
pub async fn regenerate_recovery_codes(
    db: &Db,
    actor: &Actor,
    user_id: i64,
) -> Result<Vec<String>, ServiceError> {
    let mut tx = db.begin().await?;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| secret::recovery_code())
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| secret::digest(c)).collect();
    store::users::replace_recovery_codes(tx.conn(), user_id, &hashes).await?;
    audit::record(
        &mut tx,
        actor,
        "user.recovery_codes_regenerated",
        ("user", &user_id.to_string()),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turn the second factor off (an administrator's reset for a lost device), ending all sessions.
pub async fn reset_totp(db: &Db, actor: &Actor, email: &EmailAddress) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    store::users::set_totp_enabled(tx.conn(), user.id, false).await?;
    store::users::replace_recovery_codes(tx.conn(), user.id, &[]).await?;
    store::sessions::delete_for_user(tx.conn(), user.id).await?;
    audit::record(
        &mut tx,
        actor,
        "user.totp_reset",
        ("user", &user.id.to_string()),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disable an account (it cannot sign in, its sessions end, its API tokens stop working) or enable it again.
pub async fn set_disabled(
    db: &Db,
    actor: &Actor,
    email: &EmailAddress,
    disabled: bool,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    store::users::set_disabled(tx.conn(), user.id, disabled).await?;
    let ended = if disabled {
        store::sessions::delete_for_user(tx.conn(), user.id).await?
    } else {
        0
    };
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    audit::record(
        &mut tx,
        actor,
        action,
        ("user", &user.id.to_string()),
        None,
        json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
