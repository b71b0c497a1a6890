//! Two `embargo serve` processes on one database share sign-ins and data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, ServerProcess, TestDb, csrf_in, run_cli};
use reqwest::StatusCode;

on_both_backends!(two_processes_share_logins_and_data);

async fn two_processes_share_logins_and_data(kind: Kind) {
    let t = TestDb::new(kind).await;
    let url = t.url_text.clone();
    let dir = t.dir.path().to_owned();
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--admin",
            "--password-stdin",
        ],
        Some("correct horse battery staple\n"),
    );
    assert_eq!(code, 0, "{err}");
    let envs = [
        ("EMBARGO_DATABASE_URL", url.as_str()),
        ("EMBARGO_REQUIRE_TWO_FACTOR", "false"),
    ];
    let a = ServerProcess::start(&[], &envs, &dir);
    let b = ServerProcess::start(&[], &envs, &dir);
    assert_ne!(a.base, b.base);

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The form comes from A, the sign-in goes to B: the CSRF key is shared.
    let token = csrf_in(
        &client
            .get(a.url("/team/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = client
        .post(b.url("/team/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@example.org"),
            ("password", "correct horse battery staple"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The session made by B opens A's pages.
    assert_eq!(
        client.get(a.url("/team/")).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Data written through one process is visible through the other.
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &[
            "project",
            "add",
            "--slug",
            "shared",
            "--name",
            "Shared Project",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    for server in [&a, &b] {
        let home = client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("Shared Project"));
    }

    // Signing out on A ends the session for B too.
    let token = csrf_in(
        &client
            .get(a.url("/team/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = client
        .post(a.url("/team/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client.get(b.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}
