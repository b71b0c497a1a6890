//! `embargo case …`: the team's common case actions from the command line — the
//! inbox, one case, triage decisions, severity and lifecycle steps. Changes are
//! audited with the actor `cli`.

use crate::config::Config;
use crate::domain::case::Action;
use crate::domain::time::Timestamp;
use crate::service::triage::{self, Decision, RejectReason, SeverityInput, ThreatAnswer, Verdict};
use crate::service::{self, ServiceError};
use crate::store::{self, Db};
use anyhow::anyhow;
use clap::Subcommand;
use std::process::ExitCode;

/// `embargo case …`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open cases (or those in --state), the most urgent clock first.
    List {
        /// Project slug.
        #[arg(long)]
        project: Option<String>,
        /// One state (received, acknowledged, accepted, …, closed).
        #[arg(long)]
        state: Option<String>,
        /// Full-text search: every word must occur.
        #[arg(long)]
        search: Option<String>,
    },
    /// One case with its thread and team notes.
    Show {
        /// Case number.
        id: i64,
    },
    /// Record the triage decision (the reporter is told, except for spam).
    Decide {
        /// Case number.
        id: i64,
        /// accept, reject, duplicate, spam or public-fix.
        #[arg(long)]
        verdict: String,
        /// To reject: not-vulnerability, out-of-scope, unsupported-version or documented-behaviour.
        #[arg(long)]
        reason: Option<String>,
        /// For a duplicate: the case it duplicates.
        #[arg(long)]
        duplicate_of: Option<i64>,
        /// A threat-model answer, `ID=met` or `ID=not-met`, optionally `:why` (repeat for each check).
        #[arg(long = "check", value_name = "ID=met|not-met[:why]")]
        checks: Vec<String>,
        /// The explanation sent to the reporter (required to reject).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Set or replace the reporter's OpenPGP key (replies are encrypted to it), or remove it.
    ReporterKey {
        /// Case number.
        id: i64,
        /// The armored public key file.
        #[arg(conflicts_with = "remove", required_unless_present = "remove")]
        file: Option<std::path::PathBuf>,
        /// Remove the key (replies then go in clear).
        #[arg(long)]
        remove: bool,
    },
    /// Record whether the reporter wishes to be credited in the advisory (`--as NAME`), or
    /// not (`--none`); the policy's credit rule decides whether it counts.
    Credit {
        /// Case number.
        id: i64,
        /// The name to credit (`--as ''`: the name the reporter gave).
        #[arg(long = "as", conflicts_with = "none", required_unless_present = "none")]
        name: Option<String>,
        /// The reporter does not want to be named.
        #[arg(long)]
        none: bool,
    },
    /// Change the severity: only the options given change; an empty value (`--cwe ''`)
    /// clears that field.
    Severity {
        /// Case number.
        id: i64,
        /// One of the policy's levels.
        #[arg(long)]
        level: Option<String>,
        /// CVSS 3.1 vector.
        #[arg(long)]
        cvss3: Option<String>,
        /// CVSS 4.0 vector.
        #[arg(long)]
        cvss4: Option<String>,
        /// CWE id (CWE-79).
        #[arg(long)]
        cwe: Option<String>,
    },
    /// Record a strike against the case's reporter (the policy's threshold bans them).
    Strike {
        /// Case number.
        id: i64,
        /// What the reporter did.
        #[arg(long)]
        reason: String,
    },
    /// Lift a ban on a reporter's address (and the keys banned with it).
    Unban {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// The banned address.
        #[arg(long)]
        email: String,
    },
    /// A lifecycle step: start-fix, unschedule, close or reopen.
    Step {
        /// Case number.
        id: i64,
        /// The step.
        action: String,
        /// Why (recorded in the audit trail).
        #[arg(long, default_value = "")]
        note: String,
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

/// Parse `ID=met[:why]`.
fn parse_check(text: &str) -> anyhow::Result<ThreatAnswer> {
    let (id, rest) = text.split_once('=').ok_or_else(|| {
        anyhow!("--check `{text}`: write it as ID=met or ID=not-met, optionally :why")
    })?;
    let (answer, note) = rest.split_once(':').unwrap_or((rest, ""));
    let met = match answer {
        "met" => true,
        "not-met" => false,
        other => {
            return Err(anyhow!(
                "--check `{text}`: `{other}` must be met or not-met"
            ));
        }
    };
    Ok(ThreatAnswer {
        id: id.trim().to_owned(),
        met,
        note: note.trim().to_owned(),
    })
}

/// Run a case command.
pub async fn run(cmd: CaseCommand, db: &Db, cfg: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        CaseCommand::List {
            project,
            state,
            search,
        } => {
            let project_id = match project {
                Some(slug) => Some(service::projects::find(db, &slug).await.map_err(err)?.id),
                None => None,
            };
            let state = state
                .map(|s| s.parse::<crate::domain::case::CaseState>())
                .transpose()
                .map_err(|e| anyhow!("--state: {e}"))?;
            let rows = triage::inbox(
                db,
                0,
                true,
                &store::cases::InboxFilter {
                    project_id,
                    state: state.map(|s| s.as_str()),
                    query: search.as_deref(),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
            println!("#\tstate\tseverity\tnext due\tsummary");
            for r in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.state,
                    r.severity.as_deref().unwrap_or("-"),
                    (r.next_due).map_or_else(|| "-".into(), |t| Timestamp(t).minute()),
                    r.summary
                );
            }
        }
        CaseCommand::Show { id } => {
            let (case, messages, attachments) =
                service::cases::team_view(db, &operator_case(db, id).await?)
                    .await
                    .map_err(err)?;
            let project = service::projects::by_id(db, case.project_id)
                .await
                .map_err(err)?;
            println!("case #{} ({}): {}", case.id, project.slug, case.summary);
            println!("state: {}", case.state);
            println!(
                "received: {} via {}",
                Timestamp(case.received_at).minute(),
                case.source
            );
            println!(
                "reporter: {}",
                case.reporter_email.as_deref().unwrap_or("(no address)")
            );
            match (&case.reporter_key, &case.reporter_key_note) {
                (Some(_), note) => println!(
                    "reporter key: {} (replies are encrypted)",
                    note.as_deref().unwrap_or("source not recorded")
                ),
                (None, _) => println!("reporter key: none (replies go in clear)"),
            }
            if let Some(sig) = &case.signature {
                println!("signature: {sig}");
            }
            println!(
                "acknowledge by: {}  acknowledged: {}",
                (case.acknowledge_due_at).map_or_else(|| "-".into(), |t| Timestamp(t).minute()),
                (case.acknowledged_at).map_or_else(|| "-".into(), |t| Timestamp(t).minute())
            );
            println!(
                "decide by: {}  decided: {}",
                (case.decide_due_at).map_or_else(|| "-".into(), |t| Timestamp(t).minute()),
                (case.decided_at).map_or_else(|| "-".into(), |t| Timestamp(t).minute())
            );
            if let Some(r) = &case.decision_reason {
                println!("reason: {r}");
            }
            if let Some(d) = case.duplicate_of {
                println!("duplicate of: #{d}");
            }
            println!(
                "severity: {}  cvss3: {}  cvss4: {}  cwe: {}",
                case.severity.as_deref().unwrap_or("-"),
                case.cvss3.as_deref().unwrap_or("-"),
                case.cvss4.as_deref().unwrap_or("-"),
                case.cwe
                    .map(|c| format!("CWE-{c}"))
                    .unwrap_or_else(|| "-".into())
            );
            for a in attachments {
                println!(
                    "attachment: {} ({}, {} bytes)",
                    a.filename, a.content_type, a.size
                );
            }
            for m in messages {
                let kind = if m.visibility == "team" {
                    "team-only note"
                } else {
                    m.author.as_str()
                };
                println!(
                    "\n--- {} · {}\n{}",
                    kind,
                    (Some(m.created_at)).map_or_else(|| "-".into(), |t| Timestamp(t).minute()),
                    m.body
                );
            }
        }
        CaseCommand::Decide {
            id,
            verdict,
            reason,
            duplicate_of,
            checks,
            note,
        } => {
            let verdict = match verdict.as_str() {
                "accept" => Verdict::Accept,
                "reject" => Verdict::Reject(
                    reason
                        .as_deref()
                        .ok_or_else(|| anyhow!("--reason is needed to reject"))?
                        .parse::<RejectReason>()
                        .map_err(|e| anyhow!("--reason: {e}"))?,
                ),
                "duplicate" => Verdict::Duplicate(
                    duplicate_of
                        .ok_or_else(|| anyhow!("--duplicate-of is needed for a duplicate"))?,
                ),
                "spam" => Verdict::Spam,
                "public-fix" => Verdict::PublicFix,
                other => {
                    return Err(anyhow!(
                        "--verdict `{other}`: use accept, reject, duplicate, spam or public-fix"
                    ));
                }
            };
            let answers = checks
                .iter()
                .map(|c| parse_check(c))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let to = triage::decide(
                db,
                cfg,
                &operator_case(db, id).await?,
                &Decision {
                    verdict,
                    answers,
                    note,
                },
            )
            .await
            .map_err(err)?;
            println!("case #{id} is now {to}");
        }
        CaseCommand::Severity {
            id,
            level,
            cvss3,
            cvss4,
            cwe,
        } => {
            triage::set_severity(
                db,
                &operator_case(db, id).await?,
                &SeverityInput {
                    level,
                    cvss3,
                    cvss4,
                    cwe,
                },
            )
            .await
            .map_err(err)?;
            println!("severity of case #{id} saved");
        }
        CaseCommand::Credit { id, name, none } => {
            let wish = crate::service::credit::CreditWish {
                wanted: !none,
                name: name.unwrap_or_default(),
            };
            crate::service::credit::set_by_team(db, &operator_case(db, id).await?, &wish)
                .await
                .map_err(err)?;
            if none {
                println!("case #{id}: the reporter is not to be credited");
            } else {
                println!("case #{id}: credit recorded");
            }
        }
        CaseCommand::ReporterKey {
            id,
            file,
            remove: _,
        } => {
            let armored = match &file {
                Some(path) => {
                    let meta = std::fs::metadata(path)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                    if meta.len() > 1024 * 1024 {
                        return Err(anyhow::anyhow!(
                            "{} is larger than 1 MiB: that is not one public key",
                            path.display()
                        ));
                    }
                    std::fs::read_to_string(path).map_err(|e| {
                        anyhow::anyhow!("cannot read {} as an armored key: {e}", path.display())
                    })?
                }
                None => String::new(),
            };
            let set =
                service::reporter_key::set_by_team(db, &operator_case(db, id).await?, &armored)
                    .await
                    .map_err(err)?;
            match set {
                Some(info) => println!(
                    "case #{id}: replies are now encrypted to {} ({})",
                    info.fingerprint,
                    info.user_ids.join(", ")
                ),
                None => println!("case #{id}: the reporter key is removed; replies go in clear"),
            }
        }
        CaseCommand::Strike { id, reason } => {
            let out = service::conduct::strike(db, &operator_case(db, id).await?, &reason)
                .await
                .map_err(err)?;
            match (out.banned, out.threshold) {
                (true, _) => println!(
                    "strike recorded ({} strikes): the reporter is now banned",
                    out.strikes
                ),
                (false, Some(t)) => {
                    println!("strike recorded ({} of {t} before a ban)", out.strikes)
                }
                (false, None) => println!(
                    "strike recorded ({}; the policy sets no ban threshold)",
                    out.strikes
                ),
            }
        }
        CaseCommand::Unban { project, email } => {
            let p = service::projects::find(db, &project).await.map_err(err)?;
            service::conduct::lift_ban(db, &super::operator_project(db, &p.slug).await?, &email)
                .await
                .map_err(err)?;
            println!("the ban on {email} in {project} is lifted");
        }
        CaseCommand::Step { id, action, note } => {
            let action: Action = action.parse().map_err(|e| anyhow!("{e}"))?;
            let to = triage::act(db, &operator_case(db, id).await?, action, &note)
                .await
                .map_err(err)?;
            println!("case #{id} is now {to}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
