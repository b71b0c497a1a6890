//! CSAF 2.0 security advisory (`csaf_security_advisory` profile). The product tree
//! names the project (vendor → product → version ranges as `vers:` strings and fixed
//! versions); the one vulnerability carries CVE, CWE, notes, product status,
//! remediations for every affected product, CVSS 3.x scores and acknowledgments.
//! Published advisories are TLP:WHITE and final; the pre-notification's copy is
//! TLP:AMBER and interim.

use super::super::advisory::{Advisory, Range, rfc3339};
use serde_json::{Value, json};

/// Traffic Light Protocol label (CSAF 2.0 uses TLP 1.0 labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlp {
    /// Public.
    White,
    /// Limited to the recipients' organisations, need to know.
    Amber,
}

/// Document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Published.
    Final,
    /// Sent ahead of publication.
    Interim,
}

fn vers_scheme(scheme: &str) -> &'static str {
    match scheme {
        "pep440" => "pypi",
        "semver" => "semver",
        _ => "generic",
    }
}

fn vers(scheme: &str, r: &Range) -> String {
    let mut c = Vec::new();
    if let Some(v) = &r.introduced {
        c.push(format!(">={v}"));
    }
    if let Some(v) = &r.fixed {
        c.push(format!("<{v}"));
    } else if let Some(v) = &r.last_affected {
        c.push(format!("<={v}"));
    }
    if c.is_empty() {
        c.push("*".into());
    }
    format!("vers:{}/{}", vers_scheme(scheme), c.join("|"))
}

/// The CSAF document.
pub fn document(a: &Advisory, tlp: Tlp, status: Status) -> Value {
    let product_name = a
        .product
        .package
        .clone()
        .unwrap_or_else(|| a.product.name.clone());
    let mut leaves: Vec<Value> = Vec::new();
    let mut affected_ids: Vec<String> = Vec::new();
    let mut fixed_ids: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        format!("CSAFPID-{n:04}")
    };
    for r in &a.affected {
        let id = next_id();
        leaves.push(json!({
            "category": "product_version_range",
            "name": vers(&a.product.version_scheme, r),
            "product": {"name": format!("{product_name} {}", r.describe()), "product_id": id},
        }));
        affected_ids.push(id);
    }
    for v in &a.affected_versions {
        let id = next_id();
        leaves.push(json!({
            "category": "product_version",
            "name": v,
            "product": {"name": format!("{product_name} {v}"), "product_id": id},
        }));
        affected_ids.push(id);
    }
    for v in &a.fixed {
        let id = next_id();
        leaves.push(json!({
            "category": "product_version",
            "name": v,
            "product": {"name": format!("{product_name} {v}"), "product_id": id},
        }));
        fixed_ids.push(id);
    }
    let product_branch = if affected_ids.is_empty() && leaves.is_empty() {
        // Nothing narrower is known: the product as a whole is affected.
        let id = next_id();
        affected_ids.push(id.clone());
        json!({
            "category": "product_name",
            "name": product_name,
            "product": {"name": product_name, "product_id": id},
        })
    } else if affected_ids.is_empty() {
        // Fixed versions but no affected range: the affected versions are not narrowed
        // down, so every version is a leaf of its own beside the fixed ones (a branch
        // holds either a product or branches, never both).
        let id = next_id();
        affected_ids.push(id.clone());
        leaves.insert(
            0,
            json!({
                "category": "product_version_range",
                "name": format!("vers:{}/*", vers_scheme(&a.product.version_scheme)),
                "product": {"name": format!("{product_name} (affected versions not narrowed down)"), "product_id": id},
            }),
        );
        json!({"category": "product_name", "name": product_name, "branches": leaves})
    } else {
        json!({"category": "product_name", "name": product_name, "branches": leaves})
    };
    let mut status_obj = json!({"known_affected": affected_ids});
    if !fixed_ids.is_empty() {
        status_obj["fixed"] = json!(fixed_ids);
    }
    let mut notes = vec![json!({"category": "summary", "title": "Summary", "text": a.summary})];
    if !a.description.trim().is_empty() {
        notes.push(
            json!({"category": "description", "title": "Description", "text": a.description}),
        );
    }
    let remedy = if a.remedy.trim().is_empty() {
        "Upgrade to a fixed version.".to_owned()
    } else {
        a.remedy.clone()
    };
    let mut remediations = vec![json!({
        "category": "vendor_fix",
        "details": remedy,
        "product_ids": affected_ids,
        "url": a.url,
    })];
    if !a.workarounds.trim().is_empty() {
        remediations.push(json!({
            "category": "workaround",
            "details": a.workarounds,
            "product_ids": affected_ids,
        }));
    }
    let mut vuln = json!({
        "title": a.title,
        "notes": notes,
        "product_status": status_obj,
        "remediations": remediations,
    });
    if let Some(cve) = &a.cve {
        vuln["cve"] = json!(cve);
    }
    if let Some(cwe) = &a.cwe {
        vuln["cwe"] = json!({"id": format!("CWE-{}", cwe.id), "name": cwe.name});
    }
    let scores: Vec<Value> = a
        .cvss
        .iter()
        .filter(|c| c.version.starts_with('3'))
        .take(1)
        .map(|c| {
            json!({"products": affected_ids, "cvss_v3": {
                "version": c.version,
                "vectorString": c.vector,
                "baseScore": c.base_score,
                "baseSeverity": c.base_severity,
            }})
        })
        .collect();
    if !scores.is_empty() {
        vuln["scores"] = Value::Array(scores);
    }
    if !a.credits.is_empty() {
        // CSAF acknowledgments have no type: one entry per kind, its summary saying what for.
        let mut kinds: Vec<&str> = Vec::new();
        for c in &a.credits {
            if !kinds.contains(&c.kind.as_str()) {
                kinds.push(&c.kind);
            }
        }
        vuln["acknowledgments"] = kinds
            .iter()
            .map(|kind| {
                json!({
                    "names": a.credits.iter().filter(|c| c.kind == *kind).map(|c| c.name.clone()).collect::<Vec<_>>(),
                    "summary": acknowledged_for(kind),
                })
            })
            .collect();
    }
    let mut refs = vec![json!({"category": "external", "summary": "Advisory page", "url": a.url})];
    if status == Status::Final {
        refs.insert(
            0,
            json!({"category": "self", "summary": "This document", "url": format!("{}.csaf.json", a.url)}),
        );
    }
    for r in &a.references {
        refs.push(json!({"category": "external", "summary": "Reference", "url": r}));
    }
    let date = rfc3339(a.published_at);
    let modified = rfc3339(a.modified_at.max(a.published_at));
    let (label, status_text) = (
        match tlp {
            Tlp::White => "WHITE",
            Tlp::Amber => "AMBER",
        },
        match status {
            Status::Final => "final",
            Status::Interim => "interim",
        },
    );
    let namespace = a
        .product
        .homepage
        .clone()
        .unwrap_or_else(|| a.publisher_url.clone());
    json!({
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": label, "url": "https://www.first.org/tlp/"}},
            "lang": "en",
            "notes": [{"category": "summary", "title": "Summary", "text": a.summary}],
            "publisher": {"category": "vendor", "name": a.product.name, "namespace": namespace},
            "references": refs,
            "title": a.title,
            "tracking": {
                "current_release_date": modified,
                "generator": {"engine": {"name": "Embargo", "version": env!("CARGO_PKG_VERSION")}},
                "id": a.id,
                "initial_release_date": date,
                "revision_history": [{"date": date, "number": "1", "summary": "Initial version."}],
                "status": status_text,
                "version": "1",
            },
        },
        "product_tree": {"branches": [{
            "category": "vendor",
            "name": a.product.name,
            "branches": [product_branch],
        }]},
        "vulnerabilities": [vuln],
    })
}

