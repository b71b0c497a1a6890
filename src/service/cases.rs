//! Cases: taking in a report (web form or mail), the acknowledgement, the
//! team's notifications, the reporter's thread, team notes, and spam.
//!
//! Invariants: a case and everything it causes (messages, attachments, the
//! acknowledgement and notification mail, audit events) commit in one
//! transaction. Team notes never reach the reporter: they are stored with
//! visibility `team`, and every reporter-facing read asks for `thread` only.
//! Team notification mail carries report text only when encrypted to the
//! member's key; otherwise it carries a link.

use super::mail::{Protect, enqueue};
use super::{CaseRef, ServiceError, audit, keys};
use crate::auth::secret;
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::case::{Action, CaseState};
use crate::domain::policy::{AckMode, Policy};
use crate::domain::report::{self, NewReport, Violation};
use crate::mail::compose::Outgoing;
use crate::pgp::{PublicKey, SecretKey};
use crate::store::{self, Db, Tx, case_state::Beside, cases::CaseRow, projects::ProjectRow};
use crate::vault::Vault;
use askama::Template;
use serde_json::json;

/// Why a report was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// It breaks the policy's report rules.
    #[error("the report breaks the project's rules")]
    Rules(Vec<Violation>),
    /// The reporter is banned from this project.
    #[error("reports from this address are not accepted by this project")]
    Banned,
    /// Too many reports from this address, or overall.
    #[error("too many reports in the last hour; please try again later")]
    RateLimited,
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<store::StoreError> for IntakeError {
    fn from(e: store::StoreError) -> Self {
        Self::Service(e.into())
    }
}

/// Where a report came from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The web form, from this client address, counted by this process's limiter.
    Web {
        /// Client address.
        ip: String,
        /// The form's rate limiter.
        limiter: std::sync::Arc<super::rate::RateLimiter>,
    },
    /// A mail with this Message-ID.
    Mail {
        /// Its Message-ID.
        message_id: Option<String>,
        /// The sender's display name.
        from_name: Option<String>,
        /// Whether the report is bound to its sender (see
        /// [`crate::mail::inbound::Inbound::sender_bound`]). An unbound sender
        /// gets an acknowledgement without content or link.
        bound: bool,
        /// The signature as found ("signed by 0x… (alice@…)"), if signed.
        signature: Option<String>,
        /// Where the reporter's key came from (the report's `public_key`), and
        /// whether it names the sender's address.
        key_note: Option<String>,
    },
}

/// A new case and the secret of its private link (shown once).
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Case id.
    pub case_id: i64,
    /// The case link secret: `/c/{token}`.
    pub token: String,
}

/// Everything mail needs to know about a project.
struct Sender<'a> {
    cfg: &'a Config,
    project: &'a ProjectRow,
}

impl Sender<'_> {
    fn from(&self) -> String {
        format!(
            "{} security team <{}>",
            self.project.name.replace(['<', '>', '"'], ""),
            self.cfg.mail_from
        )
    }

    fn reply_address(&self, reply_token: &str) -> String {
        let addr = self.cfg.mail_from.as_str();
        let (local, domain) = addr.split_once('@').unwrap_or((addr, "localhost"));
        format!("{local}+{reply_token}@{domain}")
    }
}

#[derive(Template)]
#[template(path = "email/acknowledgement/body.txt")]
struct AckBody<'a> {
    name: Option<&'a str>,
    project: &'a str,
    case_id: i64,
    decide: Option<String>,
    target_fix: Option<String>,
    disclose: Option<String>,
    /// Automatic acknowledgement and the policy's promise of a personal reply within this.
    personal_within: Option<String>,
    /// The disclosure process in one line (the policy's announcement lead), if it has one.
    announce_lead: Option<String>,
    /// How to ask for credit (`None`: the project never credits reporters).
    credit: Option<&'static str>,
    confidential: bool,
    link: String,
}

/// What the acknowledgement says about credit, by the policy's rule.
fn credit_line(rule: crate::domain::policy::CreditReporter) -> Option<&'static str> {
    use crate::domain::policy::CreditReporter;
    match rule {
        CreditReporter::Never => None,
        CreditReporter::IfWished => Some(
            "If you would like to be credited in the advisory, reply with a line\n  \"Credit: Your Name\" (or say so on your case page).",
        ),
        CreditReporter::Always => Some(
            "The advisory credits the reporter. To choose the name, reply with a line\n  \"Credit: Your Name\" (or say so on your case page).",
        ),
    }
}

#[derive(Template)]
#[template(path = "email/new_report/body.txt")]
struct NewReportBody<'a> {
    reply: bool,
    project: &'a str,
    case_id: i64,
    text: Option<&'a str>,
    link: String,
}

#[derive(Template)]
#[template(path = "email/team_reply/body.txt")]
struct TeamReplyBody<'a> {
    text: &'a str,
    project: &'a str,
    link: String,
}

