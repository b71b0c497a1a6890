//! The public side of a project's lists: the request form of the confidential
//! pre-notification list and the applicant's request page (confirm, answer the team),
//! a member's key replacement, and the public announce list (subscribe with double
//! opt-in, confirm, unsubscribe — also RFC 8058 one-click, exempt from the CSRF check).
//!
//! None of these pages says whether an address is on a list: the answers to
//! "subscribe" and "replace my key" are the same for every address. Forms that send
//! mail are rate-limited per client address (this process's limiter).

use super::PagePath;
use super::{PageForm, render};
use crate::domain::list_request::{Application, Problem};
use crate::domain::time::Timestamp;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::ClientIp;
use crate::http::url;
use crate::service::list_requests::{self, ApplyError};
use crate::service::{self, ServiceError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A button form on a message page.
pub struct ButtonForm {
    /// Where it posts.
    pub action: String,
    /// CSRF token (empty: none, for the one-click unsubscribe).
    pub csrf: String,
    /// Hidden fields.
    pub hidden: Vec<(String, String)>,
    /// Button label.
    pub button: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    title: String,
    paragraphs: Vec<String>,
    form: Option<ButtonForm>,
    back: Option<(String, String)>,
}

fn message(
    title: &str,
    paragraphs: &[&str],
    back: Option<(String, String)>,
) -> Result<Html<String>, PageError> {
    render(&Message {
        title: title.into(),
        paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
        form: None,
        back,
    })
}

fn limited(state: &AppState, ip: &str) -> Result<(), PageError> {
    if state.list_limiter.admit(
        ip,
        crate::store::now(),
        state.cfg.reports_per_ip_per_hour,
        state.cfg.reports_per_hour,
    ) {
        Ok(())
    } else {
        Err(ServiceError::RateLimited {
            retry_after_minutes: 60,
        }
        .into())
    }
}

fn not_found(e: ServiceError) -> PageError {
    match e {
        ServiceError::NotFound(_) => PageError::NotFound,
        other => other.into(),
    }
}

struct GroupLine {
    id: String,
    name: String,
    criteria: String,
    generic_address_required: bool,
    case_by_case: bool,
}

#[derive(Template)]
#[template(path = "list_apply.html")]
struct ApplyPage {
    project: String,
    slug: String,
    csrf: String,
    groups: Vec<GroupLine>,
    excluded: Vec<String>,
    incomplete_counts: bool,
    decision: Option<String>,
    needs_key: bool,
    /// The form fields (ids) the policy requires.
    required: Vec<&'static str>,
    form: Application,
    errors: Vec<Problem>,
}

impl ApplyPage {
    /// " (required)" for a field the policy requires.
    fn req(&self, field: &str) -> &'static str {
        if self.required.contains(&field) {
            " (required)"
        } else {
            ""
        }
    }

    /// Whether `field` has an error (marked `aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// A field's name as the form labels it, for the error summary.
    fn label_of(field: &str) -> &'static str {
        match field {
            "name" => "Full name",
            "individual" => "Organisation or individual",
            "organisation" => "Organisation",
            "org_role" => "Your role",
            "group" => "Group",
            "criteria" => "How you fit the criteria",
            "reason" => "Why you need the notifications",
            "email" => "Address",
            "address_handling" => "Who reads the address",
            "public_key" => "OpenPGP key",
            "key_id" => "Key ID",
            _ => "The form",
        }
    }
}

async fn apply_page(
    state: &AppState,
    slug: &str,
    csrf: String,
    form: Application,
    errors: Vec<Problem>,
) -> Result<ApplyPage, PageError> {
    let (project, policy, list) = list_requests::project_list(&state.db, slug)
        .await
        .map_err(not_found)?;
    Ok(ApplyPage {
        project: project.name,
        slug: project.slug,
        csrf,
        groups: list
            .groups
            .iter()
            .map(|g| GroupLine {
                id: g.id.clone(),
                name: g.name.clone(),
                criteria: g.criteria.clone(),
                generic_address_required: g.generic_address_required,
                case_by_case: g.case_by_case,
            })
            .collect(),
        excluded: list.excluded.clone(),
        incomplete_counts: list.incomplete_counts_against,
        decision: policy.clocks.membership_decision.map(|d| d.to_string()),
        needs_key: list.individuals_need_key,
        required: list
            .required_fields
            .iter()
            .map(|f| {
                use crate::domain::policy::RequestField as F;
                match f {
                    F::FullName => "name",
                    F::Organisation => "organisation",
                    F::Role => "org_role",
                    F::GroupCriteria => "criteria",
                    F::Reason => "reason",
                    F::Address => "email",
                    F::AddressHandling => "address_handling",
                    F::PublicKey => "public_key",
                }
            })
            .collect(),
        form,
        errors,
    })
}

