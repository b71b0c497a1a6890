//! The advisory as a news post for the project's own website (a policy that publishes to
//! `website`, such as PyPackIT's "a new blog post in the News section, under the
//! "Security Advisory" category"). Embargo cannot post to another site; it hands the team
//! the post, ready to commit to a static site: Markdown with a YAML front matter that
//! names the title, date, category and the advisory's canonical URL (Jekyll, Hugo,
//! MkDocs-blog and Sphinx-ablog read these keys).

use super::super::advisory::{Advisory, rfc3339};

/// The post. `category` is the policy's `publication.news_category`.
pub fn post(a: &Advisory, category: Option<&str>) -> String {
    let q = |s: &str| {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace(['\n', '\r'], " ")
        )
    };
    let mut out = String::from("---\n");
    out.push_str(&format!(
        "title: {}\n",
        q(&format!("{}: {}", a.id, a.title))
    ));
    out.push_str(&format!("date: {}\n", rfc3339(a.published_at)));
    if let Some(c) = category {
        out.push_str(&format!("categories: [{}]\n", q(c)));
    }
    let mut tags = vec![q("security")];
    if let Some(cve) = &a.cve {
        tags.push(q(cve));
    }
    out.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    out.push_str(&format!("canonical_url: {}\n", q(&a.url)));
    out.push_str("---\n\n");
    out.push_str(&a.summary);
    out.push_str("\n\n");
    let mut facts = Vec::new();
    if let Some(cve) = &a.cve {
        facts.push(format!("- **CVE**: {cve}"));
    }
    if let Some(s) = &a.severity {
        facts.push(format!("- **Severity**: {s}"));
    }
    for c in &a.cvss {
        facts.push(format!(
            "- **CVSS {}**: {} ({}) `{}`",
            c.version, c.base_score, c.base_severity, c.vector
        ));
    }
    if let Some(w) = &a.cwe {
        facts.push(format!("- **Weakness**: CWE-{}: {}", w.id, w.name));
    }
    if !facts.is_empty() {
        out.push_str(&facts.join("\n"));
        out.push_str("\n\n");
    }
    let section = |out: &mut String, title: &str, text: &str| {
        if !text.trim().is_empty() {
            out.push_str(&format!("## {title}\n\n{}\n\n", text.trim()));
        }
    };
    section(&mut out, "Description", &a.description);
    let affected: Vec<String> = a
        .affected
        .iter()
        .map(|r| format!("- {}", r.describe()))
        .chain(a.affected_versions.iter().map(|v| format!("- {v}")))
        .collect();
    section(&mut out, "Affected versions", &affected.join("\n"));
    let fixed: Vec<String> = a.fixed.iter().map(|v| format!("- {v}")).collect();
    section(&mut out, "Fixed versions", &fixed.join("\n"));
    section(&mut out, "Remedy", &a.remedy);
    section(&mut out, "Workarounds", &a.workarounds);
    let credits: Vec<String> = a
        .credits
        .iter()
        .map(|c| format!("- {} ({})", c.name, c.kind))
        .collect();
    section(&mut out, "Credits", &credits.join("\n"));
    let refs: Vec<String> = std::iter::once(format!("- Advisory: <{}>", a.url))
        .chain(a.references.iter().map(|r| format!("- <{r}>")))
        .collect();
    section(&mut out, "References", &refs.join("\n"));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_post_names_its_category_and_points_at_the_advisory() {
        let mut a = super::super::sample::advisory();
        a.title = "Quote \" and\nnewline".into();
        let p = super::post(&a, Some("Security Advisory"));
        assert!(
            p.starts_with("---\ntitle: \"DJANGO-2026-001: Quote \\\" and newline\"\n"),
            "{p}"
        );
        assert!(p.contains("\ncategories: [\"Security Advisory\"]\n"), "{p}");
        assert!(p.contains(&format!("canonical_url: \"{}\"", a.url)), "{p}");
        assert!(
            p.contains("## Fixed versions\n\n- 5.2.3\n- 4.2.17\n"),
            "{p}"
        );
        assert!(p.contains("## Credits\n\n- Ada Reporter (finder)\n"), "{p}");
        assert!(!super::post(&a, None).contains("categories:"));
    }
}
