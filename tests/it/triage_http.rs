//! Triage over HTTP: the team's inbox and case page with their forms (CSRF, 404 for
//! other projects), and the JSON API for cases with its OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp, csrf_in, location};
use embargo::domain::actor::Actor;
use embargo::service;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

on_both_backends!(
    team_pages_triage_a_case,
    api_covers_triage_and_hides_other_projects,
    collaborators_see_their_case_only,
    a_security_release_freeze_is_visible_and_announced_without_details,
    patches_are_checked_reviewed_by_another_member_and_superseded,
    the_cvss_calculator_builds_scores_and_saves_a_vector,
    rejecting_a_report_asks_first,
    the_audit_trail_filters_pages_and_links_cases,
);

/// #20: the audit page filters by project, actor, action and object, pages through
/// older events with the filters kept, and links each case.
async fn the_audit_trail_filters_pages_and_links_cases(kind: Kind) {
    let d = Desk::new(kind).await;
    d.app.user("admin@example.org", PW, true).await;
    let admin = d.app.client();
    assert_eq!(
        d.app.login(&admin, "admin@example.org", PW).await.status(),
        StatusCode::SEE_OTHER
    );
    let a = d.report(1, "First report").await;
    let b = d.report(2, "Second report").await;
    let get = |path: String| {
        let admin = admin.clone();
        let url = d.app.url(&path);
        async move { admin.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = get(format!("/team/audit?object=case+{b}")).await;
    assert!(
        page.contains(&format!("href=\"/team/cases/{b}\"")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("href=\"/team/cases/{a}\"")),
        "{page}"
    );
    let page = get("/team/audit?action=case.&actor=nobody-like-this".into()).await;
    assert!(page.contains("No events match."), "{page}");
    let page = get("/team/audit?project=demo&action=case.".into()).await;
    assert!(
        page.contains(&format!("href=\"/team/cases/{a}\"")),
        "{page}"
    );
    // Over a page of events: the older ones are a link away, filters kept.
    for i in 0..120 {
        d.app
            .db
            .exec(&format!("INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, project_id, details, prev_hash, hash) VALUES ({}, 1, 'cli', 'test.filler', 'thing', '{i}', NULL, '{{}}', 'x', 'y')", 100_000 + i))
            .await;
    }
    let page = get("/team/audit?action=test.".into()).await;
    assert_eq!(page.matches("test.filler").count(), 100, "{page}");
    let older = page
        .split("<a href=\"")
        .find_map(|p| {
            p.strip_prefix("/team/audit?").map(|q| {
                q.split('"')
                    .next()
                    .unwrap()
                    .replace("&#38;", "&")
                    .replace("&amp;", "&")
            })
        })
        .expect("a link to older events");
    assert!(
        older.contains("action=test.") && older.contains("before=100020"),
        "{older}"
    );
    let page = get(format!("/team/audit?{older}")).await;
    assert_eq!(page.matches("test.filler").count(), 20, "{older}: {page}");
}

/// Rejecting (like closing as a duplicate) ends the case and mails the reporter: the page
/// asks first, saying who is told, and changes nothing until confirmed; the confirmation
/// posts the same decision again, checklist and note included.
async fn rejecting_a_report_asks_first(kind: Kind) {
    let d = Desk::new(kind).await;
    let (lead, _) = d.member("lead@example.org", "demo").await;
    let a = d.report(7, "Version shown in the footer").await;
    let page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let decision_mails = || async {
        d.app
            .db
            .scalar("SELECT COUNT(*) FROM outbox WHERE purpose = 'decision' AND recipients LIKE '%r7@example.net%'")
            .await
    };
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("verdict", "reject"),
            ("reason", "documented-behaviour"),
            ("check.untrusted-input", "not-met"),
            ("check_note.untrusted-input", "needs a local account"),
            ("check.not-documented", "not-met"),
            ("note", "The footer shows the version by design."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains(&format!("Reject case #{a} as documented behaviour?")),
        "{confirm}"
    );
    assert!(
        confirm.contains("r7@example.net"),
        "says who is told: {confirm}"
    );
    assert!(confirm.contains("This cannot be undone."), "{confirm}");
    assert!(
        confirm.contains("name=\"check_note.untrusted-input\" value=\"needs a local account\""),
        "the checklist is carried: {confirm}"
    );
    assert_eq!(
        d.app.db.scalar(&format!("SELECT COUNT(*) FROM cases WHERE id = {a} AND state IN ('received', 'acknowledged')")).await,
        1,
        "nothing changed before the confirmation"
    );
    assert_eq!(decision_mails().await, 0);
    // The confirmation form posts it all again, with confirm=yes.
    let mut fields: Vec<(String, String)> = Vec::new();
    let form = &confirm[confirm.find("<form method=\"post\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    for input in form.split("<input").skip(1) {
        let attr = |name: &str| {
            let start = input.find(&format!("{name}=\""))? + name.len() + 2;
            let end = input[start..].find('"')? + start;
            Some(
                input[start..end]
                    .replace("&#x27;", "'")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            )
        };
        fields.push((attr("name").unwrap(), attr("value").unwrap()));
    }
    assert!(fields.contains(&("confirm".into(), "yes".into())));
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        d.app.db.scalar(&format!("SELECT COUNT(*) FROM cases WHERE id = {a} AND state = 'rejected' AND decision_reason = 'documented-behaviour'")).await,
        1
    );
    assert_eq!(decision_mails().await, 1, "the reporter is told once");
    // A step the case can no longer take gets no confirmation page.
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/decide")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("verdict", "duplicate"),
            ("duplicate_of", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

struct Desk {
    app: TestApp,
}

impl Desk {
    async fn new(kind: Kind) -> Self {
        let app = TestApp::spawn(kind).await;
        crate::support::add_example_projects(&app.state.db, &["demo", "cpython"]).await;
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
        crate::support::mail_report(
            &self.app.state.db,
            &self.app.state.cfg,
            &format!("r{n}@example.net"),
            "security@demo.example",
            &format!("Report {n}"),
            body,
        )
        .await
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
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("verdict", "accept"),
            ("check.untrusted-input", "met"),
            ("check_note.untrusted-input", "typed before the error"),
            ("note", "My explanation, kept."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // #20: the error is shown in place, on the case page with the team menu, and what was
    // typed is still in the form.
    let page = r.text().await.unwrap();
    assert!(page.contains("answer every threat-model check"), "{page}");
    assert!(
        page.contains("id=\"error-summary\"") && page.contains("href=\"#checks\""),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert!(
        page.contains("Report and conversation") && page.contains("/team/logout"),
        "{page}"
    );
    assert!(page.contains("value=\"typed before the error\""), "{page}");
    assert!(page.contains(">My explanation, kept.</textarea>"), "{page}");
    assert!(page.contains("value=\"accept\" required checked"), "{page}");
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
    assert_eq!(
        location(&r),
        format!("/team/cases/{a}?done=decided#summary")
    );
    let page = lead
        .get(d.app.url(&location(&r)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Decision recorded."), "{page}");
    // Decided: the decision form is folded away as "change the decision".
    assert!(
        page.contains("<details><summary>Change the decision"),
        "{page}"
    );

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
    assert!(
        page.contains("<dt>State</dt><dd><strong>accepted</strong>"),
        "{page}"
    );
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
    // The page names the decision, not the state the case has reached since (#19).
    let page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<dt>Decision</dt><dd>accepted as a vulnerability"),
        "{page}"
    );
    assert!(!page.contains("decided: fixing"), "{page}");
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
    // #21 B1: a NUL (or only query syntax) in the search is no error on either backend.
    for q in ["%00", "%22%28zzqx%29%20OR", "..."] {
        let r = http
            .get(format!("{}?q={q}", api("/cases")))
            .bearer_auth(&lead)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "q={q}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            serde_json::json!([]),
            "q={q}"
        );
    }
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
    // A case number that is not a number, a malformed query: JSON 400s too.
    for path in [
        "/cases/abc",
        "/cases?assignee=someone",
        "/cases/1/patches/x/reviews",
    ] {
        let req = if path.ends_with("/reviews") {
            http.post(api(path)).json(&json!({"verdict": "approved"}))
        } else {
            http.get(api(path))
        };
        let r = req.bearer_auth(&lead).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{path}");
    }

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
    // PATCH semantics: the level alone leaves the vector and the CWE; null clears explicitly.
    let case: Value = http
        .put(api(&format!("/cases/{a}/severity")))
        .bearer_auth(&lead)
        .json(&json!({"level": "Low"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&case["severity"], &case["cwe"]),
        (&json!("Low"), &json!("CWE-22"))
    );
    assert!(case["cvss4"].as_str().unwrap().starts_with("CVSS:4.0/"));
    let case: Value = http
        .put(api(&format!("/cases/{a}/severity")))
        .bearer_auth(&lead)
        .json(&json!({"cwe": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["cwe"], Value::Null);
    assert_eq!(case["severity"], "Low");
    assert!(case["cvss4"].as_str().is_some());
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

    // Case work through the API.
    let r: Value = http
        .put(api(&format!("/cases/{a}/affected")))
        .bearer_auth(&lead)
        .json(&json!({"text": "2.0.0..2.1.3"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        r["assessment"]["supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["series"] == "2.1"),
        "{r}"
    );
    let r = http
        .post(api(&format!("/cases/{a}/guests")))
        .bearer_auth(&lead)
        .json(&json!({"email": "up@upstream.example", "name": "Up", "role": "upstream"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let gid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let list: Value = http
        .get(api(&format!("/cases/{a}/guests")))
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["email"], "up@upstream.example");
    let r = http
        .delete(api(&format!("/cases/{a}/guests/{gid}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http
        .delete(api(&format!("/cases/{a}/guests/{gid}")))
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = http
        .put(api(&format!("/cases/{a}/upstream")))
        .bearer_auth(&lead)
        .json(&json!({"name": "libupload", "contact": "sec@libupload.example"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["name"], "libupload");
    let r: Value = http
        .post(api(&format!("/cases/{a}/strikes")))
        .bearer_auth(&lead)
        .json(&json!({"reason": "published the PoC during the embargo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["strikes"], 1);
    let r = http
        .put(api("/projects/demo/freeze"))
        .bearer_auth(&other)
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let cwe: Value = http
        .get(api("/cwe"))
        .query(&[("q", "sql command")])
        .bearer_auth(&lead)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        cwe["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "CWE-89"),
        "{cwe}"
    );

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
        ("/cases/{id}/guests", "get"),
        ("/cases/{id}/guests", "post"),
        ("/cases/{id}/guests/{guest}", "delete"),
        ("/cases/{id}/strikes", "post"),
        ("/cases/{id}/affected", "put"),
        ("/cases/{id}/patches", "get"),
        ("/cases/{id}/patches", "post"),
        ("/cases/{id}/patches/{patch}/reviews", "post"),
        ("/cases/{id}/upstream", "get"),
        ("/cases/{id}/upstream", "put"),
        ("/cases/{id}/upstream/events", "post"),
        ("/projects/{project}/freeze", "put"),
        ("/projects/{project}/bans", "get"),
        ("/projects/{project}/bans/lift", "post"),
        ("/cwe", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
}

/// The invitation mail's link, from the outbox.
async fn invitation_link(d: &Desk, email: &str) -> String {
    let raws = d
        .app
        .db
        .blobs(&format!(
            "SELECT raw FROM outbox WHERE purpose = 'guest-invitation' AND recipients LIKE '%{email}%' ORDER BY id DESC"
        ))
        .await;
    let text = embargo::mail::inbound::parse(&raws[0], &[], &[])
        .unwrap()
        .text;
    let start = text.find("/g/").expect("a /g/ link in the invitation");
    let end = text[start..]
        .find(char::is_whitespace)
        .map(|e| start + e)
        .unwrap_or(text.len());
    text[start..end].to_owned()
}

async fn collaborators_see_their_case_only(kind: Kind) {
    let d = Desk::new(kind).await;
    let (lead, _) = d.member("lead@example.org", "demo").await;
    let a = d
        .report(1, "Use-after-free in the bundled parser library")
        .await;
    let b = d.report(2, "A different secret issue").await;
    service::cases::team_note(
        &d.app.state.db,
        &crate::support::case_for(&d.app.state.db, &Actor::Cli, None::<i64>, a).await,
        "TEAM-ONLY: suspect the vendor patch",
    )
    .await
    .unwrap();
    let page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let invite = |email: &'static str| {
        let lead = lead.clone();
        let csrf = csrf.clone();
        let url = d.app.url(&format!("/team/cases/{a}/guests"));
        async move {
            lead.post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("name", "Upstream Maintainer"),
                    ("email", email),
                    ("role", "upstream"),
                    ("note", "You maintain the parser."),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        invite("maint@upstream.example").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        invite("maint@upstream.example").await.status(),
        StatusCode::CONFLICT,
        "no double invitation"
    );
    let link = invitation_link(&d, "maint@upstream.example").await;

    let guest = d.app.client();
    let audit_before = d
        .app
        .db
        .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.guest_viewed'")
        .await;
    let page = guest
        .get(d.app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Use-after-free in the bundled parser library"),
        "{page}"
    );
    assert!(!page.contains("TEAM-ONLY"), "team notes stay with the team");
    assert!(
        !page.contains("r1@example.net"),
        "the reporter's address stays with the team"
    );
    assert!(!page.contains("A different secret issue"));
    assert_eq!(
        d.app
            .db
            .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.guest_viewed'")
            .await,
        audit_before + 1,
        "every guest view is audited"
    );
    // The link opens that case only: not the team pages, not another case, not the API.
    let r = guest
        .get(d.app.url(&format!("/team/cases/{b}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "team pages need a team sign-in"
    );
    let r = guest
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = guest.get(d.app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The guest writes; the team sees it, the reporter does not.
    let csrf = csrf_in(&page);
    let r = guest
        .post(d.app.url(&format!("{link}/reply")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("text", "Fixed upstream in commit abc123."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let team_page = lead
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(team_page.contains("Fixed upstream in commit abc123."));
    assert!(team_page.contains("shared with collaborators"));
    let reporter_view = service::cases::reporter_thread(&d.app.state.db, a)
        .await
        .unwrap();
    assert!(reporter_view.iter().all(|m| !m.body.contains("abc123")));

    // Removed: the link is dead at once.
    let guest_id = d
        .app
        .db
        .scalar("SELECT id FROM case_guests WHERE email = 'maint@upstream.example'")
        .await;
    let csrf = csrf_in(&team_page);
    let remove = d
        .app
        .url(&format!("/team/cases/{a}/guests/{guest_id}/remove"));
    // Asked first: who loses access, and nothing happens yet.
    let r = lead
        .post(remove.clone())
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Remove maint@upstream.example from case")
            && confirm.contains("their private link stops working"),
        "{confirm}"
    );
    assert_eq!(
        guest.get(d.app.url(&link)).send().await.unwrap().status(),
        StatusCode::OK
    );
    let r = lead
        .post(remove)
        .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = guest.get(d.app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = guest
        .post(d.app.url(&format!("{link}/reply")))
        .form(&[("csrf_token", csrf.as_str()), ("text", "still here?")])
        .send()
        .await
        .unwrap();
    assert!(
        r.status() == StatusCode::NOT_FOUND || r.status() == StatusCode::FORBIDDEN,
        "{}",
        r.status()
    );
    // A made-up link is 404 too.
    let r = guest
        .get(d.app.url("/g/not-a-real-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn a_security_release_freeze_is_visible_and_announced_without_details(kind: Kind) {
    let d = Desk::new(kind).await;
    let (lead, _) = d.member("lead@example.org", "demo").await;
    let case_id = d.report(1, "Secret detail XYZZY-42 of the issue").await;
    let page = lead
        .get(d.app.url("/team/projects/demo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Start a security release"), "{page}");
    let csrf = csrf_in(&page);
    // Freezing asks first, and the confirmation posts the same choice again.
    let r = lead
        .post(d.app.url("/team/projects/demo/freeze"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("on", "true"),
            ("public", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("Start a security release of Demo Project?"),
        "{confirm}"
    );
    assert!(
        confirm.contains("name=\"public\" value=\"true\""),
        "{confirm}"
    );
    let r = lead
        .post(d.app.url("/team/projects/demo/freeze"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("on", "true"),
            ("public", "true"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = lead
        .get(d.app.url("/team/projects/demo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Security release in progress"), "{page}");
    // The banner follows the team to the dashboard and to every case of the project (#19).
    for path in ["/team/".to_owned(), format!("/team/cases/{case_id}")] {
        let page = lead
            .get(d.app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Security release in progress"),
            "{path}: {page}"
        );
    }
    let public = reqwest::get(d.app.url("/p/demo/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        public.contains("A security release of Demo Project is in progress."),
        "{public}"
    );
    assert!(!public.contains("XYZZY-42"));
    // Freezing twice is refused; ending it removes the notice.
    let r = lead
        .post(d.app.url("/team/projects/demo/freeze"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("on", "true"),
            ("public", "true"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = lead
        .post(d.app.url("/team/projects/demo/freeze"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("on", "false"),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let public = reqwest::get(d.app.url("/p/demo/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains("security release of Demo Project is in progress"));
    assert_eq!(d.app.db.scalar("SELECT COUNT(*) FROM audit_events WHERE action IN ('project.frozen', 'project.thawed')").await, 2);
    // Another project's member cannot freeze this one.
    let (other, _) = d.member("other@example.org", "cpython").await;
    let csrf = d.app.csrf(&other, "/team/account").await;
    let r = other
        .post(d.app.url("/team/projects/demo/freeze"))
        .form(&[("csrf_token", csrf.as_str()), ("on", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

const DIFF: &str = "diff --git a/src/parse.c b/src/parse.c\n--- a/src/parse.c\n+++ b/src/parse.c\n@@ -10,3 +10,4 @@ int parse(void)\n {\n-    copy(buf, in);\n+    if (len > MAX) return -1;\n+    copy(buf, in, len);\n }\n";

async fn patches_are_checked_reviewed_by_another_member_and_superseded(kind: Kind) {
    let d = Desk::new(kind).await;
    let (alice, alice_id) = d.member("alice@example.org", "demo").await;
    let (bob, _) = d.member("bob@example.org", "demo").await;
    let (other, _) = d.member("other@example.org", "cpython").await;
    let a = d.report(1, "Overflow in parse()").await;
    let post = |client: &reqwest::Client, path: String, form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = d.app.url(&path);
        let csrf_url = d.app.url("/team/account");
        async move {
            let page = client
                .get(csrf_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = csrf_in(&page);
            let mut f: Vec<(&str, String)> = vec![("csrf_token", csrf)];
            f.extend(form);
            client.post(url).form(&f).send().await.unwrap()
        }
    };
    // Only an accepted case takes patches.
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches"),
        vec![("branch", "2.1".into()), ("diff", DIFF.into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    embargo::service::triage::decide(
        &d.app.state.db,
        &d.app.state.cfg,
        &crate::support::case_for(&d.app.state.db, &Actor::Cli, None::<i64>, a).await,
        &embargo::service::triage::Decision {
            verdict: embargo::service::triage::Verdict::Accept,
            answers: ["untrusted-input", "not-documented"]
                .iter()
                .map(|id| embargo::service::triage::ThreatAnswer {
                    id: (*id).into(),
                    met: true,
                    note: String::new(),
                })
                .collect(),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches"),
        vec![("branch", "2.1".into()), ("diff", "not a diff".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // #20: refused in place — the case page, the message in the Fix section, the diff kept.
    let page = r.text().await.unwrap();
    assert!(page.contains("not a unified diff"), "{page}");
    assert!(page.contains("href=\"#patch-diff\""), "{page}");
    assert!(page.contains(">not a diff</textarea>"), "{page}");
    assert!(page.contains("Report and conversation"), "{page}");
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches"),
        vec![("branch", "9.9".into()), ("diff", DIFF.into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("use one of: 3.0, 2.1, 2.0, 1.4, main")
    );
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches"),
        vec![
            ("branch", "2.1".into()),
            ("title", "Bound the copy".into()),
            ("diff", DIFF.into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let p1 = d.app.db.scalar("SELECT MAX(id) FROM case_patches").await;

    // The author cannot review their own patch; another member can.
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches/{p1}/review"),
        vec![("verdict", "approved".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = post(
        &bob,
        format!("/team/cases/{a}/patches/{p1}/review"),
        vec![
            ("verdict", "approved".into()),
            ("note", "looks right".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reviewed = embargo::service::fixes::reviewed(
        &d.app.state.db,
        &crate::support::case_for(
            &d.app.state.db,
            &embargo::domain::actor::Actor::Cli,
            None::<i64>,
            a,
        )
        .await,
    )
    .await
    .unwrap();
    assert_eq!(reviewed.iter().map(|p| p.id).collect::<Vec<_>>(), vec![p1]);
    assert_eq!(reviewed[0].author_user_id, Some(alice_id));

    // The page lists it; the diff downloads as text; another project's member gets 404.
    let page = bob
        .get(d.app.url(&format!("/team/cases/{a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Bound the copy") && page.contains("approved by Test Person"),
        "{page}"
    );
    let r = bob
        .get(d.app.url(&format!("/team/cases/{a}/patches/{p1}.patch")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/x-diff")
    );
    assert_eq!(r.text().await.unwrap(), DIFF);
    let r = other
        .get(d.app.url(&format!("/team/cases/{a}/patches/{p1}.patch")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A new patch for the branch supersedes the old one, which can no longer be reviewed,
    // and is not carried until it is reviewed itself.
    let r = post(
        &alice,
        format!("/team/cases/{a}/patches"),
        vec![
            ("branch", "2.1".into()),
            ("diff", DIFF.replace("MAX", "LIMIT")),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        &bob,
        format!("/team/cases/{a}/patches/{p1}/review"),
        vec![("verdict", "approved".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        embargo::service::fixes::reviewed(
            &d.app.state.db,
            &crate::support::case_for(
                &d.app.state.db,
                &embargo::domain::actor::Actor::Cli,
                None::<i64>,
                a
            )
            .await
        )
        .await
        .unwrap()
        .is_empty()
    );
    // The private branch link.
    let r = post(
        &alice,
        format!("/team/cases/{a}/branch"),
        vec![("url", "javascript:alert(1)".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &alice,
        format!("/team/cases/{a}/branch"),
        vec![("url", "git@git.example.org:sec/demo.git".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(d.app.db.scalar("SELECT COUNT(*) FROM audit_events WHERE action IN ('case.patch_attached', 'case.patch_reviewed', 'case.fix_branch_linked')").await, 4);
}

async fn the_cvss_calculator_builds_scores_and_saves_a_vector(kind: Kind) {
    let d = Desk::new(kind).await;
    let (lead, _) = d.member("lead@example.org", "demo").await;
    let a = d.report(1, "Calculator case").await;
    let page = lead
        .get(d.app.url("/team/cvss"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("CVSS 3.1 calculator") && page.contains("name=\"AV\""),
        "{page}"
    );
    let query = [
        ("version", "3.1"),
        ("AV", "N"),
        ("AC", "L"),
        ("PR", "N"),
        ("UI", "R"),
        ("S", "C"),
        ("C", "L"),
        ("I", "L"),
        ("A", "N"),
        ("E", "X"),
        ("RL", "X"),
        ("RC", "X"),
    ];
    let url = format!(
        "/team/cvss?{}&case={a}",
        query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    );
    let page = lead
        .get(d.app.url(&url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let want = embargo::domain::cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")
        .unwrap()
        .summary();
    assert!(page.contains(&want.canonical), "{page}");
    assert!(
        page.contains(&format!("base {:.1}", want.scores[0].1)),
        "{page}"
    );
    assert!(page.contains(&format!("Save this vector to case #{a}")));
    // Saving keeps the case's other severity fields.
    let csrf = csrf_in(&page);
    let hidden = |name: &str| {
        crate::support::attr_after(&page, &format!("name=\"{name}\" value=\"")).unwrap()
    };
    let r = lead
        .post(d.app.url(&format!("/team/cases/{a}/severity")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("level", &hidden("level")),
            ("cvss3", &hidden("cvss3")),
            ("cvss4", &hidden("cvss4")),
            ("cwe", &hidden("cwe")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        d.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {a} AND cvss3 = '{}'",
                want.canonical
            ))
            .await,
        1
    );
    // Opened again from the case, the calculator starts at the case's own vector and
    // says that saving replaces it.
    let page = lead
        .get(d.app.url(&format!("/team/cvss?case={a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("<strong>{}</strong>", want.canonical)),
        "{page}"
    );
    assert!(page.contains("saving replaces it"), "{page}");
    // CVSS 4.0 page; values outside a metric's list fall back to its first value.
    let page = lead
        .get(
            d.app.url(
                "/team/cvss?version=4.0&AV=Z&AC=L&AT=N&PR=N&UI=N&VC=H&VI=H&VA=H&SC=N&SI=N&SA=N",
            ),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        "{page}"
    );
    assert!(page.contains("CVSS-B"));
    // Another project's member cannot open the calculator for this case.
    let (other, _) = d.member("other@example.org", "cpython").await;
    let r = other
        .get(d.app.url(&format!("/team/cvss?case={a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
