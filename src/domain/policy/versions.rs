//! Version schemes: PEP 440 (Python), Semantic Versioning, or plain labels.
//!
//! Ordering comes from `pep440_rs` and `semver`; nothing here compares
//! version strings by hand. A *release series* is named by a version prefix
//! (`"5.2"`, `"3.14"`, `"1"`) and covers every version from the first
//! pre-release of that prefix up to, not including, the first pre-release of
//! the next one — PEP 440 `[5.2.dev0, 5.3.dev0)`, SemVer `[1.4.0-0, 1.5.0-0)`.
//! The plain scheme has no order: series match by prefix and only explicit
//! version lists can be assessed.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// How a project numbers its releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionScheme {
    /// PEP 440, as on PyPI.
    Pep440,
    /// Semantic Versioning 2.0.0.
    Semver,
    /// Free-form labels without an order.
    Plain,
}

/// An unknown scheme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown version scheme `{0}`; use pep440, semver or plain")]
pub struct SchemeError(String);

impl FromStr for VersionScheme {
    type Err = SchemeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pep440" => Ok(Self::Pep440),
            "semver" => Ok(Self::Semver),
            "plain" => Ok(Self::Plain),
            other => Err(SchemeError(other.to_owned())),
        }
    }
}

impl fmt::Display for VersionScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pep440 => "pep440",
            Self::Semver => "semver",
            Self::Plain => "plain",
        })
    }
}

/// A version in one scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// PEP 440.
    Pep440(pep440_rs::Version),
    /// SemVer.
    Semver(semver::Version),
    /// A plain label.
    Plain(String),
}

/// A version or series that does not fit its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not a version in this scheme.
    #[error("`{text}` is not a {scheme} version{hint}")]
    Invalid {
        /// What was given.
        text: String,
        /// The scheme.
        scheme: VersionScheme,
        /// How to fix it.
        hint: &'static str,
    },
    /// Not a series name in this scheme.
    #[error(
        "`{0}` is not a release series; name it by its leading version numbers, such as \"5.2\" or \"3\""
    )]
    Series(String),
    /// The scheme has no order, so ranges cannot be assessed.
    #[error(
        "the plain version scheme has no order; list affected versions explicitly instead of ranges"
    )]
    Unordered,
}

impl VersionScheme {
    /// Parse a version in this scheme.
    pub fn parse(self, text: &str) -> Result<Version, VersionError> {
        let text = text.trim();
        match self {
            Self::Pep440 => pep440_rs::Version::from_str(text)
                .map(Version::Pep440)
                .map_err(|_| VersionError::Invalid {
                    text: text.to_owned(),
                    scheme: self,
                    hint: " (PEP 440 versions look like 5.2, 5.2.3, 6.0a1, 6.0rc2, 5.2.post1)",
                }),
            Self::Semver => semver::Version::parse(text)
                .map(Version::Semver)
                .map_err(|_| VersionError::Invalid {
                    text: text.to_owned(),
                    scheme: self,
                    hint: " (SemVer versions have three numbers, such as 1.4.0 or 2.0.0-rc.1)",
                }),
            Self::Plain if text.is_empty() => Err(VersionError::Invalid {
                text: String::new(),
                scheme: self,
                hint: " (it is empty)",
            }),
            Self::Plain => Ok(Version::Plain(text.to_owned())),
        }
    }

    fn series_numbers(series: &str) -> Result<Vec<u64>, VersionError> {
        let numbers: Result<Vec<u64>, _> =
            series.trim().split('.').map(str::parse::<u64>).collect();
        match numbers {
            Ok(n) if !n.is_empty() && n.len() <= 3 => Ok(n),
            _ => Err(VersionError::Series(series.to_owned())),
        }
    }

    /// Check that `series` names a release series in this scheme.
    pub fn check_series(self, series: &str) -> Result<(), VersionError> {
        match self {
            Self::Plain if series.trim().is_empty() => Err(VersionError::Series(series.to_owned())),
            Self::Plain => Ok(()),
            _ => Self::series_numbers(series).map(|_| ()),
        }
    }

    /// The series' bounds: its first possible version (a pre-release), its
    /// final release (`5.2` / `5.2.0`), and the first version of the next series.
    pub fn series_bounds(self, series: &str) -> Result<SeriesBounds, VersionError> {
        let numbers = match self {
            Self::Plain => return Err(VersionError::Unordered),
            _ => Self::series_numbers(series)?,
        };
        let mut next = numbers.clone();
        if let Some(last) = next.last_mut() {
            *last += 1;
        }
        match self {
            Self::Pep440 => {
                let lo = pep440_rs::Version::new(numbers.iter().copied()).with_dev(Some(0));
                let release = pep440_rs::Version::new(numbers.iter().copied());
                let hi = pep440_rs::Version::new(next.iter().copied()).with_dev(Some(0));
                Ok(SeriesBounds {
                    first: Version::Pep440(lo),
                    release: Version::Pep440(release),
                    next: Version::Pep440(hi),
                })
            }
            Self::Semver => {
                let triple = |n: &[u64]| {
                    (
                        n.first().copied().unwrap_or(0),
                        n.get(1).copied().unwrap_or(0),
                        n.get(2).copied().unwrap_or(0),
                    )
                };
                let (a, b, c) = triple(&numbers);
                let (x, y, z) = triple(&next);
                let earliest = |a, b, c| semver::Version {
                    major: a,
                    minor: b,
                    patch: c,
                    pre: semver::Prerelease::new("0").unwrap_or_default(),
                    build: semver::BuildMetadata::EMPTY,
                };
                Ok(SeriesBounds {
                    first: Version::Semver(earliest(a, b, c)),
                    release: Version::Semver(semver::Version::new(a, b, c)),
                    next: Version::Semver(earliest(x, y, z)),
                })
            }
            Self::Plain => Err(VersionError::Unordered),
        }
    }
}

