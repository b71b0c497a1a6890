//! A case's affected versions, as the team writes them: one entry per line, in the
//! project's version scheme.
//!
//! | line | means |
//! |---|---|
//! | `2.0.0..2.1.3` | introduced in 2.0.0, fixed in 2.1.3 |
//! | `..2.1.3` | every version before 2.1.3 |
//! | `2.0.0..` | introduced in 2.0.0, not fixed yet |
//! | `2.0.0..=2.1.2` | introduced in 2.0.0, 2.1.2 is the last affected |
//! | `2.1.0` | exactly this version |
//!
//! A line may also be written in the notation of the project's ecosystem — PEP 440
//! specifiers (`>=5.2,<5.2.20`) or npm / Cargo ranges (`^1.2.3`, `>=1.2.0 <1.4.2`); see
//! [`crate::domain::version_range`]. It is stored in the form above.
//!
//! [`parse`] reports the first bad line with its number, the fix, and accepted examples.
//! [`crate::domain::policy::support::assess`] turns them into the affected
//! *supported* series on a date.

use super::policy::support::AffectedRange;
use super::policy::{Version, VersionScheme};
use super::version_range;

/// Parsed affected versions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Affected {
    /// Ranges.
    pub ranges: Vec<AffectedRange>,
    /// Explicit versions.
    pub versions: Vec<Version>,
    /// The lines, normalised (what is stored and shown).
    pub lines: Vec<String>,
}

/// Parse the team's lines (blank lines and `#` comments ignored; at most 200 entries).
/// Every error ends with the scheme's accepted forms.
pub fn parse(scheme: VersionScheme, text: &str) -> Result<Affected, String> {
    parse_lines(scheme, text).map_err(|e| format!("{e}; {}", version_range::examples(scheme)))
}

/// Put a range in its stored form.
fn line_of(r: &AffectedRange) -> String {
    let show = |v: &Option<Version>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    match &r.last_affected {
        Some(l) => format!("{}..={l}", show(&r.introduced)),
        None => format!("{}..{}", show(&r.introduced), show(&r.fixed)),
    }
}