#[derive(Template)]
#[template(path = "email/refusal/body.txt")]
struct RefusalBody<'a> {
    project: &'a str,
    reasons: Vec<String>,
    resend: bool,
}

use super::mail::render;

/// What a team notification is about.
struct Notice<'a> {
    case_id: i64,
    text: &'a str,
    reply: bool,
}

/// The project's team as notifications need it, read before the write transaction so the
/// write lock is held for statements only (no key parsing or unsealing under it).
struct Team {
    members: Vec<(String, Option<PublicKey>)>,
    signer: Option<SecretKey>,
}

impl Team {
    async fn load(db: &Db, vault: Option<&Vault>, project_id: i64) -> Result<Self, ServiceError> {
        let mut members = Vec::new();
        {
            let mut c = db.acquire().await?;
            for m in store::projects::members(c.conn(), project_id).await? {
                let key = match store::keys::current(c.conn(), store::keys::Owner::User(m.user_id))
                    .await?
                {
                    Some(row) => PublicKey::from_bytes(row.public_key.as_bytes())
                        .ok()
                        .filter(|k| k.info().can_encrypt),
                    None => None,
                };
                members.push((m.email, key));
            }
        }
        // The project key signs only encrypted notifications: unseal it only when one is sent.
        let signer = match vault {
            Some(v) if members.iter().any(|(_, k)| k.is_some()) => {
                keys::project_signing_key(db, v, project_id)
                    .await
                    .ok()
                    .flatten()
            }
            _ => None,
        };
        Ok(Self { members, signer })
    }
}

/// Notify every team member of a new report or reply, in the caller's transaction.
async fn notify_team(
    tx: &mut Tx,
    cfg: &Config,
    project: &ProjectRow,
    team: &Team,
    notice: Notice<'_>,
) -> Result<(), ServiceError> {
    let Notice {
        case_id,
        text,
        reply,
    } = notice;
    let link = cfg.link(&format!("/team/cases/{case_id}"));
    for (email, member_key) in &team.members {
        let body = render(&NewReportBody {
            reply,
            project: &project.name,
            case_id,
            text: member_key.as_ref().map(|_| text),
            link: link.clone(),
        })?;
        let kind = if reply { "New message" } else { "New report" };
        let msg = Outgoing {
            from: Sender { cfg, project }.from(),
            to: vec![email.clone()],
            subject: format!("[{}] {kind} in case #{case_id}", project.name),
            text: body,
            message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
            in_reply_to: None,
            reply_to: None,
            list: None,
            attachments: Vec::new(),
        };
        let protect = match member_key {
            Some(k) => Protect::Encrypt {
                recipients: vec![k.clone()],
                signer: team.signer.clone(),
            },
            None => Protect::None,
        };
        enqueue(
            tx,
            cfg,
            &msg,
            &protect,
            Some(project.id),
            "team-notification",
        )
        .await?;
    }
    Ok(())
}

