//! A case: one private report and everything that follows from it.
//!
//! [`CaseState`] lists the whole lifecycle (PRODUCT.md); [`CaseState::can_move_to`]
//! holds the transitions built so far. Every transition is checked here and
//! audited by the service that makes it.

use std::fmt;
use std::str::FromStr;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    /// Just arrived.
    Received,
    /// The reporter was told it arrived.
    Acknowledged,
    /// Marked as spam: kept for audit, out of the inbox, never answered.
    Spam,
}

/// A transition that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {from} cannot become {to}")]
pub struct TransitionError {
    /// Current state.
    pub from: CaseState,
    /// Requested state.
    pub to: CaseState,
}

impl CaseState {
    /// The state's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Acknowledged => "acknowledged",
            Self::Spam => "spam",
        }
    }

    /// What the reporter's page says about it.
    pub fn for_reporter(self) -> &'static str {
        match self {
            Self::Received => "Received: the security team has your report.",
            Self::Acknowledged => "Acknowledged: the security team is looking at your report.",
            // A spam case shows as received: the sender learns nothing.
            Self::Spam => "Received: the security team has your report.",
        }
    }

    /// Check a transition.
    pub fn can_move_to(self, to: Self) -> Result<(), TransitionError> {
        let ok = matches!(
            (self, to),
            (Self::Received, Self::Acknowledged)
                | (Self::Received | Self::Acknowledged, Self::Spam)
        );
        if ok {
            Ok(())
        } else {
            Err(TransitionError { from: self, to })
        }
    }
}

impl FromStr for CaseState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "received" => Ok(Self::Received),
            "acknowledged" => Ok(Self::Acknowledged),
            "spam" => Ok(Self::Spam),
            other => Err(format!("unknown case state `{other}`")),
        }
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

    #[test]
    fn transitions() {
        assert!(
            CaseState::Received
                .can_move_to(CaseState::Acknowledged)
                .is_ok()
        );
        assert!(
            CaseState::Acknowledged
                .can_move_to(CaseState::Received)
                .is_err()
        );
        assert!(
            CaseState::Spam
                .can_move_to(CaseState::Acknowledged)
                .is_err()
        );
        assert_eq!(
            CaseState::Received.to_string().parse(),
            Ok(CaseState::Received)
        );
    }
}
