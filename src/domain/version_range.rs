//! Version ranges in the notations people already type, turned into Embargo's own
//! `introduced..fixed` form (see [`crate::domain::affected`]):
//!
//! | scheme | notation | example | becomes |
//! |---|---|---|---|
//! | pep440 | PEP 440 specifiers, comma-separated | `>=5.2,<5.2.20` | `5.2..5.2.20` |
//! | pep440 | `<=`, `==`, `~=`, `==X.*` | `~=4.2.3` | `4.2.3..4.3.dev0` |
//! | semver | npm / Cargo comparators | `>=1.2.0 <1.4.2`, `>=1.2.0, <1.4.2` | `1.2.0..1.4.2` |
//! | semver | caret, tilde, wildcard, hyphen | `^1.2.3`, `~1.2`, `1.2.x`, `1.0.0 - 1.2.0` | `1.2.3..2.0.0-0`, … |
//! | semver | npm's `\|\|` | `<1.0.5 \|\| >=2.0.0 <2.0.3` | two ranges |
//!
//! An exclusive lower bound (`>5.2`) and an exclusion (`!=`) have no place in an
//! advisory's ranges: they are refused, naming the form to write instead.

use std::str::FromStr;

use super::policy::support::AffectedRange;
use super::policy::{Version, VersionScheme};

/// One entry of a notation: a range, or exactly one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A range of versions.
    Range(AffectedRange),
    /// Exactly this version (`==5.2.3`, `=1.2.3`).
    Exact(Version),
}

/// Whether `text` is written in a comparator notation (rather than Embargo's own form or a
/// bare version).
pub fn is_notation(text: &str) -> bool {
    !text.contains("..")
        && (text.contains(['<', '>', '=', '~', '^', '*', ',', '|', '!'])
            || text.contains(" - ")
            || text.split('.').any(|p| p == "x" || p == "X"))
}

/// Accepted examples for a scheme, for every error message.
pub fn examples(scheme: VersionScheme) -> &'static str {
    match scheme {
        VersionScheme::Pep440 => {
            "accepted forms: `5.2..5.2.20`, `>=5.2,<5.2.20`, `<5.2.20`, `5.2..=5.2.19`, `5.2.3`"
        }
        VersionScheme::Semver => {
            "accepted forms: `1.2.0..1.4.2`, `>=1.2.0 <1.4.2`, `^1.2.0`, `~1.2.3`, `<1.4.2 || >=2.0.0 <2.0.3`, `1.2.3`"
        }
        VersionScheme::Plain => "accepted form: one version per line, such as `2024-03` or `r17`",
    }
}

/// Parse a line in the scheme's notation.
pub fn parse(scheme: VersionScheme, text: &str) -> Result<Vec<Entry>, String> {
    match scheme {
        VersionScheme::Pep440 => pep440(text).map(|e| vec![e]),
        VersionScheme::Semver => text
            .split("||")
            .map(|alt| semver_alternative(alt.trim()))
            .collect(),
        VersionScheme::Plain => Err(
            "the plain version scheme has no order; list affected versions one per line instead of ranges"
                .into(),
        ),
    }
}

/// The bounds collected from the comparators of one range.
#[derive(Default)]
struct Bounds {
    introduced: Option<Version>,
    fixed: Option<Version>,
    last_affected: Option<Version>,
    exact: Option<Version>,
}

impl Bounds {
    fn lower(&mut self, v: Version) {
        if self
            .introduced
            .as_ref()
            .is_none_or(|cur| v.compare(cur) == Some(std::cmp::Ordering::Greater))
        {
            self.introduced = Some(v);
        }
    }

    fn upper_excluded(&mut self, v: Version) {
        let tighter = match (&self.fixed, &self.last_affected) {
            (Some(f), _) => v.compare(f) == Some(std::cmp::Ordering::Less),
            (None, Some(l)) => v.compare(l) != Some(std::cmp::Ordering::Greater),
            (None, None) => true,
        };
        if tighter {
            self.fixed = Some(v);
            self.last_affected = None;
        }
    }

    fn upper_included(&mut self, v: Version) {
        let tighter = match (&self.fixed, &self.last_affected) {
            (Some(f), _) => v.compare(f) == Some(std::cmp::Ordering::Less),
            (None, Some(l)) => v.compare(l) == Some(std::cmp::Ordering::Less),
            (None, None) => true,
        };
        if tighter {
            self.last_affected = Some(v);
            self.fixed = None;
        }
    }

