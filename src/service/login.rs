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
/// Wrong second-factor codes per account: a correct password does not clear
/// this counter (only a correct code does), so knowing the password does not
/// buy unlimited code guesses (F6).
const SCOPE_SECOND_FACTOR: &str = "second_factor";
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

/// Reserve this attempt against the account's and the address's limits
/// before any credential is checked (F8: parallel bursts each see the others).
/// Refused when either limit is already reached; otherwise the reservations'
/// ids, released if the attempt succeeds and kept as failures if it does not.
async fn reserve_attempt(
    db: &Db,
    cfg: &Config,
    account: &str,
    ip: &str,
    now: i64,
) -> Result<Vec<i64>, ServiceError> {
    let since = now - cfg.login_failure_window.as_seconds_i64();
    let ip = &super::rate::client_key(ip);
    let mut c = db.acquire().await?;
    let ids = vec![
        store::throttle::reserve(c.conn(), SCOPE_ACCOUNT, account, now).await?,
        store::throttle::reserve(c.conn(), SCOPE_IP, ip, now).await?,
    ];
    let by_account =
        store::throttle::failures_since(c.conn(), SCOPE_ACCOUNT, account, since).await?;
    let by_ip = store::throttle::failures_since(c.conn(), SCOPE_IP, ip, since).await?;
    let by_code =
        store::throttle::failures_since(c.conn(), SCOPE_SECOND_FACTOR, account, since).await?;
    // The reservation counts itself: more than the limit means the limit was reached.
    if by_account > i64::from(cfg.login_max_failures_per_account)
        || by_ip > i64::from(cfg.login_max_failures_per_ip)
        || by_code >= i64::from(cfg.login_max_failures_per_account)
    {
        store::throttle::release(c.conn(), &ids).await?;
        return Err(ServiceError::RateLimited {
            retry_after_minutes: cfg.login_failure_window.as_seconds().div_ceil(60),
        });
    }
    Ok(ids)
}

/// Verify a password on the blocking pool (argon2id is ~50 ms of CPU). An
/// account that is missing or disabled is verified against a dummy hash
/// first, so every refusal costs the same (F14).
async fn password_matches(given: &str, user: Option<&UserRow>) -> Result<bool, ServiceError> {
    let given = given.to_owned();
    let stored = user.map(|u| (u.password_hash.clone(), u.disabled));
    super::cpu::run("the password check", move || match stored {
        Some((hash, disabled)) => password::verify(&given, &hash) && !disabled,
        None => {
            password::verify_dummy(&given);
            false
        }
    })
    .await
}

