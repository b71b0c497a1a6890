//! Cases, their messages and attachments, and refused reporters.

use super::{Conn, StoreError};
use crate::on_conn;

/// A new case.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    /// Project.
    pub project_id: i64,
    /// Initial state.
    pub state: &'a str,
    /// One-line summary.
    pub summary: &'a str,
    /// Reporter's address.
    pub reporter_email: Option<&'a str>,
    /// Reporter's name.
    pub reporter_name: Option<&'a str>,
    /// Reporter's armored public key.
    pub reporter_key: Option<&'a str>,
    /// Whether the reporter wants credit.
    pub wants_credit: bool,
    /// The name to credit.
    pub credit_as: Option<&'a str>,
    /// SHA-256 of the case link secret.
    pub token_hash: &'a str,
    /// SHA-256 of the reply-address token.
    pub reply_token_hash: &'a str,
    /// `web` or `mail`.
    pub source: &'a str,
    /// Message-ID of the mail that opened it.
    pub source_message_id: Option<&'a str>,
    /// Unix seconds.
    pub received_at: i64,
    /// When the acknowledgement is due.
    pub acknowledge_due_at: Option<i64>,
    /// When it was acknowledged (at once, when automatic).
    pub acknowledged_at: Option<i64>,
}

/// A case as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// State name.
    pub state: String,
    /// Summary.
    pub summary: String,
    /// Reporter's address.
    pub reporter_email: Option<String>,
    /// Reporter's name.
    pub reporter_name: Option<String>,
    /// Reporter's public key.
    pub reporter_key: Option<String>,
    /// Wants credit.
    pub wants_credit: bool,
    /// Credit as.
    pub credit_as: Option<String>,
    /// `web` or `mail`.
    pub source: String,
    /// Unix seconds.
    pub received_at: i64,
    /// Acknowledgement due.
    pub acknowledge_due_at: Option<i64>,
    /// Acknowledged.
    pub acknowledged_at: Option<i64>,
}

const COLUMNS: &str = "id, project_id, state, summary, reporter_email, reporter_name, reporter_key, wants_credit, credit_as, source, received_at, acknowledge_due_at, acknowledged_at";

/// Insert a case; [`StoreError::Conflict`] if its source Message-ID is already a case.
pub async fn insert(c: Conn<'_>, n: &NewCase<'_>) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO cases (project_id, state, summary, reporter_email, reporter_name, reporter_key, wants_credit, credit_as, token_hash, reply_token_hash, source, source_message_id, received_at, acknowledge_due_at, acknowledged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id")
            .bind(n.project_id)
            .bind(n.state)
            .bind(n.summary)
            .bind(n.reporter_email)
            .bind(n.reporter_name)
            .bind(n.reporter_key)
            .bind(n.wants_credit)
            .bind(n.credit_as)
            .bind(n.token_hash)
            .bind(n.reply_token_hash)
            .bind(n.source)
            .bind(n.source_message_id)
            .bind(n.received_at)
            .bind(n.acknowledge_due_at)
            .bind(n.acknowledged_at)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The case with this id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// The case whose link secret hashes to this.
pub async fn by_token_hash(c: Conn<'_>, hash: &str) -> Result<Option<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE token_hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// The case whose reply-address token hashes to this, within a project.
pub async fn by_reply_token_hash(
    c: Conn<'_>,
    project_id: i64,
    hash: &str,
) -> Result<Option<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE project_id = $1 AND reply_token_hash = $2"
        )))
        .bind(project_id)
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Whether a mail with this Message-ID was already taken in (as a case or a message).
pub async fn mail_seen(c: Conn<'_>, message_id: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let n: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM cases WHERE source_message_id = $1) + (SELECT COUNT(*) FROM case_messages WHERE message_id = $1)")
            .bind(message_id)
            .fetch_one(&mut *c)
            .await?;
        Ok(n > 0)
    })
}

