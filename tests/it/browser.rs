//! A real browser: headless Chromium (Debian's), driven by Playwright, with
//! JavaScript disabled — the way a cautious reporter uses the report form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Kind, TestApp, run_cli};
use std::process::Command;

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
    let shots = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/report_flow.mjs");
    let base = app.base.clone();
    let shots_path = shots.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
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
