//! Reminders: before a case's acknowledge, decide or fix clock falls due — or the
//! upstream maintainers' deadline (the policy's `upstream.wait`) passes without a release
//! (`clocks.remind_before`, default one day), and once it is overdue, Embargo mails the
//! case's assignee — or, with none, every member of the project's team — through the
//! outbox. One clock of one case is reminded at most every `clocks.remind_every`
//! (default one day). The mails carry no case text, only the clock and a link.
//!
//! The same sweep reminds each team of notification-list requests past their decision
//! date (`clocks.membership_decision`), at most every `remind_every`.
//!
//! [`sweep`] runs once a minute inside `embargo serve` and on demand as
//! `embargo reminders run`; several processes may sweep at once (each reminder is a
//! numbered row: only one process records it).

use super::mail::{Protect, enqueue};
use super::{ServiceError, audit};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::time::Timestamp;
use crate::mail::compose::Outgoing;
use crate::store::{self, Db, projects::ProjectRow, reminders::DueCase};
use serde_json::json;
use std::collections::HashMap;

const DAY: i64 = 86_400;
/// How far ahead the sweep looks (a `remind_before` beyond this acts as this).
const HORIZON: i64 = 30 * DAY;

fn clocks(c: &DueCase) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    let deciding = matches!(c.state.as_str(), "received" | "acknowledged");
    if let (None, Some(due), true) = (c.acknowledged_at, c.acknowledge_due_at, deciding) {
        out.push(("acknowledge", due));
    }
    if let (Some(due), true) = (c.decide_due_at, deciding) {
        out.push(("decide", due));
    }
    if let (Some(due), true) = (
        c.target_fix_due_at,
        matches!(c.state.as_str(), "accepted" | "fixing"),
    ) {
        out.push(("fix", due));
    }
    if let (Some(due), None, true) = (
        c.upstream_deadline_at,
        c.upstream_resolved_at,
        !matches!(
            c.state.as_str(),
            "rejected" | "duplicate" | "spam" | "published" | "closed"
        ),
    ) {
        out.push(("upstream", due));
    }
    out
}

