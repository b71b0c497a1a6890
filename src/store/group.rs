//! Group commit for the SQLite writer.
//!
//! SQLite has one writer at a time, and each commit waits for an fsync. Under load
//! (a flood of reports through the form or the mail pipe) that fsync, not the
//! statements, bounds throughput. So write transactions of this process share
//! commits: each caller's [`Job`] runs inside one open SQLite transaction under its
//! own `SAVEPOINT`, and when it finishes it releases the savepoint and waits;
//! a committer queued behind the jobs already waiting commits them all with one
//! fsync and tells each its outcome. A caller's [`Job::commit`] returns only after
//! that commit, so "committed" still means durable.
//!
//! A job that fails or is dropped rolls back to its savepoint only: the other jobs
//! of its group are unaffected. If the shared transaction itself fails (the
//! database refused the commit, or a savepoint could not be undone), every job of
//! the group gets the error, and none of their writes is kept.
//!
//! Jobs queue on a FIFO mutex in this process, so the write lock holder never waits
//! behind readers or sleeps in SQLite's busy handler; other processes on the same
//! file (the CLI, `mail ingest`) wait on the busy timeout as before.

use super::StoreError;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// How a group ended, as each of its jobs learns it.
#[derive(Clone, Debug)]
struct Failure {
    unavailable: bool,
    message: String,
}

impl From<&StoreError> for Failure {
    fn from(e: &StoreError) -> Self {
        Self {
            unavailable: matches!(e, StoreError::Unavailable(_)),
            message: e.to_string(),
        }
    }
}

impl From<Failure> for StoreError {
    fn from(f: Failure) -> Self {
        if f.unavailable {
            Self::Unavailable(f.message)
        } else {
            Self::Failed(f.message)
        }
    }
}

type Outcome = Option<Result<(), Failure>>;

/// The writer's state, behind the queue.
#[derive(Default)]
struct Slot {
    /// The open shared transaction, between jobs.
    tx: Option<Transaction<'static, Sqlite>>,
    /// Jobs released into the open transaction wait on this.
    group: Option<watch::Sender<Outcome>>,
    /// A committer is queued for the open group.
    committer: bool,
}

impl Slot {
    /// Give up the open transaction: roll it back and tell its released jobs.
    async fn abort(&mut self, failure: Failure) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.rollback().await;
        }
        if let Some(group) = self.group.take() {
            group.send_replace(Some(Err(failure)));
        }
    }
}

/// The SQLite writer: a one-connection pool and the queue in front of it.
#[derive(Debug)]
pub struct Writer {
    pool: SqlitePool,
    slot: Arc<Mutex<Slot>>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("open", &self.tx.is_some())
            .field("committer", &self.committer)
            .finish()
    }
}

impl Writer {
    /// A writer over a pool that holds exactly one connection.
    pub fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            slot: Arc::default(),
        }
    }

    /// The write pool itself (migrations, closing, benchmarks).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Wait for the writer, then start a job in the shared transaction.
    pub async fn begin(&self) -> Result<Job, StoreError> {
        let mut slot = self.slot.clone().lock_owned().await;
        let mut tx = match slot.tx.take() {
            Some(tx) => tx,
            None => self.pool.begin_with("BEGIN IMMEDIATE").await?,
        };
        if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *tx).await {
            let e = StoreError::from(e);
            slot.tx = Some(tx);
            slot.abort(Failure::from(&e)).await;
            return Err(e);
        }
        Ok(Job {
            inner: Some((slot, tx)),
            queue: self.slot.clone(),
        })
    }
}

/// One caller's part of a shared write transaction. Dropped without
/// [`Job::commit`], its writes are undone and the others' are kept.
pub struct Job {
    inner: Option<(OwnedMutexGuard<Slot>, Transaction<'static, Sqlite>)>,
    queue: Arc<Mutex<Slot>>,
}

impl Job {
    /// The connection, inside the job's savepoint.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        match &mut self.inner {
            Some((_, tx)) => tx,
            // `inner` is emptied only by `commit` and `drop`, which consume the job.
            None => unreachable!("a job's transaction is used after it ended"),
        }
    }

    /// Keep the job's writes and wait until the group they joined is durably committed.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let Some((mut slot, mut tx)) = self.inner.take() else {
            return Err(StoreError::Failed("the job already ended".into()));
        };
        if let Err(e) = sqlx::query("RELEASE job").execute(&mut *tx).await {
            let e = StoreError::from(e);
            slot.tx = Some(tx);
            slot.abort(Failure::from(&e)).await;
            return Err(e);
        }
        slot.tx = Some(tx);
        let mut outcome = slot
            .group
            .get_or_insert_with(|| watch::channel(None).0)
            .subscribe();
        if !slot.committer {
            slot.committer = true;
            // Queued behind every job already waiting, so they join this group.
            tokio::spawn(commit_group(self.queue.clone()));
        }
        drop(slot);
        let result = match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone(),
            Err(_) => Some(Err(Failure {
                unavailable: true,
                message: "the group commit was abandoned".into(),
            })),
        };
        match result {
            Some(Ok(())) => Ok(()),
            Some(Err(f)) => Err(f.into()),
            None => Err(StoreError::Failed(
                "the group commit gave no outcome".into(),
            )),
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let Some((mut slot, mut tx)) = self.inner.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            // Undo this job's writes before the next job runs: the guard moves into the task.
            Ok(rt) => {
                rt.spawn(async move {
                    let undone = async {
                        sqlx::query("ROLLBACK TO job").execute(&mut *tx).await?;
                        sqlx::query("RELEASE job").execute(&mut *tx).await
                    }
                    .await;
                    slot.tx = Some(tx);
                    match undone {
                        Err(e) => slot.abort(Failure::from(&StoreError::from(e))).await,
                        // Nothing of the open transaction is waiting to be committed: end it,
                        // so the database's write lock is not held while idle.
                        Ok(_) if slot.group.is_none() => {
                            if let Some(tx) = slot.tx.take() {
                                let _ = tx.rollback().await;
                            }
                        }
                        Ok(_) => {}
                    }
                });
            }
            // No runtime to undo it on: give up the whole group rather than keep its writes.
            Err(_) => {
                drop(tx);
                if let Some(group) = slot.group.take() {
                    group.send_replace(Some(Err(Failure {
                        unavailable: true,
                        message: "a write transaction was abandoned during shutdown".into(),
                    })));
                }
            }
        }
    }
}

/// Commit the open group once the jobs queued ahead have joined it.
async fn commit_group(queue: Arc<Mutex<Slot>>) {
    let mut slot = queue.lock_owned().await;
    slot.committer = false;
    let result = match slot.tx.take() {
        Some(tx) => tx
            .commit()
            .await
            .map_err(|e| Failure::from(&StoreError::from(e))),
        None => Err(Failure {
            unavailable: false,
            message: "the shared transaction was lost before its commit".into(),
        }),
    };
    if let Some(group) = slot.group.take() {
        group.send_replace(Some(result));
    }
}
