//! The CVSS calculator for the team (`/team/cvss`): one select per metric, no
//! JavaScript; submitting (GET) shows the vector, its scores and rating as FIRST's
//! specifications compute them. Opened from a case (`?case=N`), it can save the
//! vector to that case's severity.

use super::{Nav, render};
use crate::domain::cvss::{self, v3, v4};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use std::collections::HashMap;

/// A version's metrics with their allowed values.
type Metrics = &'static [(&'static str, &'static [&'static str])];
/// Where each metric group starts, with its name.
type Groups = &'static [(usize, &'static str)];

/// One metric's select.
struct MetricField {
    key: String,
    label: String,
    /// (value, its name, chosen).
    options: Vec<(String, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "cvss.html")]
struct CalculatorPage {
    nav: Nav,
    version: String,
    groups: Vec<(&'static str, Vec<MetricField>)>,
    vector: Option<String>,
    scores: Vec<String>,
    rating: String,
    error: Option<String>,
    case_id: Option<i64>,
    /// What saving replaces on the case (named beside the button).
    replaces: String,
    keep_level: String,
    keep_cvss3: String,
    keep_cvss4: String,
    keep_cwe: String,
}

/// A metric's full name as FIRST's calculators show it (`MAV` → "Modified Attack Vector").
fn label(version: &str, key: &str) -> String {
    let base = |k: &str| -> &'static str {
        match k {
            "AV" => "Attack Vector",
            "AC" => "Attack Complexity",
            "AT" => "Attack Requirements",
            "PR" => "Privileges Required",
            "UI" => "User Interaction",
            "S" if version == "3.1" => "Scope",
            "S" => "Safety",
            "C" => "Confidentiality Impact",
            "I" => "Integrity Impact",
            "A" => "Availability Impact",
            "VC" => "Confidentiality Impact to the Vulnerable System",
            "VI" => "Integrity Impact to the Vulnerable System",
            "VA" => "Availability Impact to the Vulnerable System",
            "SC" => "Confidentiality Impact to the Subsequent System",
            "SI" => "Integrity Impact to the Subsequent System",
            "SA" => "Availability Impact to the Subsequent System",
            "E" => "Exploit Maturity",
            "RL" => "Remediation Level",
            "RC" => "Report Confidence",
            "CR" => "Confidentiality Requirement",
            "IR" => "Integrity Requirement",
            "AR" => "Availability Requirement",
            "AU" => "Automatable",
            "R" => "Recovery",
            "V" => "Value Density",
            "RE" => "Vulnerability Response Effort",
            "U" => "Provider Urgency",
            _ => "",
        }
    };
    match key.strip_prefix('M') {
        Some(rest) if !base(rest).is_empty() => format!("Modified {}", base(rest)),
        _ => base(key).to_owned(),
    }
}

/// A metric value's name (`AV:N` → "Network"), for the option shown beside its letter.
fn value_name(version: &str, key: &str, value: &str) -> &'static str {
    let key = match key.strip_prefix('M') {
        Some(rest) if !label(version, rest).is_empty() => rest,
        _ => key,
    };
    match (key, value) {
        (_, "X") => "Not Defined",
        ("AV", "N") => "Network",
        ("AV", "A") => "Adjacent",
        ("AV", "L") => "Local",
        ("AV", "P") => "Physical",
        ("AC" | "PR" | "CR" | "IR" | "AR" | "RE", "L") => "Low",
        ("AC" | "PR" | "CR" | "IR" | "AR" | "RE", "H") => "High",
        ("CR" | "IR" | "AR", "M") => "Medium",
        ("RE", "M") => "Moderate",
        ("AT", "N") | ("PR" | "UI", "N") => "None",
        ("AT", "P") => "Present",
        ("UI", "R") => "Required",
        ("UI", "P") => "Passive",
        ("UI", "A") => "Active",
        ("S", "U") => "Unchanged",
        ("S", "C") => "Changed",
        ("S", "N") => "Negligible",
        ("S", "P") => "Present",
        ("C" | "I" | "A" | "VC" | "VI" | "VA" | "SC" | "SI" | "SA", "H") => "High",
        ("C" | "I" | "A" | "VC" | "VI" | "VA" | "SC" | "SI" | "SA", "L") => "Low",
        ("C" | "I" | "A" | "VC" | "VI" | "VA" | "SC" | "SI" | "SA", "N") => "None",
        ("SI" | "SA", "S") => "Safety",
        ("E", "U") if version == "3.1" => "Unproven",
        ("E", "U") => "Unreported",
        ("E", "P") => "Proof-of-Concept",
        ("E", "F") => "Functional",
        ("E", "H") => "High",
        ("E", "A") => "Attacked",
        ("RL", "O") => "Official Fix",
        ("RL", "T") => "Temporary Fix",
        ("RL", "W") => "Workaround",
        ("RL", "U") => "Unavailable",
        ("RC", "U") => "Unknown",
        ("RC", "R") => "Reasonable",
        ("RC", "C") => "Confirmed",
        ("AU", "N") => "No",
        ("AU", "Y") => "Yes",
        ("R", "A") => "Automatic",
        ("R", "U") => "User",
        ("R", "I") => "Irrecoverable",
        ("V", "D") => "Diffuse",
        ("V", "C") => "Concentrated",
        _ => "",
    }
}

