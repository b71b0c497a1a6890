//! Use cases. Each opens one transaction, applies the domain rules, writes
//! through the store and appends the audit event for the change before
//! committing — so a change and its audit record land together or not at all.
//! HTTP handlers and CLI commands call these, never the store directly for writes.

pub mod access;
pub mod accounts;
pub mod advisories;
pub mod announce;
pub mod audit;
pub mod bulk_export;
pub mod cases;
pub mod conduct;
pub mod cpu;
pub mod credit;
pub mod disclosure;
pub mod error;
pub mod fixes;
pub mod guests;
pub mod held_mail;
pub mod ingest;
pub mod keys;
mod list_mail;
pub mod list_requests;
pub mod login;
pub mod mail;
mod mail_loops;
pub mod members;
mod offered_keys;
pub mod projects;
pub mod rate;
pub mod reminders;
pub mod reporter_key;
pub mod tokens;
mod transition;
pub mod triage;
pub mod upstream;

pub use access::{Caller, CaseRef, ProjectRef};
pub use error::ServiceError;
