//! The advisory as a news post for the project's own website (a policy that publishes to
//! `website`, such as PyPackIT's "a new blog post in the News section, under the
//! "Security Advisory" category"). Embargo cannot post to another site; it hands the team
//! the post, ready to commit to a static site: Markdown with a YAML front matter that
//! names the title, date, category and the advisory's canonical URL (Jekyll, Hugo,
//! MkDocs-blog and Sphinx-ablog read these keys).

use super::super::advisory::{Advisory, rfc3339};

/// Plain text as Markdown that renders as exactly that text: HTML and Markdown
/// metacharacters are escaped (a reporter chooses their credited name, and the post ends
/// up on the project's website, where raw HTML or a `[link](javascript:…)` would run).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        // A line that would start a heading, a list item, a numbered item or a rule stays
        // text: a backslash before the marker (`>` never starts a quote: it becomes `&gt;`).
        let lead = line.len() - trimmed.len();
        out.push_str(&line[..lead]);
        let after = |n: usize| trimmed.len() == n || trimmed[n..].starts_with([' ', '\t']);
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
        let marker_first = (hashes > 0 && after(hashes))
            || (trimmed.starts_with(['-', '+']) && after(1))
            || (!trimmed.is_empty() && trimmed.chars().all(|c| matches!(c, '=' | '-' | ' ')));
        let escape_at = if marker_first {
            Some(0)
        } else if digits > 0 && trimmed[digits..].starts_with(['.', ')']) && after(digits + 1) {
            Some(digits)
        } else {
            None
        };
        for (at, c) in trimmed.char_indices() {
            let escaped_anyway = matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '{' | '}'
            );
            if escape_at == Some(at) && !escaped_anyway {
                out.push('\\');
            }
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                // Template engines (Liquid, Jinja) read `{{`/`{%` before Markdown does.
                '{' => out.push_str("&#123;"),
                '}' => out.push_str("&#125;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    // Nor may a bare address become a link (GFM and Hugo link `https://…` and `www.…`).
    out.replace("://", "&#58;//").replace("www.", "www&#46;")
}

/// A title for the front matter: what site layouts print as `{{ page.title }}`, often
/// without escaping it, so HTML and template syntax are entities already.
fn title_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('{', "&#123;")
        .replace('}', "&#125;")
}

/// The post. `category` is the policy's `publication.news_category`.
pub fn post(a: &Advisory, category: Option<&str>) -> String {
    let q = |s: &str| {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\").replace('"', "\\\"").replace(
                |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'),
                " "
            )
        )
    };
    let mut out = String::from("---\n");
    out.push_str(&format!(
        "title: {}\n",
        q(&title_text(&format!("{}: {}", a.id, a.title)))
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
    out.push_str(&md(&a.summary));
    out.push_str("\n\n");
    let mut facts = Vec::new();
    if let Some(cve) = &a.cve {
        facts.push(format!("- **CVE**: {}", md(cve)));
    }
    if let Some(s) = &a.severity {
        facts.push(format!("- **Severity**: {}", md(s)));
    }
    for c in &a.cvss {
        facts.push(format!(
            "- **CVSS {}**: {} ({}) `{}`",
            c.version, c.base_score, c.base_severity, c.vector
        ));
    }
    if let Some(w) = &a.cwe {
        facts.push(format!("- **Weakness**: CWE-{}: {}", w.id, md(&w.name)));
    }
    if !facts.is_empty() {
        out.push_str(&facts.join("\n"));
        out.push_str("\n\n");
    }
    // `text` is Markdown already (lists built here from escaped items).
    let section = |out: &mut String, title: &str, text: &str| {
        if !text.trim().is_empty() {
            out.push_str(&format!("## {title}\n\n{}\n\n", text.trim()));
        }
    };
    section(&mut out, "Description", &md(&a.description));
    let affected: Vec<String> = a
        .affected
        .iter()
        .map(|r| format!("- {}", md(&r.describe())))
        .chain(a.affected_versions.iter().map(|v| format!("- {}", md(v))))
        .collect();
    section(&mut out, "Affected versions", &affected.join("\n"));
    let fixed: Vec<String> = a.fixed.iter().map(|v| format!("- {}", md(v))).collect();
    section(&mut out, "Fixed versions", &fixed.join("\n"));
    section(&mut out, "Remedy", &md(&a.remedy));
    section(&mut out, "Workarounds", &md(&a.workarounds));
    let credits: Vec<String> = a
        .credits
        .iter()
        .map(|c| format!("- {} ({})", md(&c.name), md(&c.kind)))
        .collect();
    section(&mut out, "Credits", &credits.join("\n"));
    // Links as autolinks only when they are http(s) URLs without spaces or angle brackets.
    let link = |u: &str| {
        if (u.starts_with("https://") || u.starts_with("http://"))
            && !u.contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
        {
            format!("<{u}>")
        } else {
            md(u)
        }
    };
    let refs: Vec<String> = std::iter::once(format!("- Advisory: {}", link(&a.url)))
        .chain(a.references.iter().map(|r| format!("- {}", link(r))))
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

    #[test]
    fn text_from_reporters_and_the_team_cannot_become_markup() {
        let mut a = super::super::sample::advisory();
        a.credits[0].name = "<img src=x onerror=alert(1)> [x](javascript:alert(1))".into();
        a.summary = "# not a heading\n- not a list\n1. not a number\n2) nor this".into();
        a.references = vec!["javascript:alert(1)".into()];
        let p = super::post(&a, None);
        assert!(p.contains("- &lt;img src=x onerror=alert\\(1\\)&gt; \\[x\\]\\(javascript:alert\\(1\\)\\) (finder)"), "{p}");
        assert!(
            p.contains("\\# not a heading\n\\- not a list\n1\\. not a number\n2\\) nor this"),
            "{p}"
        );
        assert!(!p.contains("<javascript:"), "{p}");
        assert!(!p.contains("<img"), "{p}");
        let mut a = super::super::sample::advisory();
        a.title = "<script>{% include x %}</script>".into();
        a.credits[0].name = "{{ site.secret }} see https://evil.example or www.evil.example".into();
        let p = super::post(&a, None);
        assert!(
            p.contains(
                "title: \"DJANGO-2026-001: &lt;script&gt;&#123;% include x %&#125;&lt;/script&gt;\""
            ),
            "{p}"
        );
        assert!(!p.contains("{{") && !p.contains("{%"), "{p}");
        assert!(
            p.contains("https&#58;//evil.example or www&#46;evil.example"),
            "{p}"
        );
    }
}
