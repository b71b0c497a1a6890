//! Persistence over SQLite (embedded, the default) and PostgreSQL (several
//! processes sharing one database), behind one API.
//!
//! [`Db`] is the pool, [`Tx`] a write transaction and [`Conn`] a borrowed
//! connection of either backend. Every query is written once, in SQL that
//! both backends accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`), and
//! run through [`on_conn!`], which compiles it for each backend. Schema
//! changes live in `migrations/sqlite` and `migrations/postgres` with the same
//! numbers; a test keeps them in lockstep.
//!
//! Durability: SQLite runs in WAL mode with `synchronous = FULL`, so the WAL
//! is fsynced at every commit and an acknowledged write survives a crash or
//! power loss. Write transactions on SQLite start with `BEGIN IMMEDIATE`, so
//! two writers queue on the busy timeout instead of failing mid-transaction;
//! within one process they queue in [`group`] and share commits.

pub mod advisories;
pub mod announce;
pub mod api_tokens;
pub mod audit;
pub mod case_state;
pub mod cases;
pub mod conduct;
pub mod cve;
pub mod disclosure;
pub mod group;
pub mod guests;
pub mod held_mail;
pub mod keys;
pub mod lease;
pub mod list_requests;
pub mod members;
pub mod outbox;
pub mod patches;
pub mod projects;
pub mod reminders;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod upstream;
pub mod users;

use crate::config::DatabaseUrl;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Run `$body` with `$c` bound to the backend's `&mut Connection`; the body is
/// compiled once per backend.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => $body,
            $crate::store::Conn::Postgres($c) => $body,
        }
    };
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached, or stayed busy or locked too long: try again later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was violated (the thing already exists).
    #[error("already exists")]
    Conflict,
    /// Migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A shared (group) commit failed for a reason other than unavailability.
    #[error("database error: {0}")]
    Failed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(err.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            sqlx::Error::Database(db) => {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with extended codes; PostgreSQL's
                // class 57 (operator intervention, e.g. shutting down) and 08 (connection).
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                let sqlite_busy = code
                    .parse::<u32>()
                    .map(|c| matches!(c & 0xff, 5 | 6))
                    .unwrap_or(false);
                if sqlite_busy || code.starts_with("57") || code.starts_with("08") {
                    Self::Unavailable(err.to_string())
                } else {
                    Self::Database(err)
                }
            }
            _ => Self::Database(err),
        }
    }
}

/// Which backend a [`Db`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A connection pool on one backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite: a pool for reads, and the writer: one connection (so a writer holding the
    /// database's write lock never waits for a connection behind readers) with the queue
    /// writers wait in and share commits from (see [`group`]).
    Sqlite(SqlitePool, Arc<group::Writer>),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

/// A borrowed connection (plain or inside a transaction) of either backend.
pub enum Conn<'c> {
    /// SQLite.
    Sqlite(&'c mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// Borrow again for another call, keeping this one usable.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(c),
            Self::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A connection taken from the pool for reads.
pub enum PoolConn {
    /// SQLite.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL.
    Postgres(PoolConnection<Postgres>),
}

impl PoolConn {
    /// Borrow it for one store call.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(c),
            Self::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    /// SQLite: a job in this process's shared write transaction (see [`group`]).
    Sqlite(group::Job),
    /// PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Borrow it for one store call.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(job) => Conn::Sqlite(job.conn()),
            Self::Postgres(t) => Conn::Postgres(t),
        }
    }

    /// Commit; only now is the write acknowledged.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(job) => job.commit().await?,
            Self::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Db {
    /// Open a pool on `url`. For SQLite the file (and its directory) is created if missing.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::files::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                // Private before SQLite opens it: its -wal and -shm files take its mode.
                let private = |p: &std::path::Path, create: bool| {
                    if create {
                        crate::files::ensure_private_file(p)
                    } else {
                        crate::files::tighten(p)
                    }
                    .map_err(|e| {
                        StoreError::Unavailable(format!("cannot create {}: {e}", p.display()))
                    })
                };
                private(path, true)?;
                for suffix in ["-wal", "-shm"] {
                    let mut side = path.as_os_str().to_owned();
                    side.push(suffix);
                    private(std::path::Path::new(&side), false)?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let open = |max: u32| {
                    SqlitePoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(10))
                        .connect_with(options.clone())
                };
                let unavailable = |e: sqlx::Error| {
                    StoreError::Unavailable(format!("cannot open {}: {e}", path.display()))
                };
                let write = open(1).await.map_err(unavailable)?;
                let read = open(8).await.map_err(unavailable)?;
                Ok(Self::Sqlite(read, Arc::new(group::Writer::new(write))))
            }
            DatabaseUrl::Postgres(text) => {
                let options = PgConnectOptions::from_str(text).map_err(|e| {
                    StoreError::Unavailable(format!("bad PostgreSQL URL {}: {e}", url.redacted()))
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        StoreError::Unavailable(format!(
                            "cannot connect to {}: {e}",
                            url.redacted()
                        ))
                    })?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply pending migrations (PostgreSQL takes an advisory lock, so concurrent starts are safe).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let result = match self {
            Self::Sqlite(_, writer) => sqlx::migrate!("migrations/sqlite").run(writer.pool()).await,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        };
        result.map_err(|e| StoreError::Migrate(e.to_string()))
    }

    /// Start a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            // Queue in this process before asking SQLite for the write lock: a loser of
            // that race sleeps in SQLite's busy handler (in steps of milliseconds) while
            // the lock may already be free; and share commits with the jobs queued behind.
            Self::Sqlite(_, writer) => Tx::Sqlite(writer.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Take a connection for reads.
    pub async fn acquire(&self) -> Result<PoolConn, StoreError> {
        Ok(match self {
            Self::Sqlite(read, _) => PoolConn::Sqlite(read.acquire().await?),
            Self::Postgres(pool) => PoolConn::Postgres(pool.acquire().await?),
        })
    }

    /// Close the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(read, writer) => {
                read.close().await;
                writer.pool().close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
