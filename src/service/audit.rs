//! Recording and verifying the audit trail.

use super::ServiceError;
use crate::domain::actor::Actor;
use crate::domain::audit::{ChainBreak, ChainVerifier};
use crate::store::{self, Db, Tx, audit::NewEvent};

/// Append an audit event in `tx` (the transaction that makes the change).
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    object: (&str, &str),
    project_id: Option<i64>,
    details: serde_json::Value,
) -> Result<i64, ServiceError> {
    let actor = actor.to_string();
    let details = details.to_string();
    let seq = store::audit::append(
        tx.conn(),
        NewEvent {
            at: store::now(),
            actor: &actor,
            action,
            object_type: object.0,
            object_id: object.1,
            project_id,
            details: &details,
        },
    )
    .await?;
    Ok(seq)
}

/// The result of walking an intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events checked.
    pub events: i64,
    /// Hash of the last event (worth recording outside the database).
    pub head_hash: String,
    /// Whether the head hash given to [`verify`] (recorded earlier) is in the chain.
    pub recorded_head_found: bool,
}

/// Walk the whole chain from the first event, in pages, and compare its end with the head.
pub async fn verify(
    db: &Db,
    recorded_head: Option<&str>,
) -> Result<Result<Verified, ChainBreak>, ServiceError> {
    let mut found = false;
    let mut conn = db.acquire().await?;
    let (head_seq, head_hash) = store::audit::head(conn.conn()).await?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store::audit::page(conn.conn(), after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for event in &page {
            if let Err(brk) = verifier.push(event) {
                return Ok(Err(brk));
            }
            found |= recorded_head.is_some_and(|h| h.eq_ignore_ascii_case(&event.hash));
        }
    }
    Ok(verifier
        .finish(head_seq, &head_hash)
        .map(|events| Verified {
            events,
            head_hash,
            recorded_head_found: found,
        }))
}
