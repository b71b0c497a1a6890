//! Fix work on a case: patches per supported branch (checked unified diffs; a new
//! patch for a branch supersedes the old one), reviews (who reviewed which patch,
//! approved or changes requested; not one's own), and a link to a private fork or
//! branch. The current, approved patches are what the pre-notification carries.

use super::cases::{case_row, project_of};
use super::{CaseRef, ServiceError, audit};
use crate::domain::patch;
use crate::store::{self, Db, patches::PatchRow, patches::ReviewRow};
use serde_json::json;

/// A patch as the team submits it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct NewPatch {
    /// Branch or release series (one of the policy's series, or its development branch).
    pub branch: String,
    /// A one-line title.
    #[serde(default)]
    pub title: String,
    /// The unified diff.
    pub diff: String,
}

/// The branches a patch may name under the policy (empty: any name).
fn branches(policy: &crate::domain::policy::Policy) -> Vec<String> {
    let mut out: Vec<String> = policy
        .versions
        .series
        .iter()
        .map(|s| s.name.clone())
        .collect();
    if let Some(dev) = &policy.versions.development_branch {
        out.push(dev.clone());
    }
    out
}

/// An attached patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The patch's id.
    pub id: i64,
    /// Why the team should look again (the branch is a series the policy no longer
    /// supports); also noted on the case.
    pub warning: Option<String>,
}

/// Whether `branch` names a release series the policy does not support today.
fn unsupported_series(policy: &crate::domain::policy::Policy, branch: &str) -> Option<String> {
    let today = jiff::Zoned::now().date();
    let s = crate::domain::policy::support::series_on(&policy.versions, today)
        .into_iter()
        .find(|s| s.name == branch)?;
    (!s.supported).then(|| {
        format!(
            "`{branch}` is not a supported series today ({}{}): the policy promises no fix for it. The patch is kept; make sure it is meant to ship with this disclosure.",
            s.reason,
            s.end.map(|e| format!(", support ended {e}")).unwrap_or_default()
        )
    })
}

/// Attach a patch. A patch for a series the policy does not support today is kept
/// with a warning (returned, and noted on the case for the team).
pub async fn attach(db: &Db, case_ref: &CaseRef, p: &NewPatch) -> Result<Attached, ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    let case = case_row(db, case_id).await?;
    let state: crate::domain::case::CaseState = case.state;
    if !matches!(
        state,
        crate::domain::case::CaseState::Accepted
            | crate::domain::case::CaseState::Fixing
            | crate::domain::case::CaseState::Scheduled
            | crate::domain::case::CaseState::PreAnnounced
            | crate::domain::case::CaseState::PublicFix
    ) {
        return Err(ServiceError::Conflict(format!(
            "patches belong to an accepted case being fixed; case #{} is {state}",
            case.id
        )));
    }
    let project = project_of(db, &case).await?;
    let branch = p.branch.trim();
    let policy = super::projects::policy_of(&project)?;
    let warning = policy
        .as_ref()
        .and_then(|policy| unsupported_series(policy, branch));
    if let Some(policy) = &policy {
        let allowed = branches(policy);
        if !allowed.is_empty() && !allowed.iter().any(|b| b == branch) {
            return Err(ServiceError::Invalid(format!(
                "`{branch}` is not a branch of this project's policy; use one of: {}",
                allowed.join(", ")
            )));
        }
    }
    if branch.is_empty() || branch.len() > 100 {
        return Err(ServiceError::Invalid(
            "name the branch the patch applies to".into(),
        ));
    }
    let summary =
        patch::check(&p.diff).map_err(|e| ServiceError::Invalid(format!("the patch: {e}")))?;
    let title = match p.title.trim() {
        "" => format!("Fix for case #{} on {branch}", case.id),
        t => t.chars().take(200).collect(),
    };
    let mut tx = db.begin().await?;
    let id = store::patches::insert(
        tx.conn(),
        &store::patches::NewPatch {
            case_id: case.id,
            branch,
            title: &title,
            content: &p.diff,
            files: &serde_json::to_string(&summary.files).unwrap_or_default(),
            added: summary.added as i64,
            removed: summary.removed as i64,
            author_user_id: user_id,
        },
        store::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "case.patch_attached",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"patch": id, "branch": branch, "files": summary.files, "added": summary.added, "removed": summary.removed, "warning": warning}),
    )
    .await?;
    if let Some(w) = &warning {
        super::cases::system_note_in(&mut tx, case.id, &format!("Patch {id}: {w}"), None).await?;
    }
    tx.commit().await?;
    Ok(Attached { id, warning })
}

