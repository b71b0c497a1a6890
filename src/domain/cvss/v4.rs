//! CVSS 4.0: the macrovector method of FIRST's specification (section 8). A vector
//! falls into a macrovector (six equivalence classes); the macrovector's published
//! score is then lowered by how far the vector sits below the class's
//! highest-severity vectors, interpolated against the next lower macrovectors.

use super::CvssError;
use super::v4_data::{
    DEPTH_EQ1, DEPTH_EQ2, DEPTH_EQ3_EQ6, DEPTH_EQ4, MACROVECTOR_SCORES, MAX_EQ1, MAX_EQ2,
    MAX_EQ3_EQ6, MAX_EQ4, MAX_EQ5,
};

/// Metric names and their allowed values, in the order the specification requires.
pub const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

const BASE: usize = 11;
const N: usize = 32;

/// A parsed CVSS 4.0 vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4 {
    values: [&'static str; N],
}

impl V4 {
    /// Parse the metrics after `CVSS:4.0/`: each at most once, in the specification's order.
    pub fn parse(metrics: &str) -> Result<Self, CvssError> {
        let mut values: [Option<&'static str>; N] = [None; N];
        let mut last: Option<usize> = None;
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
            if let Some(prev) = last
                && prev > i
            {
                return Err(CvssError::Order {
                    metric: name.to_owned(),
                    after: METRICS[prev].0.to_owned(),
                });
            }
            last = Some(i);
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

    /// The effective value used in scoring: modified metrics replace base ones; an
    /// undefined E counts as Attacked and undefined requirements as High (worst case).
    fn m(&self, name: &str) -> &'static str {
        match (name, self.get(name)) {
            ("E", "X") => return "A",
            ("CR" | "IR" | "AR", "X") => return "H",
            _ => {}
        }
        match self.get(&format!("M{name}")) {
            "X" => self.get(name),
            v => v,
        }
    }

    /// The vector with metrics in the specification's order, `X` values left out.
    pub fn canonical(&self) -> String {
        let mut out = "CVSS:4.0".to_owned();
        for ((name, _), value) in METRICS.iter().zip(&self.values) {
            if *value != "X" {
                out.push_str(&format!("/{name}:{value}"));
            }
        }
        out
    }

    /// The score's nomenclature: CVSS-B, -BT, -BE or -BTE.
    pub fn nomenclature(&self) -> &'static str {
        let threat = self.get("E") != "X";
        let environmental = METRICS[12..26].iter().any(|(m, _)| self.get(m) != "X");
        match (threat, environmental) {
            (false, false) => "CVSS-B",
            (true, false) => "CVSS-BT",
            (false, true) => "CVSS-BE",
            (true, true) => "CVSS-BTE",
        }
    }

