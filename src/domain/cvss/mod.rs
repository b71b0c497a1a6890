//! CVSS vectors: parsing, scores and qualitative ratings for CVSS 3.0, 3.1 and 4.0,
//! exactly as FIRST's specifications define them.
//!
//! [`parse`] accepts a vector string and reports the first problem by naming the
//! metric at fault; it never panics, whatever the input. [`Vector::summary`] gives
//! what `embargo cvss` prints: for 3.x the base, temporal and environmental scores,
//! for 4.0 its one score under its nomenclature (CVSS-B, -BT, -BE, -BTE), and the
//! rating of the last score.

pub mod v3;
pub mod v4;
mod v4_data;

use std::fmt;

/// What is wrong with a vector string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// Nothing given.
    #[error("the vector is empty; write it as CVSS:3.1/AV:N/AC:L/… or CVSS:4.0/AV:N/AC:L/…")]
    Empty,
    /// No or an unknown `CVSS:x.y/` prefix.
    #[error(
        "the vector must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/ (found `{0}`); CVSS 2 is not supported"
    )]
    Prefix(String),
    /// A part that is not `METRIC:VALUE`.
    #[error("`{0}` is not a metric; each part is written METRIC:VALUE, separated by /")]
    Malformed(String),
    /// A metric name this version does not define.
    #[error("unknown metric `{0}` for this CVSS version")]
    UnknownMetric(String),
    /// A value the metric does not allow.
    #[error("metric {metric} cannot be `{value}`; use one of: {allowed}")]
    BadValue {
        /// Metric.
        metric: String,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// A metric given twice.
    #[error("metric {0} is given more than once")]
    Repeated(String),
    /// Base metrics missing.
    #[error("missing base metric(s): {0}")]
    Missing(String),
    /// CVSS 4.0 metrics out of the specification's order.
    #[error("metric {metric} must come before {after} (CVSS 4.0 fixes the order of metrics)")]
    Order {
        /// The metric out of place.
        metric: String,
        /// The metric it came after.
        after: String,
    },
}

/// Split `AV:N` into its name and value.
fn split_metric(part: &str) -> Result<(&str, &str), CvssError> {
    match part.split_once(':') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() && !value.contains(':') => {
            Ok((name, value))
        }
        _ => Err(CvssError::Malformed(part.chars().take(40).collect())),
    }
}

/// A parsed vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vector {
    /// CVSS 3.0 or 3.1.
    V3(v3::V3),
    /// CVSS 4.0.
    V4(v4::V4),
}

/// Parse a vector string (surrounding whitespace ignored).
pub fn parse(text: &str) -> Result<Vector, CvssError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CvssError::Empty);
    }
    let (prefix, rest) = text.split_once('/').unwrap_or((text, ""));
    let vector = match prefix {
        "CVSS:3.0" => Vector::V3(v3::V3::parse(0, rest)?),
        "CVSS:3.1" => Vector::V3(v3::V3::parse(1, rest)?),
        "CVSS:4.0" => Vector::V4(v4::V4::parse(rest)?),
        other => return Err(CvssError::Prefix(other.chars().take(40).collect())),
    };
    Ok(vector)
}

/// A qualitative severity rating (the same bands in 3.x and 4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rating {
    /// 0.0
    None,
    /// 0.1–3.9
    Low,
    /// 4.0–6.9
    Medium,
    /// 7.0–8.9
    High,
    /// 9.0–10.0
    Critical,
}

impl Rating {
    /// The rating of a score.
    pub fn of(score: f64) -> Self {
        if score <= 0.0 {
            Self::None
        } else if score < 4.0 {
            Self::Low
        } else if score < 7.0 {
            Self::Medium
        } else if score < 9.0 {
            Self::High
        } else {
            Self::Critical
        }
    }

