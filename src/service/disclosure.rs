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

use super::advisories::{self, Sources};
use super::cases::{case_row, project_of};
use super::{CaseRef, ServiceError, audit, keys};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::advisory::Advisory;
use crate::domain::case::{Action, CaseState};
use crate::domain::export::csaf;
use crate::domain::policy::Policy;
use crate::domain::retry::{Next, RetryPolicy};
use crate::domain::schedule::{self, Plan};
use crate::mail::compose::{self, Attachment, Outgoing, Protection};
use crate::pgp::{PublicKey, SecretKey};
use crate::store::disclosure::{Job, Stamp};
use crate::store::projects::ProjectRow;
use crate::store::{self, Db, Tx};
use serde_json::json;

/// Kinds of jobs.
pub const PRE_ANNOUNCE: &str = "pre-announce";
/// Pre-notification job.
pub const PRE_NOTIFY: &str = "pre-notify";
/// Publication job.
pub const PUBLISH: &str = "publish";

/// How long a claimed job is held before another process may take it over.
const LEASE_SECONDS: i64 = 600;
/// Firing later than this counts as late (and says so).
const LATE_AFTER_SECONDS: i64 = 30;

fn conflict(e: impl std::fmt::Display) -> ServiceError {
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

/// Show an instant in a zone: `2026-12-01 14:00 CET (Europe/Amsterdam)`.
pub fn show(t: i64, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(t)
        .map(|ts| {
            format!(
                "{} ({zone})",
                ts.to_zoned(tz).strftime("%A %Y-%m-%d %H:%M %Z")
            )
        })
        .unwrap_or_default()
}

fn utc(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Set or move the disclosure date of a case. Checks the policy's bounds, queues the
/// steps, and tells everyone already told (announce lists, list members) of the new date.
pub async fn schedule(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    input: &ScheduleInput,
) -> Result<Plan, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = advisories::policy_for(&project)?;
    let from: CaseState = case.state.parse().map_err(ServiceError::Internal)?;
    let to = from.apply(Action::Schedule).map_err(conflict)?;
    let date: jiff::civil::Date = input.date.trim().parse().map_err(|_| {
        ServiceError::Invalid(format!(
            "`{}` is not a date; write it as 2026-12-01",
            input.date.trim()
        ))
    })?;
    let time: jiff::civil::Time = input.time.trim().parse().map_err(|_| {
        ServiceError::Invalid(format!(
            "`{}` is not a time of day; write it as 14:00",
            input.time.trim()
        ))
    })?;
    let now = store::now();
    let exploited = input.exploited.trim();
    let plan = schedule::plan(
        &policy.embargo,
        case.received_at,
        now,
        &schedule::Request {
            date,
            time,
            zone: input.zone.clone(),
            exploited: (!exploited.is_empty()).then(|| exploited.to_owned()),
        },
    )
    .map_err(ServiceError::Invalid)?;
    let (before, told) = {
        let mut c = db.acquire().await?;
        (
            store::disclosure::schedule_of(c.conn(), case.id)
                .await?
                .unwrap_or_default(),
            store::disclosure::told_list(c.conn(), case.id).await?,
        )
    };
    let moved = before.disclose_at.is_some_and(|t| t != plan.disclose_at);
    // Everyone already told hears of the new date (composed before the transaction).
    let mut notices = Vec::new();
    if moved && !told.is_empty() {
        let signer = signer(db, cfg, project.id, user_id.or(before.scheduled_by))
            .await
            .ok();
        let members = {
            let mut c = db.acquire().await?;
            store::members::list(c.conn(), project.id, true).await?
        };
        for (kind, address, member_id) in &told {
            let text = if kind == PRE_NOTIFY {
                format!(
                    "CONFIDENTIAL: the disclosure of the {} security issue we pre-notified you of has moved.\n\nNew date: {}\n          = {}\n\nThe embargo holds until then. Everything else in our earlier message stands.\n",
                    project.name,
                    show(plan.disclose_at, &plan.zone),
                    utc(plan.disclose_at)
                )
            } else {
                format!(
                    "The {} security release announced earlier has moved.\n\nNew date: {}\n          = {}\n",
                    project.name,
                    show(plan.disclose_at, &plan.zone),
                    utc(plan.disclose_at)
                )
            };
            // A revoked member is not told again.
            let member = member_id.and_then(|id| members.iter().find(|m| m.id == id));
            if member_id.is_some() && member.is_none() {
                continue;
            }
            let key = member
                .and_then(|m| m.public_key.as_deref())
                .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok());
            let subject = format!("[{}] Security release date changed", project.name);
            let raw = compose_one(
                cfg,
                &project,
                address,
                &subject,
                &text,
                vec![],
                signer.as_ref(),
                key.as_ref(),
            )?;
            notices.push((address.clone(), raw));
        }
    }
    // The announce list's subscribers heard the pre-announcement: they hear of the move.
    let mut copies = Vec::new();
    if moved && before.pre_announced_at.is_some() {
        let signer = signer(db, cfg, project.id, None).await.ok();
        let (link_key, subscribers) = super::announce::audience(db, project.id).await?;
        copies = super::announce::compose_list(
            cfg,
            &project,
            &link_key,
            &subscribers,
            &format!("[{}] Security release date changed", project.name),
            &format!(
                "The {} security release announced earlier has moved.\n\nNew date: {}\n          = {}\n",
                project.name,
                show(plan.disclose_at, &plan.zone),
                utc(plan.disclose_at)
            ),
            signer.as_ref(),
        )?;
    }
    let mut tx = db.begin().await?;
    let copies = super::announce::still_current(&mut tx, project.id, copies).await?;
    for (address, raw) in &copies {
        enqueue_raw(&mut tx, cfg, project.id, "reschedule", address, raw).await?;
    }
    let Some(version) = store::disclosure::set_schedule(
        tx.conn(),
        case.id,
        plan.disclose_at,
        &plan.zone,
        (!exploited.is_empty()).then_some(exploited),
        input.auto_publish,
        user_id,
        (from.as_str(), to.as_str()),
        now,
    )
    .await?
    else {
        return Err(super::cases::changed_meanwhile(db, case.id).await);
    };
    store::disclosure::cancel_jobs(tx.conn(), case.id, None, now).await?;
    let mut queued = Vec::new();
    if policy.announcements.pre_announce
        && before.pre_announced_at.is_none()
        && let Some(at) = plan.pre_announce_at
    {
        store::disclosure::add_job(
            tx.conn(),
            case.id,
            project.id,
            PRE_ANNOUNCE,
            at,
            version,
            now,
        )
        .await?;
        queued.push(json!({"kind": PRE_ANNOUNCE, "at": at}));
    }
    if policy.notification_list.is_some()
        && before.pre_notified_at.is_none()
        && let Some(at) = plan.pre_notify_at
    {
        store::disclosure::add_job(tx.conn(), case.id, project.id, PRE_NOTIFY, at, version, now)
            .await?;
        queued.push(json!({"kind": PRE_NOTIFY, "at": at}));
    }
    if input.auto_publish {
        store::disclosure::add_job(
            tx.conn(),
            case.id,
            project.id,
            PUBLISH,
            plan.disclose_at,
            version,
            now,
        )
        .await?;
        queued.push(json!({"kind": PUBLISH, "at": plan.disclose_at}));
    }
    for (address, raw) in &notices {
        enqueue_raw(&mut tx, cfg, project.id, "reschedule", address, raw).await?;
    }
    audit::record(
        &mut tx,
        actor,
        if before.disclose_at.is_some() {
            "case.rescheduled"
        } else {
            "case.schedule"
        },
        ("case", &case.id.to_string()),
        Some(project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "disclose_at": plan.disclose_at,
            "previous": before.disclose_at,
            "zone": plan.zone,
            "exploited_reason": (!exploited.is_empty()).then_some(exploited),
            "auto_publish": input.auto_publish,
            "jobs": queued,
            "told_again": notices.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(plan)
}

/// Withdraw the date (back to fixing); pending steps are cancelled.
pub async fn unschedule(
    db: &Db,
    case_ref: &CaseRef,
    note: &str,
) -> Result<CaseState, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let from: CaseState = case.state.parse().map_err(ServiceError::Internal)?;
    let to = from.apply(Action::Unschedule).map_err(conflict)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !store::disclosure::step(
        tx.conn(),
        case.id,
        from.as_str(),
        to.as_str(),
        Stamp::None,
        now,
    )
    .await?
    {
        return Err(ServiceError::Conflict(
            "the case changed meanwhile; reload and try again".into(),
        ));
    }
    store::disclosure::clear_schedule(tx.conn(), case.id, now).await?;
    let note = note.trim();
    audit::record(
        &mut tx,
        actor,
        "case.unschedule",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"from": from.as_str(), "to": to.as_str(), "note": (!note.is_empty()).then_some(note)}),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// What started a step.
#[derive(Clone, Copy)]
enum Trigger<'a> {
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
fn announce_addresses(policy: &Policy) -> Vec<String> {
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
fn compose_one(
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

/// A composed message and its Message-ID.
pub(crate) struct Mail {
    /// Its Message-ID (without angle brackets).
    pub(crate) message_id: String,
    /// The RFC 5322 bytes.
    pub(crate) raw: Vec<u8>,
}

async fn enqueue_raw(
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
async fn signer(
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

/// Send the public pre-announcement now (by hand).
pub async fn pre_announce_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
) -> Result<Outcome, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    pre_announce(db, cfg, actor, case_id, Trigger::Manual).await
}

/// The pre-announcement: date, approximate time and zone, severity levels and the
/// number of issues released together — nothing else.
async fn pre_announce(
    db: &Db,
    cfg: &Config,
    actor: &Actor,
    case_id: i64,
    trigger: Trigger<'_>,
) -> Result<Outcome, ServiceError> {
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = advisories::policy_for(&project)?;
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), case.id)
            .await?
            .unwrap_or_default()
    };
    let Some(disclose_at) = sched.disclose_at else {
        return Err(ServiceError::Conflict(
            "the case has no disclosure date; schedule it first".into(),
        ));
    };
    let from: CaseState = case.state.parse().map_err(ServiceError::Internal)?;
    from.apply(Action::PreAnnounce).map_err(conflict)?;
    // Every case of the project released at the same instant and not yet announced.
    let joint: Vec<(i64, CaseState, Option<String>)> = {
        let mut c = db.acquire().await?;
        store::disclosure::same_instant(c.conn(), project.id, disclose_at).await?
    }
    .into_iter()
    .filter_map(|(id, state, sev)| {
        let st: CaseState = state.parse().ok()?;
        st.apply(Action::PreAnnounce).ok().map(|_| (id, st, sev))
    })
    .collect();
    let zone = sched
        .disclose_zone
        .clone()
        .unwrap_or_else(|| policy.embargo.time_zone.clone());
    let text = pre_announcement_text(&project, &policy, cfg, disclose_at, &zone, &joint);
    let subject = format!(
        "[{}] Upcoming security release on {}",
        project.name,
        show(disclose_at, &zone)
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
    );
    let signer = signer(db, cfg, project.id, None).await.ok();
    let addresses = announce_addresses(&policy);
    let mut messages = Vec::new();
    for a in &addresses {
        messages.push((
            a.clone(),
            compose_one(
                cfg,
                &project,
                a,
                &subject,
                &text,
                vec![],
                signer.as_ref(),
                None,
            )?,
        ));
    }
    // Subscribers of the announce list get their own copy, with their unsubscribe link.
    let (link_key, subscribers) = super::announce::audience(db, project.id).await?;
    let copies = super::announce::compose_list(
        cfg,
        &project,
        &link_key,
        &subscribers,
        &subject,
        &text,
        signer.as_ref(),
    )?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok(Outcome::Skipped("another process took this job".into()));
    }
    let copies = super::announce::still_current(&mut tx, project.id, copies).await?;
    let mut stepped = 0;
    for (id, st, _) in &joint {
        let to = st.next(Action::PreAnnounce);
        if store::disclosure::step(
            tx.conn(),
            *id,
            st.as_str(),
            to.as_str(),
            Stamp::PreAnnounced,
            now,
        )
        .await?
        {
            stepped += 1;
            if *id != case.id {
                store::disclosure::cancel_jobs(tx.conn(), *id, Some(PRE_ANNOUNCE), now).await?;
            }
            for a in &addresses {
                store::disclosure::told(tx.conn(), *id, PRE_ANNOUNCE, a, None, now).await?;
            }
            audit::record(
                &mut tx,
                actor,
                "case.pre_announce",
                ("case", &id.to_string()),
                Some(project.id),
                json!({
                    "from": st.as_str(),
                    "to": to.as_str(),
                    "lists": addresses.len(),
                    "subscribers": copies.len(),
                    "issues": joint.len(),
                    "late_by_seconds": late(trigger, now),
                }),
            )
            .await?;
        }
    }
    if stepped == 0 {
        return Ok(Outcome::Skipped("the case changed meanwhile".into()));
    }
    for (a, raw) in &messages {
        enqueue_raw(&mut tx, cfg, project.id, "pre-announcement", a, raw).await?;
    }
    for (a, raw) in &copies {
        enqueue_raw(&mut tx, cfg, project.id, "pre-announcement", a, raw).await?;
    }
    tx.commit().await?;
    Ok(Outcome::Done {
        messages: messages.len() + copies.len(),
    })
}

