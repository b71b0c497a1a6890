//! Projects and their team memberships.

use super::{Conn, StoreError};
use crate::on_conn;

/// A project as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRow {
    /// Id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The policy file's TOML source, if the project has one.
    pub policy: Option<String>,
    /// Since when a security release is in progress (development frozen).
    pub freeze_since: Option<i64>,
    /// Whether the freeze is announced on the public page (without details).
    pub freeze_public: bool,
}

/// A membership with the member's account details.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    /// Account id.
    pub user_id: i64,
    /// Account address.
    pub email: String,
    /// Account name.
    pub display_name: String,
    /// Role name.
    pub role: String,
}

/// Insert a project; [`StoreError::Conflict`] if the slug is taken.
pub async fn insert(
    c: Conn<'_>,
    slug: &str,
    name: &str,
    policy: Option<&str>,
    now: i64,
) -> Result<i64, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "INSERT INTO projects (slug, name, created_at, policy, policy_updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(now)
        .bind(policy)
        .bind(policy.map(|_| now))
        .fetch_one(&mut *c)
        .await?)
    })
}

/// The project with this slug.
pub async fn by_slug(c: Conn<'_>, slug: &str) -> Result<Option<ProjectRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(
            "SELECT id, slug, name, created_at, policy, freeze_since, freeze_public FROM projects WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// Every project, by slug.
pub async fn list(c: Conn<'_>) -> Result<Vec<ProjectRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(
            sqlx::query_as("SELECT id, slug, name, created_at, policy, freeze_since, freeze_public FROM projects ORDER BY slug")
                .fetch_all(&mut *c)
                .await?,
        )
    })
}

/// The projects a user is a member of, by slug.
pub async fn list_for_user(c: Conn<'_>, user_id: i64) -> Result<Vec<ProjectRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug, p.name, p.created_at, p.policy, p.freeze_since, p.freeze_public FROM projects p JOIN memberships m ON m.project_id = p.id WHERE m.user_id = $1 ORDER BY p.slug",
        )
        .bind(user_id)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Add a member; [`StoreError::Conflict`] if already a member.
pub async fn add_member(
    c: Conn<'_>,
    project_id: i64,
    user_id: i64,
    role: &str,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("INSERT INTO memberships (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(project_id)
            .bind(user_id)
            .bind(role)
            .bind(now)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}

/// Remove a member; `false` if they were not one.
pub async fn remove_member(c: Conn<'_>, project_id: i64, user_id: i64) -> Result<bool, StoreError> {
    on_conn!(c, |c| {
        let r = sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// The user's role in the project, if a member.
pub async fn role_of(
    c: Conn<'_>,
    project_id: i64,
    user_id: i64,
) -> Result<Option<String>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_scalar(
            "SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2",
        )
        .bind(project_id)
        .bind(user_id)
        .fetch_optional(&mut *c)
        .await?)
    })
}

/// The project's members, by address.
pub async fn members(c: Conn<'_>, project_id: i64) -> Result<Vec<MemberRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, u.email, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY u.email",
        )
        .bind(project_id)
        .fetch_all(&mut *c)
        .await?)
    })
}

/// Replace a project's name and policy.
pub async fn set_policy(
    c: Conn<'_>,
    id: i64,
    name: &str,
    policy: &str,
    now: i64,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query(
            "UPDATE projects SET name = $1, policy = $2, policy_updated_at = $3 WHERE id = $4",
        )
        .bind(name)
        .bind(policy)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?;
        Ok(())
    })
}

/// The project with this id.
pub async fn by_id(c: Conn<'_>, id: i64) -> Result<Option<ProjectRow>, StoreError> {
    on_conn!(c, |c| {
        Ok(
            sqlx::query_as("SELECT id, slug, name, created_at, policy, freeze_since, freeze_public FROM projects WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await?,
        )
    })
}

/// Start (`Some(now)`) or end (`None`) a security-release freeze.
pub async fn set_freeze(
    c: Conn<'_>,
    id: i64,
    since: Option<i64>,
    public: bool,
) -> Result<(), StoreError> {
    on_conn!(c, |c| {
        sqlx::query("UPDATE projects SET freeze_since = $1, freeze_public = $2 WHERE id = $3")
            .bind(since)
            .bind(public)
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    })
}
