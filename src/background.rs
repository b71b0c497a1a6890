//! The background work of `embargo serve`, each a loop on its own task: the disclosure
//! scheduler (every second), the clock reminders (every minute), the sweep of expired
//! sessions, login counters and sent mail bodies (every ten minutes), and the outbox
//! worker. Several `serve` processes may share one database: the queues are leased
//! (`store::lease`), so each job and message is handled once.

use crate::config::Config;
use crate::mail::worker::{TransportError, Worker};
use crate::service;
use crate::store::{self, Db};
use tokio::task::JoinHandle;

/// The running loops.
pub struct Background {
    loops: Vec<JoinHandle<()>>,
    stop_worker: tokio::sync::oneshot::Sender<()>,
    worker: JoinHandle<()>,
}

impl Background {
    /// Start every loop.
    pub fn start(db: &Db, cfg: &Config) -> Result<Self, TransportError> {
        let worker = Worker::new(db.clone(), cfg)?;
        let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(async move {
            worker
                .run(std::time::Duration::from_secs(1), async {
                    let _ = worker_stopped.await;
                })
                .await;
        });
        Ok(Self {
            loops: vec![
                tokio::spawn(sweep_sessions(db.clone(), cfg.clone())),
                tokio::spawn(send_reminders(db.clone(), cfg.clone())),
                tokio::spawn(run_schedule(db.clone(), cfg.clone())),
            ],
            stop_worker,
            worker,
        })
    }

    /// Stop the loops; the outbox worker finishes the messages it holds.
    pub async fn stop(self) {
        for l in &self.loops {
            l.abort();
        }
        let _ = self.stop_worker.send(());
        let _ = self.worker.await;
    }
}

/// Fire due disclosure steps every second (several processes may run this: each job
/// fires once). Jobs missed while no process ran fire at the first pass, late.
async fn run_schedule(db: Db, cfg: Config) {
    let worker = format!(
        "serve-{}-{}",
        std::process::id(),
        crate::auth::secret::random_token(6)
    );
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = service::disclosure::run_due(&db, &cfg, &worker, store::now()).await {
            tracing::warn!(error = %err, "disclosure scheduler pass failed; will retry");
        }
    }
}

/// Send due clock reminders once a minute.
async fn send_reminders(db: Db, cfg: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match service::reminders::sweep(&db, &cfg, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "clock reminders queued"),
            Err(err) => tracing::warn!(error = %err, "reminder sweep failed; will retry"),
        }
    }
}

/// Delete expired sessions and stale login-failure counters, and erase the
/// bodies of mail sent longer ago than `outbox_retention`, every ten minutes.
async fn sweep_sessions(db: Db, cfg: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = store::now();
        let result = async {
            let mut c = db.acquire().await?;
            store::sessions::delete_expired(
                c.conn(),
                now - cfg.session_idle_timeout.as_seconds_i64(),
                now - cfg.session_max_age.as_seconds_i64(),
            )
            .await?;
            store::throttle::prune(c.conn(), now - cfg.login_failure_window.as_seconds_i64())
                .await?;
            store::outbox::purge_sent(c.conn(), now - cfg.outbox_retention.as_seconds_i64()).await
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "session sweep failed; will retry");
        }
    }
}