/// `GET /team/cvss`.
pub async fn calculator(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    Query(mut q): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let version = match q.get("version").map(String::as_str) {
        Some("4.0") => "4.0",
        _ => "3.1",
    };
    // Opened from a case, before any metric is chosen: start from the case's own
    // vector of this version, so the page shows what is there, not defaults.
    if !q.contains_key("AV")
        && let Some(id) = q.get("case").and_then(|c| c.parse::<i64>().ok())
    {
        let case = super::open_case(&state, &s, id).await?.row().clone();
        let stored = if version == "4.0" {
            case.cvss4
        } else {
            case.cvss3
        };
        if let Some(rest) = stored
            .as_deref()
            .and_then(|v| v.strip_prefix(&format!("CVSS:{version}/")))
        {
            for part in rest.split('/') {
                if let Some((k, v)) = part.split_once(':') {
                    q.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    let (metrics, base_count, groups_at): (Metrics, usize, Groups) = if version == "4.0" {
        (
            v4::METRICS,
            11,
            &[
                (0, "Base"),
                (11, "Threat"),
                (12, "Environmental"),
                (26, "Supplemental"),
            ],
        )
    } else {
        (
            v3::METRICS,
            8,
            &[(0, "Base"), (8, "Temporal"), (11, "Environmental")],
        )
    };
    let submitted = q.contains_key("AV");
    let mut parts = Vec::new();
    let mut fields = Vec::new();
    for (i, (key, values)) in metrics.iter().enumerate() {
        let default = values[0];
        let chosen = q
            .get(*key)
            .map(String::as_str)
            .filter(|v| values.contains(v))
            .unwrap_or(default);
        if i < base_count || chosen != "X" {
            parts.push(format!("{key}:{chosen}"));
        }
        fields.push(MetricField {
            key: (*key).to_owned(),
            label: label(version, key),
            options: values
                .iter()
                .map(|v| ((*v).to_owned(), value_name(version, key, v), *v == chosen))
                .collect(),
        });
    }
    let mut groups = Vec::new();
    let mut rest = fields;
    for w in groups_at.iter().rev() {
        let tail = rest.split_off(w.0);
        groups.push((w.1, tail));
    }
    groups.reverse();
    let text = format!("CVSS:{version}/{}", parts.join("/"));
    let (vector, scores, rating, error) = if submitted {
        match cvss::parse(&text) {
            Ok(v) => {
                let s = v.summary();
                (
                    Some(s.canonical.clone()),
                    s.scores
                        .iter()
                        .map(|(n, x)| format!("{n} {x:.1}"))
                        .collect(),
                    s.rating.to_string(),
                    None,
                )
            }
            Err(e) => (None, Vec::new(), String::new(), Some(e.to_string())),
        }
    } else {
        (None, Vec::new(), String::new(), None)
    };
    let case_id = q.get("case").and_then(|c| c.parse::<i64>().ok());
    let (mut keep_level, mut keep_cvss3, mut keep_cvss4, mut keep_cwe) =
        (String::new(), String::new(), String::new(), String::new());
    // What saving would replace, shown beside the button: the page is built from its
    // query, so a crafted link must not turn the button into a blind change.
    let mut replaces = String::new();
    if let Some(id) = case_id {
        let case = super::open_case(&state, &s, id).await?.row().clone();
        keep_level = case.severity.unwrap_or_default();
        keep_cvss3 = case.cvss3.unwrap_or_default();
        keep_cvss4 = case.cvss4.unwrap_or_default();
        keep_cwe = case.cwe.map(|c| format!("CWE-{c}")).unwrap_or_default();
        if let Some(v) = &vector {
            let current = if version == "4.0" {
                std::mem::replace(&mut keep_cvss4, v.clone())
            } else {
                std::mem::replace(&mut keep_cvss3, v.clone())
            };
            replaces = if current.is_empty() {
                format!(
                    "Case #{id} “{}” has no CVSS {version} vector yet: saving sets the vector above (the case's severity level stays as it is)",
                    case.summary
                )
            } else {
                format!(
                    "Case #{id} “{}” has the CVSS {version} vector {current}: saving replaces it with the vector above (the case's severity level stays as it is)",
                    case.summary
                )
            };
        }
    }
    render(&CalculatorPage {
        nav: Nav::new(&s.user, csrf),
        version: version.to_owned(),
        groups,
        vector,
        scores,
        rating,
        error,
        case_id,
        replaces,
        keep_level,
        keep_cvss3,
        keep_cvss4,
        keep_cwe,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_and_value_has_its_full_name() {
        for (version, metrics) in [("3.1", v3::METRICS), ("4.0", v4::METRICS)] {
            for (key, values) in metrics.iter() {
                assert!(!label(version, key).is_empty(), "{version} {key}");
                for v in values.iter() {
                    // Provider Urgency's values are words already (Clear, Green, …).
                    if *key != "U" {
                        assert!(
                            !value_name(version, key, v).is_empty(),
                            "{version} {key}:{v}"
                        );
                    }
                }
            }
        }
        assert_eq!(label("3.1", "MAV"), "Modified Attack Vector");
        assert_eq!(value_name("4.0", "MSI", "S"), "Safety");
        assert_eq!(value_name("3.1", "E", "U"), "Unproven");
    }
}
