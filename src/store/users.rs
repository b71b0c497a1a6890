//! Team accounts, their second factor and their recovery codes.

use super::{Conn, StoreError};
use crate::on_conn;

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login address (lower case).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Instance administrator.
    pub is_admin: bool,
    /// Base32 TOTP secret, set at enrolment (confirmed or not).
    pub totp_secret: Option<String>,
    /// Whether the second factor is confirmed and required.
    pub totp_enabled: bool,
    /// Last accepted TOTP time step (replay guard).
    pub totp_last_step: Option<i64>,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, display_name, password_hash, is_admin, totp_secret, totp_enabled, totp_last_step, disabled, created_at";

/// Insert an account; [`StoreError::Conflict`] if the address is taken.
pub async fn insert(
    c: Conn<'_>,
    email: &str,
    display_name: &str,
    password_hash: &str,
    is_admin: bool,
    now: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(is_admin)
        .bind(now)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// The account with this address.
pub async fn by_email(c: Conn<'_>, email: &str) -> Result<Option<UserRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE email = $1"
        )))
        .bind(email)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// The account with this id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<UserRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Every account, by address.
pub async fn list(c: Conn<'_>) -> Result<Vec<UserRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM users ORDER BY email"
        )))
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Whether any account exists.
pub async fn any(c: Conn<'_>) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *c)
            .await?;
        Ok(n > 0)
    })
}

/// Replace the password hash.
pub async fn set_password(c: Conn<'_>, id: i64, password_hash: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Replace a TOTP secret stored in clear by its sealed form (only if unchanged).
pub async fn reseal_totp(
    c: Conn<'_>,
    user_id: i64,
    clear: &str,
    sealed: &str,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
            .bind(sealed)
            .bind(user_id)
            .bind(clear)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Store a new, unconfirmed TOTP secret (the factor stays off until confirmed).
pub async fn set_pending_totp(c: Conn<'_>, id: i64, secret: &str) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_enabled = FALSE")
            .bind(secret)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Turn the second factor on or off. Turning it off forgets the secret.
pub async fn set_totp_enabled(c: Conn<'_>, id: i64, enabled: bool) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        let sql = if enabled {
            "UPDATE users SET totp_enabled = TRUE WHERE id = $1"
        } else {
            "UPDATE users SET totp_enabled = FALSE, totp_secret = NULL, totp_last_step = NULL WHERE id = $1"
        };
        sqlx::query(sql).bind(id).execute(&mut *c).await?;
        Ok(())
    })
}

/// Record `step` as used if it is later than the last used step; `false` if
/// it is not (the code was already used: a replay). Atomic across processes.
pub async fn accept_totp_step(c: Conn<'_>, id: i64, step: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let result = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&mut *c)
        .await?;
        Ok(result.rows_affected() == 1)
    })
}

/// Replace the account's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    c: Conn<'_>,
    id: i64,
    hashes: &[String],
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        for hash in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(id)
                .bind(hash)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Use up the recovery code with this hash; `false` if there is no unused one.
pub async fn use_recovery_code(
    c: Conn<'_>,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let result = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(hash)
        .execute(&mut *c)
        .await?;
        Ok(result.rows_affected() >= 1)
    })
}

/// How many recovery codes are left.
pub async fn unused_recovery_codes(c: Conn<'_>, id: i64) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(id)
        .fetch_one(&mut *c)
        .await?)
    })
}

/// Disable or re-enable an account; `false` if there is no such account.
pub async fn set_disabled(c: Conn<'_>, id: i64, disabled: bool) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}
