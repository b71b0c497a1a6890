//! Instance-wide settings shared by every process on the database (such as
//! the CSRF key), created once and never changed by a second process.

use super::{Conn, StoreError};
use crate::on_conn;

/// The value of `name`, inserting `initial` first if there is none.
pub async fn get_or_init(c: Conn<'_>, name: &str, initial: &str) -> Result<String, StoreError> {
    on_conn!(c, |c| {
        sqlx::query(
            "INSERT INTO instance_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(initial)
        .execute(&mut *c)
        .await?;
        let value: String =
            sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *c)
                .await?;
        Ok(value)
    })
}
