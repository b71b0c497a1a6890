//! Integration tests: one binary. Storage and HTTP tests run on SQLite and on
//! PostgreSQL (`EMBARGO_TEST_POSTGRES_URL`, set by `scripts/test`); each test
//! gets its own database file or PostgreSQL schema.

mod access;
mod audit;
mod auth;
mod browser;
mod cli;
mod cvss;
mod disclosure;
mod exports;
mod four_policies;
mod gpg;
mod headers;
mod intake;
mod lists;
mod mail;
mod mail_clients;
mod multiprocess;
mod policy;
mod postfix;
mod security;
mod smtp_sink;
mod store_contract;
mod support;
mod triage;
mod triage_http;
