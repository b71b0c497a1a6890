//! CVSS 3.0 and 3.1: base, temporal and environmental scores by the equations of
//! FIRST's specification (section 7), with its Roundup function (3.1 defines it on
//! integers so that floating-point noise never rounds a score up a step; 3.0's plain
//! ceiling is computed the same way, which is what it intends).

use super::CvssError;

/// Metric names and their allowed values, in the specification's order.
pub const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];

const BASE: usize = 8;

/// A parsed CVSS 3.x vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3 {
    /// 0 for 3.0, 1 for 3.1.
    pub minor: u8,
    /// The value of each metric of [`METRICS`] (`X` when absent).
    values: [&'static str; 22],
}

/// The three scores of a 3.x vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Base score.
    pub base: f64,
    /// Temporal score.
    pub temporal: f64,
    /// Environmental score.
    pub environmental: f64,
}

impl V3 {
    /// Parse the metrics after `CVSS:3.x/` (in any order, each at most once).
    pub fn parse(minor: u8, metrics: &str) -> Result<Self, CvssError> {
        let mut values: [Option<&'static str>; 22] = [None; 22];
        for part in metrics.split('/') {
            let (name, value) = super::split_metric(part)?;
            let Some(i) = METRICS.iter().position(|(n, _)| *n == name) else {
                return Err(CvssError::UnknownMetric(name.to_owned()));
            };
            let allowed = METRICS[i].1;
            let Some(v) = allowed.iter().find(|a| **a == value) else {
                return Err(CvssError::BadValue {
                    metric: name.to_owned(),
                    value: value.to_owned(),
                    allowed: allowed.join(", "),
                });
            };
            if values[i].replace(v).is_some() {
                return Err(CvssError::Repeated(name.to_owned()));
            }
        }
        let missing: Vec<&str> = METRICS[..BASE]
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|((n, _), _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(CvssError::Missing(missing.join(", ")));
        }
        Ok(Self {
            minor,
            values: values.map(|v| v.unwrap_or("X")),
        })
    }

    fn get(&self, name: &str) -> &'static str {
        METRICS
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| self.values[i])
            .unwrap_or("X")
    }

    /// The modified metric if set, else the base metric.
    fn modified(&self, name: &str) -> &'static str {
        match self.get(&format!("M{name}")) {
            "X" => self.get(name),
            v => v,
        }
    }

    /// The vector with metrics in the specification's order, `X` values left out.
    pub fn canonical(&self) -> String {
        let mut out = format!("CVSS:3.{}", self.minor);
        for ((name, _), value) in METRICS.iter().zip(&self.values) {
            if *value != "X" {
                out.push_str(&format!("/{name}:{value}"));
            }
        }
        out
    }

    /// Whether temporal metrics are given.
    pub fn has_temporal(&self) -> bool {
        ["E", "RL", "RC"].iter().any(|m| self.get(m) != "X")
    }

    /// Whether environmental metrics are given.
    pub fn has_environmental(&self) -> bool {
        METRICS[11..].iter().any(|(m, _)| self.get(m) != "X")
    }

    /// Base, temporal and environmental scores.
    pub fn scores(&self) -> Scores {
        let scope_changed = self.get("S") == "C";
        let (impact, exploitability) = sub_scores(
            impact_base(self.get("C"), self.get("I"), self.get("A")),
            scope_changed,
            [
                self.get("AV"),
                self.get("AC"),
                self.get("PR"),
                self.get("UI"),
            ],
            false,
            self.minor,
        );
        let base = if impact <= 0.0 {
            0.0
        } else if scope_changed {
            roundup((1.08 * (impact + exploitability)).min(10.0))
        } else {
            roundup((impact + exploitability).min(10.0))
        };
        let temporal_factor = weight("E", self.get("E"), false)
            * weight("RL", self.get("RL"), false)
            * weight("RC", self.get("RC"), false);
        let temporal = roundup(base * temporal_factor);

        let m_scope_changed = self.modified("S") == "C";
        let miss = (1.0
            - (1.0 - weight("CR", self.get("CR"), false) * weight("C", self.modified("C"), false))
                * (1.0
                    - weight("IR", self.get("IR"), false)
                        * weight("I", self.modified("I"), false))
                * (1.0
                    - weight("AR", self.get("AR"), false)
                        * weight("A", self.modified("A"), false)))
        .min(0.915);
        let (m_impact, m_exploitability) = sub_scores(
            miss,
            m_scope_changed,
            [
                self.modified("AV"),
                self.modified("AC"),
                self.modified("PR"),
                self.modified("UI"),
            ],
            true,
            self.minor,
        );
        let environmental = if m_impact <= 0.0 {
            0.0
        } else if m_scope_changed {
            roundup(roundup((1.08 * (m_impact + m_exploitability)).min(10.0)) * temporal_factor)
        } else {
            roundup(roundup((m_impact + m_exploitability).min(10.0)) * temporal_factor)
        };
        Scores {
            base,
            temporal,
            environmental,
        }
    }
}

/// ISS = 1 − (1 − C)(1 − I)(1 − A).
fn impact_base(c: &str, i: &str, a: &str) -> f64 {
    1.0 - (1.0 - weight("C", c, false))
        * (1.0 - weight("I", i, false))
        * (1.0 - weight("A", a, false))
}

/// Impact and exploitability sub-scores (base or modified).
fn sub_scores(
    iss: f64,
    scope_changed: bool,
    [av, ac, pr, ui]: [&str; 4],
    modified: bool,
    minor: u8,
) -> (f64, f64) {
    let impact = if !scope_changed {
        6.42 * iss
    } else if modified && minor >= 1 {
        7.52 * (iss - 0.029) - 3.25 * (iss * 0.9731 - 0.02).powi(13)
    } else {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    };
    let exploitability = 8.22
        * weight("AV", av, false)
        * weight("AC", ac, false)
        * weight("PR", pr, scope_changed)
        * weight("UI", ui, false);
    (impact, exploitability)
}

/// The numeric weight of a metric value (section 7.4).
fn weight(metric: &str, value: &str, scope_changed: bool) -> f64 {
    match (metric, value) {
        ("AV", "N") => 0.85,
        ("AV", "A") => 0.62,
        ("AV", "L") => 0.55,
        ("AV", "P") => 0.2,
        ("AC", "L") => 0.77,
        ("AC", "H") => 0.44,
        ("PR", "N") => 0.85,
        ("PR", "L") if scope_changed => 0.68,
        ("PR", "L") => 0.62,
        ("PR", "H") if scope_changed => 0.5,
        ("PR", "H") => 0.27,
        ("UI", "N") => 0.85,
        ("UI", "R") => 0.62,
        ("C" | "I" | "A", "H") => 0.56,
        ("C" | "I" | "A", "L") => 0.22,
        ("C" | "I" | "A", "N") => 0.0,
        ("E", "F") => 0.97,
        ("E", "P") => 0.94,
        ("E", "U") => 0.91,
        ("RL", "W") => 0.97,
        ("RL", "T") => 0.96,
        ("RL", "O") => 0.95,
        ("RC", "R") => 0.96,
        ("RC", "U") => 0.92,
        ("CR" | "IR" | "AR", "H") => 1.5,
        ("CR" | "IR" | "AR", "L") => 0.5,
        // X (not defined), and the values that weigh 1 (E:H, RL:U, RC:C, *R:M).
        _ => 1.0,
    }
}

/// The smallest number with one decimal that is ≥ `x` (CVSS 3.1 Appendix A).
pub fn roundup(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}
