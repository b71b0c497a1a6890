//! Projects and their security teams.

use super::{ProjectRef, ServiceError, audit};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::policy::{Policy, PolicyError};
use crate::domain::role::ProjectRole;
use crate::domain::slug::ProjectSlug;
use crate::store::{
    self, Db,
    projects::{MemberRow, ProjectRow},
};
use serde_json::json;

/// Create a project.
pub async fn create(
    db: &Db,
    actor: &Actor,
    slug: &ProjectSlug,
    name: &str,
) -> Result<ProjectRow, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(
            "the project name must be 1 to 200 characters without control characters".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let id = store::projects::insert(tx.conn(), slug.as_str(), name, None, store::now())
        .await
        .map_err(ServiceError::conflict_as(format!(
            "a project with slug `{slug}` already exists"
        )))?;
    audit::record(
        &mut tx,
        actor,
        "project.created",
        ("project", slug.as_str()),
        Some(id),
        json!({"name": name}),
    )
    .await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::Internal("project vanished after insert".into()))?;
    tx.commit().await?;
    Ok(project)
}

/// Find a project by slug.
pub async fn find(db: &Db, slug: &str) -> Result<ProjectRow, ServiceError> {
    let mut c = db.acquire().await?;
    store::projects::by_slug(c.conn(), slug)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("project `{slug}`")))
}

/// The project with this id (a case's project).
pub async fn by_id(db: &Db, id: i64) -> Result<ProjectRow, ServiceError> {
    let mut c = db.acquire().await?;
    store::projects::by_id(c.conn(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("project #{id}")))
}

/// Every project.
pub async fn list(db: &Db) -> Result<Vec<ProjectRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::projects::list(c.conn()).await?)
}

/// The projects an account is on the team of (every project for an administrator).
pub async fn visible_to(
    db: &Db,
    user_id: i64,
    is_admin: bool,
) -> Result<Vec<ProjectRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(if is_admin {
        store::projects::list(c.conn()).await?
    } else {
        store::projects::list_for_user(c.conn(), user_id).await?
    })
}

/// Add an account to a project's team.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    slug: &ProjectSlug,
    email: &EmailAddress,
    role: ProjectRole,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("project `{slug}`")))?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    store::projects::add_member(tx.conn(), project.id, user.id, role.as_str(), store::now())
        .await
        .map_err(ServiceError::conflict_as(format!(
            "{email} is already a member of `{slug}`"
        )))?;
    audit::record(
        &mut tx,
        actor,
        "membership.added",
        ("user", &user.id.to_string()),
        Some(project.id),
        json!({"email": email.as_str(), "role": role.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove an account from a project's team.
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    slug: &ProjectSlug,
    email: &EmailAddress,
) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("project `{slug}`")))?;
    let user = store::users::by_email(tx.conn(), email.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("account {email}")))?;
    if !store::projects::remove_member(tx.conn(), project.id, user.id).await? {
        return Err(ServiceError::NotFound(format!(
            "membership of {email} in `{slug}`"
        )));
    }
    audit::record(
        &mut tx,
        actor,
        "membership.removed",
        ("user", &user.id.to_string()),
        Some(project.id),
        json!({"email": email.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A project's team.
pub async fn members(db: &Db, project_id: i64) -> Result<Vec<MemberRow>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::projects::members(c.conn(), project_id).await?)
}

/// Whether an account may see a project's team pages.
pub async fn is_team(
    db: &Db,
    project_id: i64,
    user_id: i64,
    is_admin: bool,
) -> Result<bool, ServiceError> {
    if is_admin {
        return Ok(true);
    }
    let mut c = db.acquire().await?;
    Ok(store::projects::role_of(c.conn(), project_id, user_id)
        .await?
        .is_some())
}

/// Read a policy file's text, or say every problem in it.
pub fn parse_policy(src: &str) -> Result<Policy, ServiceError> {
    Policy::parse(src).map_err(|errors| ServiceError::Invalid(describe_policy_errors(&errors)))
}

/// One line per policy error.
pub fn describe_policy_errors(errors: &[PolicyError]) -> String {
    let mut text = format!(
        "the policy has {} problem{}:",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        text.push_str(&format!("\n  {e}"));
    }
    text
}

/// Create the project a policy file names (slug and name come from `[project]`).
pub async fn create_from_policy(
    db: &Db,
    actor: &Actor,
    src: &str,
) -> Result<ProjectRow, ServiceError> {
    let policy = parse_policy(src)?;
    let slug = policy.project.slug.clone();
    let name = policy.project.name.clone();
    let mut tx = db.begin().await?;
    let id = store::projects::insert(tx.conn(), slug.as_str(), &name, Some(src), store::now())
        .await
        .map_err(ServiceError::conflict_as(format!("a project with slug `{slug}` already exists; use `embargo project update --policy` to change its policy")))?;
    audit::record(
        &mut tx,
        actor,
        "project.created",
        ("project", slug.as_str()),
        Some(id),
        json!({"name": name, "policy_sha256": crate::auth::secret::digest(src)}),
    )
    .await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::Internal("project vanished after insert".into()))?;
    tx.commit().await?;
    Ok(project)
}

