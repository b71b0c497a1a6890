//! The command line: one subcommand per operator task. Each prints what it
//! did on stdout and errors on stderr, and exits non-zero on failure.
//!
//! This module holds the top-level [`Cli`], the configuration and logging set-up and
//! [`dispatch`]; each command group is a module with its own arguments and `run`:
//! [`serve`], [`accounts`] (user, token), [`projects`], [`policy`], [`mail`] (key,
//! outbox, mail, worker), [`case`], [`disclosure`] (schedule, advisory, members, cve),
//! [`lists`] (requests, announce), [`audit`]. Commands that work on a case open it
//! through the one door as the operator (`service::access::open`).

pub mod accounts;
pub mod audit;
pub mod case;
pub mod disclosure;
pub mod lists;
pub mod mail;
pub mod policy;
pub mod projects;
pub mod serve;

use crate::config::{Config, Overrides};
use crate::service::{self, ServiceError};
use crate::store::{self, Db};
use anyhow::anyhow;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Embargo: a self-hosted security response desk.
#[derive(Debug, Parser)]
#[command(name = "embargo", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML); EMBARGO_* environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage team accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Manage projects and their teams.
    #[command(subcommand)]
    Project(projects::ProjectCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Check and render policy files.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Manage OpenPGP keys (project keys, personal signing keys).
    #[command(subcommand)]
    Key(mail::KeyCommand),
    /// Inspect and retry the mail outbox.
    #[command(subcommand)]
    Outbox(mail::OutboxCommand),
    /// Send test mail; inspect inbound mail.
    #[command(subcommand)]
    Mail(mail::MailCommand),
    /// Deliver queued mail until stopped (for extra worker processes; `serve` runs one too).
    Worker,
    /// Generate a master key for `secret_key` (EMBARGO_SECRET_KEY).
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Inspect and verify the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Work on cases: list, show, decide, severity, lifecycle steps.
    #[command(subcommand)]
    Case(case::CaseCommand),
    /// Send the clock reminders that are due now (`serve` does this every minute).
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Disclosure schedules: set a date, list what fires when, fire due steps.
    #[command(subcommand)]
    Schedule(disclosure::ScheduleCommand),
    /// Advisories: draft, pre-announce, pre-notify, publish, export (OSV, CVE JSON 5, CSAF).
    #[command(subcommand)]
    Advisory(disclosure::AdvisoryCommand),
    /// The confidential notification list's members.
    #[command(subcommand)]
    Members(disclosure::MembersCommand),
    /// The project's pool of reserved CVE IDs.
    #[command(subcommand)]
    Cve(disclosure::CveCommand),
    /// Requests to join the notification list: the review queue and decisions.
    #[command(subcommand)]
    Requests(lists::RequestsCommand),
    /// The public announce list's subscribers.
    #[command(subcommand)]
    Announce(lists::AnnounceCommand),
    /// Score CVSS vectors (3.0, 3.1, 4.0): one line each with the scores and the rating.
    Cvss {
        /// Vectors such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.
        #[arg(required = true, value_name = "VECTOR")]
        vectors: Vec<String>,
    },
}

/// `embargo reminders …`.
#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// One pass: queue every reminder that is due, print how many.
    Run,
}

/// `embargo config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values (secrets redacted).
    Check,
}

/// `embargo secret …`.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Print a new random master key (base64, 32 bytes).
    Generate,
}

/// Run the parsed command line; errors are printed here.
pub async fn run(cli: Cli) -> ExitCode {
    let overrides = match &cli.command {
        Command::Serve(args) => Overrides {
            listen: args.listen.clone(),
        },
        _ => Overrides::default(),
    };
    let cfg = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(cfg) => cfg,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(78);
        }
    };
    init_tracing(&cfg, matches!(cli.command, Command::Serve(_)));
    if let Command::Mail(mail::MailCommand::Ingest { project }) = cli.command {
        return mail::ingest(&cfg, project).await;
    }
    match dispatch(cli.command, cfg).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(cfg: &Config, serving: bool) {
    let filter = if serving {
        cfg.log.clone()
    } else {
        format!("warn,{}", cfg.log.replace("info", "warn"))
    };
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn open(cfg: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&cfg.database).await?;
    db.migrate().await?;
    Ok(db)
}

fn parse<T: std::str::FromStr>(text: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| anyhow!("{e}"))
}

/// The project, opened for the operator (the one door: `service::access::open_project`).
async fn operator_project(db: &Db, slug: &str) -> anyhow::Result<service::ProjectRef> {
    service::access::open_project(db, &service::Caller::Operator, slug)
        .await
        .map_err(service_err)
}

fn service_err(err: ServiceError) -> anyhow::Error {
    anyhow!("{err}")
}

async fn dispatch(command: Command, cfg: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(cfg, args.demo).await,
        Command::Migrate => {
            open(&cfg).await?;
            println!("database at {} is up to date", cfg.database.redacted());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Check) => {
            print!("{}", cfg.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => accounts::user(cmd, &cfg).await,
        Command::Project(cmd) => projects::run(cmd, &cfg).await,
        Command::Token(cmd) => accounts::token(cmd, &cfg).await,
        Command::Policy(cmd) => policy::run(cmd, &cfg).await,
        Command::Key(cmd) => mail::key(cmd, &open(&cfg).await?, &cfg).await,
        Command::Outbox(cmd) => mail::outbox(cmd, &open(&cfg).await?, &cfg).await,
        Command::Mail(cmd) => mail::mail(cmd, &open(&cfg).await?, &cfg).await,
        Command::Worker => mail::worker(open(&cfg).await?, &cfg, serve::shutdown_signal()).await,
        Command::Case(cmd) => case::run(cmd, &open(&cfg).await?, &cfg).await,
        Command::Schedule(cmd) => disclosure::schedule(cmd, &open(&cfg).await?, &cfg).await,
        Command::Advisory(cmd) => disclosure::advisory(cmd, &open(&cfg).await?, &cfg).await,
        Command::Members(cmd) => disclosure::members(cmd, &open(&cfg).await?).await,
        Command::Cve(cmd) => disclosure::cve(cmd, &open(&cfg).await?).await,
        Command::Requests(cmd) => lists::requests(cmd, &open(&cfg).await?, &cfg).await,
        Command::Announce(cmd) => lists::announce(cmd, &open(&cfg).await?).await,
        Command::Reminders(RemindersCommand::Run) => {
            let db = open(&cfg).await?;
            let n = service::reminders::sweep(&db, &cfg, store::now())
                .await
                .map_err(service_err)?;
            println!("{n} reminder(s) queued");
            Ok(ExitCode::SUCCESS)
        }
        Command::Cvss { vectors } => {
            // Every vector gets its line; a malformed one is named on stderr and the
            // command exits 65 (EX_DATAERR) after scoring the rest.
            let mut bad = false;
            for v in &vectors {
                match crate::domain::cvss::parse(v) {
                    Ok(vector) => println!("{}", vector.summary().line(v)),
                    Err(e) => {
                        eprintln!("{}: {e}", v.trim());
                        bad = true;
                    }
                }
            }
            Ok(if bad {
                ExitCode::from(65)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Secret(SecretCommand::Generate) => {
            println!("{}", crate::vault::generate_key());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(cmd) => audit::run(cmd, &cfg).await,
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command group's arguments are consistent (clap's own checks: no two
    /// arguments with one name, defaults that parse, required groups that can be met).
    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
