//! Requests to join the confidential notification list, the incomplete attempts
//! recorded against an address, and members' pending key changes.

use super::{Conn, StoreError};
use crate::on_conn;

/// A stored request.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RequestRow {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// The address to add.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// Role in the organisation.
    pub org_role: String,
    /// Group claimed.
    pub group_id: String,
    /// Applying as an individual.
    pub individual: bool,
    /// How they fit the criteria.
    pub criteria: String,
    /// Why they need the notifications.
    pub reason: String,
    /// Who receives mail at the address, and what it triggers.
    pub address_handling: String,
    /// Armored key.
    #[serde(skip)]
    pub public_key: Option<String>,
    /// Key ID as stated.
    pub key_id: String,
    /// Fingerprint of the key.
    pub fingerprint: Option<String>,
    /// `unconfirmed`, `pending`, `more-info`, `approved`, `rejected`.
    pub status: String,
    /// Submitted.
    pub submitted_at: i64,
    /// Address confirmed.
    pub confirmed_at: Option<i64>,
    /// Decision due.
    pub decide_due_at: Option<i64>,
    /// The reviewer's question (more information).
    pub question: Option<String>,
    /// The applicant's answer.
    pub answer: Option<String>,
    /// Decided.
    pub decided_at: Option<i64>,
    /// Reason or note of the decision.
    pub decision_note: Option<String>,
    /// Group approved into.
    pub approved_group: Option<String>,
    /// The member it became.
    pub member_id: Option<i64>,
}

const COLUMNS: &str = "id, project_id, email, name, organisation, org_role, group_id, individual, criteria, reason, address_handling, public_key, key_id, fingerprint, status, submitted_at, confirmed_at, decide_due_at, question, answer, decided_at, decision_note, approved_group, member_id";

/// A new request.
pub struct NewRequest<'a> {
    /// Project.
    pub project_id: i64,
    /// Address (lower-case).
    pub email: &'a str,
    /// Full name.
    pub name: &'a str,
    /// Organisation.
    pub organisation: &'a str,
    /// Role.
    pub org_role: &'a str,
    /// Group claimed.
    pub group_id: &'a str,
    /// Individual.
    pub individual: bool,
    /// Criteria answer.
    pub criteria: &'a str,
    /// Reason.
    pub reason: &'a str,
    /// Address handling.
    pub address_handling: &'a str,
    /// Armored key.
    pub public_key: Option<&'a str>,
    /// Stated key ID.
    pub key_id: &'a str,
    /// Fingerprint.
    pub fingerprint: Option<&'a str>,
    /// SHA-256 of the applicant's link secret.
    pub link_hash: &'a str,
}

/// Store a request (unconfirmed).
pub async fn insert(c: Conn<'_>, r: &NewRequest<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO list_requests (project_id, email, name, organisation, org_role, group_id, individual, criteria, reason, address_handling, public_key, key_id, fingerprint, link_hash, status, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'unconfirmed', $15) RETURNING id")
            .bind(r.project_id)
            .bind(r.email)
            .bind(r.name)
            .bind(r.organisation)
            .bind(r.org_role)
            .bind(r.group_id)
            .bind(r.individual)
            .bind(r.criteria)
            .bind(r.reason)
            .bind(r.address_handling)
            .bind(r.public_key)
            .bind(r.key_id)
            .bind(r.fingerprint)
            .bind(r.link_hash)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// A request by id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// A request by its link's hash.
pub async fn by_link(c: Conn<'_>, hash: &str) -> Result<Option<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE link_hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Requests of a project: open ones (`pending`, `more-info`, `unconfirmed`) or all,
/// the decision due soonest first.
pub async fn list(c: Conn<'_>, project_id: i64, open: bool) -> Result<Vec<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE project_id = $1 AND ($2 = FALSE OR status IN ('pending', 'more-info', 'unconfirmed')) ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'more-info' THEN 1 WHEN 'unconfirmed' THEN 2 ELSE 3 END, decide_due_at, id"
        )))
        .bind(project_id)
        .bind(open)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Confirm the address: unconfirmed → pending, starting the decision clock; only if
