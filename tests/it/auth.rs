//! Signing in and out over real HTTP: passwords, TOTP, recovery codes,
//! CSRF, session expiry, server-side logout, rate limits, API tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, code_with_class, csrf_in, location, run_cli, set_cookie};
use embargo::auth::totp;
use reqwest::StatusCode;

const PW: &str = "correct horse battery staple";

on_both_backends!(
    right_password_signs_in_and_wrong_one_does_not,
    unknown_account_gets_the_same_answer_as_a_wrong_password,
    team_pages_need_a_session,
    totp_enrolment_then_required_at_login,
    wrong_totp_code_is_refused,
    replayed_totp_code_is_refused,
    recovery_codes_work_once,
    missing_or_wrong_csrf_token_is_refused,
    idle_session_expires,
    old_session_expires_however_active,
    logout_ends_the_session_on_the_server,
    account_limit_after_repeated_failures,
    address_limit_after_repeated_failures,
    required_two_factor_sends_to_enrolment,
    api_needs_a_live_token,
    malformed_form_is_a_clear_400,
    database_outage_is_a_503_without_internals,
    disabled_account_cannot_sign_in_or_use_tokens,
);

async fn right_password_signs_in_and_wrong_one_does_not(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let r = app
        .login(&client, "a@example.org", "not the password at all")
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("e-mail address or password is not correct"),
        "{body}"
    );
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    let r = app.login(&client, "A@Example.org", PW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/team/");
    let cookie = set_cookie(&r, "embargo_session").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let page = client.get(app.url("/team/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Dashboard"));
}

async fn unknown_account_gets_the_same_answer_as_a_wrong_password(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let wrong = app
        .login(&client, "a@example.org", "wrong password here")
        .await;
    let (s1, b1) = (wrong.status(), wrong.text().await.unwrap());
    let unknown = app
        .login(&client, "nobody@example.org", "wrong password here")
        .await;
    let (s2, b2) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(s1, s2);
    let strip = |b: &str| {
        b.replace("a@example.org", "X")
            .replace("nobody@example.org", "X")
            .lines()
            .filter(|l| !l.contains("csrf_token"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&b1),
        strip(&b2),
        "the answers differ, revealing which accounts exist"
    );
}

async fn team_pages_need_a_session(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let client = app.client();
    for path in ["/team/", "/team/account", "/team/audit", "/team/projects/x"] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(&r).starts_with("/team/login?next="),
            "{path} → {}",
            location(&r)
        );
    }
}

