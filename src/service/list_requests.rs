//! Requests to join the confidential pre-notification list: the applicant's form
//! (checked against the policy; an incomplete attempt is refused with what to fix and
//! recorded against the address), confirmation of the address by mail (the mail is
//! encrypted to the applicant's key when they gave one, so confirming also proves they
//! hold it), the team's review queue with its decision clock and flags, and the
//! decisions — approve into a group, reject with a reason, ask for more — each mailed
//! to the applicant and audited. Overdue requests remind the team (swept with the
//! case reminders).
//!
//! The list is confidential: audit events name requests and members by id only, and
//! nothing here is reachable without a team session or the applicant's own link.

use super::keys;
use super::list_mail::{
    self, ByMail, Confirm, DecisionMail, HeldBack, HeldBackMail, TeamMail, TeamNews, Verdict,
};
use super::mail::{Protect, enqueue};
use super::{ProjectRef, ServiceError, audit};
use crate::auth::secret;
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::list_request::{self, Application, ExistingMember, Flag, KeyFacts, Problem};
use crate::domain::policy::{NotificationList, Policy};
use crate::domain::time::Timestamp;
use crate::pgp::PublicKey;
use crate::store::list_requests::{NewRequest, RequestRow};
use crate::store::members::Member;
use crate::store::projects::ProjectRow;
use crate::store::{self, Db};
use serde_json::json;

/// The decision clock when the policy sets none.
const DEFAULT_DECISION: i64 = 30 * 86_400;
const DAY: i64 = 86_400;
/// How long the confirmation link of a request works.
const CONFIRM_WITHIN: i64 = 7 * DAY;

/// Why an application was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Missing or inconsistent answers (shown to the applicant; recorded).
    #[error("the request is incomplete")]
    Problems(Vec<Problem>),
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<store::StoreError> for ApplyError {
    fn from(e: store::StoreError) -> Self {
        Self::Service(e.into())
    }
}

/// The project and its list, or a clear refusal.
pub async fn project_list(
    db: &Db,
    slug: &str,
) -> Result<(ProjectRow, Policy, NotificationList), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let policy = super::projects::policy_of(&project)?
        .ok_or_else(|| ServiceError::NotFound(format!("the notification list of `{slug}`")))?;
    let list = policy
        .notification_list
        .clone()
        .ok_or_else(|| ServiceError::NotFound(format!("the notification list of `{slug}`")))?;
    Ok((project, policy, list))
}

async fn key_facts(armored: &str) -> (KeyFacts, Option<PublicKey>) {
    if armored.trim().is_empty() {
        return (KeyFacts::None, None);
    }
    match keys::inspect_recipient_untrusted(armored.as_bytes().to_vec()).await {
        Ok((key, info)) => (
            KeyFacts::Usable {
                fingerprint: info.fingerprint,
                user_ids: info.user_ids,
            },
            Some(key),
        ),
        Err(e) => (KeyFacts::Unusable(e.to_string()), None),
    }
}

use super::mail::team_message as mail;

/// Mail every member of the project's team (in the caller's transaction): links only,
/// never the applicant's answers.
async fn tell_team(
    tx: &mut store::Tx,
    cfg: &Config,
    project: &ProjectRow,
    team: &[store::projects::MemberRow],
    subject: &str,
    text: &str,
    purpose: &str,
) -> Result<(), ServiceError> {
    for m in team {
        enqueue(
            tx,
            cfg,
            &mail(cfg, project, &m.email, subject, text.to_owned()),
            &Protect::None,
            Some(project.id),
            purpose,
        )
        .await?;
    }
    Ok(())
}

/// Encrypt to the applicant's key when there is one, else plain.
fn protect_for(armored: Option<&str>) -> Protect {
    match armored.and_then(|k| PublicKey::recipient_from_bytes(k.as_bytes()).ok()) {
        Some((k, _)) => Protect::Encrypt {
            recipients: vec![k],
            signer: None,
        },
        None => Protect::None,
    }
}

/// What an accepted application returns.
#[derive(Debug)]
pub struct Applied {
    /// Request id (0 when nothing was recorded and the address was told why by mail).
    pub id: i64,
}

