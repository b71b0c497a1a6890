//! The reporter's side: the private report form and the case page behind
//! the capability link `/c/{token}`. Nothing here needs an account.

use super::PagePath;
use super::{PageForm, render};
use crate::domain::policy::{Policy, format_size};
use crate::domain::report::{NewReport, SubmittedFile};
use crate::domain::time::Timestamp;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::ClientIp;
use crate::http::url;
use crate::service::cases::{IntakeError, Source};
use crate::service::{self, ServiceError};
use crate::store::projects::ProjectRow;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    project: String,
    slug: String,
    csrf: String,
    ack_within: Option<String>,
    requires_versions: bool,
    requires_poc: bool,
    allows_severity: bool,
    attachments_allowed: bool,
    attachment_rule: String,
    form: NewReport,
    /// (field id, what is wrong): the summary links each to its field.
    errors: Vec<(String, String)>,
}

impl ReportPage {
    /// Whether `field` has an error (it is then marked `aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }
}

async fn project_and_policy(
    state: &AppState,
    slug: &str,
) -> Result<(ProjectRow, Policy), PageError> {
    let project = match service::projects::find(&state.db, slug).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    if !policy.contact.web_form {
        return Err(PageError::NotFound);
    }
    Ok((project, policy))
}

fn page(
    project: &ProjectRow,
    policy: &Policy,
    csrf: String,
    form: NewReport,
    errors: Vec<(String, String)>,
) -> ReportPage {
    use crate::domain::policy::ReportField;
    let a = &policy.reports.attachments;
    ReportPage {
        project: project.name.clone(),
        slug: project.slug.clone(),
        csrf,
        ack_within: policy.clocks.acknowledge.map(|d| d.to_string()),
        requires_versions: policy
            .reports
            .require
            .contains(&ReportField::TestedVersions),
        requires_poc: policy
            .reports
            .require
            .contains(&ReportField::ProofOfConcept),
        allows_severity: !policy.reports.refuse_reporter_severity,
        attachments_allowed: !a.allowed_types.is_empty() && a.max_count > 0,
        attachment_rule: format!(
            "up to {} files of {} each ({})",
            a.max_count,
            format_size(a.max_bytes),
            a.allowed_types.join(", ")
        ),
        form,
        errors,
    }
}

/// `GET /p/{project}/report`.
pub async fn form(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Response, PageError> {
    let (project, policy) = project_and_policy(&state, &slug).await?;
    Ok(render(&page(
        &project,
        &policy,
        csrf,
        NewReport::default(),
        Vec::new(),
    ))?
    .into_response())
}

async fn read_form(mut multipart: Multipart) -> Result<(NewReport, bool), PageError> {
    let mut r = NewReport::default();
    let mut honeypot = false;
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::BadRequest(format!(
            "The form could not be read: {e}. Go back and send it again."
        ))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(bad)?.to_vec();
            if !filename.is_empty() || !bytes.is_empty() {
                r.files.push(SubmittedFile {
                    filename,
                    content_type,
                    bytes,
                });
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        match name.as_str() {
            "summary" => r.summary = text,
            "details" => r.details = text,
            "versions_tested" => r.versions_tested = text,
            "proof_of_concept" => r.proof_of_concept = text,
            "patch" => r.patch = text,
            "severity" => r.severity = text,
            "wants_credit" => r.wants_credit = !text.is_empty(),
            "credit_as" => r.credit_as = text,
            "email" => r.email = text,
            "public_key" => r.public_key = text,
            "website" => honeypot = !text.trim().is_empty(),
            _ => {}
        }
    }
    Ok((r, honeypot))
}

/// `POST /p/{project}/report` (multipart).
pub async fn submit(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PagePath(slug): PagePath<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (project, policy) = project_and_policy(&state, &slug).await?;
    let (report, honeypot) = read_form(multipart).await?;
    if honeypot {
        // A bot filled the hidden field: answer as if accepted, keep nothing but the audit
        // record — within the client's report limit, so a bot cannot fill the trail (F11).
        if state.intake_limiter.admit(
            &ip,
            crate::store::now(),
            state.cfg.reports_per_ip_per_hour,
            u32::MAX,
        ) {
            let mut tx = state.db.begin().await?;
            service::audit::record(
                &mut tx,
                &crate::domain::actor::Actor::Anonymous,
                "intake.honeypot",
                ("project", &project.slug),
                Some(project.id),
                serde_json::json!({"client_ip": ip}),
            )
            .await?;
            tx.commit().await?;
        }
        return Ok((
            StatusCode::OK,
            crate::http::error::error_page(
                StatusCode::OK,
                "Report sent",
                "Thank you. The security team will look at your report.",
            ),
        )
            .into_response());
    }
    let vault = state.cfg.vault(false).ok();
    match service::cases::submit(&state.db, &state.cfg, vault.as_ref(), &project, &policy, &report, Source::Web { ip, limiter: state.intake_limiter.clone() }).await {
        Ok(s) => Ok(Redirect::to(&format!("{}?sent=1", url::path(&["c", &s.token]))).into_response()),
        Err(IntakeError::Rules(violations)) => {
            let errors = violations
                .into_iter()
                .map(|v| (v.field.to_owned(), v.message))
                .collect();
            let mut form = report;
            form.files.clear();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(&project, &policy, csrf, form, errors))?).into_response())
        }
        Err(IntakeError::Banned) => Err(ServiceError::Forbidden(format!("{} does not accept reports from your address, because of repeated violations of its security policy.", project.name)).into()),
        Err(IntakeError::RateLimited) => Err(ServiceError::RateLimited { retry_after_minutes: 60 }.into()),
        Err(IntakeError::Service(e)) => Err(e.into()),
    }
}

