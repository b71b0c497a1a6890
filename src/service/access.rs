//! The one door to a case: who is asking ([`Caller`]) and the case they may work on
//! ([`CaseRef`]).
//!
//! Every use case that reads or changes a case takes a `&CaseRef`, and the only way to
//! get one is [`open`], which applies the one rule of who may work on a case:
//!
//! - a **team member** of the case's project (or an administrator);
//! - the **operator** at the command line of the server;
//! - **Embargo itself** (the disclosure scheduler, reminders, mail ingest, the demo).
//!
//! Everyone else gets [`ServiceError::NotFound`], the same answer as for a case that
//! does not exist, so case numbers leak nothing. The team's work on a *project* (the
//! notification list and its requests, the announce list's subscribers, bans, the
//! freeze, the CVE pool, the schedule) has the same door: [`open_project`] gives a
//! [`ProjectRef`] by the same rule, and those use cases take it.
//!
//! Who uses which door:
//!
//! - **Pages and the API** open as `Caller::Member` of the signed-in account
//!   (`MemberCase`, `ApiCase`, `visible_project`, `team_project`); no handler can reach a
//!   case's or a project's team work without it, which is what makes a forgotten check
//!   impossible on the paths that face the network.
//! - **The command line** opens as `Caller::Operator` (the operator already holds the
//!   database and the master key; the door records who acted).
//! - **Embargo's own loops** — the disclosure scheduler, reminders, mail ingest — run
//!   inside the service layer and call its private (`pub(super)`) steps by case id:
//!   they act for the project by design and never take an id from a request.
//! - **Guests and reporters** do not come through this door: each reaches exactly one
//!   case through its private link (`service::guests::view`/`reply`,
//!   `service::cases::by_link`), and what they may do there is a short, separate list of
//!   functions. `Caller::Guest` / `Caller::Reporter` name them; `open` refuses both.

use super::ServiceError;
use crate::domain::actor::Actor;
use crate::domain::case::CaseState;
use crate::store::{self, Db, cases::CaseRow, projects::ProjectRow, users::UserRow};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A signed-in account (web session or API token).
    Member {
        /// The account.
        id: i64,
        /// Its address (kept in the audit trail).
        email: String,
        /// Administrators are on every project's team.
        admin: bool,
    },
    /// A collaborator invited to one case (through their link).
    Guest {
        /// The invitation.
        invitation: i64,
        /// The one case it opens.
        case_id: i64,
    },
    /// The reporter of one case (through their private link or by mail).
    Reporter {
        /// Their case.
        case_id: i64,
    },
    /// The operator at the command line of the server.
    Operator,
    /// Embargo itself: scheduler, reminders, mail ingest, the demo set-up.
    System,
}

impl Caller {
    /// The caller for an account.
    pub fn member(user: &UserRow) -> Self {
        Self::Member {
            id: user.id,
            email: user.email.clone(),
            admin: user.is_admin,
        }
    }

