//! Triage and case work: the team's decision on a report (with the policy's
//! threat-model checklist answered and cited), severity (the policy's levels, CVSS,
//! CWE), assignment, and the plain lifecycle steps (start the fix, close, reopen).
//!
//! Every change is checked against [`CaseState::apply`] and writes exactly one audit
//! event in the transaction that makes it. Decisions tell the reporter what the
//! policy says they should hear (spam excepted: it is never answered).

use super::cases::{case_row, project_of, team_view, tell_reporter};
use super::{CaseRef, ServiceError, audit};
use crate::config::Config;
use crate::domain::case::{Action, CaseState};
use crate::domain::cvss;
use crate::domain::cwe;
use crate::domain::policy::{CvssVersion, Policy};
use crate::store::{self, Db, case_state::Beside, cases::CaseRow};
use serde_json::json;
use std::fmt;
use std::str::FromStr;

/// Why a report is turned down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectReason {
    /// Not a security vulnerability (the reporter may open a public issue).
    NotVulnerability,
    /// Outside the policy's scope or threat model.
    OutOfScope,
    /// Only versions the policy no longer supports are affected.
    UnsupportedVersion,
    /// The behaviour is documented (not a vulnerability either: the reporter may open
    /// a public issue).
    DocumentedBehaviour,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: &'static [Self] = &[
        Self::NotVulnerability,
        Self::OutOfScope,
        Self::UnsupportedVersion,
        Self::DocumentedBehaviour,
    ];

    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotVulnerability => "not-vulnerability",
            Self::OutOfScope => "out-of-scope",
            Self::UnsupportedVersion => "unsupported-version",
            Self::DocumentedBehaviour => "documented-behaviour",
        }
    }

    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotVulnerability => "not a security vulnerability",
            Self::OutOfScope => "outside the scope of the security policy",
            Self::UnsupportedVersion => "only affects versions that are no longer supported",
            Self::DocumentedBehaviour => "documented behaviour",
        }
    }
}

impl FromStr for RejectReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown reason `{s}`; use one of: {}", names.join(", "))
            })
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The triage outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A vulnerability in a supported version: fix under embargo.
    Accept,
    /// Turned down, for this reason.
    Reject(RejectReason),
    /// The same issue as this other case of the project.
    Duplicate(i64),
    /// Spam: no reply, out of the inbox, kept for audit.
    Spam,
    /// Only the development branch or prereleases: fixed in public, no embargo.
    PublicFix,
}

impl Verdict {
    /// The transition this verdict takes.
    pub fn action(&self) -> Action {
        match self {
            Self::Accept => Action::Accept,
            Self::Reject(_) => Action::Reject,
            Self::Duplicate(_) => Action::MarkDuplicate,
            Self::Spam => Action::MarkSpam,
            Self::PublicFix => Action::PublicFix,
        }
    }

    /// Whether the threat-model checklist must be answered.
    fn needs_checklist(&self) -> bool {
        matches!(self, Self::Accept | Self::Reject(_) | Self::PublicFix)
    }
}

/// One threat-model criterion, as answered by the team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThreatAnswer {
    /// The policy's check id.
    pub id: String,
    /// Whether the report meets the criterion.
    pub met: bool,
    /// Why (optional).
    #[serde(default)]
    pub note: String,
}

/// A triage decision as the team submits it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Outcome.
    pub verdict: Verdict,
    /// Threat-model answers (every check of the policy, for accept, reject and public fix).
    pub answers: Vec<ThreatAnswer>,
    /// The team's explanation; sent to the reporter (required to reject).
    pub note: String,
}

fn conflict(e: impl fmt::Display) -> ServiceError {
    ServiceError::Conflict(e.to_string())
}

fn policy_for(project: &store::projects::ProjectRow) -> Result<Policy, ServiceError> {
    super::projects::policy_of(project)?
        .ok_or_else(|| ServiceError::Conflict("the project has no policy".into()))
}