/// One message as the reporter sees it.
struct ThreadItem {
    author: String,
    who: String,
    when: String,
    body: String,
}

#[derive(Template)]
#[template(path = "reporter_case.html")]
struct CasePage {
    project: String,
    case_id: i64,
    summary: String,
    status: String,
    thread: Vec<ThreadItem>,
    token: String,
    csrf: String,
    just_sent: bool,
    /// The key replies are encrypted to (its key ID), if the case has one.
    key_id: Option<String>,
    /// How the advisory will credit the reporter (`None`: the project never credits).
    credit: Option<String>,
    /// The reporter asked to be credited.
    wants_credit: bool,
    /// The name they gave to credit.
    credit_as: String,
    /// The policy always credits the reporter (no opting out, only the name).
    credit_always: bool,
    /// The reporter may still change it (before a disclosure date is set).
    credit_open: bool,
    /// The private link, to copy.
    link: String,
    /// What was just saved, in words.
    saved: Option<&'static str>,
    /// No e-mail address was given: the link is the only way back.
    no_address: bool,
    /// Attachments, CVE, disclosure date.
    facts: service::cases::ReporterFacts,
}

/// `?sent=1` after submitting.
#[derive(Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    sent: Option<String>,
    /// What the reporter just saved (`key`, `credit`, `reply`): the page says so.
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /c/{token}`: the reporter's view of their case. Unknown tokens are 404.
pub async fn case(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(token): PagePath<String>,
    Query(q): Query<SentQuery>,
) -> Result<Response, PageError> {
    let case = service::cases::by_link(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    let project = service::projects::by_id(&state.db, case.project_id).await?;
    let policy = service::projects::policy_of(&project).ok().flatten();
    let credit = policy
        .as_ref()
        .and_then(|p| service::credit::for_reporter(&case, p));
    let credit_always = policy.as_ref().is_some_and(|p| {
        p.publication.credit_reporter == crate::domain::policy::CreditReporter::Always
    });
    let credit_open = !matches!(
        case.state,
        crate::domain::case::CaseState::Scheduled
            | crate::domain::case::CaseState::PreAnnounced
            | crate::domain::case::CaseState::PreNotified
            | crate::domain::case::CaseState::Published
    );
    let state_name: crate::domain::case::CaseState = case.state;
    let facts = service::cases::reporter_facts(&state.db, &case).await?;
    let link = state.cfg.link(&url::path(&["c", &token]));
    // Honest about an automatic acknowledgement: nobody has looked until someone writes.
    let status = if state_name == crate::domain::case::CaseState::Acknowledged && !facts.team_spoke
    {
        "Received and acknowledged automatically. The team has not replied yet: you will hear from them here (and by mail, if you gave an address)."
    } else {
        state_name.for_reporter()
    };
    let thread = service::cases::reporter_thread(&state.db, case.id)
        .await?
        .into_iter()
        .map(|m| ThreadItem {
            who: match m.author.as_str() {
                "reporter" => "You".into(),
                "team" => format!("{} security team", project.name),
                _ => "Embargo".into(),
            },
            author: m.author,
            when: Timestamp(m.created_at).minute(),
            body: m.body,
        })
        .collect();
    Ok(render(&CasePage {
        project: project.name,
        case_id: case.id,
        summary: case.summary,
        status: status.into(),
        thread,
        token,
        csrf,
        just_sent: q.sent.is_some(),
        key_id: case
            .reporter_key
            .as_deref()
            .and_then(|k| crate::pgp::PublicKey::from_bytes(k.as_bytes()).ok())
            .map(|k| k.info().key_id),
        credit,
        credit_always,
        credit_open,
        link,
        saved: match q.saved.as_deref() {
            Some("key") => Some("Your key is saved: replies are encrypted to it from now on."),
            Some("credit") => Some("Saved: how you are credited."),
            Some("reply") => Some("Your message was sent to the security team."),
            _ => None,
        },
        no_address: case.reporter_email.is_none(),
        facts,
        wants_credit: case.wants_credit,
        credit_as: case.credit_as.clone().unwrap_or_default(),
    })?
    .into_response())
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    text: String,
}

/// The key form on the reporter's page.
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    key: String,
}

/// `POST /c/{token}/key`: the reporter gives their OpenPGP key (replies are then encrypted).
pub async fn key(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<KeyForm>,
) -> Result<Response, PageError> {
    let case = service::cases::by_link(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    state.reply_allowed(&token)?;
    service::reporter_key::set_by_reporter(&state.db, &case, &form.key).await?;
    Ok(Redirect::to(&format!(
        "{}?saved=key#encrypted-replies",
        url::path(&["c", &token])
    ))
    .into_response())
}

/// The credit form (the reporter's page and the team's case page).
#[derive(Deserialize, serde::Serialize)]
pub struct CreditForm {
    /// `yes` to be credited, `no` not to be.
    credit: String,
    #[serde(default)]
    name: String,
}

impl CreditForm {
    /// The wish the form states.
    pub fn wish(self) -> Result<service::credit::CreditWish, ServiceError> {
        let wanted = match self.credit.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                return Err(ServiceError::Invalid(
                    "choose whether to be credited (yes or no)".into(),
                ));
            }
        };
        Ok(service::credit::CreditWish {
            wanted,
            name: self.name,
        })
    }
}

/// `POST /c/{token}/credit`: the reporter says whether and how to be credited.
pub async fn credit(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<CreditForm>,
) -> Result<Response, PageError> {
    let case = service::cases::by_link(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    state.reply_allowed(&token)?;
    service::credit::set_by_reporter(&state.db, &case, &form.wish()?, service::credit::Via::Page)
        .await?;
    Ok(Redirect::to(&format!(
        "{}?saved=credit#credit",
        url::path(&["c", &token])
    ))
    .into_response())
}

/// `POST /c/{token}/reply`.
pub async fn reply(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<ReplyForm>,
) -> Result<Response, PageError> {
    let case = service::cases::by_link(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    state.reply_allowed(&token)?;
    let vault = state.cfg.vault(false).ok();
    service::cases::reporter_reply(
        &state.db,
        &state.cfg,
        vault.as_ref(),
        &case,
        &form.text,
        None,
        true,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "{}?saved=reply#conversation",
        url::path(&["c", &token])
    ))
    .into_response())
}