/// Replace the policy of the project the file names. Clocks use the new policy from now on.
pub async fn update_policy(db: &Db, actor: &Actor, src: &str) -> Result<ProjectRow, ServiceError> {
    let policy = parse_policy(src)?;
    let slug = policy.project.slug.clone();
    let mut tx = db.begin().await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("project `{slug}` (the policy's project.slug); create it with `embargo project add --policy`")))?;
    store::projects::set_policy(
        tx.conn(),
        project.id,
        &policy.project.name,
        src,
        store::now(),
    )
    .await?;
    let before = project.policy.as_deref().map(crate::auth::secret::digest);
    audit::record(
        &mut tx,
        actor,
        "project.policy_updated",
        ("project", slug.as_str()),
        Some(project.id),
        json!({"name": policy.project.name, "policy_sha256_before": before, "policy_sha256": crate::auth::secret::digest(src)}),
    )
    .await?;
    let project = store::projects::by_slug(tx.conn(), slug.as_str())
        .await?
        .ok_or_else(|| ServiceError::Internal("project vanished after update".into()))?;
    tx.commit().await?;
    Ok(project)
}

/// A project's parsed policy, if it has one. A stored policy always parsed when it was saved;
/// if a newer Embargo rejects it, that is an internal error to fix, not the visitor's problem.
pub fn policy_of(project: &ProjectRow) -> Result<Option<Policy>, ServiceError> {
    match &project.policy {
        None => Ok(None),
        Some(src) => Policy::parse(src).map(Some).map_err(|errors| {
            ServiceError::Internal(format!(
                "stored policy of `{}` no longer parses: {}",
                project.slug,
                describe_policy_errors(&errors)
            ))
        }),
    }
}

/// Put a project into "security release in progress" (other development halts), or
/// end it. With `public`, the project's public page shows a notice without details.
pub async fn set_freeze(
    db: &Db,
    project_ref: &ProjectRef,
    on: bool,
    public: bool,
) -> Result<(), ServiceError> {
    let actor = project_ref.actor();
    let project = project_ref.row();
    if on == project.freeze_since.is_some() && public == project.freeze_public {
        return Err(ServiceError::Conflict(if on {
            format!("{} is already frozen for a security release", project.slug)
        } else {
            format!("{} is not frozen", project.slug)
        }));
    }
    let mut tx = db.begin().await?;
    store::projects::set_freeze(
        tx.conn(),
        project.id,
        if on {
            Some(project.freeze_since.unwrap_or_else(store::now))
        } else {
            None
        },
        on && public,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        if on {
            "project.frozen"
        } else {
            "project.thawed"
        },
        ("project", &project.slug),
        Some(project.id),
        serde_json::json!({"public_notice": on && public}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
