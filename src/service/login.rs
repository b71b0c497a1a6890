//! Signing in and out: password, then (when enrolled) a TOTP or recovery
//! code; server-side sessions with idle and absolute expiry; failed-attempt
//! limits per account and per client address.
//!
//! Invariants: a failed sign-in says the same thing whether or not the
//! account exists, and takes as long; a limit that is reached refuses before
//! the password is even checked; a session cookie is replaced at every
//! privilege change (sign-in, second factor), so a fixed session id is useless.

use super::{ServiceError, audit};
use crate::auth::{password, secret, totp};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::store::{self, Db, users::UserRow};
use serde_json::json;

/// Throttle scope for one account (keyed by the attempted address).
const SCOPE_ACCOUNT: &str = "account";
/// Throttle scope for one client address.
const SCOPE_IP: &str = "ip";
/// Sessions are touched at most this often (seconds), to keep reads cheap.
const TOUCH_EVERY: i64 = 60;
/// A session that passed the password but not yet the second factor lasts this long (seconds).
const PENDING_LIFETIME: i64 = 600;

/// What a correct password leads to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in; set this cookie secret.
    SignedIn {
        /// The new session's cookie secret.
        session: String,
    },
    /// The password was right; the second factor is still needed. This cookie
    /// secret names a session that allows nothing but the second step.
    NeedsSecondFactor {
        /// The pending session's cookie secret.
        session: String,
    },
}

/// A live session with its account.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    /// The session's stored hash.
    pub id_hash: String,
    /// The account.
    pub user: UserRow,
    /// Whether the second factor was passed (or is not enabled).
    pub mfa_verified: bool,
}

async fn check_limits(
    db: &Db,
    cfg: &Config,
    account: &str,
    ip: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let since = now - cfg.login_failure_window.as_seconds_i64();
    let mut c = db.acquire().await?;
    let by_account =
        store::throttle::failures_since(c.conn(), SCOPE_ACCOUNT, account, since).await?;
    let by_ip = store::throttle::failures_since(c.conn(), SCOPE_IP, ip, since).await?;
    if by_account >= i64::from(cfg.login_max_failures_per_account)
        || by_ip >= i64::from(cfg.login_max_failures_per_ip)
    {
        return Err(ServiceError::RateLimited {
            retry_after_minutes: cfg.login_failure_window.as_seconds().div_ceil(60),
        });
    }
    Ok(())
}

