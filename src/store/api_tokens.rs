//! Personal API tokens, stored as SHA-256 hashes.

use super::{Conn, StoreError};
use crate::on_conn;

/// A token as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Label given at creation.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, if it expires.
    pub expires_at: Option<i64>,
    /// Unix seconds of last use.
    pub last_used_at: Option<i64>,
    /// Unix seconds, if revoked.
    pub revoked_at: Option<i64>,
}

/// Store a new token's hash.
pub async fn insert(
    c: Conn<'_>,
    user_id: i64,
    name: &str,
    token_hash: &str,
    now: i64,
    expires_at: Option<i64>,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The live (unrevoked, unexpired) token with this hash.
pub async fn find_live(
    c: Conn<'_>,
    token_hash: &str,
    now: i64,
) -> Result<Option<ApiTokenRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, user_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// Record use.
pub async fn touch(c: Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// A user's tokens, newest first.
pub async fn list_for_user(c: Conn<'_>, user_id: i64) -> Result<Vec<ApiTokenRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, user_id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
            .bind(user_id)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Revoke a token; `false` if no live token has this id.
pub async fn revoke(c: Conn<'_>, id: i64, now: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}
