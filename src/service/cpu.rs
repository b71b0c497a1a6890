//! CPU-heavy work on untrusted input (OpenPGP parsing, decryption and
//! verification, password hashing), run off the async workers.
//!
//! [`run`] moves the work to tokio's blocking pool behind a semaphore of one
//! permit per core, so a burst of hostile input queues instead of starving
//! the threads that answer `/healthz` and every other request, and gives it a
//! time budget: past [`BUDGET`] the caller gets a clear error at once (the
//! blocking thread finishes on its own; the bounds in [`crate::pgp`] keep
//! that short).

use super::ServiceError;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The longest one piece of work on untrusted input may take.
pub const BUDGET: Duration = Duration::from_secs(10);

static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// Run `work` on the blocking pool, at most one job per core at a time, within
/// [`BUDGET`]. `what` names the work in the error ("the OpenPGP key").
pub async fn run<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    let job = async {
        let permit = PERMITS
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("{what}: {e}")))
    };
    match tokio::time::timeout(BUDGET, job).await {
        Ok(result) => result,
        Err(_) => Err(ServiceError::Invalid(format!(
            "{what} took longer than {} seconds to process and was refused",
            BUDGET.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn work_runs_off_the_async_thread() {
        let caller = std::thread::current().id();
        let worker = run("a test", || std::thread::current().id()).await.unwrap();
        assert_ne!(caller, worker);
    }
}
