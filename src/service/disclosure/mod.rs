//! Coordinated disclosure: the schedule, and the three steps it drives — the public
//! pre-announcement, the confidential pre-notification, publication.
//!
//! Scheduling stores the instant and its zone and queues one job per step in the
//! database. [`run_due`] (called every second by `serve`, and by
//! `embargo schedule run`) claims due jobs under a lease and performs each step; the
//! step's mail, its state change and the job's completion commit in one
//! transaction, conditional on still holding the job, so a step happens once even
//! with several processes, and a job missed while no process ran fires at the next
//! start, recording how late it was. The team can also take each step by hand.
//!
//! Mail bodies are written from explicit fields: the pre-announcement from the
//! date, zone, severity levels and number of issues only.
//!
//! The module is split by step: [`scheduling`] (set, move, withdraw the date),
//! [`pre_announce`], [`pre_notify`], [`publication`], [`jobs`] (the scheduler's pass,
//! retries, failures) and [`text`] (every mail body, built from explicit fields).

use super::mail::Mail;
use super::{CaseRef, ServiceError, audit, keys};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::advisory::Advisory;
use crate::domain::case::{Action, CaseState};
use crate::domain::export::csaf;
use crate::domain::policy::Policy;
use crate::domain::retry::{Next, RetryPolicy};
use crate::domain::schedule::{self, Plan};
use crate::domain::time::Timestamp;
use crate::mail::compose::{self, Attachment, Outgoing, Protection};
use crate::pgp::{PublicKey, SecretKey};
use crate::service::advisories::{self, Sources};
use crate::service::cases::{case_row, project_of};
use crate::service::transition::{Moved, transition, try_transition};
use crate::store::case_state::{Beside, NewSchedule, Stamp};
use crate::store::disclosure::Job;
use crate::store::projects::ProjectRow;
use crate::store::{self, Db, Tx};
use serde_json::json;

mod jobs;
mod pre_announce;
mod pre_notify;
mod publication;
mod scheduling;
mod text;

pub use jobs::*;
pub use pre_announce::*;
pub use pre_notify::*;
pub use publication::*;
pub use scheduling::*;
use text::*;

/// Kinds of jobs.
pub const PRE_ANNOUNCE: &str = "pre-announce";
/// Pre-notification job.
pub const PRE_NOTIFY: &str = "pre-notify";
/// Publication job.
pub const PUBLISH: &str = "publish";

/// How long a claimed job is held before another process may take it over.
pub(super) const LEASE_SECONDS: i64 = 600;
/// Firing later than this counts as late (and says so).
pub(super) const LATE_AFTER_SECONDS: i64 = 30;

pub(super) fn conflict(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Conflict(e.to_string())
}

/// The schedule as the team enters it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ScheduleInput {
    /// `2026-12-01`.
    pub date: String,
    /// `14:00`.
    pub time: String,
    /// IANA zone (empty: the policy's).
    #[serde(default)]
    pub zone: String,
    /// Why the exploited-in-the-wild timeline applies (empty: it does not).
    #[serde(default)]
    pub exploited: String,
    /// Publish at the date without a person pressing the button.
    #[serde(default)]
    pub auto_publish: bool,
}

/// Show an instant in a zone: `Tuesday 2026-12-01 14:00 CET (Europe/Amsterdam)`.
pub fn show(t: i64, zone: &str) -> String {
    Timestamp(t).in_zone(zone)
}

/// What started a step.
#[derive(Clone, Copy)]
pub(super) enum Trigger<'a> {
    /// The scheduler, holding this job.
    Job(&'a Job, &'a str),
    /// A person, now.
    Manual,
}

impl Trigger<'_> {
    fn late_by(&self, now: i64) -> i64 {
        match self {
            Self::Job(job, _) => (now - job.due_at).max(0),
            Self::Manual => 0,
        }
    }

    /// In the step's transaction: finish the job; `false` if another process has it.
    async fn finish(
        &self,
        tx: &mut Tx,
        now: i64,
        note: Option<&str>,
    ) -> Result<bool, ServiceError> {
        match self {
            Self::Job(job, worker) => Ok(store::disclosure::finish(
                tx.conn(),
                job.id,
                worker,
                "done",
                now,
                self.late_by(now),
                note,
            )
            .await?),
            Self::Manual => Ok(true),
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; `messages` queued.
    Done {
        /// Messages queued.
        messages: usize,
    },
    /// Another process did it, or the schedule changed: nothing done.
    Skipped(String),
}

/// The project's announce addresses (its public lists).
pub(super) fn announce_addresses(policy: &Policy) -> Vec<String> {
    policy
        .announcements
        .lists
        .iter()
        .map(|l| l.address.to_string())
        .collect()
}

/// Compose one message to one recipient: signed when a signer is given, encrypted when
/// the recipient has a key.
#[allow(clippy::too_many_arguments)]
pub(super) fn compose_one(
    cfg: &Config,
    project: &ProjectRow,
    to: &str,
    subject: &str,
    text: &str,
    attachments: Vec<Attachment>,
    signer: Option<&SecretKey>,
    key: Option<&PublicKey>,
) -> Result<Mail, ServiceError> {
    let message_id = crate::mail::new_message_id(cfg.mail_from.domain());
    let msg = Outgoing {
        from: format!(
            "{} security team <{}>",
            project.name.replace(['<', '>', '"'], ""),
            cfg.mail_from
        ),
        to: vec![to.to_owned()],
        subject: subject.to_owned(),
        text: text.to_owned(),
        message_id: message_id.clone(),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments,
    };
    let protection = match (key, signer) {
        (Some(k), s) => Protection::Encrypt {
            recipients: vec![k],
            signer: s,
        },
        (None, Some(s)) => Protection::Sign(s),
        (None, None) => Protection::None,
    };
    Ok(Mail {
        message_id,
        raw: compose::compose(&msg, protection)?,
    })
}

pub(super) async fn enqueue_raw(
    tx: &mut Tx,
    cfg: &Config,
    project_id: i64,
    purpose: &str,
    to: &str,
    mail: &Mail,
) -> Result<i64, ServiceError> {
    Ok(store::outbox::enqueue(
        tx.conn(),
        store::outbox::NewMessage {
            message_id: &mail.message_id,
            project_id: Some(project_id),
            purpose,
            envelope_from: cfg.mail_from.as_str(),
            recipients: &[to.to_owned()],
            raw: &mail.raw,
        },
        store::now(),
    )
    .await?)
}

/// The key that signs: the team member's personal key, else the project key.
pub(super) async fn signer(
    db: &Db,
    cfg: &Config,
    project_id: i64,
    user_id: Option<i64>,
) -> Result<SecretKey, ServiceError> {
    let vault = cfg.vault(false).map_err(|_| {
        ServiceError::Conflict(
            "signing needs the master key (secret_key or secret_key_file in the configuration)"
                .into(),
        )
    })?;
    if let Some(uid) = user_id
        && let Some(k) = keys::user_signing_key(db, &vault, uid).await?
    {
        return Ok(k);
    }
    keys::project_signing_key(db, &vault, project_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Conflict(
                "no key to sign with: the sending member has no personal key and the project has none; run `embargo key generate --project SLUG`".into(),
            )
        })
}
pub(super) fn late(trigger: Trigger<'_>, now: i64) -> Option<i64> {
    let l = trigger.late_by(now);
    (l > LATE_AFTER_SECONDS).then_some(l)
}

pub(super) fn why_or(why: impl Into<String>) -> String {
    let w = why.into();
    if w.is_empty() {
        "nothing was published".into()
    } else {
        w
    }
}
