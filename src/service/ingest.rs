//! `embargo mail ingest`: one inbound message, as an MTA pipe delivers it.
//!
//! The project is chosen by the flag or by the recipient (a policy contact
//! address, or a per-case reply address `local+TOKEN@domain`). A mail seen
//! before (same Message-ID) is accepted again without effect, so an MTA that
//! retries after a temporary failure never creates a second case. Mail that
//! breaks a policy rule is answered with the rule and accepted (exit 0);
//! automatic mail (Auto-Submitted, bulk) is never answered. A mail whose subject is the
//! policy's `notification_list.request_subject` is a request to join the list, not a
//! report: it is kept for the team and the sender is pointed to the request form.

use super::cases::{self, IntakeError, Source};
use super::{ServiceError, keys};
use crate::config::Config;
use crate::domain::report::{NewReport, SubmittedFile};
use crate::mail::inbound::{self, InboundError};
use crate::store::{self, Db, StoreError, projects::ProjectRow};
use crate::vault::Vault;

/// What happened to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It opened a new case.
    NewCase(i64),
    /// It joined an existing case's thread.
    Reply(i64),
    /// It was taken in before; nothing changed.
    Duplicate,
    /// It was refused (the sender was told why, unless the mail was automatic).
    Refused(String),
    /// A request to join the notification list (kept for the team; the sender was
    /// pointed to the request form).
    ListRequest(i64),
    /// A copy of an encrypted report another sender sent first: kept on that
    /// case for the team, never a new report, nothing mailed back (F2).
    ForwardedCopy(i64),
    /// Embargo's own mail come back, automatic mail, or a reply outside any
    /// reporter thread: kept for the team with the reason (`embargo mail held`),
    /// never a case, nothing sent.
    Held {
        /// The held message.
        id: i64,
        /// Why.
        reason: String,
    },
}

/// Why ingest could not decide (each maps to a sysexits code in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Not a mail message (EX_DATAERR, 65).
    #[error("{0}")]
    NotMail(String),
    /// No project has the recipient's address (EX_NOUSER, 67).
    #[error(
        "no project on this instance has the address {0}; pass --project or add it to the project's policy (contact.addresses)"
    )]
    NoProject(String),
    /// The database is unavailable: try again later (EX_TEMPFAIL, 75).
    #[error("the database is unavailable ({0}); the MTA should retry later")]
    Unavailable(String),
    /// Anything else (EX_SOFTWARE, 70).
    #[error("{0}")]
    Failed(String),
}

impl From<StoreError> for IngestError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => Self::Unavailable(m),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<ServiceError> for IngestError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(s) => s.into(),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl IngestError {
    /// The sysexits(3) code for the MTA.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotMail(_) => 65,
            Self::NoProject(_) => 67,
            Self::Unavailable(_) => 75,
            Self::Failed(_) => 70,
        }
    }
}

fn plus_token(cfg: &Config, recipient: &str) -> Option<String> {
    let (local, domain) = cfg.mail_from.as_str().split_once('@')?;
    let (r_local, r_domain) = recipient.rsplit_once('@')?;
    if !r_domain.eq_ignore_ascii_case(domain) {
        return None;
    }
    r_local
        .strip_prefix(&format!("{local}+"))
        .map(str::to_owned)
}

/// Remember what was decrypted from this sender for this case, and tell the
/// team when the same content came in on other cases (copies among senders
/// none of whom is bound to it).
async fn remember(
    db: &Db,
    digests: &[String],
    sender: &str,
    case_id: i64,
    bound: bool,
) -> Result<(), IngestError> {
    if digests.is_empty() {
        return Ok(());
    }
    let others = {
        let mut c = db.acquire().await?;
        store::cases::remember_digests(c.conn(), digests, sender, case_id, bound, store::now())
            .await?;
        store::cases::digest_cases(c.conn(), digests, case_id).await?
    };
    if !others.is_empty() {
        let list: Vec<String> = others
            .iter()
            .map(|(case, from)| format!("case #{case} (from {from})"))
            .collect();
        cases::system_note(
            db,
            case_id,
            &format!(
                "The same encrypted content also came in on {}. None of these senders is confirmed as its author: someone may have forwarded another's report.",
                list.join(", ")
            ),
        )
        .await?;
    }
    Ok(())
}

