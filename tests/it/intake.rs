//! Report intake end to end: the web form under each policy's rules, the
//! acknowledgement and team notifications over real SMTP, the reporter's
//! private case page and thread, team replies and notes, spam, banned
//! reporters, and `embargo mail ingest` with gpg-encrypted mail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::gpg::Gpg;
use crate::on_both_backends;
use crate::smtp_sink::{Received, SmtpSink};
use crate::support::{Kind, TestApp, bin, csrf_in, location, run_cli};
use embargo::mail::worker::Worker;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use std::io::Write;
use std::process::{Command, Stdio};

const PW: &str = "correct horse battery staple";

pub(crate) struct Desk {
    pub(crate) app: TestApp,
    pub(crate) sink: SmtpSink,
    secret: String,
}

impl Desk {
    pub(crate) async fn new(kind: Kind, policies: &[&str]) -> Self {
        let sink = SmtpSink::start().await;
        let secret = embargo::vault::generate_key();
        let url = sink.url();
        let app = TestApp::spawn_with(
            kind,
            &[
                ("EMBARGO_SMTP_URL", url.as_str()),
                ("EMBARGO_SECRET_KEY", secret.as_str()),
                ("EMBARGO_MAIL_FROM", "embargo@security.example.org"),
                ("EMBARGO_PUBLIC_URL", "https://security.example.org"),
            ],
        )
        .await;
        let desk = Self { app, sink, secret };
        for p in policies {
            let path = format!("{}/examples/policies/{p}.toml", env!("CARGO_MANIFEST_DIR"));
            let (code, _, err) = desk.cli(&["project", "add", "--policy", &path], None);
            assert_eq!(code, 0, "{err}");
        }
        desk
    }

