//! Mail: composing messages (plain, PGP/MIME signed, PGP/MIME encrypted),
//! the outbox that holds them durably, the worker that delivers them over
//! SMTP, and the parser for inbound mail.
//!
//! Delivery guarantee: at least once, with a stable Message-ID. A message is
//! enqueued in the same transaction as the change that causes it; a worker
//! claims it under a lease, sends it with no transaction open, then marks it
//! sent. If the worker dies between the SMTP acceptance and the mark, the
//! lease expires and another worker sends it again — same bytes, same
//! Message-ID, so the recipient's client can recognise the duplicate. Several
//! workers never claim the same message while its lease runs.

pub mod compose;
pub mod inbound;
pub mod worker;

use crate::auth::secret::random_token;

/// A fresh Message-ID (without angle brackets) in the sender's domain.
pub fn new_message_id(from_domain: &str) -> String {
    let local = random_token(18).replace(['-', '_'], "x");
    format!("{local}@{from_domain}")
}
