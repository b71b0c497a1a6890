//! Regression tests for the security review of 7be92f3 (issue #16), one per
//! finding, named after it, and the class tests that keep each mistake from
//! coming back elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp};
use embargo::domain::actor::Actor;
use embargo::service;
use reqwest::StatusCode;

const PW: &str = "correct horse battery staple";

/// A team administrator signed in on a fresh app with the demo project and one case.
async fn admin_app(kind: Kind) -> (TestApp, reqwest::Client, i64) {
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    app.user("admin@demo.example", PW, true).await;
    service::projects::add_member(
        &app.state.db,
        &Actor::Cli,
        &"demo".parse().unwrap(),
        &"admin@demo.example".parse().unwrap(),
        "team".parse().unwrap(),
    )
    .await
    .unwrap();
    let case = crate::support::mail_report(
        &app.state.db,
        &app.state.cfg,
        "reporter@example.net",
        "security@demo.example",
        "A report",
        "Details of the report.",
    )
    .await;
    let client = app.client();
    assert_eq!(
        app.login(&client, "admin@demo.example", PW).await.status(),
        StatusCode::SEE_OTHER
    );
    (app, client, case)
}

/// Every URL a response renders: the Location header and every `href`,
/// `action`, `src` and `formaction` attribute, HTML entities decoded.
fn rendered_urls(location: Option<&str>, html: &str) -> Vec<String> {
    let mut out: Vec<String> = location.map(str::to_owned).into_iter().collect();
    for attr in ["href=\"", "action=\"", "src=\"", "formaction=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(
                rest[..end]
                    .replace("&#x2f;", "/")
                    .replace("&#x2F;", "/")
                    .replace("&#47;", "/")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&#x27;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            );
            rest = &rest[end..];
        }
    }
    out
}

/// F1: the key-change confirmation page built its form's action from the raw
/// path, so a crafted link made "Replace my key" post to the publish button of
/// an embargoed case with the visitor's own CSRF token.
async fn f1_key_confirm_link_cannot_target_another_route(kind: Kind) {
    let (app, client, case) = admin_app(kind).await;
    let crafted = format!(
        "/p/demo/notification-list/key/..%2F..%2F..%2F..%2Fteam%2Fcases%2F{case}%2Fdisclosure%2Fpublish"
    );
    let r = client.get(app.url(&crafted)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "{crafted}");
    let html = r.text().await.unwrap();
    assert!(!html.contains("disclosure/publish"), "{html}");
    assert!(!html.contains("Replace my key"), "{html}");
    // A well-formed but unknown token is looked up before the page shows a button.
    let r = client
        .get(app.url("/p/demo/notification-list/key/unknowntoken123"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("Replace my key"));
}

/// F1's class: every page route, with every path parameter in turn replaced by
/// hostile input (encoded slashes and dot segments, NUL, quotes, angle
/// brackets, a protocol-relative host), requested by a signed-in administrator
/// with a valid CSRF token, renders no link, form action or redirect that
/// leaves the site or lands on the injected target.
async fn f1_no_page_renders_a_url_from_hostile_path_input(kind: Kind) {
    let (app, client, case) = admin_app(kind).await;
    let csrf = app.csrf(&client, "/team/").await;
    let base = url::Url::parse(&app.base).unwrap();
    let payloads = [
        "..%2F..%2F..%2F..%2F..%2F..%2Fzz-injected%2Fx",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fzz-injected",
        "%2F%2Fevil.example%2Fzz-injected",
        "..",
        "%2E%2E",
        "x%00y",
        "a%22%3E%3Ca%20href%3D%22%2Fzz-injected%22%3E",
        "a'%3E%3Cform%20action%3D'%2Fzz-injected'",
        "%5C%5Cevil.example%5Czz-injected",
    ];
    let state_sql =
        format!("SELECT COUNT(*) FROM cases WHERE id = {case} AND state = 'acknowledged'");
    assert_eq!(app.db.scalar(&state_sql).await, 1);
    let audit_before = app.db.scalar("SELECT COUNT(*) FROM audit_events").await;
    let mut checked = 0;
    for (route, methods) in embargo::http::pages::ROUTES {
        let params: Vec<&str> = route.split('/').filter(|s| s.starts_with('{')).collect();
        if params.is_empty() {
            continue;
        }
        for target in 0..params.len() {
            for payload in payloads {
                let mut path = (*route).to_owned();
                for (i, p) in params.iter().enumerate() {
                    let value = if i == target {
                        payload.to_owned()
                    } else {
                        match *p {
                            "{project}" => "demo".to_owned(),
                            "{id}" => case.to_string(),
                            "{domain}" => "demo.example".to_owned(),
                            _ => "1".to_owned(),
                        }
                    };
                    path = path.replacen(p, &value, 1);
                }
                let page = base.join(&path).unwrap();
                let mut requests = Vec::new();
                if methods.starts_with("get(") {
                    requests.push(client.get(page.clone()));
                }
                if methods.contains("post(") {
                    requests.push(
                        client
                            .post(page.clone())
                            .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")]),
                    );
                }
                for request in requests {
                    let r = request.send().await.unwrap();
                    assert!(
                        r.status() != StatusCode::INTERNAL_SERVER_ERROR,
                        "{path}: 500"
                    );
                    let location = r
                        .headers()
                        .get("location")
                        .map(|v| v.to_str().unwrap().to_owned());
                    let html = r.text().await.unwrap_or_default();
                    for u in rendered_urls(location.as_deref(), &html) {
                        let Ok(resolved) = page.join(&u) else {
                            continue;
                        };
                        if resolved.scheme() == "mailto" {
                            continue;
                        }
                        assert_eq!(
                            resolved.host_str(),
                            base.host_str(),
                            "{path} rendered {u:?}, off the site"
                        );
                        assert!(
                            !resolved.path().starts_with("/zz-injected")
                                && !resolved.path().contains("/zz-injected/"),
                            "{path} rendered {u:?} → {resolved}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} requests");
    // Nothing was changed by any of those requests.
    assert_eq!(app.db.scalar(&state_sql).await, 1);
    assert_eq!(
        app.db.scalar("SELECT COUNT(*) FROM audit_events").await,
        audit_before
    );
}

on_both_backends!(
    f1_key_confirm_link_cannot_target_another_route,
    f1_no_page_renders_a_url_from_hostile_path_input,
);
