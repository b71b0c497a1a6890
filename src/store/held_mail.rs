//! Mail kept for the team instead of opening a case: Embargo's own mail come back,
//! automatic mail, replies to Embargo's mail outside any reporter thread (migration 0019).

use super::{Conn, StoreError};
use crate::on_conn;

/// A held message.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct HeldMail {
    /// Id.
    pub id: i64,
    /// Sender address, as the mail gives it.
    pub sender: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// Why it was held.
    pub reason: String,
    /// Unix seconds.
    pub received_at: i64,
}

/// A message to hold.
#[derive(Debug, Clone)]
pub struct NewHeld<'a> {
    /// Project.
    pub project_id: i64,
    /// Sender.
    pub sender: Option<&'a str>,
    /// Subject.
    pub subject: Option<&'a str>,
    /// Message-ID (a second delivery of the same one is ignored).
    pub message_id: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// The message as delivered.
    pub raw: &'a [u8],
}

/// Keep a message; `None` when one with the same Message-ID is kept already.
pub async fn insert(c: Conn<'_>, n: &NewHeld<'_>, now: i64) -> Result<Option<i64>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO held_mail (project_id, sender, subject, message_id, reason, raw, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING RETURNING id")
            .bind(n.project_id)
            .bind(n.sender)
            .bind(n.subject)
            .bind(n.message_id)
            .bind(n.reason)
            .bind(n.raw)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// A project's held mail, newest first.
pub async fn list(c: Conn<'_>, project_id: i64, limit: i64) -> Result<Vec<HeldMail>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, sender, subject, message_id, reason, received_at FROM held_mail WHERE project_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2")
            .bind(project_id)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// One held message as delivered (for `embargo mail held --show`).
pub async fn raw(c: Conn<'_>, project_id: i64, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    on_conn!(c, |c| {
        Ok(
            sqlx::query_scalar("SELECT raw FROM held_mail WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(id)
                .fetch_optional(&mut *c)
                .await?,
        )
    })
}
