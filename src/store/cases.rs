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
    /// When the triage decision is due.
    pub decide_due_at: Option<i64>,
    /// When the reporter may disclose on their own.
    pub disclosure_due_at: Option<i64>,
    /// Whether the sender is known to have written the report.
    pub reporter_bound: bool,
    /// The report's signature as found ("signed by 0x… (alice@…)"), if it was signed.
    pub signature: Option<&'a str>,
    /// Where the reporter's key came from, and whether it names their address.
    pub reporter_key_note: Option<&'a str>,
}

/// A case as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// State (the database refuses any other name, migration 0018).
    #[sqlx(try_from = "String")]
    pub state: crate::domain::case::CaseState,
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
    /// Last state change.
    pub state_changed_at: Option<i64>,
    /// Triage decision due.
    pub decide_due_at: Option<i64>,
    /// Triage decision made.
    pub decided_at: Option<i64>,
    /// Why it was rejected (a keyword).
    pub decision_reason: Option<String>,
    /// The team's explanation of the decision.
    pub decision_note: Option<String>,
    /// The threat-model checklist as answered (JSON).
    pub threat_answers: Option<String>,
    /// The case this one duplicates.
    pub duplicate_of: Option<i64>,
    /// Target date of the fix.
    pub target_fix_due_at: Option<i64>,
    /// When the reporter may disclose on their own.
    pub disclosure_due_at: Option<i64>,
    /// Severity level (one of the policy's).
    pub severity: Option<String>,
    /// CVSS 3.x vector.
    pub cvss3: Option<String>,
    /// CVSS 4.0 vector.
    pub cvss4: Option<String>,
    /// The score that counts.
    pub cvss_score: Option<f64>,
    /// CWE id.
    pub cwe: Option<i64>,
    /// Assigned team member.
    pub assignee_user_id: Option<i64>,
    /// Affected versions, one entry per line.
    pub affected: Option<String>,
    /// Link to the private fork or branch with the fix.
    pub fix_branch_url: Option<String>,
    /// Whether the sender is known to have written the report (false: an
    /// encrypted mail not bound to its sender; see migration 0016).
    pub reporter_bound: bool,
    /// The report's signature as found, if it was signed (migration 0019).
    pub signature: Option<String>,
    /// Where the reporter's key came from, and whether it names their address.
    pub reporter_key_note: Option<String>,
    /// What the reporter's page shows (`domain::reporter_view`; NULL: the default).
    pub reporter_sees: Option<String>,
}

const COLUMNS: &str = "id, project_id, state, summary, reporter_email, reporter_name, reporter_key, wants_credit, credit_as, source, received_at, acknowledge_due_at, acknowledged_at, state_changed_at, decide_due_at, decided_at, decision_reason, decision_note, threat_answers, duplicate_of, target_fix_due_at, disclosure_due_at, severity, cvss3, cvss4, cvss_score, cwe, assignee_user_id, affected, fix_branch_url, reporter_bound, signature, reporter_key_note, reporter_sees";

