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
    format!(
        "The {name} security team will release security fixes on {approx} ({zone}; {utc}).\n\n\
         Number of issues: {n}\n\
         Severity: {severity}\n\n\
         The details will be published at that time at {archive}\n\
         Until then they are confidential; this notice says everything that is public.\n",
        name = project.name,
        utc = utc(at),
        severity = severity.join(", "),
        archive = cfg.link(&format!("/p/{}/advisories", project.slug)),
    )
}

pub(super) fn pre_notification_text(
    src: &Sources,
    a: &Advisory,
    disclose_at: i64,
    patches: &[store::patches::PatchRow],
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "CONFIDENTIAL: {} security pre-notification\n\n\
         You receive this as a member of the {} security notification list. The issue below\n\
         is under embargo until the disclosure date: share it only with the people in your\n\
         organisation who need it to prepare updates, and do not make anything public before then.\n\n\
         Disclosure: {}\n            = {}\n\n",
        src.project.name,
        src.project.name,
        show(disclose_at, &a.zone),
        utc(disclose_at)
    ));
    out.push_str(&format!("Title: {}\n", a.title));
    if let Some(cve) = &a.cve {
        out.push_str(&format!("CVE: {cve}\n"));
    }
    if let Some(level) = &a.severity {
        out.push_str(&format!("Severity: {level}\n"));
    }
    for c in &a.cvss {
        out.push_str(&format!(
            "CVSS {}: {} ({} {})\n",
            c.version, c.vector, c.base_score, c.base_severity
        ));
    }
    if let Some(w) = &a.cwe {
        out.push_str(&format!("Weakness: CWE-{} {}\n", w.id, w.name));
    }
    let section = |out: &mut String, head: &str, body: &str| {
        if !body.trim().is_empty() {
            out.push_str(&format!(
                "\n{head}\n{}\n{}\n",
                "-".repeat(head.len()),
                body.trim()
            ));
        }
    };
    section(&mut out, "Summary", &a.summary);
    section(&mut out, "Description", &a.description);
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
    section(&mut out, "Affected supported versions", &affected);
    section(&mut out, "Fixed versions", &a.fixed.join("\n"));
    section(&mut out, "Remedy", &a.remedy);
    section(&mut out, "Workarounds", &a.workarounds);
    let patch_list: Vec<String> = patches
        .iter()
        .map(|p| {
            format!(
                "- {} ({}, +{} -{}): {}",
                p.branch, p.title, p.added, p.removed, p.files
            )
        })
        .collect();
    section(
        &mut out,
        "Patches (attached, reviewed)",
        &patch_list.join("\n"),
    );
    out.push_str(&format!(
        "\nAttached: {}.csaf.json (CSAF 2.0, TLP:AMBER)\n",
        a.id
    ));
    out
}
/// The public disclosure notice: what the advisory page says, in short, with its link.
pub(super) fn notice_text(a: &Advisory) -> String {
    let mut out = format!(
        "{} security advisory {}\n\n{}\n\n",
        a.product.name, a.id, a.title
    );
    if let Some(cve) = &a.cve {
        out.push_str(&format!("CVE: {cve}\n"));
    }
    if let Some(s) = &a.severity {
        out.push_str(&format!("Severity: {s}\n"));
    }
    for c in &a.cvss {
        out.push_str(&format!(
            "CVSS {}: {} ({})\n",
            c.version, c.vector, c.base_score
        ));
    }
    out.push_str(&format!("\n{}\n", a.summary));
    if !a.fixed.is_empty() {
        out.push_str(&format!("\nFixed in: {}\n", a.fixed.join(", ")));
    }
    if !a.workarounds.trim().is_empty() {
        out.push_str(&format!("\nWorkarounds:\n{}\n", a.workarounds.trim()));
    }
    out.push_str(&format!("\nThe full advisory: {}\n", a.url));
    out
}