/// `GET /p/{project}/notification-list/apply`.
pub async fn apply_form(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    render(&apply_page(&state, &slug, csrf, Application::default(), Vec::new()).await?)
}

/// `POST /p/{project}/notification-list/apply`.
pub async fn apply(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PagePath(slug): PagePath<String>,
    PageForm(form): PageForm<Application>,
) -> Result<Response, PageError> {
    limited(&state, &ip)?;
    match list_requests::apply(&state.db, &state.cfg, &slug, &form).await {
        Ok(_) => Ok(message(
            "Request received",
            &[
                &format!("We sent a confirmation link to {}.", form.email.trim()),
                "Open it to confirm the address: only then does the request go to the security team. The same link shows the state of your request.",
            ],
            Some((url::path(&["p", &slug, ""]), "Back to the security page".into())),
        )?
        .into_response()),
        Err(ApplyError::Problems(problems)) => {
            let mut form = form;
            form.public_key = form.public_key.trim().to_owned();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&apply_page(&state, &slug, csrf, form, problems).await?)?,
            )
                .into_response())
        }
        Err(ApplyError::Service(e)) => Err(not_found(e)),
    }
}

#[derive(Template)]
#[template(path = "list_request.html")]
struct RequestPage {
    project: String,
    slug: String,
    token: String,
    csrf: String,
    email: String,
    name: String,
    group: String,
    status: String,
    decide_by: Option<String>,
    unconfirmed: bool,
    more_info: bool,
    question: Option<String>,
    answer: Option<String>,
    note: Option<String>,
}

fn status_text(s: &str) -> &'static str {
    match s {
        "unconfirmed" => "waiting for you to confirm the address",
        "pending" => "waiting for the team's decision",
        "more-info" => "the team asked for more information (below)",
        "approved" => "approved: the address is on the list",
        "rejected" => "not approved",
        _ => "unknown",
    }
}

/// `GET /p/{project}/notification-list/requests/{token}`: the applicant's page.
pub async fn request_page(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath((slug, token)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    let (project, r) = list_requests::by_link(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    let list = list_requests::project_list(&state.db, &slug)
        .await
        .map_err(not_found)?
        .2;
    let group = r
        .approved_group
        .clone()
        .unwrap_or_else(|| r.group_id.clone());
    let group = list
        .groups
        .iter()
        .find(|g| g.id == group)
        .map(|g| g.name.clone())
        .unwrap_or(group);
    render(&RequestPage {
        project: project.name,
        slug: project.slug,
        token,
        csrf,
        email: r.email,
        name: r.name,
        group,
        status: status_text(&r.status).into(),
        decide_by: r
            .decide_due_at
            .filter(|_| matches!(r.status.as_str(), "pending" | "more-info"))
            .map(|t| Timestamp(t).minute()),
        unconfirmed: r.status == "unconfirmed",
        more_info: r.status == "more-info",
        question: r.question,
        answer: r.answer,
        note: r
            .decision_note
            .filter(|_| r.status == "approved" || r.status == "rejected"),
    })
}

/// `POST …/requests/{token}/confirm`.
pub async fn request_confirm(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
    PageForm(_f): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    list_requests::confirm(&state.db, &state.cfg, &slug, &token)
        .await
        .map_err(not_found)?;
    Ok(Redirect::to(&format!(
        "/p/{slug}/notification-list/requests/{token}"
    )))
}

/// The answer form.
#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    text: String,
}

/// `POST …/requests/{token}/answer`.
pub async fn request_answer(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
    PageForm(f): PageForm<AnswerForm>,
) -> Result<Redirect, PageError> {
    list_requests::answer(&state.db, &state.cfg, &slug, &token, &f.text)
        .await
        .map_err(not_found)?;
    Ok(Redirect::to(&format!(
        "/p/{slug}/notification-list/requests/{token}"
    )))
}

#[derive(Template)]
#[template(path = "list_key.html")]
struct KeyPage {
    project: String,
    slug: String,
    csrf: String,
    email: String,
    error: Option<String>,
}

/// `GET /p/{project}/notification-list/key`.
pub async fn key_form(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let (project, _, _) = list_requests::project_list(&state.db, &slug)
        .await
        .map_err(not_found)?;
    render(&KeyPage {
        project: project.name,
        slug: project.slug,
        csrf,
        email: String::new(),
        error: None,
    })
}

/// The key form.
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    key: String,
}

