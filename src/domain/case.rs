//! A case: one private report and everything that follows from it.
//!
//! [`CaseState`] is the lifecycle of PRODUCT.md and [`Action`] what the team (or the
//! scheduler) does to a case. [`CaseState::apply`] is the one place transitions are
//! decided: an action either yields the next state or a [`TransitionError`] that says
//! why not. Services check every change here and audit each one. The table of states
//! and transitions, for people, is `docs/cases.md`; a test keeps it in step with
//! [`TRANSITIONS`].

use std::fmt;
use std::str::FromStr;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    /// Just arrived.
    Received,
    /// The reporter was told it arrived.
    Acknowledged,
    /// Triaged: a vulnerability in a supported version, to be fixed under embargo.
    Accepted,
    /// Triaged: not a vulnerability, out of scope, an unsupported version or documented behaviour.
    Rejected,
    /// Triaged: the same issue as another case.
    Duplicate,
    /// Marked as spam: kept for audit, out of the inbox, never answered.
    Spam,
    /// Triaged: only the development branch or prereleases are hit; fixed in public, no embargo.
    PublicFix,
    /// The private fix is being written and reviewed.
    Fixing,
    /// A disclosure date is set.
    Scheduled,
    /// The public pre-announcement (date and severity only) went out.
    PreAnnounced,
    /// The confidential list received the details.
    PreNotified,
    /// The advisory is public.
    Published,
    /// Nothing more to do.
    Closed,
}

/// What can be done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Acknowledge receipt.
    Acknowledge,
    /// Triage: accept as a vulnerability to fix under embargo.
    Accept,
    /// Triage: reject, with a reason.
    Reject,
    /// Triage: the same issue as another case.
    MarkDuplicate,
    /// Triage: spam.
    MarkSpam,
    /// Triage: fix in public (development branch or prereleases only).
    PublicFix,
    /// Start the private fix.
    StartFix,
    /// Set (or move) the disclosure date.
    Schedule,
    /// Withdraw the disclosure date and go back to fixing.
    Unschedule,
    /// Send the public pre-announcement.
    PreAnnounce,
    /// Send the confidential pre-notification.
    PreNotify,
    /// Publish the advisory.
    Publish,
    /// Close the case.
    Close,
    /// Open a decided or closed case again, for a new triage.
    Reopen,
}

impl Action {
    /// Every action.
    pub const ALL: &'static [Self] = &[
        Self::Acknowledge,
        Self::Accept,
        Self::Reject,
        Self::MarkDuplicate,
        Self::MarkSpam,
        Self::PublicFix,
        Self::StartFix,
        Self::Schedule,
        Self::Unschedule,
        Self::PreAnnounce,
        Self::PreNotify,
        Self::Publish,
        Self::Close,
        Self::Reopen,
    ];

    /// The action's name (API, CLI, audit events).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::MarkDuplicate => "duplicate",
            Self::MarkSpam => "spam",
            Self::PublicFix => "public-fix",
            Self::StartFix => "start-fix",
            Self::Schedule => "schedule",
            Self::Unschedule => "unschedule",
            Self::PreAnnounce => "pre-announce",
            Self::PreNotify => "pre-notify",
            Self::Publish => "publish",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }

    /// The state the action leads to (from a state where it is allowed).
    pub fn target(self) -> CaseState {
        use CaseState as S;
        match self {
            Self::Acknowledge | Self::Reopen => S::Acknowledged,
            Self::Accept => S::Accepted,
            Self::Reject => S::Rejected,
            Self::MarkDuplicate => S::Duplicate,
            Self::MarkSpam => S::Spam,
            Self::PublicFix => S::PublicFix,
            Self::StartFix | Self::Unschedule => S::Fixing,
            Self::Schedule => S::Scheduled,
            Self::PreAnnounce => S::PreAnnounced,
            Self::PreNotify => S::PreNotified,
            Self::Publish => S::Published,
            Self::Close => S::Closed,
        }
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown action `{s}`; use one of: {}", names.join(", "))
            })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every allowed transition: (from, action). The target is [`Action::target`].