/// Take in a report: check the policy's rules, create the case, acknowledge, notify the team.
pub async fn submit(
    db: &Db,
    cfg: &Config,
    vault: Option<&Vault>,
    project: &ProjectRow,
    policy: &Policy,
    r: &NewReport,
    source: Source,
) -> Result<Submitted, IntakeError> {
    // The rate limit comes before any work on the input (F3: a hostile key
    // must not reach the OpenPGP parser unmetered).
    if let Source::Web { ip, limiter } = &source {
        match limiter.admit_report(
            ip,
            store::now(),
            cfg.reports_per_ip_per_hour,
            cfg.reports_per_hour,
        ) {
            super::rate::Admission::Admitted => {}
            super::rate::Admission::OverTotal => tracing::warn!(
                limit = cfg.reports_per_hour,
                "more web reports this hour than reports_per_hour: taken in, but look for a flood"
            ),
            super::rate::Admission::Refused => return Err(IntakeError::RateLimited),
        }
    }
    let violations = report::check(policy, r);
    if !violations.is_empty() {
        return Err(IntakeError::Rules(violations));
    }
    let reporter_key = if r.public_key.trim().is_empty() {
        None
    } else {
        match super::keys::inspect_recipient_untrusted(r.public_key.as_bytes().to_vec()).await {
            Ok((k, _)) => Some(k),
            Err(ServiceError::Invalid(e)) => {
                return Err(IntakeError::Rules(vec![Violation {
                    field: "public_key",
                    message: format!(
                        "Your OpenPGP key cannot be used for encrypted replies: {e}. Fix it or leave the field empty."
                    ),
                }]));
            }
            Err(e) => return Err(IntakeError::Service(e)),
        }
    };
    // The address in its normal form (lower case, an international domain in ASCII).
    let email = r
        .email
        .trim()
        .parse::<crate::domain::email::EmailAddress>()
        .ok()
        .map(|e| e.to_string());
    let now = store::now();
    {
        let mut c = db.acquire().await?;
        let fingerprint = reporter_key.as_ref().map(|k| k.info().fingerprint);
        let by_address = match &email {
            Some(e) => store::cases::is_banned(c.conn(), project.id, e).await?,
            None => false,
        };
        let by_key = match &fingerprint {
            Some(f) => store::conduct::key_banned(c.conn(), project.id, f).await?,
            None => false,
        };
        if by_address || by_key {
            drop(c);
            let mut tx = db.begin().await?;
            audit::record(
                &mut tx,
                &Actor::Anonymous,
                "case.refused_banned",
                ("project", &project.slug),
                Some(project.id),
                json!({"email": email, "key": fingerprint, "by": if by_address { "address" } else { "key" }}),
            )
            .await?;
            tx.commit().await?;
            return Err(IntakeError::Banned);
        }
    }

    let automatic_ack = policy.process.acknowledgement == AckMode::Automatic;
    let token = secret::random_token(32);
    let reply_token = secret::random_token(12)
        .replace(['-', '_'], "x")
        .to_lowercase();
    let (source_name, source_message_id, from_name, bound, signature, key_note) = match &source {
        Source::Web { .. } => ("web", None, None, true, None, None),
        Source::Mail {
            message_id,
            from_name,
            bound,
            signature,
            key_note,
        } => (
            "mail",
            message_id.clone(),
            from_name.clone(),
            *bound,
            signature.clone(),
            key_note.clone(),
        ),
    };
    let text = report::as_text(r);
    let reporter_key_armored = match &reporter_key {
        Some(k) => Some(k.to_armored().map_err(ServiceError::from)?),
        None => None,
    };
    let team = Team::load(db, vault, project.id).await?;
    let mut tx = db.begin().await?;
    let case_id = store::cases::insert(
        tx.conn(),
        &store::cases::NewCase {
            project_id: project.id,
            state: if automatic_ack {
                CaseState::Acknowledged.as_str()
            } else {
                CaseState::Received.as_str()
            },
            summary: r.summary.trim(),
            reporter_email: email.as_deref(),
            reporter_name: from_name.as_deref(),
            reporter_key: reporter_key_armored.as_deref(),
            wants_credit: r.wants_credit,
            credit_as: (!r.credit_as.trim().is_empty()).then(|| r.credit_as.trim()),
            token_hash: &secret::digest(&token),
            reply_token_hash: &secret::digest(&reply_token),
            source: source_name,
            source_message_id: source_message_id.as_deref(),
            received_at: now,
            acknowledge_due_at: policy.clocks.acknowledge.map(|d| now + d.as_seconds_i64()),
            acknowledged_at: automatic_ack.then_some(now),
            reporter_bound: bound,
            signature: signature.as_deref(),
            reporter_key_note: reporter_key_armored.as_ref().and(key_note.as_deref()).or(
                reporter_key_armored
                    .as_ref()
                    .map(|_| "given on the report form"),
            ),
            decide_due_at: policy.clocks.decide.map(|d| now + d.as_seconds_i64()),
            disclosure_due_at: policy
                .clocks
                .reporter_may_disclose_after
                .map(|d| now + d.as_seconds_i64()),
        },
    )
    .await
    .map_err(taken_before)?;
    let first = store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id,
            author: "reporter",
            author_user_id: None,
            visibility: "thread",
            body: &text,
            message_id: source_message_id.as_deref(),
        },
        now,
    )
    .await?;
    for f in r.files.iter().chain(&r.client_parts) {
        if f.bytes.is_empty() && f.filename.is_empty() {
            continue;
        }
        store::cases::add_attachment(
            tx.conn(),
            case_id,
            Some(first),
            &f.filename,
            &f.content_type,
            &f.bytes,
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "case.received",
        ("case", &case_id.to_string()),
        Some(project.id),
        json!({"source": source_name, "attachments": r.files.len(), "acknowledged_automatically": automatic_ack}),
    )
    .await?;

    if automatic_ack {
        let target = AckTarget {
            case_id,
            name: from_name.as_deref(),
            email: email.as_deref(),
            reporter_key: reporter_key.as_ref(),
            in_reply_to: source_message_id.as_deref(),
            // Only a sender bound to the report gets its link (F2).
            link: bound.then(|| cfg.link(&format!("/c/{token}"))),
            reply_token: &reply_token,
            bound,
        };
        send_acknowledgement(&mut tx, cfg, project, policy, &target, None, None).await?;
    }
    notify_team(
        &mut tx,
        cfg,
        project,
        &team,
        Notice {
            case_id,
            text: &text,
            reply: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Submitted { case_id, token })
}

/// The case behind a private link (`None` for an unknown token).
pub async fn by_link(db: &Db, token: &str) -> Result<Option<CaseRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::cases::by_token_hash(c.conn(), &secret::digest(token)).await?)
}

/// The case row alone (no thread): for changes that need only the case.
pub(super) async fn case_row(db: &Db, case_id: i64) -> Result<CaseRow, ServiceError> {
    let mut c = db.acquire().await?;
    store::cases::by_id(c.conn(), case_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("case #{case_id}")))
}

