//! A report as a reporter submits it, and the policy's report rules applied
//! to it. Every violation names the rule and how to fix it.

use crate::domain::policy::{Policy, ReportField, format_size};

/// An attachment as submitted.
#[derive(Debug, Clone)]
pub struct SubmittedFile {
    /// File name.
    pub filename: String,
    /// Declared media type.
    pub content_type: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// A report before it becomes a case.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    /// One-line summary.
    pub summary: String,
    /// Description.
    pub details: String,
    /// Versions tested, and which were vulnerable.
    pub versions_tested: String,
    /// Proof of concept.
    pub proof_of_concept: String,
    /// Suggested patch.
    pub patch: String,
    /// A severity or CVSS vector the reporter offers.
    pub severity: String,
    /// Whether to be credited.
    pub wants_credit: bool,
    /// The name to credit.
    pub credit_as: String,
    /// Contact address (optional).
    pub email: String,
    /// Armored public key for encrypted replies (optional).
    pub public_key: String,
    /// Attachments.
    pub files: Vec<SubmittedFile>,
    /// Parts the reporter's mail client added (keys, detached signatures, vCards):
    /// kept with the case like attachments, never counted against the policy's
    /// attachment rules.
    pub client_parts: Vec<SubmittedFile>,
}

/// Longest reporter-offered severity or CVSS vector (a CVSS 4.0 vector with every
/// metric is about 300 bytes).
pub const MAX_SEVERITY: usize = 500;
/// Longest name to credit (it reaches public advisories).
pub const MAX_CREDIT_AS: usize = 200;
/// Longest contact address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The form field concerned.
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn v(field: &'static str, message: impl Into<String>) -> Violation {
    Violation {
        field,
        message: message.into(),
    }
}

/// Whether text carries a CVSS vector or a severity claim.
pub fn mentions_cvss(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find("CVSS:3.").or_else(|| upper.find("CVSS:4.0"))?;
    Some(
        text[at..]
            .split_whitespace()
            .next()
            .unwrap_or("CVSS")
            .chars()
            .take(60)
            .collect(),
    )
}

fn is_plain_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0)
}

/// A kind of file that is never plain text, recognised by its magic bytes or declared type.
fn non_text_kind(bytes: &[u8], declared: &str, filename: &str) -> Option<&'static str> {
    let name = filename.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF") || declared == "application/pdf" {
        Some("a PDF")
    } else if bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(b"MZ")
        || bytes.starts_with(b"\xcf\xfa\xed\xfe")
    {
        Some("a program binary")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("a ZIP archive")
    } else if name.ends_with(".ipynb")
        || declared.contains("ipynb")
        || bytes.windows(10).any(|w| w == b"\"nbformat\"")
    {
        Some("a notebook")
    } else if !is_plain_text(bytes) {
        Some("a binary file")
    } else {
        None
    }
}

