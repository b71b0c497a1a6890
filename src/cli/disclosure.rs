//! `embargo schedule|advisory|members|cve`: the disclosure schedule and its jobs, the
//! advisory (draft, steps, publication, exports), the confidential notification
//! list's members, and the CVE ID pool, from the command line (actor `cli`).

use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::export::Format;
use crate::domain::time::Timestamp;
use crate::service::disclosure::{self, Outcome, ScheduleInput};
use crate::service::{self, ServiceError};
use crate::store::{self, Db};
use anyhow::anyhow;
use clap::Subcommand;
use std::process::ExitCode;

/// `embargo schedule …`.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Set (or move) a case's disclosure date, hour and time zone.
    Set {
        /// Case number.
        case: i64,
        /// Date, such as 2026-12-01.
        #[arg(long)]
        date: String,
        /// Time of day, such as 14:00.
        #[arg(long)]
        time: String,
        /// IANA time zone (default: the policy's).
        #[arg(long, default_value = "")]
        zone: String,
        /// The issue is exploited in the wild: why (allows the policy's shorter lead).
        #[arg(long, default_value = "")]
        exploited: String,
        /// Publish automatically at the date.
        #[arg(long)]
        auto_publish: bool,
    },
    /// What will fire when (pre-announcements, pre-notifications, publications).
    List {
        /// Only this project.
        #[arg(long)]
        project: Option<String>,
        /// Include jobs that already fired or were cancelled.
        #[arg(long)]
        all: bool,
    },
    /// Fire every due job once (`serve` does this every second).
    Run,
}

