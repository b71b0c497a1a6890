//! The outbox worker: claim due messages by lease, send each over SMTP with
//! no database transaction open, mark it sent, or schedule a retry with
//! exponential backoff (failed for good after `outbox_max_attempts`, or at
//! once on a permanent 5xx rejection). Runs inside `embargo serve` and alone
//! as `embargo worker`; any number of workers may share one database.

use crate::config::Config;
use crate::domain::retry::{Next, RetryPolicy};
use crate::store::{self, Db, StoreError};
use futures_util::StreamExt;
use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// Rounds claim this many messages per message sent at once.
const BATCH_PER_SLOT: i64 = 4;
/// Longest retry delay (seconds).
const MAX_BACKOFF: i64 = 3600;

/// The outbox's retry policy (`outbox_retry_base`, doubling to an hour,
/// `outbox_max_attempts`): the one policy of both leased queues.
fn retry_policy(retry_base: i64, max_attempts: i64) -> RetryPolicy {
    RetryPolicy {
        base: retry_base,
        cap: MAX_BACKOFF,
        max_attempts,
    }
}

/// Why a worker could not start.
#[derive(Debug, thiserror::Error)]
#[error("the SMTP relay URL is not usable: {0}")]
pub struct TransportError(String);

/// A worker bound to one database and relay.
pub struct Worker {
    db: Db,
    id: String,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    concurrency: usize,
    max_attempts: i64,
    retry_base: i64,
    lease: i64,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Messages accepted by the relay.
    pub sent: usize,
    /// Attempts that failed and will be retried.
    pub retried: usize,
    /// Messages that failed for good.
    pub failed: usize,
}

/// Delay before attempt `attempts + 1`: base × 2^(attempts − 1), capped at an hour.
pub fn backoff(base: i64, attempts: i64) -> i64 {
    retry_policy(base, i64::MAX).delay(attempts)
}

