//! The team's pages: dashboard, project team view, audit trail.

use super::{MemberCase, PagePath};
use super::{Nav, PageForm, render};
use crate::domain::time::Timestamp;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
use crate::http::url;
use crate::service::{self, ServiceError};
use crate::store::{
    self,
    projects::{MemberRow, ProjectRow},
};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Redirect};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Nav,
    display_name: String,
    is_admin: bool,
    projects: Vec<ProjectRow>,
    filter: InboxQuery,
    states: Vec<&'static str>,
    inbox: Vec<InboxLine>,
    /// Open notification-list requests: (project slug, open, overdue).
    overdue_requests: Vec<(String, i64, i64)>,
}

impl Dashboard {
    /// The member's projects in a security release (freeze): (slug, name, since).
    fn frozen(&self) -> Vec<(&str, &str, String)> {
        self.projects
            .iter()
            .filter_map(|p| {
                p.freeze_since
                    .map(|t| (p.slug.as_str(), p.name.as_str(), Timestamp(t).minute()))
            })
            .collect()
    }
}

/// The inbox filters, from the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    q: String,
}

/// One inbox line.
struct InboxLine {
    id: i64,
    /// "new" (nobody on the team has written yet) or "reporter replied" (the last word is theirs).
    marker: &'static str,
    project: String,
    summary: String,
    state: String,
    severity: String,
    clock: String,
    due: String,
    overdue: bool,
    assignee: String,
}

/// Which clock is next for a case, in words.
fn clock_name(r: &store::cases::InboxRow) -> &'static str {
    if r.acknowledged_at.is_none() {
        "acknowledge"
    } else if matches!(r.state.as_str(), "received" | "acknowledged") {
        "decide"
    } else if matches!(r.state.as_str(), "accepted" | "fixing") && r.target_fix_due_at.is_some() {
        "fix"
    } else if matches!(
        r.state.as_str(),
        "scheduled" | "pre-announced" | "pre-notified"
    ) {
        "disclosure"
    } else {
        "reporter may disclose"
    }
}

/// `/team` → `/team/`.
pub async fn dashboard_redirect() -> Redirect {
    Redirect::permanent("/team/")
}