/// `embargo advisory …`.
#[derive(Debug, Subcommand)]
pub enum AdvisoryCommand {
    /// Write a case's advisory draft from a TOML file (title, summary, description, remedy, workarounds, fixed, refs).
    Draft {
        /// Case number.
        case: i64,
        /// TOML file with the fields (multi-line strings for text; fixed and refs one per line).
        file: std::path::PathBuf,
    },
    /// Send the public pre-announcement now.
    PreAnnounce {
        /// Case number.
        case: i64,
    },
    /// Send the confidential pre-notification now.
    PreNotify {
        /// Case number.
        case: i64,
    },
    /// Publish now: advisory page, feed, notices; the reporter is told.
    Publish {
        /// Case number.
        case: i64,
        /// Why it is published before its scheduled date (required then: the
        /// pre-announcement and pre-notification are skipped). Audited.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Print a published advisory as OSV, CVE JSON 5 (CNA container) or CSAF 2.0.
    Export {
        /// Advisory id (DEMO-2026-001) or case number.
        id: String,
        /// osv, cve5 or csaf.
        #[arg(long)]
        format: String,
    },
    /// Write every published advisory of a project into a directory, one file each
    /// (`ID.osv.json`, `ID.cve.json`, `ID.csaf.json`), for OSV importers and CSAF aggregators.
    ExportAll {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// osv, cve5 or csaf.
        #[arg(long)]
        format: String,
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// `embargo members …` (the confidential notification list).
#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Add or re-admit a member.
    Add {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Address that receives the pre-notifications.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// One of the policy's groups.
        #[arg(long)]
        group: String,
        /// Organisation.
        #[arg(long, default_value = "")]
        organisation: String,
        /// Armored OpenPGP public key file (pre-notifications are encrypted to it).
        #[arg(long)]
        key: Option<std::path::PathBuf>,
    },
    /// List members (current; --all includes revoked).
    List {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Include revoked members.
        #[arg(long)]
        all: bool,
    },
    /// Revoke a member (with or without a reason).
    Revoke {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Address.
        #[arg(long)]
        email: String,
        /// Why (optional).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Replace a current member's key.
    Key {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Address.
        #[arg(long)]
        email: String,
        /// Armored OpenPGP public key file.
        #[arg(long)]
        key: std::path::PathBuf,
    },
}

/// `embargo cve …`.
#[derive(Debug, Subcommand)]
pub enum CveCommand {
    /// Import reserved CVE IDs into a project's pool (a file with one ID per line, or - for stdin).
    Import {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// File of IDs.
        file: String,
    },
    /// Assign the next free ID to a case.
    Assign {
        /// Case number.
        case: i64,
    },
    /// Show the pool.
    Pool {
        /// Project slug.
        #[arg(long)]
        project: String,
    },
}

/// The case, opened for the operator (the one door: `service::access::open`).
async fn operator_case(db: &Db, id: i64) -> anyhow::Result<service::CaseRef> {
    service::access::open(db, &service::Caller::Operator, id)
        .await
        .map_err(err)
}

fn err(e: ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Run a schedule command.
pub async fn schedule(cmd: ScheduleCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        ScheduleCommand::Set {
            case,
            date,
            time,
            zone,
            exploited,
            auto_publish,
        } => {
            let plan = disclosure::schedule(
                db,
                cfg,
                &operator_case(db, case).await?,
                &ScheduleInput {
                    date,
                    time,
                    zone,
                    exploited,
                    auto_publish,
                },
            )
            .await
            .map_err(err)?;
            println!(
                "case #{case}: disclosure {}",
                disclosure::show(plan.disclose_at, &plan.zone)
            );
            if let Some(t) = plan.pre_announce_at {
                println!("  pre-announcement: {}", Timestamp(t).second());
            }
            if let Some(t) = plan.pre_notify_at {
                println!("  pre-notification: {}", Timestamp(t).second());
            }
        }
        ScheduleCommand::List { project, all } => {
            let jobs = match project.as_deref() {
                Some(slug) => {
                    disclosure::jobs_of_project(db, &super::operator_project(db, slug).await?, all)
                        .await
                }
                None => disclosure::every_job(db, &service::Caller::Operator, all).await,
            }
            .map_err(err)?;
            println!("due (UTC)\tcase\tstep\tstatus\tnote");
            for j in jobs {
                let mut note = String::new();
                if let Some(l) = j.late_seconds.filter(|l| *l > 30) {
                    note.push_str(&format!("fired {l} s late; "));
                }
                if let Some(e) = &j.last_error {
                    note.push_str(e);
                }
                println!(
                    "{}\t#{}\t{}\t{}\t{}",
                    Timestamp(j.due_at).second(),
                    j.case_id,
                    j.kind,
                    j.status,
                    note.trim_end_matches("; ")
                );
            }
        }
        ScheduleCommand::Run => {
            let worker = format!("cli-{}", std::process::id());
            let fired = disclosure::run_due(db, cfg, &worker, store::now())
                .await
                .map_err(err)?;
            for f in &fired {
                match &f.outcome {
                    Ok(Outcome::Done { messages }) => println!(
                        "#{} {}: done, {messages} message(s) queued{}",
                        f.job.case_id,
                        f.job.kind,
                        late_note(f.job.due_at)
                    ),
                    Ok(Outcome::Skipped(why)) => {
                        println!("#{} {}: skipped ({why})", f.job.case_id, f.job.kind)
                    }
                    Err(e) => println!(
                        "#{} {}: failed, retried in a minute: {e}",
                        f.job.case_id, f.job.kind
                    ),
                }
            }
            println!("{} job(s) fired", fired.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn late_note(due: i64) -> String {
    let late = store::now() - due;
    if late > 30 {
        format!(" ({late} s late: no Embargo process was running at its time)")
    } else {
        String::new()
    }
}

/// Run an advisory command.
pub async fn advisory(cmd: AdvisoryCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    let _actor = Actor::Cli;
    match cmd {
        AdvisoryCommand::Draft { case, file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
            let draft: store::advisories::Draft = toml::from_str(&text)
                .map_err(|e| anyhow!("{}: {}", file.display(), e.message()))?;
            service::advisories::save_draft(db, &operator_case(db, case).await?, &draft)
                .await
                .map_err(err)?;
            println!("case #{case}: advisory draft saved");
        }
        AdvisoryCommand::PreAnnounce { case } => {
            let o = disclosure::pre_announce_now(db, cfg, &operator_case(db, case).await?)
                .await
                .map_err(err)?;
            println!("case #{case}: pre-announcement {o:?}");
        }
        AdvisoryCommand::PreNotify { case } => {
            let o = disclosure::pre_notify_now(db, cfg, &operator_case(db, case).await?)
                .await
                .map_err(err)?;
            println!("case #{case}: pre-notification {o:?}");
        }
        AdvisoryCommand::Publish { case, reason } => {
            let id = disclosure::publish_now(
                db,
                cfg,
                &operator_case(db, case).await?,
                reason.as_deref(),
            )
            .await
            .map_err(err)?;
            println!("case #{case}: published as {id}");
        }
        AdvisoryCommand::Export { id, format } => {
            let format: Format = format
                .parse()
                .map_err(|e: String| anyhow!("--format: {e}"))?;
            let json = service::advisories::export(db, &id, format)
                .await
                .map_err(err)?;
            println!("{json}");
        }
        AdvisoryCommand::ExportAll {
            project,
            format,
            out,
        } => {
            let format: Format = format
                .parse()
                .map_err(|e: String| anyhow!("--format: {e}"))?;
            let done = service::bulk_export::export_all(db, &project, format, &out)
                .await
                .map_err(err)?;
            println!(
                "{} advisories written to {}{}",
                done.written,
                out.display(),
                if done.skipped > 0 {
                    format!(" ({} without a CVE ID have no CVE record)", done.skipped)
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run a members command.
pub async fn members(cmd: MembersCommand, db: &Db) -> anyhow::Result<ExitCode> {
    match cmd {
        MembersCommand::Add {
            project,
            email,
            name,
            group,
            organisation,
            key,
        } => {
            let email: EmailAddress = email.parse().map_err(|e| anyhow!("--email: {e}"))?;
            let key = key
                .map(|p| std::fs::read(&p).map_err(|e| anyhow!("cannot read {}: {e}", p.display())))
                .transpose()?;
            let m = service::members::add(
                db,
                &super::operator_project(db, &project).await?,
                &service::members::Addition {
                    email: &email,
                    name: &name,
                    organisation: &organisation,
                    group: &group,
                    key: key.as_deref(),
                },
            )
            .await
            .map_err(err)?;
            println!(
                "member {} added to {} ({})",
                m.email,
                m.group_id,
                m.fingerprint
                    .as_deref()
                    .unwrap_or("no key: mail is signed, not encrypted")
            );
        }
        MembersCommand::List { project, all } => {
            let members =
                service::members::list(db, &super::operator_project(db, &project).await?, !all)
                    .await
                    .map_err(err)?;
            println!("email\tname\torganisation\tgroup\tkey\tstatus");
            for m in members {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.email,
                    m.name,
                    m.organisation,
                    m.group_id,
                    m.fingerprint.as_deref().unwrap_or("-"),
                    if m.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "current"
                    }
                );
            }
        }
        MembersCommand::Revoke {
            project,
            email,
            reason,
        } => {
            let email: EmailAddress = email.parse().map_err(|e| anyhow!("--email: {e}"))?;
            service::members::revoke(
                db,
                &super::operator_project(db, &project).await?,
                &email,
                reason.as_deref(),
            )
            .await
            .map_err(err)?;
            println!("member {email} revoked");
        }
        MembersCommand::Key {
            project,
            email,
            key,
        } => {
            let email: EmailAddress = email.parse().map_err(|e| anyhow!("--email: {e}"))?;
            let bytes =
                std::fs::read(&key).map_err(|e| anyhow!("cannot read {}: {e}", key.display()))?;
            let fp = service::members::set_key(
                db,
                &super::operator_project(db, &project).await?,
                &email,
                &bytes,
            )
            .await
            .map_err(err)?;
            println!("member {email}: key {fp}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run a CVE command.
pub async fn cve(cmd: CveCommand, db: &Db) -> anyhow::Result<ExitCode> {
    match cmd {
        CveCommand::Import { project, file } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file).map_err(|e| anyhow!("cannot read {file}: {e}"))?
            };
            let n = service::advisories::import_cve_ids(
                db,
                &super::operator_project(db, &project).await?,
                &text,
            )
            .await
            .map_err(err)?;
            println!("{n} CVE ID(s) added to {project}'s pool");
        }
        CveCommand::Assign { case } => {
            let id = service::advisories::assign_cve(db, &operator_case(db, case).await?)
                .await
                .map_err(err)?;
            println!("case #{case}: {id}");
        }
        CveCommand::Pool { project } => {
            for (id, case) in
                service::advisories::cve_pool(db, &super::operator_project(db, &project).await?)
                    .await
                    .map_err(err)?
            {
                match case {
                    Some(c) => println!("{id}\tcase #{c}"),
                    None => println!("{id}\tfree"),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