/// Review a patch: `approved` or `changes-requested`, with a note.
pub async fn review(
    db: &Db,
    case_ref: &CaseRef,
    patch_id: i64,
    verdict: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let user_id = case_ref.user_id();
    let case_id = case_ref.id();
    if !matches!(verdict, "approved" | "changes-requested") {
        return Err(ServiceError::Invalid(format!(
            "a review is `approved` or `changes-requested`, not `{verdict}`"
        )));
    }
    let note = note.trim();
    if verdict == "changes-requested" && note.is_empty() {
        return Err(ServiceError::Invalid("say which changes are needed".into()));
    }
    let patch = {
        let mut c = db.acquire().await?;
        store::patches::by_id(c.conn(), patch_id).await?
    }
    .filter(|p| p.case_id == case_id)
    .ok_or_else(|| ServiceError::NotFound(format!("patch #{patch_id} of case #{case_id}")))?;
    if patch.superseded_at.is_some() {
        return Err(ServiceError::Conflict(
            "this patch was replaced by a newer one for the same branch; review that one".into(),
        ));
    }
    if user_id.is_some() && patch.author_user_id == user_id {
        return Err(ServiceError::Conflict(
            "a patch is reviewed by someone other than its author".into(),
        ));
    }
    let mut tx = db.begin().await?;
    store::patches::review(tx.conn(), patch.id, user_id, verdict, note, store::now()).await?;
    audit::record(
        &mut tx,
        actor,
        "case.patch_reviewed",
        ("case", &case_id.to_string()),
        None,
        json!({"patch": patch.id, "branch": patch.branch, "verdict": verdict}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Link (or unlink, with an empty text) the private fork or branch of the fix.
pub async fn set_branch_url(db: &Db, case_ref: &CaseRef, url: &str) -> Result<(), ServiceError> {
    let actor = case_ref.actor();
    let case_id = case_ref.id();
    let url = url.trim();
    let url = if url.is_empty() {
        None
    } else if (url.starts_with("https://") || url.starts_with("ssh://") || url.starts_with("git@"))
        && url.len() <= 500
        && !url.chars().any(char::is_whitespace)
    {
        Some(url)
    } else {
        return Err(ServiceError::Invalid(
            "link the private branch with an https://, ssh:// or git@ address".into(),
        ));
    };
    let case = case_row(db, case_id).await?;
    let mut tx = db.begin().await?;
    store::patches::set_branch_url(tx.conn(), case.id, url).await?;
    audit::record(
        &mut tx,
        actor,
        "case.fix_branch_linked",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"url": url}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A case's patches (newest first) with their reviews.
pub async fn of_case(
    db: &Db,
    case_ref: &CaseRef,
) -> Result<Vec<(PatchRow, Vec<ReviewRow>)>, ServiceError> {
    of_case_id(db, case_ref.id()).await
}

async fn of_case_id(
    db: &Db,
    case_id: i64,
) -> Result<Vec<(PatchRow, Vec<ReviewRow>)>, ServiceError> {
    let mut c = db.acquire().await?;
    let patches = store::patches::of_case(c.conn(), case_id).await?;
    let reviews = store::patches::reviews_of_case(c.conn(), case_id).await?;
    Ok(patches
        .into_iter()
        .map(|p| {
            let r = reviews
                .iter()
                .filter(|r| r.patch_id == p.id)
                .cloned()
                .collect();
            (p, r)
        })
        .collect())
}

/// The patches a pre-notification carries: per branch, the current patch, if its
/// latest review approves it.
pub async fn reviewed(db: &Db, case_ref: &CaseRef) -> Result<Vec<PatchRow>, ServiceError> {
    reviewed_of(db, case_ref.id()).await
}

/// [`reviewed`] for Embargo's own steps (the disclosure jobs).
pub(super) async fn reviewed_of(db: &Db, case_id: i64) -> Result<Vec<PatchRow>, ServiceError> {
    Ok(of_case_id(db, case_id)
        .await?
        .into_iter()
        .filter(|(p, r)| {
            p.superseded_at.is_none() && r.last().is_some_and(|r| r.verdict == "approved")
        })
        .map(|(p, _)| p)
        .collect())
}
