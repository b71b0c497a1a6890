//! The upstream track of a case: who upstream is, when they were contacted, what
//! they answered, the deadline.

use super::{Conn, StoreError};
use crate::on_conn;

/// The upstream facts of a case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpstreamRow {
    /// The dependency or project upstream.
    pub upstream_name: Option<String>,
    /// How to reach its maintainer.
    pub upstream_contact: Option<String>,
    /// When they were contacted.
    pub upstream_contacted_at: Option<i64>,
    /// The policy's deadline for their fix.
    pub upstream_deadline_at: Option<i64>,
    /// When upstream released a fix (or the team applied the remedy).
    pub upstream_resolved_at: Option<i64>,
}

/// One entry of the track.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// Id.
    pub id: i64,
    /// contacted | answer | released | remedy.
    pub kind: String,
    /// Text.
    pub body: String,
    /// Team member.
    pub user_id: Option<i64>,
    /// When.
    pub at: i64,
}

/// The case's upstream facts.
pub async fn of_case(c: Conn<'_>, case_id: i64) -> Result<Option<UpstreamRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT upstream_name, upstream_contact, upstream_contacted_at, upstream_deadline_at, upstream_resolved_at FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// Mark the case as a dependency's vulnerability.
pub async fn set(c: Conn<'_>, case_id: i64, name: &str, contact: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET upstream_name = $1, upstream_contact = $2 WHERE id = $3")
            .bind(name)
            .bind(contact)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Record the first contact and the deadline.
pub async fn contacted(
    c: Conn<'_>,
    case_id: i64,
    at: i64,
    deadline: Option<i64>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET upstream_contacted_at = COALESCE(upstream_contacted_at, $1), upstream_deadline_at = COALESCE(upstream_deadline_at, $2) WHERE id = $3")
            .bind(at)
            .bind(deadline)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Record that upstream's fix is out (or the remedy applied).
pub async fn resolved(c: Conn<'_>, case_id: i64, at: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET upstream_resolved_at = $1 WHERE id = $2")
            .bind(at)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Add an entry to the track.
pub async fn add_event(
    c: Conn<'_>,
    case_id: i64,
    kind: &str,
    body: &str,
    user_id: Option<i64>,
    at: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO case_upstream_events (case_id, kind, body, user_id, at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(case_id)
            .bind(kind)
            .bind(body)
            .bind(user_id)
            .bind(at)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The track, oldest first.
pub async fn events(c: Conn<'_>, case_id: i64) -> Result<Vec<EventRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, kind, body, user_id, at FROM case_upstream_events WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut *c)
            .await?)
    })
}