/// Send the reminders that are due now; returns how many were sent.
pub async fn sweep(db: &Db, cfg: &Config, now: i64) -> Result<usize, ServiceError> {
    let due = {
        let mut c = db.acquire().await?;
        store::reminders::due_cases(c.conn(), now + HORIZON, 5000).await?
    };
    let mut projects: HashMap<i64, (ProjectRow, i64, i64, Vec<String>)> = HashMap::new();
    let mut sent = 0;
    for case in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = projects.entry(case.project_id) {
            let p = super::projects::by_id(db, case.project_id).await?;
            let policy = super::projects::policy_of(&p).ok().flatten();
            let before = policy
                .as_ref()
                .and_then(|p| p.clocks.remind_before)
                .map(|d| d.as_seconds_i64())
                .unwrap_or(DAY);
            let every = policy
                .as_ref()
                .and_then(|p| p.clocks.remind_every)
                .map(|d| d.as_seconds_i64())
                .unwrap_or(DAY);
            let remedies = policy
                .as_ref()
                .map(|p| {
                    p.upstream
                        .then
                        .iter()
                        .map(|r| r.as_str().to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            slot.insert((p, before, every, remedies));
        }
        let Some((project, before, every, remedies)) = projects.get(&case.project_id) else {
            continue;
        };
        for (clock, due_at) in clocks(&case) {
            if now < due_at - before {
                continue;
            }
            let (count, last) = {
                let mut c = db.acquire().await?;
                store::reminders::last(c.conn(), case.id, clock).await?
            };
            if last.is_some_and(|l| now - l < *every) {
                continue;
            }
            let due = Due {
                clock,
                due_at,
                seq: count,
                remedies,
            };
            if remind(db, cfg, project, &case, &due, now).await? {
                sent += 1;
            }
        }
    }
    sent += super::list_requests::remind_overdue(db, cfg, now).await?;
    Ok(sent)
}

/// One clock of one case that is due.
struct Due<'a> {
    clock: &'static str,
    due_at: i64,
    /// How many reminders this clock has had.
    seq: i64,
    /// The policy's remedies after the upstream deadline (`upstream.then`).
    remedies: &'a [String],
}

async fn remind(
    db: &Db,
    cfg: &Config,
    project: &ProjectRow,
    case: &DueCase,
    due: &Due<'_>,
    now: i64,
) -> Result<bool, ServiceError> {
    let (clock, due_at, seq) = (due.clock, due.due_at, due.seq);
    let members = super::projects::members(db, project.id).await?;
    let recipients: Vec<String> = match case.assignee_user_id {
        Some(uid) => members
            .iter()
            .filter(|m| m.user_id == uid)
            .map(|m| m.email.clone())
            .collect(),
        None => members.iter().map(|m| m.email.clone()).collect(),
    };
    if recipients.is_empty() {
        return Ok(false);
    }
    let overdue = now >= due_at;
    let kind = if overdue { "overdue" } else { "due-soon" };
    let what = match clock {
        "acknowledge" => "the acknowledgement to the reporter",
        "decide" => "the triage decision",
        "upstream" => "the upstream maintainers' release (the policy's wait)",
        _ => "the fix (the policy's target)",
    };
    let line = if overdue && clock == "upstream" {
        format!(
            "the upstream maintainers' wait ended {} without a release.{}",
            Timestamp(due_at).minute(),
            if due.remedies.is_empty() {
                " Decide how to proceed, and record it on the case's upstream track.".to_owned()
            } else {
                format!(
                    " The policy's next steps: {}. Record them on the case's upstream track.",
                    due.remedies.join(", then ")
                )
            }
        )
    } else if overdue {
        format!(
            "{what} was due {} and is overdue.",
            Timestamp(due_at).minute()
        )
    } else {
        format!("{what} is due {}.", Timestamp(due_at).minute())
    };
    let link = cfg.link(&format!("/team/cases/{}", case.id));
    let mut tx = db.begin().await?;
    let recorded = store::reminders::record(
        tx.conn(),
        case.id,
        clock,
        seq,
        kind,
        &serde_json::to_string(&recipients).unwrap_or_default(),
        now,
    )
    .await?;
    if !recorded {
        return Ok(false);
    }
    for to in &recipients {
        let msg = Outgoing {
            from: format!(
                "Embargo for {} <{}>",
                project.name.replace(['<', '>', '"'], ""),
                cfg.mail_from
            ),
            to: vec![to.clone()],
            subject: format!(
                "[{}] Case #{}: {} {}",
                project.name,
                case.id,
                clock,
                if overdue { "overdue" } else { "due soon" }
            ),
            text: askama::Template::render(&ReminderBody {
                case_id: case.id,
                project: &project.name,
                line: &line,
                link: &link,
                assigned: case.assignee_user_id.is_some(),
            })
            .map_err(|e| ServiceError::Internal(format!("mail template: {e}")))?,
            message_id: crate::mail::new_message_id(cfg.mail_from.domain()),
            in_reply_to: None,
            reply_to: None,
            list: None,
            attachments: Vec::new(),
        };
        enqueue(
            &mut tx,
            cfg,
            &msg,
            &Protect::None,
            Some(project.id),
            "reminder",
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &Actor::System,
        "case.reminder_sent",
        ("case", &case.id.to_string()),
        Some(project.id),
        json!({"clock": clock, "kind": kind, "due_at": due_at, "recipients": recipients}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(askama::Template)]
#[template(path = "email/reminder/body.txt")]
struct ReminderBody<'a> {
    case_id: i64,
    project: &'a str,
    line: &'a str,
    link: &'a str,
    assigned: bool,
}

#[cfg(test)]
mod mail_snapshots {
    //! The reminder's body (`cargo insta review` after a change).
    use super::*;
    use askama::Template;

    #[test]
    fn reminder_to_the_assignee_and_to_the_team() {
        let assigned = ReminderBody {
            case_id: 7,
            project: "Django",
            line: "the triage decision is overdue since 2026-12-01 14:00 UTC",
            link: "https://security.example.org/team/cases/7",
            assigned: true,
        };
        let team = ReminderBody {
            assigned: false,
            ..assigned
        };
        insta::assert_snapshot!(format!(
            "{}\n=====\n{}",
            assigned.render().unwrap(),
            team.render().unwrap()
        ));
    }
}