pub const TRANSITIONS: &[(CaseState, Action)] = {
    use Action as A;
    use CaseState as S;
    &[
        (S::Received, A::Acknowledge),
        // Triage (a decision also counts as the acknowledgement when none was sent).
        (S::Received, A::Accept),
        (S::Received, A::Reject),
        (S::Received, A::MarkDuplicate),
        (S::Received, A::MarkSpam),
        (S::Received, A::PublicFix),
        (S::Acknowledged, A::Accept),
        (S::Acknowledged, A::Reject),
        (S::Acknowledged, A::MarkDuplicate),
        (S::Acknowledged, A::MarkSpam),
        (S::Acknowledged, A::PublicFix),
        // Further analysis may still turn an accepted case down.
        (S::Accepted, A::Reject),
        (S::Accepted, A::MarkDuplicate),
        (S::Accepted, A::PublicFix),
        (S::Accepted, A::StartFix),
        (S::Fixing, A::Reject),
        (S::Fixing, A::MarkDuplicate),
        // Disclosure.
        (S::Accepted, A::Schedule),
        (S::Fixing, A::Schedule),
        (S::Scheduled, A::Schedule),
        (S::Scheduled, A::Unschedule),
        (S::Scheduled, A::PreAnnounce),
        (S::Scheduled, A::PreNotify),
        (S::Scheduled, A::Publish),
        (S::PreAnnounced, A::Schedule),
        (S::PreAnnounced, A::PreNotify),
        (S::PreAnnounced, A::Publish),
        (S::PreNotified, A::Schedule),
        (S::PreNotified, A::PreAnnounce),
        (S::PreNotified, A::Publish),
        // An upstream case may publish a workaround advisory without a schedule.
        (S::Fixing, A::Publish),
        (S::PublicFix, A::Publish),
        (S::PublicFix, A::Close),
        (S::Published, A::Close),
        // Reopen for a new triage.
        (S::Rejected, A::Reopen),
        (S::Duplicate, A::Reopen),
        (S::Spam, A::Reopen),
        (S::PublicFix, A::Reopen),
        (S::Closed, A::Reopen),
    ]
};

/// A transition that is not allowed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {from} cannot be {verb}: {why}")]
pub struct TransitionError {
    /// Current state.
    pub from: CaseState,
    /// Requested action.
    pub action: Action,
    /// Past participle of the action, for the message.
    pub verb: &'static str,
    /// What would make it possible.
    pub why: String,
}

impl CaseState {
    /// Every state, in lifecycle order.
    pub const ALL: &'static [Self] = &[
        Self::Received,
        Self::Acknowledged,
        Self::Accepted,
        Self::Rejected,
        Self::Duplicate,
        Self::Spam,
        Self::PublicFix,
        Self::Fixing,
        Self::Scheduled,
        Self::PreAnnounced,
        Self::PreNotified,
        Self::Published,
        Self::Closed,
    ];

    /// The state's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Acknowledged => "acknowledged",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
            Self::Spam => "spam",
            Self::PublicFix => "public-fix",
            Self::Fixing => "fixing",
            Self::Scheduled => "scheduled",
            Self::PreAnnounced => "pre-announced",
            Self::PreNotified => "pre-notified",
            Self::Published => "published",
            Self::Closed => "closed",
        }
    }

    /// Still needs the team (shown in the inbox).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Rejected | Self::Duplicate | Self::Spam | Self::Published | Self::Closed
        )
    }

    /// Still under embargo: its details must not be public.
    pub fn is_embargoed(self) -> bool {
        !matches!(self, Self::Published | Self::Closed)
    }

    /// Waiting for the triage decision.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Received | Self::Acknowledged)
    }

    /// What the reporter's page says about it.
    pub fn for_reporter(self) -> &'static str {
        match self {
            // A spam case shows as received: the sender learns nothing.
            Self::Received | Self::Spam => "Received: the security team has your report.",
            Self::Acknowledged => "Acknowledged: the security team is looking at your report.",
            Self::Accepted | Self::Fixing => {
                "Accepted: the team confirmed the vulnerability and is working on a fix."
            }
            Self::Rejected => "Not accepted: see the team's message below for the reason.",
            Self::Duplicate => {
                "Duplicate: the team already knew of this issue; see their message below."
            }
            Self::PublicFix => {
                "Fixed in public: only unreleased code is affected, so the fix is made openly."
            }
            Self::Scheduled | Self::PreAnnounced | Self::PreNotified => {
                "Accepted: a fix is ready and the disclosure date is set."
            }
            Self::Published => "Published: the advisory is public.",
            Self::Closed => "Closed.",
        }
    }

    /// Apply an action: the next state, or why it is not allowed.
    pub fn apply(self, action: Action) -> Result<Self, TransitionError> {
        if TRANSITIONS.contains(&(self, action)) {
            return Ok(self.next(action));
        }
        let allowed: Vec<&str> = TRANSITIONS
            .iter()
            .filter(|(from, _)| *from == self)
            .map(|(_, a)| verb(*a))
            .collect();
        let from_states: Vec<&str> = TRANSITIONS
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(from, _)| from.as_str())
            .collect();
        let why = if allowed.is_empty() {
            format!("nothing can be done to a {self} case")
        } else {
            format!(
                "only a case that is {} can be; this one can now be {}",
                or_list(&from_states),
                or_list(&allowed)
            )
        };
        Err(TransitionError {
            from: self,
            action,
            verb: verb(action),
            why,
        })
    }

    /// The state an allowed action leads to: its target, except that a pre-announcement
    /// sent after the pre-notification leaves the case pre-notified.
    pub fn next(self, action: Action) -> Self {
        if self == Self::PreNotified && action == Action::PreAnnounce {
            Self::PreNotified
        } else {
            action.target()
        }
    }

    /// Check that a case may move to `to` by some action.
    pub fn can_move_to(self, to: Self) -> Result<(), TransitionError> {
        match TRANSITIONS
            .iter()
            .find(|(from, a)| *from == self && from.next(*a) == to)
        {
            Some(_) => Ok(()),
            None => {
                let action = Action::ALL
                    .iter()
                    .copied()
                    .find(|a| a.target() == to)
                    .unwrap_or(Action::Reopen);
                self.apply(action).map(|_| ())
            }
        }
    }
}

