//! The mail bodies of disclosure, each built from explicit fields: the
//! pre-announcement has no access to any case text.

use super::*;

/// The pre-announcement's text: built from the date, the zone, the project's name, the
/// severity levels and the count — it has no access to any case text.
pub(super) fn pre_announcement_text(
    project: &ProjectRow,
    policy: &Policy,
    cfg: &Config,
    at: i64,
    zone: &str,
    joint: &[(i64, CaseState, Option<String>)],
) -> String {
    let n = joint.len();
    let mut levels: Vec<(String, usize)> = Vec::new();
    for (_, _, sev) in joint {
        let name = sev.clone().unwrap_or_else(|| "not yet rated".into());
        match levels.iter_mut().find(|(l, _)| *l == name) {
            Some((_, c)) => *c += 1,
            None => levels.push((name, 1)),
        }
    }
    // In the policy's order (most severe first), unknown levels last.
    let rank = |l: &str| {
        policy
            .severity
            .levels
            .iter()
            .position(|x| x.name.eq_ignore_ascii_case(l))
            .unwrap_or(usize::MAX)
    };
    levels.sort_by_key(|(l, _)| rank(l));
    let severity: Vec<String> = levels
        .iter()
        .map(|(l, c)| format!("{c} {}", l.to_lowercase()))
        .collect();
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let approx = jiff::Timestamp::from_second(at)
        .map(|ts| {
            ts.to_zoned(tz)
                .strftime("%A %Y-%m-%d, around %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    render(&PreAnnouncement {
        name: &project.name,
        approx,
        zone,
        utc: Timestamp(at).minute(),
        count: n,
        severity: severity.join(", "),
        archive: cfg.link(&format!("/p/{}/advisories", project.slug)),
    })
}

pub(super) fn pre_notification_text(
    src: &Sources,
    a: &Advisory,
    disclose_at: i64,
    patches: &[store::patches::PatchRow],
) -> String {
    let mut facts = Vec::new();
    if let Some(cve) = &a.cve {
        facts.push(format!("CVE: {cve}"));
    }
    if let Some(level) = &a.severity {
        facts.push(format!("Severity: {level}"));
    }
    for c in &a.cvss {
        facts.push(format!(
            "CVSS {}: {} ({} {})",
            c.version, c.vector, c.base_score, c.base_severity
        ));
    }
    if let Some(w) = &a.cwe {
        facts.push(format!("Weakness: CWE-{} {}", w.id, w.name));
    }
    let assessed = crate::service::triage::affected_of(&src.project, &src.case)
        .ok()
        .and_then(|v| v.assessment);
    let affected = match assessed {
        Some(assessment) if !assessment.supported.is_empty() => assessment
            .supported
            .iter()
            .map(|s| match &s.fixed_in {
                Some(f) => format!("- {} ({}), fixed in {f}", s.series, s.status),
                None => format!("- {} ({})", s.series, s.status),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => a
            .affected
            .iter()
            .map(|r| format!("- {}", r.describe()))
            .chain(a.affected_versions.iter().map(|v| format!("- {v}")))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let patch_list: Vec<String> = patches
        .iter()
        .map(|p| {
            format!(
                "- {} ({}, +{} -{}): {}",
                p.branch, p.title, p.added, p.removed, p.files
            )
        })
        .collect();
    render(&PreNotification {
        project: &src.project.name,
        disclose_local: show(disclose_at, &a.zone),
        disclose_utc: Timestamp(disclose_at).minute(),
        title: &a.title,
        facts,
        sections: sections(&[
            ("Summary", &a.summary),
            ("Description", &a.description),
            ("Affected supported versions", &affected),
            ("Fixed versions", &a.fixed.join("\n")),
            ("Remedy", &a.remedy),
            ("Workarounds", &a.workarounds),
            ("Patches (attached, reviewed)", &patch_list.join("\n")),
        ]),
        id: &a.id,
    })
}

/// The titled sections that have text: (title, its underline, the text).
fn sections(parts: &[(&str, &str)]) -> Vec<(String, String, String)> {
    parts
        .iter()
        .filter(|(_, body)| !body.trim().is_empty())
        .map(|(head, body)| {
            (
                (*head).to_owned(),
                "-".repeat(head.len()),
                body.trim().to_owned(),
            )
        })
        .collect()
}

/// The public disclosure notice: what the advisory page says, in short, with its link.
pub(super) fn notice_text(a: &Advisory) -> String {
    let mut facts = Vec::new();
    if let Some(cve) = &a.cve {
        facts.push(format!("CVE: {cve}"));
    }
    if let Some(s) = &a.severity {
        facts.push(format!("Severity: {s}"));
    }
    for c in &a.cvss {
        facts.push(format!(
            "CVSS {}: {} ({})",
            c.version, c.vector, c.base_score
        ));
    }
    render(&Notice {
        product: &a.product.name,
        id: &a.id,
        title: &a.title,
        facts,
        summary: &a.summary,
        fixed: (!a.fixed.is_empty()).then(|| a.fixed.join(", ")),
        workarounds: Some(a.workarounds.trim()).filter(|w| !w.is_empty()),
        url: &a.url,
    })
}

/// What a team is told when a scheduled step failed for good (a note on the case and,
/// with the case's link, a mail to each member).
pub(super) fn step_failed_text(job: &Job, error: &str, patience_minutes: i64) -> String {
    let step = match job.kind.as_str() {
        PRE_ANNOUNCE => "pre-announcement",
        PRE_NOTIFY => "pre-notification",
        PUBLISH => "publication",
        other => other,
    };
    render(&StepFailed {
        step,
        case_id: job.case_id,
        attempts: job.attempts,
        minutes: patience_minutes,
        error,
        command: &job.kind,
    })
}

/// The team's notice of members a pre-notification could not reach (no usable key).
pub(super) fn unreached_text(case_id: i64, sent: usize, unreached: &[Unreached]) -> String {
    render(&UnreachedNotice {
        case_id,
        sent,
        unreached: unreached
            .iter()
            .map(|u| (u.address.clone(), u.member_id, u.reason.clone()))
            .collect(),
    })
}

/// The notice of a moved date to those already told: confidential (list members, who
/// were pre-notified) or public (announce lists and subscribers, who saw only the date).
pub(super) fn date_moved_text(project: &str, confidential: bool, at: i64, zone: &str) -> String {
    render(&DateMoved {
        project,
        confidential,
        local: show(at, zone),
        utc: Timestamp(at).minute(),
    })
}

/// The reporter's notice that their advisory is public.
pub(super) fn published_text(url: &str) -> String {
    render(&Published { url })
}

#[derive(askama::Template)]
#[template(path = "email/published/body.txt")]
struct Published<'a> {
    url: &'a str,
}

fn render(t: &impl askama::Template) -> String {
    // The templates are plain text over owned fields: rendering cannot fail short of
    // running out of memory; an error would show in the snapshot tests.
    t.render()
        .unwrap_or_else(|e| format!("(mail template error: {e})"))
}

#[derive(askama::Template)]
#[template(path = "email/pre_announcement/body.txt")]
struct PreAnnouncement<'a> {
    name: &'a str,
    approx: String,
    zone: &'a str,
    utc: String,
    count: usize,
    severity: String,
    archive: String,
}

#[derive(askama::Template)]
#[template(path = "email/pre_notification/body.txt")]
struct PreNotification<'a> {
    project: &'a str,
    disclose_local: String,
    disclose_utc: String,
    title: &'a str,
    facts: Vec<String>,
    sections: Vec<(String, String, String)>,
    id: &'a str,
}

#[derive(askama::Template)]
#[template(path = "email/notice/body.txt")]
struct Notice<'a> {
    product: &'a str,
    id: &'a str,
    title: &'a str,
    facts: Vec<String>,
    summary: &'a str,
    fixed: Option<String>,
    workarounds: Option<&'a str>,
    url: &'a str,
}

