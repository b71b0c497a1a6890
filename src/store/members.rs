//! The confidential notification list's members (per project and group).

use super::{Conn, StoreError};
use crate::on_conn;

/// A member.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Address.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// Group id (the policy's).
    pub group_id: String,
    /// Armored public key, if any.
    pub public_key: Option<String>,
    /// Its fingerprint.
    pub fingerprint: Option<String>,
    /// Approved.
    pub approved_at: i64,
    /// Revoked.
    pub revoked_at: Option<i64>,
    /// Why, if said.
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "id, project_id, email, name, organisation, group_id, public_key, fingerprint, approved_at, revoked_at, revoke_reason";

/// A new or returning member.
pub struct NewMember<'a> {
    /// Project.
    pub project_id: i64,
    /// Address (lower-case).
    pub email: &'a str,
    /// Full name.
    pub name: &'a str,
    /// Organisation.
    pub organisation: &'a str,
    /// Group.
    pub group_id: &'a str,
    /// Armored key.
    pub public_key: Option<&'a str>,
    /// Fingerprint.
    pub fingerprint: Option<&'a str>,
}

/// Add a member (a revoked member with the same address is approved again).
pub async fn upsert(c: Conn<'_>, m: &NewMember<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO list_members (project_id, email, name, organisation, group_id, public_key, fingerprint, approved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (project_id, email) DO UPDATE SET name = excluded.name, organisation = excluded.organisation, group_id = excluded.group_id, public_key = excluded.public_key, fingerprint = excluded.fingerprint, approved_at = excluded.approved_at, revoked_at = NULL, revoke_reason = NULL RETURNING id")
            .bind(m.project_id)
            .bind(m.email)
            .bind(m.name)
            .bind(m.organisation)
            .bind(m.group_id)
            .bind(m.public_key)
            .bind(m.fingerprint)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// Revoke; `false` if there is no current member with that address.
pub async fn revoke(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_members SET revoked_at = $1, revoke_reason = $2 WHERE project_id = $3 AND email = $4 AND revoked_at IS NULL")
            .bind(now)
            .bind(reason)
            .bind(project_id)
            .bind(email)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Members of a project; `current` only: approved and not revoked.
pub async fn list(c: Conn<'_>, project_id: i64, current: bool) -> Result<Vec<Member>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_members WHERE project_id = $1 AND ($2 = FALSE OR revoked_at IS NULL) ORDER BY group_id, email"
        )))
        .bind(project_id)
        .bind(current)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// A member by id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<Member>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_members WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// The member with this address (current or revoked).
pub async fn by_email(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
) -> Result<Option<Member>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_members WHERE project_id = $1 AND email = $2"
        )))
        .bind(project_id)
        .bind(email)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Replace a current member's key.
pub async fn set_key(
    c: Conn<'_>,
    id: i64,
    armored: &str,
    fingerprint: &str,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_members SET public_key = $1, fingerprint = $2 WHERE id = $3 AND revoked_at IS NULL")
            .bind(armored)
            .bind(fingerprint)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}