/// Apply the policy's rules; every violation is returned.
pub fn check(policy: &Policy, r: &NewReport) -> Vec<Violation> {
    let rules = &policy.reports;
    let mut out = Vec::new();
    let summary = r.summary.trim();
    if summary.is_empty() {
        out.push(v("summary", "Give your report a one-line summary."));
    } else if summary.chars().count() > 200 {
        out.push(v("summary", "The summary is longer than 200 characters; keep it to one line and put the rest in the description."));
    }
    if r.details.trim().is_empty() {
        out.push(v(
            "details",
            "Describe the vulnerability: what is wrong, where, and what an attacker can do.",
        ));
    }
    for field in &rules.require {
        let (name, value, label) = match field {
            ReportField::TestedVersions => (
                "versions_tested",
                &r.versions_tested,
                "the versions you tested, and which were vulnerable",
            ),
            ReportField::ProofOfConcept => (
                "proof_of_concept",
                &r.proof_of_concept,
                "a proof of concept",
            ),
            ReportField::Patch => ("patch", &r.patch, "a patch"),
            ReportField::ReproductionSteps
            | ReportField::Impact
            | ReportField::Description
            | ReportField::ThreatModelCitation => continue,
        };
        if value.trim().is_empty() {
            out.push(v(
                name,
                format!(
                    "{} requires {label} in every report; please add it.",
                    policy.project.name
                ),
            ));
        }
    }
    // Short fields have their own bounds (F10: every field is limited).
    for (field, text, max, what) in [
        ("severity", &r.severity, MAX_SEVERITY, "The severity"),
        (
            "credit_as",
            &r.credit_as,
            MAX_CREDIT_AS,
            "The name to credit",
        ),
        ("email", &r.email, MAX_EMAIL, "The address"),
        (
            "public_key",
            &r.public_key,
            crate::pgp::MAX_KEY_INPUT,
            "The OpenPGP key",
        ),
    ] {
        if text.len() > max {
            let message = if field == "public_key" {
                format!(
                    "{what} is too large to accept ({} KiB, more than {} KiB). Export it without third-party signatures: gpg --export --armor --export-options export-minimal ADDRESS",
                    text.len().div_ceil(1024),
                    max / 1024
                )
            } else {
                format!("{what} is longer than {max} bytes; shorten it.")
            };
            out.push(v(field, message));
        }
    }
    if r.credit_as.chars().any(char::is_control) {
        out.push(v(
            "credit_as",
            "The name to credit must be one line of text.",
        ));
    }
    let total: usize = [
        &r.summary,
        &r.details,
        &r.versions_tested,
        &r.proof_of_concept,
        &r.patch,
        &r.severity,
        &r.credit_as,
        &r.public_key,
    ]
    .iter()
    .map(|s| s.len())
    .sum();
    if u64::try_from(total).unwrap_or(u64::MAX) > rules.max_bytes {
        out.push(v("details", format!("The report is {} long; {} accepts at most {}. Shorten it or move long material into a plain-text attachment.", format_size(u64::try_from(total).unwrap_or(0)), policy.project.name, format_size(rules.max_bytes))));
    }
    if rules.refuse_reporter_severity {
        if !r.severity.trim().is_empty() {
            out.push(v("severity", format!("{} asks reporters not to rate severity: the security team determines it. Leave the severity empty.", policy.project.name)));
        }
        for (field, text) in [
            ("summary", &r.summary),
            ("details", &r.details),
            ("proof_of_concept", &r.proof_of_concept),
        ] {
            if let Some(vector) = mentions_cvss(text) {
                out.push(v(field, format!("{} asks reporters not to include a CVSS score: the security team determines severity. Remove `{vector}` and submit again.", policy.project.name)));
            }
        }
    }
    let email = r.email.trim();
    if !email.is_empty() && email.parse::<crate::domain::email::EmailAddress>().is_err() {
        out.push(v("email", format!("`{email}` is not an e-mail address; correct it or leave it empty (you can follow your report through its private link).")));
    }
    let a = &rules.attachments;
    let files: Vec<&SubmittedFile> = r
        .files
        .iter()
        .filter(|f| !f.filename.is_empty() || !f.bytes.is_empty())
        .collect();
    if !files.is_empty() && (a.allowed_types.is_empty() || a.max_count == 0) {
        out.push(v(
            "files",
            format!(
                "{} does not accept attachments; paste the material into the report as text.",
                policy.project.name
            ),
        ));
        return out;
    }
    if files.len() > a.max_count as usize {
        out.push(v(
            "files",
            format!(
                "{} accepts at most {} attachments; you sent {}.",
                policy.project.name,
                a.max_count,
                files.len()
            ),
        ));
    }
    let plain_only = a.allowed_types.iter().all(|t| t.starts_with("text/"));
    for f in files {
        let declared = f
            .content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if u64::try_from(f.bytes.len()).unwrap_or(u64::MAX) > a.max_bytes {
            out.push(v(
                "files",
                format!(
                    "`{}` is {}; attachments may be at most {}.",
                    f.filename,
                    format_size(u64::try_from(f.bytes.len()).unwrap_or(0)),
                    format_size(a.max_bytes)
                ),
            ));
            continue;
        }
        if plain_only && let Some(kind) = non_text_kind(&f.bytes, &declared, &f.filename) {
            out.push(v("files", format!("`{}` is {kind}: {} accepts plain-text attachments only; paste the proof of concept as text (if it needs a binary file, attach a script that builds it).", f.filename, policy.project.name)));
            continue;
        }
        let allowed = a.allowed_types.contains(&declared)
            || (plain_only && declared.starts_with("text/"))
            || (plain_only && declared == "application/octet-stream" && is_plain_text(&f.bytes));
        if !allowed {
            out.push(v(
                "files",
                format!(
                    "`{}` has type {declared}; {} accepts only {}.",
                    f.filename,
                    policy.project.name,
                    a.allowed_types.join(", ")
                ),
            ));
        }
    }
    out
}

/// The report as the text of the case's first message.
pub fn as_text(r: &NewReport) -> String {
    let mut text = format!("{}\n\n{}\n", r.summary.trim(), r.details.trim());
    for (title, value) in [
        ("Versions tested", &r.versions_tested),
        ("Proof of concept", &r.proof_of_concept),
        ("Suggested patch", &r.patch),
        ("Severity suggested by the reporter", &r.severity),
    ] {
        if !value.trim().is_empty() {
            text.push_str(&format!("\n{title}:\n{}\n", value.trim_end()));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpython() -> Policy {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/policies/cpython.toml"
        ))
        .unwrap();
        Policy::parse(&src).unwrap()
    }

    fn report() -> NewReport {
        NewReport {
            summary: "Header injection".into(),
            details: "The parser accepts CRLF.".into(),
            versions_tested: "3.14.0 vulnerable".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_report_passes() {
        assert_eq!(check(&cpython(), &report()), []);
    }

    #[test]
    fn cpython_rules_name_the_rule_and_the_fix() {
        let p = cpython();
        let mut r = report();
        r.versions_tested.clear();
        r.details
            .push_str(" Score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        r.files.push(SubmittedFile {
            filename: "poc.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7 ...".to_vec(),
        });
        let got = check(&p, &r);
        let messages: Vec<&str> = got.iter().map(|v| v.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("requires the versions you tested")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("Remove `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("`poc.pdf` is a PDF: CPython accepts plain-text attachments only; paste the proof of concept as text")), "{messages:?}");
    }

    #[test]
    fn text_attachments_pass() {
        let mut r = report();
        r.files.push(SubmittedFile {
            filename: "poc.py".into(),
            content_type: "text/x-python".into(),
            bytes: b"print('x')\n".to_vec(),
        });
        assert_eq!(check(&cpython(), &r), []);
    }
}
