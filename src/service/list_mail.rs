//! The mails of the notification-list request process: the applicant's confirmation
//! link, why a request was held back, the decision (approved, turned down, a
//! question), the answer to a request sent by mail, and what the team is told.
//! Each body is a template under `templates/email/list_request/`, snapshot-tested
//! below (`cargo insta review` after a change).

use askama::Template;

pub(super) use super::mail::render;

/// "Confirm your address": the request reaches the team only after this.
#[derive(Template)]
#[template(path = "email/list_request/confirm.txt")]
pub(super) struct Confirm<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub project: &'a str,
    pub link: &'a str,
    /// The decision clock, as the policy states it ("30 days").
    pub decision: String,
}

/// Why a request from an address was not recorded (said only to the address).
pub(super) enum HeldBack {
    /// A request of the address waits already.
    Waiting,
    /// The address may apply again only later.
    TooSoon {
        /// The policy's wait ("90 days").
        wait: String,
        /// The first day it may.
        from: String,
    },
}

/// The mail that says a request was held back.
#[derive(Template)]
#[template(path = "email/list_request/held_back.txt")]
pub(super) struct HeldBackMail<'a> {
    pub email: &'a str,
    pub project: &'a str,
    pub why: HeldBack,
}

/// What the team is told about a request.
pub(super) enum TeamNews {
    /// Confirmed by the applicant: to review.
    ToReview {
        /// The day the decision is due.
        decide_by: String,
    },
    /// The applicant answered the team's question.
    Answered,
    /// The decision is overdue.
    Overdue {
        /// The day it was due.
        due: String,
    },
}

/// A mail to each team member about a request.
#[derive(Template)]
#[template(path = "email/list_request/team.txt")]
pub(super) struct TeamMail<'a> {
    pub project: &'a str,
    pub link: &'a str,
    pub what: TeamNews,
}

/// The team's decision, as the applicant is told it.
pub(super) enum Verdict<'a> {
    /// On the list, in this group.
    Approved {
        /// The group's name.
        group: &'a str,
        /// Mail to them is encrypted to their key.
        encrypted: bool,
        /// The policy may revoke membership without a reason, and says so.
        revocable: bool,
    },
    /// Turned down (the note is the reason).
    Rejected,
    /// A question (the note), answered on the request's page.
    AskMore,
}

/// The decision mail.
#[derive(Template)]
#[template(path = "email/list_request/decision.txt")]
pub(super) struct DecisionMail<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub project: &'a str,
    /// The team's note (empty: none; required to reject and to ask).
    pub note: &'a str,
    pub verdict: Verdict<'a>,
}

/// The answer to a request sent by mail: the form is where requests are taken.
#[derive(Template)]
#[template(path = "email/list_request/by_mail.txt")]
pub(super) struct ByMail<'a> {
    pub project: &'a str,
    pub form: &'a str,
}

#[cfg(test)]
mod mail_snapshots {
    //! Snapshots of every mail of the request process.
    use super::*;

    fn all(mails: &[String]) -> String {
        mails.join("\n=====\n")
    }

    #[test]
    fn to_the_applicant() {
        let confirm = render(&Confirm {
            name: "Ada Lovelace",
            email: "ada@distro.example",
            project: "Django",
            link: "https://security.example.org/p/django/notification-list/requests/0123abcd",
            decision: "30 days".into(),
        })
        .unwrap();
        let waiting = render(&HeldBackMail {
            email: "ada@distro.example",
            project: "Django",
            why: HeldBack::Waiting,
        })
        .unwrap();
        let too_soon = render(&HeldBackMail {
            email: "ada@distro.example",
            project: "Django",
            why: HeldBack::TooSoon {
                wait: "90 days".into(),
                from: "2027-03-01".into(),
            },
        })
        .unwrap();
        let by_mail = render(&ByMail {
            project: "Django",
            form: "https://security.example.org/p/django/notification-list/apply",
        })
        .unwrap();
        insta::assert_snapshot!(all(&[confirm, waiting, too_soon, by_mail]));
    }

    #[test]
    fn decisions() {
        let decision = |note, verdict| {
            render(&DecisionMail {
                name: "Ada Lovelace",
                email: "ada@distro.example",
                project: "Django",
                note,
                verdict,
            })
            .unwrap()
        };
        insta::assert_snapshot!(all(&[
            decision(
                "",
                Verdict::Approved {
                    group: "Distributions",
                    encrypted: true,
                    revocable: false,
                },
            ),
            decision(
                "Welcome aboard.",
                Verdict::Approved {
                    group: "Distributions",
                    encrypted: false,
                    revocable: true,
                },
            ),
            decision("The list is for distributors of Django.", Verdict::Rejected),
            decision("Which distribution do you package?", Verdict::AskMore),
        ]));
    }

    #[test]
    fn to_the_team() {
        let team = |what| {
            render(&TeamMail {
                project: "Django",
                link: "https://security.example.org/team/projects/django/list/requests/4",
                what,
            })
            .unwrap()
        };
        insta::assert_snapshot!(all(&[
            team(TeamNews::ToReview {
                decide_by: "2026-12-31".into()
            }),
            team(TeamNews::Answered),
            team(TeamNews::Overdue {
                due: "2026-12-31".into()
            }),
        ]));
    }
}
