//! Which release series are supported on a given date, and which supported
//! versions an issue affects.
//!
//! A series' status on a date comes from its dates: not yet released →
//! its stated status (development or prerelease); past `end` → end of life;
//! LTS → lts; past `bugfix_until` → security; else bugfix. A support rule
//! (Django: development + the 2 most recent series + LTS) then decides which
//! released series stay supported: the N highest versions among the released,
//! unexpired series, plus LTS series before their end.

use super::versions::{SeriesBounds, Version, VersionError};
use super::{PublicFixCase, SeriesStatus, Versions};
use jiff::civil::Date;
use std::cmp::Ordering;

/// A series as it stands on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesOnDate {
    /// Version prefix.
    pub name: String,
    /// Status on that date.
    pub status: SeriesStatus,
    /// Whether it receives security fixes.
    pub supported: bool,
    /// When support ends, if known.
    pub end: Option<Date>,
    /// Why, in a few words ("one of the 2 most recent series").
    pub reason: String,
}

/// Every series' status on `date`, highest version first (development first).
pub fn series_on(v: &Versions, date: Date) -> Vec<SeriesOnDate> {
    let mut out: Vec<SeriesOnDate> = v
        .series
        .iter()
        .map(|s| {
            let released = s.released.is_some_and(|r| r <= date);
            let (status, reason) = if !released {
                match s.status {
                    Some(SeriesStatus::Prerelease) => {
                        (SeriesStatus::Prerelease, "in pre-release".to_owned())
                    }
                    Some(SeriesStatus::EndOfLife) => {
                        (SeriesStatus::EndOfLife, "marked end of life".to_owned())
                    }
                    _ => (
                        SeriesStatus::Development,
                        "the development branch".to_owned(),
                    ),
                }
            } else if s.status == Some(SeriesStatus::EndOfLife) || s.end.is_some_and(|e| e < date) {
                (
                    SeriesStatus::EndOfLife,
                    s.end
                        .map(|e| format!("support ended {e}"))
                        .unwrap_or_else(|| "marked end of life".into()),
                )
            } else if s.lts || s.status == Some(SeriesStatus::Lts) {
                (
                    SeriesStatus::Lts,
                    s.end
                        .map(|e| format!("long-term support until {e}"))
                        .unwrap_or_else(|| "long-term support".into()),
                )
            } else if s.status == Some(SeriesStatus::Security)
                || s.bugfix_until.is_some_and(|b| b < date)
            {
                (
                    SeriesStatus::Security,
                    s.end
                        .map(|e| format!("security fixes until {e}"))
                        .unwrap_or_else(|| "security fixes only".into()),
                )
            } else {
                (SeriesStatus::Bugfix, "bug and security fixes".to_owned())
            };
            let supported = match status {
                SeriesStatus::Development => v.rule.as_ref().is_none_or(|r| r.development),
                SeriesStatus::Prerelease | SeriesStatus::EndOfLife => false,
                SeriesStatus::Bugfix | SeriesStatus::Security | SeriesStatus::Lts => true,
            };
            SeriesOnDate {
                name: s.name.clone(),
                status,
                supported,
                end: s.end,
                reason,
            }
        })
        .collect();

    // Highest version first; unordered (plain) names keep file order.
    out.sort_by(|a, b| compare_series(v, &b.name, &a.name));

    if let Some(rule) = &v.rule {
        let mut recent = 0u32;
        for s in out.iter_mut() {
            match s.status {
                SeriesStatus::Bugfix | SeriesStatus::Security | SeriesStatus::Lts => {
                    let is_lts = s.status == SeriesStatus::Lts;
                    if recent < rule.recent_series {
                        recent += 1;
                        s.supported = true;
                        s.reason = format!(
                            "one of the {} most recent release series",
                            rule.recent_series
                        );
                    } else if is_lts && rule.lts {
                        s.supported = true;
                    } else {
                        s.supported = false;
                        s.status = SeriesStatus::EndOfLife;
                        s.reason = format!(
                            "superseded: not among the {} most recent series",
                            rule.recent_series
                        );
                    }
                }
                SeriesStatus::Development | SeriesStatus::Prerelease | SeriesStatus::EndOfLife => {}
            }
        }
    }
    out
}

fn compare_series(v: &Versions, a: &str, b: &str) -> Ordering {
    match (v.scheme.series_bounds(a), v.scheme.series_bounds(b)) {
        (Ok(x), Ok(y)) => x.first.compare(&y.first).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

/// One affected range, OSV-style: introduced (inclusive) up to fixed (exclusive) or last_affected (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AffectedRange {
    /// First affected version; `None` means from the beginning.
    pub introduced: Option<Version>,
    /// First version with the fix.
    pub fixed: Option<Version>,
    /// Last affected version, when no fixed version exists yet.
    pub last_affected: Option<Version>,
}

/// An affected supported series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedSeries {
    /// Version prefix.
    pub series: String,
    /// Status on the date.
    pub status: SeriesStatus,
    /// The fixed version inside this series, if the ranges name one.
    pub fixed_in: Option<String>,
}

