//! The disclosure schedule of a case, the jobs that carry it out, and who was told.
//!
//! A job is claimed under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
//! lock on SQLite) and finished by [`finish`] *in the same transaction as its
//! effect*, conditionally on still holding the lease: two processes can both claim
//! an expired lease, but only one can commit the effect. The claim is
//! [`super::lease`], shared with the outbox.

use super::{Conn, StoreError};
use crate::on_conn;

/// A case's schedule columns.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Schedule {
    /// Case.
    pub id: i64,
    /// Disclosure instant.
    pub disclose_at: Option<i64>,
    /// The zone it was stated in.
    pub disclose_zone: Option<String>,
    /// Why the exploited-in-the-wild timeline applies.
    pub exploited_reason: Option<String>,
    /// Publish at the date without a person pressing the button.
    pub auto_publish: bool,
    /// Who set the schedule (their key signs the pre-notification).
    pub scheduled_by: Option<i64>,
    /// Bumped at every (re)schedule; jobs of older versions are stale.
    pub schedule_version: i64,
    /// Pre-announcement sent.
    pub pre_announced_at: Option<i64>,
    /// Pre-notification sent.
    pub pre_notified_at: Option<i64>,
    /// Published.
    pub published_at: Option<i64>,
    /// Assigned CVE ID (from the pool's assignment).
    pub cve_id: Option<String>,
}

const SCHEDULE: &str = "id, disclose_at, disclose_zone, exploited_reason, auto_publish, scheduled_by, schedule_version, pre_announced_at, pre_notified_at, published_at, (SELECT cve_id FROM cve_ids WHERE cve_ids.case_id = cases.id) AS cve_id";

/// The schedule columns of a case.
pub async fn schedule_of(c: Conn<'_>, case_id: i64) -> Result<Option<Schedule>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SCHEDULE} FROM cases WHERE id = $1"
        )))
        .bind(case_id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Cases of a project disclosed at the same instant (a joint release), any state.
pub async fn same_instant(
    c: Conn<'_>,
    project_id: i64,
    disclose_at: i64,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, state, severity FROM cases WHERE project_id = $1 AND disclose_at = $2 ORDER BY id")
            .bind(project_id)
            .bind(disclose_at)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Withdraw the schedule (the date and its pending jobs).
pub async fn clear_schedule(c: Conn<'_>, case_id: i64, now: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET disclose_at = NULL, schedule_version = schedule_version + 1 WHERE id = $1")
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        sqlx::query("UPDATE disclosure_jobs SET status = 'cancelled', fired_at = $1 WHERE case_id = $2 AND status IN ('pending', 'running', 'failed')")
            .bind(now)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// A job row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Project.
    pub project_id: i64,
    /// `pre-announce`, `pre-notify` or `publish`.
    pub kind: String,
    /// When it should fire.
    pub due_at: i64,
    /// The schedule version it belongs to.
    pub schedule_version: i64,
    /// `pending`, `running`, `done`, `cancelled`.
    pub status: String,
    /// Attempts.
    pub attempts: i64,
    /// When it fired (or was cancelled).
    pub fired_at: Option<i64>,
    /// How late it fired.
    pub late_seconds: Option<i64>,
    /// Last error.
    pub last_error: Option<String>,
}

const JOB: &str = "id, case_id, project_id, kind, due_at, schedule_version, status, attempts, fired_at, late_seconds, last_error";

/// Cancel the pending jobs of a case (all kinds, or one).
pub async fn cancel_jobs(
    c: Conn<'_>,
    case_id: i64,
    kind: Option<&str>,
    now: i64,
) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE disclosure_jobs SET status = 'cancelled', fired_at = $1 WHERE case_id = $2 AND status IN ('pending', 'running') AND ($3 IS NULL OR kind = $3)")
            .bind(now)
            .bind(case_id)
            .bind(kind)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected())
    })
}

/// Add a job.
pub async fn add_job(
    c: Conn<'_>,
    case_id: i64,
    project_id: i64,
    kind: &str,
    due_at: i64,
    version: i64,
    now: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO disclosure_jobs (case_id, project_id, kind, due_at, schedule_version, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id")
            .bind(case_id)
            .bind(project_id)
            .bind(kind)
            .bind(due_at)
            .bind(version)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// Claim due jobs for `worker` until `lease_until`.
pub async fn claim(
    c: Conn<'_>,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    super::lease::claim(
        c,
        &super::lease::DISCLOSURE_JOBS,
        worker,
        now,
        lease_until,
        limit,
    )
    .await
}

/// Finish a claimed job as `done` or `cancelled`; `false` if `worker` no longer holds it.
pub async fn finish(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    status: &str,
    now: i64,
    late_seconds: i64,
    note: Option<&str>,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE disclosure_jobs SET status = $1, fired_at = $2, late_seconds = $3, last_error = $4, lease_until = NULL WHERE id = $5 AND leased_by = $6 AND status = 'running'")
            .bind(status)
            .bind(now)
            .bind(late_seconds)
            .bind(note)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// A claimed job failed: due again at `retry_at`, or failed for good (`None`).
pub async fn failed(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE disclosure_jobs SET status = CASE WHEN $1 > 0 THEN 'pending' ELSE 'failed' END, due_at = CASE WHEN $1 > 0 THEN $1 ELSE due_at END, last_error = $2, lease_until = NULL WHERE id = $3 AND leased_by = $4 AND status = 'running'")
            .bind(retry_at.unwrap_or(0))
            .bind(error)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Jobs, upcoming first; `all` includes finished ones.
pub async fn jobs(
    c: Conn<'_>,
    project_id: Option<i64>,
    case_id: Option<i64>,
    all: bool,
) -> Result<Vec<Job>, StoreError> {
    let mut sql = format!("SELECT {JOB} FROM disclosure_jobs WHERE 1 = 1");
    if project_id.is_some() {
        sql.push_str(" AND project_id = $1");
    }
    if case_id.is_some() {
        sql.push_str(if project_id.is_some() {
            " AND case_id = $2"
        } else {
            " AND case_id = $1"
        });
    }
    if !all {
        sql.push_str(" AND status IN ('pending', 'running', 'failed')");
    }
    sql.push_str(" ORDER BY due_at, id LIMIT 1000");
    on_conn!(c, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        if let Some(p) = project_id {
            q = q.bind(p);
        }
        if let Some(id) = case_id {
            q = q.bind(id);
        }
        Ok(q.fetch_all(&mut *c).await?)
    })
}

/// Record that `address` was told (`pre-announce` or `pre-notify`) about a case.
pub async fn told(
    c: Conn<'_>,
    case_id: i64,
    kind: &str,
    address: &str,
    member_id: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO disclosure_recipients (case_id, kind, address, member_id, told_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(case_id)
            .bind(kind)
            .bind(address)
            .bind(member_id)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Who was told about a case: distinct (kind, address, member id).
pub async fn told_list(
    c: Conn<'_>,
    case_id: i64,
) -> Result<Vec<(String, String, Option<i64>)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT DISTINCT kind, address, member_id FROM disclosure_recipients WHERE case_id = $1 ORDER BY kind, address")
            .bind(case_id)
            .fetch_all(&mut *c)
            .await?)
    })
}