    pub(crate) fn cli(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        let mut child = Command::new(bin())
            .args(args)
            .env("EMBARGO_DATABASE_URL", &self.app.db.url_text)
            .env("EMBARGO_DATA_DIR", self.app.db.dir.path())
            .env("EMBARGO_SECRET_KEY", &self.secret)
            .env("EMBARGO_MAIL_FROM", "embargo@security.example.org")
            .env("EMBARGO_PUBLIC_URL", "https://security.example.org")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub(crate) async fn deliver(&self) {
        let worker = Worker::new(self.app.db.db.clone(), &self.app.state.cfg).unwrap();
        while worker.run_once().await.unwrap().sent > 0 {}
    }

    pub(crate) fn mail_to(&self, to: &str) -> Vec<Received> {
        self.sink
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .collect()
    }

    pub(crate) async fn member(&self, email: &str, project: &str) -> reqwest::Client {
        self.app.user(email, PW, false).await;
        let (code, _, err) = self.cli(
            &[
                "project",
                "member",
                "add",
                "--project",
                project,
                "--email",
                email,
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        let client = self.app.client();
        assert_eq!(
            self.app.login(&client, email, PW).await.status(),
            StatusCode::SEE_OTHER
        );
        client
    }
}

pub(crate) fn report_form(csrf: &str, fields: &[(&str, &str)]) -> Form {
    let mut form = Form::new().text("csrf_token", csrf.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

pub(crate) async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    project: &str,
    form: impl FnOnce(&str) -> Form,
) -> reqwest::Response {
    let csrf = app.csrf(client, &format!("/p/{project}/report")).await;
    client
        .post(app.url(&format!("/p/{project}/report")))
        .multipart(form(&csrf))
        .send()
        .await
        .unwrap()
}

pub(crate) fn body_text(m: &Received) -> String {
    let parsed = embargo::mail::inbound::parse(&m.data, &[], &[]).unwrap();
    parsed.text
}

on_both_backends!(
    a_web_report_becomes_a_case_with_acknowledgement_and_notifications,
    policy_rules_are_enforced_with_the_rule_and_the_fix,
    the_honeypot_and_the_rate_limit_stop_floods,
    the_thread_joins_reporter_and_team_and_notes_stay_private,
    spam_and_banned_reporters,
    mail_ingest_end_to_end_with_gpg,
    mail_ingest_exit_codes_and_no_duplicates,
    the_team_acknowledges_with_a_personal_message,
);

async fn a_web_report_becomes_a_case_with_acknowledgement_and_notifications(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let _plain = desk.member("alice@team.example", "demo").await;
    let _keyed = desk.member("bob@team.example", "demo").await;
    let (code, _, err) = desk.cli(&["key", "generate", "--user", "bob@team.example"], None);
    assert_eq!(code, 0, "{err}");
    let reporter = desk.app.client();
    let r = submit(&desk.app, &reporter, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Stored XSS in the project title"),
                ("details", "The title field is rendered without escaping."),
                ("versions_tested", "2.1.0 (vulnerable)"),
                ("email", "reporter@example.net"),
                ("wants_credit", "yes"),
                ("credit_as", "R. Eporter"),
            ],
        )
        .part(
            "files",
            Part::bytes(b"<script>alert(1)</script>\n".to_vec())
                .file_name("poc.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
    })
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let link = location(&r);
    assert!(
        link.starts_with("/c/") && link.ends_with("?sent=1"),
        "{link}"
    );
    let token = link
        .trim_start_matches("/c/")
        .trim_end_matches("?sent=1")
        .to_owned();
    assert!(
        token.len() >= 40,
        "the capability link is too short to be unguessable"
    );
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE token_hash = '{}'",
                embargo::auth::secret::digest(&token)
            ))
            .await,
        1
    );
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE token_hash = '{token}'"
            ))
            .await,
        0,
        "the raw token is stored"
    );
    let page = reporter
        .get(desk.app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("This page is your private link")
            && page.contains("Stored XSS in the project title"),
        "{page}"
    );
    // #20: honest about an automatic acknowledgement; the link shown as text to copy.
    assert!(
        page.contains("Received and acknowledged automatically. The team has not replied yet")
            && page.contains("We aim to decide whether it is a vulnerability within 7 days"),
        "{page}"
    );
    assert!(
        page.contains("id=\"private-link\"")
            && page.contains(&format!(
                "value=\"https://security.example.org{}\"",
                link.split('?').next().unwrap()
            )),
        "{page}"
    );
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM case_attachments")
            .await,
        1
    );
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases WHERE acknowledged_at IS NOT NULL AND acknowledge_due_at IS NOT NULL").await, 1);

    desk.deliver().await;
    let ack = desk.mail_to("reporter@example.net");
    assert_eq!(ack.len(), 1);
    let ack_text = body_text(&ack[0]);
    assert!(
        ack_text.contains(&format!("https://security.example.org/c/{token}")),
        "{ack_text}"
    );
    assert!(
        ack_text.contains("Please keep the issue confidential"),
        "{ack_text}"
    );
    assert!(
        ack[0].header("Reply-To").unwrap().starts_with("embargo+"),
        "{:?}",
        ack[0].header("Reply-To")
    );
    // Alice has no key: her notification links to the case and carries no report text.
    let alice = desk.mail_to("alice@team.example");
    assert_eq!(alice.len(), 1);
    let raw = String::from_utf8_lossy(&alice[0].data).into_owned();
    assert!(
        !raw.contains("Stored XSS") && !raw.contains("rendered without escaping"),
        "report text leaked in clear:\n{raw}"
    );
    assert!(
        body_text(&alice[0]).contains("https://security.example.org/team/cases/"),
        "{raw}"
    );
    // Bob has a key: his notification is encrypted and carries the text.
    let bob = desk.mail_to("bob@team.example");
    assert_eq!(bob.len(), 1);
    let raw = String::from_utf8_lossy(&bob[0].data).into_owned();
    assert!(
        raw.contains("multipart/encrypted") && !raw.contains("rendered without escaping"),
        "{raw}"
    );
    let bob_user = desk
        .app
        .db
        .scalar("SELECT id FROM users WHERE email = 'bob@team.example'")
        .await;
    let vault = desk.app.state.cfg.vault(false).unwrap();
    let bob_key = embargo::service::keys::user_signing_key(&desk.app.state.db, &vault, bob_user)
        .await
        .unwrap()
        .unwrap();
    let opened = embargo::mail::inbound::parse(&bob[0].data, &[bob_key], &[]).unwrap();
    assert!(
        opened
            .text
            .contains("The title field is rendered without escaping."),
        "{}",
        opened.text
    );
}