/// An attempt failed: its reservations stay as failures; audited.
async fn record_failure(
    db: &Db,
    account: &str,
    ip: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
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

/// A wrong second-factor code: counted per account in its own scope. When the
/// limit is reached the pending sign-in is ended and the owner is told by mail.
async fn second_factor_failed(
    db: &Db,
    cfg: &Config,
    pending: &ActiveSession,
    ip: &str,
    reason: &str,
    now: i64,
) -> Result<(), ServiceError> {
    let user = &pending.user;
    let forget = now - cfg.login_failure_window.as_seconds_i64();
    let mut tx = db.begin().await?;
    store::throttle::record_failure(tx.conn(), SCOPE_SECOND_FACTOR, &user.email, now, forget)
        .await?;
    let wrong =
        store::throttle::failures_since(tx.conn(), SCOPE_SECOND_FACTOR, &user.email, forget)
            .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "session.login_failed",
        ("account", &user.email),
        None,
        json!({"client_ip": ip, "reason": reason}),
    )
    .await?;
    if wrong >= i64::from(cfg.login_max_failures_per_account) {
        store::sessions::delete(tx.conn(), &pending.id_hash).await?;
        if wrong == i64::from(cfg.login_max_failures_per_account) {
            let minutes = cfg.login_failure_window.as_seconds().div_ceil(60);
            let msg = crate::mail::compose::Outgoing {
                from: cfg.mail_from.to_string(),
                to: vec![user.email.clone()],
                subject: "Sign-in stopped after wrong second-factor codes".into(),
                text: askama::Template::render(&SecondFactorLockBody {
                    email: &user.email,
                    wrong,
                    ip,
                    minutes,
                })
                .map_err(|e| ServiceError::Internal(format!("mail template: {e}")))?,
                message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
                in_reply_to: None,
                reply_to: None,
                list: None,
                attachments: Vec::new(),
            };
            super::mail::enqueue(
                &mut tx,
                cfg,
                &msg,
                &super::mail::Protect::None,
                None,
                "second-factor-lock",
            )
            .await?;
        }
    }
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
    let reserved = reserve_attempt(db, cfg, &account, ip, now).await?;
    let user = {
        let mut c = db.acquire().await?;
        store::users::by_email(c.conn(), &account).await?
    };
    let user = match user {
        Some(user) if password_matches(given, Some(&user)).await? => user,
        other => {
            if other.is_none() {
                password_matches(given, None).await?;
            }
            record_failure(db, &account, ip, "password").await?;
            return Err(ServiceError::BadCredentials);
        }
    };
    let session = secret::random_token(32);
    let mut tx = db.begin().await?;
    // The password's own failures are forgotten; the second-factor counter is not.
    store::throttle::clear(tx.conn(), SCOPE_ACCOUNT, &account).await?;
    store::throttle::release(tx.conn(), &reserved).await?;
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
    let reserved = reserve_attempt(db, cfg, &user.email, ip, now).await?;
    let Some(stored) = user.totp_secret.as_deref().filter(|_| user.totp_enabled) else {
        return Err(ServiceError::Conflict(
            "this account has no second factor".into(),
        ));
    };
    let (totp_secret, sealed) = super::accounts::open_totp(cfg, stored)?;
    let step = totp::check(&totp_secret, code, now.unsigned_abs())
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    let method = match step {
        Some(step) => {
            let step = i64::try_from(step).map_err(|e| ServiceError::Internal(e.to_string()))?;
            if !store::users::accept_totp_step(tx.conn(), user.id, step).await? {
                drop(tx);
                second_factor_failed(db, cfg, pending, ip, "totp_replayed", now).await?;
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
                second_factor_failed(db, cfg, pending, ip, "second_factor", now).await?;
                return Err(ServiceError::BadSecondFactor);
            }
        }
    };
    let session = secret::random_token(32);
    store::sessions::delete(tx.conn(), &pending.id_hash).await?;
    store::sessions::insert(tx.conn(), &secret::digest(&session), user.id, true, now, ip).await?;
    store::throttle::clear(tx.conn(), SCOPE_ACCOUNT, &user.email).await?;
    store::throttle::clear(tx.conn(), SCOPE_SECOND_FACTOR, &user.email).await?;
    store::throttle::release(tx.conn(), &reserved).await?;
    if !sealed {
        // A secret stored in clear by an earlier version is sealed now.
        let resealed = super::accounts::seal_totp(cfg, &totp_secret)?;
        store::users::reseal_totp(tx.conn(), user.id, stored, &resealed).await?;
    }
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

#[derive(askama::Template)]
#[template(path = "email/second_factor_lock/body.txt")]
struct SecondFactorLockBody<'a> {
    email: &'a str,
    wrong: i64,
    ip: &'a str,
    minutes: u64,
}

#[cfg(test)]
mod mail_snapshots {
    //! The owner's warning after wrong second-factor codes (`cargo insta review`).
    use super::*;
    use askama::Template;

    #[test]
    fn second_factor_lock() {
        insta::assert_snapshot!(
            SecondFactorLockBody {
                email: "lead@example.org",
                wrong: 5,
                ip: "203.0.113.9",
                minutes: 15,
            }
            .render()
            .unwrap()
        );
    }
}
