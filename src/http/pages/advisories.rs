//! Public advisory pages: the archive (`/p/{project}/advisories`, newest first,
//! searchable), one advisory, the Atom feed, the three exports, and — for a policy that
//! publishes to its website — the advisory as a news post (`{id}.news.md`). Everything here
//! reads only published advisories' frozen documents.

use super::PagePath;
use super::render;
use crate::domain::advisory::{Advisory, rfc3339};
use crate::domain::export::{self, Format};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::service::{self, ServiceError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

/// How many advisories the archive page and the feed show.
const ARCHIVE_LIMIT: i64 = 500;
const FEED_LIMIT: i64 = 50;

#[derive(Template)]
#[template(path = "advisories.html")]
struct Archive {
    name: String,
    slug: String,
    q: String,
    advisories: Vec<Advisory>,
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct Page {
    slug: String,
    a: Advisory,
    published: String,
    /// The policy publishes to the project's website: the news post is offered.
    news: bool,
}

impl Page {
    /// Plain text in parts, `true` for what the team wrote between backticks (shown as code).
    fn code_spans(text: &str) -> Vec<(bool, &str)> {
        text.split('`')
            .enumerate()
            .map(|(i, t)| (i % 2 == 1, t))
            .collect()
    }
}

/// Whether the project's policy publishes advisories on its own website, and the
/// news category it files them under (#19 item 4).
fn website_news(p: &crate::store::projects::ProjectRow) -> Option<Option<String>> {
    let policy = service::projects::policy_of(p).ok().flatten()?;
    policy
        .publication
        .publish_to
        .contains(&crate::domain::policy::PublishTo::Website)
        .then(|| policy.publication.news_category.clone())
}

/// `?q=` of the archive.
#[derive(Debug, serde::Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

async fn project(
    state: &AppState,
    slug: &str,
) -> Result<crate::store::projects::ProjectRow, PageError> {
    match service::projects::find(&state.db, slug).await {
        Ok(p) => Ok(p),
        Err(ServiceError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `/p/{project}/advisories`.
pub async fn archive(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
    Query(search): Query<Search>,
) -> Result<Html<String>, PageError> {
    let p = project(&state, &slug).await?;
    let q = search.q.chars().take(200).collect::<String>();
    let advisories = service::advisories::archive(&state.db, &p, Some(&q), ARCHIVE_LIMIT).await?;
    render(&Archive {
        name: p.name,
        slug: p.slug,
        q,
        advisories,
    })
}

/// `/p/{project}/advisories/{id}` — and `{id}.osv.json`, `.cve.json`, `.csaf.json`.
pub async fn advisory(
    State(state): State<AppState>,
    PagePath((slug, id)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    if let Some(base) = id.strip_suffix(".news.md") {
        let p = project(&state, &slug).await?;
        let category = website_news(&p).ok_or(PageError::NotFound)?;
        let a = match service::advisories::published(&state.db, &slug, base).await {
            Ok(a) => a,
            Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
            Err(e) => return Err(e.into()),
        };
        return Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/markdown; charset=utf-8"),
            )],
            export::news::post(&a, category.as_deref()),
        )
            .into_response());
    }
    let (id, format) = match [Format::Osv, Format::Cve5, Format::Csaf]
        .into_iter()
        .find_map(|f| {
            id.strip_suffix(&format!(".{}", f.suffix()))
                .map(|base| (base.to_owned(), f))
        }) {
        Some((base, f)) => (base, Some(f)),
        None => (id, None),
    };
    let a = match service::advisories::published(&state.db, &slug, &id).await {
        Ok(a) => a,
        Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    match format {
        None => Ok(render(&Page {
            news: website_news(&project(&state, &slug).await?).is_some(),
            slug,
            published: if a.zone == "UTC" {
                crate::domain::time::Timestamp(a.published_at).minute()
            } else {
                format!(
                    "{} — {}",
                    crate::domain::time::Timestamp(a.published_at).minute(),
                    crate::service::disclosure::show(a.published_at, &a.zone)
                )
            },
            a,
        })?
        .into_response()),
        Some(f) => {
            let json = export::render(&a, f).map_err(|_| PageError::NotFound)?;
            Ok((
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                json,
            )
                .into_response())
        }
    }
}

/// Text for XML 1.0: escaped, and without the characters XML cannot carry at
/// all (C0 controls but tab, newline and return; U+FFFE, U+FFFF), which would
/// make the whole feed invalid (F15).
fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || (!c.is_control() || u32::from(*c) >= 0x80)
                    && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `/p/{project}/advisories.atom`: an Atom 1.0 feed (RFC 4287) of the latest advisories.
pub async fn atom(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
) -> Result<Response, PageError> {
    let slug = slug.strip_suffix(".atom").unwrap_or(&slug).to_owned();
    let p = project(&state, &slug).await?;
    let list = service::advisories::archive(&state.db, &p, None, FEED_LIMIT).await?;
    // A policy that files advisories under a news category (PyPackIT's "Security
    // Advisory") has it on every entry, so a website's feed reader can file them.
    let category = website_news(&p)
        .flatten()
        .map(|c| format!("    <category term=\"{}\"/>\n", xml(&c)))
        .unwrap_or_default();
    let self_url = state.cfg.link(&format!("/p/{}/advisories.atom", p.slug));
    let updated = list
        .iter()
        .map(|a| a.modified_at)
        .max()
        .unwrap_or(p.created_at);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!(
        "  <title>{} security advisories</title>\n  <id>{}</id>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <updated>{}</updated>\n  <author><name>{} security team</name></author>\n",
        xml(&p.name),
        xml(&self_url),
        xml(&self_url),
        xml(&state.cfg.link(&format!("/p/{}/advisories", p.slug))),
        rfc3339(updated),
        xml(&p.name),
    ));
    for a in &list {
        let mut summary = a.summary.clone();
        if let Some(s) = &a.severity {
            summary = format!("Severity: {s}. {summary}");
        }
        out.push_str(&format!(
            "  <entry>\n    <title>{}: {}</title>\n    <id>{}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <published>{}</published>\n    <updated>{}</updated>\n{category}    <summary>{}</summary>\n  </entry>\n",
            xml(&a.id),
            xml(&a.title),
            xml(&a.url),
            xml(&a.url),
            rfc3339(a.published_at),
            rfc3339(a.modified_at),
            xml(&summary),
        ));
    }
    out.push_str("</feed>\n");
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml; charset=utf-8"),
        )],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_text_drops_what_xml_cannot_carry() {
        assert_eq!(
            super::xml("a\u{1}b\u{1b}c\td<&>\u{FFFF}"),
            "abc\td&lt;&amp;&gt;"
        );
        assert_eq!(super::xml("é\u{85}"), "é\u{85}");
    }
}