/// Take an application. Problems are refused (and recorded against the address if it
/// parses); a complete request is stored unconfirmed and the confirmation link is mailed.
pub async fn apply(
    db: &Db,
    cfg: &Config,
    slug: &str,
    a: &Application,
) -> Result<Applied, ApplyError> {
    let (project, policy, list) = project_list(db, slug).await?;
    let (facts, key) = key_facts(&a.public_key).await;
    let problems = list_request::problems(&list, a, &facts);
    let email: Option<EmailAddress> = a.email.trim().parse().ok();
    let now = store::now();
    // Whether the address already has a request waiting, or may not apply again yet, is
    // not shown on the page (it would tell anyone who applied or was turned down): the
    // page says a mail was sent, and the mail to the address says why nothing else happens.
    let mut held_back: Option<String> = None;
    if let Some(e) = &email {
        let mut c = db.acquire().await?;
        if store::list_requests::open_of(c.conn(), project.id, e.as_str(), now - CONFIRM_WITHIN)
            .await?
            .is_some()
        {
            held_back = Some(list_mail::render(&HeldBackMail {
                email: e.as_str(),
                project: &project.name,
                why: HeldBack::Waiting,
            })?);
        }
        if let Some(wait) = policy
            .notification_list
            .as_ref()
            .and_then(|l| l.reapply_after)
        {
            let member = store::members::by_email(c.conn(), project.id, e.as_str()).await?;
            let rejected = store::list_requests::last_decided(c.conn(), project.id, e.as_str())
                .await?
                .and_then(|r| r.decided_at);
            let last = member
                .and_then(|m| m.revoked_at)
                .into_iter()
                .chain(rejected)
                .max();
            if let Some(t) = last
                && now < t + wait.as_seconds_i64()
            {
                held_back = Some(list_mail::render(&HeldBackMail {
                    email: e.as_str(),
                    project: &project.name,
                    why: HeldBack::TooSoon {
                        wait: wait.to_string(),
                        from: Timestamp(t + wait.as_seconds_i64()).minute(),
                    },
                })?);
            }
        }
    }
    if let (Some(why), Some(e), true) = (&held_back, &email, problems.is_empty()) {
        let mut tx = db.begin().await?;
        enqueue(
            &mut tx,
            cfg,
            &mail(
                cfg,
                &project,
                e.as_str(),
                "Your notification-list request",
                why.clone(),
            ),
            &match &key {
                Some(k) => Protect::Encrypt {
                    recipients: vec![k.clone()],
                    signer: None,
                },
                None => Protect::None,
            },
            Some(project.id),
            "list-request-held",
        )
        .await?;
        tx.commit().await?;
        return Ok(Applied { id: 0 });
    }
    if !problems.is_empty() {
        if let Some(e) = &email {
            let mut tx = db.begin().await?;
            let text =
                serde_json::to_string(&problems.iter().map(|p| &p.message).collect::<Vec<_>>())
                    .unwrap_or_default();
            store::list_requests::record_attempt(tx.conn(), project.id, e.as_str(), &text, now)
                .await?;
            audit::record(
                &mut tx,
                &Actor::Anonymous,
                "list.request_incomplete",
                ("project", &project.id.to_string()),
                Some(project.id),
                json!({"problems": problems.iter().map(|p| p.field).collect::<Vec<_>>()}),
            )
            .await?;
            tx.commit().await?;
        }
        return Err(ApplyError::Problems(problems));
    }
    let Some(email) = email else {
        return Err(ApplyError::Problems(vec![Problem {
            field: "email",
            message: "give the address to add to the list".into(),
        }]));
    };
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), project.id, false).await?
    };
    let attempts = {
        let mut c = db.acquire().await?;
        store::list_requests::attempts(c.conn(), project.id, email.as_str())
            .await?
            .len()
    };
    let fingerprint = key.as_ref().map(PublicKey::fingerprint);
    let flags = flags_for(&list, a, fingerprint.as_deref(), &members, None, attempts);
    let armored = match &key {
        Some(k) => Some(k.to_armored().map_err(ServiceError::from)?),
        None => None,
    };
    let token = secret::random_token(32);
    let link = cfg.link(&format!(
        "/p/{}/notification-list/requests/{token}",
        project.slug
    ));
    let decision = policy
        .clocks
        .membership_decision
        .map(|d| d.to_string())
        .unwrap_or_else(|| "30 days".into());
    let body = list_mail::render(&Confirm {
        name: &crate::domain::text::greeting_name(&a.name),
        email: email.as_str(),
        project: &project.name,
        link: &link,
        decision,
    })?;
    let msg = mail(
        cfg,
        &project,
        email.as_str(),
        "Confirm your notification-list request",
        body,
    );
    let mut tx = db.begin().await?;
    let id = store::list_requests::insert(
        tx.conn(),
        &NewRequest {
            project_id: project.id,
            email: email.as_str(),
            name: a.name.trim(),
            organisation: a.organisation.trim(),
            org_role: a.org_role.trim(),
            group_id: a.group.trim(),
            individual: a.individual,
            criteria: a.criteria.trim(),
            reason: a.reason.trim(),
            address_handling: a.address_handling.trim(),
            public_key: armored.as_deref(),
            key_id: a.key_id.trim(),
            fingerprint: fingerprint.as_deref(),
            link_hash: &secret::digest(&token),
        },
        now,
    )
    .await?;
    enqueue(
        &mut tx,
        cfg,
        &msg,
        &protect_for(armored.as_deref()),
        Some(project.id),
        "list-request-confirm",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.request_submitted",
        ("list_request", &id.to_string()),
        Some(project.id),
        json!({"group": a.group.trim(), "flags": flags.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(), "key": fingerprint}),
    )
    .await?;
    tx.commit().await?;
    Ok(Applied { id })
}