/// `POST /p/{project}/notification-list/key`: one answer for every address.
pub async fn key_submit(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PagePath(slug): PagePath<String>,
    PageForm(f): PageForm<KeyForm>,
) -> Result<Response, PageError> {
    limited(&state, &ip)?;
    let (project, _, _) = list_requests::project_list(&state.db, &slug)
        .await
        .map_err(not_found)?;
    let fail = |error: String| -> Result<Response, PageError> {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&KeyPage {
                project: project.name.clone(),
                slug: project.slug.clone(),
                csrf: csrf.clone(),
                email: f.email.clone(),
                error: Some(error),
            })?,
        )
            .into_response())
    };
    let email = match f.email.trim().parse() {
        Ok(e) => e,
        Err(e) => return fail(format!("{e}")),
    };
    // One answer, after the same work, whoever asks (F5, F13): a plain new key is
    // checked for every address before anything is looked up; what depends on
    // membership (signature check, confirmation mail) runs after the answer.
    let signed = f.key.contains("-----BEGIN PGP SIGNED MESSAGE-----")
        || f.key.contains("-----BEGIN PGP MESSAGE-----");
    let checked = if signed {
        Ok(())
    } else {
        service::keys::inspect_recipient_untrusted(f.key.as_bytes().to_vec())
            .await
            .map(|_| ())
    };
    if checked.is_ok() {
        let (db, cfg, slug, key) = (
            state.db.clone(),
            state.cfg.clone(),
            slug.clone(),
            f.key.clone(),
        );
        state.background.spawn(async move {
            if let Err(e) =
                service::members::request_key_change(&db, &cfg, &slug, &email, &key).await
            {
                tracing::info!(project = %slug, "key change request not taken: {e}");
            }
        });
    }
    match checked {
        Ok(()) => Ok(message(
            "Key change received",
            &[
                "If this address is on the list: a key signed with the key on file replaces it now; otherwise a confirmation link is on its way to the address, encrypted to the new key.",
            ],
            Some((url::path(&["p", &slug, ""]), "Back to the security page".into())),
        )?
        .into_response()),
        Err(ServiceError::Invalid(m)) => fail(m),
        Err(e) => Err(not_found(e)),
    }
}

