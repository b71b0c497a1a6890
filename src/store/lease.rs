//! The lease protocol shared by Embargo's two work queues: the outbox (mail to send)
//! and the disclosure jobs (pre-announce, pre-notify, publish at their time).
//!
//! A worker *claims* due rows in one atomic statement: it marks them working, counts
//! the attempt, and writes its name and a lease end. On PostgreSQL the inner select
//! takes `FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows; on
//! SQLite the single writer does the same. A row whose lease ran out (its worker died)
//! is due again. Finishing a row (sent, done, failed, retry) is conditional on the
//! worker still holding the lease, so two workers that both claimed an expired lease
//! cannot both settle it. What follows a failure is [`crate::domain::retry`]'s one
//! policy.

use super::{Conn, StoreError};
use std::sync::OnceLock;

/// A leased queue: its table and the names of its columns and states.
pub struct Queue {
    table: &'static str,
    /// State of a row waiting for its time.
    waiting: &'static str,
    /// State of a claimed row.
    working: &'static str,
    /// Column holding when a waiting row is due.
    due: &'static str,
    /// Order of claiming.
    order: &'static str,
    /// Columns returned to the worker.
    returning: &'static str,
    /// The claim statement (PostgreSQL, SQLite), built once.
    sql: OnceLock<(String, String)>,
}

/// The outbox: messages `queued` until `next_attempt_at`, `sending` while claimed.
pub static OUTBOX: Queue = Queue {
    table: "outbox",
    waiting: "queued",
    working: "sending",
    due: "next_attempt_at",
    order: "id",
    returning: "id, message_id, envelope_from, recipients, raw, attempts",
    sql: OnceLock::new(),
};

/// The disclosure jobs: `pending` until `due_at`, `running` while claimed.
pub static DISCLOSURE_JOBS: Queue = Queue {
    table: "disclosure_jobs",
    waiting: "pending",
    working: "running",
    due: "due_at",
    order: "due_at, id",
    returning: "id, case_id, project_id, kind, due_at, schedule_version, status, attempts, fired_at, late_seconds, last_error",
    sql: OnceLock::new(),
};

impl Queue {
    fn statements(&'static self) -> (&'static str, &'static str) {
        let (pg, lite) = self.sql.get_or_init(|| {
            let Self {
                table,
                waiting,
                working,
                due,
                order,
                returning,
                ..
            } = self;
            let claim = |lock: &str| {
                format!(
                    "UPDATE {table} SET status = '{working}', attempts = attempts + 1, lease_until = $1, leased_by = $2 \
                     WHERE id IN (SELECT id FROM {table} WHERE (status = '{waiting}' AND {due} <= $3) \
                     OR (status = '{working}' AND lease_until < $3) ORDER BY {order} LIMIT $4{lock}) \
                     RETURNING {returning}"
                )
            };
            (claim(" FOR UPDATE SKIP LOCKED"), claim(""))
        });
        (pg.as_str(), lite.as_str())
    }
}

/// Claim up to `limit` rows of `queue` due at `now` for `worker`, leased until
/// `lease_until`.
pub async fn claim<T>(
    c: Conn<'_>,
    queue: &'static Queue,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<T>, StoreError>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    let (pg, lite) = queue.statements();
    match c {
        Conn::Postgres(c) => Ok(sqlx::query_as(pg)
            .bind(lease_until)
            .bind(worker)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?),
        Conn::Sqlite(c) => Ok(sqlx::query_as(lite)
            .bind(lease_until)
            .bind(worker)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?),
    }
}