/// The project's case that has a message with one of these Message-IDs (mail threading).
pub async fn by_thread(
    mut c: Conn<'_>,
    project_id: i64,
    message_ids: &[String],
) -> Result<Option<CaseRow>, StoreError> {
    for id in message_ids.iter().take(20) {
        let found: Option<CaseRow> = on_conn!(c.reborrow(), |cc| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM cases WHERE project_id = $1 AND (source_message_id = $2 OR id IN (SELECT case_id FROM case_messages WHERE message_id = $2))"
            )))
            .bind(project_id)
            .bind(id)
            .fetch_optional(&mut *cc)
            .await?
        });
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Move a case to `state`; with `acknowledged`, also record when the acknowledgement was met.
pub async fn set_state(c: Conn<'_>, id: i64, state: &str, now: i64) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET state = $1, acknowledged_at = CASE WHEN $1 = 'acknowledged' AND acknowledged_at IS NULL THEN $2 ELSE acknowledged_at END, spam_at = CASE WHEN $1 = 'spam' THEN $2 ELSE spam_at END WHERE id = $3")
            .bind(state)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// A project's cases, newest first, spam excluded unless asked for.
pub async fn list_for_project(
    c: Conn<'_>,
    project_id: i64,
    include_spam: bool,
) -> Result<Vec<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM cases WHERE project_id = $1 AND ($2 OR state <> 'spam') ORDER BY id DESC")))
            .bind(project_id)
            .bind(include_spam)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// A message in a case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// `reporter`, `team` or `system`.
    pub author: String,
    /// The team member, for team messages.
    pub author_user_id: Option<i64>,
    /// `thread` or `team`.
    pub visibility: String,
    /// Text.
    pub body: String,
    /// Mail Message-ID.
    pub message_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A message to add to a case.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Case.
    pub case_id: i64,
    /// `reporter`, `team` or `system`.
    pub author: &'a str,
    /// The team member, for team messages.
    pub author_user_id: Option<i64>,
    /// `thread` (the reporter sees it) or `team` (a note).
    pub visibility: &'a str,
    /// Text.
    pub body: &'a str,
    /// The mail's Message-ID, if it came in or goes out by mail.
    pub message_id: Option<&'a str>,
}

/// Add a message; returns its id. [`StoreError::Conflict`] if its Message-ID is already stored.
pub async fn add_message(c: Conn<'_>, m: &NewMessage<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO case_messages (case_id, author, author_user_id, visibility, body, message_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(m.case_id)
            .bind(m.author)
            .bind(m.author_user_id)
            .bind(m.visibility)
            .bind(m.body)
            .bind(m.message_id)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// A case's messages in order; `thread_only` leaves out team notes.
pub async fn messages(
    c: Conn<'_>,
    case_id: i64,
    thread_only: bool,
) -> Result<Vec<MessageRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, case_id, author, author_user_id, visibility, body, message_id, created_at FROM case_messages WHERE case_id = $1 AND (NOT $2 OR visibility = 'thread') ORDER BY id")
            .bind(case_id)
            .bind(thread_only)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Store an attachment.
pub async fn add_attachment(
    c: Conn<'_>,
    case_id: i64,
    message_id: Option<i64>,
    filename: &str,
    content_type: &str,
    content: &[u8],
    now: i64,
) -> Result<i64, StoreError> {
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO case_attachments (case_id, message_id, filename, content_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(case_id)
            .bind(message_id)
            .bind(filename)
            .bind(content_type)
            .bind(size)
            .bind(content)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// An attachment's description (no contents).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    /// Id.
    pub id: i64,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
}

/// A case's attachments.
pub async fn attachments(c: Conn<'_>, case_id: i64) -> Result<Vec<AttachmentRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, filename, content_type, size FROM case_attachments WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Whether the project refuses reports from this address.
pub async fn is_banned(c: Conn<'_>, project_id: i64, email: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM banned_reporters WHERE project_id = $1 AND email = $2",
        )
        .bind(project_id)
        .bind(email)
        .fetch_one(&mut *c)
        .await?;
        Ok(n > 0)
    })
}

/// Refuse reports from an address from now on.
pub async fn ban(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO banned_reporters (project_id, email, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, email) DO NOTHING")
            .bind(project_id)
            .bind(email)
            .bind(reason)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Replace the case's reply-address token.
pub async fn set_reply_token(c: Conn<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET reply_token_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// The case whose reply-address token hashes to this, in any project.
pub async fn by_any_reply_token_hash(
    c: Conn<'_>,
    hash: &str,
) -> Result<Option<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE reply_token_hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Replace the case link's secret (a mail report's link is issued with its acknowledgement).
pub async fn set_token(c: Conn<'_>, id: i64, hash: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET token_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}
