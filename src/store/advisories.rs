//! Advisories: the team's draft per case and, once published, the frozen document.
//! Public reads ([`published`], [`archive`], [`all_published`]) select only rows with
//! `published_at` set and return only the frozen document.

use super::{Conn, StoreError};
use crate::on_conn;

/// The team's draft.
#[derive(Debug, Clone, Default, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Description.
    pub description: String,
    /// Remedy.
    pub remedy: String,
    /// Workarounds.
    pub workarounds: String,
    /// Fixed versions, one per line.
    pub fixed: String,
    /// References, one per line.
    pub refs: String,
}

/// The draft of a case, if written.
pub async fn draft(c: Conn<'_>, case_id: i64) -> Result<Option<Draft>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT title, summary, description, remedy, workarounds, fixed, refs FROM advisories WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// Save the draft (refused by the caller once published).
pub async fn save_draft(
    c: Conn<'_>,
    case_id: i64,
    project_id: i64,
    d: &Draft,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO advisories (case_id, project_id, title, summary, description, remedy, workarounds, fixed, refs, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (case_id) DO UPDATE SET title = excluded.title, summary = excluded.summary, description = excluded.description, remedy = excluded.remedy, workarounds = excluded.workarounds, fixed = excluded.fixed, refs = excluded.refs, updated_at = excluded.updated_at")
            .bind(case_id)
            .bind(project_id)
            .bind(&d.title)
            .bind(&d.summary)
            .bind(&d.description)
            .bind(&d.remedy)
            .bind(&d.workarounds)
            .bind(&d.fixed)
            .bind(&d.refs)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// The next number of the project's public ids for `year`: the counter is
/// seeded from the highest `{prefix}NNN` id in use the first time, then
/// incremented (a row lock on PostgreSQL, the write lock on SQLite, both held
/// until the caller's transaction ends).
pub async fn next_number(
    c: Conn<'_>,
    project_id: i64,
    year: i64,
    prefix: &str,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT last FROM public_id_counters WHERE project_id = $1 AND year = $2",
        )
        .bind(project_id)
        .bind(year)
        .fetch_optional(&mut *c)
        .await?;
        if exists.is_none() {
            let used: Vec<String> = sqlx::query_scalar(
                "SELECT public_id FROM advisories WHERE project_id = $1 AND public_id IS NOT NULL",
            )
            .bind(project_id)
            .fetch_all(&mut *c)
            .await?;
            let highest = used
                .iter()
                .filter_map(|id| id.strip_prefix(prefix))
                .filter_map(|n| n.parse::<i64>().ok())
                .max()
                .unwrap_or(0);
            sqlx::query("INSERT INTO public_id_counters (project_id, year, last) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(project_id)
                .bind(year)
                .bind(highest)
                .execute(&mut *c)
                .await?;
        }
        Ok(sqlx::query_scalar(
            "UPDATE public_id_counters SET last = last + 1 WHERE project_id = $1 AND year = $2 RETURNING last",
        )
        .bind(project_id)
        .bind(year)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Whether a public id is taken in the project.
pub async fn public_id_taken(c: Conn<'_>, project_id: i64, id: &str) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM advisories WHERE project_id = $1 AND public_id = $2",
        )
        .bind(project_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await?;
        Ok(n > 0)
    })
}

/// Freeze the published document, with the title and summary as published
/// (the public read model: public routes read only these columns, `public_id`
/// and `document`, all written here and nowhere else).
pub async fn publish(
    c: Conn<'_>,
    case_id: i64,
    public_id: &str,
    document: &str,
    (title, summary): (&str, &str),
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE advisories SET public_id = $1, document = $2, published_at = $3, updated_at = $3, published_title = $5, published_summary = $6 WHERE case_id = $4")
            .bind(public_id)
            .bind(document)
            .bind(now)
            .bind(case_id)
            .bind(title)
            .bind(summary)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// A published advisory's document by public id.
pub async fn published(
    c: Conn<'_>,
    project_id: i64,
    public_id: &str,
) -> Result<Option<String>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("SELECT document FROM advisories WHERE project_id = $1 AND public_id = $2 AND published_at IS NOT NULL")
            .bind(project_id)
            .bind(public_id)
            .fetch_optional(&mut *c)
            .await?
            .flatten())
    })
}

/// A page of a project's published advisories in id order, after `after` (keyset
/// pagination, so a bulk export never holds the whole archive): (public id, document).
pub async fn documents_after(
    c: Conn<'_>,
    project_id: i64,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(
            "SELECT public_id, document FROM advisories WHERE project_id = $1 AND published_at IS NOT NULL AND document IS NOT NULL AND public_id > $2 ORDER BY public_id LIMIT $3",
        )
        .bind(project_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// A case's published document, if it is published.
pub async fn published_of_case(c: Conn<'_>, case_id: i64) -> Result<Option<String>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT document FROM advisories WHERE case_id = $1 AND published_at IS NOT NULL",
        )
        .bind(case_id)
        .fetch_optional(&mut *c)
        .await?
        .flatten())
    })
}

/// Published documents of a project, newest first; `q` matches the published
/// title or summary or the public id (case-insensitive); at most `limit`.
pub async fn archive(
    c: Conn<'_>,
    project_id: i64,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let pattern = q.map(|q| {
        let escaped = q
            .trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let sql = if pattern.is_some() {
        "SELECT document FROM advisories WHERE project_id = $1 AND published_at IS NOT NULL AND (LOWER(published_title) LIKE $3 ESCAPE '\\' OR LOWER(published_summary) LIKE $3 ESCAPE '\\' OR LOWER(public_id) LIKE $3 ESCAPE '\\') ORDER BY published_at DESC, case_id DESC LIMIT $2"
    } else {
        "SELECT document FROM advisories WHERE project_id = $1 AND published_at IS NOT NULL ORDER BY published_at DESC, case_id DESC LIMIT $2"
    };
    on_conn!(c, |c| {
        let mut q = sqlx::query_scalar::<_, Option<String>>(sql)
            .bind(project_id)
            .bind(limit);
        if let Some(p) = &pattern {
            q = q.bind(p);
        }
        Ok(q.fetch_all(&mut *c).await?.into_iter().flatten().collect())
    })
}

/// Every published document of a project in id order, `limit` after `after` (case id),
/// for exports: (case id, document).
pub async fn all_published(
    c: Conn<'_>,
    project_id: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    on_conn!(c, |c| {
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT case_id, document FROM advisories WHERE ($1 IS NULL OR project_id = $1) AND published_at IS NOT NULL AND case_id > $2 ORDER BY case_id LIMIT $3")
            .bind(project_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, d)| d.map(|d| (id, d)))
            .collect())
    })
}