fn parse_lines(scheme: VersionScheme, text: &str) -> Result<Affected, String> {
    let mut out = Affected::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if out.lines.len() >= 200 {
            return Err("more than 200 affected entries; group them into ranges".into());
        }
        let n = i + 1;
        let version = |t: &str| {
            scheme
                .parse(t)
                .map_err(|e| format!("line {n} (`{line}`): {e}"))
        };
        if scheme != VersionScheme::Plain && version_range::is_notation(line) {
            for entry in version_range::parse(scheme, line).map_err(|e| format!("line {n}: {e}"))? {
                if out.lines.len() >= 200 {
                    return Err("more than 200 affected entries; group them into ranges".into());
                }
                match entry {
                    version_range::Entry::Range(r) => {
                        out.lines.push(line_of(&r));
                        out.ranges.push(r);
                    }
                    version_range::Entry::Exact(v) => {
                        out.lines.push(v.to_string());
                        out.versions.push(v);
                    }
                }
            }
            continue;
        }
        match line.split_once("..") {
            Some((from, to)) => {
                if scheme == VersionScheme::Plain {
                    return Err(format!(
                        "line {n} (`{line}`): the plain version scheme has no order; list affected versions one per line instead of ranges"
                    ));
                }
                let introduced = match from.trim() {
                    "" => None,
                    t => Some(version(t)?),
                };
                let (fixed, last_affected) = match to.trim().strip_prefix('=') {
                    Some(t) if !t.trim().is_empty() => (None, Some(version(t)?)),
                    Some(_) => {
                        return Err(format!(
                            "line {n} (`{line}`): `..=` needs the last affected version after it"
                        ));
                    }
                    None => match to.trim() {
                        "" => (None, None),
                        t => (Some(version(t)?), None),
                    },
                };
                if introduced.is_none() && fixed.is_none() && last_affected.is_none() {
                    return Err(format!(
                        "line {n}: `..` alone says nothing; write introduced..fixed, ..fixed or introduced.."
                    ));
                }
                let end = fixed.as_ref().or(last_affected.as_ref());
                if let (Some(a), Some(b)) = (&introduced, end)
                    && matches!(a.compare(b), Some(std::cmp::Ordering::Greater))
                {
                    return Err(format!(
                        "line {n} (`{line}`): {a} comes after {b}; write the earlier version first"
                    ));
                }
                let range = AffectedRange {
                    introduced,
                    fixed,
                    last_affected,
                };
                out.lines.push(line_of(&range));
                out.ranges.push(range);
            }
            None => {
                let v = version(line)?;
                out.lines.push(v.to_string());
                out.versions.push(v);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_ranges_and_versions() {
        let a = parse(
            VersionScheme::Semver,
            "# from the report\n2.0.0..2.1.3\n..1.9.9\n3.0.0-rc.1..\n2.2.0..=2.2.4\n\n2.5.0\n",
        )
        .unwrap();
        assert_eq!(a.ranges.len(), 4);
        assert_eq!(a.versions.len(), 1);
        assert_eq!(
            a.lines,
            vec![
                "2.0.0..2.1.3",
                "..1.9.9",
                "3.0.0-rc.1..",
                "2.2.0..=2.2.4",
                "2.5.0"
            ]
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse(VersionScheme::Semver, "2.0.0..2.1.3\n2.x..3.0.0").unwrap_err();
        assert!(e.starts_with("line 2 (`2.x..3.0.0`)"), "{e}");
        let e = parse(VersionScheme::Semver, "3.0.0..2.0.0").unwrap_err();
        assert!(e.contains("3.0.0 comes after 2.0.0"), "{e}");
        let e = parse(VersionScheme::Plain, "a..b").unwrap_err();
        assert!(e.contains("no order"), "{e}");
        let e = parse(VersionScheme::Pep440, "..").unwrap_err();
        assert!(e.contains("says nothing"), "{e}");
        assert!(parse(VersionScheme::Pep440, "5.2..5.2.3\n6.0a1").is_ok());
        // #19 item 8: every error names an accepted form.
        let e = parse(VersionScheme::Pep440, "5.2.x").unwrap_err();
        assert!(
            e.contains("`5.2..5.2.20`") && e.contains(">=5.2,<5.2.20"),
            "{e}"
        );
        let e = parse(VersionScheme::Semver, ">1.0.0").unwrap_err();
        assert!(e.contains("`^1.2.0`"), "{e}");
    }

    #[test]
    fn alternatives_count_against_the_entry_limit() {
        let many = vec!["<1.0.0"; 201].join(" || ");
        let e = parse(VersionScheme::Semver, &many).unwrap_err();
        assert!(e.contains("more than 200"), "{e}");
        // A plain label may hold any characters: it is never read as a range notation.
        let a = parse(VersionScheme::Plain, "build>=7, r2 ~ final").unwrap();
        assert_eq!(a.lines, vec!["build>=7, r2 ~ final"]);
    }

    #[test]
    fn ecosystem_notation_is_stored_in_the_own_form() {
        let a = parse(
            VersionScheme::Pep440,
            ">=5.2,<5.2.20\n>=4.2, <=4.2.16\n==6.0.1",
        )
        .unwrap();
        assert_eq!(a.lines, vec!["5.2..5.2.20", "4.2..=4.2.16", "6.0.1"]);
        assert_eq!((a.ranges.len(), a.versions.len()), (2, 1));
        let a = parse(VersionScheme::Semver, "^1.2.3\n<1.0.5 || >=2.0.0 <2.0.3").unwrap();
        assert_eq!(a.lines, vec!["1.2.3..2.0.0-0", "..1.0.5", "2.0.0..2.0.3"]);
    }
}
