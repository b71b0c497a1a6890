//! A published advisory, as one self-contained document.
//!
//! At publication the case, its draft text, severity, affected versions, CVE ID and
//! credits are frozen into an [`Advisory`] and stored as JSON. The public pages, the
//! Atom feed and the three exports (OSV, CVE JSON 5, CSAF 2.0, in
//! [`super::export`]) read only that document: what was not in it at publication
//! cannot reach a public route. The same model, built from the case before
//! publication, is what the pre-notification's CSAF document (TLP:AMBER) describes.

use serde::{Deserialize, Serialize};

/// One affected range (versions as the project writes them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First affected version; `None`: from the beginning.
    pub introduced: Option<String>,
    /// First fixed version.
    pub fixed: Option<String>,
    /// Last affected version (when no fix exists on that line).
    pub last_affected: Option<String>,
}

impl Range {
    /// `>= 4.2, < 4.2.17` style text.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.introduced {
            parts.push(format!(">= {v}"));
        }
        if let Some(v) = &self.fixed {
            parts.push(format!("< {v}"));
        }
        if let Some(v) = &self.last_affected {
            parts.push(format!("<= {v}"));
        }
        if parts.is_empty() {
            "all versions".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A CVSS vector with its scores, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The canonical vector.
    pub vector: String,
    /// The base score (3.x) or the CVSS-B/BT/BE/BTE score (4.0).
    pub base_score: f64,
    /// `NONE`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL` for `base_score`.
    pub base_severity: String,
}

impl Cvss {
    /// From a stored vector; `None` if it does not parse (cannot happen for stored vectors).
    pub fn from_vector(text: &str) -> Option<Self> {
        let v = super::cvss::parse(text).ok()?;
        let s = v.summary();
        let base = s.scores.first().map(|(_, b)| *b).unwrap_or(s.score);
        Some(Self {
            version: s.version.to_owned(),
            vector: s.canonical,
            base_score: base,
            base_severity: super::cvss::Rating::of(base).as_str().to_uppercase(),
        })
    }
}

/// A credit, typed as CVE JSON 5 types them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// The name to show.
    pub name: String,
    /// `finder`, `reporter`, `analyst`, `coordinator`, `remediation developer`,
    /// `remediation reviewer`, `other`.
    pub kind: String,
}

/// A weakness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weakness {
    /// Numeric id (79).
    pub id: u32,
    /// MITRE's name.
    pub name: String,
}

/// The project as the advisory names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Slug.
    pub slug: String,
    /// Name (vendor and product).
    pub name: String,
    /// Homepage.
    pub homepage: Option<String>,
    /// OSV ecosystem of the package (`PyPI`, `npm`, `crates.io`, …), if any.
    pub ecosystem: Option<String>,
    /// Package name in that ecosystem.
    pub package: Option<String>,
    /// `pep440`, `semver` or `plain`.
    pub version_scheme: String,
}

/// A whole advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Public id (`DJANGO-2026-001`).
    pub id: String,
    /// OSV id (a registered prefix or `x_`).
    pub osv_id: String,
    /// The project.
    pub product: Product,
    /// Title.
    pub title: String,
    /// One-paragraph summary.
    pub summary: String,
    /// Full description.
    pub description: String,
    /// What to do (upgrade to …).
    pub remedy: String,
    /// Workarounds, if any.
    pub workarounds: String,
    /// The project's severity level.
    pub severity: Option<String>,
    /// CVSS vectors with scores.
    pub cvss: Vec<Cvss>,
    /// CWE.
    pub cwe: Option<Weakness>,
    /// CVE ID.
    pub cve: Option<String>,
    /// Affected ranges.
    pub affected: Vec<Range>,
    /// Affected single versions.
    pub affected_versions: Vec<String>,
    /// Fixed versions.
    pub fixed: Vec<String>,
    /// Patch, commit and other references (URLs).
    pub references: Vec<String>,
    /// Credits.
    pub credits: Vec<Credit>,
    /// Disclosure (publication) time, Unix seconds.
    pub published_at: i64,
    /// Last change, Unix seconds.
    pub modified_at: i64,
    /// The zone the disclosure was stated in.
    pub zone: String,
    /// The advisory's public URL.
    pub url: String,
    /// The publisher: the project name and its base URL on this instance.
    pub publisher_url: String,
    /// The CNA's organisation UUID (policy `cve.org_id`), for the CVE record.
    #[serde(default)]
    pub cna_org_id: Option<String>,
}

impl Advisory {
    /// Publication date and time in UTC, for lists.
    pub fn published_utc(&self) -> String {
        super::time::Timestamp(self.published_at).minute_bare()
    }
}

/// RFC 3339 UTC time of Unix seconds.
pub fn rfc3339(t: i64) -> String {
    super::time::Timestamp(t).rfc3339()
}

/// Lines of a text field, trimmed, without blanks.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Check a draft's references: each line an absolute http(s) URL.
pub fn check_references(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        match url::Url::parse(l) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => out.push(u.to_string()),
            _ => {
                return Err(format!(
                    "reference line {} (`{l}`) is not an http(s) URL; give one link per line",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

/// A CVE ID as MITRE writes it: `CVE-YYYY-NNNN…` (four or more digits).
pub fn check_cve_id(text: &str) -> Result<String, String> {
    let t = text.trim().to_uppercase();
    let ok = t
        .strip_prefix("CVE-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(year, num)| {
            year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && year.as_bytes()[0] != b'0'
                && num.len() >= 4
                && num.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(t)
    } else {
        Err(format!(
            "`{}` is not a CVE ID; write it as CVE-2026-12345",
            text.trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        assert_eq!(check_cve_id(" cve-2026-0001 ").unwrap(), "CVE-2026-0001");
        assert!(check_cve_id("CVE-2026-001").is_err());
        assert!(check_cve_id("CVE-26-0001").is_err());
        assert!(check_cve_id("GHSA-xxxx").is_err());
    }

    #[test]
    fn references_are_urls() {
        assert_eq!(
            check_references("https://example.org/a\n\nhttp://b.example/c")
                .unwrap()
                .len(),
            2
        );
        let e = check_references("https://ok.example\nnot a url").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn cvss_from_vectors() {
        let c = Cvss::from_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N").unwrap();
        assert_eq!(c.base_score, 9.1);
        assert_eq!(c.base_severity, "CRITICAL");
        assert!(Cvss::from_vector("nonsense").is_none());
    }

    #[test]
    fn ranges_describe_themselves() {
        let r = Range {
            introduced: Some("4.2".into()),
            fixed: Some("4.2.17".into()),
            last_affected: None,
        };
        assert_eq!(r.describe(), ">= 4.2, < 4.2.17");
    }
}