    /// The "who" of the audit events this caller causes.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Member { id, email, .. } => Actor::User {
                id: *id,
                email: email.clone(),
            },
            Self::Guest { invitation, .. } => Actor::Guest(*invitation),
            Self::Reporter { .. } => Actor::Anonymous,
            Self::Operator => Actor::Cli,
            Self::System => Actor::System,
        }
    }

    /// The account, when the caller is one (messages are then written in its name).
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Member { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// A case the caller may work on. Only [`open`] makes one.
#[derive(Debug, Clone)]
pub struct CaseRef {
    caller: Caller,
    actor: Actor,
    row: CaseRow,
    state: CaseState,
}

impl CaseRef {
    /// The case number.
    pub fn id(&self) -> i64 {
        self.row.id
    }

    /// Its project.
    pub fn project_id(&self) -> i64 {
        self.row.project_id
    }

    /// The case as it was when opened. (Writes are compare-and-set against the state
    /// stored, so a change made meanwhile is a conflict, never overwritten.)
    pub fn row(&self) -> &CaseRow {
        &self.row
    }

    /// Its state when opened.
    pub fn state(&self) -> CaseState {
        self.state
    }

    /// Who opened it.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The audit actor of the caller.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The caller's account, if any.
    pub fn user_id(&self) -> Option<i64> {
        self.caller.user_id()
    }

    /// The caller's account, for steps only a person with an account can take
    /// (a reply is written in their name).
    pub fn member_id(&self) -> Result<i64, ServiceError> {
        self.user_id().ok_or_else(|| {
            ServiceError::Invalid(
                "only a team member with an account can do this (sign in to the web pages)".into(),
            )
        })
    }

    /// The same case, read again (after a change made through it).
    pub async fn reopen(&self, db: &Db) -> Result<Self, ServiceError> {
        open(db, &self.caller, self.row.id).await
    }
}

/// The one rule: whether `caller` may do the team's work of project `project_id` — its
/// team, an administrator, the operator, Embargo itself. Guests and reporters never:
/// their door is their link, not this one.
async fn entitled(
    c: store::Conn<'_>,
    caller: &Caller,
    project_id: i64,
) -> Result<bool, ServiceError> {
    Ok(match caller {
        Caller::Operator | Caller::System => true,
        Caller::Member {
            id: user, admin, ..
        } => {
            *admin
                || store::projects::role_of(c, project_id, *user)
                    .await?
                    .is_some()
        }
        Caller::Guest { .. } | Caller::Reporter { .. } => false,
    })
}

/// The case, if the caller may work on it; [`ServiceError::NotFound`] otherwise (the same
/// answer as for a case that does not exist).
pub async fn open(db: &Db, caller: &Caller, id: i64) -> Result<CaseRef, ServiceError> {
    let not_found = || ServiceError::NotFound(format!("case #{id}"));
    let mut c = db.acquire().await?;
    let row = store::cases::by_id(c.conn(), id)
        .await?
        .ok_or_else(not_found)?;
    let allowed = entitled(c.conn(), caller, row.project_id).await?;
    drop(c);
    if !allowed {
        return Err(not_found());
    }
    let state = row.state;
    Ok(CaseRef {
        actor: caller.actor(),
        caller: caller.clone(),
        row,
        state,
    })
}

/// A project whose team work the caller may do. Only [`open_project`] makes one.
#[derive(Debug, Clone)]
pub struct ProjectRef {
    caller: Caller,
    actor: Actor,
    row: ProjectRow,
}

impl ProjectRef {
    /// The project's id.
    pub fn id(&self) -> i64 {
        self.row.id
    }

    /// The project as it was when opened.
    pub fn row(&self) -> &ProjectRow {
        &self.row
    }

    /// Who opened it.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The audit actor of the caller.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The caller's account, if any.
    pub fn user_id(&self) -> Option<i64> {
        self.caller.user_id()
    }

    /// Whether the caller may do what only administrators may (lift a ban): an
    /// administrator, or the operator at the server.
    pub fn admin(&self) -> bool {
        matches!(
            self.caller,
            Caller::Member { admin: true, .. } | Caller::Operator | Caller::System
        )
    }
}

/// A project reference reads as its row (name, slug, policy).
impl std::ops::Deref for ProjectRef {
    type Target = ProjectRow;

    fn deref(&self) -> &ProjectRow {
        &self.row
    }
}

/// The project named `slug`, if the caller may do its team's work (the rule of
/// [`open`]); [`ServiceError::NotFound`] otherwise, as for a project that does not exist.
pub async fn open_project(
    db: &Db,
    caller: &Caller,
    slug: &str,
) -> Result<ProjectRef, ServiceError> {
    let not_found = || ServiceError::NotFound(format!("project `{slug}`"));
    let mut c = db.acquire().await?;
    let row = store::projects::by_slug(c.conn(), slug)
        .await?
        .ok_or_else(not_found)?;
    let allowed = entitled(c.conn(), caller, row.id).await?;
    drop(c);
    if !allowed {
        return Err(not_found());
    }
    Ok(ProjectRef {
        actor: caller.actor(),
        caller: caller.clone(),
        row,
    })
}
