//! A collaborator's view of the one case they were invited into (`/g/{token}`):
//! the report's thread and the messages shared with collaborators, and a form to
//! write to the team. Unknown or removed links are 404. Every view is audited.

use super::PagePath;
use super::{PageForm, render};
use crate::domain::time::Timestamp;
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::url;
use crate::service;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect};

struct Item {
    author: String,
    who: String,
    when: String,
    body: String,
    shared: bool,
}

#[derive(Template)]
#[template(path = "guest_case.html")]
struct GuestPage {
    project: String,
    case_id: i64,
    summary: String,
    state: String,
    name: String,
    thread: Vec<Item>,
    token: String,
    csrf: String,
}

/// `GET /g/{token}`.
pub async fn case(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    PagePath(token): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let view = service::guests::view(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    let project = view.project.clone();
    let thread = view
        .messages
        .into_iter()
        .map(|m| Item {
            who: match m.author.as_str() {
                // The reporter's identity stays with the team.
                "reporter" => "Reporter".into(),
                "team" => format!("{project} security team"),
                "guest" => "Collaborator".into(),
                _ => "Embargo".into(),
            },
            shared: m.visibility == "guests",
            author: m.author,
            when: Timestamp(m.created_at).minute(),
            body: m.body,
        })
        .collect();
    let st: crate::domain::case::CaseState = view.case.state;
    render(&GuestPage {
        project: view.project,
        case_id: view.case.id,
        summary: view.case.summary,
        state: st.as_str().into(),
        name: view.guest.name,
        thread,
        token,
        csrf,
    })
}

/// The reply form.
#[derive(serde::Deserialize)]
pub struct ReplyForm {
    text: String,
}

/// `POST /g/{token}/reply`.
pub async fn reply(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageForm(form): PageForm<ReplyForm>,
) -> Result<Redirect, PageError> {
    // The link is checked first, so unknown links cannot use up the overall limit.
    service::guests::by_link(&state.db, &token)
        .await?
        .ok_or(PageError::NotFound)?;
    state.reply_allowed(&token)?;
    service::guests::reply(&state.db, &token, &form.text)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(Redirect::to(&url::path(&["g", &token])))
}
