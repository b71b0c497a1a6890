//! Which inbound mail must never open a case or be answered: Embargo's own mail come
//! back (a team member's address that is also a contact address, as Pylons has),
//! automatic mail (RFC 3834: `Auto-Submitted` other than `no`, `Precedence: bulk` or
//! `junk`), mail from a mailing list other than the project's own security address,
//! and replies to Embargo's mail that are in no reporter's thread. Such mail is kept
//! for the team with the reason (`store::held_mail`), and nothing is sent back.

use crate::mail::compose::loop_stamp;
use crate::mail::inbound::Envelope;

/// Why `env` must be held rather than taken as a report, if it must. `contact` is the
/// project's contact addresses (lower case): a list whose address is one of them is
/// the project's own security list relaying a report, not list traffic.
pub(super) fn held_reason(mail_from: &str, env: &Envelope, contact: &[String]) -> Option<String> {
    held_reason_in_full(mail_from, env, contact).map(|r| {
        // Header values are the sender's: bounded, and printable only.
        let clean: String = r
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_REASON)
            .collect();
        clean
    })
}

/// Longest reason kept.
const MAX_REASON: usize = 500;

fn held_reason_in_full(mail_from: &str, env: &Envelope, contact: &[String]) -> Option<String> {
    let own = loop_stamp(mail_from);
    if env.from.as_deref().is_some_and(|f| f == own) {
        return Some(format!(
            "it comes from Embargo's own address ({own}): Embargo's own mail came back in"
        ));
    }
    if env.x_loop.iter().any(|l| loop_stamp(l) == own) {
        return Some(format!(
            "it carries Embargo's own X-Loop stamp ({own}): Embargo's own mail came back in"
        ));
    }
    if env.delivery_report {
        return Some(
            "it is a delivery or read report (multipart/report): a bounce or receipt, never a report".into(),
        );
    }
    if let Some(v) = env
        .auto_submitted
        .as_deref()
        .filter(|v| !v.eq_ignore_ascii_case("no"))
    {
        return Some(format!(
            "it is automatic mail (Auto-Submitted: {v}); automatic mail never opens a case and is never answered (RFC 3834)"
        ));
    }
    if let Some(v) = env
        .precedence
        .as_deref()
        .filter(|v| matches!(*v, "bulk" | "junk"))
    {
        return Some(format!(
            "it is bulk mail (Precedence: {v}); it never opens a case and is never answered"
        ));
    }
    let listed = env.list_id.is_some() || env.precedence.as_deref() == Some("list");
    if listed && !own_list(env, contact) {
        return Some(format!(
            "it came through a mailing list ({}) that is not the project's security address",
            env.list_id.as_deref().map_or_else(
                || "Precedence: list".to_owned(),
                |l| format!("List-Id: {l}")
            )
        ));
    }
    None
}

/// The author of mail the project's own list relayed with `From:` rewritten to the
/// list's (contact) address, as lists do for DMARC ("Ada via Security"): the
/// `X-Original-From` or `Reply-To` address, when it is not itself a contact address.
pub(super) fn rewritten_author(env: &Envelope, contact: &[String]) -> Option<String> {
    let from = env.from.as_deref()?;
    if !contact.iter().any(|c| c == from) {
        return None;
    }
    [env.original_from.as_deref(), env.reply_to.as_deref()]
        .into_iter()
        .flatten()
        .find(|a| a.contains('@') && !contact.iter().any(|c| c == a))
        .map(str::to_owned)
}

/// Whether the list that relayed the mail is the project's own contact address
/// (`List-Post: <mailto:security@…>`, or a `List-Id` naming it).
fn own_list(env: &Envelope, contact: &[String]) -> bool {
    let post = env.list_post.as_deref().unwrap_or("").to_lowercase();
    let id = env.list_id.as_deref().unwrap_or("").to_lowercase();
    contact.iter().any(|c| {
        post.contains(&format!("mailto:{c}"))
            || c.split_once('@')
                .is_some_and(|(local, domain)| id.contains(&format!("{local}.{domain}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(f: impl FnOnce(&mut Envelope)) -> Envelope {
        let mut e = Envelope {
            from: Some("ada@example.net".into()),
            recipients: vec!["security@pylonsproject.org".into()],
            message_id: Some("m1@example.net".into()),
            thread: Vec::new(),
            automatic: false,
            auto_submitted: None,
            precedence: None,
            list_id: None,
            list_post: None,
            x_loop: Vec::new(),
            reply_to: None,
            original_from: None,
            delivery_report: false,
        };
        f(&mut e);
        e
    }

    const FROM: &str = "embargo@security.example.org";

    #[test]
    fn a_person_writing_is_not_held() {
        let contact = vec!["security@pylonsproject.org".to_owned()];
        assert_eq!(held_reason(FROM, &env(|_| {}), &contact), None);
        let human = env(|e| e.auto_submitted = Some("no".into()));
        assert_eq!(held_reason(FROM, &human, &contact), None);
        // The project's own security list relaying a report.
        let relayed = env(|e| {
            e.list_id = Some("<security.pylonsproject.org>".into());
            e.list_post = Some("<mailto:security@pylonsproject.org>".into());
            e.precedence = Some("list".into());
        });
        assert_eq!(held_reason(FROM, &relayed, &contact), None);
    }

    #[test]
    fn a_list_that_rewrote_from_names_the_author() {
        let contact = vec!["security@demo.example".to_owned()];
        let munged = env(|e| {
            e.from = Some("security@demo.example".into());
            e.original_from = Some("ada@example.net".into());
            e.reply_to = Some("security@demo.example".into());
        });
        assert_eq!(
            rewritten_author(&munged, &contact).as_deref(),
            Some("ada@example.net")
        );
        let reply_to_only = env(|e| {
            e.from = Some("security@demo.example".into());
            e.reply_to = Some("ada@example.net".into());
        });
        assert_eq!(
            rewritten_author(&reply_to_only, &contact).as_deref(),
            Some("ada@example.net")
        );
        // An ordinary sender keeps their address.
        assert_eq!(rewritten_author(&env(|_| {}), &contact), None);
    }

    #[test]
    fn own_mail_automatic_mail_and_other_lists_are_held() {
        let contact = vec!["security@pylonsproject.org".to_owned()];
        for (e, says) in [
            (
                env(|e| e.from = Some("embargo@security.example.org".into())),
                "Embargo's own address",
            ),
            (
                env(|e| e.x_loop = vec!["Embargo@Security.Example.org".into()]),
                "X-Loop",
            ),
            (
                env(|e| e.auto_submitted = Some("auto-replied".into())),
                "Auto-Submitted: auto-replied",
            ),
            (env(|e| e.delivery_report = true), "delivery or read report"),
            (
                env(|e| e.precedence = Some("bulk".into())),
                "Precedence: bulk",
            ),
            (
                env(|e| e.list_id = Some("<announce.lists.example.org>".into())),
                "List-Id: <announce.lists.example.org>",
            ),
        ] {
            let why = held_reason(FROM, &e, &contact).expect("held");
            assert!(why.contains(says), "{why}");
        }
    }
}