/// Insert a case; [`StoreError::Conflict`] if its source Message-ID is already a case.
pub async fn insert(c: Conn<'_>, n: &NewCase<'_>) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO cases (project_id, state, summary, reporter_email, reporter_name, reporter_key, wants_credit, credit_as, token_hash, reply_token_hash, source, source_message_id, received_at, acknowledge_due_at, acknowledged_at, decide_due_at, disclosure_due_at, state_changed_at, reporter_bound, signature, reporter_key_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $13, $18, $19, $20) RETURNING id")
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
            .bind(n.decide_due_at)
            .bind(n.disclosure_due_at)
            .bind(n.reporter_bound)
            .bind(n.signature)
            .bind(n.reporter_key_note)
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
    /// A mail's signature as found, if it was signed (migration 0019).
    pub signature: Option<String>,
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
    /// `thread` (the reporter sees it), `guests` (the team and the case's collaborators)
    /// or `team` (a note).
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
        Ok(sqlx::query_as("SELECT id, case_id, author, author_user_id, visibility, body, message_id, created_at, signature FROM case_messages WHERE case_id = $1 AND (NOT $2 OR visibility = 'thread') ORDER BY id")
            .bind(case_id)
            .bind(thread_only)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// What a case's collaborators see: the reporter's thread and the messages shared
/// with collaborators, never team-only notes.
pub async fn messages_for_guests(c: Conn<'_>, case_id: i64) -> Result<Vec<MessageRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, case_id, author, author_user_id, visibility, body, message_id, created_at, signature FROM case_messages WHERE case_id = $1 AND visibility IN ('thread', 'guests') ORDER BY id")
            .bind(case_id)
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

/// Severity as assessed by the team.
#[derive(Debug, Clone, Default)]
pub struct SeverityAssessment<'a> {
    /// One of the policy's levels.
    pub level: Option<&'a str>,
    /// CVSS 3.x vector (canonical).
    pub cvss3: Option<&'a str>,
    /// CVSS 4.0 vector (canonical).
    pub cvss4: Option<&'a str>,
    /// The score that counts.
    pub score: Option<f64>,
    /// CWE id.
    pub cwe: Option<i64>,
}

/// Set the severity fields.
pub async fn set_severity(
    c: Conn<'_>,
    id: i64,
    s: &SeverityAssessment<'_>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET severity = $1, cvss3 = $2, cvss4 = $3, cvss_score = $4, cwe = $5 WHERE id = $6")
            .bind(s.level)
            .bind(s.cvss3)
            .bind(s.cvss4)
            .bind(s.score)
            .bind(s.cwe)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Assign a team member (or nobody).
pub async fn set_assignee(c: Conn<'_>, id: i64, user_id: Option<i64>) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET assignee_user_id = $1 WHERE id = $2")
            .bind(user_id)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// What the inbox shows, and for whom.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter<'a> {
    /// The member asking (their projects only) — `None` for an administrator (all projects).
    pub member: Option<i64>,
    /// One project.
    pub project_id: Option<i64>,
    /// One state (else every open state).
    pub state: Option<&'a str>,
    /// One severity level.
    pub severity: Option<&'a str>,
    /// One assignee.
    pub assignee: Option<i64>,
    /// Full-text query over the summary, the thread and the notes.
    pub query: Option<&'a str>,
    /// At most this many rows.
    pub limit: i64,
}

/// An inbox line: the case and the next clock that falls due.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxRow {
    /// Case id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Summary.
    pub summary: String,
    /// State.
    #[sqlx(try_from = "String")]
    pub state: crate::domain::case::CaseState,
    /// Severity level.
    pub severity: Option<String>,
    /// Score.
    pub cvss_score: Option<f64>,
    /// Assignee.
    pub assignee_user_id: Option<i64>,
    /// Received.
    pub received_at: i64,
    /// Acknowledge by (until met).
    pub acknowledge_due_at: Option<i64>,
    /// Acknowledged.
    pub acknowledged_at: Option<i64>,
    /// Decide by.
    pub decide_due_at: Option<i64>,
    /// Fix by.
    pub target_fix_due_at: Option<i64>,
    /// The reporter may disclose after.
    pub disclosure_due_at: Option<i64>,
    /// The next clock that falls due for this state.
    pub next_due: Option<i64>,
    /// Someone on the team has written in the thread (a reply, an acknowledgement).
    pub team_spoke: bool,
    /// Who wrote last, of the reporter and the team (`reporter`, `team`).
    pub last_author: Option<String>,
}

/// The next clock of a case, by state (SQL expression over `cases`).
const NEXT_DUE: &str = "CASE WHEN acknowledged_at IS NULL THEN acknowledge_due_at WHEN state IN ('received', 'acknowledged') THEN decide_due_at WHEN state IN ('accepted', 'fixing') THEN COALESCE(target_fix_due_at, disclosure_due_at) WHEN state IN ('scheduled', 'pre-announced', 'pre-notified') THEN disclose_at ELSE disclosure_due_at END";

/// The words of a search, each as its parts: a word is split at every character that is
/// not a letter or digit (`QuerySet.extra` → `queryset`, `extra`), lowercased, so both
/// backends see the same terms (FTS5's unicode61 tokenizer; PostgreSQL's index after
/// migration 0020). Control characters (a NUL) are separators too, never query syntax.
pub fn search_words(text: &str) -> Vec<Vec<String>> {
    text.split_whitespace()
        .map(|w| {
            w.split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|parts| !parts.is_empty())
        .collect()
}

/// An FTS5 query: every word must occur, a word of several parts as a phrase (the parts
/// adjacent, in order). Parts hold only letters and digits, so nothing is FTS5 syntax.
fn fts5_query(words: &[Vec<String>]) -> String {
    words
        .iter()
        .map(|parts| format!("\"{}\"", parts.join(" ")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same query for PostgreSQL's `to_tsquery`: words joined by `&`, parts by `<->`.
fn tsquery(words: &[Vec<String>]) -> String {
    words
        .iter()
        .map(|parts| {
            let phrase: Vec<String> = parts.iter().map(|p| format!("'{p}'")).collect();
            format!("({})", phrase.join(" <-> "))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Open cases (or those in `state`) matching the filter, the most urgent clock first.
pub async fn inbox(c: Conn<'_>, f: &InboxFilter<'_>) -> Result<Vec<InboxRow>, StoreError> {
    // Only the filters in use become SQL (no `$n IS NULL OR …`): PostgreSQL's generic
    // plans for such catch-all predicates scan everything, slowly.
    enum Param {
        Int(i64),
        Text(String),
    }
    let mut params: Vec<Param> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    let next = |p: Param, params: &mut Vec<Param>| {
        params.push(p);
        format!("${}", params.len())
    };
    if let Some(member) = f.member {
        let n = next(Param::Int(member), &mut params);
        clauses.push(format!(
            "project_id IN (SELECT project_id FROM memberships WHERE user_id = {n})"
        ));
    }
    if let Some(project) = f.project_id {
        let n = next(Param::Int(project), &mut params);
        clauses.push(format!("project_id = {n}"));
    }
    match f.state {
        Some(state) => {
            let n = next(Param::Text(state.to_owned()), &mut params);
            clauses.push(format!("state = {n}"));
        }
        None => clauses.push(
            "state NOT IN ('rejected', 'duplicate', 'spam', 'published', 'closed')".to_owned(),
        ),
    }
    if let Some(severity) = f.severity {
        let n = next(Param::Text(severity.to_owned()), &mut params);
        clauses.push(format!("severity = {n}"));
    }
    if let Some(assignee) = f.assignee {
        let n = next(Param::Int(assignee), &mut params);
        clauses.push(format!("assignee_user_id = {n}"));
    }
    if let Some(q) = f.query {
        let words = search_words(q);
        if words.is_empty() {
            // Only punctuation: no word to find, so nothing matches (on both backends).
            clauses.push("1 = 0".to_owned());
        } else {
            match &c {
                Conn::Sqlite(_) => {
                    let n = next(Param::Text(fts5_query(&words)), &mut params);
                    clauses.push(format!(
                        "id IN (SELECT case_id FROM case_search WHERE case_search MATCH {n})"
                    ));
                }
                Conn::Postgres(_) => {
                    let n = next(Param::Text(tsquery(&words)), &mut params);
                    clauses.push(format!(
                        "id IN (SELECT case_id FROM case_search WHERE doc @@ to_tsquery('simple', {n}))"
                    ));
                }
            }
        }
    }
    let limit = next(Param::Int(f.limit), &mut params);
    let sql = format!(
        "SELECT id, project_id, summary, state, severity, cvss_score, assignee_user_id, received_at, acknowledge_due_at, acknowledged_at, decide_due_at, target_fix_due_at, disclosure_due_at, {NEXT_DUE} AS next_due, \
         EXISTS (SELECT 1 FROM case_messages m WHERE m.case_id = cases.id AND m.author = 'team' AND m.visibility = 'thread') AS team_spoke, \
         (SELECT m.author FROM case_messages m WHERE m.case_id = cases.id AND m.author IN ('reporter', 'team') AND m.visibility <> 'team' ORDER BY m.id DESC LIMIT 1) AS last_author \
         FROM cases WHERE {} ORDER BY ({NEXT_DUE}) IS NULL, {NEXT_DUE}, id LIMIT {limit}",
        clauses.join(" AND ")
    );
    on_conn!(c, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for p in &params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.clone()),
            };
        }
        Ok(q.fetch_all(&mut *c).await?)
    })
}

/// Set the affected versions (normalised lines, or `None`).
pub async fn set_affected(c: Conn<'_>, id: i64, lines: Option<&str>) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET affected = $1 WHERE id = $2")
            .bind(lines)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Cases marked as duplicates of `case_id` (their reporters share the credit).
pub async fn duplicates_of(c: Conn<'_>, case_id: i64) -> Result<Vec<CaseRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE duplicate_of = $1 ORDER BY id"
        )))
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// The first case and sender *bound* to any of these decrypted-plaintext
/// digests (a bound sender owns what they wrote).
pub async fn digest_owner(
    c: Conn<'_>,
    project_id: i64,
    digests: &[String],
) -> Result<Option<(i64, String)>, StoreError> {
    on_conn!(c, |c| {
        for d in digests {
            let found: Option<(i64, String)> = sqlx::query_as(
                "SELECT d.case_id, d.sender FROM decrypted_digests d JOIN cases c ON c.id = d.case_id WHERE d.digest = $1 AND d.bound AND c.project_id = $2 ORDER BY d.received_at LIMIT 1",
            )
            .bind(d)
            .bind(project_id)
            .fetch_optional(&mut *c)
            .await?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    })
}

/// Every (case, sender) that any of these digests came in with, but `case_id`.
pub async fn digest_cases(
    c: Conn<'_>,
    digests: &[String],
    case_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    on_conn!(c, |c| {
        let mut out: Vec<(i64, String)> = Vec::new();
        for d in digests {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT case_id, sender FROM decrypted_digests WHERE digest = $1 AND case_id <> $2 ORDER BY received_at LIMIT 20",
            )
            .bind(d)
            .bind(case_id)
            .fetch_all(&mut *c)
            .await?;
            for r in rows {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    })
}

/// Remember the digests of what was decrypted from a sender's mail to a case.
pub async fn remember_digests(
    c: Conn<'_>,
    digests: &[String],
    sender: &str,
    case_id: i64,
    bound: bool,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        for d in digests {
            sqlx::query("INSERT INTO decrypted_digests (digest, sender, case_id, bound, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                .bind(d)
                .bind(sender)
                .bind(case_id)
                .bind(bound)
                .bind(now)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Armored keys of earlier cases of this project whose reporter, bound to
/// their report, wrote from `email` (to check a returning reporter's signature).
pub async fn known_reporter_keys(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
) -> Result<Vec<String>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT reporter_key FROM cases WHERE project_id = $1 AND reporter_email = $2 AND reporter_key IS NOT NULL AND reporter_bound LIMIT 5",
        )
        .bind(project_id)
        .bind(email)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Mark the case's reporter as confirmed by the team, with a new private-link hash.
pub async fn bind_reporter(
    c: Conn<'_>,
    case_id: i64,
    token_hash: &str,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE cases SET reporter_bound = TRUE, token_hash = $1 WHERE id = $2 AND NOT reporter_bound")
            .bind(token_hash)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Set or replace a case's reporter key (armored), saying where it came from.
pub async fn set_reporter_key(
    c: Conn<'_>,
    id: i64,
    armored: Option<&str>,
    note: Option<&str>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET reporter_key = $1, reporter_key_note = $2 WHERE id = $3")
            .bind(armored)
            .bind(note)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// What the reporter's page shows (`domain::reporter_view::Shown::to_stored`).
pub async fn set_reporter_sees(c: Conn<'_>, id: i64, stored: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET reporter_sees = $1 WHERE id = $2")
            .bind(stored)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Whether (and as whom) the reporter is credited.
pub async fn set_credit(
    c: Conn<'_>,
    id: i64,
    wanted: bool,
    name: Option<&str>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET wants_credit = $1, credit_as = $2 WHERE id = $3")
            .bind(wanted)
            .bind(name)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Record how a message that came by mail was signed.
pub async fn set_message_signature(
    c: Conn<'_>,
    id: i64,
    signature: &str,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE case_messages SET signature = $1 WHERE id = $2")
            .bind(signature)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}
