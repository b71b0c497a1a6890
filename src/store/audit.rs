//! The append-only, hash-chained audit trail.
//!
//! [`append`] is the only function that writes `audit_events`; nothing
//! updates or deletes them. Appends are serialised by updating the single
//! `audit_head` row first (a row lock on PostgreSQL; the write lock that
//! `BEGIN IMMEDIATE` already holds on SQLite), so concurrent transactions in
//! several processes still build one unbroken chain.

use super::{Conn, StoreError};
use crate::domain::audit::{AuditEvent, EventContent};
use crate::on_conn;

/// A new event's facts (the chain fields are filled in by [`append`]).
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: &'a str,
    /// What (`object.verb`).
    pub action: &'a str,
    /// Kind of object.
    pub object_type: &'a str,
    /// Object id.
    pub object_id: &'a str,
    /// Project, if any.
    pub project_id: Option<i64>,
    /// JSON object text.
    pub details: &'a str,
}

/// Append an event in the caller's transaction; returns its sequence number.
pub async fn append(c: Conn<'_>, event: NewEvent<'_>) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        let (seq, prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *c)
                .await?;
        let content = EventContent {
            seq,
            at: event.at,
            actor: event.actor,
            action: event.action,
            object_type: event.object_type,
            object_id: event.object_id,
            project_id: event.project_id,
            details: event.details,
            prev_hash: &prev_hash,
        };
        let hash = content.hash();
        sqlx::query("INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, project_id, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(seq)
            .bind(event.at)
            .bind(event.actor)
            .bind(event.action)
            .bind(event.object_type)
            .bind(event.object_id)
            .bind(event.project_id)
            .bind(event.details)
            .bind(&prev_hash)
            .bind(&hash)
            .execute(&mut *c)
            .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *c)
            .await?;
        Ok(seq)
    })
}

/// The recorded head: the last sequence number and its hash.
pub async fn head(c: Conn<'_>) -> Result<(i64, String), StoreError> {
    on_conn!(c, |c| {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *c)
                .await?,
        )
    })
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    project_id: Option<i64>,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for AuditEvent {
    fn from(r: EventRow) -> Self {
        Self {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            project_id: r.project_id,
            details: r.details,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Up to `limit` events after `after_seq`, in chain order.
pub async fn page(c: Conn<'_>, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
    on_conn!(c, |c| {
        let rows: Vec<EventRow> = sqlx::query_as("SELECT seq, at, actor, action, object_type, object_id, project_id, details, prev_hash, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    })
}

/// The newest `limit` events, newest first (optionally for one project).
pub async fn recent(
    c: Conn<'_>,
    project_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    on_conn!(c, |c| {
        let rows: Vec<EventRow> = sqlx::query_as("SELECT seq, at, actor, action, object_type, object_id, project_id, details, prev_hash, hash FROM audit_events WHERE ($1 IS NULL OR project_id = $1) ORDER BY seq DESC LIMIT $2")
            .bind(project_id)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    })
}

/// The last of `actions` recorded for an object (`case`, `12`), if any.
pub async fn last_action_of(
    c: Conn<'_>,
    object: (&str, &str),
    actions: &[&str],
) -> Result<Option<String>, StoreError> {
    if actions.is_empty() {
        return Ok(None);
    }
    let list: Vec<String> = (0..actions.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT action FROM audit_events WHERE object_type = $1 AND object_id = $2 AND action IN ({}) ORDER BY seq DESC LIMIT 1",
        list.join(", ")
    );
    on_conn!(c, |c| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(object.0)
            .bind(object.1);
        for a in actions {
            q = q.bind(*a);
        }
        Ok(q.fetch_optional(&mut *c).await?)
    })
}
