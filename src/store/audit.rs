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

/// What the audit page filters by (only the filters given become SQL).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    /// Events of this project.
    pub project_id: Option<i64>,
    /// Events whose actor contains this (an address, `cli`, `system`).
    pub actor: Option<&'a str>,
    /// Events whose action starts with this (`case.`, `case.published`).
    pub action: Option<&'a str>,
    /// Events about objects of this type (`case`, `project`, `user`).
    pub object_type: Option<&'a str>,
    /// … with this id.
    pub object_id: Option<&'a str>,
    /// Only events older than this sequence number (the next page).
    pub before: Option<i64>,
}

/// Escape `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The newest `limit` events matching `f`, newest first.
pub async fn search(
    c: Conn<'_>,
    f: &AuditFilter<'_>,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    enum P {
        Int(i64),
        Text(String),
    }
    let mut params: Vec<P> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    let next = |p: P, params: &mut Vec<P>| {
        params.push(p);
        format!("${}", params.len())
    };
    if let Some(p) = f.project_id {
        let n = next(P::Int(p), &mut params);
        clauses.push(format!("project_id = {n}"));
    }
    if let Some(a) = f.actor {
        let n = next(P::Text(format!("%{}%", like_literal(a))), &mut params);
        clauses.push(format!("actor LIKE {n} ESCAPE '\\'"));
    }
    if let Some(a) = f.action {
        let n = next(P::Text(format!("{}%", like_literal(a))), &mut params);
        clauses.push(format!("action LIKE {n} ESCAPE '\\'"));
    }
    if let Some(t) = f.object_type {
        let n = next(P::Text(t.to_owned()), &mut params);
        clauses.push(format!("object_type = {n}"));
    }
    if let Some(o) = f.object_id {
        let n = next(P::Text(o.to_owned()), &mut params);
        clauses.push(format!("object_id = {n}"));
    }
    if let Some(b) = f.before {
        let n = next(P::Int(b), &mut params);
        clauses.push(format!("seq < {n}"));
    }
    let limit_n = next(P::Int(limit), &mut params);
    let sql = format!(
        "SELECT seq, at, actor, action, object_type, object_id, project_id, details, prev_hash, hash FROM audit_events {} ORDER BY seq DESC LIMIT {limit_n}",
        if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        }
    );
    on_conn!(c, |c| {
        let mut q = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql.clone()));
        for p in &params {
            q = match p {
                P::Int(i) => q.bind(*i),
                P::Text(t) => q.bind(t.clone()),
            };
        }
        let rows = q.fetch_all(&mut *c).await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    })
}
