//! Credential primitives: password hashing (argon2id), TOTP second factors,
//! random bearer secrets (session cookies, API tokens, recovery codes) and
//! CSRF tokens. No storage here: callers persist only hashes.

pub mod csrf;
pub mod password;
pub mod secret;
pub mod totp;