/// submitted no earlier than `since`.
pub async fn confirm(
    c: Conn<'_>,
    id: i64,
    now: i64,
    due: i64,
    since: i64,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_requests SET status = 'pending', confirmed_at = $1, decide_due_at = $2 WHERE id = $3 AND status = 'unconfirmed' AND submitted_at >= $4")
            .bind(now)
            .bind(due)
            .bind(id)
            .bind(since)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// A decision: `status` from one of `from`; only if the request is still in such a state.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    c: Conn<'_>,
    id: i64,
    status: &str,
    by: Option<i64>,
    note: Option<&str>,
    approved_group: Option<&str>,
    member_id: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_requests SET status = $1, decided_by = $2, decision_note = $3, approved_group = $4, member_id = $5, decided_at = $6 WHERE id = $7 AND status IN ('pending', 'more-info')")
            .bind(status)
            .bind(by)
            .bind(note)
            .bind(approved_group)
            .bind(member_id)
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Ask for more information: pending → more-info with the question.
pub async fn ask(c: Conn<'_>, id: i64, question: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_requests SET status = 'more-info', question = $1 WHERE id = $2 AND status IN ('pending', 'more-info')")
            .bind(question)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// The applicant's answers so far (the whole text): more-info → pending.
pub async fn answer(c: Conn<'_>, id: i64, answer: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_requests SET status = 'pending', answer = $1 WHERE id = $2 AND status = 'more-info'")
            .bind(answer)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Open requests whose decision is overdue and that were not reminded since `since`.
pub async fn overdue(c: Conn<'_>, now: i64, since: i64) -> Result<Vec<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE status IN ('pending', 'more-info') AND decide_due_at < $1 AND (reminded_at IS NULL OR reminded_at < $2) ORDER BY project_id, decide_due_at"
        )))
        .bind(now)
        .bind(since)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Claim the reminder of a request: `true` for the one process that records it.
pub async fn mark_reminded(c: Conn<'_>, id: i64, now: i64, since: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE list_requests SET reminded_at = $1 WHERE id = $2 AND (reminded_at IS NULL OR reminded_at < $3)")
            .bind(now)
            .bind(id)
            .bind(since)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Open requests waiting for a decision, and how many of them are past their decision
/// date, per project the user is on the team of: (slug, open, overdue).
pub async fn open_for_user(
    c: Conn<'_>,
    user_id: i64,
    now: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT p.slug, COUNT(*), SUM(CASE WHEN r.decide_due_at < $2 THEN 1 ELSE 0 END) FROM list_requests r JOIN projects p ON p.id = r.project_id JOIN memberships m ON m.project_id = p.id AND m.user_id = $1 WHERE r.status IN ('pending', 'more-info') GROUP BY p.slug ORDER BY p.slug")
            .bind(user_id)
            .bind(now)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Record an incomplete submission from `email`.
pub async fn record_attempt(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
    problems: &str,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO list_request_attempts (project_id, email, problems, at) VALUES ($1, $2, $3, $4)")
            .bind(project_id)
            .bind(email)
            .bind(problems)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Incomplete submissions recorded for `email`: (problems JSON, when).
pub async fn attempts(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT problems, at FROM list_request_attempts WHERE project_id = $1 AND email = $2 ORDER BY at")
            .bind(project_id)
            .bind(email)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// The latest decided request of an address (for re-application rules).
pub async fn last_decided(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
) -> Result<Option<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE project_id = $1 AND email = $2 AND status = 'rejected' ORDER BY decided_at DESC LIMIT 1"
        )))
        .bind(project_id)
        .bind(email)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// An open request of an address, if any: in review, or unconfirmed since `unconfirmed_since`.
pub async fn open_of(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
    unconfirmed_since: i64,
) -> Result<Option<RequestRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM list_requests WHERE project_id = $1 AND email = $2 AND (status IN ('pending', 'more-info') OR (status = 'unconfirmed' AND submitted_at >= $3)) LIMIT 1"
        )))
        .bind(project_id)
        .bind(email)
        .bind(unconfirmed_since)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// A pending key change of a member.
pub async fn add_key_change(
    c: Conn<'_>,
    member_id: i64,
    armored: &str,
    fingerprint: &str,
    token_hash: &str,
    now: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO list_key_changes (member_id, public_key, fingerprint, token_hash, requested_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(member_id)
            .bind(armored)
            .bind(fingerprint)
            .bind(token_hash)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// Take a pending key change by its token's hash (once, and only within `max_age`):
/// (member id, armored key, fingerprint).
pub async fn take_key_change(
    c: Conn<'_>,
    token_hash: &str,
    now: i64,
    max_age: i64,
) -> Result<Option<(i64, String, String)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("UPDATE list_key_changes SET applied_at = $1 WHERE token_hash = $2 AND applied_at IS NULL AND requested_at > $3 RETURNING member_id, public_key, fingerprint")
            .bind(now)
            .bind(token_hash)
            .bind(now - max_age)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// The member a pending key change belongs to, without taking it (the
/// confirmation page looks it up before showing its button).
pub async fn pending_key_change(
    c: Conn<'_>,
    token_hash: &str,
    now: i64,
    max_age: i64,
) -> Result<Option<i64>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("SELECT member_id FROM list_key_changes WHERE token_hash = $1 AND applied_at IS NULL AND requested_at > $2")
            .bind(token_hash)
            .bind(now - max_age)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// A request that came by mail.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct MailRow {
    /// Id.
    pub id: i64,
    /// Sender address.
    pub sender: Option<String>,
    /// Sender name.
    pub sender_name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Received.
    pub received_at: i64,
}

/// Keep a request mail; `None` if this Message-ID was kept before.
#[allow(clippy::too_many_arguments)]
pub async fn insert_mail(
    c: Conn<'_>,
    project_id: i64,
    sender: Option<&str>,
    sender_name: Option<&str>,
    subject: &str,
    body: &str,
    message_id: Option<&str>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO list_request_mails (project_id, sender, sender_name, subject, body, message_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING RETURNING id")
            .bind(project_id)
            .bind(sender)
            .bind(sender_name)
            .bind(subject)
            .bind(body)
            .bind(message_id)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// The request mails of a project, newest first.
pub async fn mails(c: Conn<'_>, project_id: i64, limit: i64) -> Result<Vec<MailRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT id, sender, sender_name, subject, body, received_at FROM list_request_mails WHERE project_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2")
            .bind(project_id)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?)
    })
}
