//! Strikes against reporters and bans by OpenPGP key (bans by address live in
//! `banned_reporters`, see [`super::cases::ban`]).

use super::{Conn, StoreError};
use crate::on_conn;

/// A strike to record.
pub struct NewStrike<'a> {
    /// Project.
    pub project_id: i64,
    /// The case it is about.
    pub case_id: Option<i64>,
    /// The reporter's address.
    pub email: Option<&'a str>,
    /// The reporter's key fingerprint.
    pub key_fingerprint: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// The team member.
    pub struck_by: Option<i64>,
}

/// Record a strike.
pub async fn strike(c: Conn<'_>, s: &NewStrike<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO reporter_strikes (project_id, case_id, email, key_fingerprint, reason, struck_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(s.project_id)
            .bind(s.case_id)
            .bind(s.email)
            .bind(s.key_fingerprint)
            .bind(s.reason)
            .bind(s.struck_by)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// Strikes not lifted against this address or key in the project.
pub async fn count(
    c: Conn<'_>,
    project_id: i64,
    email: Option<&str>,
    fingerprint: Option<&str>,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM reporter_strikes WHERE project_id = $1 AND lifted_at IS NULL AND ((email IS NOT NULL AND email = $2) OR (key_fingerprint IS NOT NULL AND key_fingerprint = $3))")
            .bind(project_id)
            .bind(email)
            .bind(fingerprint)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// Ban a key.
pub async fn ban_key(
    c: Conn<'_>,
    project_id: i64,
    fingerprint: &str,
    email: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO banned_keys (project_id, fingerprint, email, reason, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, fingerprint) DO NOTHING")
            .bind(project_id)
            .bind(fingerprint)
            .bind(email)
            .bind(reason)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Whether a key is banned from the project.
pub async fn key_banned(
    c: Conn<'_>,
    project_id: i64,
    fingerprint: &str,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM banned_keys WHERE project_id = $1 AND fingerprint = $2",
        )
        .bind(project_id)
        .bind(fingerprint)
        .fetch_one(&mut *c)
        .await?;
        Ok(n > 0)
    })
}

/// A ban as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BanRow {
    /// Address (or the key's recorded address).
    pub email: Option<String>,
    /// Key fingerprint, for key bans.
    pub fingerprint: Option<String>,
    /// Why.
    pub reason: String,
    /// When.
    pub created_at: i64,
}

/// The project's bans, by address and by key.
pub async fn bans(c: Conn<'_>, project_id: i64) -> Result<Vec<BanRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT email, CAST(NULL AS TEXT) AS fingerprint, reason, created_at FROM banned_reporters WHERE project_id = $1 UNION ALL SELECT email, fingerprint, reason, created_at FROM banned_keys WHERE project_id = $1 ORDER BY created_at")
            .bind(project_id)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Lift the bans on this address (and the keys banned with it) and mark its strikes
/// lifted; returns how many bans were lifted.
pub async fn lift(c: Conn<'_>, project_id: i64, email: &str, now: i64) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let a = sqlx::query("DELETE FROM banned_reporters WHERE project_id = $1 AND email = $2")
            .bind(project_id)
            .bind(email)
            .execute(&mut *c)
            .await?
            .rows_affected();
        let b = sqlx::query("DELETE FROM banned_keys WHERE project_id = $1 AND email = $2")
            .bind(project_id)
            .bind(email)
            .execute(&mut *c)
            .await?
            .rows_affected();
        sqlx::query("UPDATE reporter_strikes SET lifted_at = $3 WHERE project_id = $1 AND email = $2 AND lifted_at IS NULL")
            .bind(project_id)
            .bind(email)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(a + b)
    })
}