fn late(trigger: Trigger<'_>, now: i64) -> Option<i64> {
    let l = trigger.late_by(now);
    (l > LATE_AFTER_SECONDS).then_some(l)
}

/// The pre-announcement's text: built from the date, the zone, the project's name, the
/// severity levels and the count — it has no access to any case text.
fn pre_announcement_text(
    project: &ProjectRow,
    policy: &Policy,
    cfg: &Config,
    at: i64,
    zone: &str,
    joint: &[(i64, CaseState, Option<String>)],
) -> String {
    let n = joint.len();
    let mut levels: Vec<(String, usize)> = Vec::new();
    for (_, _, sev) in joint {
        let name = sev.clone().unwrap_or_else(|| "not yet rated".into());
        match levels.iter_mut().find(|(l, _)| *l == name) {
            Some((_, c)) => *c += 1,
            None => levels.push((name, 1)),
        }
    }
    // In the policy's order (most severe first), unknown levels last.
    let rank = |l: &str| {
        policy
            .severity
            .levels
            .iter()
            .position(|x| x.name.eq_ignore_ascii_case(l))
            .unwrap_or(usize::MAX)
    };
    levels.sort_by_key(|(l, _)| rank(l));
    let severity: Vec<String> = levels
        .iter()
        .map(|(l, c)| format!("{c} {}", l.to_lowercase()))
        .collect();
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let approx = jiff::Timestamp::from_second(at)
        .map(|ts| {
            ts.to_zoned(tz)
                .strftime("%A %Y-%m-%d, around %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "The {name} security team will release security fixes on {approx} ({zone}; {utc}).\n\n\
         Number of issues: {n}\n\
         Severity: {severity}\n\n\
         The details will be published at that time at {archive}\n\
         Until then they are confidential; this notice says everything that is public.\n",
        name = project.name,
        utc = utc(at),
        severity = severity.join(", "),
        archive = cfg.link(&format!("/p/{}/advisories", project.slug)),
    )
}

/// Send the confidential pre-notification now (by hand).
pub async fn pre_notify_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
) -> Result<Outcome, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    pre_notify(db, cfg, actor, user_id, case_id, Trigger::Manual).await
}