/// What the reporter may see of a case: its thread, without team notes.
pub async fn reporter_thread(
    db: &Db,
    case_id: i64,
) -> Result<Vec<store::cases::MessageRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::cases::messages(c.conn(), case_id, true).await?)
}

/// What the reporter's page shows of their case besides the thread: their attachments,
/// and what the team has set that the reporter may know — the CVE ID, the disclosure date
/// (in the schedule's zone), the advisory once published — and whether the team has
/// written to them yet (a person, not the automatic acknowledgement).
#[derive(Debug, Clone, Default)]
pub struct ReporterFacts {
    /// (file name, media type, size in bytes).
    pub attachments: Vec<(String, String, i64)>,
    /// The CVE ID, once assigned.
    pub cve: Option<String>,
    /// The planned disclosure, in its zone.
    pub disclose: Option<String>,
    /// The team has written in the thread.
    pub team_spoke: bool,
    /// The severity as the team rated it, when the team shares it.
    pub severity: Option<String>,
    /// The team shares how the reporter will be credited.
    pub credit: bool,
}

/// The facts for `case` (reached only through its private link: `by_link`).
pub async fn reporter_facts(db: &Db, case: &CaseRow) -> Result<ReporterFacts, ServiceError> {
    let mut c = db.acquire().await?;
    let attachments = store::cases::attachments(c.conn(), case.id)
        .await?
        .into_iter()
        .map(|a| (a.filename, a.content_type, a.size))
        .collect();
    let schedule = store::disclosure::schedule_of(c.conn(), case.id)
        .await?
        .unwrap_or_default();
    let team_spoke = store::cases::messages(c.conn(), case.id, true)
        .await?
        .iter()
        .any(|m| m.author == "team");
    let zone = schedule
        .disclose_zone
        .clone()
        .unwrap_or_else(|| "UTC".into());
    let shown = crate::domain::reporter_view::Shown::from_stored(case.reporter_sees.as_deref());
    use crate::domain::reporter_view::Fact;
    let scores: Vec<String> = [case.cvss4.as_deref(), case.cvss3.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|v| crate::domain::cvss::parse(v).ok())
        .map(|v| format!("CVSS {} {}", v.version(), v.summary().score))
        .collect();
    let severity = match (&case.severity, scores.is_empty()) {
        (None, true) => None,
        (Some(l), true) => Some(l.clone()),
        (None, false) => Some(scores.join(", ")),
        (Some(l), false) => Some(format!("{l} ({})", scores.join(", "))),
    };
    Ok(ReporterFacts {
        attachments,
        cve: schedule.cve_id.filter(|_| shown.shows(Fact::Cve)),
        disclose: schedule
            .disclose_at
            .filter(|_| shown.shows(Fact::Date))
            .map(|t| super::disclosure::show(t, &zone)),
        team_spoke,
        severity: severity.filter(|_| shown.shows(Fact::Severity)),
        credit: shown.shows(Fact::Credit),
    })
}

/// The team chooses what the reporter's page shows of the case (see `domain::reporter_view`).
pub async fn set_reporter_sees(
    db: &Db,
    case_ref: &CaseRef,
    facts: &[crate::domain::reporter_view::Fact],
) -> Result<(), ServiceError> {
    let shown = crate::domain::reporter_view::Shown::of(facts);
    let mut tx = db.begin().await?;
    store::cases::set_reporter_sees(tx.conn(), case_ref.id(), &shown.to_stored()).await?;
    audit::record(
        &mut tx,
        case_ref.actor(),
        "case.reporter_view_set",
        ("case", &case_ref.id().to_string()),
        Some(case_ref.project_id()),
        json!({"shown": shown.to_stored()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything the team sees of a case.
pub async fn team_view(
    db: &Db,
    case_ref: &CaseRef,
) -> Result<
    (
        CaseRow,
        Vec<store::cases::MessageRow>,
        Vec<store::cases::AttachmentRow>,
    ),
    ServiceError,
> {
    let case_id = case_ref.id();
    let mut c = db.acquire().await?;
    let case = store::cases::by_id(c.conn(), case_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("case #{case_id}")))?;
    let messages = store::cases::messages(c.conn(), case_id, false).await?;
    let attachments = store::cases::attachments(c.conn(), case_id).await?;
    Ok((case, messages, attachments))
}

fn check_text(text: &str) -> Result<&str, ServiceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::Invalid("the message is empty".into()));
    }
    if t.len() > 256 * 1024 {
        return Err(ServiceError::Invalid(
            "the message is longer than 256 KiB".into(),
        ));
    }
    Ok(t)
}

