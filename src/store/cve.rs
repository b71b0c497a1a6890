//! A project's pool of reserved CVE IDs.

use super::{Conn, StoreError};
use crate::on_conn;

/// Add IDs to the pool; returns how many were new.
pub async fn import(
    c: Conn<'_>,
    project_id: i64,
    ids: &[String],
    now: i64,
) -> Result<u64, StoreError> {
    let mut added = 0;
    on_conn!(c, |c| {
        for id in ids {
            let r = sqlx::query("INSERT INTO cve_ids (cve_id, project_id, imported_at) VALUES ($1, $2, $3) ON CONFLICT (cve_id) DO NOTHING")
                .bind(id)
                .bind(project_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            added += r.rows_affected();
        }
        Ok(added)
    })
}

/// Take the oldest free ID of the project for a case; `None` if the pool is empty.
pub async fn take(
    c: Conn<'_>,
    project_id: i64,
    case_id: i64,
    now: i64,
) -> Result<Option<String>, StoreError> {
    on_conn!(c, |c| {
        let id: Option<String> = sqlx::query_scalar("UPDATE cve_ids SET case_id = $1, assigned_at = $2 WHERE cve_id = (SELECT cve_id FROM cve_ids WHERE project_id = $3 AND case_id IS NULL ORDER BY imported_at, cve_id LIMIT 1) AND case_id IS NULL RETURNING cve_id")
            .bind(case_id)
            .bind(now)
            .bind(project_id)
            .fetch_optional(&mut *c)
            .await?;
        Ok(id)
    })
}

/// The pool: (id, case) pairs, free first.
pub async fn pool(c: Conn<'_>, project_id: i64) -> Result<Vec<(String, Option<i64>)>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as("SELECT cve_id, case_id FROM cve_ids WHERE project_id = $1 ORDER BY case_id IS NOT NULL, cve_id")
            .bind(project_id)
            .fetch_all(&mut *c)
            .await?)
    })
}
