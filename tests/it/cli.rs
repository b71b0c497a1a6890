//! The binary's command line: help, bad input, configuration, accounts, the demo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{ServerProcess, bin, run_cli};
use std::process::Command;

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir.path())
        .env_remove("EMBARGO_DATABASE_URL")
        .env_remove("EMBARGO_DATA_DIR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_subcommand() {
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, 0);
    for sub in [
        "serve", "migrate", "config", "user", "project", "token", "audit",
    ] {
        assert!(out.contains(sub), "--help lacks {sub}:\n{out}");
    }
    for sub in [
        &["serve", "--help"][..],
        &["user", "add", "--help"],
        &["audit", "verify", "--help"],
        &["project", "member", "add", "--help"],
    ] {
        let (code, out, err) = run(sub, &[]);
        assert_eq!(code, 0, "{sub:?}: {err}");
        assert!(out.contains("Usage:"), "{sub:?}: {out}");
    }
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let (code, _, err) = run(&["frobnicate"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_config_values_name_the_key() {
    let cases = [
        ("EMBARGO_LISTEN", "not-an-address", "listen"),
        (
            "EMBARGO_DATABASE_URL",
            "mysql://localhost/x",
            "database_url",
        ),
        ("EMBARGO_PUBLIC_URL", "ftp://x", "public_url"),
        (
            "EMBARGO_SESSION_IDLE_TIMEOUT",
            "a while",
            "session_idle_timeout",
        ),
        (
            "EMBARGO_LOGIN_MAX_FAILURES_PER_IP",
            "0",
            "login_max_failures_per_ip",
        ),
        ("EMBARGO_SECURE_COOKIES", "maybe", "secure_cookies"),
    ];
    for (var, value, key) in cases {
        let (code, _, err) = run(&["config", "check"], &[(var, value)]);
        assert_eq!(code, 78, "{var}={value}: {err}");
        assert!(
            err.contains(&format!("configuration key `{key}` (from {var})")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "one message, not a trace: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("embargo.toml");
    std::fs::write(&file, "listen = [1, 2]\n").unwrap();
    let (code, _, err) = run(
        &["--config", file.to_str().unwrap(), "config", "check"],
        &[],
    );
    assert_eq!(code, 78);
    assert!(
        err.contains("`listen`") && err.contains("expected a string"),
        "{err}"
    );
}

#[test]
fn config_check_redacts_secrets() {
    let (code, out, err) = run(
        &["config", "check"],
        &[(
            "EMBARGO_DATABASE_URL",
            "postgres://embargo:s3cret-pass@127.0.0.1/embargo",
        )],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("database_url = \"postgres://embargo:***@127.0.0.1/embargo\""),
        "{out}"
    );
    assert!(!out.contains("s3cret"), "{out}");
    assert!(out.contains("EMBARGO_DATABASE_URL"));
}

#[test]
fn unreachable_database_is_one_clear_error() {
    let (code, _, err) = run(
        &["migrate"],
        &[(
            "EMBARGO_DATABASE_URL",
            "postgres://nobody:pw@127.0.0.1:1/none",
        )],
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: the database is unavailable: cannot connect to postgres://nobody:***@127.0.0.1:1/none"), "{err}");
    assert!(!err.contains("panicked") && !err.contains(":pw@"), "{err}");
}

#[test]
fn bad_arguments_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("e.sqlite").display());
    let (code, _, err) = run_cli(
        &url,
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert_eq!(code, 0, "{err}");
    let attempts: [(&[&str], Option<&str>, &str); 5] = [
        (
            &["user", "add", "--email", "a@example.org", "--name", "Again"],
            None,
            "an account for a@example.org already exists",
        ),
        (
            &["user", "add", "--email", "not-an-address", "--name", "X"],
            None,
            "is not an e-mail address",
        ),
        (
            &[
                "user",
                "add",
                "--email",
                "b@example.org",
                "--name",
                "B",
                "--password-stdin",
            ],
            Some("short\n"),
            "too short",
        ),
        (
            &["project", "add", "--slug", "Bad Slug", "--name", "X"],
            None,
            "not a valid project slug",
        ),
        (
            &[
                "project",
                "member",
                "add",
                "--project",
                "nope",
                "--email",
                "a@example.org",
            ],
            None,
            "project `nope` not found",
        ),
    ];
    for (args, stdin, expected) in attempts {
        let (code, _, err) = run_cli(&url, dir.path(), args, stdin);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (_, out, _) = run_cli(&url, dir.path(), &["user", "list"], None);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("a@example.org\tA"),
        "the first account was changed: {out}"
    );
    let (code, out, _) = run_cli(&url, dir.path(), &["audit", "verify"], None);
    assert_eq!(code, 0);
    assert!(out.contains("1 events"), "{out}");
}

#[tokio::test]
async fn generated_password_is_printed_once_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("e.sqlite").display());
    let (code, out, err) = run_cli(
        &url,
        dir.path(),
        &["user", "add", "--email", "a@example.org", "--name", "A"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("password printed")
        .to_owned();
    assert!(password.len() >= 16);
    assert_eq!(
        out.matches(&password).count(),
        1,
        "printed more than once: {out}"
    );
    assert!(!out.contains("$argon2"), "the hash was printed: {out}");
    // The printed password is the one stored (as argon2id), and only it verifies.
    let db = embargo::store::Db::connect(&embargo::config::DatabaseUrl::parse(&url).unwrap())
        .await
        .unwrap();
    let mut c = db.acquire().await.unwrap();
    let user = embargo::store::users::by_email(c.conn(), "a@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(embargo::auth::password::verify(
        &password,
        &user.password_hash
    ));
    assert!(!embargo::auth::password::verify(
        "not the password",
        &user.password_hash
    ));
}

#[tokio::test]
async fn demo_prints_credentials_that_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&["--demo"], &[], dir.path());
    assert!(
        dir.path().join("embargo-data/embargo.sqlite").exists(),
        "the default data dir was not used"
    );
    let email = server
        .banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("E-mail:"))
        .unwrap()
        .trim()
        .to_owned();
    let password = server
        .banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("Password:"))
        .unwrap()
        .trim()
        .to_owned();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let home = client
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Demo Project"), "{home}");
    let login = client
        .get(server.url("/team/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::support::csrf_in(&login);
    let dashboard = client
        .post(server.url("/team/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email.as_str()),
            ("password", password.as_str()),
            ("next", "/team/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), reqwest::StatusCode::OK);
    let html = dashboard.text().await.unwrap();
    assert!(
        html.contains("Dashboard") && html.contains("Demo Project"),
        "{html}"
    );
    // The demo shows the whole flow: cases in the earlier states on the dashboard …
    for state in ["acknowledged", "accepted", "fixing", "scheduled"] {
        assert!(
            html.contains(&format!("<td>{state}</td>")),
            "no {state} case on the dashboard:\n{html}"
        );
    }
    // … and two published advisories in the public archive, with valid exports.
    let archive = client
        .get(server.url("/p/demo/advisories"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let year = jiff::Timestamp::now().strftime("%Y").to_string();
    for (n, title) in [
        (1, "Stored cross-site scripting in the comment preview"),
        (2, "SQL injection in the search filter"),
    ] {
        let id = format!("DEMO-{year}-{n:03}");
        assert!(
            archive.contains(&id) && archive.contains(title),
            "{archive}"
        );
        for (ext, kind) in [("osv", "osv"), ("csaf", "csaf")] {
            let r = client
                .get(server.url(&format!("/p/demo/advisories/{id}.{ext}.json")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK, "{id}.{ext}.json");
            crate::exports::validate(kind, &r.text().await.unwrap());
        }
    }
    assert!(
        !archive.contains("Path traversal"),
        "a scheduled case is in the archive"
    );
    drop(server);
    // A second start finds the data and changes nothing.
    let again = ServerProcess::start(&["--demo"], &[], dir.path());
    assert!(
        again.banner.contains("Demo data already present"),
        "{}",
        again.banner
    );
}

/// `embargo … | head -1`: a reader that closes the pipe early ends the command quietly
/// (no panic message, no failure status), as Unix tools do (issue #19, item 11).
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let mut child = std::process::Command::new(crate::support::bin())
        .args(["secret", "generate"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the command writes.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}
