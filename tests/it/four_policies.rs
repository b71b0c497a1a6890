//! The four example policies, each run as its team would: from report to publication
//! through the CLI (`project add`, `key generate`, `token create`, `mail ingest`) and the
//! JSON API of a server over real TCP, mail through the outbox to an SMTP sink, the
//! exports checked by the official validators. Each rule #19 found broken is asserted
//! at the step where its policy applies it (docs/policy.md, "Where each rule is
//! enforced", points here). Django runs on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::exports::validate;
use crate::intake::{Desk, body_text, report_form, submit};
use crate::smtp_sink::Received;
use crate::support::Kind;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One policy's desk: the intake desk (server, sink, CLI) plus API tokens.
struct Run {
    d: Desk,
    http: reqwest::Client,
}

impl Run {
    async fn new(kind: Kind) -> Self {
        Self {
            d: Desk::new(kind, &[]).await,
            http: reqwest::Client::new(),
        }
    }

    fn policy_path(name: &str) -> String {
        format!(
            "{}/examples/policies/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    /// `embargo ARGS`, expecting success; (stdout, stderr).
    fn cli_ok(&self, args: &[&str], stdin: Option<&str>) -> (String, String) {
        let (code, out, err) = self.d.cli(args, stdin);
        assert_eq!(code, 0, "embargo {args:?}: {err}");
        (out, err)
    }

    /// A team member of `project` with an API token made by `embargo token create`.
    async fn member_token(&self, email: &str, project: &str) -> String {
        self.d.member(email, project).await;
        let (out, _) = self.cli_ok(
            &["token", "create", "--email", email, "--name", "e2e"],
            None,
        );
        out.trim().to_owned()
    }

    async fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = self.d.app.url(&format!("/api/v1{path}"));
        let mut req = match method {
            "GET" => self.http.get(url),
            "PUT" => self.http.put(url),
            "POST" => self.http.post(url),
            other => panic!("{other}"),
        }
        .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The API call must succeed; its answer.
    async fn ok(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.api(token, method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {v}");
        v
    }

    /// The API call must be refused with 422; the message.
    async fn refused(&self, token: &str, method: &str, path: &str, body: Value) -> String {
        let (status, v) = self.api(token, method, path, Some(body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {path}: {v}"
        );
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `embargo mail ingest --project P` with `raw` on stdin, as the MTA runs it.
    fn ingest(&self, project: &str, raw: &str) {
        self.cli_ok(&["mail", "ingest", "--project", project], Some(raw));
    }

    /// Deliver the outbox; the mails to `addr` so far.
    async fn mails_to(&self, addr: &str) -> Vec<Received> {
        self.d.deliver().await;
        self.d.mail_to(addr)
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.http.get(self.d.app.url(path)).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// The one case the search finds.
    async fn find(&self, token: &str, q: &str) -> i64 {
        let list = self
            .ok(token, "GET", &format!("/cases?q={}", urlencode(q)), None)
            .await;
        let ids: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 1, "q={q}: {list}");
        ids[0]
    }

    /// accepted → fixing.
    async fn start_fix(&self, token: &str, case: i64) {
        self.ok(
            token,
            "POST",
            &format!("/cases/{case}/actions"),
            Some(json!({"action": "start-fix"})),
        )
        .await;
    }

    /// Schedule the disclosure nine days ahead, 14:00 UTC (within every example's bounds).
    async fn schedule(&self, token: &str, case: i64) {
        self.ok(
            token,
            "POST",
            &format!("/cases/{case}/schedule"),
            Some(json!({"date": days_ahead(9), "time": "14:00", "zone": "UTC"})),
        )
        .await;
    }

    /// Publish now (ahead of the scheduled date, with a reason); the advisory id.
    async fn publish(&self, token: &str, case: i64) -> String {
        let v = self
            .ok(
                token,
                "POST",
                &format!(
                    "/cases/{case}/disclosure/publish?reason=coordinated%20release%20moved%20up"
                ),
                None,
            )
            .await;
        v["advisory"].as_str().unwrap().to_owned()
    }

    /// The advisory page and its three exports (each valid against its official schema).
    async fn published(&self, slug: &str, adv: &str) -> (String, Value, Value) {
        let (status, page) = self.get(&format!("/p/{slug}/advisories/{adv}")).await;
        assert_eq!(status, StatusCode::OK);
        let mut docs = Vec::new();
        for (suffix, kind) in [
            ("osv.json", "osv"),
            ("csaf.json", "csaf"),
            ("cve.json", "cve5"),
        ] {
            let (status, text) = self
                .get(&format!("/p/{slug}/advisories/{adv}.{suffix}"))
                .await;
            if suffix == "cve.json" && status == StatusCode::NOT_FOUND {
                continue; // no CVE ID: no CVE record
            }
            assert_eq!(status, StatusCode::OK, "{suffix}");
            validate(kind, &text);
            docs.push(serde_json::from_str::<Value>(&text).unwrap());
        }
        let csaf = docs.remove(1);
        (page, docs.remove(0), csaf)
    }
}

/// An advisory draft with every field (absent ones empty).
fn draft(title: &str, summary: &str, fixed: &str) -> Value {
    json!({"title": title, "summary": summary, "description": "", "remedy": "", "workarounds": "", "fixed": fixed, "refs": ""})
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A date `days` ahead, for scheduling.
fn days_ahead(days: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * days))
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string()
}

crate::on_both_backends!(django_from_mail_report_to_publication);

/// Django: mail-only intake, its own severity levels (no CVSS, no CWE), PEP 440 ranges,
/// the policy's key vs the desk's, credit for a reporter who wrote by mail, reviewed
/// patches, pre-announcement and publication with validated exports.
async fn django_from_mail_report_to_publication(kind: Kind) {
    let run = Run::new(kind).await;
    let policy = Run::policy_path("django");
    // Item 9: the policy names 0xfcb84b8d1d17f80b; the desk has no key, then another one.
    let (_, err) = run.cli_ok(&["project", "add", "--policy", &policy], None);
    assert!(
        err.contains("names OpenPGP key 0xfcb84b8d1d17f80b") && err.contains("has no key"),
        "{err}"
    );
    let (out, err) = run.cli_ok(&["key", "generate", "--project", "django"], None);
    let served = out
        .lines()
        .find_map(|l| l.strip_prefix("key id:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        err.contains(&format!("serves and decrypts with {served}")),
        "{err}"
    );
    let (out, err) = run.cli_ok(&["policy", "check", &policy], None);
    assert!(out.contains("a valid policy"), "{out}");
    assert!(
        err.contains("0xfcb84b8d1d17f80b") && err.contains(&served),
        "{err}"
    );
    // The public policy shows the key the desk decrypts with, and says which it replaces.
    let (_, page) = run.get("/p/django/policy").await;
    assert!(
        page.contains(&served) && page.contains("0xfcb84b8d1d17f80b"),
        "{page}"
    );

    let lead = run.member_token("lead@djangoproject.com", "django").await;
    let reviewer = run
        .member_token("reviewer@djangoproject.com", "django")
        .await;

    // A report by mail (Django takes no web form).
    run.ingest(
        "django",
        "From: Ada Reporter <ada@example.net>\r\nTo: security@djangoproject.com\r\nSubject: SQL injection in QuerySet.extra\r\nMessage-ID: <dj-1@example.net>\r\n\r\nQuerySet.extra(where=...) passes a crafted alias to the database.\r\n",
    );
    let acks = run.mails_to("ada@example.net").await;
    assert_eq!(acks.len(), 1);
    let ack = body_text(&acks[0]);
    // Item 11: the acknowledgement gives Django's timeline; item 2: how to ask for credit.
    for needle in [
        "within 48 hours",
        "About 7 days before that date we announce it",
        "\"Credit: Your Name\"",
    ] {
        assert!(ack.contains(needle), "`{needle}` missing from:\n{ack}");
    }
    // Item 7: found by the identifier's parts and whole (on this backend).
    let case = run.find(&lead, "QuerySet.extra").await;
    assert_eq!(run.find(&lead, "extra").await, case);
    assert_eq!(run.find(&lead, "queryset").await, case);

    // Item 2: the reporter asks for credit in a reply.
    let ack_id = acks[0].header("Message-ID").unwrap();
    let reply_to = acks[0].header("Reply-To").unwrap();
    run.ingest(
        "django",
        &format!(
            "From: Ada Reporter <ada@example.net>\r\nTo: {reply_to}\r\nSubject: Re: your report\r\nMessage-ID: <dj-2@example.net>\r\nIn-Reply-To: {ack_id}\r\n\r\nThank you.\r\n\r\nCredit: Ada Lovelace\r\n\r\n> Credit: Your Name\r\n"
        ),
    );
    let view = run.ok(&lead, "GET", &format!("/cases/{case}"), None).await;
    assert_eq!(
        (&view["wants_credit"], &view["credit_as"]),
        (&json!(true), &json!("Ada Lovelace")),
        "{view}"
    );

    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/decision"),
        Some(json!({"verdict": "accept", "note": "Confirmed."})),
    )
    .await;
    // Item 5: Django rates with its levels only.
    let sev = format!("/cases/{case}/severity");
    let e = run
        .refused(
            &lead,
            "PUT",
            &sev,
            json!({"cvss3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"}),
        )
        .await;
    assert!(e.contains("does not score with CVSS"), "{e}");
    let e = run
        .refused(&lead, "PUT", &sev, json!({"cwe": "CWE-89"}))
        .await;
    assert!(e.contains("does not assign CWEs"), "{e}");
    let v = run
        .ok(&lead, "PUT", &sev, Some(json!({"level": "high"})))
        .await;
    assert_eq!(v["severity"], "High");
    // Item 6: a change names only what changes.
    let v = run.ok(&lead, "PUT", &sev, Some(json!({}))).await;
    assert_eq!(v["severity"], "High");

    // Item 8: PEP 440 specifiers; a bad line names the accepted forms.
    let aff = format!("/cases/{case}/affected");
    let v = run
        .ok(
            &lead,
            "PUT",
            &aff,
            Some(json!({"text": ">=5.2,<5.2.20\n>=6.0, <6.0.2"})),
        )
        .await;
    assert_eq!(v["lines"], json!(["5.2..5.2.20", "6.0..6.0.2"]));
    let e = run
        .refused(&lead, "PUT", &aff, json!({"text": "5.2.x"}))
        .await;
    assert!(
        e.contains("`5.2..5.2.20`") && e.contains("`>=5.2,<5.2.20`"),
        "{e}"
    );

    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/actions"),
        Some(json!({"action": "start-fix"})),
    )
    .await;
    // Item 11: a patch for an end-of-life series is kept, with a warning.
    let diff = "--- a/django/db/models/sql/query.py\n+++ b/django/db/models/sql/query.py\n@@ -1,1 +1,1 @@\n-    self.extra = extra\n+    self.extra = check(extra)\n";
    let old = run
        .ok(
            &lead,
            "POST",
            &format!("/cases/{case}/patches"),
            Some(json!({"branch": "4.2", "diff": diff})),
        )
        .await;
    assert!(
        old["warning"]
            .as_str()
            .unwrap_or_default()
            .contains("not a supported series"),
        "{old}"
    );
    let main = run
        .ok(
            &lead,
            "POST",
            &format!("/cases/{case}/patches"),
            Some(json!({"branch": "main", "diff": diff})),
        )
        .await;
    assert_eq!(main["warning"], Value::Null);
    run.ok(
        &reviewer,
        "POST",
        &format!("/cases/{case}/patches/{}/reviews", main["id"]),
        Some(json!({"verdict": "approved", "note": "ok"})),
    )
    .await;
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/advisory"),
        Some(json!({"title": "Potential SQL injection via QuerySet.extra()", "summary": "extra() passed crafted aliases to SQL", "description": "", "remedy": "Upgrade to 5.2.20.", "workarounds": "", "fixed": "5.2.20\n6.0.2", "refs": ""})),
    )
    .await;
    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/schedule"),
        Some(json!({"date": days_ahead(9), "time": "14:00", "zone": "UTC"})),
    )
    .await;
    let pre = run
        .ok(
            &lead,
            "POST",
            &format!("/cases/{case}/disclosure/pre-announce"),
            None,
        )
        .await;
    assert_eq!(pre["done"], true, "{pre}");
    let announced = run.mails_to("django-announce@googlegroups.com").await;
    assert_eq!(announced.len(), 1);
    assert!(!body_text(&announced[0]).contains("QuerySet"));

    let adv = run.publish(&lead, case).await;
    let (page, osv, csaf) = run.published("django", &adv).await;
    // Item 2: the advisory credits the reporter by the name they gave in their reply.
    assert!(page.contains("Ada Lovelace"), "{page}");
    assert_eq!(
        osv["credits"],
        json!([{"name": "Ada Lovelace", "type": "FINDER"}])
    );
    assert_eq!(
        csaf["vulnerabilities"][0]["acknowledgments"][0]["names"],
        json!(["Ada Lovelace"])
    );
    // Item 5: no score where the policy rates without CVSS.
    assert!(osv.get("severity").is_none(), "{osv}");
    // Django posts on its weblog (`publish_to` has "website"): the post, without a category.
    let (status, post) = run
        .get(&format!("/p/django/advisories/{adv}.news.md"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        post.contains("Ada Lovelace") && !post.contains("categories:"),
        "{post}"
    );
    let notices = run.mails_to("oss-security@lists.openwall.com").await;
    assert_eq!(notices.len(), 1);
    assert!(body_text(&notices[0]).contains(&adv));
}

/// CPython: the web form's refusals (PDF, CVSS), the threat model, CVSS and CWE, the
/// reporter credited always, documented behaviour rejected with the public-issue line.
#[tokio::test]
async fn cpython_from_web_report_to_publication() {
    let run = Run::new(Kind::Sqlite).await;
    run.cli_ok(
        &["project", "add", "--policy", &Run::policy_path("cpython")],
        None,
    );
    let lead = run.member_token("lead@python.org", "cpython").await;
    let reporter = run.d.app.client();
    // Refused, naming the rule and the fix (and nothing is lost: the form keeps the text).
    let r = submit(&run.d.app, &reporter, "cpython", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Heap overflow in zipimport"),
                ("details", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                ("versions_tested", "3.14.0"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = submit(&run.d.app, &reporter, "cpython", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Heap overflow in zipimport"),
                (
                    "details",
                    "A crafted archive overflows a buffer in zipimport._read_directory.",
                ),
                ("versions_tested", "3.14.0 and 3.15.0 are vulnerable"),
                ("email", "grace@example.net"),
                ("credit_as", "Grace Hopper"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = run.find(&lead, "zipimport._read_directory").await;
    let all_met: Vec<Value> = [
        "real-world",
        "not-documented",
        "launch-conditions",
        "availability",
        "not-a-dependency",
    ]
    .iter()
    .map(|id| json!({"id": id, "met": true, "note": ""}))
    .collect();
    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/decision"),
        Some(json!({"verdict": "accept", "threat_model": all_met})),
    )
    .await;
    let v = run
        .ok(
            &lead,
            "PUT",
            &format!("/cases/{case}/severity"),
            Some(json!({"cvss4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "cwe": "CWE-122"})),
        )
        .await;
    assert_eq!(v["cwe"], "CWE-122");
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/affected"),
        Some(json!({"text": ">=3.14,<3.14.2"})),
    )
    .await;
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/advisory"),
        Some(draft(
            "Heap overflow in zipimport",
            "A crafted archive overflows a buffer",
            "3.14.2",
        )),
    )
    .await;
    run.start_fix(&lead, case).await;
    run.schedule(&lead, case).await;
    let adv = run.publish(&lead, case).await;
    let (page, osv, _) = run.published("cpython", &adv).await;
    // Credit "always": the name the form gave.
    assert!(page.contains("Grace Hopper"), "{page}");
    assert_eq!(osv["credits"][0]["name"], "Grace Hopper");
    assert_eq!(osv["severity"][0]["type"], "CVSS_V4");

    // Item 3: documented behaviour is not a vulnerability: the reporter may go public.
    run.ingest(
        "cpython",
        "From: Lin <lin@example.net>\r\nTo: security@python.org\r\nSubject: pickle runs code\r\nMessage-ID: <cp-2@example.net>\r\n\r\npickle.loads runs code from the data; tested on 3.15.0.\r\n",
    );
    let second = run.find(&lead, "pickle.loads").await;
    run.ok(
        &lead,
        "POST",
        &format!("/cases/{second}/decision"),
        Some(json!({"verdict": "reject", "reason": "documented-behaviour", "note": "pickle's documentation warns about untrusted data.", "threat_model": all_met.iter().map(|a| { let mut a = a.clone(); if a["id"] == "not-documented" { a["met"] = json!(false); } a }).collect::<Vec<_>>()})),
    )
    .await;
    let told = run.mails_to("lin@example.net").await;
    let decision = told
        .iter()
        .map(body_text)
        .find(|t| t.contains("documented"))
        .unwrap();
    assert!(
        decision.contains("https://github.com/python/cpython/issues"),
        "the public-issue line is missing:\n{decision}"
    );
}

/// PyPackIT: the web form, collaborators credited by role, the fork link, and
/// publication on the website as a news post under its category.
#[tokio::test]
async fn pypackit_from_web_report_to_news_post() {
    let run = Run::new(Kind::Sqlite).await;
    run.cli_ok(
        &["project", "add", "--policy", &Run::policy_path("pypackit")],
        None,
    );
    let lead = run.member_token("lead@repodynamics.com", "pypackit").await;
    let reporter = run.d.app.client();
    let r = submit(&run.d.app, &reporter, "pypackit", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Workflow injection in the release job"),
                (
                    "details",
                    "A crafted branch name reaches run: in .github/workflows/release.yaml.",
                ),
                ("email", "kim@example.net"),
                ("wants_credit", "yes"),
                ("credit_as", "Kim"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Item 2: the reporter changes the name to credit on their case page.
    let link = crate::support::location(&r);
    let link = link.split('?').next().unwrap().to_owned();
    let page = reporter
        .get(run.d.app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("You asked to be credited as “Kim” in the advisory."),
        "{page}"
    );
    let r = reporter
        .post(run.d.app.url(&format!("{link}/credit")))
        .form(&[
            ("csrf_token", crate::support::csrf_in(&page).as_str()),
            ("credit", "yes"),
            ("name", "Kim Example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = run.find(&lead, "release.yaml").await;
    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/decision"),
        Some(json!({"verdict": "accept"})),
    )
    .await;
    for (email, name, role) in [
        ("up@example.org", "Upstream Dev", "upstream"),
        ("other@example.org", "Other Project", "affected-project"),
    ] {
        run.ok(
            &lead,
            "POST",
            &format!("/cases/{case}/guests"),
            Some(json!({"email": email, "name": name, "role": role, "note": ""})),
        )
        .await;
    }
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/advisory"),
        Some(draft(
            "Workflow injection in the release job",
            "A branch name reached a shell",
            "1.0.1",
        )),
    )
    .await;
    run.start_fix(&lead, case).await;
    run.schedule(&lead, case).await;
    let adv = run.publish(&lead, case).await;
    let (page, osv, csaf) = run.published("pypackit", &adv).await;
    // Item 2: roles map to the right credit types.
    let credits = osv["credits"].as_array().unwrap();
    let kind_of = |name: &str| {
        credits
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["type"].as_str().unwrap().to_owned())
    };
    assert_eq!(kind_of("Kim Example").as_deref(), Some("FINDER"));
    assert_eq!(
        kind_of("Upstream Dev").as_deref(),
        Some("REMEDIATION_DEVELOPER")
    );
    assert_eq!(kind_of("Other Project").as_deref(), Some("COORDINATOR"));
    let acks = csaf["vulnerabilities"][0]["acknowledgments"]
        .as_array()
        .unwrap();
    assert!(
        acks.iter()
            .any(|a| a["summary"] == "coordinating the disclosure"
                && a["names"] == json!(["Other Project"])),
        "{acks:?}"
    );
    // Item 4: the news post, with the policy's category, and the category in the feed.
    assert!(page.contains(".news.md"), "{page}");
    let (status, post) = run
        .get(&format!("/p/pypackit/advisories/{adv}.news.md"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        post.contains("categories: [\"Security Advisory\"]"),
        "{post}"
    );
    assert!(
        post.contains("Workflow injection in the release job"),
        "{post}"
    );
    let (_, atom) = run.get("/p/pypackit/advisories.atom").await;
    assert!(
        atom.contains("<category term=\"Security Advisory\"/>"),
        "{atom}"
    );
}

/// Pylons: announcements only once a solution exists, the upstream track, the freeze.
#[tokio::test]
async fn pylons_from_mail_report_to_announcement() {
    let run = Run::new(Kind::Sqlite).await;
    run.cli_ok(
        &["project", "add", "--policy", &Run::policy_path("pylons")],
        None,
    );
    let lead = run.member_token("lead@pylonsproject.org", "pylons").await;
    run.ingest(
        "pylons",
        "From: Sam <sam@example.net>\r\nTo: security@3aims.com\r\nSubject: Session fixation in pyramid_beaker\r\nMessage-ID: <py-1@example.net>\r\n\r\nThe session id survives login in pyramid_beaker.session.\r\n",
    );
    let case = run.find(&lead, "pyramid_beaker").await;
    run.ok(
        &lead,
        "POST",
        &format!("/cases/{case}/decision"),
        Some(json!({"verdict": "accept"})),
    )
    .await;
    run.ok(
        &lead,
        "PUT",
        "/projects/pylons/freeze",
        Some(json!({"on": true, "public": false})),
    )
    .await;
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/advisory"),
        Some(draft(
            "Session fixation in pyramid_beaker",
            "The session id survived login",
            "",
        )),
    )
    .await;
    run.start_fix(&lead, case).await;
    // Item 1: no fixed version, no reviewed patch, no workaround: nothing is announced.
    let (status, v) = run
        .api(
            &lead,
            "POST",
            &format!("/cases/{case}/disclosure/publish?reason=x"),
            None,
        )
        .await;
    assert!(status.is_client_error(), "{status} {v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("solution"),
        "{v}"
    );
    assert!(
        run.mails_to("wsgi-security-announce@googlegroups.com")
            .await
            .is_empty()
    );
    run.ok(
        &lead,
        "PUT",
        &format!("/cases/{case}/advisory"),
        Some(draft(
            "Session fixation in pyramid_beaker",
            "The session id survived login",
            "1.0.1",
        )),
    )
    .await;
    run.schedule(&lead, case).await;
    let adv = run.publish(&lead, case).await;
    run.published("pylons", &adv).await;
    let announced = run
        .mails_to("wsgi-security-announce@googlegroups.com")
        .await;
    assert_eq!(announced.len(), 1);
    assert!(body_text(&announced[0]).contains(&adv));
}
