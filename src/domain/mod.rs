//! Pure domain types and rules. Nothing in here talks to a database, the
//! network or a clock it was not handed: every value is parsed once at the
//! edge into one of these types and is valid from then on.

pub mod actor;
pub mod advisory;
pub mod affected;
pub mod audit;
pub mod case;
pub mod cvss;
pub mod cwe;
pub mod duration;
pub mod email;
pub mod export;
pub mod list_request;
pub mod password;
pub mod patch;
pub mod policy;
pub mod report;
pub mod reporter_view;
pub mod retry;
pub mod role;
pub mod schedule;
pub mod slug;
pub mod text;
pub mod time;
pub mod version_range;