/// `GET /p/{project}/notification-list/key/{token}`: the confirmation button.
pub async fn key_confirm_page(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath((slug, token)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    service::members::check_key_change(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    render(&Message {
        title: "Confirm your new key".into(),
        paragraphs: vec!["Press the button to replace the key on file with the new one.".into()],
        form: Some(ButtonForm {
            action: url::path(&["p", &slug, "notification-list", "key", &token]),
            csrf,
            hidden: Vec::new(),
            button: "Replace my key".into(),
        }),
        back: None,
    })
}

/// `POST /p/{project}/notification-list/key/{token}`.
pub async fn key_confirm(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
    PageForm(_f): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    service::members::confirm_key_change(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    message(
        "Key replaced",
        &["Pre-notifications are encrypted to your new key from now on."],
        Some((
            url::path(&["p", &slug, ""]),
            "Back to the security page".into(),
        )),
    )
}

#[derive(Template)]
#[template(path = "announce.html")]
struct AnnouncePage {
    project: String,
    slug: String,
    csrf: String,
    lists: Vec<(String, Option<String>)>,
    email: String,
    error: Option<String>,
}

async fn announce_page(
    state: &AppState,
    slug: &str,
    csrf: String,
    email: String,
    error: Option<String>,
) -> Result<AnnouncePage, PageError> {
    let project = service::projects::find(&state.db, slug)
        .await
        .map_err(not_found)?;
    let policy = service::projects::policy_of(&project)?.ok_or(PageError::NotFound)?;
    Ok(AnnouncePage {
        project: project.name,
        slug: project.slug,
        csrf,
        lists: policy
            .announcements
            .lists
            .iter()
            .map(|l| (l.name.clone(), l.subscribe_url.clone()))
            .collect(),
        email,
        error,
    })
}

/// `GET /p/{project}/announce`.
pub async fn announce_form(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(slug): PagePath<String>,
) -> Result<Html<String>, PageError> {
    render(&announce_page(&state, &slug, csrf, String::new(), None).await?)
}

/// The subscribe form.
#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    email: String,
}

/// `POST /p/{project}/announce`: the same answer whatever the address's state.
pub async fn subscribe(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PagePath(slug): PagePath<String>,
    PageForm(f): PageForm<SubscribeForm>,
) -> Result<Response, PageError> {
    limited(&state, &ip)?;
    match service::announce::subscribe(&state.db, &state.cfg, &slug, &f.email).await {
        Ok(()) => Ok(message(
            "Check your inbox",
            &[&format!(
                "We sent a mail to {} with a confirmation link. Open it to start receiving announcements.",
                f.email.trim()
            )],
            Some((url::path(&["p", &slug, ""]), "Back to the security page".into())),
        )?
        .into_response()),
        Err(ServiceError::Invalid(m)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&announce_page(&state, &slug, csrf, f.email, Some(m)).await?)?,
        )
            .into_response()),
        Err(e) => Err(not_found(e)),
    }
}

/// `GET /p/{project}/announce/confirm/{token}`: the confirmation button (mail
/// scanners follow links; only the button's POST subscribes).
pub async fn confirm_page(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath((slug, token)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    service::announce::check_confirm(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    render(&Message {
        title: "Confirm your subscription".into(),
        paragraphs: vec!["Press the button to receive the security announcements.".into()],
        form: Some(ButtonForm {
            action: url::path(&["p", &slug, "announce", "confirm", &token]),
            csrf,
            hidden: Vec::new(),
            button: "Subscribe".into(),
        }),
        back: None,
    })
}

/// `POST /p/{project}/announce/confirm/{token}`.
pub async fn confirm(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
    PageForm(_f): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let email = service::announce::confirm(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    message(
        "Subscribed",
        &[&format!(
            "{email} now receives the security announcements. Every message has a link to unsubscribe."
        )],
        Some((
            url::path(&["p", &slug, ""]),
            "Back to the security page".into(),
        )),
    )
}

/// `GET /p/{project}/announce/unsubscribe/{token}`: the unsubscribe button.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    service::announce::check_unsubscribe(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    render(&Message {
        title: "Unsubscribe".into(),
        paragraphs: vec!["Press the button to stop receiving the security announcements. It takes effect at once.".into()],
        form: Some(ButtonForm {
            action: url::path(&["p", &slug, "announce", "unsubscribe", &token]),
            csrf: String::new(),
            hidden: vec![("List-Unsubscribe".into(), "One-Click".into())],
            button: "Unsubscribe".into(),
        }),
        back: None,
    })
}

/// `POST /p/{project}/announce/unsubscribe/{token}`: RFC 8058 one-click (the body is
/// `List-Unsubscribe=One-Click`; no CSRF token, no cookie), and the page's button.
pub async fn unsubscribe(
    State(state): State<AppState>,
    PagePath((slug, token)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    service::announce::unsubscribe(&state.db, &slug, &token)
        .await
        .map_err(not_found)?;
    message(
        "Unsubscribed",
        &["You will receive no more security announcements from this list."],
        Some((
            url::path(&["p", &slug, ""]),
            "Back to the security page".into(),
        )),
    )
}