    fn entry(self, text: &str) -> Result<Entry, String> {
        if let Some(v) = self.exact {
            if self.introduced.is_some() || self.fixed.is_some() || self.last_affected.is_some() {
                return Err(format!(
                    "`{text}` names an exact version and a range at once; write one of them"
                ));
            }
            return Ok(Entry::Exact(v));
        }
        if self.introduced.is_none() && self.fixed.is_none() && self.last_affected.is_none() {
            return Err(format!(
                "`{text}` bounds nothing; give a lower or an upper bound"
            ));
        }
        let end = self.fixed.as_ref().or(self.last_affected.as_ref());
        if let (Some(a), Some(b)) = (&self.introduced, end) {
            let order = a.compare(b);
            let empty = if self.fixed.is_some() {
                order != Some(std::cmp::Ordering::Less)
            } else {
                order == Some(std::cmp::Ordering::Greater)
            };
            if empty {
                return Err(format!(
                    "`{text}` contains no version: the lower bound {a} is not below the upper bound {b}"
                ));
            }
        }
        Ok(Entry::Range(AffectedRange {
            introduced: self.introduced,
            fixed: self.fixed,
            last_affected: self.last_affected,
        }))
    }
}

/// A PEP 440 specifier set (`>=5.2,<5.2.20`).
fn pep440(text: &str) -> Result<Entry, String> {
    use pep440_rs::{Operator, VersionSpecifiers};
    let specs = VersionSpecifiers::from_str(text)
        .map_err(|e| format!("`{text}` is not a PEP 440 specifier set ({e})"))?;
    let mut b = Bounds::default();
    // `X.Y.*` and `~=X.Y` end before the next release at that level's first development release.
    let next_dev = |release: &[u64], keep: usize| -> Result<Version, String> {
        let mut numbers: Vec<u64> = release.iter().copied().take(keep.max(1)).collect();
        if let Some(last) = numbers.last_mut() {
            *last = last
                .checked_add(1)
                .ok_or_else(|| format!("`{text}`: a version number is too large"))?;
        }
        Ok(Version::Pep440(
            pep440_rs::Version::new(numbers).with_dev(Some(0)),
        ))
    };
    for spec in specs.iter() {
        let v = spec.version().clone();
        match spec.operator() {
            Operator::GreaterThanEqual => b.lower(Version::Pep440(v)),
            Operator::LessThan => b.upper_excluded(Version::Pep440(v)),
            Operator::LessThanEqual => b.upper_included(Version::Pep440(v)),
            Operator::Equal | Operator::ExactEqual => b.exact = Some(Version::Pep440(v)),
            Operator::EqualStar => {
                let release = v.release().to_vec();
                b.lower(Version::Pep440(
                    pep440_rs::Version::new(release.clone()).with_dev(Some(0)),
                ));
                b.upper_excluded(next_dev(&release, release.len())?);
            }
            Operator::TildeEqual => {
                let release = v.release().to_vec();
                b.lower(Version::Pep440(v));
                b.upper_excluded(next_dev(&release, release.len().saturating_sub(1))?);
            }
            Operator::GreaterThan => {
                return Err(format!(
                    "`{text}`: `>{v}` excludes {v} itself; write `>=` with the first affected version"
                ));
            }
            Operator::NotEqual | Operator::NotEqualStar => {
                return Err(format!(
                    "`{text}`: an exclusion (`!=`) is not a range; split it into two lines around the excluded version"
                ));
            }
        }
    }
    b.entry(text)
}