/// Check the answers against the policy's checklist: each check answered once, no others.
fn check_answers(policy: &Policy, answers: &[ThreatAnswer]) -> Result<(), ServiceError> {
    let checks = &policy.threat_model.checks;
    for a in answers {
        if !checks.iter().any(|c| c.id == a.id) {
            return Err(ServiceError::Invalid(format!(
                "`{}` is not a check of this project's threat model",
                a.id
            )));
        }
        if answers.iter().filter(|b| b.id == a.id).count() > 1 {
            return Err(ServiceError::Invalid(format!(
                "threat-model check `{}` is answered twice",
                a.id
            )));
        }
    }
    let missing: Vec<&str> = checks
        .iter()
        .filter(|c| !answers.iter().any(|a| a.id == c.id))
        .map(|c| c.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::Invalid(format!(
            "answer every threat-model check before deciding; missing: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// What the reporter is told about a decision (none for spam).
fn reporter_message(
    policy: &Policy,
    case: &CaseRow,
    decision: &Decision,
    duplicate_of: Option<&CaseRow>,
) -> Option<String> {
    let cited: Vec<String> = decision
        .answers
        .iter()
        .filter_map(|a| {
            let check = policy.threat_model.checks.iter().find(|c| c.id == a.id)?;
            Some(format!(
                "- {} ({}): {}{}",
                check.criterion,
                a.id,
                if a.met { "met" } else { "not met" },
                if a.note.trim().is_empty() {
                    String::new()
                } else {
                    format!(" — {}", a.note.trim())
                }
            ))
        })
        .collect();
    let (verdict, reason, public) = match &decision.verdict {
        Verdict::Spam => return None,
        Verdict::Accept => ("accept", "", None),
        Verdict::Reject(reason) => (
            "reject",
            reason.describe(),
            public_line(*reason, policy.project.public_tracker.as_deref()),
        ),
        Verdict::Duplicate(_) => ("duplicate", "", None),
        Verdict::PublicFix => ("public-fix", "", None),
    };
    let body = DecisionBody {
        verdict,
        case_id: case.id,
        target_fix: policy.clocks.target_fix.map(|d| d.to_string()),
        confidential: policy.process.ask_confidentiality,
        reason,
        credit: case.wants_credit && duplicate_of.is_some(),
        note: decision.note.trim(),
        // A duplicate's reporter is told where their report went, not the assessment.
        cited: if verdict == "duplicate" {
            Vec::new()
        } else {
            cited
        },
        reference: policy
            .threat_model
            .reference
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default(),
        public,
    };
    Some(askama::Template::render(&body).unwrap_or_else(|e| format!("(mail template error: {e})")))
}

/// The reporter's mail about the team's decision (`templates/email/decision/body.txt`).
#[derive(askama::Template)]
#[template(path = "email/decision/body.txt")]
struct DecisionBody<'a> {
    verdict: &'a str,
    case_id: i64,
    target_fix: Option<String>,
    confidential: bool,
    reason: &'a str,
    credit: bool,
    note: &'a str,
    cited: Vec<String>,
    reference: String,
    public: Option<String>,
}

/// Decide a case: record the decision, tell the reporter, audit it. `user_id` is the
/// team member deciding (`None` from the command line: the message is Embargo's).
pub async fn decide(
    db: &Db,
    cfg: &Config,
    case_ref: &CaseRef,
    decision: &Decision,
) -> Result<CaseState, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let (case, messages, _) = team_view(db, case_ref).await?;
    let from: CaseState = case.state;
    let to = from.apply(decision.verdict.action()).map_err(conflict)?;
    let project = project_of(db, &case).await?;
    let policy = policy_for(&project)?;
    if decision.verdict.needs_checklist() {
        check_answers(&policy, &decision.answers)?;
    }
    let note = decision.note.trim();
    if note.len() > 64 * 1024 {
        return Err(ServiceError::Invalid(
            "the explanation is longer than 64 KiB".into(),
        ));
    }
    if matches!(decision.verdict, Verdict::Reject(_)) && note.is_empty() {
        return Err(ServiceError::Invalid(
            "say why the report is rejected: the reporter receives this explanation".into(),
        ));
    }
    let original = match decision.verdict {
        Verdict::Duplicate(other) => {
            if other == case.id {
                return Err(ServiceError::Invalid(
                    "a case cannot duplicate itself".into(),
                ));
            }
            let mut c = db.acquire().await?;
            match store::cases::by_id(c.conn(), other).await? {
                Some(o) if o.project_id == case.project_id => Some(o),
                _ => {
                    return Err(ServiceError::Invalid(format!(
                        "case #{other} is not a case of this project"
                    )));
                }
            }
        }
        _ => None,
    };
    let now = store::now();
    let answers_json = (!decision.answers.is_empty())
        .then(|| serde_json::to_string(&decision.answers))
        .transpose()
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let reason = match &decision.verdict {
        Verdict::Reject(r) => Some(r.as_str()),
        _ => None,
    };
    let message = reporter_message(&policy, &case, decision, original.as_ref());
    let mut tx = db.begin().await?;
    super::transition::transition(
        &mut tx,
        case_ref,
        from,
        decision.verdict.action(),
        &Beside::Decision(store::case_state::Decision {
            reason,
            note: (!note.is_empty()).then_some(note),
            threat_answers: answers_json.as_deref(),
            duplicate_of: original.as_ref().map(|o| o.id),
            target_fix_due_at: (to == CaseState::Accepted)
                .then(|| policy.clocks.target_fix.map(|d| now + d.as_seconds_i64()))
                .flatten(),
        }),
    )
    .await?;
    // A CVE ID from the project's pool, when the policy uses them and the pool has one.
    let cve = if to == CaseState::Accepted && policy.cve.cna != crate::domain::policy::CnaMode::None
    {
        super::advisories::assign_on_acceptance(&mut tx, case.project_id, case.id).await?
    } else {
        None
    };
    if let Some(text) = &message {
        tell_reporter(
            &mut tx,
            cfg,
            &project,
            &case,
            &messages,
            user_id,
            text,
            &format!("Case #{}: {}", case.id, decision_subject(&decision.verdict)),
            "decision",
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        &format!("case.{}", to.as_str().replace('-', "_")),
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({
            "from": from.as_str(),
            "reason": reason,
            "duplicate_of": original.as_ref().map(|o| o.id),
            "threat_model": decision.answers,
            "reporter_told": message.is_some() && case.reporter_email.is_some(),
            "cve": cve,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// The line a rejection adds when the reporter may take the issue to the public
/// tracker: a report that is not a vulnerability, or describes documented behaviour
/// (CPython: "If the PSRT determines the report isn't a vulnerability, the reporter may
/// open a public issue"). Never for out-of-scope or unsupported-version rejections,
/// which may still be vulnerabilities (in a dependency, in an old release).
fn public_line(reason: RejectReason, tracker: Option<&str>) -> Option<String> {
    match (reason, tracker) {
        (RejectReason::NotVulnerability | RejectReason::DocumentedBehaviour, Some(tracker)) => {
            Some(format!(
                "As this is not a security issue, you are welcome to report it in public: {tracker}"
            ))
        }
        (RejectReason::NotVulnerability | RejectReason::DocumentedBehaviour, None) => Some(
            "As this is not a security issue, you are welcome to raise it in public.".to_owned(),
        ),
        _ => None,
    }
}

fn decision_subject(v: &Verdict) -> &'static str {
    match v {
        Verdict::Accept => "accepted",
        Verdict::Reject(_) => "not accepted",
        Verdict::Duplicate(_) => "already reported",
        Verdict::Spam => "received",
        Verdict::PublicFix => "to be fixed in public",
    }
}

/// The plain lifecycle steps the team takes without a decision form: start the fix,
/// go back from a schedule to fixing, close, reopen. (Triage decisions go through
/// [`decide`]; the disclosure steps through the disclosure schedule.)
pub async fn act(
    db: &Db,
    case_ref: &CaseRef,
    action: Action,
    note: &str,
) -> Result<CaseState, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    if !matches!(
        action,
        Action::StartFix | Action::Close | Action::Reopen | Action::Unschedule
    ) {
        return Err(ServiceError::Invalid(format!(
            "`{action}` is not a plain step: {}",
            match action {
                Action::Acknowledge => "acknowledge with a message",
                Action::Accept
                | Action::Reject
                | Action::MarkDuplicate
                | Action::MarkSpam
                | Action::PublicFix => "use the triage decision",
                _ => "it belongs to the disclosure schedule",
            }
        )));
    }
    if action == Action::Unschedule {
        return super::disclosure::unschedule(db, case_ref, note).await;
    }
    let case = case_row(db, case_id).await?;
    let from: CaseState = case.state;
    let to = from.apply(action).map_err(conflict)?;
    let note = note.trim();
    let mut tx = db.begin().await?;
    super::transition::transition(&mut tx, case_ref, from, action, &Beside::Nothing).await?;
    audit::record(
        &mut tx,
        actor,
        &format!("case.{}", action.as_str().replace('-', "_")),
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"from": from.as_str(), "to": to.as_str(), "note": (!note.is_empty()).then_some(note)}),
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// A change to a case's severity as the team enters it (text fields, as forms and the API
/// give them). Each field is a patch: absent leaves it as it is, empty (or JSON `null`)
/// clears it, anything else replaces it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SeverityInput {
    /// One of the policy's levels.
    #[serde(default, deserialize_with = "cleared_by_null")]
    pub level: Option<String>,
    /// A CVSS 3.1 (or 3.0) vector.
    #[serde(default, deserialize_with = "cleared_by_null")]
    pub cvss3: Option<String>,
    /// A CVSS 4.0 vector.
    #[serde(default, deserialize_with = "cleared_by_null")]
    pub cvss4: Option<String>,
    /// `CWE-79` or `79`.
    #[serde(default, deserialize_with = "cleared_by_null")]
    pub cwe: Option<String>,
}

/// A present field that is `null` clears (like an empty string); an absent one (handled by
/// `#[serde(default)]`) leaves the value as it is.
fn cleared_by_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(Some(v.unwrap_or_default()))
}

/// What a severity field becomes: `None` cleared, or the new value.
fn patched<T>(
    given: Option<&String>,
    current: Option<T>,
    parse: impl FnOnce(&str) -> Result<T, ServiceError>,
) -> Result<Option<T>, ServiceError> {
    match given.map(|t| t.trim()) {
        None => Ok(current),
        Some("") => Ok(None),
        Some(text) => parse(text).map(Some),
    }
}

/// Set a case's severity: the level must be one of the policy's, vectors must parse and
/// be of a version the policy scores with, the CWE must be an assignable entry and the
/// policy must assign CWEs. Fields not given keep their values.
pub async fn set_severity(
    db: &Db,
    case_ref: &CaseRef,
    input: &SeverityInput,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = policy_for(&project)?;
    let level = patched(input.level.as_ref(), case.severity.clone(), |level| {
        let levels = &policy.severity.levels;
        match levels.iter().find(|l| l.name.eq_ignore_ascii_case(level)) {
            Some(l) => Ok(l.name.clone()),
            None if levels.is_empty() => Err(ServiceError::Invalid(
                "this project's policy defines no severity levels; leave the level empty".into(),
            )),
            None => Err(ServiceError::Invalid(format!(
                "`{level}` is not one of this project's levels: {}",
                levels
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    })?;
    let vector = |text: &str, want: &str, version: CvssVersion| -> Result<String, ServiceError> {
        if !policy.severity.cvss.contains(&version) {
            return Err(ServiceError::Invalid(if policy.severity.cvss.is_empty() {
                format!(
                    "this project's policy does not score with CVSS (`severity.cvss = []`); \
                     leave the CVSS {want} field empty and rate with the project's levels"
                )
            } else {
                format!(
                    "this project's policy does not score with CVSS {want}; it uses: {}",
                    policy
                        .severity
                        .cvss
                        .iter()
                        .map(|c| format!("CVSS {}", c.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }));
        }
        let v =
            cvss::parse(text).map_err(|e| ServiceError::Invalid(format!("CVSS {want}: {e}")))?;
        if !v.version().starts_with(want) {
            return Err(ServiceError::Invalid(format!(
                "the CVSS {want} field holds a CVSS {} vector",
                v.version()
            )));
        }
        Ok(v.summary().canonical)
    };
    let v3 = patched(input.cvss3.as_ref(), case.cvss3.clone(), |t| {
        vector(t, "3", CvssVersion::V3_1)
    })?;
    let v4 = patched(input.cvss4.as_ref(), case.cvss4.clone(), |t| {
        vector(t, "4", CvssVersion::V4_0)
    })?;
    let cwe_id = patched(input.cwe.as_ref(), case.cwe, |text| {
        if !policy.severity.cwe {
            return Err(ServiceError::Invalid(
                "this project's policy does not assign CWEs (`severity.cwe = false`); leave the CWE empty"
                    .into(),
            ));
        }
        let entry = cwe::lookup(text).map_err(ServiceError::Invalid)?;
        if !entry.assignable() {
            return Err(ServiceError::Invalid(format!(
                "CWE-{} is a {} ({}); choose a weakness",
                entry.id,
                entry.kind,
                entry.status.to_lowercase()
            )));
        }
        Ok(i64::from(entry.id))
    })?;
    // The score that counts: 4.0 over 3.1, recomputed from the stored canonical vectors.
    let score = [v4.as_deref(), v3.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|v| cvss::parse(v).ok().map(|p| p.summary().score));
    let mut tx = db.begin().await?;
    store::cases::set_severity(
        tx.conn(),
        case.id,
        &store::cases::SeverityAssessment {
            level: level.as_deref(),
            cvss3: v3.as_deref(),
            cvss4: v4.as_deref(),
            score,
            cwe: cwe_id,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.severity_set",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({
            "level": level,
            "cvss3": v3,
            "cvss4": v4,
            "score": score,
            "cwe": cwe_id,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Assign the case to a team member of its project (or to nobody).
pub async fn assign(
    db: &Db,
    case_ref: &CaseRef,
    assignee: Option<i64>,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    if let Some(uid) = assignee
        && !super::projects::is_team(db, case.project_id, uid, false).await?
    {
        return Err(ServiceError::Invalid(
            "only a member of the project's team can be assigned".into(),
        ));
    }
    let mut tx = db.begin().await?;
    store::cases::set_assignee(tx.conn(), case.id, assignee).await?;
    audit::record(
        &mut tx,
        actor,
        "case.assigned",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"assignee": assignee}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The inbox: open cases of the member's projects (all for an administrator), the most
/// urgent clock first, filtered.
pub async fn inbox(
    db: &Db,
    user_id: i64,
    is_admin: bool,
    filter: &store::cases::InboxFilter<'_>,
) -> Result<Vec<store::cases::InboxRow>, ServiceError> {
    let mut f = filter.clone();
    f.member = (!is_admin).then_some(user_id);
    f.query = f.query.map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = f.query
        && q.len() > 200
    {
        return Err(ServiceError::Invalid(
            "the search is longer than 200 characters".into(),
        ));
    }
    if f.limit <= 0 {
        f.limit = 200;
    }
    let mut c = db.acquire().await?;
    Ok(store::cases::inbox(c.conn(), &f).await?)
}

/// The affected versions of a case under its project's policy on a date.
#[derive(Debug, Clone)]
pub struct AffectedView {
    /// The entries as stored.
    pub lines: Vec<String>,
    /// What they mean under the policy (`None` when nothing is entered).
    pub assessment: Option<crate::domain::policy::support::Assessment>,
}

/// Record a case's affected versions (one entry per line in the project's scheme;
/// empty clears them).
pub async fn set_affected(
    db: &Db,
    case_ref: &CaseRef,
    text: &str,
) -> Result<AffectedView, ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let project = project_of(db, &case).await?;
    let policy = policy_for(&project)?;
    let parsed = crate::domain::affected::parse(policy.versions.scheme, text)
        .map_err(ServiceError::Invalid)?;
    let stored = (!parsed.lines.is_empty()).then(|| parsed.lines.join("\n"));
    let view = assess(&policy, &parsed)?;
    let mut tx = db.begin().await?;
    store::cases::set_affected(tx.conn(), case.id, stored.as_deref()).await?;
    audit::record(
        &mut tx,
        actor,
        "case.affected_set",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({
            "affected": parsed.lines,
            "supported": view.assessment.as_ref().map(|a| a.supported.iter().map(|s| s.series.clone()).collect::<Vec<_>>()),
            "public_fix": view.assessment.as_ref().map(|a| a.public_fix),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

fn assess(
    policy: &Policy,
    parsed: &crate::domain::affected::Affected,
) -> Result<AffectedView, ServiceError> {
    let assessment = if parsed.lines.is_empty() {
        None
    } else {
        let today = jiff::Zoned::now().date();
        Some(
            crate::domain::policy::support::assess(
                &policy.versions,
                today,
                &parsed.ranges,
                &parsed.versions,
            )
            .map_err(|e| ServiceError::Invalid(e.to_string()))?,
        )
    };
    Ok(AffectedView {
        lines: parsed.lines.clone(),
        assessment,
    })
}

/// A case's affected versions, assessed under its project's policy today.
pub fn affected_of(
    project: &store::projects::ProjectRow,
    case: &CaseRow,
) -> Result<AffectedView, ServiceError> {
    let policy = policy_for(project)?;
    let parsed = crate::domain::affected::parse(
        policy.versions.scheme,
        case.affected.as_deref().unwrap_or(""),
    )
    .map_err(ServiceError::Internal)?;
    assess(&policy, &parsed)
}

#[cfg(test)]
mod mail_snapshots {
    //! The reporter's decision mail, per verdict (`cargo insta review` after a change).
    use super::*;
    use askama::Template;

    fn body<'a>(verdict: &'a str, reason: &'a str, public: Option<String>) -> DecisionBody<'a> {
        DecisionBody {
            verdict,
            case_id: 7,
            target_fix: Some("90 days".into()),
            confidential: true,
            reason,
            credit: true,
            note: "Reproduced on 5.2 with the attached script.",
            cited: vec![
                "- The attacker controls input the project treats as untrusted (untrusted-input): met — the filter is public".into(),
                "- The behaviour is not documented (not-documented): met".into(),
            ],
            reference: " (https://docs.djangoproject.com/en/dev/internals/security/)".into(),
            public,
        }
    }

    #[test]
    fn documented_behaviour_may_go_public_like_a_non_vulnerability() {
        let tracker = Some("https://github.com/python/cpython/issues");
        for r in [
            RejectReason::NotVulnerability,
            RejectReason::DocumentedBehaviour,
        ] {
            assert!(
                public_line(r, tracker)
                    .unwrap()
                    .contains("github.com/python/cpython/issues")
            );
            assert!(public_line(r, None).is_some());
        }
        for r in [RejectReason::OutOfScope, RejectReason::UnsupportedVersion] {
            assert_eq!(public_line(r, tracker), None);
        }
    }

    #[test]
    fn decision_per_verdict() {
        let mut all = Vec::new();
        for b in [
            body("accept", "", None),
            body(
                "reject",
                "not a security vulnerability",
                Some("As this is not a security issue, you are welcome to report it in public: https://code.djangoproject.com/".into()),
            ),
            DecisionBody {
                cited: Vec::new(),
                ..body("duplicate", "", None)
            },
            DecisionBody {
                note: "",
                ..body("public-fix", "", None)
            },
        ] {
            all.push(format!("[{}]\n{}", b.verdict, b.render().unwrap()));
        }
        insta::assert_snapshot!(all.join("\n=====\n"));
    }
}
