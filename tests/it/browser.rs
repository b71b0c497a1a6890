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

/// #20: every public and team page, in every state the demo holds (cases received,
/// accepted, fixing, scheduled, published, rejected; a list request; advisories), and the
/// error states of its forms, pass axe-core's WCAG 2.1 A and AA checks; no public page
/// scrolls sideways at 390 px. Screenshots of the reporter page, the inbox and case pages
/// in three states go to `target/browser-shots/audit/` for whoever changes a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_and_fits_a_phone() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    embargo::demo::ensure(&app.state.db, &app.state.cfg)
        .await
        .unwrap();
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &[
            "project",
            "add",
            "--policy",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policies/django.toml"),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let pw = "correct horse battery staple";
    app.user("auditor@example.org", pw, true).await;
    for project in ["demo", "django"] {
        embargo::service::projects::add_member(
            &app.state.db,
            &embargo::domain::actor::Actor::Cli,
            &project.parse().unwrap(),
            &"auditor@example.org".parse().unwrap(),
            "team".parse().unwrap(),
        )
        .await
        .unwrap();
    }
    // A reporter's page: a report through the form, its private link.
    let reporter = app.client();
    let r = crate::intake::submit(&app, &reporter, "demo", |csrf| {
        crate::intake::report_form(
            csrf,
            &[
                ("summary", "Audit: a reflected XSS"),
                ("details", "The search page echoes the q parameter."),
                ("versions_tested", "2.1.0 is vulnerable"),
                ("email", "audit-reporter@example.net"),
            ],
        )
    })
    .await;
    assert_eq!(
        r.status(),
        reqwest::StatusCode::SEE_OTHER,
        "the audit's report was refused"
    );
    let reporter_page = crate::support::location(&r);
    let reporter_page = reporter_page.split('?').next().unwrap().to_owned();
    // A notification-list request, for its review page.
    let project = embargo::service::projects::find(&app.state.db, "demo")
        .await
        .unwrap();
    let cases: Vec<i64> = {
        let n = app.db.scalar("SELECT COUNT(*) FROM cases").await;
        (1..=n).collect()
    };
    let advisories = embargo::service::advisories::archive(&app.state.db, &project, None, 10)
        .await
        .unwrap();
    assert!(!advisories.is_empty(), "the demo publishes advisories");
    let adv = &advisories[0].id;
    let mut public: Vec<String> = [
        "/",
        "/p/demo/",
        "/p/demo/policy",
        "/p/demo/report",
        "/p/demo/advisories",
        "/p/demo/announce",
        "/p/demo/notification-list/apply",
        "/p/django/",
        "/p/django/policy",
        "/team/login",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    public.push(format!("/p/demo/advisories/{adv}"));
    public.push(reporter_page.clone());
    // A collaborator's page: an invitation on the first case, its link from the mail.
    embargo::service::guests::invite(
        &app.state.db,
        &app.state.cfg,
        &crate::support::case_for(
            &app.state.db,
            &embargo::domain::actor::Actor::Cli,
            None::<i64>,
            state_case(&app, "fixing").await,
        )
        .await,
        &embargo::service::guests::Invitation {
            email: "guest@upstream.example".into(),
            name: "Upstream Guest".into(),
            role: "upstream".into(),
            note: String::new(),
            key: String::new(),
        },
    )
    .await
    .unwrap();
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
        .map_or(text.len(), |e| start + e);
    public.push(text[start..end].to_owned());
    // A notification-list request: the applicant's page (its link arrives encrypted to
    // their key) and the team's review page.
    let gpg = crate::gpg::Gpg::new();
    let fpr = gpg.generate("Pat Maintainer <pat@maintainer.example>", "cv25519");
    let key = String::from_utf8(gpg.export(&fpr)).unwrap();
    let applicant = app.client();
    let csrf = app
        .csrf(&applicant, "/p/demo/notification-list/apply")
        .await;
    let mut fields = vec![("csrf_token", csrf.as_str())];
    fields.extend(crate::lists::individual(
        "pat@maintainer.example",
        &key,
        &fpr[fpr.len() - 16..],
    ));
    let r = applicant
        .post(app.url("/p/demo/notification-list/apply"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::OK,
        "{}",
        r.text().await.unwrap()
    );
    let raw = app
        .db
        .blobs("SELECT raw FROM outbox WHERE recipients LIKE '%pat@maintainer.example%'")
        .await;
    let text = crate::lists::decrypt(&gpg, &raw[0]);
    let start = text.find("/p/demo/notification-list/requests/").unwrap();
    let end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |e| start + e);
    public.push(text[start..end].to_owned());
    let request_id = app.db.scalar("SELECT MAX(id) FROM list_requests").await;
    let mut team: Vec<String> = [
        "/team/",
        "/team/projects/demo",
        "/team/projects/demo/list",
        "/team/audit",
        "/team/account",
        "/team/cvss?version=3.1",
        "/team/cvss?version=4.0",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    team.extend(cases.iter().map(|c| format!("/team/cases/{c}")));
    team.push(format!("/team/projects/demo/list/requests/{request_id}"));
    let new_case = *cases.last().unwrap();
    let plan = serde_json::json!({
        "public": public,
        "team": team,
        "forms": [
            {"name": "report-form", "page": "/p/demo/report", "form": "form.report",
             "set": {"#summary": "x"}, "team": false, "expect": "Your report was not sent"},
            {"name": "list-apply", "page": "/p/demo/notification-list/apply",
             "form": "form[action=\"/p/demo/notification-list/apply\"]", "set": {}, "team": false},
            {"name": "decide-without-checklist", "page": format!("/team/cases/{new_case}"),
             "form": format!("form[action=\"/team/cases/{new_case}/decide\"]"),
             "set": {"input[name=verdict][value=accept]": true}, "team": true,
             "expect": "answer every threat-model check"},
            {"name": "login-wrong-password", "page": "/team/login",
             "form": "form[action=\"/team/login\"]",
             "set": {"#email": "auditor@example.org", "#password": "not the password"},
             "team": false},
            {"name": "severity-partial-vector", "page": format!("/team/cases/{new_case}"),
             "form": format!("form[action=\"/team/cases/{new_case}/severity\"]"),
             "set": {"#cvss3": "CVSS:3.1/AV:N"}, "team": true, "expect": "CVSS 3"},
        ],
        "shots": {
            "inbox": "/team/",
            "reporter-page": reporter_page,
            "case-received": format!("/team/cases/{new_case}"),
            "case-fixing": format!("/team/cases/{}", state_case(&app, "fixing").await),
            "case-published": format!("/team/cases/{}", state_case(&app, "published").await),
        },
    });
    let shots = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/browser-shots/audit"
    ));
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let base = app.base.clone();
    let shots_arg = shots.display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = crate::support::tool("node")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/browser/audit_pages.mjs"
            ))
            .args([base.as_str(), "auditor@example.org", pw, shots_arg.as_str()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node is installed by scripts/install-test-deps.sh");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(plan.to_string().as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "accessibility or layout problems:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK"), "{stdout}");
    for name in [
        "inbox",
        "reporter-page",
        "case-received",
        "case-fixing",
        "case-published",
    ] {
        assert!(shots.join(format!("{name}.png")).exists(), "{name}.png");
    }
}

/// The first case in `state`.
async fn state_case(app: &TestApp, state: &str) -> i64 {
    app.db
        .scalar(&format!(
            "SELECT MIN(id) FROM cases WHERE state = '{state}'"
        ))
        .await
}
