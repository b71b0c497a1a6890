//! OpenPGP keys as stored: armored public keys, sealed secret keys.

use super::{Conn, StoreError};
use crate::on_conn;

/// Who a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A project's key (signs its mail, decrypts reports sent to it).
    Project(i64),
    /// A team member's personal signing key.
    User(i64),
    /// A recipient's public key (notification-list member, reporter).
    Recipient,
}

impl Owner {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Project(id) => ("project", Some(id)),
            Self::User(id) => ("user", Some(id)),
            Self::Recipient => ("recipient", None),
        }
    }
}

/// A key row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    /// Id.
    pub id: i64,
    /// `project`, `user` or `recipient`.
    pub owner_kind: String,
    /// Owner id.
    pub owner_id: Option<i64>,
    /// Label (an address).
    pub label: String,
    /// Upper-case hex fingerprint.
    pub fingerprint: String,
    /// Armored public key.
    pub public_key: String,
    /// Sealed secret key.
    pub secret_sealed: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, when replaced.
    pub retired_at: Option<i64>,
}

const COLUMNS: &str = "id, owner_kind, owner_id, label, fingerprint, public_key, secret_sealed, created_at, retired_at";

/// Store a key; with `retire_others`, the owner's current keys are retired first.
pub async fn insert(
    c: Conn<'_>,
    owner: Owner,
    label: &str,
    fingerprint: &str,
    public_key: &str,
    secret_sealed: Option<&str>,
    now: i64,
) -> Result<i64, StoreError> {
    let (kind, id) = owner.parts();
    on_conn!(c, |c| {
        if id.is_some() {
            sqlx::query("UPDATE openpgp_keys SET retired_at = $1 WHERE owner_kind = $2 AND owner_id = $3 AND retired_at IS NULL")
                .bind(now)
                .bind(kind)
                .bind(id)
                .execute(&mut *c)
                .await?;
        }
        Ok(sqlx::query_scalar("INSERT INTO openpgp_keys (owner_kind, owner_id, label, fingerprint, public_key, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(kind)
            .bind(id)
            .bind(label)
            .bind(fingerprint)
            .bind(public_key)
            .bind(secret_sealed)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
    })
}

/// The owner's current key.
pub async fn current(c: Conn<'_>, owner: Owner) -> Result<Option<KeyRow>, StoreError> {
    let (kind, id) = owner.parts();
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM openpgp_keys WHERE owner_kind = $1 AND owner_id = $2 AND retired_at IS NULL ORDER BY id DESC LIMIT 1")))
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut *c)
            .await?)
    })
}

/// Every key of the owner, current first (retired keys still decrypt old mail).
pub async fn all_of(c: Conn<'_>, owner: Owner) -> Result<Vec<KeyRow>, StoreError> {
    let (kind, id) = owner.parts();
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM openpgp_keys WHERE owner_kind = $1 AND owner_id = $2 ORDER BY retired_at IS NOT NULL, id DESC")))
            .bind(kind)
            .bind(id)
            .fetch_all(&mut *c)
            .await?)
    })
}

/// Every current project key (for the Web Key Directory).
pub async fn current_project_keys(c: Conn<'_>) -> Result<Vec<KeyRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM openpgp_keys WHERE owner_kind = 'project' AND retired_at IS NULL ORDER BY id")))
            .fetch_all(&mut *c)
            .await?)
    })
}
