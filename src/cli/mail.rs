//! `embargo key …`, `embargo outbox …`, `embargo worker`, `embargo mail …`,
//! `embargo secret generate`: the operator's side of keys and mail.

use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::mail::worker::Worker;
use crate::service::{self, ServiceError};
use crate::store::{self, Db};
use anyhow::{Context, anyhow};
use clap::Subcommand;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// `embargo key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key: the project key (--project) or a team member's signing key (--user).
    Generate {
        /// Project slug.
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        project: Option<String>,
        /// Team member's address.
        #[arg(long)]
        user: Option<String>,
    },
    /// Import an existing secret key (armored, without a passphrase) for a project or a team member.
    Import {
        /// Project slug.
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        project: Option<String>,
        /// Team member's address.
        #[arg(long)]
        user: Option<String>,
        /// The secret key file.
        file: PathBuf,
    },
    /// Print the project's public key, armored.
    Export {
        /// Project slug.
        #[arg(long)]
        project: String,
    },
    /// Check a recipient's public key (parses, not expired or revoked, can encrypt) and print its fingerprint.
    Inspect {
        /// The public key file.
        file: PathBuf,
    },
}

/// `embargo outbox …`.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List messages, newest first.
    List {
        /// Only messages that failed for good.
        #[arg(long)]
        failed: bool,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue a failed message again.
    Retry {
        /// Outbox id.
        id: i64,
    },
}

/// `embargo mail …`.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Queue a test message through the outbox, to check the relay and the keys.
    SendTest {
        /// Recipient.
        #[arg(long)]
        to: String,
        /// Project (its key signs with --sign).
        #[arg(long)]
        project: Option<String>,
        /// Sign with the project key (PGP/MIME).
        #[arg(long)]
        sign: bool,
        /// Encrypt to the public key in this file (PGP/MIME).
        #[arg(long, value_name = "KEYFILE")]
        encrypt_to: Option<PathBuf>,
    },
    /// Take in one RFC 5322 message from standard input, as an MTA pipe delivers it.
    /// Exit codes follow sysexits: 0 accepted (or refused with a reply), 65 not a mail
    /// message, 67 no project has the address, 75 database unavailable (the MTA retries).
    Ingest {
        /// The project (default: chosen by the recipient address).
        #[arg(long)]
        project: Option<String>,
    },
    /// List the mail kept for the team instead of opening a case (Embargo's own mail come
    /// back, automatic mail, replies outside any reporter thread), with the reason;
    /// with --show, print one as it was delivered.
    Held {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Print this held message (its id) as delivered.
        #[arg(long)]
        show: Option<i64>,
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Parse one RFC 5322 message from standard input and print what Embargo reads in it (JSON).
    Inspect {
        /// Decrypt with this project's keys.
        #[arg(long)]
        project: Option<String>,
    },
}

