//! The one statement that changes a case's state.
//!
//! Every state write is compare-and-set on the state the change was decided from
//! (`… WHERE id = $3 AND state = $4`), and writes what its step records beside the
//! state in the same statement. Nothing else in the store writes `cases.state`
//! (apart from inserting a new case); the service calls this only through
//! `service::transition`, which checks the edge against `domain::case::TRANSITIONS`
//! first. Zero rows means someone moved the case first: the caller gets `None` and
//! nothing was written.

use super::{Conn, StoreError};
use crate::on_conn;

/// A triage decision recorded with its state change.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// Rejection reason keyword.
    pub reason: Option<&'a str>,
    /// The team's explanation.
    pub note: Option<&'a str>,
    /// Threat-model answers (JSON).
    pub threat_answers: Option<&'a str>,
    /// The case duplicated.
    pub duplicate_of: Option<i64>,
    /// Target date of the fix (accepted cases).
    pub target_fix_due_at: Option<i64>,
}

/// A new disclosure schedule recorded with its state change.
#[derive(Debug, Clone)]
pub struct NewSchedule<'a> {
    /// The disclosure instant.
    pub disclose_at: i64,
    /// The zone it was stated in.
    pub zone: &'a str,
    /// Why the date is short (actively exploited), when it is.
    pub exploited_reason: Option<&'a str>,
    /// Publish automatically at the date.
    pub auto_publish: bool,
    /// Who set it.
    pub scheduled_by: Option<i64>,
    /// The schedule version it was planned from: a schedule moved meanwhile (the
    /// state stays `scheduled` when a date is moved) is a conflict, not an overwrite.
    pub from_version: i64,
}

/// Which disclosure timestamp a step sets.
#[derive(Debug, Clone, Copy)]
pub enum Stamp {
    /// `pre_announced_at`.
    PreAnnounced,
    /// `pre_notified_at`.
    PreNotified,
    /// `published_at`.
    Published,
}

impl Stamp {
    fn column(self) -> &'static str {
        match self {
            Self::PreAnnounced => "pre_announced_at",
            Self::PreNotified => "pre_notified_at",
            Self::Published => "published_at",
        }
    }
}

/// What a state change writes beside the state.
#[derive(Debug, Clone)]
pub enum Beside<'a> {
    /// Only the state (and, entering `acknowledged` or `spam`, when that happened).
    Nothing,
    /// A triage decision (which also counts as the acknowledgement when none was sent).
    Decision(Decision<'a>),
    /// A disclosure schedule (its version is incremented).
    Schedule(NewSchedule<'a>),
    /// A disclosure step's timestamp.
    Stamp(Stamp),
}

/// Move case `id` from `from` to `to` with what `beside` records — only if it is
/// still in `from`. `Some(schedule version)` when written, `None` (nothing written)
/// when the case changed meanwhile.
pub async fn transition(
    c: Conn<'_>,
    id: i64,
    (from, to): (&str, &str),
    beside: &Beside<'_>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let extra = match beside {
        Beside::Nothing => "acknowledged_at = CASE WHEN $1 = 'acknowledged' AND acknowledged_at IS NULL THEN $2 ELSE acknowledged_at END, spam_at = CASE WHEN $1 = 'spam' THEN $2 ELSE spam_at END".to_owned(),
        Beside::Decision(_) => "decided_at = $2, acknowledged_at = COALESCE(acknowledged_at, $2), decision_reason = $5, decision_note = $6, threat_answers = $7, duplicate_of = $8, target_fix_due_at = $9".to_owned(),
        Beside::Schedule(_) => "disclose_at = $5, disclose_zone = $6, exploited_reason = $7, auto_publish = $8, scheduled_by = $9, schedule_version = schedule_version + 1".to_owned(),
        Beside::Stamp(s) => format!("{} = $2", s.column()),
    };
    // Edges that keep the state (a moved date, a pre-announcement of a pre-notified
    // case) are guarded by what they change, so they too happen once per decision.
    let guard = match beside {
        Beside::Schedule(_) => " AND schedule_version = $10".to_owned(),
        Beside::Stamp(s) => format!(" AND {} IS NULL", s.column()),
        Beside::Nothing | Beside::Decision(_) => String::new(),
    };
    let sql = format!(
        "UPDATE cases SET state = $1, state_changed_at = $2, {extra} WHERE id = $3 AND state = $4{guard} RETURNING schedule_version"
    );
    on_conn!(c, |c| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(to)
            .bind(now)
            .bind(id)
            .bind(from);
        match beside {
            Beside::Nothing | Beside::Stamp(_) => {}
            Beside::Decision(d) => {
                q = q
                    .bind(d.reason)
                    .bind(d.note)
                    .bind(d.threat_answers)
                    .bind(d.duplicate_of)
                    .bind(d.target_fix_due_at);
            }
            Beside::Schedule(s) => {
                q = q
                    .bind(s.disclose_at)
                    .bind(s.zone)
                    .bind(s.exploited_reason)
                    .bind(s.auto_publish)
                    .bind(s.scheduled_by)
                    .bind(s.from_version);
            }
        }
        Ok(q.fetch_optional(&mut *c).await?)
    })
}
