//! Security headers on every route, cookie attributes, error bodies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, set_cookie};
use reqwest::{Method, StatusCode};

on_both_backends!(
    security_headers_on_every_route,
    secure_cookies_when_configured
);

const PW: &str = "correct horse battery staple";

fn assert_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP lacks {directive}: {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        h.get("referrer-policy").map(|v| v.to_str().unwrap()),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(
        h.get("x-frame-options").map(|v| v.to_str().unwrap()),
        Some("DENY"),
        "{what}"
    );
}

async fn security_headers_on_every_route(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, true).await;
    embargo::service::projects::create(
        &app.state.db,
        &embargo::domain::actor::Actor::Cli,
        &"demo".parse().unwrap(),
        "Demo",
    )
    .await
    .unwrap();
    let anonymous = app.client();
    let signed_in = app.client();
    assert_eq!(
        app.login(&signed_in, "a@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
    let routes = [
        "/",
        "/healthz",
        "/static/style.css",
        "/p/demo",
        "/p/demo/",
        "/p/missing/",
        "/team",
        "/team/",
        "/team/login",
        "/team/login/second-factor",
        "/team/account",
        "/team/account/two-factor/qr.svg",
        "/team/projects/demo",
        "/team/projects/missing",
        "/team/audit",
        "/api",
        "/api/v1/me",
        "/api/v1/projects",
        "/api/v1/projects/demo",
        "/api/v1/nope",
        "/no/such/page",
    ];
    for path in routes {
        for (who, client) in [("anonymous", &anonymous), ("signed in", &signed_in)] {
            let r = client.get(app.url(path)).send().await.unwrap();
            assert_headers(&r, &format!("GET {path} ({who}) → {}", r.status()));
        }
    }
    for (method, path) in [
        (Method::POST, "/team/login"),
        (Method::POST, "/team/logout"),
        (Method::PUT, "/team/"),
        (Method::DELETE, "/api/v1/me"),
        (Method::POST, "/p/demo/"),
    ] {
        let r = anonymous
            .request(method.clone(), app.url(path))
            .form(&[("x", "y")])
            .send()
            .await
            .unwrap();
        assert_headers(&r, &format!("{method} {path} → {}", r.status()));
    }
    // Error pages are HTML for people and JSON for the API.
    let page = anonymous
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let api = anonymous.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

async fn secure_cookies_when_configured(kind: Kind) {
    let app = TestApp::spawn_with(
        kind,
        &[("EMBARGO_PUBLIC_URL", "https://security.example.org")],
    )
    .await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let form = client.get(app.url("/team/login")).send().await.unwrap();
    let csrf_cookie = set_cookie(&form, "__Host-embargo_csrf")
        .expect("pre-session cookie with __Host- prefix")
        .to_owned();
    assert!(
        csrf_cookie.contains("Secure") && csrf_cookie.contains("HttpOnly"),
        "{csrf_cookie}"
    );
    let html = form.text().await.unwrap();
    let token = crate::support::csrf_in(&html);
    // reqwest does not send Secure cookies over http, so pass it by hand.
    let pre = csrf_cookie.split(';').next().unwrap().to_owned();
    let r = client
        .post(app.url("/team/login"))
        .header("cookie", pre)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "a@example.org"),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session =
        set_cookie(&r, "__Host-embargo_session").expect("session cookie with __Host- prefix");
    assert!(
        session.contains("Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax"),
        "{session}"
    );
}