/// `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Acknowledge => "acknowledged",
        Action::Accept => "accepted",
        Action::Reject => "rejected",
        Action::MarkDuplicate => "marked as a duplicate",
        Action::MarkSpam => "marked as spam",
        Action::PublicFix => "fixed in public",
        Action::StartFix => "moved to fixing",
        Action::Schedule => "scheduled",
        Action::Unschedule => "unscheduled",
        Action::PreAnnounce => "pre-announced",
        Action::PreNotify => "pre-notified",
        Action::Publish => "published",
        Action::Close => "closed",
        Action::Reopen => "reopened",
    }
}

impl FromStr for CaseState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|st| st.as_str()).collect();
                format!("unknown case state `{s}`; use one of: {}", names.join(", "))
            })
    }
}

impl TryFrom<String> for CaseState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The whole table, written out by hand: every (state, action) pair is either
    /// listed here with its target or refused.
    #[test]
    fn every_transition_allowed_and_refused() {
        use Action as A;
        use CaseState as S;
        let expected: &[(S, A, S)] = &[
            (S::Received, A::Acknowledge, S::Acknowledged),
            (S::Received, A::Accept, S::Accepted),
            (S::Received, A::Reject, S::Rejected),
            (S::Received, A::MarkDuplicate, S::Duplicate),
            (S::Received, A::MarkSpam, S::Spam),
            (S::Received, A::PublicFix, S::PublicFix),
            (S::Acknowledged, A::Accept, S::Accepted),
            (S::Acknowledged, A::Reject, S::Rejected),
            (S::Acknowledged, A::MarkDuplicate, S::Duplicate),
            (S::Acknowledged, A::MarkSpam, S::Spam),
            (S::Acknowledged, A::PublicFix, S::PublicFix),
            (S::Accepted, A::Reject, S::Rejected),
            (S::Accepted, A::MarkDuplicate, S::Duplicate),
            (S::Accepted, A::PublicFix, S::PublicFix),
            (S::Accepted, A::StartFix, S::Fixing),
            (S::Accepted, A::Schedule, S::Scheduled),
            (S::Fixing, A::Reject, S::Rejected),
            (S::Fixing, A::MarkDuplicate, S::Duplicate),
            (S::Fixing, A::Schedule, S::Scheduled),
            (S::Scheduled, A::Schedule, S::Scheduled),
            (S::Scheduled, A::Unschedule, S::Fixing),
            (S::Scheduled, A::PreAnnounce, S::PreAnnounced),
            (S::Scheduled, A::PreNotify, S::PreNotified),
            (S::Scheduled, A::Publish, S::Published),
            (S::PreAnnounced, A::Schedule, S::Scheduled),
            (S::PreAnnounced, A::PreNotify, S::PreNotified),
            (S::PreAnnounced, A::Publish, S::Published),
            (S::PreNotified, A::Schedule, S::Scheduled),
            (S::PreNotified, A::PreAnnounce, S::PreNotified),
            (S::PreNotified, A::Publish, S::Published),
            (S::Fixing, A::Publish, S::Published),
            (S::PublicFix, A::Publish, S::Published),
            (S::PublicFix, A::Close, S::Closed),
            (S::PublicFix, A::Reopen, S::Acknowledged),
            (S::Published, A::Close, S::Closed),
            (S::Rejected, A::Reopen, S::Acknowledged),
            (S::Duplicate, A::Reopen, S::Acknowledged),
            (S::Spam, A::Reopen, S::Acknowledged),
            (S::Closed, A::Reopen, S::Acknowledged),
        ];
        let mut allowed = 0;
        for &from in CaseState::ALL {
            for &action in Action::ALL {
                let want = expected
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (from.apply(action), want) {
                    (Ok(to), Some(w)) => {
                        assert_eq!(to, w, "{from} --{action}-->");
                        allowed += 1;
                    }
                    (Err(e), None) => {
                        assert_eq!(e.from, from);
                        assert!(e.to_string().contains(from.as_str()), "{e}");
                    }
                    (got, want) => panic!("{from} --{action}-->: got {got:?}, want {want:?}"),
                }
            }
        }
        assert_eq!(allowed, expected.len());
        assert_eq!(TRANSITIONS.len(), expected.len());
    }

    /// docs/cases.md lists exactly the transitions of [`TRANSITIONS`].
    #[test]
    fn the_documented_table_is_the_table() {
        let doc = include_str!("../../docs/cases.md");
        let section = doc
            .split("## Transitions")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap_or_default();
        let mut documented: Vec<(String, String, String)> = section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| from"))
            .map(|l| {
                let cells: Vec<String> = l
                    .trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_owned())
                    .collect();
                (cells[0].clone(), cells[1].clone(), cells[2].clone())
            })
            .collect();
        let mut table: Vec<(String, String, String)> = TRANSITIONS
            .iter()
            .map(|(from, a)| {
                (
                    from.as_str().to_owned(),
                    a.as_str().to_owned(),
                    from.next(*a).as_str().to_owned(),
                )
            })
            .collect();
        documented.sort();
        table.sort();
        assert_eq!(documented, table);
    }

    #[test]
    fn refusals_say_what_is_possible() {
        let e = CaseState::Published.apply(Action::Accept).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("a case that is published cannot be accepted"),
            "{text}"
        );
        assert!(
            text.contains("only a case that is received or acknowledged can be"),
            "{text}"
        );
        assert!(text.ends_with("this one can now be closed"), "{text}");
        let e = CaseState::Accepted.apply(Action::Publish).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a case that is accepted cannot be published: only a case that is scheduled, pre-announced, pre-notified, fixing or public-fix can be; this one can now be rejected, marked as a duplicate, fixed in public, moved to fixing or scheduled"
        );
    }

    #[test]
    fn names_round_trip() {
        for &s in CaseState::ALL {
            assert_eq!(s.as_str().parse::<CaseState>(), Ok(s));
        }
        for &a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!(
            "bogus"
                .parse::<CaseState>()
                .unwrap_err()
                .contains("received")
        );
    }

    #[test]
    fn closed_states_leave_the_inbox_and_published_lifts_the_embargo() {
        assert!(CaseState::Received.is_open());
        assert!(!CaseState::Spam.is_open());
        assert!(CaseState::PreNotified.is_embargoed());
        assert!(!CaseState::Published.is_embargoed());
    }

    proptest! {
        /// Random sequences of actions: every step is either a listed transition or
        /// refused leaving the state as it was; every state stays reachable by the table.
        #[test]
        fn random_actions_stay_in_the_machine(actions in proptest::collection::vec(0..Action::ALL.len(), 0..64)) {
            let mut state = CaseState::Received;
            for i in actions {
                let action = Action::ALL[i];
                match state.apply(action) {
                    Ok(next) => {
                        prop_assert!(TRANSITIONS.contains(&(state, action)));
                        prop_assert_eq!(next, state.next(action));
                        state = next;
                    }
                    Err(e) => {
                        prop_assert!(!TRANSITIONS.contains(&(state, action)));
                        prop_assert_eq!(e.from, state);
                    }
                }
                prop_assert!(CaseState::ALL.contains(&state));
            }
        }
    }
}