/// Sign in, enrol TOTP through the pages; returns (client, secret, the step used to confirm, recovery codes).
pub async fn enrol(app: &TestApp) -> (reqwest::Client, String, u64, Vec<String>) {
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    assert_eq!(
        app.login(&client, "a@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
    let token = app.csrf(&client, "/team/account").await;
    let r = client
        .post(app.url("/team/account/two-factor/start"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(app.url("/team/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = code_with_class(&page, "secret").expect("secret shown");
    let uri = code_with_class(&page, "uri").expect("otpauth URI shown");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let qr = client
        .get(app.url("/team/account/two-factor/qr.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    let now = jiff::Timestamp::now().as_second() as u64;
    let code = totp::code_at(&secret, now).unwrap();
    let token = csrf_in(&page);
    let r = client
        .post(app.url("/team/account/two-factor/confirm"))
        .form(&[("csrf_token", token.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{page}");
    (client, secret, now / 30, codes)
}

pub async fn sign_out(app: &TestApp, client: &reqwest::Client) {
    let token = app.csrf(client, "/team/account").await;
    let r = client
        .post(app.url("/team/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

pub async fn second_factor(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
) -> reqwest::Response {
    let r = app.login(client, "a@example.org", PW).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&r).starts_with("/team/login/second-factor"),
        "{}",
        location(&r)
    );
    // A half-signed-in session opens no team page.
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let token = app.csrf(client, "/team/login/second-factor").await;
    client
        .post(app.url("/team/login/second-factor"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("code", code),
            ("next", "/team/"),
        ])
        .send()
        .await
        .unwrap()
}

async fn totp_enrolment_then_required_at_login(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (client, secret, step, _) = enrol(&app).await;
    sign_out(&app, &client).await;
    let next = totp::code_at(&secret, (step + 1) * 30).unwrap();
    let r = second_factor(&app, &client, &next).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/team/");
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::OK
    );
}

async fn wrong_totp_code_is_refused(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (client, secret, step, _) = enrol(&app).await;
    sign_out(&app, &client).await;
    let good = totp::code_at(&secret, (step + 1) * 30).unwrap();
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let r = second_factor(&app, &client, wrong).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("that code is not correct"));
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

async fn replayed_totp_code_is_refused(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (client, secret, step, _) = enrol(&app).await;
    sign_out(&app, &client).await;
    // The code that confirmed enrolment cannot sign in.
    let used = totp::code_at(&secret, step * 30).unwrap();
    let r = second_factor(&app, &client, &used).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("already been used"));
    // A fresh code works once, then is refused on a second sign-in.
    let fresh = totp::code_at(&secret, (step + 1) * 30).unwrap();
    let token = app.csrf(&client, "/team/login/second-factor").await;
    let r = client
        .post(app.url("/team/login/second-factor"))
        .form(&[("csrf_token", token.as_str()), ("code", fresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    sign_out(&app, &client).await;
    let r = second_factor(&app, &client, &fresh).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("already been used"));
}

async fn recovery_codes_work_once(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (client, _, _, codes) = enrol(&app).await;
    sign_out(&app, &client).await;
    let r = second_factor(&app, &client, &codes[3].to_uppercase()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "recovery code refused");
    let account = client
        .get(app.url("/team/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains("Recovery codes left: 9"), "{account}");
    sign_out(&app, &client).await;
    let r = second_factor(&app, &client, &codes[3]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a used recovery code worked again"
    );
}

async fn missing_or_wrong_csrf_token_is_refused(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let token = app.csrf(&client, "/team/login").await;
    // Missing.
    let r = client
        .post(app.url("/team/login"))
        .form(&[("email", "a@example.org"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("This form has expired or was not sent from this site")
    );
    // Wrong.
    let r = client
        .post(app.url("/team/login"))
        .form(&[
            ("csrf_token", "forged"),
            ("email", "a@example.org"),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Valid for another browser only.
    let other = app.client();
    let r = other
        .post(app.url("/team/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@example.org"),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Not a form at all.
    let r = client
        .post(app.url("/team/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Nothing above signed anyone in; the real token does.
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM sessions").await, 0);
    let r = client
        .post(app.url("/team/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@example.org"),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Signed in, the sign-out form needs the session-bound token too.
    let r = client
        .post(app.url("/team/logout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "pre-login token accepted after sign-in"
    );
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM sessions").await, 1);
}

async fn idle_session_expires(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    app.login(&client, "a@example.org", PW).await;
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Idle for longer than the 2-hour default.
    let past = jiff::Timestamp::now().as_second() - 3 * 3600;
    app.db
        .exec(&format!("UPDATE sessions SET last_seen_at = {past}"))
        .await;
    let r = client.get(app.url("/team/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/team/login"));
    assert_eq!(
        app.db.scalar("SELECT COUNT(*) FROM sessions").await,
        0,
        "expired session kept"
    );
}

async fn old_session_expires_however_active(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("EMBARGO_SESSION_MAX_AGE", "1 hour")]).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    app.login(&client, "a@example.org", PW).await;
    let past = jiff::Timestamp::now().as_second() - 3601;
    app.db
        .exec(&format!("UPDATE sessions SET created_at = {past}"))
        .await;
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

async fn logout_ends_the_session_on_the_server(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let r = app.login(&client, "a@example.org", PW).await;
    let cookie = set_cookie(&r, "embargo_session")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    sign_out(&app, &client).await;
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM sessions").await, 0);
    // Replaying the old cookie from another client gets nowhere.
    let thief = app.client();
    let r = thief
        .get(app.url("/team/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/team/login"));
}

async fn account_limit_after_repeated_failures(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            app.login(&client, "a@example.org", "wrong password!!")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login(&client, "a@example.org", PW).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right password got through a locked account"
    );
    assert!(r.text().await.unwrap().contains("too many failed attempts"));
    // Another account from the same address is not locked by it.
    app.user("b@example.org", PW, false).await;
    assert_eq!(
        app.login(&client, "b@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn address_limit_after_repeated_failures(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("EMBARGO_LOGIN_MAX_FAILURES_PER_IP", "3")]).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    for i in 0..3 {
        let r = app
            .login(
                &client,
                &format!("guess{i}@example.org"),
                "wrong password!!",
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.login(&client, "a@example.org", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn required_two_factor_sends_to_enrolment(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("EMBARGO_REQUIRE_TWO_FACTOR", "true")]).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    app.login(&client, "a@example.org", PW).await;
    let r = client.get(app.url("/team/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/team/account");
    let page = client
        .get(app.url("/team/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("requires two-factor authentication"),
        "{page}"
    );
}

async fn api_needs_a_live_token(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = reqwest::Client::new();
    let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let (code, token, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &[
            "token",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "test",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim();
    assert!(token.starts_with("emb_"));
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "a@example.org");
    let r = client
        .get(app.url("/api/v1/projects/nope"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let r = client
        .get(app.url("/api/v1/no-such-endpoint"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );

    let id = app
        .db
        .scalar("SELECT MAX(id) FROM api_tokens")
        .await
        .to_string();
    let (code, _, err) = run_cli(
        &app.db.url_text,
        app.db.dir.path(),
        &["token", "revoke", &id],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn malformed_form_is_a_clear_400(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let client = app.client();
    let token = app.csrf(&client, "/team/login").await;
    let r = client
        .post(app.url("/team/login"))
        .form(&[("csrf_token", token.as_str()), ("email", "a@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("password"),
        "the message should name the missing field: {body}"
    );
}

async fn database_outage_is_a_503_without_internals(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    app.state.db.close().await;
    let client = app.client();
    for path in ["/", "/healthz"] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        let body = r.text().await.unwrap().to_lowercase();
        for leak in ["sqlx", "pool", "postgres", "sqlite", "panicked"] {
            assert!(!body.contains(leak), "{path} leaks `{leak}`: {body}");
        }
    }
    let token = app.csrf(&client, "/team/login").await;
    let r = client
        .post(app.url("/team/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@example.org"),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("Nothing was lost"));
}

async fn disabled_account_cannot_sign_in_or_use_tokens(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let (url, dir) = (app.db.url_text.clone(), app.db.dir.path().to_owned());
    let (_, token, _) = run_cli(
        &url,
        &dir,
        &["token", "create", "--email", "a@example.org", "--name", "t"],
        None,
    );
    let client = app.client();
    assert_eq!(
        app.login(&client, "a@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
    let (code, _, err) = run_cli(
        &url,
        &dir,
        &["user", "disable", "--email", "a@example.org"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        client.get(app.url("/team/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "session survived disabling"
    );
    let r = app.login(&client, "a@example.org", PW).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let api = reqwest::Client::new();
    assert_eq!(
        api.get(app.url("/api/v1/me"))
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (code, _, _) = run_cli(
        &url,
        &dir,
        &["user", "enable", "--email", "a@example.org"],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        app.login(&app.client(), "a@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
}
