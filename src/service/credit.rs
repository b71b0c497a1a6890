//! Whether, and by which name, the reporter is credited in the advisory. The web form
//! asks; a reporter who wrote by mail says it on their case page or in a reply (a line
//! `Credit: Name`, or `Credit: none`); the team records it (page, API, CLI), e.g. from
//! what the reporter wrote in prose. The policy decides what counts
//! (`publication.credit_reporter`: if the reporter wishes, always, never); the advisory's
//! credits follow (`advisories::sources`). Every change is audited and noted on the case.

use super::access::CaseRef;
use super::{ServiceError, audit};
use crate::domain::case::CaseState;
use crate::domain::policy::CreditReporter;
use crate::domain::report::MAX_CREDIT_AS;
use crate::store::{self, Db, cases::CaseRow};
use serde_json::json;

/// What the reporter wants.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct CreditWish {
    /// Credit the reporter publicly.
    pub wanted: bool,
    /// The name to credit (empty: the reporter's name as they gave it).
    #[serde(default)]
    pub name: String,
}

impl CreditWish {
    /// Check the name: one line, at most [`MAX_CREDIT_AS`] bytes (it reaches public advisories).
    fn checked(&self) -> Result<(bool, Option<String>), ServiceError> {
        let name = self.name.trim();
        if name.len() > MAX_CREDIT_AS {
            return Err(ServiceError::Invalid(format!(
                "the name to credit is longer than {MAX_CREDIT_AS} bytes; shorten it"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ServiceError::Invalid(
                "the name to credit must be one line of text".into(),
            ));
        }
        if name.chars().any(crate::domain::text::is_invisible) {
            return Err(ServiceError::Invalid(
                "the name to credit contains invisible formatting characters (such as a right-to-left override); type it plainly".into(),
            ));
        }
        Ok((self.wanted, (!name.is_empty()).then(|| name.to_owned())))
    }

    /// In words; `given` is the name the reporter gave with the report (mail's From).
    fn describe(&self, name: Option<&str>, given: Option<&str>) -> String {
        match (
            self.wanted,
            name,
            given.map(str::trim).filter(|g| !g.is_empty()),
        ) {
            (false, _, _) => "not to be credited".into(),
            (true, Some(n), _) => format!("to be credited as “{n}”"),
            (true, None, Some(g)) => format!("to be credited as “{g}” (the name they gave)"),
            (true, None, None) => "to be credited, without giving a name yet".into(),
        }
    }
}

/// Whether the policy lets the reporter choose at all.
fn offered(policy: Option<&crate::domain::policy::Policy>) -> Result<(), ServiceError> {
    if policy.is_some_and(|p| p.publication.credit_reporter == CreditReporter::Never) {
        return Err(ServiceError::Invalid(
            "this project's advisories do not credit reporters".into(),
        ));
    }
    Ok(())
}

/// The team records the reporter's wish (as they said it in the thread, say).
pub async fn set_by_team(db: &Db, case: &CaseRef, wish: &CreditWish) -> Result<(), ServiceError> {
    let (wanted, name) = wish.checked()?;
    let who = match case.caller() {
        super::Caller::Member { email, .. } => email.clone(),
        _ => "the operator".to_owned(),
    };
    let mut tx = db.begin().await?;
    store::cases::set_credit(tx.conn(), case.id(), wanted, name.as_deref()).await?;
    super::cases::system_note_in(
        &mut tx,
        case.id(),
        &format!(
            "{who} recorded that the reporter wishes {}.",
            wish.describe(name.as_deref(), case.row().reporter_name.as_deref())
        ),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        case.actor(),
        "case.credit_set",
        ("case", &case.id().to_string()),
        Some(case.project_id()),
        json!({"wanted": wanted, "name": name, "by": "team"}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where the reporter said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Their case page.
    Page,
    /// A mail reply (a `Credit:` line).
    Reply,
}

/// The reporter says whether and how to be credited (their case page, or a `Credit:` line
/// in a reply from an address bound to the case).
pub async fn set_by_reporter(
    db: &Db,
    case: &CaseRow,
    wish: &CreditWish,
    via: Via,
) -> Result<(), ServiceError> {
    let project = super::projects::by_id(db, case.project_id).await?;
    let policy = super::projects::policy_of(&project)?;
    offered(policy.as_ref())?;
    if !wish.wanted
        && policy
            .as_ref()
            .is_some_and(|p| p.publication.credit_reporter == CreditReporter::Always)
    {
        return Err(ServiceError::Invalid(
            "this project's advisories always name the reporter; you may choose the name, or write to the team".into(),
        ));
    }
    // Once a date is set the advisory is being prepared (and may have been sent to the
    // notification list): a change then goes through the team.
    if matches!(
        case.state,
        CaseState::Scheduled
            | CaseState::PreAnnounced
            | CaseState::PreNotified
            | CaseState::Published
    ) {
        return Err(ServiceError::Conflict(
            "the advisory is being prepared: write to the team in the thread to change how you are credited".into(),
        ));
    }
    let (wanted, name) = wish.checked()?;
    if case.wants_credit == wanted && case.credit_as.as_deref() == name.as_deref() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    store::cases::set_credit(tx.conn(), case.id, wanted, name.as_deref()).await?;
    super::cases::system_note_in(
        &mut tx,
        case.id,
        &format!(
            "The reporter asked {} ({}).",
            wish.describe(name.as_deref(), case.reporter_name.as_deref()),
            match via {
                Via::Page => "on their case page",
                Via::Reply => "in a reply",
            }
        ),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        &crate::domain::actor::Actor::Anonymous,
        "case.credit_set",
        ("case", &case.id.to_string()),
        Some(case.project_id),
        json!({"wanted": wanted, "name": name, "by": match via { Via::Page => "reporter-page", Via::Reply => "reporter-reply" }}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A `Credit:` line in a reply, in the sender's own words (not in quoted text, nor after
/// the header of a forwarded or quoted message): `Credit: Ada Lovelace` asks to be
/// credited under that name, `Credit: none` (or `no`, `anonymous`) not to be credited. An
/// empty `Credit:` says nothing.
pub fn in_reply(text: &str) -> Option<CreditWish> {
    text.lines()
        .map(str::trim)
        .take_while(|l| {
            !(l.starts_with("---------- Forwarded message")
                || l.starts_with("-----Original Message-----")
                || (l.starts_with("On ") && l.ends_with("wrote:")))
        })
        .filter(|l| !l.starts_with('>'))
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            if !key.trim().eq_ignore_ascii_case("credit") {
                return None;
            }
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let none = ["none", "no", "anonymous", "do not credit me", "-"]
                .iter()
                .any(|n| value.eq_ignore_ascii_case(n));
            Some(CreditWish {
                wanted: !none,
                name: if none {
                    String::new()
                } else {
                    value.to_owned()
                },
            })
        })
}

/// How the reporter's page and mails describe the credit, for the reporter.
pub fn for_reporter(case: &CaseRow, policy: &crate::domain::policy::Policy) -> Option<String> {
    let name = case
        .credit_as
        .as_deref()
        .or(case.reporter_name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match policy.publication.credit_reporter {
        CreditReporter::Never => None,
        CreditReporter::Always => Some(match name {
            Some(n) => format!("The advisory will credit you as “{n}”."),
            None => "The advisory credits the reporter; tell us the name to use.".into(),
        }),
        CreditReporter::IfWished => Some(match (case.wants_credit, name) {
            (true, Some(n)) => format!("You asked to be credited as “{n}” in the advisory."),
            (true, None) => {
                "You asked to be credited; tell us the name to use (it is public).".into()
            }
            (false, _) => "You will not be named in the advisory unless you ask to be.".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_line_in_a_reply_is_read_and_quoted_text_is_not() {
        assert_eq!(
            in_reply("Thanks!\n\nCredit: Ada Lovelace (Analytical Engines Ltd)\n"),
            Some(CreditWish {
                wanted: true,
                name: "Ada Lovelace (Analytical Engines Ltd)".into()
            })
        );
        assert_eq!(
            in_reply("credit: none"),
            Some(CreditWish {
                wanted: false,
                name: String::new()
            })
        );
        assert_eq!(in_reply("> Credit: Someone Else\nthanks"), None);
        assert_eq!(in_reply("Credit:\n"), None);
        assert_eq!(
            in_reply("see below\n\n---------- Forwarded message ----------\nCredit: Eve\n"),
            None
        );
        assert_eq!(in_reply("On Mon, Ada wrote:\nCredit: Ada\n"), None);
        assert_eq!(in_reply("No credit line here: none"), None);
    }

    #[test]
    fn names_are_one_bounded_line() {
        let long = CreditWish {
            wanted: true,
            name: "x".repeat(MAX_CREDIT_AS + 1),
        };
        assert!(long.checked().is_err());
        let two = CreditWish {
            wanted: true,
            name: "a\u{0}b".into(),
        };
        assert!(two.checked().is_err());
        let rtl = CreditWish {
            wanted: true,
            name: "Ada\u{202E}evE".into(),
        };
        assert!(rtl.checked().is_err());
        let ok = CreditWish {
            wanted: true,
            name: "  Ada  ".into(),
        };
        assert_eq!(ok.checked().unwrap(), (true, Some("Ada".into())));
    }
}
