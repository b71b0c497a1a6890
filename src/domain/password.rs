//! The rule a new password must meet before it is hashed.
//!
//! Following NIST SP 800-63B §5.1.1.2: a minimum length, a generous maximum,
//! no composition rules. The text is never logged: [`NewPassword`]'s `Debug`
//! prints a placeholder.

use std::fmt;

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// Most bytes a password may have (argon2 hashes anything, but a bound stops abuse).
pub const MAX_BYTES: usize = 1024;

/// A password that meets the length rule, not yet hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_CHARS`].
    #[error("the password is too short: use at least {MIN_CHARS} characters")]
    TooShort,
    /// Longer than [`MAX_BYTES`].
    #[error("the password is too long: use at most {MAX_BYTES} bytes")]
    TooLong,
}

impl NewPassword {
    /// Check `text` against the rule.
    pub fn new(text: String) -> Result<Self, PasswordError> {
        if text.chars().count() < MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if text.len() > MAX_BYTES {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(text))
        }
    }

    /// The password text, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rule() {
        assert_eq!(
            NewPassword::new("short".into()),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            NewPassword::new("x".repeat(2000)),
            Err(PasswordError::TooLong)
        );
        let ok = NewPassword::new("correct horse battery".into()).unwrap();
        assert_eq!(format!("{ok:?}"), "NewPassword(<redacted>)");
    }
}