/// One composed pre-notification.
struct Composed {
    address: String,
    member_id: i64,
    encrypted: bool,
    mail: Mail,
}

/// A member the pre-notification could not be composed for (their key cannot
/// receive mail, say). Nothing is sent to them, never in clear; the others
/// are told as usual and the team is told who was not reached and why.
struct Unreached {
    address: String,
    member_id: i64,
    reason: String,
}

async fn pre_notify(
    db: &Db,
    cfg: &Config,
    actor: &Actor,
    user_id: Option<i64>,
    case_id: i64,
    trigger: Trigger<'_>,
) -> Result<Outcome, ServiceError> {
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state.parse().map_err(ServiceError::Internal)?;
    let to = from.apply(Action::PreNotify).map_err(conflict)?;
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), case_id)
            .await?
            .unwrap_or_default()
    };
    let Some(disclose_at) = sched.disclose_at else {
        return Err(ServiceError::Conflict(
            "the case has no disclosure date; schedule it first".into(),
        ));
    };
    let signer = signer(db, cfg, src.project.id, user_id.or(sched.scheduled_by)).await?;
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), src.project.id, true).await?
    };
    let patches = super::fixes::reviewed_of(db, case_id).await?;
    let embargo_id = format!("{}-EMBARGOED-{}", src.project.slug.to_uppercase(), case_id);
    let advisory = advisories::build(cfg, &src, &embargo_id, disclose_at);
    let csaf_doc = serde_json::to_vec_pretty(&csaf::document(
        &advisory,
        csaf::Tlp::Amber,
        csaf::Status::Interim,
    ))
    .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut attachments = vec![Attachment {
        filename: format!("{embargo_id}.csaf.json"),
        content_type: "application/json".into(),
        bytes: csaf_doc,
    }];
    for p in &patches {
        attachments.push(Attachment {
            filename: format!(
                "{}-{}.patch",
                src.project.slug,
                p.branch
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")
            ),
            content_type: "text/x-diff".into(),
            bytes: p.content.clone().into_bytes(),
        });
    }
    let text = pre_notification_text(&src, &advisory, disclose_at, &patches);
    let subject = format!(
        "[{}] CONFIDENTIAL security pre-notification: disclosure {}",
        src.project.name,
        utc(disclose_at)
    );
    let (composed, unreached) = compose_all(
        cfg,
        &src.project,
        &members,
        &subject,
        &text,
        &attachments,
        &signer,
    )
    .await?;
    let team = if unreached.is_empty() {
        Vec::new()
    } else {
        super::projects::members(db, src.project.id).await?
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok(Outcome::Skipped("another process took this job".into()));
    }
    if !store::disclosure::step(
        tx.conn(),
        case_id,
        from.as_str(),
        to.as_str(),
        Stamp::PreNotified,
        now,
    )
    .await?
    {
        return Ok(Outcome::Skipped("the case changed meanwhile".into()));
    }
    for m in &composed {
        enqueue_raw(
            &mut tx,
            cfg,
            src.project.id,
            "pre-notification",
            &m.address,
            &m.mail,
        )
        .await?;
        store::disclosure::told(
            tx.conn(),
            case_id,
            PRE_NOTIFY,
            &m.address,
            Some(m.member_id),
            now,
        )
        .await?;
    }
    if !unreached.is_empty() {
        let mut notice = format!(
            "The pre-notification for case #{case_id} went to {} member(s), but could not be sent to these {}:\n\n",
            composed.len(),
            unreached.len()
        );
        for u in &unreached {
            notice.push_str(&format!(
                "  {} (member #{}): {}\n",
                u.address, u.member_id, u.reason
            ));
        }
        notice.push_str("\nNothing was sent to them, not even unencrypted. Ask them for a key that can receive encrypted mail, set it on the project's list page, and send the pre-notification again.\n");
        for m in &team {
            super::mail::enqueue(
                &mut tx,
                cfg,
                &super::mail::team_message(
                    cfg,
                    &src.project,
                    &m.email,
                    &format!(
                        "Pre-notification not delivered to {} member(s) (case #{case_id})",
                        unreached.len()
                    ),
                    notice.clone(),
                ),
                &super::mail::Protect::None,
                Some(src.project.id),
                "pre-notification-unreached",
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        "case.pre_notify",
        ("case", &case_id.to_string()),
        Some(src.project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "members": composed.len(),
            "encrypted": composed.iter().filter(|m| m.encrypted).count(),
            "unreached": unreached.iter().map(|u| json!({"member": u.member_id, "reason": u.reason})).collect::<Vec<_>>(),
            "signed_by": signer.fingerprint(),
            "patches": patches.len(),
            "late_by_seconds": late(trigger, now),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Done {
        messages: composed.len(),
    })
}

/// Compose one message per member on every core (signing and encryption are the cost).
async fn compose_all(
    cfg: &Config,
    project: &ProjectRow,
    members: &[store::members::Member],
    subject: &str,
    text: &str,
    attachments: &[Attachment],
    signer: &SecretKey,
) -> Result<(Vec<Composed>, Vec<Unreached>), ServiceError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let chunk = members.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    for part in members.chunks(chunk) {
        let part = part.to_vec();
        let (cfg, project, subject, text, attachments, signer) = (
            cfg.clone(),
            project.clone(),
            subject.to_owned(),
            text.to_owned(),
            attachments.to_vec(),
            signer.clone(),
        );
        tasks.push(tokio::task::spawn_blocking(move || {
            // One member's unusable key never stops the others' mail.
            part.iter()
                .map(|m| {
                    let composed = (|| {
                        let key = m
                            .public_key
                            .as_deref()
                            .map(|k| PublicKey::from_bytes(k.as_bytes()))
                            .transpose()?;
                        let mail = compose_one(
                            &cfg,
                            &project,
                            &m.email,
                            &subject,
                            &text,
                            attachments.clone(),
                            Some(&signer),
                            key.as_ref(),
                        )?;
                        Ok::<_, ServiceError>((key.is_some(), mail))
                    })();
                    composed
                        .map(|(encrypted, mail)| Composed {
                            address: m.email.clone(),
                            member_id: m.id,
                            encrypted,
                            mail,
                        })
                        .map_err(|e| Unreached {
                            address: m.email.clone(),
                            member_id: m.id,
                            reason: e.to_string(),
                        })
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::with_capacity(members.len());
    let mut unreached = Vec::new();
    for t in tasks {
        for r in t.await.map_err(|e| ServiceError::Internal(e.to_string()))? {
            match r {
                Ok(c) => out.push(c),
                Err(u) => unreached.push(u),
            }
        }
    }
    Ok((out, unreached))
}

fn pre_notification_text(
    src: &Sources,
    a: &Advisory,
    disclose_at: i64,
    patches: &[store::patches::PatchRow],
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "CONFIDENTIAL: {} security pre-notification\n\n\
         You receive this as a member of the {} security notification list. The issue below\n\
         is under embargo until the disclosure date: share it only with the people in your\n\
         organisation who need it to prepare updates, and do not make anything public before then.\n\n\
         Disclosure: {}\n            = {}\n\n",
        src.project.name,
        src.project.name,
        show(disclose_at, &a.zone),
        utc(disclose_at)
    ));
    out.push_str(&format!("Title: {}\n", a.title));
    if let Some(cve) = &a.cve {
        out.push_str(&format!("CVE: {cve}\n"));
    }
    if let Some(level) = &a.severity {
        out.push_str(&format!("Severity: {level}\n"));
    }
    for c in &a.cvss {
        out.push_str(&format!(
            "CVSS {}: {} ({} {})\n",
            c.version, c.vector, c.base_score, c.base_severity
        ));
    }
    if let Some(w) = &a.cwe {
        out.push_str(&format!("Weakness: CWE-{} {}\n", w.id, w.name));
    }
    let section = |out: &mut String, head: &str, body: &str| {
        if !body.trim().is_empty() {
            out.push_str(&format!(
                "\n{head}\n{}\n{}\n",
                "-".repeat(head.len()),
                body.trim()
            ));
        }
    };
    section(&mut out, "Summary", &a.summary);
    section(&mut out, "Description", &a.description);
    let assessed = super::triage::affected_of(&src.project, &src.case)
        .ok()
        .and_then(|v| v.assessment);
    let affected = match assessed {
        Some(assessment) if !assessment.supported.is_empty() => assessment
            .supported
            .iter()
            .map(|s| match &s.fixed_in {
                Some(f) => format!("- {} ({}), fixed in {f}", s.series, s.status),
                None => format!("- {} ({})", s.series, s.status),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => a
            .affected
            .iter()
            .map(|r| format!("- {}", r.describe()))
            .chain(a.affected_versions.iter().map(|v| format!("- {v}")))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    section(&mut out, "Affected supported versions", &affected);
    section(&mut out, "Fixed versions", &a.fixed.join("\n"));
    section(&mut out, "Remedy", &a.remedy);
    section(&mut out, "Workarounds", &a.workarounds);
    let patch_list: Vec<String> = patches
        .iter()
        .map(|p| {
            format!(
                "- {} ({}, +{} -{}): {}",
                p.branch, p.title, p.added, p.removed, p.files
            )
        })
        .collect();
    section(
        &mut out,
        "Patches (attached, reviewed)",
        &patch_list.join("\n"),
    );
    out.push_str(&format!(
        "\nAttached: {}.csaf.json (CSAF 2.0, TLP:AMBER)\n",
        a.id
    ));
    out
}

/// Whether a case can be published now, and if not why, in words a team member
/// acts on: the one rule the case page's button, the confirmation page and
/// publication itself all ask.
pub async fn can_publish(db: &Db, case_ref: &CaseRef) -> Result<(), ServiceError> {
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state.parse().map_err(ServiceError::Internal)?;
    if from.apply(Action::Publish).is_err() {
        return Err(ServiceError::Conflict(format!(
            "a case that is {from} cannot be published: schedule its disclosure first"
        )));
    }
    publishable(db, &src, from).await
}

async fn publishable(
    db: &Db,
    src: &advisories::Sources,
    from: CaseState,
) -> Result<(), ServiceError> {
    if from == CaseState::Fixing {
        let upstream = {
            let mut c = db.acquire().await?;
            store::upstream::of_case(c.conn(), src.case.id).await?
        };
        if upstream.and_then(|u| u.upstream_name).is_none() {
            return Err(ServiceError::Conflict(
                "schedule the disclosure first: only a case with an upstream track publishes (a workaround advisory) without a schedule".into(),
            ));
        }
        if src.draft.workarounds.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "a workaround advisory needs the workaround: fill in the advisory's workarounds"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Longest reason for publishing early (it goes into the audit trail and onto the case).
pub const MAX_EARLY_REASON: usize = 2_000;

/// What publishing a case now would do and skip: for the confirmation page,
/// and for the refusal when an early publication comes without a reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublishPlan {
    /// The scheduled disclosure instant, if any.
    pub disclose_at: Option<i64>,
    /// The date as the schedule states it (date, time and zone), if any.
    pub disclose_shown: Option<String>,
    /// Whether publishing now comes before the scheduled date.
    pub early: bool,
    /// The steps that have not happened and will not (publication ends the embargo).
    pub skipped: Vec<String>,
    /// List members not pre-notified (name, organisation), who will learn it in public.
    pub untold_members: Vec<String>,
    /// Addresses the disclosure notice goes to (announce lists).
    pub notices_to: Vec<String>,
}

/// The plan of publishing `case_id` now.
pub async fn publish_plan(db: &Db, case_ref: &CaseRef) -> Result<PublishPlan, ServiceError> {
    let case_id = case_ref.id();
    let src = advisories::sources(db, case_id).await?;
    let sched = schedule_of(db, case_ref).await?;
    let now = store::now();
    let early = sched.disclose_at.is_some_and(|at| at > now);
    let mut skipped = Vec::new();
    if src.policy.announcements.pre_announce && sched.pre_announced_at.is_none() {
        skipped.push("the pre-announcement of the date to the announce lists".to_owned());
    }
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), src.project.id, true).await?
    };
    let untold_members: Vec<String> = if sched.pre_notified_at.is_none() {
        members
            .iter()
            .map(|m| {
                if m.organisation.is_empty() {
                    m.name.clone()
                } else {
                    format!("{} ({})", m.name, m.organisation)
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    if sched.pre_notified_at.is_none()
        && (src.policy.notification_list.is_some() || !untold_members.is_empty())
    {
        skipped.push(match untold_members.len() {
            0 => "the pre-notification (the confidential list has no members yet)".to_owned(),
            n => format!("the pre-notification of the {n} member(s) of the confidential list, who get no time to prepare"),
        });
    }
    Ok(PublishPlan {
        disclose_at: sched.disclose_at,
        disclose_shown: sched
            .disclose_at
            .map(|at| show(at, sched.disclose_zone.as_deref().unwrap_or("UTC"))),
        early,
        skipped,
        untold_members,
        notices_to: announce_addresses(&src.policy),
    })
}

/// Publish now (by hand): the advisory becomes public, notices go out, the reporter is told.
/// Before the scheduled date this skips steps and tells people early: `reason`
/// is then required (it is audited and noted on the case).
pub async fn publish_now(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    reason: Option<&str>,
) -> Result<String, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_EARLY_REASON) {
        return Err(ServiceError::Invalid(format!(
            "the reason is longer than {MAX_EARLY_REASON} characters: say it in a few sentences"
        )));
    }
    let plan = publish_plan(db, case_ref).await?;
    if plan.early && reason.is_none() {
        let mut message = format!(
            "Case #{case_id} is scheduled for {}: publishing now is early",
            plan.disclose_shown.clone().unwrap_or_default()
        );
        if !plan.skipped.is_empty() {
            message.push_str(&format!(" and skips {}", plan.skipped.join(" and ")));
        }
        message.push_str(". Give the reason for publishing early.");
        return Err(ServiceError::Invalid(message));
    }
    let shown = plan.disclose_shown.clone().unwrap_or_default();
    let early = match (plan.early, reason) {
        (true, Some(r)) => Some((r, shown.as_str())),
        _ => None,
    };
    match publish(db, cfg, actor, case_id, Trigger::Manual, early).await? {
        (Outcome::Done { .. }, Some(id)) => Ok(id),
        (Outcome::Skipped(why), _) => Err(ServiceError::Conflict(why_or(why))),
        (Outcome::Done { .. }, None) => Err(ServiceError::Conflict(why_or(""))),
    }
}

fn why_or(why: impl Into<String>) -> String {
    let w = why.into();
    if w.is_empty() {
        "nothing was published".into()
    } else {
        w
    }
}

async fn publish(
    db: &Db,
    cfg: &Config,
    actor: &Actor,
    case_id: i64,
    trigger: Trigger<'_>,
    early: Option<(&str, &str)>,
) -> Result<(Outcome, Option<String>), ServiceError> {
    let src = advisories::sources(db, case_id).await?;
    let from: CaseState = src.case.state.parse().map_err(ServiceError::Internal)?;
    let to = from.apply(Action::Publish).map_err(conflict)?;
    publishable(db, &src, from).await?;
    let signer = signer(db, cfg, src.project.id, None).await.ok();
    let link_key = super::announce::link_key(db).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !trigger.finish(&mut tx, now, None).await? {
        return Ok((
            Outcome::Skipped("another process took this job".into()),
            None,
        ));
    }
    let public_id = advisories::next_public_id(&mut tx, &src.project, now).await?;
    let advisory = advisories::build(cfg, &src, &public_id, now);
    let doc =
        serde_json::to_string(&advisory).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if !store::disclosure::step(
        tx.conn(),
        case_id,
        from.as_str(),
        to.as_str(),
        Stamp::Published,
        now,
    )
    .await?
    {
        return Ok((Outcome::Skipped("the case changed meanwhile".into()), None));
    }
    store::advisories::save_draft(tx.conn(), case_id, src.project.id, &src.draft, now).await?;
    store::advisories::publish(
        tx.conn(),
        case_id,
        &public_id,
        &doc,
        (&advisory.title, &advisory.summary),
        now,
    )
    .await?;
    store::disclosure::cancel_jobs(tx.conn(), case_id, None, now).await?;
    let text = notice_text(&advisory);
    let subject = format!(
        "[{}] Security advisory {}: {}",
        src.project.name, advisory.id, advisory.title
    );
    let mut addresses = announce_addresses(&src.policy);
    for a in &src.policy.announcements.disclosure_notices_to {
        if !addresses.contains(&a.to_string()) {
            addresses.push(a.to_string());
        }
    }
    for a in &addresses {
        let raw = compose_one(
            cfg,
            &src.project,
            a,
            &subject,
            &text,
            vec![],
            signer.as_ref(),
            None,
        )?;
        enqueue_raw(&mut tx, cfg, src.project.id, "disclosure-notice", a, &raw).await?;
    }
    let subscribers = store::announce::list(tx.conn(), src.project.id, true).await?;
    for (a, raw) in &super::announce::compose_list(
        cfg,
        &src.project,
        &link_key,
        &subscribers,
        &subject,
        &text,
        signer.as_ref(),
    )? {
        enqueue_raw(&mut tx, cfg, src.project.id, "disclosure-notice", a, raw).await?;
    }
    super::cases::tell_reporter(
        &mut tx,
        cfg,
        &src.project,
        &src.case,
        &[],
        None,
        &format!(
            "The advisory for your report is now public: {}\n\nThank you for reporting it.",
            advisory.url
        ),
        &format!("Case #{}: published as {}", case_id, advisory.id),
        "published",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.publish",
        ("case", &case_id.to_string()),
        Some(src.project.id),
        json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "advisory": public_id,
            "notices": addresses.len(),
            "late_by_seconds": late(trigger, now),
            "early_reason": early.map(|(reason, _)| reason),
        }),
    )
    .await?;
    if let Some((reason, date)) = early {
        super::cases::system_note_in(
            &mut tx,
            case_id,
            &format!("Published before its scheduled date ({date}). Reason given: {reason}"),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((
        Outcome::Done {
            messages: addresses.len(),
        },
        Some(public_id),
    ))
}

/// The public disclosure notice: what the advisory page says, in short, with its link.
fn notice_text(a: &Advisory) -> String {
    let mut out = format!(
        "{} security advisory {}\n\n{}\n\n",
        a.product.name, a.id, a.title
    );
    if let Some(cve) = &a.cve {
        out.push_str(&format!("CVE: {cve}\n"));
    }
    if let Some(s) = &a.severity {
        out.push_str(&format!("Severity: {s}\n"));
    }
    for c in &a.cvss {
        out.push_str(&format!(
            "CVSS {}: {} ({})\n",
            c.version, c.vector, c.base_score
        ));
    }
    out.push_str(&format!("\n{}\n", a.summary));
    if !a.fixed.is_empty() {
        out.push_str(&format!("\nFixed in: {}\n", a.fixed.join(", ")));
    }
    if !a.workarounds.trim().is_empty() {
        out.push_str(&format!("\nWorkarounds:\n{}\n", a.workarounds.trim()));
    }
    out.push_str(&format!("\nThe full advisory: {}\n", a.url));
    out
}

/// A job that fired.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The job.
    pub job: Job,
    /// What happened (an error text when it failed and will be retried).
    pub outcome: Result<Outcome, String>,
}

/// Fire every due job (each once). A failure is retried under
/// [`RetryPolicy::DISCLOSURE_JOBS`]; after the last attempt the job has failed, and the
/// case and the team are told.
pub async fn run_due(
    db: &Db,
    cfg: &Config,
    worker: &str,
    now: i64,
) -> Result<Vec<Fired>, ServiceError> {
    let jobs = {
        let mut c = db.acquire().await?;
        store::disclosure::claim(c.conn(), worker, now, now + LEASE_SECONDS, 20).await?
    };
    let mut fired = Vec::new();
    for job in jobs {
        let outcome = run_one(db, cfg, worker, &job).await;
        if let Err(e) = &outcome {
            let error = e.to_string();
            let next =
                RetryPolicy::DISCLOSURE_JOBS.after_failure(job.attempts, false, store::now());
            let retry_at = match next {
                Next::RetryAt(t) => {
                    tracing::warn!(job = job.id, case = job.case_id, kind = %job.kind, attempts = job.attempts, %error, retry_in = t - store::now(), "disclosure step failed; will retry");
                    Some(t)
                }
                Next::GiveUp => {
                    tracing::error!(job = job.id, case = job.case_id, kind = %job.kind, attempts = job.attempts, %error, "disclosure step failed for good; the team is told");
                    None
                }
            };
            {
                let mut c = db.acquire().await?;
                store::disclosure::failed(c.conn(), job.id, worker, &error, retry_at).await?;
            }
            if retry_at.is_none() {
                tell_team_step_failed(db, cfg, &job, &error).await?;
            }
        } else {
            let late_by = (store::now() - job.due_at).max(0);
            if late_by > LATE_AFTER_SECONDS {
                tracing::warn!(job = job.id, case = job.case_id, kind = %job.kind, late_by, "disclosure step fired late (no Embargo process was running at its time)");
            } else {
                tracing::info!(job = job.id, case = job.case_id, kind = %job.kind, "disclosure step fired");
            }
        }
        fired.push(Fired {
            job,
            outcome: outcome.map_err(|e| e.to_string()),
        });
    }
    Ok(fired)
}

/// A step failed for good: a note on the case and a mail to every team member, saying
/// what did not happen and what to do (nothing is retried any more).
async fn tell_team_step_failed(
    db: &Db,
    cfg: &Config,
    job: &Job,
    error: &str,
) -> Result<(), ServiceError> {
    let step = match job.kind.as_str() {
        PRE_ANNOUNCE => "pre-announcement",
        PRE_NOTIFY => "pre-notification",
        PUBLISH => "publication",
        other => other,
    };
    let (project, team) = {
        let mut c = db.acquire().await?;
        let project = store::projects::by_id(c.conn(), job.project_id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("project {}", job.project_id)))?;
        let team = store::projects::members(c.conn(), job.project_id).await?;
        (project, team)
    };
    let patience = RetryPolicy::DISCLOSURE_JOBS.patience() / 60;
    let text = format!(
        "The scheduled {step} of case #{case} did not happen: it failed {attempts} times over about {patience} minutes, and Embargo has stopped trying.\n\nLast error: {error}\n\nFix the cause, then take the step by hand from the case page (or `embargo advisory {cmd} {case}` on the server), or schedule the case again.",
        case = job.case_id,
        attempts = job.attempts,
        cmd = job.kind,
    );
    let mut tx = db.begin().await?;
    super::cases::system_note_in(&mut tx, job.case_id, &text, None).await?;
    for m in &team {
        let link = cfg.link(&format!("/team/cases/{}", job.case_id));
        super::mail::enqueue(
            &mut tx,
            cfg,
            &super::mail::team_message(
                cfg,
                &project,
                &m.email,
                &format!("The scheduled {step} of case #{} failed", job.case_id),
                format!("{text}\n\n{link}\n"),
            ),
            &super::mail::Protect::None,
            Some(project.id),
            "team-notification",
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &Actor::System,
        "disclosure.step_failed",
        ("case", &job.case_id.to_string()),
        Some(job.project_id),
        json!({"job": job.id, "kind": job.kind, "attempts": job.attempts, "error": error}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn run_one(db: &Db, cfg: &Config, worker: &str, job: &Job) -> Result<Outcome, ServiceError> {
    let sched = {
        let mut c = db.acquire().await?;
        store::disclosure::schedule_of(c.conn(), job.case_id)
            .await?
            .unwrap_or_default()
    };
    if sched.schedule_version != job.schedule_version {
        let mut c = db.acquire().await?;
        store::disclosure::finish(
            c.conn(),
            job.id,
            worker,
            "cancelled",
            store::now(),
            0,
            Some("the schedule changed"),
        )
        .await?;
        return Ok(Outcome::Skipped("the schedule changed".into()));
    }
    let trigger = Trigger::Job(job, worker);
    let actor = Actor::System;
    let result = match job.kind.as_str() {
        PRE_ANNOUNCE => pre_announce(db, cfg, &actor, job.case_id, trigger).await,
        PRE_NOTIFY => pre_notify(db, cfg, &actor, None, job.case_id, trigger).await,
        PUBLISH => publish(db, cfg, &actor, job.case_id, trigger, None)
            .await
            .map(|(o, _)| o),
        other => Err(ServiceError::Internal(format!(
            "unknown job kind `{other}`"
        ))),
    };
    match result {
        // The case can no longer take this step (published by hand, unscheduled …): done with it.
        Err(ServiceError::Conflict(why))
            if !why.starts_with("no key") && !why.starts_with("signing needs") =>
        {
            let mut c = db.acquire().await?;
            store::disclosure::finish(
                c.conn(),
                job.id,
                worker,
                "cancelled",
                store::now(),
                0,
                Some(&why),
            )
            .await?;
            Ok(Outcome::Skipped(why))
        }
        other => other,
    }
}

/// Jobs for `embargo schedule list` and the case page.
pub async fn jobs(
    db: &Db,
    project: Option<&str>,
    case_id: Option<i64>,
    all: bool,
) -> Result<Vec<Job>, ServiceError> {
    let project_id = match project {
        Some(slug) => Some(super::projects::find(db, slug).await?.id),
        None => None,
    };
    let mut c = db.acquire().await?;
    Ok(store::disclosure::jobs(c.conn(), project_id, case_id, all).await?)
}

/// A case's schedule columns.
pub async fn schedule_of(
    db: &Db,
    case_ref: &CaseRef,
) -> Result<store::disclosure::Schedule, ServiceError> {
    let case_id = case_ref.id();
    let mut c = db.acquire().await?;
    Ok(store::disclosure::schedule_of(c.conn(), case_id)
        .await?
        .unwrap_or_default())
}
