//! OSV (Open Source Vulnerability format, schema 1.6): one JSON object per advisory.
//! Ranges are `ECOSYSTEM` (PEP 440) or `SEMVER` events; plain version schemes list
//! the affected versions instead.

use super::super::advisory::{Advisory, rfc3339};
use serde_json::{Value, json};

/// The OSV document.
pub fn document(a: &Advisory) -> Value {
    let mut doc = json!({
        "schema_version": "1.6.0",
        "id": a.osv_id,
        "modified": rfc3339(a.modified_at),
        "published": rfc3339(a.published_at),
        "summary": a.title,
        "details": details(a),
        "references": references(a),
        "database_specific": {
            "severity": a.severity,
            "cwe_ids": a.cwe.iter().map(|c| format!("CWE-{}", c.id)).collect::<Vec<_>>(),
            "url": a.url,
        },
    });
    if let Some(cve) = &a.cve {
        doc["aliases"] = json!([cve]);
    }
    let severity: Vec<Value> = a
        .cvss
        .iter()
        .map(|c| {
            json!({
                "type": if c.version == "4.0" { "CVSS_V4" } else { "CVSS_V3" },
                "score": c.vector,
            })
        })
        .collect();
    if !severity.is_empty() {
        doc["severity"] = Value::Array(severity);
    }
    if let Some(affected) = affected(a) {
        doc["affected"] = json!([affected]);
    }
    if !a.credits.is_empty() {
        doc["credits"] = a
            .credits
            .iter()
            .map(|c| json!({"name": c.name, "type": super::upper_kind(&c.kind)}))
            .collect();
    }
    doc
}

fn details(a: &Advisory) -> String {
    let mut out = a.description.trim().to_owned();
    for (head, text) in [("Remedy", &a.remedy), ("Workarounds", &a.workarounds)] {
        if !text.trim().is_empty() {
            out.push_str(&format!("\n\n## {head}\n\n{}", text.trim()));
        }
    }
    out
}

fn references(a: &Advisory) -> Vec<Value> {
    let mut refs = vec![json!({"type": "ADVISORY", "url": a.url})];
    for r in &a.references {
        let kind = if r.contains("/commit/") || r.contains("/pull/") || r.ends_with(".patch") {
            "FIX"
        } else {
            "WEB"
        };
        refs.push(json!({"type": kind, "url": r}));
    }
    refs
}

fn affected(a: &Advisory) -> Option<Value> {
    let (Some(ecosystem), Some(name)) = (&a.product.ecosystem, &a.product.package) else {
        return None;
    };
    let mut entry = json!({"package": {"ecosystem": ecosystem, "name": name}});
    let range_type = match a.product.version_scheme.as_str() {
        "semver" => Some("SEMVER"),
        "pep440" => Some("ECOSYSTEM"),
        _ => None,
    };
    if let Some(range_type) = range_type
        && !a.affected.is_empty()
    {
        // One range object per affected line keeps each introduced/fixed pair together.
        let ranges: Vec<Value> = a
            .affected
            .iter()
            .map(|r| {
                let mut events =
                    vec![json!({"introduced": r.introduced.clone().unwrap_or_else(|| "0".into())})];
                if let Some(f) = &r.fixed {
                    events.push(json!({"fixed": f}));
                } else if let Some(l) = &r.last_affected {
                    events.push(json!({"last_affected": l}));
                }
                json!({"type": range_type, "events": events})
            })
            .collect();
        entry["ranges"] = Value::Array(ranges);
    }
    if !a.affected_versions.is_empty() {
        entry["versions"] = json!(a.affected_versions);
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_has_ids_ranges_and_severity() {
        let d = document(&super::super::sample::advisory());
        assert_eq!(d["id"], "x_DJANGO-2026-001");
        assert_eq!(d["aliases"][0], "CVE-2026-12345");
        assert_eq!(d["affected"][0]["package"]["ecosystem"], "PyPI");
        assert_eq!(d["affected"][0]["ranges"][0]["events"][1]["fixed"], "5.2.3");
        assert_eq!(d["severity"][1]["type"], "CVSS_V4");
        assert_eq!(d["credits"][0]["type"], "FINDER");
        assert_eq!(d["references"][1]["type"], "FIX");
    }
}
