//! Reminders for case clocks: which open cases have a clock coming due, and which
//! reminders were sent.

use super::{Conn, StoreError};
use crate::on_conn;

/// An open case with a clock due before the horizon.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueCase {
    /// Case.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// State.
    #[sqlx(try_from = "String")]
    pub state: crate::domain::case::CaseState,
    /// Acknowledgement due.
    pub acknowledge_due_at: Option<i64>,
    /// Acknowledged.
    pub acknowledged_at: Option<i64>,
    /// Decision due.
    pub decide_due_at: Option<i64>,
    /// Fix due.
    pub target_fix_due_at: Option<i64>,
    /// The upstream maintainers' deadline (the policy's `upstream.wait` from first contact).
    pub upstream_deadline_at: Option<i64>,
    /// Upstream released (or the team applied a remedy): the deadline no longer applies.
    pub upstream_resolved_at: Option<i64>,
    /// Assignee.
    pub assignee_user_id: Option<i64>,
}

/// Open cases with a running clock due before `horizon` (at most `limit`, soonest first).
pub async fn due_cases(c: Conn<'_>, horizon: i64, limit: i64) -> Result<Vec<DueCase>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, project_id, state, acknowledge_due_at, acknowledged_at, decide_due_at, target_fix_due_at, upstream_deadline_at, upstream_resolved_at, assignee_user_id FROM cases WHERE \
            (acknowledged_at IS NULL AND acknowledge_due_at <= $1 AND state IN ('received', 'acknowledged')) \
            OR (state IN ('received', 'acknowledged') AND decide_due_at <= $1) \
            OR (state IN ('accepted', 'fixing') AND target_fix_due_at <= $1) \
            OR (state NOT IN ('rejected', 'duplicate', 'spam', 'published', 'closed') AND upstream_resolved_at IS NULL AND upstream_deadline_at <= $1) \
            ORDER BY id LIMIT $2")
            .bind(horizon)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// How many reminders a clock of a case has had, and when the last was sent.
pub async fn last(
    c: Conn<'_>,
    case_id: i64,
    clock: &str,
) -> Result<(i64, Option<i64>), StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), MAX(sent_at) FROM case_reminders WHERE case_id = $1 AND clock = $2",
        )
        .bind(case_id)
        .bind(clock)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Record the `seq`-th reminder of a clock; `false` if another process already sent it.
pub async fn record(
    c: Conn<'_>,
    case_id: i64,
    clock: &str,
    seq: i64,
    kind: &str,
    recipients: &str,
    now: i64,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query("INSERT INTO case_reminders (case_id, clock, seq, kind, recipients, sent_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, clock, seq) DO NOTHING")
            .bind(case_id)
            .bind(clock)
            .bind(seq)
            .bind(kind)
            .bind(recipients)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
            == 1)
    })
}
