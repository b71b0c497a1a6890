//! A real browser: headless Chromium (Debian's), driven by Playwright, with
//! JavaScript disabled — the way a cautious reporter uses the report form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Kind, TestApp, run_cli};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporter_without_javascript_submits_opens_the_case_and_replies() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policies/demo.toml");
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &["project", "add", "--policy", demo],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let shots = shots_dir();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/report_flow.mjs");
    let base = app.base.clone();
    let shots_path = shots.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        crate::support::tool("node")
            .arg(script)
            .arg(&base)
            .arg("demo")
            .arg(&shots_path)
            .output()
    })
    .await
    .unwrap()
    .expect("node is installed by scripts/install-test-deps.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flow failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("OK"), "{stdout}");
    // What the browser did is in the database: one case, its attachment, the reply in the thread.
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM cases WHERE reporter_email = 'browser-reporter@example.net' AND wants_credit").await, 1);
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM case_attachments WHERE filename = 'poc.txt'")
            .await,
        1
    );
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM case_messages WHERE author = 'reporter' AND body = 'A second vector: the logout page too.'").await, 1);
    assert!(shots.path().join("case-page.png").exists());
}

/// Where a browser flow puts its screenshots: a temporary directory, deleted
/// afterwards unless `EMBARGO_KEEP_SHOTS` is set, so a person can look at them.
struct Shots {
    _tmp: Option<tempfile::TempDir>,
    path: std::path::PathBuf,
}

impl Shots {
    fn path(&self) -> &std::path::Path {
        &self.path
    }
}

fn shots_dir() -> Shots {
    let tmp = tempfile::Builder::new()
        .prefix("embargo-shots-")
        .tempdir()
        .unwrap();
    if std::env::var_os("EMBARGO_KEEP_SHOTS").is_some() {
        let path = tmp.keep();
        eprintln!("screenshots kept in {}", path.display());
        return Shots { _tmp: None, path };
    }
    Shots {
        path: tmp.path().to_owned(),
        _tmp: Some(tmp),
    }
}

fn node(args: Vec<String>) -> std::process::Output {
    crate::support::tool("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/browser/triage_flow.mjs"
        ))
        .args(args)
        .output()
        .expect("node is installed by scripts/install-test-deps.sh")
}

/// The team triages in the browser (accept with the checklist, severity with CVSS,
/// invite a collaborator); the collaborator's link opens that case and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_triages_and_a_collaborator_sees_only_that_case() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policies/demo.toml");
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &["project", "add", "--policy", demo],
        None,
    );
    assert_eq!(code, 0, "{err}");
    app.user("lead@example.org", "correct horse battery staple", false)
        .await;
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &[
            "project",
            "member",
            "add",
            "--project",
            "demo",
            "--email",
            "lead@example.org",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let mut ids = Vec::new();
    for (n, subject) in [
        (1, "SQL injection in the search filter"),
        (2, "A different secret issue"),
    ] {
        let mail = format!(
            "From: r{n}@example.net\r\nTo: security@demo.example\r\nSubject: {subject}\r\nMessage-ID: <browser-{n}@example.net>\r\n\r\nDetails of report {n}.\r\n"
        );
        match embargo::service::ingest::ingest(
            &app.state.db,
            &app.state.cfg,
            None,
            mail.as_bytes(),
            None,
        )
        .await
        .unwrap()
        {
            embargo::service::ingest::Outcome::NewCase(id) => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    let shots = shots_dir();
    let shots_path = shots.path().display().to_string();
    let base = app.base.clone();
    let args = vec![
        "team".into(),
        base.clone(),
        "lead@example.org".into(),
        "correct horse battery staple".into(),
        ids[0].to_string(),
        shots_path.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || node(args))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "team flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK"), "{stdout}");
    assert_eq!(app.db.scalar(&format!("SELECT COUNT(*) FROM cases WHERE id = {} AND state = 'accepted' AND cwe = 89 AND severity = 'High'", ids[0])).await, 1);

    let raw = app
        .db
        .blobs("SELECT raw FROM outbox WHERE purpose = 'guest-invitation'")
        .await;
    let text = embargo::mail::inbound::parse(&raw[0], &[], &[])
        .unwrap()
        .text;
    let start = text.find("/g/").unwrap();
    let end = text[start..]
        .find(char::is_whitespace)
        .map(|e| start + e)
        .unwrap_or(text.len());
    let link = text[start..end].to_owned();
    let args = vec!["guest".into(), base, link, ids[1].to_string(), shots_path];
    let out = tokio::task::spawn_blocking(move || node(args))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "guest flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("another case is not reachable"), "{stdout}");
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.guest_viewed'")
            .await,
        1
    );
    assert!(shots.path().join("guest-case.png").exists());
}