/// The applicant's view: their request (by link) and its project.
pub async fn by_link(
    db: &Db,
    slug: &str,
    token: &str,
) -> Result<(ProjectRow, RequestRow), ServiceError> {
    let project = super::projects::find(db, slug).await?;
    let mut c = db.acquire().await?;
    match store::list_requests::by_link(c.conn(), &secret::digest(token)).await? {
        Some(r) if r.project_id == project.id => Ok((project, r)),
        _ => Err(ServiceError::NotFound("this request link".into())),
    }
}

/// The applicant confirms the address: the request enters the review queue and its
/// decision clock starts; the team is told.
pub async fn confirm(
    db: &Db,
    cfg: &Config,
    slug: &str,
    token: &str,
) -> Result<RequestRow, ServiceError> {
    let (project, r) = by_link(db, slug, token).await?;
    if r.status != "unconfirmed" {
        return Ok(r);
    }
    let policy = super::projects::policy_of(&project)?;
    let clock = policy
        .as_ref()
        .and_then(|p| p.clocks.membership_decision)
        .map(|d| d.as_seconds_i64())
        .unwrap_or(DEFAULT_DECISION);
    let now = store::now();
    let team = super::projects::members(db, project.id).await?;
    let link = cfg.link(&format!(
        "/team/projects/{}/list/requests/{}",
        project.slug, r.id
    ));
    let mut tx = db.begin().await?;
    if !store::list_requests::confirm(tx.conn(), r.id, now, now + clock, now - CONFIRM_WITHIN)
        .await?
    {
        return Err(ServiceError::Conflict(
            "this confirmation link has expired (it works for 7 days); send the request again"
                .into(),
        ));
    }
    tell_team(
        &mut tx,
        cfg,
        &project,
        &team,
        "Notification-list request to review",
        &list_mail::render(&TeamMail {
            project: &project.name,
            link: &link,
            what: TeamNews::ToReview {
                decide_by: Timestamp(now + clock).minute(),
            },
        })?,
        "list-request-team",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.request_confirmed",
        ("list_request", &r.id.to_string()),
        Some(project.id),
        json!({"decide_by": now + clock}),
    )
    .await?;
    tx.commit().await?;
    let mut c = db.acquire().await?;
    store::list_requests::by_id(c.conn(), r.id)
        .await?
        .ok_or_else(|| ServiceError::Internal("request vanished".into()))
}

