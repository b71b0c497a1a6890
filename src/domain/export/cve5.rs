//! CVE JSON 5.1 CNA container: what a CNA submits through CVE Services (for example
//! `cve publish CVE-2026-12345 --json container.json` with cvelib). CVE Services fills
//! `providerMetadata` from the submitting account; the container carries the
//! policy's `cve.org_id` when given, else a placeholder UUID.

use super::super::advisory::{Advisory, rfc3339};
use serde_json::{Value, json};

/// Placeholder organisation UUID (version 4 form) when the policy names none.
pub const PLACEHOLDER_ORG: &str = "00000000-0000-4000-8000-000000000000";

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn version_type(scheme: &str) -> &'static str {
    match scheme {
        "pep440" => "python",
        "semver" => "semver",
        _ => "custom",
    }
}

fn collection_url(ecosystem: &str) -> Option<&'static str> {
    match ecosystem {
        "PyPI" => Some("https://pypi.org"),
        "npm" => Some("https://www.npmjs.com"),
        "crates.io" => Some("https://crates.io"),
        "RubyGems" => Some("https://rubygems.org"),
        "Packagist" => Some("https://packagist.org"),
        "Go" => Some("https://pkg.go.dev"),
        "Maven" => Some("https://repo.maven.apache.org/maven2"),
        "NuGet" => Some("https://www.nuget.org"),
        _ => None,
    }
}

/// The CNA container; an error when the advisory has no CVE ID.
pub fn cna_container(a: &Advisory) -> Result<Value, String> {
    if a.cve.is_none() {
        return Err(format!(
            "advisory {} has no CVE ID: assign one from the project's pool first",
            a.id
        ));
    }
    let vt = version_type(&a.product.version_scheme);
    let mut versions: Vec<Value> = Vec::new();
    for r in &a.affected {
        let start = r.introduced.clone().unwrap_or_else(|| "0".into());
        let mut v = json!({"version": start, "status": "affected", "versionType": vt});
        if let Some(f) = &r.fixed {
            v["lessThan"] = json!(f);
        } else if let Some(l) = &r.last_affected {
            v["lessThanOrEqual"] = json!(l);
        } else {
            v["lessThan"] = json!("*");
        }
        versions.push(v);
    }
    for v in &a.affected_versions {
        versions.push(json!({"version": v, "status": "affected", "versionType": vt}));
    }
    for f in &a.fixed {
        versions.push(json!({"version": f, "status": "unaffected", "versionType": vt}));
    }
    let mut product = json!({
        "vendor": a.product.name,
        "product": a.product.package.clone().unwrap_or_else(|| a.product.name.clone()),
        "defaultStatus": "unknown",
        "versions": versions,
    });
    if let (Some(eco), Some(pkg)) = (&a.product.ecosystem, &a.product.package)
        && let Some(url) = collection_url(eco)
    {
        product["collectionURL"] = json!(url);
        product["packageName"] = json!(pkg);
    }
    if versions_empty(&product) {
        product["versions"] =
            json!([{"version": "0", "status": "affected", "versionType": vt, "lessThan": "*"}]);
    }
    let description = if a.description.trim().is_empty() {
        a.summary.clone()
    } else {
        format!("{}\n\n{}", a.summary.trim(), a.description.trim())
    };
    let mut refs = vec![json!({"url": a.url, "tags": ["vendor-advisory"]})];
    for r in &a.references {
        let mut e = json!({"url": r});
        if r.contains("/commit/") || r.ends_with(".patch") || r.contains("/pull/") {
            e["tags"] = json!(["patch"]);
        }
        refs.push(e);
    }
    let mut cna = json!({
        "providerMetadata": {"orgId": a.cna_org_id.clone().unwrap_or_else(|| PLACEHOLDER_ORG.into())},
        "title": clip(&a.title, 256),
        "descriptions": [{"lang": "en", "value": clip(description.trim(), 3999)}],
        "affected": [product],
        "references": refs,
        "datePublic": rfc3339(a.published_at),
    });
    let metrics: Vec<Value> = a
        .cvss
        .iter()
        .map(|c| {
            let key = match c.version.as_str() {
                "3.0" => "cvssV3_0",
                "3.1" => "cvssV3_1",
                _ => "cvssV4_0",
            };
            json!({key: {
                "version": c.version,
                "vectorString": c.vector,
                "baseScore": c.base_score,
                "baseSeverity": c.base_severity,
            }})
        })
        .collect();
    if !metrics.is_empty() {
        cna["metrics"] = Value::Array(metrics);
    }
    if let Some(cwe) = &a.cwe {
        cna["problemTypes"] = json!([{"descriptions": [{
            "lang": "en",
            "cweId": format!("CWE-{}", cwe.id),
            "description": format!("CWE-{}: {}", cwe.id, cwe.name),
            "type": "CWE",
        }]}]);
    }
    if !a.credits.is_empty() {
        cna["credits"] = a
            .credits
            .iter()
            .map(|c| json!({"lang": "en", "value": c.name, "type": c.kind}))
            .collect();
    }
    for (key, text) in [("solutions", &a.remedy), ("workarounds", &a.workarounds)] {
        if !text.trim().is_empty() {
            cna[key] = json!([{"lang": "en", "value": clip(text.trim(), 3999)}]);
        }
    }
    Ok(json!({"containers": {"cna": cna}})["containers"]["cna"].take())
}

fn versions_empty(product: &Value) -> bool {
    product["versions"].as_array().is_none_or(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_has_affected_metrics_and_cwe() {
        let a = super::super::sample::advisory();
        let c = cna_container(&a).unwrap();
        assert_eq!(c["affected"][0]["packageName"], "Django");
        assert_eq!(c["affected"][0]["versions"][0]["lessThan"], "5.2.3");
        assert_eq!(c["metrics"][0]["cvssV3_1"]["baseScore"], 9.1);
        assert_eq!(c["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-89");
        assert_eq!(c["credits"][0]["type"], "finder");
        let mut no_cve = a;
        no_cve.cve = None;
        assert!(cna_container(&no_cve).unwrap_err().contains("no CVE ID"));
    }
}