/// What an issue's affected versions mean under the policy on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Affected series that are supported (the only ones an advisory lists).
    pub supported: Vec<AffectedSeries>,
    /// Affected series that are not supported (named for the record, not investigated).
    pub unsupported: Vec<String>,
    /// Only the development branch is affected.
    pub development_only: bool,
    /// No final release is affected: only pre-releases (possibly with the development branch).
    pub prerelease_only: bool,
    /// The policy fixes such an issue in public, without embargo.
    pub public_fix: bool,
}

fn at_least(v: &Version, bound: &Version) -> bool {
    matches!(v.compare(bound), Some(Ordering::Greater | Ordering::Equal))
}

fn below(v: &Version, bound: &Version) -> bool {
    matches!(v.compare(bound), Some(Ordering::Less))
}

/// Whether `range` touches the series, and whether only its pre-releases.
fn touches(range: &AffectedRange, b: &SeriesBounds) -> (bool, bool) {
    let starts_before_end = range.introduced.as_ref().is_none_or(|i| below(i, &b.next));
    let ends_after_start = match (&range.fixed, &range.last_affected) {
        (Some(f), _) => !matches!(f.compare(&b.first), Some(Ordering::Less | Ordering::Equal)),
        (None, Some(l)) => at_least(l, &b.first),
        (None, None) => true,
    };
    let hit = starts_before_end && ends_after_start;
    let only_pre = hit
        && range
            .introduced
            .as_ref()
            .is_some_and(|i| at_least(i, &b.first))
        && match (&range.fixed, &range.last_affected) {
            (Some(f), _) => !matches!(f.compare(&b.release), Some(Ordering::Greater)),
            (None, Some(l)) => below(l, &b.release),
            (None, None) => false,
        };
    (hit, only_pre)
}

