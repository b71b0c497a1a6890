//! Failed-login counters per account and per client address, in the
//! database so that every process enforces the same limits.

use super::{Conn, StoreError};
use crate::on_conn;

/// Record one failure for `key` in `scope` (`account` or `ip`), dropping that key's entries older than `forget_before` (an indexed delete).
pub async fn record_failure(
    c: Conn<'_>,
    scope: &str,
    key: &str,
    now: i64,
    forget_before: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("DELETE FROM login_failures WHERE scope = $2 AND key = $3 AND at < $1")
            .bind(forget_before)
            .bind(scope)
            .bind(key)
            .execute(&mut *c)
            .await?;
        sqlx::query("INSERT INTO login_failures (scope, key, at) VALUES ($1, $2, $3)")
            .bind(scope)
            .bind(key)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Failures for `key` in `scope` since `since`.
pub async fn failures_since(
    c: Conn<'_>,
    scope: &str,
    key: &str,
    since: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE scope = $1 AND key = $2 AND at >= $3",
        )
        .bind(scope)
        .bind(key)
        .bind(since)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Reserve an attempt: record it as a failure *before* the credential is
/// checked (and committed at once), so parallel attempts each see the others
/// and no burst gets past the limit. Returns the row's id, for [`release`]
/// when the attempt succeeds.
pub async fn reserve(c: Conn<'_>, scope: &str, key: &str, now: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "INSERT INTO login_failures (scope, key, at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(scope)
        .bind(key)
        .bind(now)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Drop reservations made by [`reserve`] (the attempt succeeded).
pub async fn release(c: Conn<'_>, ids: &[i64]) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        for id in ids {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Forget the failures for `key` in `scope` (after a successful sign-in).
pub async fn clear(c: Conn<'_>, scope: &str, key: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Drop every entry older than `before` (the periodic sweep).
pub async fn prune(c: Conn<'_>, before: i64) -> Result<u64, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(before)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected())
    })
}
