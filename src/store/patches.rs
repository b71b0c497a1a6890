//! Patches attached to a case, and their reviews.

use super::{Conn, StoreError};
use crate::on_conn;

/// A patch as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PatchRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Branch or series it applies to.
    pub branch: String,
    /// Title.
    pub title: String,
    /// The diff.
    pub content: String,
    /// Changed files (JSON).
    pub files: String,
    /// Lines added.
    pub added: i64,
    /// Lines removed.
    pub removed: i64,
    /// Author.
    pub author_user_id: Option<i64>,
    /// When.
    pub created_at: i64,
    /// Replaced by a newer patch for the same branch.
    pub superseded_at: Option<i64>,
}

/// A review.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewRow {
    /// Id.
    pub id: i64,
    /// Patch.
    pub patch_id: i64,
    /// Reviewer.
    pub reviewer_user_id: Option<i64>,
    /// approved | changes-requested.
    pub verdict: String,
    /// Note.
    pub note: String,
    /// When.
    pub created_at: i64,
}

/// A new patch.
pub struct NewPatch<'a> {
    /// Case.
    pub case_id: i64,
    /// Branch.
    pub branch: &'a str,
    /// Title.
    pub title: &'a str,
    /// Diff.
    pub content: &'a str,
    /// Files (JSON).
    pub files: &'a str,
    /// Added.
    pub added: i64,
    /// Removed.
    pub removed: i64,
    /// Author.
    pub author_user_id: Option<i64>,
}

/// Store a patch, superseding the current one for the same branch; returns its id.
pub async fn insert(c: Conn<'_>, p: &NewPatch<'_>, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE case_patches SET superseded_at = $1 WHERE case_id = $2 AND branch = $3 AND superseded_at IS NULL")
            .bind(now)
            .bind(p.case_id)
            .bind(p.branch)
            .execute(&mut *c)
            .await?;
        Ok(sqlx::query_scalar("INSERT INTO case_patches (case_id, branch, title, content, files, added, removed, author_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(p.case_id)
            .bind(p.branch)
            .bind(p.title)
            .bind(p.content)
            .bind(p.files)
            .bind(p.added)
            .bind(p.removed)
            .bind(p.author_user_id)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

const COLUMNS: &str = "id, case_id, branch, title, content, files, added, removed, author_user_id, created_at, superseded_at";

/// A case's patches, newest first.
pub async fn of_case(c: Conn<'_>, case_id: i64) -> Result<Vec<PatchRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM case_patches WHERE case_id = $1 ORDER BY id DESC"
        )))
        .bind(case_id)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// One patch.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<PatchRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM case_patches WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Record a review.
pub async fn review(
    c: Conn<'_>,
    patch_id: i64,
    reviewer: Option<i64>,
    verdict: &str,
    note: &str,
    now: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar("INSERT INTO case_patch_reviews (patch_id, reviewer_user_id, verdict, note, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(patch_id)
            .bind(reviewer)
            .bind(verdict)
            .bind(note)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The reviews of a case's patches.
pub async fn reviews_of_case(c: Conn<'_>, case_id: i64) -> Result<Vec<ReviewRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT r.id, r.patch_id, r.reviewer_user_id, r.verdict, r.note, r.created_at FROM case_patch_reviews r JOIN case_patches p ON p.id = r.patch_id WHERE p.case_id = $1 ORDER BY r.id")
            .bind(case_id)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Set the link to the private fork or branch.
pub async fn set_branch_url(
    c: Conn<'_>,
    case_id: i64,
    url: Option<&str>,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE cases SET fix_branch_url = $1 WHERE id = $2")
            .bind(url)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}
