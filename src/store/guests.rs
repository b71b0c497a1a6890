//! Collaborators ("guests") of a case: who was invited, by whom, and the hash of
//! their capability link.

use super::{Conn, StoreError};
use crate::on_conn;

/// A guest as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuestRow {
    /// Id.
    pub id: i64,
    /// The one case they may see.
    pub case_id: i64,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// upstream | affected-project | reporter-colleague | other.
    pub role: String,
    /// Who invited them.
    pub invited_by: Option<i64>,
    /// When.
    pub invited_at: i64,
    /// When they were removed (the link no longer works).
    pub removed_at: Option<i64>,
    /// Their last view.
    pub last_seen_at: Option<i64>,
}

const COLUMNS: &str =
    "id, case_id, email, name, role, invited_by, invited_at, removed_at, last_seen_at";

/// A new guest.
pub struct NewGuest<'a> {
    /// Case.
    pub case_id: i64,
    /// Address.
    pub email: &'a str,
    /// Name.
    pub name: &'a str,
    /// Role keyword.
    pub role: &'a str,
    /// SHA-256 of the link secret.
    pub token_hash: &'a str,
    /// Inviting member.
    pub invited_by: Option<i64>,
}

/// Invite; returns the id.
pub async fn insert(c: Conn<'_>, g: &NewGuest<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO case_guests (case_id, email, name, role, token_hash, invited_by, invited_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(g.case_id)
            .bind(g.email)
            .bind(g.name)
            .bind(g.role)
            .bind(g.token_hash)
            .bind(g.invited_by)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The case's guests, current and removed.
pub async fn of_case(c: Conn<'_>, case_id: i64) -> Result<Vec<GuestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM case_guests WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// A current (not removed) guest by the hash of their link.
pub async fn by_token_hash(c: Conn<'_>, hash: &str) -> Result<Option<GuestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM case_guests WHERE token_hash = $1 AND removed_at IS NULL"
        )))
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// A guest by id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<GuestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM case_guests WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Remove: the link stops working at once.
pub async fn remove(c: Conn<'_>, id: i64, now: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query(
            "UPDATE case_guests SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected()
            == 1)
    })
}

/// Record a view.
pub async fn seen(c: Conn<'_>, id: i64, now: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE case_guests SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}
