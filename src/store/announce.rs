//! The public announce list's subscribers (double opt-in; unsubscribing takes effect
//! at once).

use super::{Conn, StoreError};
use crate::on_conn;

/// A subscriber.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Subscriber {
    /// Id.
    pub id: i64,
    /// Project.
    pub project_id: i64,
    /// Address.
    pub email: String,
    /// `unconfirmed`, `subscribed`, `unsubscribed`.
    pub status: String,
    /// Asked to subscribe.
    pub created_at: i64,
    /// Confirmed.
    pub confirmed_at: Option<i64>,
}

const COLUMNS: &str = "id, project_id, email, status, created_at, confirmed_at";

/// Ask to subscribe: a new row, or an unsubscribed/unconfirmed one asked again
/// (unconfirmed). A current subscriber stays subscribed. Returns the row.
pub async fn request(
    c: Conn<'_>,
    project_id: i64,
    email: &str,
    now: i64,
) -> Result<Subscriber, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO announce_subscribers (project_id, email, status, created_at) VALUES ($1, $2, 'unconfirmed', $3) ON CONFLICT (project_id, email) DO UPDATE SET status = CASE WHEN announce_subscribers.status = 'subscribed' THEN 'subscribed' ELSE 'unconfirmed' END, created_at = CASE WHEN announce_subscribers.status = 'subscribed' THEN announce_subscribers.created_at ELSE excluded.created_at END RETURNING {COLUMNS}"
        )))
        .bind(project_id)
        .bind(email)
        .bind(now)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// A subscriber by id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<Subscriber>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM announce_subscribers WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Confirm: unconfirmed → subscribed, if asked no earlier than `since`.
pub async fn confirm(c: Conn<'_>, id: i64, now: i64, since: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE announce_subscribers SET status = 'subscribed', confirmed_at = $1 WHERE id = $2 AND status = 'unconfirmed' AND created_at >= $3")
            .bind(now)
            .bind(id)
            .bind(since)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Unsubscribe (from any state); `false` if already unsubscribed.
pub async fn unsubscribe(c: Conn<'_>, id: i64, now: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE announce_subscribers SET status = 'unsubscribed', unsubscribed_at = $1 WHERE id = $2 AND status <> 'unsubscribed'")
            .bind(now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Subscribers of a project: current ones only, or all.
pub async fn list(
    c: Conn<'_>,
    project_id: i64,
    current: bool,
) -> Result<Vec<Subscriber>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM announce_subscribers WHERE project_id = $1 AND ($2 = FALSE OR status = 'subscribed') ORDER BY email"
        )))
        .bind(project_id)
        .bind(current)
        .fetch_all(&mut *c)
        .await?)
    })
}