/// The reporter adds to the thread (case page or mail).
pub async fn reporter_reply(
    db: &Db,
    cfg: &Config,
    vault: Option<&Vault>,
    case: &CaseRow,
    text: &str,
    message_id: Option<&str>,
    bound: bool,
) -> Result<i64, ServiceError> {
    let text = check_text(text)?;
    let project = project_of(db, case).await?;
    let team = Team::load(db, vault, project.id).await?;
    let now = store::now();
    let mut tx = db.begin().await?;
    // Decrypted text not bound to its sender is the team's only (F2): it never
    // appears on the reporter's page.
    let id = store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: case.id,
            author: "reporter",
            author_user_id: None,
            visibility: if bound { "thread" } else { "team" },
            body: text,
            message_id,
        },
        now,
    )
    .await
    .map_err(taken_before)?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "case.reporter_replied",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"via": if message_id.is_some() { "mail" } else { "web" }, "bound": bound}),
    )
    .await?;
    notify_team(
        &mut tx,
        cfg,
        &project,
        &team,
        Notice {
            case_id: case.id,
            text,
            reply: true,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn project_of(db: &Db, case: &CaseRow) -> Result<ProjectRow, ServiceError> {
    super::projects::by_id(db, case.project_id).await
}

/// A team member answers the reporter: stored in the thread and mailed (encrypted to the reporter's key when known).
pub async fn team_reply(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    text: &str,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let text = check_text(text)?;
    let (case, messages, _) = team_view(db, case_ref).await?;
    let project = project_of(db, &case).await?;
    let mut tx = db.begin().await?;
    tell_reporter(
        &mut tx,
        cfg,
        &project,
        &case,
        &messages,
        user_id,
        text,
        &format!("Re: case #{}", case.id),
        "team-reply",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.team_replied",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"mailed": case.reporter_email.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Add a message to the reporter's thread and mail it to them (encrypted to their key
/// when known), in the caller's transaction. `user_id` is the team member writing, or
/// `None` for a message Embargo writes.
#[allow(clippy::too_many_arguments)]
pub(super) async fn tell_reporter(
    tx: &mut Tx,
    cfg: &Config,
    project: &ProjectRow,
    case: &CaseRow,
    messages: &[store::cases::MessageRow],
    user_id: Option<i64>,
    text: &str,
    subject: &str,
    purpose: &str,
) -> Result<(), ServiceError> {
    let message_id = crate::mail::new_message_id(cfg.mail_from.domain());
    store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: case.id,
            author: if user_id.is_some() { "team" } else { "system" },
            author_user_id: user_id,
            visibility: "thread",
            body: text,
            message_id: Some(&message_id),
        },
        store::now(),
    )
    .await?;
    let Some(to) = &case.reporter_email else {
        return Ok(());
    };
    let last = messages
        .iter()
        .rev()
        .find(|m| m.visibility == "thread")
        .and_then(|m| m.message_id.clone());
    let reply_token = secret::random_token(12)
        .replace(['-', '_'], "x")
        .to_lowercase();
    // A fresh reply address per mail: the old ones keep working only through In-Reply-To.
    store::cases::set_reply_token(tx.conn(), case.id, &secret::digest(&reply_token)).await?;
    let sender = Sender { cfg, project };
    let msg = Outgoing {
        from: sender.from(),
        to: vec![to.clone()],
        subject: format!("[{}] {subject}", project.name),
        text: render(&TeamReplyBody {
            text,
            project: &project.name,
            link: case_page_hint(case.reporter_bound).into(),
        })?,
        message_id,
        in_reply_to: last,
        reply_to: Some(sender.reply_address(&reply_token)),
        list: None,
        attachments: Vec::new(),
    };
    let protect = match case
        .reporter_key
        .as_deref()
        .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok())
    {
        Some(k) => Protect::Encrypt {
            recipients: vec![k],
            signer: None,
        },
        None => Protect::None,
    };
    enqueue(tx, cfg, &msg, &protect, Some(project.id), purpose).await?;
    Ok(())
}

/// Where the reporter finds their case page, for the foot of a mail to them. Only the
/// link's hash is stored, so the mail says where the link is (never a placeholder);
/// a sender not yet confirmed as the report's author has not been given one (F2).
fn case_page_hint(bound: bool) -> &'static str {
    if bound {
        "the private link in our first message to you (keep it secret); or reply to this mail"
    } else {
        "we send you its private link once we have confirmed the report is yours; until then, reply to this mail"
    }
}

