//! What a person may do in a project.
//!
//! Instance administration is a flag on the account; within a project a
//! person holds one [`ProjectRole`]. Case guests (collaborators invited into
//! one case) are not members of the project and get no role here.

use std::fmt;
use std::str::FromStr;

/// A member's role in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    /// A security team member: sees every case of the project and acts on it.
    Team,
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; the project roles are: team")]
pub struct RoleError(String);

impl ProjectRole {
    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
        }
    }
}

impl FromStr for ProjectRole {
    type Err = RoleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "team" => Ok(Self::Team),
            other => Err(RoleError(other.chars().take(40).collect())),
        }
    }
}

impl fmt::Display for ProjectRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(ProjectRole::Team.to_string().parse(), Ok(ProjectRole::Team));
        assert!("owner".parse::<ProjectRole>().is_err());
    }
}