#[derive(askama::Template)]
#[template(path = "email/step_failed/body.txt")]
struct StepFailed<'a> {
    step: &'a str,
    case_id: i64,
    attempts: i64,
    minutes: i64,
    error: &'a str,
    command: &'a str,
}

#[derive(askama::Template)]
#[template(path = "email/pre_notification_unreached/body.txt")]
struct UnreachedNotice {
    case_id: i64,
    sent: usize,
    unreached: Vec<(String, i64, String)>,
}

#[derive(askama::Template)]
#[template(path = "email/date_moved/body.txt")]
struct DateMoved<'a> {
    project: &'a str,
    confidential: bool,
    local: String,
    utc: String,
}

#[cfg(test)]
mod tests {
    //! Snapshots of every disclosure mail body (`cargo insta review` after a change).
    use super::*;

    #[test]
    fn published_to_the_reporter() {
        insta::assert_snapshot!(published_text(
            "https://security.example.org/p/django/advisories/DJANGO-2026-001"
        ));
    }

    #[test]
    fn pre_announcement() {
        insta::assert_snapshot!(render(&PreAnnouncement {
            name: "Django",
            approx: "Tuesday 2026-12-01, around 15:00 CET".into(),
            zone: "Europe/Amsterdam",
            utc: "2026-12-01 14:00:00 UTC".into(),
            count: 2,
            severity: "1 high, 1 moderate".into(),
            archive: "https://security.example.org/p/django/advisories".into(),
        }));
    }