/// The applicant answers the team's question: back to the queue.
pub async fn answer(
    db: &Db,
    cfg: &Config,
    slug: &str,
    token: &str,
    text: &str,
) -> Result<(), ServiceError> {
    let (project, r) = by_link(db, slug, token).await?;
    let text = text.trim();
    if text.is_empty() {
        return Err(ServiceError::Invalid(
            "write your answer to the team's question".into(),
        ));
    }
    if text.len() > list_request::MAX_ANSWER {
        return Err(ServiceError::Invalid("shorten the answer to 8 KiB".into()));
    }
    if r.status != "more-info" {
        return Err(ServiceError::Conflict(format!(
            "the request is {}; the team asked no question to answer",
            r.status
        )));
    }
    let all = match &r.answer {
        Some(prev) => format!("{prev}\n\n{text}"),
        None => text.to_owned(),
    };
    let team = super::projects::members(db, project.id).await?;
    let link = cfg.link(&format!(
        "/team/projects/{}/list/requests/{}",
        project.slug, r.id
    ));
    let mut tx = db.begin().await?;
    if !store::list_requests::answer(tx.conn(), r.id, &all).await? {
        return Err(ServiceError::Conflict(
            "the request changed meanwhile; reload it".into(),
        ));
    }
    tell_team(
        &mut tx,
        cfg,
        &project,
        &team,
        "Notification-list applicant answered",
        &list_mail::render(&TeamMail {
            project: &project.name,
            link: &link,
            what: TeamNews::Answered,
        })?,
        "list-request-team",
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.request_answered",
        ("list_request", &r.id.to_string()),
        Some(project.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A decision by the team.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Decision {
    /// Admit into a group (the claimed one when empty).
    Approve {
        /// Group id.
        #[serde(default)]
        group: String,
        /// A note to the applicant (optional).
        #[serde(default)]
        note: String,
    },
    /// Turn down, with the reason told to the applicant.
    Reject {
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// Ask the applicant for more information.
    AskMore {
        /// The question.
        #[serde(default)]
        note: String,
    },
}

/// A request in the team's queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestView {
    /// The stored request.
    #[serde(flatten)]
    pub row: RequestRow,
    /// Its flags.
    pub flag_list: Vec<Flag>,
    /// The decision is overdue.
    pub overdue: bool,
    /// Incomplete attempts recorded for the address: (problems, when).
    pub attempts: Vec<(String, i64)>,
}

/// The reviewer's flags, from the answers and the list as it is now: current members
/// (other than the one `exclude` names — the member this request became) for duplicates,
/// revoked ones for `former-member`, and the incomplete attempts recorded before.
fn flags_for(
    list: &NotificationList,
    a: &Application,
    fingerprint: Option<&str>,
    members: &[Member],
    exclude: Option<i64>,
    attempts_before: usize,
) -> Vec<Flag> {
    let others: Vec<&Member> = members.iter().filter(|m| Some(m.id) != exclude).collect();
    let current: Vec<ExistingMember<'_>> = others
        .iter()
        .filter(|m| m.revoked_at.is_none())
        .map(|m| ExistingMember {
            email: &m.email,
            organisation: &m.organisation,
            fingerprint: m.fingerprint.as_deref(),
        })
        .collect();
    let mut flags = list_request::flags(list, a, fingerprint, &current, attempts_before);
    let email = a.email.trim().to_lowercase();
    for m in others.iter().filter(|m| m.email == email) {
        if let Some(revoked) = m.revoked_at {
            flags.push(Flag {
                kind: "former-member".into(),
                note: format!(
                    "{email} was a member until {}, when the membership was revoked{}",
                    Timestamp(revoked).minute(),
                    m.revoke_reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            });
        }
    }
    flags
}

/// The answers of a stored request, as the flags read them.
fn answers_of(row: &RequestRow) -> Application {
    Application {
        name: row.name.clone(),
        organisation: row.organisation.clone(),
        org_role: row.org_role.clone(),
        group: row.group_id.clone(),
        individual: row.individual,
        criteria: row.criteria.clone(),
        reason: row.reason.clone(),
        email: row.email.clone(),
        address_handling: row.address_handling.clone(),
        public_key: String::new(),
        key_id: row.key_id.clone(),
    }
}

/// A request with its flags (computed now, not stored: a member approved or revoked
/// since the request came in shows in them) and its address's earlier incomplete attempts.
async fn view(
    db: &Db,
    list: &NotificationList,
    members: &[Member],
    row: RequestRow,
    now: i64,
) -> Result<RequestView, ServiceError> {
    let attempts: Vec<(String, i64)> = {
        let mut c = db.acquire().await?;
        store::list_requests::attempts(c.conn(), row.project_id, &row.email).await?
    }
    .into_iter()
    .filter(|(_, at)| *at <= row.submitted_at)
    .collect();
    let flag_list = flags_for(
        list,
        &answers_of(&row),
        row.fingerprint.as_deref(),
        members,
        row.member_id,
        attempts.len(),
    );
    let overdue = matches!(row.status.as_str(), "pending" | "more-info")
        && row.decide_due_at.is_some_and(|d| d < now);
    Ok(RequestView {
        row,
        flag_list,
        overdue,
        attempts,
    })
}

/// The queue of a project (open requests, or all).
pub async fn queue(
    db: &Db,
    project_ref: &ProjectRef,
    open: bool,
) -> Result<Vec<RequestView>, ServiceError> {
    let slug = project_ref.slug.as_str();
    let (project, _, list) = project_list(db, slug).await?;
    let (rows, members) = {
        let mut c = db.acquire().await?;
        (
            store::list_requests::list(c.conn(), project.id, open).await?,
            store::members::list(c.conn(), project.id, false).await?,
        )
    };
    let now = store::now();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(db, &list, &members, r, now).await?);
    }
    Ok(out)
}

async fn row_of(db: &Db, project_id: i64, id: i64) -> Result<RequestRow, ServiceError> {
    let mut c = db.acquire().await?;
    store::list_requests::by_id(c.conn(), id)
        .await?
        .filter(|r| r.project_id == project_id)
        .ok_or_else(|| ServiceError::NotFound(format!("notification-list request #{id}")))
}

/// One request of a project, with its flags and the attempts recorded for its address.
pub async fn request(
    db: &Db,
    project_ref: &ProjectRef,
    id: i64,
) -> Result<RequestView, ServiceError> {
    let slug = project_ref.slug.as_str();
    let (project, _, list) = project_list(db, slug).await?;
    let row = row_of(db, project.id, id).await?;
    let members = {
        let mut c = db.acquire().await?;
        store::members::list(c.conn(), project.id, false).await?
    };
    view(db, &list, &members, row, store::now()).await
}

/// Decide a request: approve (the applicant becomes a member of the group), reject
/// with a reason, or ask for more. The applicant is told by mail; audited.
pub async fn decide(
    db: &Db,
    cfg: &Config,
    project_ref: &ProjectRef,
    id: i64,
    d: &Decision,
) -> Result<RequestView, ServiceError> {
    let actor = project_ref.actor();
    let user_id = project_ref.user_id();
    let slug = project_ref.slug.as_str();
    let (project, _, list) = project_list(db, slug).await?;
    let current = row_of(db, project.id, id).await?;
    if !matches!(current.status.as_str(), "pending" | "more-info") {
        return Err(ServiceError::Conflict(match current.status.as_str() {
            "unconfirmed" => "the applicant has not confirmed the address yet; a request is decided after confirmation".to_owned(),
            s => format!("the request is already {s}"),
        }));
    }
    let now = store::now();
    let protect = protect_for(current.public_key.as_deref());
    let mut tx = db.begin().await?;
    let (action, details, subject, text) = match d {
        Decision::Approve { group, note } => {
            let group = if group.trim().is_empty() {
                current.group_id.clone()
            } else {
                group.trim().to_owned()
            };
            let Some(g) = list.groups.iter().find(|g| g.id == group) else {
                let ids: Vec<&str> = list.groups.iter().map(|g| g.id.as_str()).collect();
                return Err(ServiceError::Invalid(format!(
                    "`{group}` is not a group of the list; use one of: {}",
                    ids.join(", ")
                )));
            };
            let member = store::members::upsert(
                tx.conn(),
                &store::members::NewMember {
                    project_id: project.id,
                    email: &current.email,
                    name: &crate::domain::text::greeting_name(&current.name),
                    organisation: &current.organisation,
                    group_id: &g.id,
                    public_key: current.public_key.as_deref(),
                    fingerprint: current.fingerprint.as_deref(),
                },
                now,
            )
            .await?;
            if !store::list_requests::decide(
                tx.conn(),
                id,
                "approved",
                user_id,
                Some(note.trim()).filter(|n| !n.is_empty()),
                Some(&g.id),
                Some(member),
                now,
            )
            .await?
            {
                return Err(ServiceError::Conflict(
                    "the request changed meanwhile; reload it".into(),
                ));
            }
            let text = list_mail::render(&DecisionMail {
                name: &crate::domain::text::greeting_name(&current.name),
                email: &current.email,
                project: &project.name,
                note: note.trim(),
                verdict: Verdict::Approved {
                    group: &g.name,
                    encrypted: current.public_key.is_some(),
                    revocable: list.revocable_without_reason,
                },
            })?;
            (
                "list.request_approved",
                json!({"group": g.id, "member": member}),
                "Your notification-list request was approved",
                text,
            )
        }
        Decision::Reject { note } => {
            let note = note.trim();
            if note.is_empty() {
                return Err(ServiceError::Invalid(
                    "give the reason for turning the request down; the applicant is told it".into(),
                ));
            }
            if !store::list_requests::decide(
                tx.conn(),
                id,
                "rejected",
                user_id,
                Some(note),
                None,
                None,
                now,
            )
            .await?
            {
                return Err(ServiceError::Conflict(
                    "the request changed meanwhile; reload it".into(),
                ));
            }
            (
                "list.request_rejected",
                json!({}),
                "Your notification-list request",
                list_mail::render(&DecisionMail {
                    name: &crate::domain::text::greeting_name(&current.name),
                    email: &current.email,
                    project: &project.name,
                    note,
                    verdict: Verdict::Rejected,
                })?,
            )
        }
        Decision::AskMore { note } => {
            let note = note.trim();
            if note.is_empty() {
                return Err(ServiceError::Invalid(
                    "write the question for the applicant".into(),
                ));
            }
            if !store::list_requests::ask(tx.conn(), id, note).await? {
                return Err(ServiceError::Conflict(
                    "the request changed meanwhile; reload it".into(),
                ));
            }
            (
                "list.request_more_info",
                json!({}),
                "More information needed for your notification-list request",
                list_mail::render(&DecisionMail {
                    name: &crate::domain::text::greeting_name(&current.name),
                    email: &current.email,
                    project: &project.name,
                    note,
                    verdict: Verdict::AskMore,
                })?,
            )
        }
    };
    enqueue(
        &mut tx,
        cfg,
        &mail(cfg, &project, &current.email, subject, text),
        &protect,
        Some(project.id),
        "list-request-decision",
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        action,
        ("list_request", &id.to_string()),
        Some(project.id),
        details,
    )
    .await?;
    tx.commit().await?;
    request(db, project_ref, id).await
}

/// Open requests per project, for the dashboard: (project slug, open, overdue).
pub async fn open_for(db: &Db, user_id: i64) -> Result<Vec<(String, i64, i64)>, ServiceError> {
    let mut c = db.acquire().await?;
    Ok(store::list_requests::open_for_user(c.conn(), user_id, store::now()).await?)
}

/// Remind each project's team of requests past their decision date (at most every
/// `clocks.remind_every`, default a day); returns how many reminders went out.
pub async fn remind_overdue(db: &Db, cfg: &Config, now: i64) -> Result<usize, ServiceError> {
    let rows = {
        let mut c = db.acquire().await?;
        store::list_requests::overdue(c.conn(), now, now - DAY).await?
    };
    let mut sent = 0;
    for r in rows {
        let project = super::projects::by_id(db, r.project_id).await?;
        let every = super::projects::policy_of(&project)
            .ok()
            .flatten()
            .and_then(|p| p.clocks.remind_every)
            .map(|d| d.as_seconds_i64())
            .unwrap_or(DAY);
        let team = super::projects::members(db, project.id).await?;
        let link = cfg.link(&format!(
            "/team/projects/{}/list/requests/{}",
            project.slug, r.id
        ));
        let mut tx = db.begin().await?;
        if !store::list_requests::mark_reminded(tx.conn(), r.id, now, now - every).await? {
            continue;
        }
        tell_team(
            &mut tx,
            cfg,
            &project,
            &team,
            "Overdue notification-list request",
            &list_mail::render(&TeamMail {
                project: &project.name,
                link: &link,
                what: TeamNews::Overdue {
                    due: Timestamp(r.decide_due_at.unwrap_or(now)).minute(),
                },
            })?,
            "list-request-reminder",
        )
        .await?;
        audit::record(
            &mut tx,
            &Actor::System,
            "list.request_reminded",
            ("list_request", &r.id.to_string()),
            Some(project.id),
            json!({"recipients": team.len()}),
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Whether a mail's subject is the policy's request subject (ignoring case, spacing and
/// any `Re:` / `Fwd:` in front).
pub fn is_request_subject(subject: &str, wanted: &str) -> bool {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let Some(rest) = ["re:", "fwd:", "fw:", "aw:", "wg:"]
            .iter()
            .find_map(|p| lower.starts_with(p).then(|| s[p.len()..].trim_start()))
        else {
            break;
        };
        s = rest;
    }
    let norm = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(s) == norm(wanted)
}

/// A request to join the list that came by mail with the policy's subject line: kept
/// for the team (shown on the list page), and the sender — unless the mail is automatic
/// — is answered with the request form, which asks each required item and checks the
/// key. `None` when this Message-ID was taken in before.
#[allow(clippy::too_many_arguments)]
pub async fn by_mail(
    db: &Db,
    cfg: &Config,
    project: &ProjectRow,
    sender: Option<&str>,
    sender_name: Option<&str>,
    subject: &str,
    text: &str,
    message_id: Option<&str>,
    automatic: bool,
) -> Result<Option<i64>, ServiceError> {
    let form = cfg.link(&format!("/p/{}/notification-list/apply", project.slug));
    let now = store::now();
    let mut tx = db.begin().await?;
    let Some(id) = store::list_requests::insert_mail(
        tx.conn(),
        project.id,
        sender,
        sender_name,
        subject,
        text,
        message_id,
        now,
    )
    .await?
    else {
        return Ok(None);
    };
    if let (Some(to), false) = (sender, automatic) {
        let mut msg = mail(
            cfg,
            project,
            to,
            "Your notification-list request",
            list_mail::render(&ByMail {
                project: &project.name,
                form: &form,
            })?,
        );
        msg.in_reply_to = message_id.map(str::to_owned);
        enqueue(
            &mut tx,
            cfg,
            &msg,
            &Protect::None,
            Some(project.id),
            "list-request-by-mail",
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &Actor::Anonymous,
        "list.request_by_mail",
        ("list_request_mail", &id.to_string()),
        Some(project.id),
        json!({"answered": sender.is_some() && !automatic}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// The request mails of a project, newest first (the team's page).
pub async fn mails(
    db: &Db,
    project_ref: &ProjectRef,
) -> Result<Vec<store::list_requests::MailRow>, ServiceError> {
    let project_id = project_ref.id();
    let mut c = db.acquire().await?;
    Ok(store::list_requests::mails(c.conn(), project_id, 100).await?)
}

#[cfg(test)]
mod tests {
    use super::is_request_subject;

    #[test]
    fn request_subjects_match_as_people_write_them() {
        let s = "Security notification request";
        for ok in [
            "Security notification request",
            "  security   NOTIFICATION request ",
            "Re: Security notification request",
            "Fwd: RE: Security notification request",
        ] {
            assert!(is_request_subject(ok, s), "{ok}");
        }
        for no in [
            "Security notification request for Django",
            "SQL injection",
            "",
        ] {
            assert!(!is_request_subject(no, s), "{no}");
        }
    }
}
