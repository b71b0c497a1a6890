//! Where a form on the team's case page returns: the case page, at the section acted on,
//! with a line saying what was done ("Severity saved"). The message is chosen from this
//! closed list by a key in the query string, so nothing a request carries is echoed.

use super::team::{Refused, case_page};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::service::ServiceError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

macro_rules! done {
    ($($variant:ident => ($key:literal, $section:literal, $message:literal),)*) => {
        /// What was just done on a case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Done { $(
            #[doc = $message]
            $variant,
        )* }

        impl Done {
            /// Every kind, for the tests.
            pub const ALL: &'static [Done] = &[$(Done::$variant),*];

            /// Its key in `?done=`.
            pub fn key(self) -> &'static str {
                match self { $(Done::$variant => $key,)* }
            }

            /// The section of the case page it returns to (an element id).
            pub fn section(self) -> &'static str {
                match self { $(Done::$variant => $section,)* }
            }

            /// What the page says.
            pub fn message(self) -> &'static str {
                match self { $(Done::$variant => $message,)* }
            }

            /// The kind a `?done=` key names, if any.
            pub fn parse(key: &str) -> Option<Done> {
                match key { $($key => Some(Done::$variant),)* _ => None }
            }
        }
    };
}

done! {
    Decided => ("decided", "summary", "Decision recorded. The reporter is told where the policy says so."),
    Severity => ("severity", "severity", "Severity saved."),
    Affected => ("affected", "affected", "Affected versions saved."),
    Assigned => ("assigned", "triage", "Assignment saved."),
    Step => ("step", "summary", "Done: the case has moved on (its state is at the top)."),
    Reply => ("reply", "thread", "Reply sent to the reporter."),
    Note => ("note", "thread", "Team-only note added."),
    Acknowledged => ("acknowledged", "thread", "Acknowledgement sent."),
    ReporterConfirmed => ("reporter-confirmed", "summary", "Reporter confirmed; their private link is on its way."),
    ReporterKey => ("reporter-key", "reporter", "The reporter's key is saved."),
    Credit => ("credit", "reporter", "Credit recorded."),
    ReporterView => ("reporter-view", "reporter", "Saved: what the reporter's page shows."),
    Invited => ("invited", "guests", "Invitation sent."),
    GuestRemoved => ("guest-removed", "guests", "Collaborator removed: their link no longer opens the case."),
    Shared => ("shared", "guests", "Message shared with the collaborators."),
    Strike => ("strike", "conduct", "Strike recorded."),
    Patch => ("patch", "fix", "Patch attached."),
    Review => ("review", "fix", "Review recorded."),
    Branch => ("branch", "fix", "Link to the private fork saved."),
    Upstream => ("upstream", "upstream", "Marked as an upstream issue."),
    UpstreamEvent => ("upstream-event", "upstream", "Recorded on the upstream track."),
    Advisory => ("advisory", "disclosure", "Advisory draft saved."),
    Scheduled => ("scheduled", "disclosure", "Disclosure scheduled."),
    Cve => ("cve", "disclosure", "CVE ID assigned."),
    DisclosureStep => ("disclosure-step", "disclosure", "Done: see the disclosure steps below."),
}

/// Back to case `id`, at the section of `done`, saying it.
pub fn to_case(id: i64, done: Done) -> Redirect {
    Redirect::to(&format!(
        "/team/cases/{id}?done={}#{}",
        done.key(),
        done.section()
    ))
}

/// A submitted form as field → text, to put back into the form when it is refused.
pub fn kept_of<T: serde::Serialize>(form: &T) -> HashMap<String, String> {
    match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Bool(b) => Some((k, b.to_string())),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect(),
        _ => HashMap::new(),
    }
}

/// A case-page form: what it does, and where a refusal of it is shown.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// What the form does (said after success).
    pub done: Done,
    /// The section (an element id the page shows the message in).
    pub section: &'static str,
    /// The field the error summary links to (an element id).
    pub field: &'static str,
}

/// The end of a case-page form: on success back to the case, saying `done`; when the
/// input is refused (invalid, or not possible in the case's state), the case page again
/// with the message beside the form and what was typed still in it (422 / 409).
pub async fn finish<T>(
    state: &AppState,
    session: &crate::service::login::ActiveSession,
    csrf: String,
    case: &crate::service::CaseRef,
    result: Result<T, ServiceError>,
    place: Place,
    kept: HashMap<String, String>,
) -> Result<Response, PageError> {
    let (status, message) = match result {
        Ok(_) => return Ok(to_case(case.id(), place.done).into_response()),
        Err(ServiceError::Invalid(m)) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        Err(ServiceError::Conflict(m)) => (StatusCode::CONFLICT, m),
        Err(e) => return Err(e.into()),
    };
    let refused = Refused {
        section: place.section,
        field: place.field,
        message,
        kept,
    };
    let page = case_page(state, session, csrf, case, None, Some(refused)).await?;
    Ok((status, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_nothing_else_parses() {
        for d in Done::ALL {
            assert_eq!(Done::parse(d.key()), Some(*d));
            assert!(!d.message().is_empty() && !d.section().is_empty());
        }
        assert_eq!(Done::parse("<script>"), None);
    }
}
