//! The errors a use case can end in. Each variant means one thing to a
//! person, and the HTTP and CLI layers map them exhaustively.

use crate::store::StoreError;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input breaks a rule; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// The named thing does not exist (or the caller may not know it does).
    #[error("{0} not found")]
    NotFound(String),
    /// The thing already exists or the change conflicts with current state.
    #[error("{0}")]
    Conflict(String),
    /// Sign-in failed; deliberately silent about which part was wrong.
    #[error("the e-mail address or password is not correct")]
    BadCredentials,
    /// The second factor was wrong.
    #[error(
        "that code is not correct; enter the current 6-digit code from your authenticator app, or one of your recovery codes"
    )]
    BadSecondFactor,
    /// The second-factor code was correct but already used.
    #[error("that code has already been used; wait for the next code from your authenticator app")]
    ReplayedSecondFactor,
    /// Too many failures; try again later.
    #[error("too many failed attempts; wait {retry_after_minutes} minutes and try again")]
    RateLimited {
        /// How long to wait, rounded up to whole minutes.
        retry_after_minutes: u64,
    },
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something that should not fail did (hashing, rendering a QR code).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// Map a store conflict to a readable message, passing other errors through.
    pub fn conflict_as(message: impl Into<String>) -> impl FnOnce(StoreError) -> Self {
        let message = message.into();
        move |err| match err {
            StoreError::Conflict => Self::Conflict(message),
            other => Self::Store(other),
        }
    }
}