async fn record_failure(
    db: &Db,
    cfg: &Config,
    account: &str,
    ip: &str,
    reason: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let forget = now - cfg.login_failure_window.as_seconds_i64();
    let mut tx = db.begin().await?;
    store::throttle::record_failure(tx.conn(), SCOPE_ACCOUNT, account, now, forget).await?;
    store::throttle::record_failure(tx.conn(), SCOPE_IP, ip, now, forget).await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "session.login_failed",
        ("account", account),
        None,
        json!({"client_ip": ip, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn normalise_account(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Check an address and password.
pub async fn with_password(
    db: &Db,
    cfg: &Config,
    email: &str,
    given: &str,
    ip: &str,
) -> Result<LoginOutcome, ServiceError> {
    let now = store::now();
    let account = normalise_account(email);
    check_limits(db, cfg, &account, ip, now).await?;
    let user = {
        let mut c = db.acquire().await?;
        store::users::by_email(c.conn(), &account).await?
    };
    let user = match user {
        Some(user) if !user.disabled && password::verify(given, &user.password_hash) => user,
        Some(_) => {
            record_failure(db, cfg, &account, ip, "password", now).await?;
            return Err(ServiceError::BadCredentials);
        }
        None => {
            password::verify_dummy(given);
            record_failure(db, cfg, &account, ip, "password", now).await?;
            return Err(ServiceError::BadCredentials);
        }
    };
    let session = secret::random_token(32);
    let mut tx = db.begin().await?;
    store::throttle::clear(tx.conn(), SCOPE_ACCOUNT, &account).await?;
    let complete = !user.totp_enabled;
    store::sessions::insert(
        tx.conn(),
        &secret::digest(&session),
        user.id,
        complete,
        now,
        ip,
    )
    .await?;
    let action = if complete {
        "session.created"
    } else {
        "session.password_verified"
    };
    audit::record(
        &mut tx,
        &actor_of(&user),
        action,
        ("user", &user.id.to_string()),
        None,
        json!({"client_ip": ip, "method": "password"}),
    )
    .await?;
    tx.commit().await?;
    Ok(if complete {
        LoginOutcome::SignedIn { session }
    } else {
        LoginOutcome::NeedsSecondFactor { session }
    })
}

/// Complete a pending sign-in with a TOTP code or a recovery code. Returns the new session's cookie secret.
pub async fn with_second_factor(
    db: &Db,
    cfg: &Config,
    pending: &ActiveSession,
    code: &str,
    ip: &str,
) -> Result<String, ServiceError> {
    let now = store::now();
    let user = &pending.user;
    check_limits(db, cfg, &user.email, ip, now).await?;
    let Some(totp_secret) = user.totp_secret.as_deref().filter(|_| user.totp_enabled) else {
        return Err(ServiceError::Conflict(
            "this account has no second factor".into(),
        ));
    };
    let step = totp::check(totp_secret, code, now.unsigned_abs())
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    let method = match step {
        Some(step) => {
            let step = i64::try_from(step).map_err(|e| ServiceError::Internal(e.to_string()))?;
            if !store::users::accept_totp_step(tx.conn(), user.id, step).await? {
                drop(tx);
                record_failure(db, cfg, &user.email, ip, "totp_replayed", now).await?;
                return Err(ServiceError::ReplayedSecondFactor);
            }
            "totp"
        }
        None => {
            let typed = secret::normalise_recovery_code(code);
            if typed.len() == 19
                && store::users::use_recovery_code(tx.conn(), user.id, &secret::digest(&typed), now)
                    .await?
            {
                "recovery_code"
            } else {
                drop(tx);
                record_failure(db, cfg, &user.email, ip, "second_factor", now).await?;
                return Err(ServiceError::BadSecondFactor);
            }
        }
    };
    let session = secret::random_token(32);
    store::sessions::delete(tx.conn(), &pending.id_hash).await?;
    store::sessions::insert(tx.conn(), &secret::digest(&session), user.id, true, now, ip).await?;
    store::throttle::clear(tx.conn(), SCOPE_ACCOUNT, &user.email).await?;
    audit::record(
        &mut tx,
        &actor_of(user),
        "session.created",
        ("user", &user.id.to_string()),
        None,
        json!({"client_ip": ip, "method": method}),
    )
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// Find the live session for a cookie secret. An expired session is deleted and treated as absent.
pub async fn resolve(
    db: &Db,
    cfg: &Config,
    cookie_secret: &str,
) -> Result<Option<ActiveSession>, ServiceError> {
    let now = store::now();
    let id_hash = secret::digest(cookie_secret);
    let mut c = db.acquire().await?;
    let Some(session) = store::sessions::find(c.conn(), &id_hash).await? else {
        return Ok(None);
    };
    let idle_expired = now - session.last_seen_at > cfg.session_idle_timeout.as_seconds_i64();
    let too_old = now - session.created_at > cfg.session_max_age.as_seconds_i64();
    let pending_too_long = !session.mfa_verified && now - session.created_at > PENDING_LIFETIME;
    if idle_expired || too_old || pending_too_long {
        store::sessions::delete(c.conn(), &id_hash).await?;
        return Ok(None);
    }
    let Some(user) = store::users::by_id(c.conn(), session.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        store::sessions::touch(c.conn(), &id_hash, now).await?;
    }
    Ok(Some(ActiveSession {
        id_hash,
        user,
        mfa_verified: session.mfa_verified,
    }))
}

/// End a session on the server.
pub async fn logout(db: &Db, session: &ActiveSession) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    store::sessions::delete(tx.conn(), &session.id_hash).await?;
    audit::record(
        &mut tx,
        &actor_of(&session.user),
        "session.ended",
        ("user", &session.user.id.to_string()),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The audit actor for an account.
pub fn actor_of(user: &UserRow) -> Actor {
    Actor::User {
        id: user.id,
        email: user.email.clone(),
    }
}
