//! `embargo audit …`: verify the hash chain of the audit trail, list recent events.

use super::{open, service_err};
use crate::config::Config;
use crate::service;
use crate::store;
use clap::Subcommand;
use std::process::ExitCode;

/// `embargo audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken link if any event was altered, removed or reordered.
    Verify {
        /// A head hash recorded earlier outside the database (what `audit verify` printed
        /// then): it must still be in the chain, else the whole trail was rewritten.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Print the newest events.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// Run `embargo audit …`.
pub async fn run(cmd: AuditCommand, cfg: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { head } => {
            let db = open(cfg).await?;
            let recorded = head.as_deref().map(str::trim);
            match service::audit::verify(&db, recorded)
                .await
                .map_err(service_err)?
            {
                Ok(v) => {
                    if let (Some(recorded), false) = (recorded, v.recorded_head_found) {
                        eprintln!(
                            "audit trail REWRITTEN: the chain is consistent ({} events), but the head {recorded} recorded earlier is not in it",
                            v.events
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    println!(
                        "audit trail intact: {} events, head {}",
                        v.events, v.head_hash
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(brk) => {
                    eprintln!("audit trail BROKEN at {brk}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::List { limit } => {
            let db = open(cfg).await?;
            let mut c = db.acquire().await?;
            for e in store::audit::recent(c.conn(), None, limit.clamp(1, 10_000)).await? {
                let when = jiff::Timestamp::from_second(e.at)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                println!(
                    "#{}\t{}\t{}\t{}\t{} {}\t{}",
                    e.seq, when, e.actor, e.action, e.object_type, e.object_id, e.details
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