async fn policy_rules_are_enforced_with_the_rule_and_the_fix(kind: Kind) {
    let desk = Desk::new(kind, &["cpython", "django"]).await;
    let client = desk.app.client();
    let r = submit(&desk.app, &client, "cpython", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Crash in the tokenizer"),
                (
                    "details",
                    "Score CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                ),
            ],
        )
        .part(
            "files",
            Part::bytes(b"%PDF-1.7 binary".to_vec())
                .file_name("report.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for expected in [
        "CPython requires the versions you tested, and which were vulnerable in every report",
        "CPython asks reporters not to include a CVSS score: the security team determines severity. Remove `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H`",
        "`report.pdf` is a PDF: CPython accepts plain-text attachments only; paste the proof of concept as text",
    ] {
        assert!(
            page.contains(&expected.replace('\'', "&#x27;")) || page.contains(expected),
            "missing: {expected}\n{page}"
        );
    }
    assert!(
        page.contains("Crash in the tokenizer"),
        "the input was lost: {page}"
    );
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases").await, 0);
    // Django takes reports by e-mail only: no form.
    assert_eq!(
        client
            .get(desk.app.url("/p/django/report"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_honeypot_and_the_rate_limit_stop_floods(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let client = desk.app.client();
    let r = submit(&desk.app, &client, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "buy pills"),
                ("details", "spam"),
                ("versions_tested", "x"),
                ("website", "http://spam.example"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases").await, 0);
    // The bot's post counted against the address's limit (so its audit records are
    // bounded too): the address has one report fewer this hour.
    for i in 0..desk.app.state.cfg.reports_per_ip_per_hour - 1 {
        let r = submit(&desk.app, &client, "demo", |csrf| {
            report_form(
                csrf,
                &[
                    ("summary", &format!("Report {i}")),
                    ("details", "d"),
                    ("versions_tested", "2.1.0"),
                ],
            )
        })
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "report {i}");
    }
    let r = submit(&desk.app, &client, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "one too many"),
                ("details", "d"),
                ("versions_tested", "2.1.0"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The form without a CSRF token is refused before anything is read.
    let r = client
        .post(desk.app.url("/p/demo/report"))
        .multipart(Form::new().text("summary", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn the_thread_joins_reporter_and_team_and_notes_stay_private(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let team = desk.member("alice@team.example", "demo").await;
    let reporter = desk.app.client();
    let r = submit(&desk.app, &reporter, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "SQL injection in search"),
                ("details", "The q parameter is concatenated."),
                ("versions_tested", "2.0.3"),
                ("email", "reporter@example.net"),
            ],
        )
    })
    .await;
    let link = location(&r).trim_end_matches("?sent=1").to_owned();
    let case_id = desk.app.db.scalar("SELECT MAX(id) FROM cases").await;
    // #20: the team chooses what the reporter's page shows; severity only when shared.
    let reporter_page = || async {
        reporter
            .get(desk.app.url(&link))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let team_csrf = csrf_in(
        &team
            .get(desk.app.url(&format!("/team/cases/{case_id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = team
        .post(desk.app.url(&format!("/team/cases/{case_id}/severity")))
        .form(&[("csrf_token", team_csrf.as_str()), ("level", "High")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!reporter_page().await.contains("<dt>Severity</dt>"));
    let r = team
        .post(
            desk.app
                .url(&format!("/team/cases/{case_id}/reporter/view")),
        )
        .form(&[
            ("csrf_token", team_csrf.as_str()),
            ("date", "yes"),
            ("severity", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = reporter_page().await;
    assert!(page.contains("<dt>Severity</dt><dd>High</dd>"), "{page}");
    assert!(!page.contains("<dt>Credit</dt>"), "{page}");
    // The reporter writes on the case page.
    let csrf = csrf_in(
        &reporter
            .get(desk.app.url(&link))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = reporter
        .post(desk.app.url(&format!("{link}/reply")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("text", "It also works in the API."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The team sees it, writes a note and a reply.
    let team_page = team
        .get(desk.app.url(&format!("/team/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        team_page.contains("It also works in the API."),
        "{team_page}"
    );
    let csrf = csrf_in(&team_page);
    let note = "NOTE-7f3a: probably the same bug as last year, do not tell the reporter";
    team.post(desk.app.url(&format!("/team/cases/{case_id}/note")))
        .form(&[("csrf_token", csrf.as_str()), ("text", note)])
        .send()
        .await
        .unwrap();
    team.post(desk.app.url(&format!("/team/cases/{case_id}/reply")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("text", "Confirmed; we are preparing a fix."),
        ])
        .send()
        .await
        .unwrap();
    desk.deliver().await;
    let to_reporter = desk.mail_to("reporter@example.net");
    assert_eq!(to_reporter.len(), 2, "acknowledgement and the team reply");
    // The worker sends concurrently: mail to one address may arrive in any order.
    let team_mail = to_reporter
        .iter()
        .find(|m| body_text(m).contains("Confirmed; we are preparing a fix."))
        .expect("the team reply was mailed")
        .clone();
    let page = reporter
        .get(desk.app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Confirmed; we are preparing a fix.")
            && page.contains("It also works in the API."),
        "{page}"
    );
    // The note is nowhere the reporter can see.
    assert!(
        !page.contains("NOTE-7f3a"),
        "team note on the reporter's page"
    );
    for m in desk.sink.messages() {
        if m.to.iter().any(|t| t == "reporter@example.net") {
            assert!(
                !String::from_utf8_lossy(&m.data).contains("NOTE-7f3a"),
                "team note mailed to the reporter"
            );
        }
    }
    let team_page = team
        .get(desk.app.url(&format!("/team/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(team_page.contains("NOTE-7f3a") && team_page.contains("team-only note"));
    // The reporter answers the team's mail: In-Reply-To threads it into the case.
    let reply_to = team_mail.header("Message-ID").unwrap();
    let mail = format!(
        "From: reporter@example.net\r\nTo: {}\r\nSubject: Re: case\r\nMessage-ID: <reply-1@example.net>\r\nIn-Reply-To: {reply_to}\r\n\r\nThanks, here is a second PoC.\r\n",
        team_mail.header("Reply-To").unwrap()
    );
    let (code, out, err) = desk.cli(&["mail", "ingest"], Some(&mail));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("added to case #{case_id}")), "{out}");
    let page = reporter
        .get(desk.app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Thanks, here is a second PoC."), "{page}");
    // Links are capabilities: a wrong token is a 404, and a case page never shows another case.
    assert_eq!(
        reporter
            .get(desk.app.url("/c/not-a-real-token"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let other = desk.app.client();
    let r2 = submit(&desk.app, &other, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Second unrelated report"),
                ("details", "d"),
                ("versions_tested", "2.1.0"),
            ],
        )
    })
    .await;
    let link2 = location(&r2).trim_end_matches("?sent=1").to_owned();
    let page2 = other
        .get(desk.app.url(&link2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page2.contains("SQL injection in search") && !page2.contains("second PoC"),
        "{page2}"
    );
}

async fn spam_and_banned_reporters(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let team = desk.member("alice@team.example", "demo").await;
    let reporter = desk.app.client();
    submit(&desk.app, &reporter, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Cheap watches"),
                ("details", "buy"),
                ("versions_tested", "n/a"),
                ("email", "spammer@example.net"),
            ],
        )
    })
    .await;
    let case_id = desk.app.db.scalar("SELECT MAX(id) FROM cases").await;
    desk.deliver().await;
    let before = desk.mail_to("spammer@example.net").len();
    let csrf = desk
        .app
        .csrf(&team, &format!("/team/cases/{case_id}"))
        .await;
    // Spam asks first: the unconfirmed post answers with the question and changes nothing.
    let r = team
        .post(desk.app.url(&format!("/team/cases/{case_id}/spam")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("Mark case #{case_id} as spam?"))
    );
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {case_id} AND state = 'spam'"
            ))
            .await,
        0
    );
    let r = team
        .post(desk.app.url(&format!("/team/cases/{case_id}/spam")))
        .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = team
        .get(desk.app.url("/team/projects/demo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains("Cheap watches"),
        "spam still in the inbox: {list}"
    );
    assert_eq!(
        list.matches("<h2>Cases</h2>").count(),
        1,
        "the case list is rendered once: {list}"
    );
    assert!(
        list.contains("<title>Demo Project · Embargo</title>"),
        "{list}"
    );
    desk.deliver().await;
    assert_eq!(
        desk.mail_to("spammer@example.net").len(),
        before,
        "spam got a reply"
    );
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM cases WHERE state = 'spam'")
            .await,
        1,
        "spam not kept"
    );
    let (_, audit, _) = desk.cli(&["audit", "list"], None);
    assert!(audit.contains("case.spam"));
    // A banned reporter is refused with a clear message, and the refusal is recorded.
    let project = embargo::service::projects::find(&desk.app.state.db, "demo")
        .await
        .unwrap();
    embargo::service::cases::ban(
        &desk.app.state.db,
        &crate::support::project_for(
            &desk.app.state.db,
            &embargo::domain::actor::Actor::Cli,
            None::<i64>,
            &project.slug,
        )
        .await,
        "spammer@example.net",
        "repeated spam",
    )
    .await
    .unwrap();
    let r = submit(&desk.app, &reporter, "demo", |csrf| {
        report_form(
            csrf,
            &[
                ("summary", "Again"),
                ("details", "buy"),
                ("versions_tested", "n/a"),
                ("email", "Spammer@example.net"),
            ],
        )
    })
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("does not accept reports from your address")
    );
    let (_, audit, _) = desk.cli(&["audit", "list"], None);
    assert!(audit.contains("case.refused_banned"), "{audit}");
}

async fn mail_ingest_end_to_end_with_gpg(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let team = desk.member("alice@team.example", "demo").await;
    let (code, out, err) = desk.cli(&["key", "generate", "--project", "demo"], None);
    assert_eq!(code, 0, "{err}");
    let project_fpr = out
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint: "))
        .unwrap()
        .trim()
        .to_owned();
    let (_, project_key, _) = desk.cli(&["key", "export", "--project", "demo"], None);
    let gpg = Gpg::new();
    gpg.import(project_key.as_bytes());
    let reporter = gpg.generate("Reporter <reporter@example.net>", "cv25519");
    // Thunderbird-style: protected headers inside, "..." outside, signed and encrypted.
    let inner = b"Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nSubject: Path traversal in the upload handler\r\n\r\nUploading ../../etc/passwd overwrites it.\r\nTested: 2.1.0\r\n";
    let armored = String::from_utf8(
        gpg.run(
            &[
                "--armor",
                "--encrypt",
                "--sign",
                "--recipient",
                &project_fpr,
                "--local-user",
                &reporter,
            ],
            inner,
        )
        .1,
    )
    .unwrap();
    let mail = format!(
        "From: Reporter <reporter@example.net>\r\nTo: security@demo.example\r\nSubject: ...\r\nMessage-ID: <tb-1@example.net>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"------------tb\"\r\n\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n--------------tb\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--------------tb\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n{armored}\r\n--------------tb--\r\n"
    );
    let (code, out, err) = desk.cli(&["mail", "ingest"], Some(&mail));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("new case #"), "{out}");
    let case_id = desk.app.db.scalar("SELECT MAX(id) FROM cases").await;
    let page = team
        .get(desk.app.url(&format!("/team/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Path traversal in the upload handler")
            && page.contains("Uploading ../../etc/passwd overwrites it."),
        "{page}"
    );
    desk.deliver().await;
    let ack = desk.mail_to("reporter@example.net");
    assert_eq!(ack.len(), 1, "acknowledgement");
    assert_eq!(ack[0].header("In-Reply-To").unwrap(), "<tb-1@example.net>");
    // The reporter's reply by mail lands in the same case.
    let reply = format!(
        "From: reporter@example.net\r\nTo: security@demo.example\r\nSubject: Re: ...\r\nMessage-ID: <tb-2@example.net>\r\nIn-Reply-To: {}\r\nReferences: <tb-1@example.net> {}\r\n\r\nOne more detail: symlinks too.\r\n",
        ack[0].header("Message-ID").unwrap(),
        ack[0].header("Message-ID").unwrap()
    );
    let (code, out, _) = desk.cli(&["mail", "ingest"], Some(&reply));
    assert_eq!(code, 0);
    assert!(out.contains(&format!("added to case #{case_id}")), "{out}");
    // A team reply reaches the reporter.
    let csrf = desk
        .app
        .csrf(&team, &format!("/team/cases/{case_id}"))
        .await;
    team.post(desk.app.url(&format!("/team/cases/{case_id}/reply")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("text", "Thanks, fixing both."),
        ])
        .send()
        .await
        .unwrap();
    desk.deliver().await;
    let all = desk.mail_to("reporter@example.net");
    assert_eq!(all.len(), 2);
    assert!(body_text(&all[1]).contains("Thanks, fixing both."));
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases").await, 1);
}

async fn mail_ingest_exit_codes_and_no_duplicates(kind: Kind) {
    let desk = Desk::new(kind, &["demo"]).await;
    let mail = "From: r@example.net\r\nTo: security@demo.example\r\nSubject: Token reuse\r\nMessage-ID: <dup-1@example.net>\r\n\r\nSession tokens survive logout.\r\n";
    // The database is unreachable: 75, and nothing is lost because the MTA retries.
    let out = Command::new(bin())
        .args(["mail", "ingest"])
        .env(
            "EMBARGO_DATABASE_URL",
            "postgres://nobody:pw@127.0.0.1:1/none",
        )
        .env("EMBARGO_DATA_DIR", desk.app.db.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(mail.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // After recovery, the retry creates exactly one case; a second retry changes nothing.
    let (code, out, _) = desk.cli(&["mail", "ingest"], Some(mail));
    assert_eq!(code, 0);
    assert!(out.contains("new case"), "{out}");
    let (code, out, _) = desk.cli(&["mail", "ingest"], Some(mail));
    assert_eq!(code, 0);
    assert!(out.contains("taken in before"), "{out}");
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases").await, 1);
    // Not mail: 65. Nobody's address: 67.
    let (code, _, err) = desk.cli(&["mail", "ingest"], Some("\u{1}\u{2} not mail"));
    assert_eq!(code, 65, "{err}");
    let (code, _, err) = desk.cli(
        &["mail", "ingest"],
        Some("From: r@example.net\r\nTo: someone@else.example\r\nSubject: x\r\n\r\nhi\r\n"),
    );
    assert_eq!(code, 67, "{err}");
    assert!(
        err.contains("no project on this instance has the address someone@else.example"),
        "{err}"
    );
    // A policy refusal is accepted (0) and answered with the rule.
    let pdf = "From: r2@example.net\r\nTo: security@demo.example\r\nSubject: PoC attached\r\nMessage-ID: <pdf-1@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the PDF.\r\n--b\r\nContent-Type: application/pdf; name=\"poc.pdf\"\r\nContent-Disposition: attachment; filename=\"poc.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcK\r\n--b--\r\n";
    let (code, out, _) = desk.cli(&["mail", "ingest"], Some(pdf));
    assert_eq!(code, 0);
    assert!(out.contains("refused by policy"), "{out}");
    desk.deliver().await;
    let answer = desk.mail_to("r2@example.net");
    assert_eq!(answer.len(), 1);
    assert!(
        body_text(&answer[0]).contains("accepts plain-text attachments only"),
        "{}",
        body_text(&answer[0])
    );
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases").await, 1);
    let _ = run_cli;
}

async fn the_team_acknowledges_with_a_personal_message(kind: Kind) {
    let desk = Desk::new(kind, &[]).await;
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/demo.toml"
    ))
    .unwrap();
    let policy = format!("{demo}\n[process]\nacknowledgement = \"team\"\n");
    let path = desk.app.db.dir.path().join("demo-team-ack.toml");
    std::fs::write(&path, policy).unwrap();
    let (code, _, err) = desk.cli(
        &["project", "add", "--policy", path.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let team = desk.member("alice@team.example", "demo").await;
    let mail = "From: Rita <rita@example.net>\r\nTo: security@demo.example\r\nSubject: Auth bypass\r\nMessage-ID: <ack-1@example.net>\r\n\r\nThe admin check can be skipped.\r\n";
    let (code, out, err) = desk.cli(&["mail", "ingest"], Some(mail));
    assert_eq!(code, 0, "{out}{err}");
    let case_id = desk.app.db.scalar("SELECT MAX(id) FROM cases").await;
    desk.deliver().await;
    assert!(
        desk.mail_to("rita@example.net").is_empty(),
        "acknowledged automatically"
    );
    assert_eq!(
        desk.app
            .db
            .scalar(
                "SELECT COUNT(*) FROM cases WHERE state = 'received' AND acknowledged_at IS NULL"
            )
            .await,
        1
    );
    let page = team
        .get(desk.app.url(&format!("/team/cases/{case_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Acknowledge the report"), "{page}");
    let csrf = csrf_in(&page);
    let r = team
        .post(desk.app.url(&format!("/team/cases/{case_id}/acknowledge")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            (
                "text",
                "Hi Rita, thanks, Alice here; I am looking at it today.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    desk.deliver().await;
    let ack = desk.mail_to("rita@example.net");
    assert_eq!(ack.len(), 1);
    let text = body_text(&ack[0]);
    assert!(
        text.starts_with("Hi Rita, thanks, Alice here")
            && text.contains("We aim to decide whether it is a vulnerability within 7 days"),
        "{text}"
    );
    assert_eq!(ack[0].header("In-Reply-To").unwrap(), "<ack-1@example.net>");
    // A mail report gets its private link with the acknowledgement, and the link works.
    let link = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("https://security.example.org/c/"))
        .unwrap()
        .to_owned();
    let path = link.trim_start_matches("https://security.example.org");
    let reporter_page = desk
        .app
        .client()
        .get(desk.app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        reporter_page.contains("Auth bypass") && reporter_page.contains("Hi Rita"),
        "{reporter_page}"
    );
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM cases WHERE state = 'acknowledged' AND acknowledged_at IS NOT NULL").await, 1);
    // Acknowledging twice is refused.
    let r = team
        .post(desk.app.url(&format!("/team/cases/{case_id}/acknowledge")))
        .form(&[("csrf_token", csrf.as_str()), ("text", "again")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
