//! The machine-readable forms of an [`Advisory`](super::advisory::Advisory): OSV
//! ([`osv`]), a CVE JSON 5 CNA container ([`cve5`]) and CSAF 2.0 ([`csaf`]). Each is
//! a pure function of the advisory; tests validate every output against the
//! official schemas (and, for CSAF, the standard's mandatory tests).

pub mod csaf;
pub mod cve5;
pub mod news;
pub mod osv;

use super::advisory::Advisory;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OSV (schema 1.6).
    Osv,
    /// CVE JSON 5.1 CNA container.
    Cve5,
    /// CSAF 2.0 security advisory.
    Csaf,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "osv" => Ok(Self::Osv),
            "cve5" | "cve" => Ok(Self::Cve5),
            "csaf" => Ok(Self::Csaf),
            _ => Err(format!(
                "unknown export format `{s}`; use one of: osv, cve5, csaf"
            )),
        }
    }
}

impl Format {
    /// The file suffix used on advisory pages (`.osv.json`).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Osv => "osv.json",
            Self::Cve5 => "cve.json",
            Self::Csaf => "csaf.json",
        }
    }
}

/// The export of `a` in `format`, as pretty JSON; CSAF is TLP:WHITE (public).
pub fn render(a: &Advisory, format: Format) -> Result<String, String> {
    let value = match format {
        Format::Osv => osv::document(a),
        Format::Cve5 => cve5::cna_container(a)?,
        Format::Csaf => csaf::document(a, csaf::Tlp::White, csaf::Status::Final),
    };
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

/// A credit kind in the OSV / CSAF spelling (`remediation developer` → `REMEDIATION_DEVELOPER`).
pub(crate) fn upper_kind(kind: &str) -> String {
    kind.trim().replace([' ', '-'], "_").to_uppercase()
}

#[cfg(test)]
pub(crate) mod sample {
    use super::super::advisory::*;

    /// An advisory with every field filled.
    pub fn advisory() -> Advisory {
        Advisory {
            id: "DJANGO-2026-001".into(),
            osv_id: "x_DJANGO-2026-001".into(),
            product: Product {
                slug: "django".into(),
                name: "Django".into(),
                homepage: Some("https://www.djangoproject.com/".into()),
                ecosystem: Some("PyPI".into()),
                package: Some("Django".into()),
                version_scheme: "pep440".into(),
            },
            title: "Potential SQL injection in QuerySet.order_by()".into(),
            summary: "order_by() accepted crafted column aliases.".into(),
            description: "A crafted alias passed to order_by() reached SQL unquoted.".into(),
            remedy: "Upgrade to 5.2.3 or 4.2.17.".into(),
            workarounds: "Validate aliases against an allow-list.".into(),
            severity: Some("high".into()),
            cvss: vec![
                Cvss::from_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N").unwrap(),
                Cvss::from_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N")
                    .unwrap(),
            ],
            cwe: Some(Weakness {
                id: 89,
                name: "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')".into(),
            }),
            cve: Some("CVE-2026-12345".into()),
            affected: vec![
                Range {
                    introduced: Some("5.2".into()),
                    fixed: Some("5.2.3".into()),
                    last_affected: None,
                },
                Range {
                    introduced: Some("4.2".into()),
                    fixed: Some("4.2.17".into()),
                    last_affected: None,
                },
            ],
            affected_versions: vec![],
            fixed: vec!["5.2.3".into(), "4.2.17".into()],
            references: vec!["https://github.com/django/django/commit/0123456789abcdef".into()],
            credits: vec![Credit {
                name: "Ada Reporter".into(),
                kind: "finder".into(),
            }],
            published_at: 1_780_000_000,
            modified_at: 1_780_000_000,
            zone: "UTC".into(),
            url: "https://embargo.example/p/django/advisories/DJANGO-2026-001".into(),
            publisher_url: "https://embargo.example/p/django/".into(),
            cna_org_id: None,
        }
    }
}