/// One npm / Cargo alternative: comparators separated by spaces or commas, or a hyphen range.
fn semver_alternative(text: &str) -> Result<Entry, String> {
    if text.is_empty() {
        return Err("an empty alternative around `||`".into());
    }
    let mut b = Bounds::default();
    if let Some((from, to)) = text.split_once(" - ") {
        let from = partial(from.trim(), text)?;
        let to = partial(to.trim(), text)?;
        b.lower(from.floor());
        match to.missing {
            0 => b.upper_included(to.floor()),
            _ => b.upper_excluded(to.next_up(text)?),
        }
        return b.entry(text);
    }
    // Comparators may be written `>= 1.2.0` (npm allows the space): join operator and version.
    let mut tokens: Vec<String> = Vec::new();
    for token in text.split([' ', ',']).filter(|t| !t.is_empty()) {
        match tokens.last_mut() {
            Some(last) if last.chars().all(|c| "<>=~^".contains(c)) => last.push_str(token),
            _ => tokens.push(token.to_owned()),
        }
    }
    for token in &tokens {
        let (op, version) = split_operator(token);
        if version.is_empty() {
            return Err(format!("`{text}`: `{op}` needs a version after it"));
        }
        if version == "*" || version.eq_ignore_ascii_case("x") {
            continue;
        }
        let p = partial(version, text)?;
        match op {
            ">=" => b.lower(p.floor()),
            "<" => b.upper_excluded(p.floor()),
            "<=" if p.missing == 0 => b.upper_included(p.floor()),
            "<=" => b.upper_excluded(p.next_up(text)?),
            "" | "=" if p.missing == 0 => b.exact = Some(p.floor()),
            "" | "=" => {
                b.lower(p.floor());
                b.upper_excluded(p.next_up(text)?);
            }
            "~" => {
                b.lower(p.floor());
                b.upper_excluded(p.bump(if p.missing >= 2 { 0 } else { 1 }, text)?);
            }
            "^" => {
                b.lower(p.floor());
                // The first non-zero number given is the one that may not change.
                let level = p
                    .numbers
                    .iter()
                    .position(|&n| n != 0)
                    .unwrap_or_else(|| p.numbers.len().saturating_sub(1).min(2));
                b.upper_excluded(p.bump(level, text)?);
            }
            ">" => {
                return Err(format!(
                    "`{text}`: `>{version}` excludes {version} itself; write `>=` with the first affected version"
                ));
            }
            other => {
                return Err(format!(
                    "`{text}`: `{other}` is not a comparator (use >=, <, <=, =, ~ or ^)"
                ));
            }
        }
    }
    b.entry(text)
}

/// Split `>=1.2.0` into `>=` and `1.2.0`.
fn split_operator(token: &str) -> (&str, &str) {
    let at = token
        .find(|c: char| !"<>=~^".contains(c))
        .unwrap_or(token.len());
    (&token[..at], token[at..].trim_start_matches('v'))
}

/// A SemVer version that may leave out numbers (`1.2`, `1.x`, `1.2.*`).
struct Partial {
    numbers: Vec<u64>,
    pre: semver::Prerelease,
    /// How many of the three numbers were left out.
    missing: usize,
}

fn partial(text: &str, whole: &str) -> Result<Partial, String> {
    let bad = || {
        format!(
            "`{whole}`: `{text}` is not a SemVer version (three numbers such as 1.4.0, or 1.4 / 1.x for a whole series)"
        )
    };
    if let Ok(v) = semver::Version::parse(text) {
        return Ok(Partial {
            numbers: vec![v.major, v.minor, v.patch],
            pre: v.pre,
            missing: 0,
        });
    }
    let mut numbers = Vec::new();
    for part in text.split('.') {
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        numbers.push(part.parse::<u64>().map_err(|_| bad())?);
    }
    if numbers.is_empty() || numbers.len() > 3 || text.split('.').count() > 3 {
        return Err(bad());
    }
    Ok(Partial {
        missing: 3 - numbers.len(),
        numbers,
        pre: semver::Prerelease::EMPTY,
    })
}

impl Partial {
    fn at(&self, numbers: [u64; 3], pre: semver::Prerelease) -> Version {
        Version::Semver(semver::Version {
            major: numbers[0],
            minor: numbers[1],
            patch: numbers[2],
            pre,
            build: semver::BuildMetadata::EMPTY,
        })
    }

    fn filled(&self) -> [u64; 3] {
        let n = |i: usize| self.numbers.get(i).copied().unwrap_or(0);
        [n(0), n(1), n(2)]
    }

    /// The lowest version it names (`1.2` → `1.2.0`).
    fn floor(&self) -> Version {
        self.at(self.filled(), self.pre.clone())
    }

    /// The first version after everything it names (`1.2` → `1.3.0-0`).
    fn next_up(&self, whole: &str) -> Result<Version, String> {
        self.bump(self.numbers.len().saturating_sub(1), whole)
    }

