//! The audit trail's hash chain.
//!
//! Every event carries the hash of the event before it, and its own hash
//! covers its sequence number, time, author, action, object, details and
//! that previous hash. Altering, removing or reordering any event therefore
//! breaks the chain at that event, and [`verify_chain`] names the first break.
//! The chain head (last sequence number and hash) is also kept apart, so a
//! truncated tail is detected too.

use sha2::{Digest, Sha256};
use std::fmt;

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who, as [`crate::domain::actor::Actor`] displays it.
    pub actor: String,
    /// What, as `object.verb` (`user.created`, `session.login_failed`).
    pub action: String,
    /// The kind of object acted on (`user`, `project`, `case`).
    pub object_type: String,
    /// Its id or natural key.
    pub object_id: String,
    /// The project the event belongs to, if any.
    pub project_id: Option<i64>,
    /// Further facts, as a JSON object serialised to text.
    pub details: String,
    /// Hash of the previous event ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

/// The fields an event's hash covers, in a fixed order.
#[derive(Debug, Clone, Copy)]
pub struct EventContent<'a> {
    /// See [`AuditEvent::seq`].
    pub seq: i64,
    /// See [`AuditEvent::at`].
    pub at: i64,
    /// See [`AuditEvent::actor`].
    pub actor: &'a str,
    /// See [`AuditEvent::action`].
    pub action: &'a str,
    /// See [`AuditEvent::object_type`].
    pub object_type: &'a str,
    /// See [`AuditEvent::object_id`].
    pub object_id: &'a str,
    /// See [`AuditEvent::project_id`].
    pub project_id: Option<i64>,
    /// See [`AuditEvent::details`].
    pub details: &'a str,
    /// See [`AuditEvent::prev_hash`].
    pub prev_hash: &'a str,
}

impl EventContent<'_> {
    /// SHA-256 over an unambiguous encoding of the fields (a JSON array, so
    /// no field can bleed into the next), as lower-case hex.
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.project_id,
            self.details,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

impl AuditEvent {
    /// The fields this event's hash must cover.
    pub fn content(&self) -> EventContent<'_> {
        EventContent {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            object_type: &self.object_type,
            object_id: &self.object_id,
            project_id: self.project_id,
            details: &self.details,
            prev_hash: &self.prev_hash,
        }
    }
}

/// The first place the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The event at which the chain stops holding (for a missing tail, one past the last event seen).
    pub seq: i64,
    /// What is wrong there.
    pub reason: BreakReason,
}

/// Kinds of break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The stored hash does not match the event's contents: the event was altered.
    Altered,
    /// The event does not point at the hash of the event before it: an event was removed, inserted or moved.
    Unlinked,
    /// A sequence number is missing: events were removed.
    Gap {
        /// The sequence number expected here.
        expected: i64,
    },
    /// The recorded chain head does not match the last event: the tail was removed or altered.
    Head {
        /// The head's recorded sequence number.
        head_seq: i64,
    },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            BreakReason::Altered => write!(
                f,
                "event #{}: its stored hash does not match its contents (the event was altered)",
                self.seq
            ),
            BreakReason::Unlinked => write!(
                f,
                "event #{}: it does not point at the hash of the event before it (events were removed, inserted or reordered)",
                self.seq
            ),
            BreakReason::Gap { expected } => write!(
                f,
                "event #{expected}: missing; the next event found is #{} (events were removed)",
                self.seq
            ),
            BreakReason::Head { head_seq } => write!(
                f,
                "event #{}: the chain head records {head_seq} events and a different last hash (the end of the trail was removed or altered)",
                self.seq
            ),
        }
    }
}

/// Incremental verifier: feed events in sequence order, then [`ChainVerifier::finish`].
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    /// Check the next event.
    pub fn push(&mut self, event: &AuditEvent) -> Result<(), ChainBreak> {
        if event.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: event.seq,
                reason: BreakReason::Gap {
                    expected: self.expected_seq,
                },
            });
        }
        if event.content().hash() != event.hash {
            return Err(ChainBreak {
                seq: event.seq,
                reason: BreakReason::Altered,
            });
        }
        if event.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: event.seq,
                reason: BreakReason::Unlinked,
            });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&event.hash);
        Ok(())
    }

    /// Compare the end of the chain with the recorded head; returns the number of events checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let count = self.expected_seq - 1;
        if head_seq != count || head_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: count + 1,
                reason: BreakReason::Head { head_seq },
            });
        }
        Ok(count)
    }
}

/// Verify a whole chain held in memory against its head.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    head_seq: i64,
    head_hash: &str,
) -> Result<i64, ChainBreak> {
    let mut verifier = ChainVerifier::default();
    for event in events {
        verifier.push(event)?;
    }
    verifier.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEvent {
                    seq,
                    at: 1_700_000_000 + seq,
                    actor: "cli".into(),
                    action: "user.created".into(),
                    object_type: "user".into(),
                    object_id: seq.to_string(),
                    project_id: None,
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.content().hash();
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    fn head(events: &[AuditEvent]) -> (i64, String) {
        events
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, GENESIS_HASH.into()))
    }

    #[test]
    fn intact_chain_verifies() {
        let events = chain(5);
        let (s, h) = head(&events);
        assert_eq!(verify_chain(&events, s, &h), Ok(5));
        assert_eq!(verify_chain(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn alteration_is_named() {
        let mut events = chain(5);
        let (s, h) = head(&events);
        events[2].details = r#"{"tampered":true}"#.into();
        let err = verify_chain(&events, s, &h).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 3,
                reason: BreakReason::Altered
            }
        );
    }

    #[test]
    fn removal_is_named() {
        let mut events = chain(5);
        let (s, h) = head(&events);
        events.remove(1);
        let err = verify_chain(&events, s, &h).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 3,
                reason: BreakReason::Gap { expected: 2 }
            }
        );
    }

    #[test]
    fn reordering_is_named() {
        let mut events = chain(5);
        let (s, h) = head(&events);
        // Swap the contents of #2 and #3 but keep the sequence numbers in place.
        let (a, b) = (events[1].clone(), events[2].clone());
        events[1] = AuditEvent { seq: 2, ..b };
        events[2] = AuditEvent { seq: 3, ..a };
        let err = verify_chain(&events, s, &h).unwrap_err();
        assert_eq!(err.seq, 2);
    }

    #[test]
    fn truncated_tail_is_named() {
        let mut events = chain(5);
        let (s, h) = head(&events);
        events.pop();
        let err = verify_chain(&events, s, &h).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 5,
                reason: BreakReason::Head { head_seq: 5 }
            }
        );
    }
}