/// `GET /team/`.
pub async fn dashboard(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    axum::extract::Query(filter): axum::extract::Query<InboxQuery>,
) -> Result<Html<String>, PageError> {
    let projects = service::projects::visible_to(&state.db, s.user.id, s.user.is_admin).await?;
    let project_id = match filter.project.as_str() {
        "" => None,
        slug => Some(
            projects
                .iter()
                .find(|p| p.slug == slug)
                .map(|p| p.id)
                .ok_or_else(|| {
                    ServiceError::Invalid(format!("you are not on a project `{slug}`"))
                })?,
        ),
    };
    let state_filter = match filter.state.as_str() {
        "" => None,
        st => Some(
            st.parse::<crate::domain::case::CaseState>()
                .map_err(ServiceError::Invalid)?,
        ),
    };
    let assignee = match filter.assignee.as_str() {
        "me" => Some(s.user.id),
        _ => None,
    };
    let rows = service::triage::inbox(
        &state.db,
        s.user.id,
        s.user.is_admin,
        &store::cases::InboxFilter {
            member: None,
            project_id,
            state: state_filter.map(|st| st.as_str()),
            severity: Some(filter.severity.trim()).filter(|v| !v.is_empty()),
            assignee,
            query: Some(filter.q.as_str()),
            limit: 500,
        },
    )
    .await?;
    let users = service::accounts::list(&state.db).await?;
    let now = store::now();
    let inbox = rows
        .iter()
        .map(|r| InboxLine {
            id: r.id,
            marker: if !r.team_spoke && r.state.awaits_decision() {
                "new"
            } else if r.last_author.as_deref() == Some("reporter") {
                "reporter replied"
            } else {
                ""
            },
            project: projects
                .iter()
                .find(|p| p.id == r.project_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            summary: r.summary.clone(),
            state: r.state.to_string(),
            severity: match (&r.severity, r.cvss_score) {
                (Some(l), Some(sc)) => format!("{l} ({sc:.1})"),
                (Some(l), None) => l.clone(),
                (None, Some(sc)) => format!("{sc:.1}"),
                (None, None) => String::new(),
            },
            clock: clock_name(r).to_owned(),
            due: r
                .next_due
                .map(|t| Timestamp(t).minute())
                .unwrap_or_default(),
            overdue: r.next_due.is_some_and(|d| d < now),
            assignee: r
                .assignee_user_id
                .and_then(|u| users.iter().find(|x| x.id == u))
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    render(&Dashboard {
        display_name: s.user.display_name.clone(),
        is_admin: s.user.is_admin,
        nav: Nav::new(&s.user, csrf),
        projects,
        filter,
        states: crate::domain::case::CaseState::ALL
            .iter()
            .map(|st| st.as_str())
            .collect(),
        inbox,
        overdue_requests: service::list_requests::open_for(&state.db, s.user.id).await?,
    })
}

#[derive(Template)]
#[template(path = "project_team.html")]
struct ProjectTeam {
    nav: Nav,
    name: String,
    slug: String,
    members: Vec<MemberRow>,
    cases: Vec<CaseLine>,
    bans: Vec<BanLine>,
    is_admin: bool,
    frozen_since: Option<String>,
    freeze_public: bool,
    has_list: bool,
    held: Vec<HeldLine>,
    /// The policy names another OpenPGP key than the desk's.
    key_warning: Option<String>,
}

impl ProjectTeam {
    /// The key warning in parts, `true` for what the text quotes in backticks (commands, keys).
    fn key_warning_parts(&self) -> Vec<(bool, &str)> {
        self.key_warning
            .as_deref()
            .map(|w| {
                w.split('`')
                    .enumerate()
                    .map(|(i, t)| (i % 2 == 1, t))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Mail held for the team instead of opening a case.
struct HeldLine {
    id: i64,
    when: String,
    sender: String,
    subject: String,
    reason: String,
}

/// A ban as the project page lists it.
struct BanLine {
    email: String,
    key: String,
    reason: String,
    since: String,
}

/// A case in the project's list.
struct CaseLine {
    id: i64,
    summary: String,
    state: String,
    received: String,
    ack_due: String,
}

/// `GET /team/projects/{project}`: only the project's team (and administrators) see it; others get 404.
pub async fn project(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let project = super::visible_project(&state, &s, &slug).await?;
    let members = service::projects::members(&state.db, project.id).await?;
    let cases = {
        let mut c = state.db.acquire().await?;
        store::cases::list_for_project(c.conn(), project.id, false).await?
    };
    let cases = cases
        .into_iter()
        .map(|c| CaseLine {
            id: c.id,
            summary: c.summary,
            state: c.state.to_string(),
            received: Timestamp(c.received_at).minute(),
            ack_due: match (c.acknowledged_at, c.acknowledge_due_at) {
                (Some(_), _) => "met".into(),
                (None, Some(due)) => Timestamp(due).minute(),
                (None, None) => String::new(),
            },
        })
        .collect();
    let bans = service::conduct::bans(&state.db, &project)
        .await?
        .into_iter()
        .map(|b| BanLine {
            email: b.email.unwrap_or_default(),
            key: b.fingerprint.unwrap_or_default(),
            reason: b.reason,
            since: Timestamp(b.created_at).minute(),
        })
        .collect();
    let held = service::held_mail::list(&state.db, &project, 20)
        .await?
        .into_iter()
        .map(|h| HeldLine {
            id: h.id,
            when: Timestamp(h.received_at).minute(),
            sender: h.sender.unwrap_or_default(),
            subject: h.subject.unwrap_or_default(),
            reason: h.reason,
        })
        .collect();
    let key_warning = service::keys::policy_key_warning(&state.db, &project).await?;
    render(&ProjectTeam {
        key_warning,
        held,
        has_list: service::projects::policy_of(&project)
            .ok()
            .flatten()
            .is_some_and(|p| p.notification_list.is_some()),
        frozen_since: project.freeze_since.map(|t| Timestamp(t).minute()),
        freeze_public: project.freeze_public,
        bans,
        is_admin: s.user.is_admin,
        nav: Nav::new(&s.user, csrf),
        name: project.name.clone(),
        slug: project.slug.clone(),
        members,
        cases,
    })
}

/// One message as the team sees it.
struct TeamMessage {
    author: String,
    who: String,
    when: String,
    body: String,
    note: bool,
    shared: bool,
    signature: Option<String>,
}

#[derive(Template)]
#[template(path = "team_case.html")]
struct TeamCase {
    nav: Nav,
    /// The project is in a security release (freeze) since then.
    frozen_since: Option<String>,
    case_id: i64,
    summary: String,
    project: String,
    slug: String,
    state: String,
    received: String,
    source: String,
    ack_due: Option<String>,
    acknowledged: Option<String>,
    reporter: Option<String>,
    /// The reporter key's note (where it came from), when the case has a key.
    key_note: Option<String>,
    /// The report's signature as found.
    signature: Option<String>,
    /// False for an encrypted mail report not bound to its sender (F2).
    reporter_bound: bool,
    wants_credit: bool,
    credit_as: Option<String>,
    attachments: Vec<store::cases::AttachmentRow>,
    messages: Vec<TeamMessage>,
    spam: bool,
    /// Whether marking as spam is allowed in the case's state.
    can_spam: bool,
    triage: TriageView,
    guests: Vec<GuestLine>,
    patches: Vec<PatchLine>,
    upstream: UpstreamView,
    branches: Vec<String>,
    fix_branch_url: String,
    roles: Vec<(&'static str, &'static str)>,
    disclosure: super::disclosure::DisclosureView,
    /// What was just done (after a redirect).
    flash: Option<&'static str>,
    /// A refused form, shown in place with what was typed.
    refused: Option<Refused>,
    /// The next thing the case waits for, in words ("Decide by …").
    next: Option<String>,
    /// The state has fix work (patches, the fork).
    show_fix: bool,
    /// The state has a disclosure (advisory, schedule, steps).
    show_disclosure: bool,
    /// The fix is done (a date is set): its forms fold away.
    fix_done: bool,
    /// What the reporter's page shows: (key, label, shown).
    reporter_sees: Vec<(&'static str, &'static str, bool)>,
    /// The case is over (rejected, duplicate, spam, published, closed).
    finished: bool,
}

impl TeamCase {
    /// What was typed into `field` of the refused form (empty if none).
    fn kept(&self, field: &str) -> &str {
        self.refused
            .as_ref()
            .and_then(|r| r.kept.get(field))
            .map_or("", String::as_str)
    }

    /// What was typed into `key` of the refused form whose field is `field_id`, else `saved`
    /// (each form on the page has its own field id, so a refused reply does not fill the note).
    fn kept_or<'a>(&'a self, field_id: &str, key: &str, saved: &'a str) -> &'a str {
        if self.refused.as_ref().is_some_and(|r| r.field == field_id) {
            self.kept(key)
        } else {
            saved
        }
    }

    /// What was typed into `key` of the refused form `field_id` (empty if another form).
    fn kept_in(&self, field_id: &str, key: &str) -> &str {
        self.kept_or(field_id, key, "")
    }

    /// The answer typed for a threat-model check.
    fn kept_check(&self, id: &str) -> &str {
        self.kept(&format!("check.{id}"))
    }

    /// The note typed for a threat-model check.
    fn kept_check_note(&self, id: &str) -> &str {
        self.kept(&format!("check_note.{id}"))
    }

    /// The refused form is in `section`.
    fn refused_in(&self, section: &str) -> bool {
        self.refused.as_ref().is_some_and(|r| r.section == section)
    }

    /// The message for a refused form in `section`.
    fn refusal(&self, section: &str) -> &str {
        self.refused
            .as_ref()
            .filter(|r| r.section == section)
            .map_or("", |r| r.message.as_str())
    }

    /// A field's value: as typed into a refused form of `section`, else as saved.
    fn value_or<'a>(&'a self, section: &str, field: &str, saved: &'a str) -> &'a str {
        if self.refused_in(section) {
            self.kept(field)
        } else {
            saved
        }
    }
}

/// The upstream track as the case page shows it.
struct UpstreamView {
    name: String,
    contact: String,
    contacted: Option<String>,
    deadline: Option<String>,
    resolved: Option<String>,
    events: Vec<(String, String, String)>,
    prompt: Option<String>,
}

/// A patch as the case page lists it.
struct PatchLine {
    id: i64,
    branch: String,
    title: String,
    files: String,
    added: i64,
    removed: i64,
    author: String,
    when: String,
    current: bool,
    reviews: Vec<String>,
}

/// A collaborator as the case page lists them.
struct GuestLine {
    id: i64,
    name: String,
    email: String,
    role: String,
    seen: String,
    removed: bool,
}

/// What the triage part of the case page shows.
struct TriageView {
    awaits_decision: bool,
    /// Decided already (accepted, being fixed): the form only changes the decision.
    redecide: bool,
    /// The verdicts the decision form offers: those the state allows.
    can_accept: bool,
    /// See `can_accept`.
    can_reject: bool,
    /// See `can_accept`.
    can_duplicate: bool,
    /// See `can_accept`.
    can_public_fix: bool,

    decision: Option<String>,
    decided: Option<String>,
    decide_due: Option<String>,
    target_fix_due: Option<String>,
    disclosure_due: Option<String>,
    answers: Vec<(String, String, String)>,
    checks: Vec<crate::domain::policy::ThreatCheck>,
    reasons: Vec<(&'static str, &'static str)>,
    levels: Vec<String>,
    severity: Option<String>,
    cvss3: String,
    cvss4: String,
    /// The policy scores with CVSS 3.1 (or the case already has a 3.1 vector).
    uses_cvss3: bool,
    /// The policy scores with CVSS 4.0 (or the case already has a 4.0 vector).
    uses_cvss4: bool,
    scores: Vec<String>,
    cwe: String,
    /// The policy assigns CWEs (or the case already has one).
    uses_cwe: bool,
    cwe_name: Option<String>,
    steps: Vec<(&'static str, &'static str)>,
    members: Vec<(i64, String, bool)>,
    assignee: Option<String>,
    affected_text: String,
    affected_supported: Vec<String>,
    affected_unsupported: Vec<String>,
    public_fix_hint: Option<String>,
    scheme: String,
}

/// Everything the case page shows of an opened case: the case, its thread, its
/// attachments and its project.
pub(super) async fn case_view(
    state: &AppState,
    opened: &service::CaseRef,
) -> Result<
    (
        store::cases::CaseRow,
        Vec<store::cases::MessageRow>,
        Vec<store::cases::AttachmentRow>,
        ProjectRow,
    ),
    PageError,
> {
    let (case, messages, attachments) = service::cases::team_view(&state.db, opened).await?;
    let project = service::projects::by_id(&state.db, case.project_id).await?;
    Ok((case, messages, attachments, project))
}

/// `?done=` after an action on the case page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// What a refused form left: the message, where it belongs, and what was typed.
#[derive(Debug, Default)]
pub struct Refused {
    /// The section of the page the form is in (an element id).
    pub section: &'static str,
    /// The field to go to (an element id).
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// The form as submitted.
    pub kept: HashMap<String, String>,
}

/// `GET /team/cases/{id}`.
pub async fn case(
    State(state): State<AppState>,
    MemberCase(s, opened): MemberCase,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, PageError> {
    let flash = super::case_return::Done::parse(&q.done).map(|d| d.message());
    case_page(&state, &s, csrf, &opened, flash, None).await
}

/// The case page, after an action (`flash`) or with a refused form shown in place.
pub(crate) async fn case_page(
    state: &AppState,
    s: &crate::service::login::ActiveSession,
    csrf: String,
    opened: &crate::service::CaseRef,
    flash: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<Html<String>, PageError> {
    let (case, messages, attachments, project) = case_view(state, opened).await?;
    let users = service::accounts::list(&state.db).await?;
    let members = service::projects::members(&state.db, project.id).await?;
    let verdict = {
        let mut c = state.db.acquire().await?;
        store::audit::last_action_of(
            c.conn(),
            ("case", &case.id.to_string()),
            &["case.accepted", "case.public_fix"],
        )
        .await?
    };
    let triage = triage_view(&case, &project, &members, verdict.as_deref())?;
    let name_of = |uid: Option<i64>| {
        uid.and_then(|u| users.iter().find(|x| x.id == u))
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| "the command line".into())
    };
    let patches = service::fixes::of_case(&state.db, opened)
        .await?
        .into_iter()
        .map(|(p, reviews)| PatchLine {
            id: p.id,
            files: serde_json::from_str::<Vec<String>>(&p.files)
                .unwrap_or_default()
                .join(", "),
            added: p.added,
            removed: p.removed,
            author: name_of(p.author_user_id),
            when: Timestamp(p.created_at).minute(),
            current: p.superseded_at.is_none(),
            reviews: reviews
                .iter()
                .map(|r| {
                    format!(
                        "{} by {} ({}){}",
                        r.verdict,
                        name_of(r.reviewer_user_id),
                        Timestamp(r.created_at).minute(),
                        if r.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", r.note)
                        }
                    )
                })
                .collect(),
            branch: p.branch,
            title: p.title,
        })
        .collect();
    let branches = service::projects::policy_of(&project)?
        .map(|p| {
            let mut b: Vec<String> = p.versions.series.iter().map(|s| s.name.clone()).collect();
            if let Some(d) = p.versions.development_branch {
                b.push(d);
            }
            b
        })
        .unwrap_or_default();
    let track = service::upstream::track(&state.db, opened, store::now()).await?;
    let upstream = UpstreamView {
        name: track.facts.upstream_name.clone().unwrap_or_default(),
        contact: track.facts.upstream_contact.clone().unwrap_or_default(),
        contacted: track
            .facts
            .upstream_contacted_at
            .map(|t| Timestamp(t).minute()),
        deadline: track
            .facts
            .upstream_deadline_at
            .map(|t| Timestamp(t).minute()),
        resolved: track
            .facts
            .upstream_resolved_at
            .map(|t| Timestamp(t).minute()),
        events: track
            .events
            .iter()
            .map(|e| (e.kind.clone(), Timestamp(e.at).minute(), e.body.clone()))
            .collect(),
        prompt: track.prompt.map(|remedies| {
            if remedies.is_empty() {
                "Upstream's deadline has passed without a release: decide how to protect users."
                    .to_owned()
            } else {
                format!(
                    "Upstream's deadline has passed without a release. The policy says: {}.",
                    remedies
                        .iter()
                        .map(|r| match r.as_str() {
                            "workaround-docs" => "publish documentation of a workaround",
                            "patched-version" => "as a last resort, publish a patched version",
                            other => other,
                        })
                        .collect::<Vec<_>>()
                        .join("; then ")
                )
            }
        }),
    };
    let guests = service::guests::of_case(&state.db, opened)
        .await?
        .into_iter()
        .map(|g| GuestLine {
            id: g.id,
            seen: g
                .last_seen_at
                .map(|t| Timestamp(t).minute())
                .unwrap_or_else(|| "never".into()),
            removed: g.removed_at.is_some(),
            name: g.name,
            email: g.email,
            role: g.role,
        })
        .collect();
    let messages = messages
        .into_iter()
        .map(|m| TeamMessage {
            who: match m.author.as_str() {
                "reporter" => case
                    .reporter_email
                    .clone()
                    .unwrap_or_else(|| "Reporter".into()),
                "guest" => "Collaborator".into(),
                "team" => m
                    .author_user_id
                    .and_then(|u| users.iter().find(|x| x.id == u))
                    .map(|u| u.display_name.clone())
                    .unwrap_or_else(|| "Team".into()),
                _ => "Embargo".into(),
            },
            note: m.visibility == "team",
            shared: m.visibility == "guests",
            signature: m.signature.clone(),
            author: m.author,
            when: Timestamp(m.created_at).minute(),
            body: m.body,
        })
        .collect();
    let zone = service::projects::policy_of(&project)?
        .map(|p| p.embargo.time_zone)
        .unwrap_or_else(|| "UTC".into());
    let case_state: crate::domain::case::CaseState = case.state;
    let disclosure = super::disclosure::view(state, opened, case_state, &zone).await?;
    let (next, show_fix, show_disclosure, finished) = {
        use crate::domain::case::CaseState as S;
        let minute = |t: Option<i64>| t.map(|t| Timestamp(t).minute());
        let next = match case_state {
            S::Received | S::Acknowledged if case.acknowledged_at.is_none() => Some(format!(
                "Acknowledge the report{}",
                minute(case.acknowledge_due_at)
                    .map(|d| format!(" by {d}"))
                    .unwrap_or_default()
            )),
            S::Received | S::Acknowledged => Some(format!(
                "Decide whether it is a vulnerability{}",
                minute(case.decide_due_at)
                    .map(|d| format!(" by {d}"))
                    .unwrap_or_default()
            )),
            S::Accepted | S::Fixing | S::PublicFix => Some(match minute(case.target_fix_due_at) {
                Some(d) => {
                    format!("Fix it (the policy's target: {d}), then schedule the disclosure")
                }
                None => "Fix it, then schedule the disclosure".to_owned(),
            }),
            S::Scheduled | S::PreAnnounced | S::PreNotified => disclosure
                .disclose
                .as_ref()
                .map(|d| format!("Disclosure on {d}")),
            S::Published => disclosure
                .advisory
                .as_ref()
                .map(|a| format!("Published as {a}")),
            S::Rejected | S::Duplicate | S::Spam | S::Closed => None,
        };
        (
            next,
            matches!(
                case_state,
                S::Accepted
                    | S::Fixing
                    | S::PublicFix
                    | S::Scheduled
                    | S::PreAnnounced
                    | S::PreNotified
            ),
            matches!(
                case_state,
                S::Accepted
                    | S::Fixing
                    | S::PublicFix
                    | S::Scheduled
                    | S::PreAnnounced
                    | S::PreNotified
                    | S::Published
            ),
            matches!(
                case_state,
                S::Rejected | S::Duplicate | S::Spam | S::Published | S::Closed
            ),
        )
    };
    render(&TeamCase {
        frozen_since: project.freeze_since.map(|t| Timestamp(t).minute()),
        nav: Nav::new(&s.user, csrf),
        case_id: case.id,
        summary: case.summary,
        project: project.name,
        slug: project.slug,
        spam: case.state == crate::domain::case::CaseState::Spam,
        can_spam: case_state
            .apply(crate::domain::case::Action::MarkSpam)
            .is_ok(),
        state: case.state.to_string(),
        received: Timestamp(case.received_at).minute(),
        source: case.source,
        ack_due: case.acknowledge_due_at.map(|t| Timestamp(t).minute()),
        acknowledged: case.acknowledged_at.map(|t| Timestamp(t).minute()),
        reporter: case.reporter_email,
        key_note: case.reporter_key.as_ref().map(|_| {
            case.reporter_key_note
                .clone()
                .unwrap_or_else(|| "(source not recorded)".into())
        }),
        signature: case.signature.clone(),
        reporter_bound: case.reporter_bound,
        wants_credit: case.wants_credit,
        credit_as: case.credit_as,
        attachments,
        messages,
        triage,
        guests,
        patches,
        upstream,
        branches,
        fix_branch_url: case.fix_branch_url.clone().unwrap_or_default(),
        roles: service::guests::ROLES.to_vec(),
        next,
        show_fix,
        show_disclosure,
        reporter_sees: {
            let shown =
                crate::domain::reporter_view::Shown::from_stored(case.reporter_sees.as_deref());
            crate::domain::reporter_view::Fact::ALL
                .into_iter()
                .map(|f| (f.key(), f.label(), shown.shows(f)))
                .collect()
        },
        fix_done: matches!(
            case_state,
            crate::domain::case::CaseState::Scheduled
                | crate::domain::case::CaseState::PreAnnounced
                | crate::domain::case::CaseState::PreNotified
        ),
        finished,
        disclosure,
        flash,
        refused,
    })
}

/// `verdict`: the last acceptance recorded for the case (`case.accepted` or
/// `case.public_fix`), so the page names the decision, not the state the case reached since.
fn triage_view(
    case: &store::cases::CaseRow,
    project: &ProjectRow,
    members: &[MemberRow],
    verdict: Option<&str>,
) -> Result<TriageView, PageError> {
    use crate::domain::case::{Action, CaseState};
    use crate::service::triage::RejectReason;
    let policy = service::projects::policy_of(project)?;
    let state: CaseState = case.state;
    let answers: Vec<crate::service::triage::ThreatAnswer> = case
        .threat_answers
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let checks = policy
        .as_ref()
        .map(|p| p.threat_model.checks.clone())
        .unwrap_or_default();
    let answers = answers
        .into_iter()
        .map(|a| {
            let criterion = checks
                .iter()
                .find(|c| c.id == a.id)
                .map(|c| c.criterion.clone())
                .unwrap_or_default();
            (
                format!("{} ({})", criterion, a.id),
                if a.met { "met" } else { "not met" }.to_owned(),
                a.note,
            )
        })
        .collect();
    let mut scores = Vec::new();
    for v in [&case.cvss3, &case.cvss4].into_iter().flatten() {
        if let Ok(parsed) = crate::domain::cvss::parse(v) {
            let s = parsed.summary();
            let named: Vec<String> = s
                .scores
                .iter()
                .map(|(n, x)| format!("{n} {x:.1}"))
                .collect();
            scores.push(format!(
                "CVSS {}: {} ({})",
                s.version,
                named.join(", "),
                s.rating
            ));
        }
    }
    let decision = match state {
        CaseState::Rejected => Some(format!(
            "rejected: {}",
            case.decision_reason
                .as_deref()
                .and_then(|r| r.parse::<RejectReason>().ok())
                .map(|r| r.describe())
                .unwrap_or("no reason recorded")
        )),
        CaseState::Duplicate => case.duplicate_of.map(|d| format!("duplicate of case #{d}")),
        CaseState::Spam => Some("spam".into()),
        _ if case.decided_at.is_some() => Some(match verdict {
            Some("case.public_fix") => "to be fixed in public".into(),
            _ => "accepted as a vulnerability".into(),
        }),
        _ => None,
    };
    let steps = [
        (Action::StartFix, "Start the fix"),
        (Action::Unschedule, "Back to fixing (withdraw the date)"),
        (Action::Close, "Close the case"),
        (Action::Reopen, "Reopen for a new triage"),
    ]
    .into_iter()
    .filter(|(a, _)| state.apply(*a).is_ok())
    .map(|(a, label)| (a.as_str(), label))
    .collect();
    let affected = service::triage::affected_of(project, case)?;
    let (affected_supported, affected_unsupported, public_fix_hint) = match &affected.assessment {
        Some(a) => (
            a.supported
                .iter()
                .map(|s| match &s.fixed_in {
                    Some(f) => format!("{} ({}; fixed in {f})", s.series, s.status.as_str()),
                    None => format!("{} ({}; no fixed version yet)", s.series, s.status.as_str()),
                })
                .collect(),
            a.unsupported.clone(),
            a.public_fix.then(|| {
                if a.development_only {
                    "Only the development branch is affected: the policy fixes this in public, without an embargo (decide “Fix in public”).".to_owned()
                } else {
                    "Only pre-releases are affected: the policy fixes this in public, without an embargo (decide “Fix in public”).".to_owned()
                }
            }),
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    Ok(TriageView {
        affected_text: affected.lines.join("\n"),
        affected_supported,
        affected_unsupported,
        public_fix_hint,
        scheme: policy
            .as_ref()
            .map(|p| p.versions.scheme.to_string())
            .unwrap_or_default(),
        awaits_decision: state.awaits_decision()
            || matches!(state, CaseState::Accepted | CaseState::Fixing),
        redecide: matches!(state, CaseState::Accepted | CaseState::Fixing),
        can_accept: state.apply(Action::Accept).is_ok(),
        can_reject: state.apply(Action::Reject).is_ok(),
        can_duplicate: state.apply(Action::MarkDuplicate).is_ok(),
        can_public_fix: state.apply(Action::PublicFix).is_ok(),

        decision,
        decided: case.decided_at.map(|t| Timestamp(t).minute()),
        decide_due: case.decide_due_at.map(|t| Timestamp(t).minute()),
        target_fix_due: case.target_fix_due_at.map(|t| Timestamp(t).minute()),
        disclosure_due: case.disclosure_due_at.map(|t| Timestamp(t).minute()),
        answers,
        checks,
        reasons: RejectReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.describe()))
            .collect(),
        levels: policy
            .as_ref()
            .map(|p| p.severity.levels.iter().map(|l| l.name.clone()).collect())
            .unwrap_or_default(),
        severity: case.severity.clone(),
        cvss3: case.cvss3.clone().unwrap_or_default(),
        cvss4: case.cvss4.clone().unwrap_or_default(),
        uses_cvss3: case.cvss3.is_some()
            || policy.as_ref().is_some_and(|p| {
                p.severity
                    .cvss
                    .contains(&crate::domain::policy::CvssVersion::V3_1)
            }),
        uses_cvss4: case.cvss4.is_some()
            || policy.as_ref().is_some_and(|p| {
                p.severity
                    .cvss
                    .contains(&crate::domain::policy::CvssVersion::V4_0)
            }),
        scores,
        cwe: case.cwe.map(|c| format!("CWE-{c}")).unwrap_or_default(),
        uses_cwe: case.cwe.is_some() || policy.as_ref().is_some_and(|p| p.severity.cwe),
        cwe_name: case
            .cwe
            .and_then(|c| crate::domain::cwe::lookup(&c.to_string()).ok())
            .map(|c| c.name.to_owned()),
        steps,
        members: members
            .iter()
            .map(|m| {
                (
                    m.user_id,
                    m.display_name.clone(),
                    case.assignee_user_id == Some(m.user_id),
                )
            })
            .collect(),
        assignee: members
            .iter()
            .find(|m| case.assignee_user_id == Some(m.user_id))
            .map(|m| m.display_name.clone()),
    })
}

/// A text form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct TextForm {
    text: String,
}

/// `POST /team/cases/{id}/reply`: to the reporter.
pub async fn case_reply(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<TextForm>,
) -> Result<axum::response::Response, PageError> {
    let result = service::cases::team_reply(&state.db, &state.cfg, &case, &form.text).await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Reply,
        HashMap::from([("text".to_owned(), form.text)]),
    )
    .await
}

/// `POST /team/cases/{id}/note`: team only.
pub async fn case_note(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<TextForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::cases::team_note(&state.db, &case, &form.text).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Note,
        kept,
    )
    .await
}

/// `POST /team/cases/{id}/spam`.
pub async fn case_spam(
    State(state): State<AppState>,
    MemberCase(s, opened): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(f): PageForm<super::Confirmed>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let (case, _, _, project) = case_view(&state, &opened).await?;
    let id = case.id;
    if !f.yes() {
        return Ok(render(&super::Confirm {
            nav: Nav::new(&s.user, csrf),
            title: format!("Mark case #{id} as spam?"),
            paragraphs: vec![
                format!("“{}” leaves the inbox and its reporter gets no answer. The case is kept for the audit trail; it can be reopened.", case.summary),
            ],
            irreversible: false,
            action: format!("/team/cases/{id}/spam"),
            hidden: Vec::new(),
            button: "Mark as spam".into(),
            back: format!("/team/cases/{id}"),
            back_to: "the case".into(),
        })?
        .into_response());
    }
    // Spam is a triage decision like the others (one path, one audit name: case.spam).
    service::triage::decide(
        &state.db,
        &state.cfg,
        &opened,
        &service::triage::Decision {
            verdict: service::triage::Verdict::Spam,
            answers: Vec::new(),
            note: String::new(),
        },
    )
    .await?;
    Ok(Redirect::to(&url::path(&["team", "projects", &project.slug])).into_response())
}

/// One audit event as shown.
struct EventView {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    object: String,
    /// Where the object's page is, for a case.
    object_link: Option<String>,
    details: String,
}

/// The audit page's filters, from the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    /// `case` or `case 12`.
    #[serde(default)]
    object: String,
    #[serde(default)]
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    events: Vec<EventView>,
    filter: AuditQuery,
    projects: Vec<ProjectRow>,
    /// The link to the next (older) page, with the same filters.
    older: Option<String>,
}

/// How many events one audit page shows.
const AUDIT_PAGE: i64 = 100;

/// `GET /team/audit`: the events, newest first, filtered and paged, for administrators.
pub async fn audit(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    Query(filter): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    if !s.user.is_admin {
        return Err(ServiceError::Forbidden(
            "the audit trail is for instance administrators".into(),
        )
        .into());
    }
    let projects = service::projects::list(&state.db).await?;
    let project_id = match filter.project.trim() {
        "" => None,
        slug => Some(
            projects
                .iter()
                .find(|p| p.slug == slug)
                .map(|p| p.id)
                .unwrap_or(-1),
        ),
    };
    let mut object = filter.object.split_whitespace();
    let (object_type, object_id) = (object.next(), object.next());
    let some = |t: &str| {
        Some(t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(200).collect::<String>())
    };
    let (actor, action) = (some(&filter.actor), some(&filter.action));
    let events = {
        let mut c = state.db.acquire().await?;
        store::audit::search(
            c.conn(),
            &store::audit::AuditFilter {
                project_id,
                actor: actor.as_deref(),
                action: action.as_deref(),
                object_type,
                object_id,
                before: filter.before,
            },
            AUDIT_PAGE,
        )
        .await?
    };
    let older = (events.len() as i64 == AUDIT_PAGE)
        .then(|| events.last().map(|e| e.seq))
        .flatten()
        .map(|seq| {
            let q = url::query(&[
                ("project", filter.project.as_str()),
                ("actor", filter.actor.as_str()),
                ("action", filter.action.as_str()),
                ("object", filter.object.as_str()),
                ("before", &seq.to_string()),
            ]);
            format!("/team/audit?{q}")
        });
    let events = events
        .into_iter()
        .map(|e| EventView {
            seq: e.seq,
            when: Timestamp(e.at).second(),
            actor: e.actor,
            action: e.action,
            object_link: (e.object_type == "case")
                .then(|| e.object_id.parse::<i64>().ok())
                .flatten()
                .map(|id| format!("/team/cases/{id}")),
            object: format!("{} {}", e.object_type, e.object_id),
            details: e.details,
        })
        .collect();
    render(&AuditPage {
        nav: Nav::new(&s.user, csrf),
        events,
        filter,
        projects,
        older,
    })
}

/// `POST /team/cases/{id}/reporter/confirm`: the team confirms the sender of an
/// unbound encrypted report wrote it, and sends them the case's link.
pub async fn case_confirm_reporter(
    State(state): State<AppState>,
    MemberCase(_, case): MemberCase,
) -> Result<Redirect, PageError> {
    let id = case.id();
    service::cases::confirm_reporter(&state.db, &state.cfg, &case).await?;
    Ok(super::case_return::to_case(
        id,
        super::case_return::Done::ReporterConfirmed,
    ))
}

/// The reporter-key form.
#[derive(serde::Deserialize, serde::Serialize)]
pub struct KeyForm {
    #[serde(default)]
    key: String,
}

/// `POST /team/cases/{id}/reporter/key`: set, replace or (empty) remove the reporter's key.
pub async fn case_reporter_key(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<KeyForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::reporter_key::set_by_team(&state.db, &case, &form.key).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::ReporterKey,
        kept,
    )
    .await
}

/// `POST /team/cases/{id}/reporter/credit`: the team records whether and how the reporter is credited.
pub async fn case_reporter_credit(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<super::report::CreditForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::credit::set_by_team(&state.db, &case, &form.wish()?).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Credit,
        kept,
    )
    .await
}

/// `POST /team/cases/{id}/reporter/view`: what the reporter's page shows (a checkbox per
/// fact: `date`, `cve`, `credit`, `severity`; an unchecked box is absent from the form).
pub async fn case_reporter_view(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<axum::response::Response, PageError> {
    use crate::domain::reporter_view::Fact;
    let facts: Vec<Fact> = Fact::ALL
        .into_iter()
        .filter(|f| form.contains_key(f.key()))
        .collect();
    let result = service::cases::set_reporter_sees(&state.db, &case, &facts).await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::ReporterView,
        HashMap::new(),
    )
    .await
}

/// `POST /team/cases/{id}/acknowledge`: the team's acknowledgement with a personal message.
pub async fn case_acknowledge(
    State(state): State<AppState>,
    MemberCase(s, case): MemberCase,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<TextForm>,
) -> Result<axum::response::Response, PageError> {
    let kept = super::case_return::kept_of(&form);
    let result: Result<_, ServiceError> =
        async { service::cases::acknowledge(&state.db, &state.cfg, &case, &form.text).await }.await;
    super::case_return::finish(
        &state,
        &s,
        csrf,
        &case,
        result,
        super::case_return::Done::Acknowledged,
        kept,
    )
    .await
}
