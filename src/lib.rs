//! Embargo: a self-hosted security response desk.
//!
//! The crate is layered: [`domain`] holds pure types and rules, [`auth`] the
//! credential primitives (argon2id, TOTP, random tokens, CSRF), [`store`] the
//! SQLite/PostgreSQL persistence, [`service`] the use cases that combine them
//! in one transaction with an audit event, and [`http`] the web pages and JSON
//! API. [`cli`] and `main.rs` are the operator's entry points.

pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod files;
pub mod http;
pub mod mail;
pub mod pgp;
pub mod service;
pub mod store;
pub mod vault;
