//! The one way a case changes state.
//!
//! [`transition`] checks the edge with [`CaseState::apply`] (the table
//! `domain::case::TRANSITIONS`) and writes it compare-and-set on the state the
//! caller decided from (`store::case_state::transition`). When someone moved the
//! case first, nothing is written and the caller gets a 409 naming the state the
//! case is in now — never an overwrite. Every state write of the service (triage
//! decisions, acknowledge, close, reopen, schedule, unschedule, pre-announce,
//! pre-notify, publish) goes through here, so the audited sequence of a case's
//! states is always a path in the table; `tests/it/store_contract.rs` keeps other
//! modules from calling the store statement directly.

use super::access::CaseRef;
use super::error::ServiceError;
use crate::domain::case::{Action, CaseState};
use crate::store::{self, Tx, case_state::Beside};

/// A change written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Moved {
    /// The state the case is in now.
    pub to: CaseState,
    /// The schedule's version after the change.
    pub schedule_version: i64,
}

/// Apply `action` to `case`, which the caller found in `from`, writing `beside`
/// with it. `Conflict` when the action is not allowed from `from`, or when the
/// case is no longer in `from` (nothing written, the transaction still usable).
pub(super) async fn transition(
    tx: &mut Tx,
    case: &CaseRef,
    from: CaseState,
    action: Action,
    beside: &Beside<'_>,
) -> Result<Moved, ServiceError> {
    match try_transition(tx, case.id(), from, action, beside).await? {
        Some(moved) => Ok(moved),
        None => {
            let now_in = store::cases::by_id(tx.conn(), case.id())
                .await?
                .map_or_else(|| "gone".to_owned(), |c| c.state.to_string());
            Err(ServiceError::Conflict(format!(
                "case #{} changed meanwhile: it is now {now_in}. Reload it and try again.",
                case.id()
            )))
        }
    }
}

/// [`transition`] for steps that may lose a race without it being anyone's mistake
/// (a scheduled job, a case released together with another): `None` when the case
/// is no longer in `from`, nothing written. Case `id` must have been opened (a
/// [`CaseRef`]) or be released jointly with one that was, in the same project.
pub(super) async fn try_transition(
    tx: &mut Tx,
    id: i64,
    from: CaseState,
    action: Action,
    beside: &Beside<'_>,
) -> Result<Option<Moved>, ServiceError> {
    let to = from
        .apply(action)
        .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let written = store::case_state::transition(
        tx.conn(),
        id,
        (from.as_str(), to.as_str()),
        beside,
        store::now(),
    )
    .await?;
    Ok(written.map(|schedule_version| Moved {
        to,
        schedule_version,
    }))
}
