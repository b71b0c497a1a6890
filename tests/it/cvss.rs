//! CVSS scoring against FIRST-calculator reference vectors (3.0, 3.1 and 4.0), and
//! the `embargo cvss` command.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::run_cli;
use embargo::domain::cvss;
use std::path::Path;

fn reference(file: &str) -> Vec<(String, Vec<f64>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cvss")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the reference vectors are in the repository, tests/data/cvss)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (vector, scores) = line.rsplit_once(" - ").unwrap();
            let scores = scores
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<f64>().unwrap())
                .collect();
            (vector.to_owned(), scores)
        })
        .collect()
}

fn check_all(file: &str) -> usize {
    let cases = reference(file);
    assert!(!cases.is_empty(), "{file} is empty");
    let mut wrong = Vec::new();
    for (vector, want) in &cases {
        let summary = match cvss::parse(vector) {
            Ok(v) => v.summary(),
            Err(e) => {
                wrong.push(format!("{vector}: refused: {e}"));
                continue;
            }
        };
        let got: Vec<f64> = summary.scores.iter().map(|(_, s)| *s).collect();
        if got != *want {
            wrong.push(format!("{vector}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} vectors in {file} score wrongly, e.g.:\n{}",
        wrong.len(),
        cases.len(),
        wrong
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    cases.len()
}

#[test]
fn cvss30_reference_vectors() {
    assert_eq!(check_all("vectors_simple3"), 2592);
    check_all("vectors_calculator3");
}

#[test]
fn cvss31_reference_vectors() {
    assert_eq!(check_all("vectors_simple31"), 2592);
}

#[test]
fn cvss40_reference_vectors() {
    for file in [
        "vectors_simple4",
        "vectors_threat4",
        "vectors_security4",
        "vectors_supplemental4",
    ] {
        check_all(file);
    }
}

#[test]
fn cvss_command_prints_one_line_per_vector() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_cli(
        "sqlite://unused.db",
        dir.path(),
        &[
            "cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P  base 9.8  temporal 9.3  environmental 9.3  Critical",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N  CVSS-B 9.3  Critical",
        ]
    );
}

#[test]
fn cvss_command_names_the_bad_metric() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_cli(
        "sqlite://unused.db",
        dir.path(),
        &[
            "cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:Z/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ],
        None,
    );
    assert_eq!(code, 65, "{stderr}");
    assert!(stdout.contains("base 9.8"), "{stdout}");
    assert!(
        stderr.contains("CVSS:3.1/AV:N/AC:Z")
            && stderr.contains("metric AC cannot be `Z`; use one of: L, H"),
        "{stderr}"
    );
}
