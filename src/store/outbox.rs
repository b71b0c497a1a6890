//! The durable mail outbox.
//!
//! A message is inserted in the transaction of the change that causes it.
//! Workers claim due messages by lease: the claim is one atomic statement —
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so concurrent workers take
//! different rows; on SQLite the single writer lock does the same. A claimed
//! message whose lease expires (its worker died) is due again. The protocol is
//! [`super::lease`], shared with the disclosure jobs.

use super::{Conn, StoreError};
use crate::on_conn;

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Message-ID without angle brackets.
    pub message_id: &'a str,
    /// Project, if any.
    pub project_id: Option<i64>,
    /// What it is for.
    pub purpose: &'a str,
    /// SMTP MAIL FROM.
    pub envelope_from: &'a str,
    /// SMTP RCPT TO addresses.
    pub recipients: &'a [String],
    /// The whole message.
    pub raw: &'a [u8],
}

/// A message as stored (without its body, for listings).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    /// Id.
    pub id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Purpose.
    pub purpose: String,
    /// Envelope recipients (JSON).
    pub recipients: String,
    /// Status.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Next attempt (Unix seconds).
    pub next_attempt_at: i64,
    /// Last error.
    pub last_error: Option<String>,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Sent (Unix seconds).
    pub sent_at: Option<i64>,
}

/// A claimed message, with what is needed to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    /// Id.
    pub id: i64,
    /// Message-ID.
    pub message_id: String,
    /// Envelope sender.
    pub envelope_from: String,
    /// Envelope recipients (JSON).
    pub recipients: String,
    /// The message.
    pub raw: Vec<u8>,
    /// Attempts including this one.
    pub attempts: i64,
}

/// Enqueue; returns the id.
pub async fn enqueue(c: Conn<'_>, m: NewMessage<'_>, now: i64) -> Result<i64, StoreError> {
    let recipients = serde_json::to_string(m.recipients).unwrap_or_else(|_| "[]".into());
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO outbox (message_id, project_id, purpose, envelope_from, recipients, raw, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7) RETURNING id")
            .bind(m.message_id)
            .bind(m.project_id)
            .bind(m.purpose)
            .bind(m.envelope_from)
            .bind(&recipients)
            .bind(m.raw)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// How many messages for `purpose` went to exactly `recipient` since `since`.
pub async fn count_to(
    c: Conn<'_>,
    purpose: &str,
    recipient: &str,
    since: i64,
) -> Result<i64, StoreError> {
    let recipients = serde_json::to_string(&[recipient]).unwrap_or_else(|_| "[]".into());
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE purpose = $1 AND recipients = $2 AND created_at >= $3",
        )
        .bind(purpose)
        .bind(&recipients)
        .bind(since)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Claim up to `limit` due messages for `worker` until `lease_until`.
pub async fn claim(
    c: Conn<'_>,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    super::lease::claim(c, &super::lease::OUTBOX, worker, now, lease_until, limit).await
}

/// Mark sent; `false` if this worker no longer holds the lease.
pub async fn mark_sent(c: Conn<'_>, id: i64, worker: &str, now: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2 AND leased_by = $3 AND status = 'sending'")
            .bind(now)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Record a failed attempt: due again at `retry_at`, or failed for good when `retry_at` is `None`.
pub async fn mark_attempt_failed(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        let (status, next) = match retry_at {
            Some(t) => ("queued", t),
            None => ("failed", 0),
        };
        sqlx::query("UPDATE outbox SET status = $1, next_attempt_at = CASE WHEN $2 > 0 THEN $2 ELSE next_attempt_at END, lease_until = NULL, last_error = $3 WHERE id = $4 AND leased_by = $5 AND status = 'sending'")
            .bind(status)
            .bind(next)
            .bind(error)
            .bind(id)
            .bind(worker)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Put a failed message back in the queue, due now; `false` if it is not failed.
pub async fn retry(c: Conn<'_>, id: i64, now: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $1 WHERE id = $2 AND status = 'failed'")
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Messages, newest first; `status` filters.
pub async fn list(
    c: Conn<'_>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, message_id, purpose, recipients, status, attempts, next_attempt_at, last_error, created_at, sent_at FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2")
            .bind(status)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Counts by status.
pub async fn counts(c: Conn<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    on_conn!(c, |c| {
        Ok(
            sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
                .fetch_all(&mut *c)
                .await?,
        )
    })
}

/// Erase the bodies of mail sent before `before` (the record stays, with an
/// empty body); returns how many were erased.
pub async fn purge_sent(c: Conn<'_>, before: i64) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query(
            "UPDATE outbox SET raw = $1 WHERE status = 'sent' AND sent_at < $2 AND raw <> $1",
        )
        .bind(Vec::<u8>::new())
        .bind(before)
        .execute(&mut *c)
        .await?;
        Ok(r.rows_affected())
    })
}

/// The raw message with this id.
pub async fn raw(c: Conn<'_>, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("SELECT raw FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// The first of `message_ids` (angle brackets allowed) that Embargo sent or queued.
pub async fn first_known(
    mut c: Conn<'_>,
    message_ids: &[String],
) -> Result<Option<String>, StoreError> {
    for id in message_ids.iter().take(20) {
        let bare = id.trim().trim_matches(['<', '>']);
        let found: Option<i64> = on_conn!(c.reborrow(), |cc| {
            sqlx::query_scalar("SELECT id FROM outbox WHERE message_id = $1")
                .bind(bare)
                .fetch_optional(&mut *cc)
                .await?
        });
        if found.is_some() {
            return Ok(Some(bare.to_owned()));
        }
    }
    Ok(None)
}
