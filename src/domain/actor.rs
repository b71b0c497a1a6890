//! Who caused a change: the "who" of every audit event.

use std::fmt;

/// The author of a state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person (web UI) or the owner of an API token.
    User {
        /// The account's id.
        id: i64,
        /// The account's address at the time, kept so the trail reads on its own.
        email: String,
    },
    /// The operator at the command line (`embargo …` on the server).
    Cli,
    /// Embargo itself (scheduler, demo set-up, mail worker).
    System,
    /// Someone not signed in (a failed login names the attempted account here).
    Anonymous,
    /// A collaborator of one case, through their link (the id of the invitation).
    Guest(i64),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User { id, email } => write!(f, "user:{id}:{email}"),
            Self::Cli => f.write_str("cli"),
            Self::System => f.write_str("system"),
            Self::Anonymous => f.write_str("anonymous"),
            Self::Guest(id) => write!(f, "guest:{id}"),
        }
    }
}
