//! Project slugs: the short name in every project URL (`/p/{slug}/`).
//!
//! A slug is 1–63 characters of lower-case ASCII letters, digits and single
//! hyphens, starting and ending with a letter or digit, so it is safe in a
//! URL path, a mail header and a file name without escaping.

use std::fmt;
use std::str::FromStr;

/// A validated project slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ProjectSlug(String);

/// Why a slug was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a valid project slug: use 1 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit (for example `django` or `pylons-project`)"
)]
pub struct SlugError(String);

impl ProjectSlug {
    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProjectSlug {
    type Err = SlugError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ok = (1..=63).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--");
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            let shown: String = text.chars().take(80).collect();
            Err(SlugError(shown))
        }
    }
}

impl fmt::Display for ProjectSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert!("django".parse::<ProjectSlug>().is_ok());
        assert!("pylons-project2".parse::<ProjectSlug>().is_ok());
        for bad in [
            "",
            "Django",
            "-x",
            "x-",
            "a--b",
            "a b",
            "a/b",
            &"a".repeat(64),
        ] {
            assert!(bad.parse::<ProjectSlug>().is_err(), "{bad} accepted");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(text in "[a-z0-9]([a-z0-9]|-[a-z0-9]){0,30}") {
            let slug: ProjectSlug = text.parse().unwrap();
            prop_assert_eq!(slug.to_string().parse::<ProjectSlug>().unwrap(), slug);
        }

        #[test]
        fn never_panics(text in ".*") {
            let _ = text.parse::<ProjectSlug>();
        }
    }
}
