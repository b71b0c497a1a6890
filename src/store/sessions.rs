//! Server-side web sessions. The cookie holds a random secret; the table
//! holds its SHA-256, so a leaked database does not yield live sessions.
//! Every process on the database sees every session.

use super::{Conn, StoreError};
use crate::on_conn;

/// A session as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the cookie secret.
    pub id_hash: String,
    /// The signed-in account.
    pub user_id: i64,
    /// Whether the second factor was passed (or is not enabled).
    pub mfa_verified: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request.
    pub last_seen_at: i64,
    /// Address the session was created from.
    pub client_ip: String,
}

/// Create a session.
pub async fn insert(
    c: Conn<'_>,
    id_hash: &str,
    user_id: i64,
    mfa_verified: bool,
    now: i64,
    client_ip: &str,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, mfa_verified, created_at, last_seen_at, client_ip) VALUES ($1, $2, $3, $4, $4, $5)")
            .bind(id_hash)
            .bind(user_id)
            .bind(mfa_verified)
            .bind(now)
            .bind(client_ip)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// The session with this hash.
pub async fn find(c: Conn<'_>, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id_hash, user_id, mfa_verified, created_at, last_seen_at, client_ip FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// Record activity.
pub async fn touch(c: Conn<'_>, id_hash: &str, now: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// End a session; `false` if there was none.
pub async fn delete(c: Conn<'_>, id_hash: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// End every session of an account (password change, 2FA change, disable).
pub async fn delete_for_user(c: Conn<'_>, user_id: i64) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected())
    })
}

/// Delete sessions idle since before `idle_before` or created before `created_before`.
pub async fn delete_expired(
    c: Conn<'_>,
    idle_before: i64,
    created_before: i64,
) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected())
    })
}
