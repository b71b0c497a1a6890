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
    ($($variant:ident => ($key:literal, $section:literal, $message:literal, $form:literal, $field:literal),)*) => {
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

            /// The section a refusal of the form is shown in (an element id).
            pub fn form_section(self) -> &'static str {
                match self { $(Done::$variant => $form,)* }
            }

            /// The field the error summary links to (an element id).
            pub fn field(self) -> &'static str {
                match self { $(Done::$variant => $field,)* }
            }

            /// The kind a `?done=` key names, if any.
            pub fn parse(key: &str) -> Option<Done> {
                match key { $($key => Some(Done::$variant),)* _ => None }
            }
        }
    };
}

done! {
    Decided => ("decided", "summary", "Decision recorded. The reporter is told where the policy says so.", "decide", "checks"),
    Severity => ("severity", "severity", "Severity saved.", "severity", "severity"),
    Affected => ("affected", "affected", "Affected versions saved.", "affected", "affected-text"),
    Assigned => ("assigned", "triage", "Assignment saved.", "triage", "triage"),
    Step => ("step", "summary", "Done: the case has moved on (its state is at the top).", "summary", "summary"),
    Reply => ("reply", "thread", "Reply sent to the reporter.", "thread", "reply"),
    Note => ("note", "thread", "Team-only note added.", "thread", "note"),
    Acknowledged => ("acknowledged", "thread", "Acknowledgement sent.", "thread", "ack"),
    ReporterConfirmed => ("reporter-confirmed", "summary", "Reporter confirmed; their private link is on its way.", "summary", "summary"),
    ReporterKey => ("reporter-key", "reporter", "The reporter's key is saved.", "reporter", "reporter-key"),
    Credit => ("credit", "reporter", "Credit recorded.", "reporter", "credit-name"),
    ReporterView => ("reporter-view", "reporter", "Saved: what the reporter's page shows.", "reporter", "reporter-view"),
    Invited => ("invited", "guests", "Invitation sent.", "guests", "guest-name"),
    GuestRemoved => ("guest-removed", "guests", "Collaborator removed: their link no longer opens the case.", "guests", "guests"),
    Shared => ("shared", "guests", "Message shared with the collaborators.", "guests", "shared"),
    Strike => ("strike", "conduct", "Strike recorded.", "conduct", "strike"),
    Patch => ("patch", "fix", "Patch attached.", "fix", "patch-diff"),
    Review => ("review", "fix", "Review recorded.", "fix", "fix"),
    Branch => ("branch", "fix", "Link to the private fork saved.", "fix", "branch-url"),
    Upstream => ("upstream", "upstream", "Marked as an upstream issue.", "upstream", "upstream-name"),
    UpstreamEvent => ("upstream-event", "upstream", "Recorded on the upstream track.", "upstream", "upstream"),
    Advisory => ("advisory", "disclosure", "Advisory draft saved.", "disclosure", "adv-title"),
    Scheduled => ("scheduled", "disclosure", "Disclosure scheduled.", "disclosure", "sched-date"),
    Cve => ("cve", "disclosure", "CVE ID assigned.", "disclosure", "disclosure"),
    DisclosureStep => ("disclosure-step", "disclosure", "Done: see the disclosure steps below.", "disclosure", "disclosure"),
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

/// The end of a case-page form: on success back to the case, saying `done`; when the
/// input is refused (invalid, or not possible in the case's state), the case page again
/// with the message beside the form and what was typed still in it (422 / 409).
pub async fn finish<T>(
    state: &AppState,
    session: &crate::service::login::ActiveSession,
    csrf: String,
    case: &crate::service::CaseRef,
    result: Result<T, ServiceError>,
    done: Done,
    kept: HashMap<String, String>,
) -> Result<Response, PageError> {
    let (status, message) = match result {
        Ok(_) => return Ok(to_case(case.id(), done).into_response()),
        Err(ServiceError::Invalid(m)) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        Err(ServiceError::Conflict(m)) => (StatusCode::CONFLICT, m),
        Err(e) => return Err(e.into()),
    };
    let refused = Refused {
        section: done.form_section(),
        field: done.field(),
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