/// The team confirms that the sender of an encrypted report not bound to its
/// sender (F2) did write it — by a reply, a call, a signed follow-up — and
/// sends them the case's private link (a new one), encrypted when their key
/// is known. Until then the sender has neither the link nor any content.
pub async fn confirm_reporter(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let (case, messages, _) = team_view(db, case_ref).await?;
    if case.reporter_bound {
        return Err(ServiceError::Conflict(
            "the reporter of this case already has their link".into(),
        ));
    }
    if case.reporter_email.is_none() {
        return Err(ServiceError::Conflict(
            "the report has no sender address to send the link to".into(),
        ));
    }
    let project = project_of(db, &case).await?;
    let policy = super::projects::policy_of(&project)?
        .ok_or_else(|| ServiceError::Conflict("the project has no policy".into()))?;
    let reporter_key = case
        .reporter_key
        .as_deref()
        .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok());
    let token = secret::random_token(32);
    let reply_token = secret::random_token(12)
        .replace(['-', '_'], "x")
        .to_lowercase();
    let first_mail = messages.first().and_then(|m| m.message_id.clone());
    let mut tx = db.begin().await?;
    if !store::cases::bind_reporter(tx.conn(), case.id, &secret::digest(&token)).await? {
        return Err(ServiceError::Conflict(
            "the case changed meanwhile: the reporter already has their link".into(),
        ));
    }
    store::cases::set_reply_token(tx.conn(), case.id, &secret::digest(&reply_token)).await?;
    let target = AckTarget {
        case_id: case.id,
        name: case.reporter_name.as_deref(),
        email: case.reporter_email.as_deref(),
        reporter_key: reporter_key.as_ref(),
        in_reply_to: first_mail.as_deref(),
        link: Some(cfg.link(&format!("/c/{token}"))),
        reply_token: &reply_token,
        bound: true,
    };
    send_acknowledgement(
        &mut tx,
        cfg,
        &project,
        &policy,
        &target,
        Some("The security team has confirmed that this report is yours. From now on you can follow it at its private link."),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.reporter_confirmed",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"by": user_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A copy of an encrypted report that `sender` sent after someone else: a
/// team-only note on the first case and an audit event; nothing to the sender.
pub(super) async fn forwarded_copy(
    db: &Db,
    case_id: i64,
    sender: &str,
    message_id: Option<&str>,
) -> Result<(), ServiceError> {
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    system_note_in(
        &mut tx,
        case.id,
        &format!(
            "A copy of encrypted content that this case's reporter sent (and is confirmed to have written) arrived from {sender}. It was not taken in as a report and nothing was sent to {sender}: someone may have forwarded or intercepted the reporter's mail."
        ),
        message_id,
    )
    .await
    .map_err(taken_before)?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "intake.forwarded_copy",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"sender": sender}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A note by Embargo itself, for the team only.
pub(super) async fn system_note(db: &Db, case_id: i64, text: &str) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    system_note_in(&mut tx, case_id, text, None).await?;
    tx.commit().await?;
    Ok(())
}

/// [`system_note`] inside the caller's transaction (with the Message-ID of the
/// mail it records, if any).
pub(super) async fn system_note_in(
    tx: &mut Tx,
    case_id: i64,
    text: &str,
    message_id: Option<&str>,
) -> Result<i64, store::StoreError> {
    store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id,
            author: "system",
            author_user_id: None,
            visibility: "team",
            body: text,
            message_id,
        },
        store::now(),
    )
    .await
}

/// A mail's Message-ID already stored (a case or a thread message) is a
/// repeated delivery: a conflict the ingest treats as "taken in before".
fn taken_before(e: store::StoreError) -> ServiceError {
    match e {
        store::StoreError::Conflict => {
            ServiceError::Conflict("this mail was already taken in".into())
        }
        other => other.into(),
    }
}

/// A team-only note: never shown or mailed to the reporter.
pub async fn team_note(db: &Db, case_ref: &CaseRef, text: &str) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let text = check_text(text)?;
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: case.id,
            author: "team",
            author_user_id: user_id,
            visibility: "team",
            body: text,
            message_id: None,
        },
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.note_added",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refusal mails one address may receive per hour.
pub const REFUSALS_PER_ADDRESS_PER_HOUR: i64 = 3;