/// What a credit kind is acknowledged for, in words.
fn acknowledged_for(kind: &str) -> &'static str {
    match kind {
        "finder" => "finding and reporting this vulnerability",
        "reporter" => "reporting this vulnerability",
        "analyst" => "analysing this vulnerability",
        "coordinator" => "coordinating the disclosure",
        "remediation developer" => "developing the fix",
        "remediation reviewer" => "reviewing the fix",
        "remediation verifier" => "verifying the fix",
        "tool" => "the tool that found this vulnerability",
        "sponsor" => "sponsoring the work on this vulnerability",
        _ => "helping with this vulnerability",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgments_say_what_each_kind_of_credit_is_for() {
        let mut a = super::super::sample::advisory();
        a.credits.push(crate::domain::advisory::Credit {
            name: "Upstream Maintainer".into(),
            kind: "remediation developer".into(),
        });
        a.credits.push(crate::domain::advisory::Credit {
            name: "Other Project".into(),
            kind: "coordinator".into(),
        });
        let d = document(&a, Tlp::White, Status::Final);
        let acks = d["vulnerabilities"][0]["acknowledgments"]
            .as_array()
            .unwrap();
        assert_eq!(acks.len(), 3);
        assert_eq!(acks[0]["names"][0], "Ada Reporter");
        assert_eq!(
            acks[0]["summary"],
            "finding and reporting this vulnerability"
        );
        assert_eq!(acks[1]["summary"], "developing the fix");
        assert_eq!(acks[2]["names"][0], "Other Project");
        assert_eq!(acks[2]["summary"], "coordinating the disclosure");
    }

    #[test]
    fn csaf_links_every_product_id() {
        let a = super::super::sample::advisory();
        let d = document(&a, Tlp::Amber, Status::Interim);
        assert_eq!(d["document"]["distribution"]["tlp"]["label"], "AMBER");
        let leaves = &d["product_tree"]["branches"][0]["branches"][0]["branches"];
        assert_eq!(leaves[0]["name"], "vers:pypi/>=5.2|<5.2.3");
        assert_eq!(
            d["vulnerabilities"][0]["product_status"]["known_affected"],
            json!(["CSAFPID-0001", "CSAFPID-0002"])
        );
        assert_eq!(
            d["vulnerabilities"][0]["product_status"]["fixed"],
            json!(["CSAFPID-0003", "CSAFPID-0004"])
        );
        assert_eq!(
            d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"],
            9.1
        );
    }
}
