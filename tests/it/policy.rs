//! Policy files: the four seed examples, what they render, security.txt
//! validity (official validator), realistic mistakes, and the server routes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, bin, run_cli};
use embargo::domain::policy::Policy;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/policies")
        .join(format!("{name}.toml"))
}

fn embargo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env("EMBARGO_PUBLIC_URL", "https://security.example.org")
        .env_remove("EMBARGO_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn render(name: &str, format: &str) -> String {
    let (code, out, err) = embargo(&[
        "policy",
        "render",
        example(name).to_str().unwrap(),
        "--format",
        format,
        "--on",
        "2026-11-22",
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

fn assert_contains_all(text: &str, what: &str, needles: &[&str]) {
    let missing: Vec<&&str> = needles.iter().filter(|n| !text.contains(**n)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}:\n{text}");
}

#[test]
fn the_four_examples_pass_policy_check() {
    for name in ["pylons", "django", "cpython", "pypackit", "demo"] {
        let (code, out, err) = embargo(&["policy", "check", example(name).to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains(&format!("slug `{name}`")), "{out}");
    }
}

#[test]
fn django_security_md_carries_its_seed_facts() {
    let md = render("django", "security-md");
    assert_contains_all(
        &md,
        "django SECURITY.md",
        &[
            "security@djangoproject.com",
            "within 48 hours",
            "`0xfcb84b8d1d17f80b`",
            "Encryption is optional",
            "**High**: Remote code execution; SQL injection.",
            "**Moderate**: Cross site scripting (XSS); Cross site request forgery (CSRF); Denial-of-service attacks; Broken authentication.",
            "**Low**: Sensitive data exposure; Broken session management; Unvalidated redirects/forwards; Issues requiring an uncommon configuration option.",
            "the development branch (main), the 2 most recent release series and long-term support (LTS) series",
            "| 5.2 | long-term support | yes | 2028-04-30 |",
            "| 4.2 | end of life | no |  |",
            "About 7 days before disclosure, django-announce is told the date and approximate time (in UTC)",
            "oss-security@lists.openwall.com",
            "with the subject line \"Security notification request\"",
            "your full, real name",
            "who will receive and review mail sent to that address",
            "for individuals, the ID of an OpenPGP public key",
            "within 30 days",
            "Not admitted: security audit and scanning entities.",
            "revoked at any time, with or without explanation",
            "fixed in public without going through the disclosure process",
            "if they wish to be publicly identified",
        ],
    );
}

#[test]
fn pypackit_security_md_carries_its_seed_facts() {
    let md = render("pypackit", "security-md");
    assert_contains_all(
        &md,
        "pypackit SECURITY.md",
        &[
            "within 7 days",
            "we aim to resolve the issue within 30 days",
            "after 120 days you may disclose the vulnerability publicly yourself",
            "temporary private fork; the fix is reviewed before it is merged",
            "the source repository itself: its settings, CI/CD workflows and automation",
            "deployed websites and online services",
            "in the \"Security Advisory\" category",
            "Everyone who helped resolve the issue is credited as a collaborator.",
        ],
    );
}

#[test]
fn cpython_security_md_carries_its_seed_facts() {
    let md = render("cpython", "security-md");
    assert_contains_all(
        &md,
        "cpython SECURITY.md",
        &[
            "`real-world`: Exploitable from code, configurations, pre-conditions, or deployments that may exist in the real world",
            "`not-documented`: Not documented functionality.",
            "`launch-conditions`: Does not depend on malicious control of Python's launch conditions",
            "`availability`: For availability issues",
            "`not-a-dependency`: Not a vulnerability in a dependency",
            "say which criteria you considered",
            "the versions you tested, and which of them were vulnerable",
            "**Do not include a severity rating or CVSS score**",
            "text/plain, text/x-diff, text/x-patch, text/x-python",
            "No PDFs, binaries, notebooks",
            "a few sentences",
            "assigned by the PSF CNA",
            "Only versions with a status of \"bugfix\" or \"security\" are eligible.",
            "only pre-releases (alphas, betas, release candidates) are handled as regular public bugs",
            "Spam and messages that are not vulnerability reports",
            "you may then open a public issue",
            "(3 times) leads to future reports being rejected",
            "https://policies.python.org/python.org/code-of-conduct/",
            "| 3.13 | security fixes only | yes | 2029-10-31 |",
        ],
    );
}

#[test]
fn pylons_security_md_carries_its_seed_facts() {
    let md = render("pylons", "security-md");
    assert_contains_all(
        &md,
        "pylons SECURITY.md",
        &[
            "all of ben@groovie.org and security@3aims.com",
            "Do not report them in any mailing list or the ticket system",
            "**wsgi-security-announce** (wsgi-security-announce@googlegroups.com)",
            "announced only once a fix",
            "all other development halts until a fix exists",
            "contact the component's developer or maintainer",
            "within 30 days and the vulnerability is serious",
            "publish documentation explaining how to avoid the problem or, as a last resort, release a patched version",
            "Please keep the issue confidential until it is announced.",
        ],
    );
}

#[test]
fn security_txt_is_valid_rfc_9116() {
    for name in ["pylons", "django", "cpython", "pypackit", "demo"] {
        let txt = render(name, "security-txt");
        assert!(
            txt.lines().any(|l| l.starts_with("Contact: ")),
            "{name}: no Contact\n{txt}"
        );
        let expires: jiff::Timestamp = txt
            .lines()
            .find_map(|l| l.strip_prefix("Expires: "))
            .unwrap()
            .parse()
            .unwrap();
        let now = jiff::Timestamp::now();
        assert!(expires > now, "{name}: Expires in the past");
        assert!(
            expires.as_second() - now.as_second() <= 366 * 86400,
            "{name}: Expires more than a year ahead"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("security.txt");
        std::fs::write(&file, &txt).unwrap();
        let url = format!("https://security.example.org/p/{name}/security.txt");
        let out = crate::support::validator("securitytxt")
            .arg(&file)
            .arg("--url")
            .arg(&url)
            .output()
            .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{name}: sectxt rejected it:\n{report}\n{txt}"
        );
        assert!(report.contains("VALID"), "{report}");
    }
}

#[test]
fn supported_lists_django_series_on_a_date() {
    let (code, out, err) = embargo(&[
        "policy",
        "supported",
        example("django").to_str().unwrap(),
        "--on",
        "2026-11-22",
    ]);
    assert_eq!(code, 0, "{err}");
    let row = |series: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{series} ")))
            .unwrap_or_else(|| panic!("no {series} in\n{out}"))
            .to_owned()
    };
    assert!(
        row("6.2").contains("development") && row("6.2").contains("yes"),
        "{out}"
    );
    assert!(
        row("6.1").contains("bugfix") && row("6.1").contains("yes"),
        "{out}"
    );
    assert!(row("6.0").contains("yes"), "{out}");
    assert!(
        row("5.2").contains("lts") && row("5.2").contains("2028-04-30"),
        "{out}"
    );
    assert!(
        row("5.1").contains("end-of-life") && row("5.1").contains(" no "),
        "{out}"
    );
    assert!(row("4.2").contains("end-of-life"), "{out}");
    let (code, _, err) = embargo(&[
        "policy",
        "supported",
        example("django").to_str().unwrap(),
        "--on",
        "22/11/2026",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--on `22/11/2026` is not a date; write YYYY-MM-DD"),
        "{err}"
    );
}

const BASE: &str = r#"[project]
slug = "acme"
name = "Acme"

[contact]
addresses = ["security@acme.example"]

[clocks]
acknowledge = "48 hours"
decide = "7 days"

[embargo]
longest = "90 days"
pre_notification_lead = "7 days"

[versions]
scheme = "pep440"

[versions.support]
recent_series = 2

[[severity.levels]]
name = "High"
categories = ["Remote code execution"]
"#;

/// A mistake: its name, the policy text, and the expected (line, key, message fragment) errors.
type MistakeCase = (
    &'static str,
    String,
    Vec<(usize, &'static str, &'static str)>,
);

/// Parse `src`, expect exactly the listed errors (line, key, message fragment).
fn expect_errors(case: &str, src: &str, expected: &[(usize, &str, &str)]) {
    let errors = Policy::parse(src).expect_err(case);
    for (line, key, fragment) in expected {
        assert!(
            errors
                .iter()
                .any(|e| e.line == *line && e.key == *key && e.message.contains(fragment)),
            "{case}: expected line {line} `{key}`: …{fragment}…, got:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert_eq!(errors.len(), expected.len(), "{case}: {errors:#?}");
}

#[test]
fn base_policy_is_valid() {
    Policy::parse(BASE).unwrap();
}

#[test]
fn realistic_mistakes_get_precise_messages() {
    let cases: Vec<MistakeCase> = vec![
        (
            "typo in a unit",
            BASE.replace("\"48 hours\"", "\"48 hourz\""),
            vec![(
                9,
                "clocks.acknowledge",
                "unknown unit `hourz`; use seconds, minutes, hours, days or weeks",
            )],
        ),
        (
            "duration without a unit",
            BASE.replace("decide = \"7 days\"", "decide = \"7\""),
            vec![(10, "clocks.decide", "write a count and a unit")],
        ),
        (
            "misspelt key",
            BASE.replace("acknowledge =", "acknowlege ="),
            vec![(9, "clocks.acknowlege", "did you mean `acknowledge`?")],
        ),
        (
            "unknown section",
            format!("{BASE}\n[clock]\nx = 1\n"),
            vec![(26, "clock", "unknown key (did you mean `clocks`?)")],
        ),
        (
            "bad e-mail",
            BASE.replace("security@acme.example", "security at acme.example"),
            vec![(6, "contact.addresses", "is not an e-mail address")],
        ),
        (
            "bad slug",
            BASE.replace("slug = \"acme\"", "slug = \"Acme Corp\""),
            vec![(2, "project.slug", "not a valid project slug")],
        ),
        (
            "missing required key",
            BASE.replace("name = \"Acme\"\n", ""),
            vec![(
                1,
                "project.name",
                "missing; add `name = \"…\"` in [project]",
            )],
        ),
        (
            "unknown scheme",
            BASE.replace("\"pep440\"", "\"calver\""),
            vec![(
                17,
                "versions.scheme",
                "unknown version scheme `calver`; use pep440, semver or plain",
            )],
        ),
        (
            "ack longer than decision",
            BASE.replace("\"48 hours\"", "\"14 days\""),
            vec![(
                9,
                "clocks.acknowledge",
                "14 days is longer than `clocks.decide` (7 days)",
            )],
        ),
        (
            "pre-notification longer than the longest embargo",
            BASE.replace(
                "pre_notification_lead = \"7 days\"",
                "pre_notification_lead = \"120 days\"",
            ),
            vec![(
                14,
                "embargo.pre_notification_lead",
                "longer than `embargo.longest` (90 days)",
            )],
        ),
        (
            "level without categories",
            BASE.replace(
                "categories = [\"Remote code execution\"]",
                "categories = []",
            ),
            vec![(
                24,
                "severity.levels[0].categories",
                "severity level `High` has no categories",
            )],
        ),
        (
            "LTS without end date",
            format!(
                "{BASE}\n[[versions.series]]\nname = \"4.2\"\nreleased = 2023-04-03\nlts = true\n"
            ),
            vec![(
                29,
                "versions.series[0].lts",
                "long-term support but has no end date",
            )],
        ),
        (
            "date in quotes",
            format!("{BASE}\n[[versions.series]]\nname = \"4.2\"\nreleased = \"2023-04-03\"\n"),
            vec![
                (
                    28,
                    "versions.series[0].released",
                    "expected a date without quotes",
                ),
                (
                    27,
                    "versions.series[0].name",
                    "needs `released = YYYY-MM-DD`",
                ),
            ],
        ),
        (
            "series name not a version",
            format!("{BASE}\n[[versions.series]]\nname = \"four\"\nreleased = 2023-04-03\n"),
            vec![(27, "versions.series[0].name", "is not a release series")],
        ),
        (
            "bad time zone",
            BASE.replace(
                "longest = \"90 days\"",
                "longest = \"90 days\"\ntime_zone = \"CEST\"",
            ),
            vec![(14, "embargo.time_zone", "not an IANA time zone")],
        ),
        (
            "wrong type",
            BASE.replace("recent_series = 2", "recent_series = \"two\""),
            vec![(
                20,
                "versions.support.recent_series",
                "expected a whole number, found a string",
            )],
        ),
        (
            "bad key ID",
            BASE.replace(
                "[clocks]",
                "[contact.openpgp]\nkey_id = \"FCB84B8D\"\n\n[clocks]",
            ),
            vec![(9, "contact.openpgp.key_id", "write 0x and 16 hex digits")],
        ),
        (
            "attachment type",
            format!("{BASE}\n[reports.attachments]\nallowed_types = [\"pdf\"]\n"),
            vec![(
                27,
                "reports.attachments.allowed_types",
                "`pdf` is not a media type",
            )],
        ),
        (
            "no way to report",
            BASE.replace(
                "addresses = [\"security@acme.example\"]",
                "web_form = false",
            ),
            vec![(
                5,
                "contact.addresses",
                "reporters have no way to reach the team",
            )],
        ),
        (
            "notification list without groups",
            format!("{BASE}\n[notification_list]\nrequired_fields = [\"full-name\"]\n"),
            vec![(26, "notification_list", "has no groups")],
        ),
        (
            "exploited timeline not shorter",
            BASE.replace(
                "pre_notification_lead = \"7 days\"",
                "pre_notification_lead = \"7 days\"\nexploited_lead = \"10 days\"",
            ),
            vec![(15, "embargo.exploited_lead", "must be shorter")],
        ),
        (
            "duplicate series",
            format!(
                "{BASE}\n[[versions.series]]\nname = \"5.0\"\nreleased = 2024-01-01\n\n[[versions.series]]\nname = \"5.0\"\nreleased = 2024-01-01\n"
            ),
            vec![(31, "versions.series[1].name", "series `5.0` appears twice")],
        ),
        (
            "not TOML at all",
            "[project\nslug = 1".to_owned(),
            vec![(1, "", "not valid TOML")],
        ),
    ];
    assert!(cases.len() >= 12);
    for (case, src, expected) in &cases {
        expect_errors(case, src, expected);
    }
}

#[test]
fn every_error_is_reported_at_once() {
    let src = BASE
        .replace("\"48 hours\"", "\"48 hourz\"")
        .replace("\"pep440\"", "\"calver\"")
        .replace("acme.example", "acme .example");
    let errors = Policy::parse(&src).unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        ["contact.addresses", "clocks.acknowledge", "versions.scheme"]
    );
}

#[test]
fn check_prints_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.toml");
    std::fs::write(&file, BASE.replace("\"48 hours\"", "\"48 hourz\"")).unwrap();
    let (code, out, err) = embargo(&["policy", "check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let expected = format!(
        "{}:9:15: `clocks.acknowledge`: unknown unit `hourz`; use seconds, minutes, hours, days or weeks",
        file.display()
    );
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("1 problem found"), "{err}");
    let (code, _, err) = embargo(&["policy", "check", "/no/such/file.toml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot read the policy file /no/such/file.toml"),
        "{err}"
    );
}

on_both_backends!(projects_from_policy_files_serve_their_policy);

async fn projects_from_policy_files_serve_their_policy(kind: Kind) {
    let app = TestApp::spawn_with(
        kind,
        &[("EMBARGO_PUBLIC_URL", "https://security.example.org")],
    )
    .await;
    let (url, dir) = (app.db.url_text.clone(), app.db.dir.path().to_owned());
    for name in ["django", "cpython"] {
        let (code, out, err) = run_cli(
            &url,
            &dir,
            &[
                "project",
                "add",
                "--policy",
                example(name).to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("created project {name}")), "{out}");
    }
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &[
            "project",
            "add",
            "--policy",
            example("django").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("already exists; use `embargo project update --policy`"),
        "{err}"
    );
    let (_, list, _) = run_cli(&url, &dir, &["project", "list"], None);
    assert!(
        list.contains("django\tDjango\tpolicy") && list.contains("cpython\tCPython\tpolicy"),
        "{list}"
    );

    let client = reqwest::Client::new();
    let txt = client
        .get(app.url("/p/django/security.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(txt.headers()["content-type"], "text/plain; charset=utf-8");
    let txt = txt.text().await.unwrap();
    assert!(
        txt.contains("Contact: mailto:security@djangoproject.com")
            && txt.contains("Canonical: https://security.example.org/p/django/security.txt"),
        "{txt}"
    );
    let page = client
        .get(app.url("/p/django/policy"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<code>0xfcb84b8d1d17f80b</code>") && page.contains("within 48 hours"),
        "{page}"
    );
    // Two projects: the instance file points at the project list.
    let well_known = client
        .get(app.url("/.well-known/security.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        well_known.contains("Contact: https://security.example.org/"),
        "{well_known}"
    );
    assert_eq!(
        client
            .get(app.url("/p/nope/security.txt"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // An update with a mistake changes nothing; a good one is audited and served at once.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(example("django"))
            .unwrap()
            .replace("\"48 hours\"", "\"2 dayz\""),
    )
    .unwrap();
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &["project", "update", "--policy", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("clocks.acknowledge") && err.contains("unknown unit `dayz`"),
        "{err}"
    );
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        std::fs::read_to_string(example("django"))
            .unwrap()
            .replace("\"48 hours\"", "\"24 hours\""),
    )
    .unwrap();
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &["project", "update", "--policy", good.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let page = client
        .get(app.url("/p/django/policy"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("within 24 hours"), "{page}");
    let (_, audit, _) = run_cli(&url, &dir, &["audit", "list"], None);
    assert_eq!(
        audit.matches("project.policy_updated").count(),
        1,
        "{audit}"
    );
    let (code, _, _) = run_cli(&url, &dir, &["audit", "verify"], None);
    assert_eq!(code, 0);
}
