//! `embargo requests …` (the notification list's review queue and decisions) and
//! `embargo announce …` (the public announce list's subscribers), from the command
//! line (actor `cli`). The members themselves are `embargo members …`.

use crate::config::Config;
use crate::domain::email::EmailAddress;
use crate::domain::time::Timestamp;
use crate::service::list_requests::{self, Decision};
use crate::service::{self, ServiceError};
use crate::store::Db;
use anyhow::anyhow;
use clap::Subcommand;
use std::process::ExitCode;

/// `embargo requests …`.
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// The review queue (open requests, decision due soonest first; --all: every request).
    List {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Include decided requests.
        #[arg(long)]
        all: bool,
    },
    /// One request, every answer, its flags and earlier incomplete attempts.
    Show {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Request number.
        id: i64,
    },
    /// Approve into a group (default: the group claimed); the applicant is told.
    Approve {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Request number.
        id: i64,
        /// Group id.
        #[arg(long, default_value = "")]
        group: String,
        /// A note to the applicant.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reject with the reason told to the applicant.
    Reject {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Request number.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Ask the applicant for more information (mailed; they answer on their request page).
    Ask {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Request number.
        id: i64,
        /// The question.
        #[arg(long)]
        question: String,
    },
}

/// `embargo announce …`.
#[derive(Debug, Subcommand)]
pub enum AnnounceCommand {
    /// Subscribers (confirmed; --all includes unconfirmed and unsubscribed).
    List {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Every address.
        #[arg(long)]
        all: bool,
    },
    /// Add a confirmed subscriber (moving an existing list in).
    Add {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Address.
        #[arg(long)]
        email: String,
    },
    /// Unsubscribe an address.
    Remove {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Address.
        #[arg(long)]
        email: String,
    },
}

fn err(e: ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Run a requests command.
pub async fn requests(cmd: RequestsCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    let decide = |project: String, id: i64, d: Decision| async move {
        let r = list_requests::decide(
            db,
            cfg,
            &super::operator_project(db, &project).await?,
            id,
            &d,
        )
        .await
        .map_err(err)?;
        println!("request #{id}: {}", r.row.status);
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    };
    match cmd {
        RequestsCommand::List { project, all } => {
            let queue =
                list_requests::queue(db, &super::operator_project(db, &project).await?, !all)
                    .await
                    .map_err(err)?;
            println!("id\tstatus\tdecide by\tgroup\taddress\tname\tflags");
            for r in queue {
                println!(
                    "{}\t{}{}\t{}\t{}\t{}\t{}\t{}",
                    r.row.id,
                    r.row.status,
                    if r.overdue { " (overdue)" } else { "" },
                    r.row
                        .decide_due_at
                        .map(|t| Timestamp(t).minute())
                        .unwrap_or_else(|| "-".into()),
                    r.row.group_id,
                    r.row.email,
                    r.row.name,
                    r.flag_list
                        .iter()
                        .map(|f| f.kind.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RequestsCommand::Show { project, id } => {
            let r = list_requests::request(db, &super::operator_project(db, &project).await?, id)
                .await
                .map_err(err)?;
            let row = &r.row;
            for (k, v) in [
                ("status", row.status.clone()),
                ("name", row.name.clone()),
                ("individual", row.individual.to_string()),
                ("organisation", row.organisation.clone()),
                ("role", row.org_role.clone()),
                ("group", row.group_id.clone()),
                ("criteria", row.criteria.clone()),
                ("reason", row.reason.clone()),
                ("address", row.email.clone()),
                ("address handling", row.address_handling.clone()),
                ("key", row.fingerprint.clone().unwrap_or_else(|| "-".into())),
                (
                    "decide by",
                    row.decide_due_at
                        .map(|t| Timestamp(t).minute())
                        .unwrap_or_else(|| "-".into()),
                ),
            ] {
                println!("{k}: {v}");
            }
            for f in &r.flag_list {
                println!("flag {}: {}", f.kind, f.note);
            }
            for (what, at) in &r.attempts {
                println!("incomplete attempt {}: {what}", Timestamp(*at).minute());
            }
            Ok(ExitCode::SUCCESS)
        }
        RequestsCommand::Approve {
            project,
            id,
            group,
            note,
        } => decide(project, id, Decision::Approve { group, note }).await,
        RequestsCommand::Reject {
            project,
            id,
            reason,
        } => decide(project, id, Decision::Reject { note: reason }).await,
        RequestsCommand::Ask {
            project,
            id,
            question,
        } => decide(project, id, Decision::AskMore { note: question }).await,
    }
}

/// Run an announce command.
pub async fn announce(cmd: AnnounceCommand, db: &Db) -> anyhow::Result<ExitCode> {
    let parse = |e: &str| -> anyhow::Result<EmailAddress> {
        e.trim().parse().map_err(|e| anyhow!("--email: {e}"))
    };
    match cmd {
        AnnounceCommand::List { project, all } => {
            let subs = service::announce::subscribers(
                db,
                &super::operator_project(db, &project).await?,
                !all,
            )
            .await
            .map_err(err)?;
            println!("email\tstatus");
            for s in subs {
                println!("{}\t{}", s.email, s.status);
            }
        }
        AnnounceCommand::Add { project, email } => {
            let email = parse(&email)?;
            service::announce::add_confirmed(
                db,
                &super::operator_project(db, &project).await?,
                &email,
            )
            .await
            .map_err(err)?;
            println!("{email} subscribed to {project}'s announcements");
        }
        AnnounceCommand::Remove { project, email } => {
            let email = parse(&email)?;
            service::announce::remove(db, &super::operator_project(db, &project).await?, &email)
                .await
                .map_err(err)?;
            println!("{email} unsubscribed");
        }
    }
    Ok(ExitCode::SUCCESS)
}