/// Tell a sender why their mail was not taken in (never for spam or banned reporters' repeats),
/// at most [`REFUSALS_PER_ADDRESS_PER_HOUR`] times an hour.
pub async fn refuse_by_mail(
    db: &Db,
    cfg: &Config,
    project: &ProjectRow,
    to: &str,
    in_reply_to: Option<&str>,
    reasons: Vec<String>,
    resend: bool,
) -> Result<(), ServiceError> {
    // A sender address can be forged: refusals to one address are limited, so
    // Embargo cannot be made to mail someone over and over (F15), and the audit
    // trail does not grow without bound (F11).
    let recent = {
        let mut c = db.acquire().await?;
        store::outbox::count_to(c.conn(), "refusal", to, store::now() - 3600).await?
    };
    if recent >= REFUSALS_PER_ADDRESS_PER_HOUR {
        tracing::info!(project = %project.slug, "refusal not mailed: the address had {recent} this hour");
        return Ok(());
    }
    // A reason quotes parser errors, which hostile input can make long.
    let reasons: Vec<String> = reasons
        .into_iter()
        .map(|r| match r.char_indices().nth(600) {
            Some((cut, _)) => format!("{}…", &r[..cut]),
            None => r,
        })
        .collect();
    let sender = Sender { cfg, project };
    let msg = Outgoing {
        from: sender.from(),
        to: vec![to.to_owned()],
        subject: format!("[{}] Your message could not be accepted", project.name),
        text: render(&RefusalBody {
            project: &project.name,
            reasons: reasons.clone(),
            resend,
        })?,
        message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
        in_reply_to: in_reply_to.map(str::to_owned),
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    };
    let mut tx = db.begin().await?;
    enqueue(
        &mut tx,
        cfg,
        &msg,
        &Protect::None,
        Some(project.id),
        "refusal",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::System,
        "intake.refused",
        ("project", &project.slug),
        Some(project.id),
        json!({"to": to, "reasons": reasons}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuse reports from an address in this project (strikes come with triage).
pub async fn ban(
    db: &Db,
    project_ref: &super::ProjectRef,
    email: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let (actor, project) = (project_ref.actor(), project_ref.row());
    let mut tx = db.begin().await?;
    store::cases::ban(
        tx.conn(),
        project.id,
        &email.to_lowercase(),
        reason,
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "reporter.banned",
        ("project", &project.slug),
        Some(project.id),
        json!({"email": email, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who an acknowledgement goes to.
struct AckTarget<'a> {
    case_id: i64,
    name: Option<&'a str>,
    email: Option<&'a str>,
    reporter_key: Option<&'a PublicKey>,
    in_reply_to: Option<&'a str>,
    /// The case link, when the reporter has not seen it yet.
    link: Option<String>,
    reply_token: &'a str,
    /// Whether the reporter is bound to the report (else no link, and the text says why).
    bound: bool,
}

/// Write the acknowledgement into the thread, mail it if there is an address, and mark the case acknowledged.
async fn send_acknowledgement(
    tx: &mut Tx,
    cfg: &Config,
    project: &ProjectRow,
    policy: &Policy,
    t: &AckTarget<'_>,
    personal: Option<&str>,
    by: Option<(&Actor, i64)>,
) -> Result<(), ServiceError> {
    let author_user_id = by.map(|(_, id)| id);
    let now = store::now();
    let link_text = t.link.clone().unwrap_or_else(|| {
        if t.bound {
            "(the private link you received when you sent your report)".into()
        } else {
            "(your encrypted report was not signed with a key for your address, so its\n  private link follows once the team has confirmed the report is yours)".into()
        }
    });
    let ack = |name: Option<&str>| -> Result<String, ServiceError> {
        let body = render(&AckBody {
            name,
            project: &project.name,
            case_id: t.case_id,
            decide: policy.clocks.decide.map(|d| d.to_string()),
            target_fix: policy.clocks.target_fix.map(|d| d.to_string()),
            disclose: policy
                .clocks
                .reporter_may_disclose_after
                .map(|d| d.to_string()),
            personal_within: policy
                .clocks
                .acknowledge
                .filter(|_| by.is_none())
                .map(|d| d.to_string()),
            announce_lead: policy
                .embargo
                .pre_announcement_lead
                .or(policy.embargo.pre_notification_lead)
                .map(|d| d.to_string()),
            credit: credit_line(policy.publication.credit_reporter),
            confidential: policy.process.ask_confidentiality,
            link: link_text.clone(),
        })?;
        Ok(match personal {
            Some(p) => format!("{}\n\n{body}", p.trim()),
            None => body,
        })
    };
    // The mail greets the reporter by name; the copy in the thread, which
    // collaborators read too, does not name them (F15).
    let greeting = t.name.map(crate::domain::text::greeting_name);
    let body = ack(greeting.as_deref().filter(|n| !n.is_empty()))?;
    let ack_id = crate::mail::new_message_id(cfg.mail_from.domain());
    let unnamed = ack(None)?;
    let shown = match &t.link {
        Some(l) => unnamed.replace(l, "(the private case link, which Embargo does not keep)"),
        None => unnamed,
    };
    let author = if author_user_id.is_some() {
        "team"
    } else {
        "system"
    };
    store::cases::add_message(
        tx.conn(),
        &store::cases::NewMessage {
            case_id: t.case_id,
            author,
            author_user_id,
            visibility: "thread",
            body: &shown,
            message_id: Some(&ack_id),
        },
        now,
    )
    .await?;
    if let Some(to) = t.email {
        let sender = Sender { cfg, project };
        let msg = Outgoing {
            from: sender.from(),
            to: vec![to.to_owned()],
            subject: format!(
                "[{}] We received your report (case #{})",
                project.name, t.case_id
            ),
            text: body,
            message_id: ack_id,
            in_reply_to: t.in_reply_to.map(str::to_owned),
            reply_to: Some(sender.reply_address(t.reply_token)),
            list: None,
            attachments: Vec::new(),
        };
        let protect = match t.reporter_key {
            Some(k) => Protect::Encrypt {
                recipients: vec![k.clone()],
                signer: None,
            },
            None => Protect::None,
        };
        enqueue(tx, cfg, &msg, &protect, Some(project.id), "acknowledgement").await?;
    }
    // An automatic acknowledgement is part of the receipt (the case is inserted acknowledged,
    // and its audit event says so); a team acknowledgement is its own transition.
    if let Some((actor, _)) = by {
        audit::record(
            tx,
            actor,
            "case.acknowledged",
            ("case", &t.case_id.to_string()),
            Some(project.id),
            json!({"mailed": t.email.is_some(), "personal": personal.is_some()}),
        )
        .await?;
    }
    Ok(())
}

/// A team member acknowledges a report with a personal message (policies with `acknowledgement = "team"`).
pub async fn acknowledge(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    message: &str,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.member_id()?;
    let message = check_text(message)?;
    let (case, messages, _) = team_view(db, case_ref).await?;
    let from = case.state;
    from.apply(Action::Acknowledge)
        .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let project = project_of(db, &case).await?;
    let policy = super::projects::policy_of(&project)?
        .ok_or_else(|| ServiceError::Conflict("the project has no policy".into()))?;
    let reporter_key = case
        .reporter_key
        .as_deref()
        .and_then(|k| PublicKey::from_bytes(k.as_bytes()).ok());
    let reply_token = secret::random_token(12)
        .replace(['-', '_'], "x")
        .to_lowercase();
    // A report that came by mail has never shown its link: issue one now — only to a
    // sender bound to the report (F2); the team confirms an unbound one first.
    let fresh_link =
        (case.source == "mail" && case.reporter_bound).then(|| secret::random_token(32));
    let first_mail = messages.first().and_then(|m| m.message_id.clone());
    let mut tx = db.begin().await?;
    super::transition::transition(
        &mut tx,
        case_ref,
        from,
        Action::Acknowledge,
        &Beside::Nothing,
    )
    .await?;
    store::cases::set_reply_token(tx.conn(), case.id, &secret::digest(&reply_token)).await?;
    if let Some(token) = &fresh_link {
        store::cases::set_token(tx.conn(), case.id, &secret::digest(token)).await?;
    }
    let target = AckTarget {
        case_id: case.id,
        name: case.reporter_name.as_deref(),
        email: case.reporter_email.as_deref(),
        reporter_key: reporter_key.as_ref(),
        in_reply_to: first_mail.as_deref(),
        link: fresh_link.map(|t| cfg.link(&format!("/c/{t}"))),
        reply_token: &reply_token,
        bound: case.reporter_bound,
    };
    send_acknowledgement(
        &mut tx,
        cfg,
        &project,
        &policy,
        &target,
        Some(message),
        Some((actor, user_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod mail_snapshots {
    //! Snapshots of the mail bodies of intake (`cargo insta review` after a change).
    use super::*;

    #[test]
    fn acknowledgement() {
        insta::assert_snapshot!(
            render(&AckBody {
                name: Some("Ada"),
                project: "Django",
                case_id: 7,
                decide: Some("7 days".into()),
                target_fix: Some("90 days".into()),
                disclose: Some("120 days".into()),
                personal_within: Some("48 hours".into()),
                announce_lead: Some("7 days".into()),
                credit: credit_line(crate::domain::policy::CreditReporter::IfWished),
                confidential: true,
                link: "https://security.example.org/c/0123456789abcdef".into(),
            })
            .unwrap()
        );
    }

    #[test]
    fn acknowledgement_with_nothing_promised() {
        insta::assert_snapshot!(
            render(&AckBody {
                name: None,
                project: "Pylons",
                case_id: 8,
                decide: None,
                target_fix: None,
                disclose: None,
                personal_within: None,
                announce_lead: None,
                credit: None,
                confidential: false,
                link: "https://security.example.org/c/fedcba9876543210".into(),
            })
            .unwrap()
        );
    }

    #[test]
    fn new_report_to_a_member_with_a_key_and_without() {
        let with_key = render(&NewReportBody {
            reply: false,
            project: "Django",
            case_id: 7,
            text: Some("The parser overflows on a long header."),
            link: "https://security.example.org/team/cases/7".into(),
        })
        .unwrap();
        let without_key = render(&NewReportBody {
            reply: true,
            project: "Django",
            case_id: 7,
            text: None,
            link: "https://security.example.org/team/cases/7".into(),
        })
        .unwrap();
        insta::assert_snapshot!(format!("{with_key}\n=====\n{without_key}"));
    }

    #[test]
    fn team_reply() {
        let reply = |bound| {
            render(&TeamReplyBody {
                text: "Thank you: we reproduced it on 5.2 and are preparing a fix.",
                project: "Django",
                link: case_page_hint(bound).into(),
            })
            .unwrap()
        };
        insta::assert_snapshot!(format!("{}\n=====\n{}", reply(true), reply(false)));
    }

    #[test]
    fn refusal() {
        insta::assert_snapshot!(
            render(&RefusalBody {
                project: "CPython",
                reasons: vec![
                    "`report.pdf` has type application/pdf; CPython accepts only text/plain".into(),
                    "the report has no versions tested".into(),
                ],
                resend: true,
            })
            .unwrap()
        );
    }
}
