//! Personal API tokens: created by the operator (CLI) for an account, sent as
//! `Authorization: Bearer emb_…`, stored as hashes, revocable.

use super::{ServiceError, audit};
use crate::auth::secret;
use crate::domain::actor::Actor;
use crate::domain::duration::Duration;
use crate::domain::email::EmailAddress;
use crate::store::{self, Db, users::UserRow};
use serde_json::json;

/// Every token starts with this, so a leaked one is recognisable in logs and scanners.
pub const PREFIX: &str = "emb_";

/// Create a token for an account; returns its id and the token text (shown once).
pub async fn create(
    db: &Db,
    actor: &Actor,
    email: &EmailAddress,
    name: &str,
    lifetime: Option<Duration>,
) -> Result<(i64, String), ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::Invalid(
            "the token name must be 1 to 100 characters".into(),
        ));
    }
    let token = format!("{PREFIX}{}", secret::random_token(32));
    let now = store::now();
    let expires = lifetime.map(|d| now.saturating_add(d.as_seconds_i64()));
    let mut tx = db.begin().await?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    let id = store::api_tokens::insert(
        tx.conn(),
        user.id,
        name,
        &secret::digest(&token),
        now,
        expires,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "api_token.created",
        ("api_token", &id.to_string()),
        None,
        json!({"user_id": user.id, "name": name, "expires_at": expires}),
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

/// The account a bearer token belongs to, if the token is live.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<UserRow>, ServiceError> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let now = store::now();
    let mut c = db.acquire().await?;
    let Some(row) = store::api_tokens::find_live(c.conn(), &secret::digest(token), now).await?
    else {
        return Ok(None);
    };
    let user = store::users::by_id(c.conn(), row.user_id)
        .await?
        .filter(|u| !u.disabled);
    if user.is_some() && row.last_used_at.is_none_or(|t| now - t >= 60) {
        store::api_tokens::touch(c.conn(), row.id, now).await?;
    }
    Ok(user)
}

/// Revoke a token by id.
pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    if !store::api_tokens::revoke(tx.conn(), id, store::now()).await? {
        return Err(ServiceError::NotFound(format!("live API token #{id}")));
    }
    audit::record(
        &mut tx,
        actor,
        "api_token.revoked",
        ("api_token", &id.to_string()),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
