//! Triage over HTTP: the team's inbox and case page with their forms (CSRF, 404 for
//! other projects), and the JSON API for cases with its OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, csrf_in, location};
use embargo::domain::actor::Actor;
use embargo::service::{self, ingest};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

on_both_backends!(
    team_pages_triage_a_case,
    api_covers_triage_and_hides_other_projects,
);

struct Desk {
    app: TestApp,
}

impl Desk {
    async fn new(kind: Kind) -> Self {
        let app = TestApp::spawn(kind).await;
        for p in ["demo", "cpython"] {
            let src = std::fs::read_to_string(format!(
                "{}/examples/policies/{p}.toml",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            service::projects::create_from_policy(&app.state.db, &Actor::Cli, &src)
                .await
                .unwrap();
        }
        Self { app }
    }

    async fn member(&self, email: &str, project: &str) -> (reqwest::Client, i64) {
        let u = self.app.user(email, PW, false).await;
        service::projects::add_member(
            &self.app.state.db,
            &Actor::Cli,
            &project.parse().unwrap(),
            &email.parse().unwrap(),
            "team".parse().unwrap(),
        )
        .await
        .unwrap();
        let client = self.app.client();
        assert_eq!(
            self.app.login(&client, email, PW).await.status(),
            StatusCode::SEE_OTHER
        );
        (client, u.id)
    }

    async fn token(&self, email: &str) -> String {
        service::tokens::create(
            &self.app.state.db,
            &Actor::Cli,
            &email.parse().unwrap(),
            "test",
            None,
        )
        .await
        .unwrap()
        .1
    }

    async fn report(&self, n: usize, body: &str) -> i64 {
        let mail = format!(
            "From: r{n}@example.net\r\nTo: security@demo.example\r\nSubject: Report {n}\r\nMessage-ID: <http-{n}@example.net>\r\n\r\n{body}\r\n"
        );
        match ingest::ingest(
            &self.app.state.db,
            &self.app.state.cfg,
            None,
            mail.as_bytes(),
            None,
        )
        .await
        .unwrap()
        {
            ingest::Outcome::NewCase(id) => id,
            other => panic!("{other:?}"),
        }
    }
}

async fn team_pages_triage_a_case(kind: Kind) {
    let d = Desk::new(kind).await;
    let (lead, _) = d.member("lead@example.org", "demo").await;
    let (other, _) = d.member("other@example.org", "cpython").await;
    let a = d.report(1, "SQL injection in the search filter").await;
    d.app
        .db
        .exec(&format!(
            "UPDATE cases SET decide_due_at = 1 WHERE id = {a}"
        ))
        .await;

    // The inbox shows the case with its overdue decision clock; the other team sees nothing.
    let page = lead
        .get(d.app.url("/team/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/team/cases/{a}\"")),
        "{page}"
    );
    assert!(
        page.contains("decide by") && page.contains("overdue"),
        "{page}"
    );
    let page = other
        .get(d.app.url("/team/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("SQL injection"), "{page}");
    let r = other
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Search from the inbox.
    let page = lead
        .get(d.app.url("/team/?q=injection"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/team/cases/{a}")));
    let page = lead
        .get(d.app.url("/team/?q=nothing-like-this"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No cases match"));

    // The case page offers the decision with the threat-model checklist.
    let page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"check.untrusted-input\""), "{page}");
    assert!(page.contains("Record the decision"));
    let csrf = csrf_in(&page);

    // Without the checklist: refused with the reason, nothing changes.
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&[("csrf_token", csrf.as_str()), ("verdict", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("answer every threat-model check")
    );
    // Without CSRF: refused.
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&[("verdict", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("verdict", "accept"),
            ("check.untrusted-input", "met"),
            ("check_note.untrusted-input", "the filter is public"),
            ("check.not-documented", "met"),
            ("note", "Confirmed on 2.1.0."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/team/cases/{a}"));

    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/severity")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("level", "High"),
            ("cvss3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"),
            ("cvss4", ""),
            ("cwe", "CWE-89"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("state <strong>accepted</strong>"), "{page}");
    assert!(page.contains("CVSS 3.1: base 9.1"), "{page}");
    assert!(
        page.contains("CWE-89: Improper Neutralization of Special Elements used in an SQL Command"),
        "{page}"
    );
    assert!(
        page.contains("the filter is public"),
        "the answers are shown: {page}"
    );
    assert!(page.contains("Start the fix"));

    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/step")))
        .form(&[("csrf_token", csrf.as_str()), ("action", "start-fix")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/step")))
        .form(&[("csrf_token", csrf.as_str()), ("action", "start-fix")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("a case that is fixing cannot be moved to fixing")
    );
}

async fn api_covers_triage_and_hides_other_projects(kind: Kind) {
    let d = Desk::new(kind).await;
    let (_, lead_id) = d.member("lead@example.org", "demo").await;
    d.member("other@example.org", "cpython").await;
    let lead = d.token("lead@example.org").await;
    let other = d.token("other@example.org").await;
    let a = d.report(1, "Path traversal in the upload handler").await;
    let http = reqwest::Client::new();
    let api = |p: &str| d.app.url(&format!("/api/v1{p}"));

    let r = http.get(api("/cases")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let list: Value = http
        .get(api("/cases"))
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], a);
    assert_eq!(list[0]["project"], "demo");
    let list: Value = http
        .get(api("/cases"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    let r = http
        .get(api(&format!("/cases/{a}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http
        .post(api(&format!("/cases/{a}/decision")))
        .bearer_auth(&other)
        .json(&json!({"verdict": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Malformed JSON: 400 naming the problem.
    let r = http
        .post(api(&format!("/cases/{a}/decision")))
        .bearer_auth(&lead)
        .header("content-type", "application/json")
        .body("{\"verdict\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    let r = http
        .post(api(&format!("/cases/{a}/decision")))
        .bearer_auth(&lead)
        .json(&json!({
            "verdict": "reject",
            "reason": "documented-behaviour",
            "note": "Uploads outside the root are documented as allowed for admins.",
            "threat_model": [
                {"id": "untrusted-input", "met": false, "note": "admin only"},
                {"id": "not-documented", "met": false}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "rejected");
    let r = http
        .post(api(&format!("/cases/{a}/actions")))
        .bearer_auth(&lead)
        .json(&json!({"action": "start-fix"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be moved to fixing")
    );
    let r = http
        .post(api(&format!("/cases/{a}/actions")))
        .bearer_auth(&lead)
        .json(&json!({"action": "reopen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "acknowledged");

    let case: Value = http
        .put(api(&format!("/cases/{a}/severity")))
        .bearer_auth(&lead)
        .json(&json!({"level": "Moderate", "cvss4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "cwe": "22"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["severity"], "Moderate");
    assert_eq!(case["cwe"], "CWE-22");
    assert!(case["cvss_score"].as_f64().unwrap() > 0.0);
    assert_eq!(case["threat_model"][0]["id"], "untrusted-input");
    let case: Value = http
        .put(api(&format!("/cases/{a}/assignee")))
        .bearer_auth(&lead)
        .json(&json!({"user_id": lead_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["assignee"], lead_id);

    let score: Value = http
        .get(api("/cvss"))
        .query(&[("vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")])
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(score["scores"]["base"], 9.8);
    assert_eq!(score["rating"], "Critical");

    // The OpenAPI document is public and describes every case route.
    let doc: Value = http
        .get(api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/me", "get"),
        ("/projects", "get"),
        ("/projects/{project}", "get"),
        ("/cases", "get"),
        ("/cases/{id}", "get"),
        ("/cases/{id}/decision", "post"),
        ("/cases/{id}/severity", "put"),
        ("/cases/{id}/actions", "post"),
        ("/cases/{id}/assignee", "put"),
        ("/cvss", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
}