fn err(e: ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

fn read_file(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > u64::try_from(crate::pgp::MAX_INPUT).unwrap_or(u64::MAX) {
        return Err(anyhow!(
            "{} is larger than {} MiB",
            path.display(),
            crate::pgp::MAX_INPUT / (1024 * 1024)
        ));
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn print_key(info: &crate::pgp::KeyInfo) {
    println!("fingerprint: {}", info.fingerprint);
    println!("key id:      {}", info.key_id);
    for uid in &info.user_ids {
        println!("user id:     {uid}");
    }
    if let Some(e) = info.expires {
        println!(
            "expires:     {}",
            jiff::Timestamp::from_second(e)
                .map(|t| t.to_string())
                .unwrap_or_default()
        );
    }
}

fn parse_user(user: Option<&str>) -> anyhow::Result<Option<EmailAddress>> {
    user.map(|u| u.parse::<EmailAddress>().map_err(|e| anyhow!("{e}")))
        .transpose()
}

fn holder<'a>(
    project: Option<&'a str>,
    user: Option<&'a EmailAddress>,
) -> anyhow::Result<service::keys::Holder<'a>> {
    match (project, user) {
        (Some(slug), _) => Ok(service::keys::Holder::Project(slug)),
        (None, Some(email)) => Ok(service::keys::Holder::User(email)),
        (None, None) => Err(anyhow!("give --project SLUG or --user EMAIL")),
    }
}

/// Run a key command.
pub async fn key(cmd: KeyCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    let actor = Actor::Cli;
    match cmd {
        KeyCommand::Generate { project, user } => {
            let vault = cfg.vault(true)?;
            let email = parse_user(user.as_deref())?;
            let holder = holder(project.as_deref(), email.as_ref())?;
            let info = service::keys::generate(db, &vault, &actor, holder)
                .await
                .map_err(err)?;
            println!("generated a new key");
            print_key(&info);
            warn_policy_key(db, project.as_deref()).await;
        }
        KeyCommand::Import {
            project,
            user,
            file,
        } => {
            let vault = cfg.vault(true)?;
            let bytes = read_file(&file)?;
            let email = parse_user(user.as_deref())?;
            let holder = holder(project.as_deref(), email.as_ref())?;
            let info = service::keys::import(db, &vault, &actor, holder, &bytes)
                .await
                .map_err(err)?;
            println!("imported the key");
            print_key(&info);
            warn_policy_key(db, project.as_deref()).await;
        }
        KeyCommand::Export { project } => {
            let p = service::projects::find(db, &project).await.map_err(err)?;
            let key = service::keys::project_public_key(db, p.id)
                .await
                .map_err(err)?
                .ok_or_else(|| anyhow!("project `{project}` has no key yet; run `embargo key generate --project {project}`"))?;
            print!("{}", key.to_armored()?);
        }
        KeyCommand::Inspect { file } => {
            let bytes = read_file(&file)?;
            let (_, info) = service::keys::inspect_recipient(&bytes).map_err(err)?;
            println!("usable for encryption");
            print_key(&info);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// After a project's key changed: warn (on stderr) if its policy names another key.
pub(super) async fn warn_policy_key(db: &Db, project: Option<&str>) {
    let Some(slug) = project else { return };
    let Ok(p) = service::projects::find(db, slug).await else {
        return;
    };
    match service::keys::policy_key_warning(db, &p).await {
        Ok(Some(w)) => eprintln!("warning: {w}"),
        Ok(None) => {}
        Err(e) => eprintln!("warning: could not compare the policy's key with the desk's: {e}"),
    }
}

/// Run an outbox command.
pub async fn outbox(cmd: OutboxCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    let mut c = db.acquire().await?;
    match cmd {
        OutboxCommand::List { failed, limit } => {
            let counts = store::outbox::counts(c.conn()).await?;
            let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            println!(
                "outbox: {}",
                if summary.is_empty() {
                    "empty".into()
                } else {
                    summary.join(", ")
                }
            );
            if cfg.smtp_url.is_none() {
                let waiting = counts
                    .iter()
                    .filter(|(s, _)| s == "queued")
                    .map(|(_, n)| n)
                    .sum::<i64>();
                println!(
                    "no SMTP relay is configured (set smtp_url / EMBARGO_SMTP_URL): {waiting} message(s) wait in the queue"
                );
            }
            for m in
                store::outbox::list(c.conn(), failed.then_some("failed"), limit.clamp(1, 10_000))
                    .await?
            {
                let when = jiff::Timestamp::from_second(m.created_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let error = m.last_error.map(|e| format!("\t{e}")).unwrap_or_default();
                println!(
                    "#{}\t{}\t{}\t{}\tattempts {}\t{}\t<{}>{}",
                    m.id, when, m.status, m.purpose, m.attempts, m.recipients, m.message_id, error
                );
            }
        }
        OutboxCommand::Retry { id } => {
            drop(c);
            let mut tx = db.begin().await?;
            if !store::outbox::retry(tx.conn(), id, store::now()).await? {
                return Err(anyhow!("outbox message #{id} is not a failed message"));
            }
            service::audit::record(
                &mut tx,
                &Actor::Cli,
                "mail.retried",
                ("outbox", &id.to_string()),
                None,
                serde_json::json!({}),
            )
            .await
            .map_err(err)?;
            tx.commit().await?;
            println!("outbox message #{id} is queued again");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run a mail command.
pub async fn mail(cmd: MailCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        MailCommand::SendTest {
            to,
            project,
            sign,
            encrypt_to,
        } => {
            let to: EmailAddress = to.parse().map_err(|e| anyhow!("{e}"))?;
            let encrypt_to = match encrypt_to {
                Some(path) => Some(
                    service::keys::inspect_recipient(&read_file(&path)?)
                        .map_err(err)?
                        .0,
                ),
                None => None,
            };
            let vault = if sign { Some(cfg.vault(false)?) } else { None };
            let id = service::mail::send_test(
                db,
                cfg,
                vault.as_ref(),
                &Actor::Cli,
                service::mail::SendTest {
                    to: to.clone(),
                    project,
                    sign,
                    encrypt_to,
                },
            )
            .await
            .map_err(err)?;
            println!("queued a test message to {to} (Message-ID <{id}>)");
            if cfg.smtp_url.is_none() {
                println!("no SMTP relay is configured (smtp_url): it stays queued until one is");
            }
        }
        MailCommand::Held {
            project,
            show,
            limit,
        } => {
            let project = super::operator_project(db, &project).await?;
            if let Some(id) = show {
                let raw = service::held_mail::raw(db, &project, id)
                    .await
                    .map_err(err)?;
                use std::io::Write;
                std::io::stdout().write_all(&raw)?;
            } else {
                let held = service::held_mail::list(db, &project, limit)
                    .await
                    .map_err(err)?;
                if held.is_empty() {
                    println!("no held mail");
                }
                // What the sender wrote, shown without control characters (no terminal escapes).
                let clean = |t: &str| -> String { t.chars().filter(|c| !c.is_control()).collect() };
                for h in held {
                    println!(
                        "#{} {} from {}: {}\n    held because {}",
                        h.id,
                        crate::domain::time::Timestamp(h.received_at).minute(),
                        clean(h.sender.as_deref().unwrap_or("(no sender)")),
                        clean(h.subject.as_deref().unwrap_or("(no subject)")),
                        clean(&h.reason)
                    );
                }
            }
        }
        MailCommand::Ingest { .. } => {
            return Err(anyhow!(
                "mail ingest is dispatched before the database is opened"
            ));
        }
        MailCommand::Inspect { project } => {
            let mut raw = Vec::new();
            std::io::stdin()
                .take(
                    u64::try_from(crate::mail::inbound::MAX_MESSAGE_BYTES).unwrap_or(u64::MAX) + 1,
                )
                .read_to_end(&mut raw)
                .context("cannot read the message from standard input")?;
            let secrets = match project {
                Some(slug) => {
                    let p = service::projects::find(db, &slug).await.map_err(err)?;
                    service::keys::project_decryption_keys(db, &cfg.vault(false)?, p.id)
                        .await
                        .map_err(err)?
                }
                None => Vec::new(),
            };
            let parsed = crate::mail::inbound::parse(&raw, &secrets, &[])?;
            println!("{}", serde_json::to_string_pretty(&parsed)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `embargo worker`: deliver the outbox until stopped.
pub async fn worker(
    db: Db,
    cfg: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<ExitCode> {
    let worker = Worker::new(db, cfg)?;
    println!(
        "outbox worker {} running{}",
        worker.id(),
        if worker.has_relay() {
            ""
        } else {
            " (no SMTP relay configured: nothing will be sent)"
        }
    );
    worker
        .run(std::time::Duration::from_secs(1), shutdown)
        .await;
    Ok(ExitCode::SUCCESS)
}

/// `embargo mail ingest`: never loses a message — every outcome is an exit code the MTA understands.
pub async fn ingest(cfg: &Config, project: Option<String>) -> ExitCode {
    let mut raw = Vec::new();
    let limit = u64::try_from(crate::mail::inbound::MAX_MESSAGE_BYTES).unwrap_or(u64::MAX) + 1;
    if let Err(e) = std::io::stdin().take(limit).read_to_end(&mut raw) {
        eprintln!("error: cannot read the message from standard input: {e}");
        return ExitCode::from(74);
    }
    let db = match Db::connect(&cfg.database).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e}; the MTA should retry later");
            return ExitCode::from(75);
        }
    };
    if let Err(e) = db.migrate().await {
        eprintln!("error: {e}");
        return ExitCode::from(75);
    }
    let vault = cfg.vault(false).ok();
    match service::ingest::ingest(&db, cfg, vault.as_ref(), &raw, project.as_deref()).await {
        Ok(service::ingest::Outcome::NewCase(id)) => {
            println!("accepted: new case #{id}");
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::Reply(id)) => {
            println!("accepted: added to case #{id}");
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::Duplicate) => {
            println!("accepted: this message was taken in before; nothing changed");
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::ListRequest(id)) => {
            println!(
                "accepted: notification-list request by mail #{id} (the sender was pointed to the request form)"
            );
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::ForwardedCopy(id)) => {
            println!(
                "accepted: a copy of an encrypted report of case #{id} from another sender, kept for the team; nothing was sent back"
            );
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::Held { id, reason }) => {
            println!(
                "accepted: held for the team as #{id} (embargo mail held), not a case, nothing sent: {reason}"
            );
            ExitCode::SUCCESS
        }
        Ok(service::ingest::Outcome::Refused(why)) => {
            println!("refused by policy (the sender was told): {why}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