impl Worker {
    /// A worker for the configured relay (none configured: it claims nothing).
    pub fn new(db: Db, cfg: &Config) -> Result<Self, TransportError> {
        let transport = match &cfg.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| TransportError(e.to_string()))?
                    .timeout(Some(Duration::from_secs(60)))
                    .pool_config(PoolConfig::new().max_size(cfg.outbox_concurrency))
                    .build(),
            ),
            None => None,
        };
        Ok(Self {
            db,
            id: format!(
                "{}-{}",
                std::process::id(),
                crate::auth::secret::random_token(6)
            ),
            transport,
            concurrency: usize::try_from(cfg.outbox_concurrency).unwrap_or(1).max(1),
            max_attempts: i64::from(cfg.outbox_max_attempts),
            retry_base: cfg.outbox_retry_base.as_seconds_i64(),
            lease: cfg.outbox_lease.as_seconds_i64(),
        })
    }

    /// This worker's id (stored with the messages it holds).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether a relay is configured.
    pub fn has_relay(&self) -> bool {
        self.transport.is_some()
    }

    /// Claim due messages; the caller sends them. Exposed so tests can stop between steps.
    pub async fn claim(&self) -> Result<Vec<store::outbox::Claimed>, StoreError> {
        let now = store::now();
        let mut tx = self.db.begin().await?;
        let claimed = store::outbox::claim(
            tx.conn(),
            &self.id,
            now,
            now + self.lease,
            BATCH_PER_SLOT * self.concurrency as i64,
        )
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Send one claimed message over SMTP (no database work).
    pub async fn send(&self, m: &store::outbox::Claimed) -> Result<(), SendError> {
        let Some(transport) = &self.transport else {
            return Err(SendError::NoRelay);
        };
        let recipients: Vec<String> =
            serde_json::from_str(&m.recipients).map_err(|e| SendError::Envelope(e.to_string()))?;
        let to = recipients
            .iter()
            .map(|r| {
                r.parse::<lettre::Address>()
                    .map_err(|e| SendError::Envelope(format!("recipient `{r}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let from = m
            .envelope_from
            .parse::<lettre::Address>()
            .map_err(|e| SendError::Envelope(format!("sender `{}`: {e}", m.envelope_from)))?;
        let envelope =
            Envelope::new(Some(from), to).map_err(|e| SendError::Envelope(e.to_string()))?;
        transport
            .send_raw(&envelope, &m.raw)
            .await
            .map(|_| ())
            .map_err(SendError::Smtp)
    }

    /// Record the outcome of sending a claimed message.
    pub async fn settle(
        &self,
        m: &store::outbox::Claimed,
        result: Result<(), SendError>,
    ) -> Result<Round, StoreError> {
        let now = store::now();
        let mut round = Round::default();
        let mut c = self.db.acquire().await?;
        match result {
            Ok(()) => {
                if store::outbox::mark_sent(c.conn(), m.id, &self.id, now).await? {
                    round.sent += 1;
                } else {
                    tracing::warn!(message_id = %m.message_id, "lease lost before marking sent; another worker may resend it (same Message-ID)");
                }
            }
            Err(e) => {
                let policy = retry_policy(self.retry_base, self.max_attempts);
                let retry_at = match policy.after_failure(m.attempts, e.is_permanent(), now) {
                    Next::RetryAt(t) => Some(t),
                    Next::GiveUp => None,
                };
                let give_up = retry_at.is_none();
                let error = e.to_string();
                store::outbox::mark_attempt_failed(c.conn(), m.id, &self.id, &error, retry_at)
                    .await?;
                if give_up {
                    tracing::error!(message_id = %m.message_id, attempts = m.attempts, %error, "mail delivery failed for good");
                    round.failed += 1;
                } else {
                    tracing::warn!(message_id = %m.message_id, attempts = m.attempts, %error, "mail delivery failed; will retry");
                    round.retried += 1;
                }
            }
        }
        Ok(round)
    }

    /// One round: claim, then send and settle the claimed messages concurrently
    /// (up to `outbox_concurrency` at a time, over the transport's connection pool).
    pub async fn run_once(&self) -> Result<Round, StoreError> {
        if self.transport.is_none() {
            return Ok(Round::default());
        }
        let mut total = Round::default();
        let claimed = self.claim().await?;
        // Keep `concurrency` messages in flight: a slow one holds up only its own slot.
        let rounds: Vec<Result<Round, StoreError>> =
            futures_util::stream::iter(claimed.into_iter().map(|m| async move {
                let result = self.send(&m).await;
                self.settle(&m, result).await
            }))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for r in rounds {
            let r = r?;
            total.sent += r.sent;
            total.retried += r.retried;
            total.failed += r.failed;
        }
        Ok(total)
    }

    /// Run rounds until `shutdown` resolves, pausing `poll` when the queue is empty.
    pub async fn run(self, poll: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        if self.transport.is_none() {
            tracing::warn!("no SMTP relay configured (smtp_url); mail stays queued");
        }
        loop {
            let busy = match self.run_once().await {
                Ok(r) => r.sent + r.retried + r.failed > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox round failed; will retry");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The relay refused or the connection failed.
    #[error("{0}")]
    Smtp(lettre::transport::smtp::Error),
    /// The stored envelope is unusable (a permanent failure).
    #[error("invalid envelope: {0}")]
    Envelope(String),
    /// No relay is configured.
    #[error("no SMTP relay is configured (smtp_url)")]
    NoRelay,
}

impl SendError {
    /// Whether retrying cannot help (a 5xx answer, or a broken envelope).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Smtp(e) => e.is_permanent(),
            Self::Envelope(_) => true,
            Self::NoRelay => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), 30);
        assert_eq!(backoff(30, 2), 60);
        assert_eq!(backoff(30, 4), 240);
        assert_eq!(backoff(30, 30), 3600);
    }
}
