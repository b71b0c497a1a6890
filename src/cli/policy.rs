//! `embargo policy …`: check a policy file, render its SECURITY.md or
//! security.txt, list supported versions. These read files only; no database.

use super::service_err;
use crate::config::Config;
use crate::domain::policy::document::{RenderContext, security_policy, security_txt};
use crate::domain::policy::support::series_on;
use crate::domain::policy::{Policy, PolicyError};
use crate::service::ServiceError;
use anyhow::Context;
use anyhow::anyhow;
use clap::Subcommand;
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;

/// `embargo policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file; exit 1 listing every problem with its line, column and key.
    Check {
        /// Policy file (TOML).
        file: PathBuf,
    },
    /// Render what a policy tells the world.
    Render {
        /// Policy file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "security-md")]
        format: RenderFormat,
        /// Date for the supported-versions table (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// The supported release series and their status on a date.
    Supported {
        /// Policy file (TOML).
        file: PathBuf,
        /// The date (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
}

/// What `policy render` produces.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RenderFormat {
    /// A SECURITY.md (CommonMark).
    SecurityMd,
    /// An RFC 9116 security.txt.
    SecurityTxt,
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn date_arg(on: Option<&str>) -> anyhow::Result<jiff::civil::Date> {
    match on {
        None => Ok(today()),
        Some(text) => text.parse::<jiff::civil::Date>().map_err(|_| {
            anyhow!("--on `{text}` is not a date; write YYYY-MM-DD, such as 2026-11-22")
        }),
    }
}

fn print_errors(path: &Path, errors: &[PolicyError]) {
    for e in errors {
        if e.key.is_empty() {
            eprintln!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message);
        } else {
            eprintln!(
                "{}:{}:{}: `{}`: {}",
                path.display(),
                e.line,
                e.column,
                e.key,
                e.message
            );
        }
    }
    eprintln!(
        "{}: {} problem{} found",
        path.display(),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
}

/// Load and check, printing every problem; `None` if there were any.
fn load(path: &Path) -> anyhow::Result<Option<Policy>> {
    let src = read_policy_file(path)?;
    match Policy::parse(&src) {
        Ok(p) => Ok(Some(p)),
        Err(errors) => {
            print_errors(path, &errors);
            Ok(None)
        }
    }
}

/// When the project already exists on this desk: warn if the policy names another
/// OpenPGP key than the desk decrypts with. Never creates a database that is not there.
async fn warn_on_key(cfg: &Config, p: &Policy) {
    if p.contact.openpgp.is_none() {
        return;
    }
    // Only a database that is there, and (SQLite) owned by whoever runs the check: opening
    // it may create its -wal/-shm files, which must not end up owned by another user.
    if let crate::config::DatabaseUrl::Sqlite(path) = &cfg.database {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(path).map(|m| m.uid());
        let me = std::fs::metadata("/proc/self").map(|m| m.uid());
        match (owner, me) {
            (Ok(o), Ok(m)) if o == m => {}
            _ => return,
        }
    }
    let Ok(db) = crate::store::Db::connect(&cfg.database).await else {
        return;
    };
    let Ok(project) = crate::service::projects::find(&db, p.project.slug.as_str()).await else {
        return;
    };
    match crate::service::keys::policy_key(&db, project.id, p).await {
        Ok(k) => {
            if let Some(w) = k.warning(project.slug.as_str()) {
                eprintln!("warning: {w}");
            }
        }
        Err(e) => eprintln!("warning: could not compare the policy's key with the desk's: {e}"),
    }
}

/// Run one `policy` subcommand.
pub async fn run(cmd: PolicyCommand, cfg: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Check { file } => {
            let Some(p) = load(&file)? else {
                return Ok(ExitCode::FAILURE);
            };
            println!(
                "{}: a valid policy for {} (slug `{}`)",
                file.display(),
                p.project.name,
                p.project.slug
            );
            warn_on_key(cfg, &p).await;
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Render { file, format, on } => {
            let date = date_arg(on.as_deref())?;
            let Some(p) = load(&file)? else {
                return Ok(ExitCode::FAILURE);
            };
            let ctx = RenderContext {
                base_url: cfg.public_url.as_str().trim_end_matches('/').to_owned(),
                date,
                now: jiff::Timestamp::now(),
            };
            match format {
                RenderFormat::SecurityMd => print!("{}", security_policy(&p, &ctx).to_markdown()),
                RenderFormat::SecurityTxt => {
                    let canonical = cfg.link(&format!("/p/{}/security.txt", p.project.slug));
                    print!("{}", security_txt(&p, &ctx, &canonical, None));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Supported { file, on } => {
            let date = date_arg(on.as_deref())?;
            let Some(p) = load(&file)? else {
                return Ok(ExitCode::FAILURE);
            };
            println!("{} on {date}:", p.project.name);
            println!(
                "{:<10} {:<13} {:<10} {:<12} why",
                "series", "status", "supported", "until"
            );
            for s in series_on(&p.versions, date) {
                let until = s
                    .end
                    .filter(|_| {
                        s.supported && s.status != crate::domain::policy::SeriesStatus::Development
                    })
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<10} {:<13} {:<10} {:<12} {}",
                    s.name,
                    s.status.as_str(),
                    if s.supported { "yes" } else { "no" },
                    until,
                    s.reason
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Read a policy file, naming it in the error.
pub fn read_policy_file(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the policy file {}", path.display()))
}

pub(super) fn policy_err(path: &std::path::Path, err: ServiceError) -> anyhow::Error {
    match err {
        ServiceError::Invalid(text) => anyhow!("{}: {text}", path.display()),
        other => service_err(other),
    }
}