/// Where a release series begins and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesBounds {
    /// The lowest version in the series (its first possible pre-release).
    pub first: Version,
    /// The series' first final release.
    pub release: Version,
    /// The lowest version of the next series (excluded).
    pub next: Version,
}

impl SeriesBounds {
    /// Whether `v` lies in the series.
    pub fn contains(&self, v: &Version) -> bool {
        matches!(
            v.compare(&self.first),
            Some(Ordering::Equal | Ordering::Greater)
        ) && matches!(v.compare(&self.next), Some(Ordering::Less))
    }
}

impl Version {
    /// Order two versions of the same ordered scheme; `None` for plain labels or mixed schemes.
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Self::Pep440(a), Self::Pep440(b)) => Some(a.cmp(b)),
            (Self::Semver(a), Self::Semver(b)) => Some(a.cmp_precedence(b)),
            _ => None,
        }
    }

    /// Whether this is a pre-release (alpha, beta, candidate, or development release).
    pub fn is_prerelease(&self) -> bool {
        match self {
            Self::Pep440(v) => v.any_prerelease(),
            Self::Semver(v) => !v.pre.is_empty(),
            Self::Plain(_) => false,
        }
    }

    /// Whether a plain label belongs to `series` (equal, or `series.` followed by more).
    pub fn plain_in_series(&self, series: &str) -> bool {
        match self {
            Self::Plain(label) => {
                label == series
                    || label
                        .strip_prefix(series)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            _ => false,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pep440(v) => write!(f, "{v}"),
            Self::Semver(v) => write!(f, "{v}"),
            Self::Plain(v) => f.write_str(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(scheme: VersionScheme, s: &str) -> Version {
        scheme.parse(s).unwrap()
    }

    #[test]
    fn pep440_order_and_series() {
        let p = VersionScheme::Pep440;
        assert_eq!(v(p, "6.0a1").compare(&v(p, "6.0")), Some(Ordering::Less));
        assert_eq!(
            v(p, "5.2.10").compare(&v(p, "5.2.9")),
            Some(Ordering::Greater)
        );
        let b = p.series_bounds("5.2").unwrap();
        for inside in ["5.2.dev0", "5.2a1", "5.2", "5.2.0", "5.2.17", "5.2.post1"] {
            assert!(b.contains(&v(p, inside)), "{inside}");
        }
        for outside in ["5.1.9", "5.3a1", "5.3", "6.0"] {
            assert!(!b.contains(&v(p, outside)), "{outside}");
        }
        assert!(v(p, "6.0rc1").is_prerelease() && !v(p, "6.0").is_prerelease());
    }

    #[test]
    fn semver_order_and_series() {
        let s = VersionScheme::Semver;
        let b = s.series_bounds("1.4").unwrap();
        assert!(b.contains(&v(s, "1.4.0-rc.1")) && b.contains(&v(s, "1.4.9")));
        assert!(!b.contains(&v(s, "1.5.0-alpha")) && !b.contains(&v(s, "1.3.99")));
        assert!(s.parse("1.4").is_err());
    }

    #[test]
    fn plain_has_no_order() {
        let p = VersionScheme::Plain;
        assert_eq!(v(p, "a").compare(&v(p, "b")), None);
        assert!(v(p, "2024.1.3").plain_in_series("2024.1"));
        assert!(!v(p, "2024.10").plain_in_series("2024.1"));
        assert_eq!(p.series_bounds("x"), Err(VersionError::Unordered));
    }

    proptest! {
        #[test]
        fn pep440_round_trips(a in 0u64..100, b in 0u64..100, c in 0u64..100, pre in proptest::option::of(0u64..9)) {
            let text = match pre { Some(n) => format!("{a}.{b}.{c}rc{n}"), None => format!("{a}.{b}.{c}") };
            let parsed = VersionScheme::Pep440.parse(&text).unwrap();
            prop_assert_eq!(VersionScheme::Pep440.parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn semver_round_trips(a in 0u64..100, b in 0u64..100, c in 0u64..100) {
            let parsed = VersionScheme::Semver.parse(&format!("{a}.{b}.{c}")).unwrap();
            prop_assert_eq!(VersionScheme::Semver.parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn parsers_never_panic(text in ".*") {
            for scheme in [VersionScheme::Pep440, VersionScheme::Semver, VersionScheme::Plain] {
                let _ = scheme.parse(&text);
                let _ = scheme.series_bounds(&text);
            }
        }
    }
}