    /// The first pre-release of the version with number `level` raised by one.
    fn bump(&self, level: usize, whole: &str) -> Result<Version, String> {
        let mut n = self.filled();
        let level = level.min(2);
        n[level] = n[level]
            .checked_add(1)
            .ok_or_else(|| format!("`{whole}`: a version number is too large"))?;
        for later in n.iter_mut().skip(level + 1) {
            *later = 0;
        }
        Ok(self.at(
            n,
            semver::Prerelease::new("0").unwrap_or(semver::Prerelease::EMPTY),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(scheme: VersionScheme, text: &str) -> Vec<String> {
        parse(scheme, text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .into_iter()
            .map(|e| match e {
                Entry::Exact(v) => v.to_string(),
                Entry::Range(r) => {
                    let s = |v: &Option<Version>| v.as_ref().map(ToString::to_string);
                    match s(&r.last_affected) {
                        Some(l) => format!("{}..={l}", s(&r.introduced).unwrap_or_default()),
                        None => format!(
                            "{}..{}",
                            s(&r.introduced).unwrap_or_default(),
                            s(&r.fixed).unwrap_or_default()
                        ),
                    }
                }
            })
            .collect()
    }

    #[test]
    fn pep440_specifiers_become_ranges() {
        let p = VersionScheme::Pep440;
        assert_eq!(show(p, ">=5.2,<5.2.20"), ["5.2..5.2.20"]);
        assert_eq!(show(p, ">= 5.2, < 5.2.20"), ["5.2..5.2.20"]);
        assert_eq!(show(p, "<5.2.20"), ["..5.2.20"]);
        assert_eq!(show(p, ">=4.2,<=4.2.16"), ["4.2..=4.2.16"]);
        assert_eq!(show(p, "==5.2.3"), ["5.2.3"]);
        assert_eq!(show(p, "==5.2.*"), ["5.2.dev0..5.3.dev0"]);
        assert_eq!(show(p, "~=4.2.3"), ["4.2.3..4.3.dev0"]);
        assert_eq!(show(p, ">=6.0"), ["6.0.."]);
        assert_eq!(show(p, ">=5.0,>=5.2,<6.0,<5.2.20"), ["5.2..5.2.20"]);
    }

    #[test]
    fn semver_ranges_become_ranges() {
        let s = VersionScheme::Semver;
        assert_eq!(show(s, ">=1.2.0 <1.4.2"), ["1.2.0..1.4.2"]);
        assert_eq!(show(s, ">= 1.2.0, < 1.4.2"), ["1.2.0..1.4.2"]);
        assert_eq!(show(s, "^1.2.3"), ["1.2.3..2.0.0-0"]);
        assert_eq!(show(s, "^0.2.3"), ["0.2.3..0.3.0-0"]);
        assert_eq!(show(s, "^0.0.3"), ["0.0.3..0.0.4-0"]);
        assert_eq!(show(s, "~1.2.3"), ["1.2.3..1.3.0-0"]);
        assert_eq!(show(s, "~1"), ["1.0.0..2.0.0-0"]);
        assert_eq!(show(s, "1.2.x"), ["1.2.0..1.3.0-0"]);
        assert_eq!(show(s, "=1.2.3"), ["1.2.3"]);
        assert_eq!(show(s, "1.0.0 - 1.2.0"), ["1.0.0..=1.2.0"]);
        assert_eq!(show(s, "1.0 - 1.2"), ["1.0.0..1.3.0-0"]);
        assert_eq!(show(s, "<=1.4"), ["..1.5.0-0"]);
        assert_eq!(
            show(s, "<1.0.5 || >=2.0.0 <2.0.3"),
            ["..1.0.5", "2.0.0..2.0.3"]
        );
    }

    #[test]
    fn what_cannot_be_a_range_is_refused_with_the_way_out() {
        let p = VersionScheme::Pep440;
        let s = VersionScheme::Semver;
        for (scheme, text, want) in [
            (p, ">5.2", "write `>=`"),
            (p, "!=5.2.1", "split it into two lines"),
            (p, ">=5.2.20,<5.2", "contains no version"),
            (p, ">=5.2,==5.2.3", "exact version and a range"),
            (p, ">=5.2,<banana", "not a PEP 440 specifier set"),
            (s, ">1.0.0", "write `>=`"),
            (s, ">=1.2.0 <1.2.0", "contains no version"),
            (s, "*", "bounds nothing"),
            (s, ">=1.2.three", "not a SemVer version"),
            (s, "<1.0.0 ||", "empty alternative"),
            (s, ">=", "needs a version"),
            (s, "<=18446744073709551615", "too large"),
            (s, "<=1.18446744073709551615", "too large"),
            (p, "==18446744073709551615.*", "too large"),
        ] {
            let e = parse(scheme, text).unwrap_err();
            assert!(e.contains(want), "{text}: {e} (want {want})");
        }
        assert!(is_notation(">=5.2,<5.2.20"));
        assert!(is_notation("1.2.x"));
        assert!(!is_notation("5.2..5.2.20"));
        assert!(!is_notation("5.2.3"));
    }
}