/// Assess affected `ranges` and explicit `versions` against the policy on `date`.
pub fn assess(
    v: &Versions,
    date: Date,
    ranges: &[AffectedRange],
    versions: &[Version],
) -> Result<Assessment, VersionError> {
    let on_date = series_on(v, date);
    let mut supported = Vec::new();
    let mut unsupported = Vec::new();
    let mut statuses = Vec::new();
    let mut all_pre = true;
    for s in &on_date {
        let (hit, only_pre, fixed_in) = if v.scheme == super::VersionScheme::Plain {
            if !ranges.is_empty() {
                return Err(VersionError::Unordered);
            }
            (
                versions.iter().any(|x| x.plain_in_series(&s.name)),
                false,
                None,
            )
        } else {
            let b = v.scheme.series_bounds(&s.name)?;
            let mut hit = false;
            let mut only_pre = true;
            let mut fixed_in = None;
            for range in ranges {
                let (h, p) = touches(range, &b);
                if h {
                    hit = true;
                    only_pre &= p;
                    if let Some(f) = range.fixed.as_ref().filter(|f| b.contains(f)) {
                        fixed_in = Some(f.to_string());
                    }
                }
            }
            for x in versions.iter().filter(|x| b.contains(x)) {
                hit = true;
                only_pre &= x.is_prerelease();
            }
            (hit, hit && only_pre, fixed_in)
        };
        if !hit {
            continue;
        }
        statuses.push(s.status);
        all_pre &= only_pre
            || matches!(
                s.status,
                SeriesStatus::Prerelease | SeriesStatus::Development
            );
        if s.supported {
            supported.push(AffectedSeries {
                series: s.name.clone(),
                status: s.status,
                fixed_in,
            });
        } else {
            unsupported.push(s.name.clone());
        }
    }
    let any = !statuses.is_empty();
    let development_only = any && statuses.iter().all(|s| *s == SeriesStatus::Development);
    let prerelease_only = any && !development_only && all_pre;
    let public_fix = (development_only && v.public_fix.contains(&PublicFixCase::DevelopmentBranch))
        || (prerelease_only && v.public_fix.contains(&PublicFixCase::Prerelease));
    Ok(Assessment {
        supported,
        unsupported,
        development_only,
        prerelease_only,
        public_fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{Policy, VersionScheme};

    fn example(name: &str) -> Policy {
        let src = std::fs::read_to_string(format!(
            "{}/examples/policies/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        Policy::parse(&src).unwrap()
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn pep(s: &str) -> Version {
        VersionScheme::Pep440.parse(s).unwrap()
    }

    #[test]
    fn django_support_on_2026_11_22() {
        let p = example("django");
        let on = series_on(&p.versions, date("2026-11-22"));
        let supported: Vec<&str> = on
            .iter()
            .filter(|s| s.supported)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(supported, ["6.2", "6.1", "6.0", "5.2"]);
        let status = |n: &str| on.iter().find(|s| s.name == n).unwrap().status;
        assert_eq!(status("6.2"), SeriesStatus::Development);
        assert_eq!(status("5.2"), SeriesStatus::Lts);
        assert_eq!(status("4.2"), SeriesStatus::EndOfLife);
        assert_eq!(status("5.1"), SeriesStatus::EndOfLife);
        // In January 2026 (6.1 unreleased), the two most recent series were 6.0 and 5.2,
        // so 5.1 was already out of support, while 4.2 LTS was still supported.
        let earlier = series_on(&p.versions, date("2026-01-15"));
        let supported: Vec<&str> = earlier
            .iter()
            .filter(|s| s.supported)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(supported, ["6.2", "6.1", "6.0", "5.2", "4.2"]);
    }

    #[test]
    fn cpython_statuses_follow_dates() {
        let p = example("cpython");
        let on = series_on(&p.versions, date("2026-11-22"));
        let status = |n: &str| on.iter().find(|s| s.name == n).unwrap().status;
        assert_eq!(status("3.16"), SeriesStatus::Development);
        assert_eq!(status("3.14"), SeriesStatus::Bugfix);
        assert_eq!(status("3.13"), SeriesStatus::Security);
        assert_eq!(status("3.10"), SeriesStatus::EndOfLife);
    }

    #[test]
    fn affected_supported_versions_only() {
        let p = example("django");
        let range = AffectedRange {
            introduced: Some(pep("4.2")),
            fixed: Some(pep("6.1.3")),
            last_affected: None,
        };
        let a = assess(&p.versions, date("2026-11-22"), &[range], &[]).unwrap();
        let names: Vec<&str> = a.supported.iter().map(|s| s.series.as_str()).collect();
        assert_eq!(names, ["6.1", "6.0", "5.2"]);
        assert_eq!(a.supported[0].fixed_in.as_deref(), Some("6.1.3"));
        assert_eq!(a.unsupported, ["5.1", "4.2"]);
        assert!(!a.development_only && !a.prerelease_only && !a.public_fix);
    }

    #[test]
    fn per_branch_fixes() {
        let p = example("django");
        let ranges = [
            AffectedRange {
                introduced: Some(pep("5.2")),
                fixed: Some(pep("5.2.9")),
                last_affected: None,
            },
            AffectedRange {
                introduced: Some(pep("6.0")),
                fixed: Some(pep("6.0.2")),
                last_affected: None,
            },
        ];
        let a = assess(&p.versions, date("2026-11-22"), &ranges, &[]).unwrap();
        let got: Vec<(&str, Option<&str>)> = a
            .supported
            .iter()
            .map(|s| (s.series.as_str(), s.fixed_in.as_deref()))
            .collect();
        assert_eq!(got, [("6.0", Some("6.0.2")), ("5.2", Some("5.2.9"))]);
    }

    #[test]
    fn development_branch_only_is_a_public_fix() {
        let p = example("django");
        let range = AffectedRange {
            introduced: Some(pep("6.2.dev0")),
            fixed: None,
            last_affected: None,
        };
        let a = assess(&p.versions, date("2026-11-22"), &[range], &[]).unwrap();
        assert!(a.development_only && a.public_fix, "{a:?}");
        assert_eq!(a.supported.len(), 1);
    }

    #[test]
    fn prerelease_only_is_a_public_fix_for_cpython() {
        let p = example("cpython");
        let range = AffectedRange {
            introduced: Some(pep("3.15.0a3")),
            fixed: Some(pep("3.15.0rc1")),
            last_affected: None,
        };
        let a = assess(&p.versions, date("2026-11-22"), &[range], &[]).unwrap();
        assert!(a.prerelease_only && a.public_fix, "{a:?}");
        let stable = AffectedRange {
            introduced: Some(pep("3.15.0a3")),
            fixed: Some(pep("3.15.1")),
            last_affected: None,
        };
        let a = assess(&p.versions, date("2026-11-22"), &[stable], &[]).unwrap();
        assert!(!a.prerelease_only && !a.public_fix, "{a:?}");
    }

    #[test]
    fn explicit_versions() {
        let p = example("cpython");
        let a = assess(
            &p.versions,
            date("2026-11-22"),
            &[],
            &[pep("3.12.4"), pep("3.9.1")],
        )
        .unwrap();
        assert_eq!(
            a.supported
                .iter()
                .map(|s| s.series.as_str())
                .collect::<Vec<_>>(),
            ["3.12"]
        );
        assert!(
            a.unsupported.is_empty(),
            "3.9 is not listed in the policy at all"
        );
    }
}