    /// The six equivalence-class levels.
    fn macrovector(&self) -> [u8; 6] {
        let m = |n| self.m(n);
        let eq1 = if m("AV") == "N" && m("PR") == "N" && m("UI") == "N" {
            0
        } else if (m("AV") == "N" || m("PR") == "N" || m("UI") == "N") && m("AV") != "P" {
            1
        } else {
            2
        };
        let eq2 = if m("AC") == "L" && m("AT") == "N" {
            0
        } else {
            1
        };
        let eq3 = if m("VC") == "H" && m("VI") == "H" {
            0
        } else if m("VC") == "H" || m("VI") == "H" || m("VA") == "H" {
            1
        } else {
            2
        };
        let eq4 = if m("MSI") == "S" || m("MSA") == "S" {
            0
        } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
            1
        } else {
            2
        };
        let eq5 = match m("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = if (m("CR") == "H" && m("VC") == "H")
            || (m("IR") == "H" && m("VI") == "H")
            || (m("AR") == "H" && m("VA") == "H")
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// The score (0.0–10.0), whichever metric groups the vector has.
    pub fn score(&self) -> f64 {
        if ["VC", "VI", "VA", "SC", "SI", "SA"]
            .iter()
            .all(|n| self.m(n) == "N")
        {
            return 0.0;
        }
        let mv = self.macrovector();
        let Some(value) = lookup(mv) else {
            return 0.0;
        };
        let [eq1, eq2, eq3, eq4, _, eq6] = mv;
        let lower = |d: [u8; 6]| {
            let mut next = mv;
            for (n, add) in next.iter_mut().zip(d) {
                *n += add;
            }
            lookup(next)
        };
        let next_eq1 = lower([1, 0, 0, 0, 0, 0]);
        let next_eq2 = lower([0, 1, 0, 0, 0, 0]);
        let next_eq3_eq6 = match (eq3, eq6) {
            (0 | 1, 1) => lower([0, 0, 1, 0, 0, 0]),
            (1, 0) => lower([0, 0, 0, 0, 0, 1]),
            (0, 0) => match (lower([0, 0, 0, 0, 0, 1]), lower([0, 0, 1, 0, 0, 0])) {
                (Some(l), Some(r)) => Some(l.max(r)),
                (l, r) => l.or(r),
            },
            _ => lower([0, 0, 1, 0, 0, 1]),
        };
        let next_eq4 = lower([0, 0, 0, 1, 0, 0]);
        let next_eq5 = lower([0, 0, 0, 0, 1, 0]);

        // The first highest-severity vector of the class that this vector does not exceed.
        let maxima = max_vectors(mv);
        let mut distances = [0.0f64; 14];
        for candidate in &maxima {
            distances = DISTANCE_METRICS.map(|(metric, levels)| {
                level(levels, self.m(metric)) - level(levels, value_in(candidate, metric))
            });
            if distances.iter().all(|d| *d >= 0.0) {
                break;
            }
        }
        let [av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar] = distances;
        let current = [
            av + pr + ui,
            ac + at,
            vc + vi + va + cr + ir + ar,
            sc + si + sa,
            0.0,
        ];
        let step = 0.1;
        let depth = [
            DEPTH_EQ1[usize::from(eq1)] * step,
            DEPTH_EQ2[usize::from(eq2)] * step,
            DEPTH_EQ3_EQ6
                .iter()
                .find(|(k, _)| *k == (eq3, eq6))
                .map(|(_, d)| *d)
                .unwrap_or(1.0)
                * step,
            DEPTH_EQ4[usize::from(eq4)] * step,
            step,
        ];
        let next = [next_eq1, next_eq2, next_eq3_eq6, next_eq4, next_eq5];
        let mut existing = 0u32;
        let mut total = 0.0;
        for i in 0..5 {
            if let Some(n) = next[i] {
                let available = value - n;
                if available >= 0.0 {
                    existing += 1;
                    total += available * (current[i] / depth[i]);
                }
            }
        }
        let mean = if existing == 0 {
            0.0
        } else {
            total / f64::from(existing)
        };
        round_half_up((value - mean).clamp(0.0, 10.0))
    }
}

/// The metrics whose distance to the class maximum is measured, with their levels.
const DISTANCE_METRICS: [(&str, &[(&str, f64)]); 14] = [
    ("AV", &[("N", 0.0), ("A", 0.1), ("L", 0.2), ("P", 0.3)]),
    ("PR", &[("N", 0.0), ("L", 0.1), ("H", 0.2)]),
    ("UI", &[("N", 0.0), ("P", 0.1), ("A", 0.2)]),
    ("AC", &[("L", 0.0), ("H", 0.1)]),
    ("AT", &[("N", 0.0), ("P", 0.1)]),
    ("VC", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("VI", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("VA", &[("H", 0.0), ("L", 0.1), ("N", 0.2)]),
    ("SC", &[("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("SI", &[("S", 0.0), ("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("SA", &[("S", 0.0), ("H", 0.1), ("L", 0.2), ("N", 0.3)]),
    ("CR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
    ("IR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
    ("AR", &[("H", 0.0), ("M", 0.1), ("L", 0.2)]),
];

fn level(levels: &[(&str, f64)], value: &str) -> f64 {
    levels
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, l)| *l)
        .unwrap_or(0.0)
}

/// The value of `metric` in a `AV:N/PR:N/…` string.
fn value_in<'a>(vector: &'a str, metric: &str) -> &'a str {
    vector
        .split('/')
        .find_map(|part| part.strip_prefix(metric)?.strip_prefix(':'))
        .unwrap_or("")
}

fn lookup(mv: [u8; 6]) -> Option<f64> {
    let key: String = mv.iter().map(|d| char::from(b'0' + d)).collect();
    MACROVECTOR_SCORES
        .binary_search_by(|(k, _)| (*k).cmp(key.as_str()))
        .ok()
        .map(|i| MACROVECTOR_SCORES[i].1)
}

/// Every combination of the class maxima, in the reference order.
fn max_vectors(mv: [u8; 6]) -> Vec<String> {
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv.map(usize::from);
    let eq36: &[&str] = MAX_EQ3_EQ6
        .iter()
        .find(|(k, _)| *k == (mv[2], mv[5]))
        .map(|(_, v)| *v)
        .unwrap_or(&[]);
    let _ = (eq3, eq6);
    let mut out = Vec::new();
    for a in MAX_EQ1.get(eq1).copied().unwrap_or(&[]) {
        for b in MAX_EQ2.get(eq2).copied().unwrap_or(&[]) {
            for c in eq36 {
                for d in MAX_EQ4.get(eq4).copied().unwrap_or(&[]) {
                    for e in MAX_EQ5.get(eq5).copied().unwrap_or(&[]) {
                        out.push(format!("{a}/{b}/{c}/{d}/{e}"));
                    }
                }
            }
        }
    }
    out
}

/// Round to one decimal, halves up, absorbing floating-point noise (8.6 − 7.15 is
/// 1.4499999999999993 in binary; it rounds to 1.5 as the decimal arithmetic intends).
fn round_half_up(x: f64) -> f64 {
    ((x + 1e-6) * 10.0 + 0.5).floor() / 10.0
}