/// On the demo instance, the team schedules a disclosure in the browser (date, hour,
/// IANA zone; the case page lists the steps the scheduler will fire), then publishes
/// it; the advisory heads the public archive and its page shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_schedules_then_publishes_in_the_browser() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let password = match embargo::demo::ensure(&app.state.db, &app.state.cfg)
        .await
        .unwrap()
    {
        embargo::demo::DemoState::Created { password } => password,
        other => panic!("{other:?}"),
    };
    let case = app
        .db
        .scalar("SELECT id FROM cases WHERE summary LIKE 'Open redirect%' AND state = 'accepted'")
        .await;
    // Ten days ahead in the project's zone: past the policy's 7-day pre-announcement lead.
    let date = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 10))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
        .strftime("%Y-%m-%d")
        .to_string();
    let shots = shots_dir();
    let args = vec![
        app.base.clone(),
        embargo::demo::DEMO_EMAIL.to_owned(),
        password,
        case.to_string(),
        date.clone(),
        shots.path().display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        crate::support::tool("node")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/browser/disclosure_flow.mjs"
            ))
            .args(args)
            .output()
    })
    .await
    .unwrap()
    .expect("node is installed by scripts/install-test-deps.sh");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "disclosure flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK"), "{stdout}");
    // What the browser did is in the database: the schedule in its zone, then publication.
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {case} AND state = 'published' AND disclose_zone = 'Europe/Amsterdam' AND published_at IS NOT NULL"
            ))
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM advisories WHERE case_id = {case} AND public_id IS NOT NULL AND workarounds = 'Strip the next parameter at the proxy.'"
            ))
            .await,
        1
    );
    for action in ["case.schedule", "case.publish"] {
        assert_eq!(
            app.db
                .scalar(&format!(
                    "SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND object_id = '{case}'"
                ))
                .await,
            1,
            "{action}"
        );
    }
    // Published early, with its reason in the audit trail.
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'case.publish' AND object_id = '{case}' AND details LIKE '%The fix leaked in a public commit.%'"
            ))
            .await,
        1
    );
    // Publishing by hand cancelled the jobs the schedule had made.
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM disclosure_jobs WHERE case_id = {case} AND status = 'pending'"
            ))
            .await,
        0
    );
    assert!(shots.path().join("advisory.png").exists());
}

fn list_flow(args: Vec<String>) -> String {
    let out = crate::support::tool("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/browser/list_flow.mjs"
        ))
        .args(&args)
        .output()
        .expect("node is installed by scripts/install-test-deps.sh");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.contains("OK"),
        "list flow {:?} failed:\n{stdout}\n{}",
        args.first(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// An applicant asks to join the pre-notification list with their key, confirms the
/// address from the mail (encrypted to that key), the team approves in the browser,
/// and the next pre-notification reaches the new member encrypted to that key: gpg
/// decrypts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicant_joins_the_list_and_receives_the_next_pre_notification() {
    use crate::lists::{Desk, PW, decrypt, link};
    let desk = Desk::new(Kind::Sqlite).await;
    let gpg = crate::gpg::Gpg::new();
    let fpr = gpg.generate("Robin Packager <robin@packager.example>", "cv25519");
    let shots = shots_dir();
    let key_file = shots.path().join("robin.asc");
    std::fs::write(&key_file, gpg.export(&fpr)).unwrap();
    let base = desk.app.base.clone();
    let shots_path = shots.path().display().to_string();
    let args = vec![
        "apply".to_owned(),
        base.clone(),
        "Robin Packager".into(),
        "robin@packager.example".into(),
        key_file.display().to_string(),
        fpr.clone(),
        shots_path.clone(),
    ];
    tokio::task::spawn_blocking(move || list_flow(args))
        .await
        .unwrap();
    let mails = desk.deliver().await;
    assert_eq!(mails.len(), 1);
    let confirm = link(
        &decrypt(&gpg, &mails[0].data),
        "/p/demo/notification-list/requests/",
    );
    let args = vec![
        "confirm".to_owned(),
        base.clone(),
        confirm,
        shots_path.clone(),
    ];
    tokio::task::spawn_blocking(move || list_flow(args))
        .await
        .unwrap();
    desk.deliver().await;
    let id = desk.app.db.scalar("SELECT id FROM list_requests").await;
    let args = vec![
        "approve".to_owned(),
        base,
        "lead@demo.example".into(),
        PW.into(),
        id.to_string(),
        shots_path,
    ];
    tokio::task::spawn_blocking(move || list_flow(args))
        .await
        .unwrap();
    assert_eq!(
        desk.app
            .db
            .scalar(&format!("SELECT COUNT(*) FROM list_members WHERE email = 'robin@packager.example' AND fingerprint = '{fpr}' AND group_id = 'maintainers'"))
            .await,
        1
    );
    let approved = desk.deliver().await;
    assert!(decrypt(&gpg, &approved[0].data).contains("Welcome to the list."));

    let case = desk.scheduled_case().await;
    embargo::service::disclosure::pre_notify_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(
            &desk.app.state.db,
            &embargo::domain::actor::Actor::Cli,
            None::<i64>,
            case,
        )
        .await,
    )
    .await
    .unwrap();
    let notes = desk.deliver().await;
    let to_robin: Vec<_> = notes
        .iter()
        .filter(|m| m.to == ["robin@packager.example"])
        .collect();
    assert_eq!(to_robin.len(), 1, "one pre-notification for the new member");
    let text = decrypt(&gpg, &to_robin[0].data);
    assert!(
        text.contains("Path traversal in the static file handler"),
        "{text}"
    );
    assert!(shots.path().join("list-members.png").exists());
}