    #[test]
    fn pre_notification() {
        insta::assert_snapshot!(render(&PreNotification {
            project: "Django",
            disclose_local: "Tuesday 2026-12-01 15:00 CET (Europe/Amsterdam)".into(),
            disclose_utc: "2026-12-01 14:00:00 UTC".into(),
            title: "Potential SQL injection in QuerySet.order_by()",
            facts: vec![
                "CVE: CVE-2026-40001".into(),
                "Severity: High".into(),
                "CVSS 3.1: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N (9.1 CRITICAL)".into(),
                "Weakness: CWE-89 Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')".into(),
            ],
            sections: sections(&[
                ("Summary", "order_by() passed column aliases to SQL unchecked."),
                ("Description", ""),
                ("Affected supported versions", "- 5.2 (security fixes only), fixed in 5.2.3\n- 4.2 (long-term support)"),
                ("Fixed versions", "5.2.3\n4.2.17"),
                ("Remedy", "Upgrade."),
                ("Workarounds", "  "),
                ("Patches (attached, reviewed)", "- main (Fix order_by, +1 -1): django/db/models/sql/query.py"),
            ]),
            id: "DJANGO-EMBARGOED-7",
        }));
    }

    #[test]
    fn notice() {
        insta::assert_snapshot!(render(&Notice {
            product: "Django",
            id: "DJANGO-2026-001",
            title: "Potential SQL injection in QuerySet.order_by()",
            facts: vec!["CVE: CVE-2026-40001".into(), "Severity: High".into()],
            summary: "order_by() passed column aliases to SQL unchecked.",
            fixed: Some("5.2.3, 4.2.17".into()),
            workarounds: None,
            url: "https://security.example.org/p/django/advisories/DJANGO-2026-001",
        }));
    }

    #[test]
    fn step_failed() {
        insta::assert_snapshot!(render(&StepFailed {
            step: "pre-notification",
            case_id: 7,
            attempts: 12,
            minutes: 211,
            error: "no key to sign with: the sending member has no personal key and the project has none",
            command: "pre-notify",
        }));
    }

    #[test]
    fn pre_notification_unreached() {
        insta::assert_snapshot!(render(&UnreachedNotice {
            case_id: 7,
            sent: 41,
            unreached: vec![
                (
                    "ops@distro.example".into(),
                    12,
                    "the key on file has expired".into()
                ),
                ("sec@vendor.example".into(), 30, "no key on file".into()),
            ],
        }));
    }

    #[test]
    fn date_moved_to_members_and_to_the_public() {
        let members = DateMoved {
            project: "Django",
            confidential: true,
            local: "Tuesday 2026-12-08 15:00 CET (Europe/Amsterdam)".into(),
            utc: "2026-12-08 14:00:00 UTC".into(),
        };
        let public = DateMoved {
            confidential: false,
            local: members.local.clone(),
            utc: members.utc.clone(),
            ..members
        };
        insta::assert_snapshot!(format!("{}=====\n{}", render(&members), render(&public)));
    }
}