    /// The rating's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scores of a vector, as shown and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// `3.0`, `3.1` or `4.0`.
    pub version: &'static str,
    /// The vector in the specification's order, without undefined (`X`) metrics.
    pub canonical: String,
    /// Named scores in order (`base`, `temporal`, `environmental`; or `CVSS-B` … for 4.0).
    pub scores: Vec<(&'static str, f64)>,
    /// The score that counts (3.x: environmental when given, else temporal when given,
    /// else base; 4.0: its one score).
    pub score: f64,
    /// Rating of the last score in `scores`.
    pub rating: Rating,
}

impl Vector {
    /// The version string.
    pub fn version(&self) -> &'static str {
        match self {
            Self::V3(v) if v.minor == 0 => "3.0",
            Self::V3(_) => "3.1",
            Self::V4(_) => "4.0",
        }
    }

    /// Scores and rating.
    pub fn summary(&self) -> Summary {
        match self {
            Self::V3(v) => {
                let s = v.scores();
                let score = if v.has_environmental() {
                    s.environmental
                } else if v.has_temporal() {
                    s.temporal
                } else {
                    s.base
                };
                Summary {
                    version: self.version(),
                    canonical: v.canonical(),
                    scores: vec![
                        ("base", s.base),
                        ("temporal", s.temporal),
                        ("environmental", s.environmental),
                    ],
                    score,
                    rating: Rating::of(s.environmental),
                }
            }
            Self::V4(v) => {
                let score = v.score();
                Summary {
                    version: self.version(),
                    canonical: v.canonical(),
                    scores: vec![(v.nomenclature(), score)],
                    score,
                    rating: Rating::of(score),
                }
            }
        }
    }
}

impl Summary {
    /// One line: the vector as written, the scores, the rating of the last score.
    pub fn line(&self, written: &str) -> String {
        let scores: Vec<String> = self
            .scores
            .iter()
            .map(|(name, score)| format!("{name} {score:.1}"))
            .collect();
        format!("{}  {}  {}", written.trim(), scores.join("  "), self.rating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn score(v: &str) -> Summary {
        parse(v).unwrap().summary()
    }

    #[test]
    fn known_scores() {
        let s = score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(s.scores[0], ("base", 9.8));
        assert_eq!(s.rating, Rating::Critical);
        let s = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        assert_eq!(s.scores, vec![("CVSS-B", 9.3)]);
        let s = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U");
        assert_eq!(s.scores[0].0, "CVSS-BT");
    }

    #[test]
    fn errors_name_the_metric() {
        let e = parse("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_err();
        assert_eq!(
            e.to_string(),
            "metric AV cannot be `Q`; use one of: N, A, L, P"
        );
        let e = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").unwrap_err();
        assert!(e.to_string().contains("missing base metric(s): A"), "{e}");
        let e = parse("CVSS:3.1/AV:N/AV:N").unwrap_err();
        assert!(e.to_string().contains("AV is given more than once"), "{e}");
        let e =
            parse("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap_err();
        assert!(e.to_string().contains("AV must come before AC"), "{e}");
        let e = parse("CVSS:2.0/AV:N").unwrap_err();
        assert!(matches!(e, CvssError::Prefix(_)));
        let e = parse("CVSS:3.1/XX:N").unwrap_err();
        assert!(e.to_string().contains("unknown metric `XX`"), "{e}");
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,200}") {
            let _ = parse(&s).map(|v| v.summary());
        }

        #[test]
        fn vector_like_strings_never_panic(
            prefix in prop_oneof!["CVSS:3.0", "CVSS:3.1", "CVSS:4.0", "CVSS:9"],
            parts in proptest::collection::vec("[A-Z]{1,3}:[A-Za-z]{0,5}", 0..40),
        ) {
            let text = format!("{prefix}/{}", parts.join("/"));
            if let Ok(v) = parse(&text) {
                let s = v.summary();
                prop_assert!((0.0..=10.0).contains(&s.score));
            }
        }
    }
}
