//! `embargo audit verify` on a real database: intact, altered, removed, reordered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, run_cli};

on_both_backends!(
    verify_passes_on_an_untouched_trail,
    verify_names_an_altered_event,
    verify_names_a_removed_event,
    verify_names_reordered_events,
    every_state_change_is_audited,
    verify_with_a_recorded_head_detects_a_rewritten_trail,
);

/// F15: anyone who can write the database can rebuild a consistent chain; a
/// head hash recorded outside it (`audit verify` prints it) then tells.
async fn verify_with_a_recorded_head_detects_a_rewritten_trail(kind: Kind) {
    let app = app_with_events(kind).await;
    let (code, out, _) = verify(&app);
    assert_eq!(code, 0);
    let head = out.trim().rsplit(' ').next().unwrap().to_owned();
    let with_head = |h: &str| {
        run_cli(
            &app.db.url_text,
            app.db.dir.path(),
            &["audit", "verify", "--head", h],
            None,
        )
    };
    // One more event: the recorded head is still in the chain.
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &["project", "add", "--slug", "delta", "--name", "Delta"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = with_head(&head);
    assert_eq!(code, 0, "{out}{err}");
    // The whole trail rebuilt from scratch: consistent, but the recorded head is gone.
    app.db.exec("DELETE FROM audit_events").await;
    app.db
        .exec("UPDATE audit_head SET seq = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000'")
        .await;
    for (slug, name) in [("eve", "Eve"), ("fake", "Fake")] {
        let (code, _, err) = run_cli(
            &app.db.url_text,
            app.db.dir.path(),
            &["project", "add", "--slug", slug, "--name", name],
            None,
        );
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, _) = verify(&app);
    assert_eq!(code, 0, "the rebuilt chain is consistent on its own: {out}");
    let (code, _, err) = with_head(&head);
    assert_eq!(code, 1);
    assert!(err.contains("REWRITTEN") && err.contains(&head), "{err}");
}

async fn app_with_events(kind: Kind) -> TestApp {
    let app = TestApp::spawn(kind).await;
    let dir = app.db.dir.path().to_owned();
    let url = app.db.url_text.clone();
    for (slug, name) in [("alpha", "Alpha"), ("beta", "Beta"), ("gamma", "Gamma")] {
        let (code, _, err) = run_cli(
            &url,
            &dir,
            &["project", "add", "--slug", slug, "--name", name],
            None,
        );
        assert_eq!(code, 0, "{err}");
    }
    app
}

fn verify(app: &TestApp) -> (i32, String, String) {
    run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &["audit", "verify"],
        None,
    )
}

async fn verify_passes_on_an_untouched_trail(kind: Kind) {
    let app = app_with_events(kind).await;
    let (code, out, err) = verify(&app);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("audit trail intact: 3 events"), "{out}");
}

async fn verify_names_an_altered_event(kind: Kind) {
    let app = app_with_events(kind).await;
    app.db
        .exec("UPDATE audit_events SET details = '{\"name\":\"Tampered\"}' WHERE seq = 2")
        .await;
    let (code, _, err) = verify(&app);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("event #2") && err.contains("altered"), "{err}");
}

async fn verify_names_a_removed_event(kind: Kind) {
    let app = app_with_events(kind).await;
    app.db.exec("DELETE FROM audit_events WHERE seq = 2").await;
    let (code, _, err) = verify(&app);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("event #2: missing"), "{err}");

    let app = app_with_events(kind).await;
    app.db.exec("DELETE FROM audit_events WHERE seq = 3").await;
    let (code, _, err) = verify(&app);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("event #3") && err.contains("chain head"),
        "{err}"
    );
}

async fn verify_names_reordered_events(kind: Kind) {
    let app = app_with_events(kind).await;
    // Swap the contents of events 1 and 2, keeping their positions.
    app.db
        .exec("UPDATE audit_events SET seq = -1 WHERE seq = 1")
        .await;
    app.db
        .exec("UPDATE audit_events SET seq = 1 WHERE seq = 2")
        .await;
    app.db
        .exec("UPDATE audit_events SET seq = 2 WHERE seq = -1")
        .await;
    let (code, _, err) = verify(&app);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("event #1"), "{err}");
}

async fn every_state_change_is_audited(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let dir = app.db.dir.path().to_owned();
    let url = app.db.url_text.clone();
    let steps: [&[&str]; 4] = [
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--admin",
        ],
        &["project", "add", "--slug", "alpha", "--name", "Alpha"],
        &[
            "project",
            "member",
            "add",
            "--project",
            "alpha",
            "--email",
            "a@example.org",
        ],
        &[
            "token",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "ci",
        ],
    ];
    for args in steps {
        let (code, _, err) = run_cli(&url, &dir, args, None);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let (code, out, _) = run_cli(&url, &dir, &["audit", "list"], None);
    assert_eq!(code, 0);
    for action in [
        "user.created",
        "project.created",
        "membership.added",
        "api_token.created",
    ] {
        assert!(out.contains(action), "{action} missing from:\n{out}");
    }
    assert!(out.lines().all(|l| l.contains("\tcli\t")), "{out}");
}