/// Ingest one raw message.
pub async fn ingest(
    db: &Db,
    cfg: &Config,
    vault: Option<&Vault>,
    raw: &[u8],
    project_flag: Option<&str>,
) -> Result<Outcome, IngestError> {
    let mut env = inbound::envelope(raw).map_err(|e| IngestError::NotMail(e.to_string()))?;
    let projects = {
        let mut c = db.acquire().await?;
        store::projects::list(c.conn()).await?
    };

    // A reply to a per-case address names its case directly.
    let mut case = None;
    for r in &env.recipients {
        if let Some(token) = plus_token(cfg, r) {
            let mut c = db.acquire().await?;
            case = store::cases::by_any_reply_token_hash(
                c.conn(),
                &crate::auth::secret::digest(&token),
            )
            .await?;
            if case.is_some() {
                break;
            }
        }
    }
    let project: ProjectRow = match (&case, project_flag) {
        (Some(c), _) => projects
            .iter()
            .find(|p| p.id == c.project_id)
            .cloned()
            .ok_or_else(|| IngestError::Failed("case without project".into()))?,
        (None, Some(slug)) => projects
            .iter()
            .find(|p| p.slug == slug)
            .cloned()
            .ok_or_else(|| IngestError::Failed(format!("project `{slug}` not found")))?,
        (None, None) => projects
            .iter()
            .find(|p| {
                super::projects::policy_of(p)
                    .ok()
                    .flatten()
                    .is_some_and(|pol| {
                        pol.contact
                            .addresses
                            .iter()
                            .any(|a| env.recipients.iter().any(|r| r == a.as_str()))
                    })
            })
            .cloned()
            .ok_or_else(|| {
                IngestError::NoProject(
                    env.recipients
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "(no recipient)".into()),
                )
            })?,
    };
    let policy = super::projects::policy_of(&project)?
        .ok_or_else(|| IngestError::Failed(format!("project `{}` has no policy", project.slug)))?;

    // Never talk to itself, never answer a machine (RFC 3834).
    let contact: Vec<String> = policy
        .contact
        .addresses
        .iter()
        .map(|a| a.as_str().to_lowercase())
        .collect();
    if let Some(reason) = super::mail_loops::held_reason(cfg.mail_from.as_str(), &env, &contact) {
        return hold(db, &project, &env, raw, reason).await;
    }
    // The project's own list rewrote From: to itself (DMARC): the author is the one it names.
    if let Some(author) = super::mail_loops::rewritten_author(&env, &contact) {
        env.from = Some(author);
    }
    // Its own Message-ID is one Embargo sent: its own mail, whatever its headers say now.
    if let Some(id) = &env.message_id {
        let mut c = db.acquire().await?;
        if store::outbox::first_known(c.conn(), std::slice::from_ref(id))
            .await?
            .is_some()
        {
            drop(c);
            let reason = format!(
                "its Message-ID <{}> is one Embargo sent: Embargo's own mail came back in",
                id.trim_matches(['<', '>'])
            );
            return hold(db, &project, &env, raw, reason).await;
        }
    }

    if let Some(id) = &env.message_id {
        let mut c = db.acquire().await?;
        if store::cases::mail_seen(c.conn(), id).await? {
            return Ok(Outcome::Duplicate);
        }
    }

    // Threading (decided before reading the content, so that a reply to Embargo's own
    // mail is held even when it cannot be read): the per-case address, or In-Reply-To /
    // References — the latter only from the case's reporter (anyone can learn a Message-ID).
    if case.is_none() && !env.thread.is_empty() {
        let mut c = db.acquire().await?;
        case = store::cases::by_thread(c.conn(), project.id, &env.thread)
            .await?
            .filter(|c| {
                c.reporter_email.as_deref().is_some_and(|r| {
                    env.from
                        .as_deref()
                        .is_some_and(|f| r.eq_ignore_ascii_case(f))
                })
            });
    }
    // A reply to one of Embargo's own mails that is in no reporter's thread (a list
    // member answering a pre-notification, a team notification come back): for the team.
    let own = if case.is_none() {
        let mut c = db.acquire().await?;
        store::outbox::first_known(c.conn(), &env.thread).await?
    } else {
        None
    };
    if let Some(own) = own {
        let reason =
            format!("it answers a mail Embargo sent ({own}) and is in no reporter's thread");
        return hold(db, &project, &env, raw, reason).await;
    }
    let secrets = match vault {
        Some(v) => keys::project_decryption_keys(db, v, project.id).await?,
        None => Vec::new(),
    };
    // Keys this sender gave in earlier reports they were bound to: a signature by
    // one of them binds this mail too.
    let known: Vec<crate::pgp::PublicKey> = match &env.from {
        Some(from) => {
            let mut c = db.acquire().await?;
            store::cases::known_reporter_keys(c.conn(), project.id, from)
                .await?
                .iter()
                .filter_map(|k| crate::pgp::PublicKey::from_bytes(k.as_bytes()).ok())
                .collect()
        }
        None => Vec::new(),
    };
    let parsed = match inbound::parse(raw, &secrets, &known) {
        Ok(p) => p,
        Err(InboundError::NotMail(m)) => return Err(IngestError::NotMail(m)),
        Err(e) => {
            let reason = format!("Embargo could not read your message: {e}.");
            if let (Some(from), false) = (&env.from, env.automatic) {
                let hint = if matches!(e, InboundError::Pgp(_)) {
                    format!(
                        " Encrypt it to the project key at {}.",
                        cfg.link(&format!("/p/{}/key.asc", project.slug))
                    )
                } else {
                    String::new()
                };
                cases::refuse_by_mail(
                    db,
                    cfg,
                    &project,
                    from,
                    env.message_id.as_deref(),
                    vec![format!("{reason}{hint}")],
                    true,
                )
                .await?;
            }
            return Ok(Outcome::Refused(reason));
        }
    };

    // What was decrypted may be shown or mailed back only to a sender bound to it (F2).
    let bound = parsed.sender_bound;
    let sender = env.from.clone().unwrap_or_default();
    // The same plaintext as a bound sender's in this project, from someone else, is a
    // forwarded copy, never a new reporter (another project's team gets it as a report:
    // a note on the first project's case would tell its team about a stranger's mail).
    if !parsed.decrypted_digests.is_empty() {
        let first = {
            let mut c = db.acquire().await?;
            store::cases::digest_owner(c.conn(), project.id, &parsed.decrypted_digests).await?
        };
        if let Some((first_case, first_sender)) = first
            && first_sender != sender
        {
            cases::forwarded_copy(db, first_case, &sender, env.message_id.as_deref()).await?;
            return Ok(Outcome::ForwardedCopy(first_case));
        }
    }

    let offered = super::offered_keys::choose(&parsed.keys, &sender).await;
    let signature = super::offered_keys::signature_text(&parsed, &known, &sender);
    if let Some(case) = case {
        if let Some(k) = &offered {
            let proven = super::offered_keys::proven_by(&parsed, k);
            super::reporter_key::offered_in_reply(db, &case, k, proven).await?;
        }
        let message = cases::reporter_reply(
            db,
            cfg,
            vault,
            &case,
            &parsed.text,
            env.message_id.as_deref(),
            bound,
        )
        .await?;
        if let Some(sig) = &signature {
            let mut c = db.acquire().await?;
            store::cases::set_message_signature(c.conn(), message, sig).await?;
        }
        // A `Credit:` line from the reporter (never from mail not bound to them). A wish
        // the policy or the checks refuse stays in the thread for the team to read.
        // Only from the address the case is the reporter's (the reply address alone can
        // leak to whoever the reporter copied).
        let from_reporter = case
            .reporter_email
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case(sender.trim()));
        if bound
            && from_reporter
            && let Some(wish) = super::credit::in_reply(&parsed.text)
        {
            match super::credit::set_by_reporter(db, &case, &wish, super::credit::Via::Reply).await
            {
                Ok(()) | Err(ServiceError::Invalid(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        remember(db, &parsed.decrypted_digests, &sender, case.id, bound).await?;
        return Ok(Outcome::Reply(case.id));
    }

    // A request to join the notification list, by mail with the policy's subject line
    // (never decrypted content that is not bound to its sender: that is a report).
    if let (true, Some(wanted), Some(subject)) = (
        bound,
        policy
            .notification_list
            .as_ref()
            .and_then(|l| l.request_subject.as_deref()),
        parsed.subject.as_deref(),
    ) && super::list_requests::is_request_subject(subject, wanted)
    {
        return Ok(
            match super::list_requests::by_mail(
                db,
                cfg,
                &project,
                env.from.as_deref(),
                parsed.from_name.as_deref(),
                subject,
                &parsed.text,
                env.message_id.as_deref(),
                env.automatic,
            )
            .await?
            {
                Some(id) => Outcome::ListRequest(id),
                None => Outcome::Duplicate,
            },
        );
    }

    let summary = parsed
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty() && s.trim() != "...")
        .unwrap_or_else(|| {
            parsed
                .text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("Report by e-mail")
                .chars()
                .take(200)
                .collect()
        });
    let report = NewReport {
        summary,
        details: parsed.text.clone(),
        email: env.from.clone().unwrap_or_default(),
        public_key: offered
            .as_ref()
            .map(|k| k.armored.clone())
            .unwrap_or_default(),
        files: parsed
            .attachments
            .iter()
            .map(|a| SubmittedFile {
                filename: a.filename.clone().unwrap_or_else(|| "attachment".into()),
                content_type: a.content_type.clone(),
                bytes: a.bytes.clone(),
            })
            .collect(),
        client_parts: parsed
            .client_parts
            .iter()
            .map(|a| SubmittedFile {
                filename: a
                    .filename
                    .clone()
                    .unwrap_or_else(|| a.content_type.replace('/', "-")),
                content_type: a.content_type.clone(),
                bytes: a.bytes.clone(),
            })
            .collect(),
        ..Default::default()
    };
    // Mail carries no separate fields: required parts are expected in the text itself.
    let mut relaxed = policy.clone();
    relaxed.reports.require.clear();
    match cases::submit(
        db,
        cfg,
        vault,
        &project,
        &relaxed,
        &report,
        Source::Mail {
            message_id: env.message_id.clone(),
            from_name: parsed.from_name.clone(),
            bound,
            signature,
            key_note: offered.as_ref().map(|k| k.note.clone()),
        },
    )
    .await
    {
        Ok(s) => {
            remember(db, &parsed.decrypted_digests, &sender, s.case_id, bound).await?;
            Ok(Outcome::NewCase(s.case_id))
        }
        Err(IntakeError::Rules(violations)) => {
            let mut reasons: Vec<String> = violations.into_iter().map(|v| v.message).collect();
            if !bound {
                // The reasons name what was decrypted (attachment names, text): not for an
                // unbound sender.
                reasons = vec![format!(
                    "Your encrypted message breaks {} of the project's reporting rules. It was not signed with a key for your address, so this answer does not repeat what it contained. Read the policy at {}, then send the report again, signed with your OpenPGP key.",
                    reasons.len(),
                    cfg.link(&format!("/p/{}/policy", project.slug))
                )];
            }
            if let (Some(from), false) = (&env.from, env.automatic) {
                cases::refuse_by_mail(
                    db,
                    cfg,
                    &project,
                    from,
                    env.message_id.as_deref(),
                    reasons.clone(),
                    true,
                )
                .await?;
            }
            Ok(Outcome::Refused(reasons.join(" ")))
        }
        Err(IntakeError::Banned) => {
            if let (Some(from), false) = (&env.from, env.automatic) {
                cases::refuse_by_mail(db, cfg, &project, from, env.message_id.as_deref(), vec!["Reports from your address are not accepted, because of repeated violations of this project's security policy.".into()], false).await?;
            }
            Ok(Outcome::Refused("banned reporter".into()))
        }
        Err(IntakeError::RateLimited) => Err(IngestError::Unavailable("rate limited".into())),
        Err(IntakeError::Service(ServiceError::Conflict(_))) => Ok(Outcome::Duplicate),
        Err(IntakeError::Service(e)) => Err(e.into()),
    }
}

/// Keep `raw` for the team with `reason`; nothing is sent.
async fn hold(
    db: &Db,
    project: &ProjectRow,
    env: &inbound::Envelope,
    raw: &[u8],
    reason: String,
) -> Result<Outcome, IngestError> {
    let subject = mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.subject().map(str::to_owned));
    let mut tx = db.begin().await?;
    let id = store::held_mail::insert(
        tx.conn(),
        &store::held_mail::NewHeld {
            project_id: project.id,
            sender: env.from.as_deref(),
            subject: subject.as_deref(),
            message_id: env.message_id.as_deref(),
            reason: &reason,
            raw,
        },
        store::now(),
    )
    .await?;
    let Some(id) = id else {
        return Ok(Outcome::Duplicate);
    };
    super::audit::record(
        &mut tx,
        &crate::domain::actor::Actor::System,
        "mail.held",
        ("held_mail", &id.to_string()),
        Some(project.id),
        serde_json::json!({"from": env.from, "message_id": env.message_id, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Held { id, reason })
}
