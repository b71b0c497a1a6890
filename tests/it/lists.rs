//! The notification list's request-and-review process and the public announce list,
//! over HTTP with real mail (an SMTP sink, delivered by the outbox worker) and real
//! GnuPG keys: incomplete and inconsistent requests (missing answers, a key ID that
//! does not match, an expired key) refused and recorded; confirmation by a link mailed
//! encrypted to the applicant's key; review with flags, questions and answers,
//! approval; revocation (a revoked member receives nothing); key replacement; the
//! member list in no public route and no mail header; overdue requests on the
//! dashboard and reminded; the announce list's double opt-in, its list headers and
//! one-click unsubscribe (RFC 8058).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::gpg::Gpg;
use crate::on_both_backends;
use crate::smtp_sink::{Received, SmtpSink};
use crate::support::{Kind, TestApp, csrf_in};
use embargo::domain::actor::Actor;
use embargo::service::{self, disclosure, keys, members};
use reqwest::StatusCode;

pub const PW: &str = "correct horse battery staple";

pub struct Desk {
    pub app: TestApp,
    pub sink: SmtpSink,
    pub team: reqwest::Client,
}

impl Desk {
    /// The demo instance (its project has Django-style list rules), a project key, a
    /// signed-in team member, mail to an SMTP sink.
    pub async fn new(kind: Kind) -> Self {
        let sink = SmtpSink::start().await;
        let url = sink.url();
        let app = TestApp::spawn_with(
            kind,
            &[
                ("EMBARGO_SMTP_URL", url.as_str()),
                ("EMBARGO_PUBLIC_URL", "https://security.example.org"),
            ],
        )
        .await;
        embargo::demo::ensure(&app.state.db, &app.state.cfg)
            .await
            .unwrap();
        let vault = app.state.cfg.vault(true).unwrap();
        keys::generate(
            &app.state.db,
            &vault,
            &Actor::Cli,
            keys::Holder::Project("demo"),
        )
        .await
        .unwrap();
        app.user("lead@demo.example", PW, false).await;
        service::projects::add_member(
            &app.state.db,
            &Actor::Cli,
            &"demo".parse().unwrap(),
            &"lead@demo.example".parse().unwrap(),
            "team".parse().unwrap(),
        )
        .await
        .unwrap();
        let team = app.client();
        assert_eq!(
            app.login(&team, "lead@demo.example", PW).await.status(),
            StatusCode::SEE_OTHER
        );
        let desk = Self { app, sink, team };
        // The demo's own mail (acknowledgements, notices) is delivered and set aside.
        desk.deliver().await;
        desk
    }

    /// Deliver everything queued; returns the messages that arrived by this call.
    pub async fn deliver(&self) -> Vec<Received> {
        let before = self.sink.messages().len();
        let worker =
            embargo::mail::worker::Worker::new(self.app.state.db.clone(), &self.app.state.cfg)
                .unwrap();
        loop {
            let r = worker.run_once().await.unwrap();
            if r.sent + r.retried + r.failed == 0 {
                break;
            }
        }
        let queued = self
            .app
            .db
            .scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await;
        assert_eq!(queued, 0, "mail left undelivered");
        self.sink.messages()[before..].to_vec()
    }

    /// POST a public form with a fresh CSRF token from `page`.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let csrf = self.app.csrf(client, page).await;
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let r = client
            .post(self.app.url(action))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// Schedule (or move) a case `days` ahead at `time` UTC.
    pub async fn schedule_in_days(&self, case: i64, days: i64, time: &str) {
        let at = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(24 * days))
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        disclosure::schedule(
            &self.app.state.db,
            &self.app.state.cfg,
            &crate::support::case_for(&self.app.state.db, &Actor::Cli, None::<i64>, case).await,
            &disclosure::ScheduleInput {
                date: at.strftime("%Y-%m-%d").to_string(),
                time: time.into(),
                zone: "UTC".into(),
                exploited: String::new(),
                auto_publish: false,
            },
        )
        .await
        .unwrap();
    }

    /// The scheduled demo case (a reviewed patch, a draft, a date ten days ahead).
    pub async fn scheduled_case(&self) -> i64 {
        self.app
            .db
            .scalar("SELECT id FROM cases WHERE state = 'scheduled' ORDER BY id LIMIT 1")
            .await
    }
}

/// The plain text of a message (the first text part).
pub fn body(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .unwrap()
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default()
}

/// Decrypt a PGP/MIME message with gpg; the text of the decrypted part.
pub fn decrypt(gpg: &Gpg, raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let start = text.find("-----BEGIN PGP MESSAGE-----").unwrap();
    let end = text.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
    let (ok, plain, err) = gpg.run(&["--skip-verify", "--decrypt"], text[start..end].as_bytes());
    assert!(ok, "gpg could not decrypt:\n{err}");
    body(&plain)
}

/// The first link in a text that contains `part`, made relative to the site.
pub fn link(text: &str, part: &str) -> String {
    let start = text
        .find(part)
        .unwrap_or_else(|| panic!("no {part} link in:\n{text}"));
    let begin = text[..start].rfind("https://").unwrap();
    let end = text[start..]
        .find(char::is_whitespace)
        .map(|e| start + e)
        .unwrap_or(text.len());
    text[begin..end]
        .trim_start_matches("https://security.example.org")
        .to_owned()
}

/// An expired key (made with a faked clock in 2020, valid one day) for `uid`.
fn expired_key(gpg: &Gpg, uid: &str) -> Vec<u8> {
    let (ok, _, err) = gpg.run(
        &[
            "--faked-system-time",
            "20200101T000000!",
            "--quick-generate-key",
            uid,
            "ed25519",
            "sign,cert",
            "1d",
        ],
        b"",
    );
    assert!(ok, "{err}");
    let fpr = gpg.fingerprint(uid);
    let (ok, _, err) = gpg.run(
        &[
            "--faked-system-time",
            "20200101T000000!",
            "--quick-add-key",
            &fpr,
            "cv25519",
            "encr",
            "1d",
        ],
        b"",
    );
    assert!(ok, "{err}");
    gpg.export(&fpr)
}

pub(crate) fn individual<'a>(
    email: &'a str,
    key: &'a str,
    key_id: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Pat Maintainer"),
        ("individual", "true"),
        ("organisation", ""),
        ("org_role", ""),
        ("group", "maintainers"),
        (
            "criteria",
            "I maintain the demo-project package in Example OS.",
        ),
        ("reason", "To ship fixed packages on disclosure day."),
        ("email", email),
        ("address_handling", "Only I read it; nothing is automated."),
        ("public_key", key),
        ("key_id", key_id),
    ]
}

on_both_backends!(
    requests_with_problems_are_refused_and_recorded,
    request_confirm_review_approve_revoke,
    member_list_is_in_no_public_route_and_no_mail_header,
    announce_list_double_opt_in_and_one_click_unsubscribe,
    members_replace_their_key,
    overdue_requests_show_and_remind,
    requests_by_mail_point_to_the_form,
);

async fn requests_with_problems_are_refused_and_recorded(kind: Kind) {
    let desk = Desk::new(kind).await;
    let c = desk.app.client();
    let page = "/p/demo/notification-list/apply";
    let form = desk
        .app
        .client()
        .get(desk.app.url(page))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    for want in [
        "Full, real name",
        "Distributors",
        "A failure to provide the required information counts against your request",
        "security scanning and audit firms",
    ] {
        assert!(html.contains(want), "the form lacks {want}");
    }

    // An incomplete request: the answers missing are named, the attempt recorded, nothing sent.
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &[
                ("name", "Jane Packager"),
                ("individual", "false"),
                ("organisation", "Example Linux"),
                ("org_role", ""),
                ("group", "distributors"),
                ("criteria", "We ship it."),
                ("reason", ""),
                ("email", "security@example-linux.org"),
                ("address_handling", ""),
                ("public_key", ""),
                ("key_id", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    for field in ["org_role", "reason", "address_handling"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field} not named:\n{html}"
        );
    }
    assert!(
        html.contains("value=\"Jane Packager\""),
        "the answers given were lost"
    );
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM list_request_attempts WHERE email = 'security@example-linux.org'").await, 1);
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM list_requests")
            .await,
        0
    );

    // An individual's key whose stated ID does not match.
    let gpg = Gpg::new();
    let fpr = gpg.generate("Pat Maintainer <pat@maintainer.example>", "cv25519");
    let key = String::from_utf8(gpg.export(&fpr)).unwrap();
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("pat@maintainer.example", &key, "0x0123456789ABCDEF"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("does not match the key you sent"), "{html}");
    assert!(html.contains(&fpr), "the real fingerprint is not shown");

    // A key for another address.
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("other@maintainer.example", &key, &fpr),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("is not associated with other@maintainer.example"),
        "{html}"
    );

    // An expired key.
    let old = Gpg::new();
    let expired = String::from_utf8(expired_key(&old, "Old Key <old@maintainer.example>")).unwrap();
    let old_fpr = old.fingerprint("old@maintainer.example");
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("old@maintainer.example", &expired, &old_fpr),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("expired"), "{html}");

    // No key from an individual, under a policy that requires one.
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("nokey@maintainer.example", "", ""),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("individuals must give their OpenPGP public key"),
        "{html}"
    );
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM list_requests")
            .await,
        0
    );
    assert_eq!(
        desk.deliver().await.len(),
        0,
        "an incomplete request sent mail"
    );

    // The organisation tries again, complete: taken, and the earlier attempt counts against it.
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &[
                ("name", "Jane Packager"),
                ("individual", "false"),
                ("organisation", "Example Linux"),
                ("org_role", "Security lead"),
                ("group", "distributors"),
                ("criteria", "We ship the Demo Project in Example Linux."),
                ("reason", "To prepare packages before disclosure."),
                ("email", "security@example-linux.org"),
                (
                    "address_handling",
                    "Our security team of five; each mail opens a private ticket.",
                ),
                ("public_key", ""),
                ("key_id", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("We sent a confirmation link"), "{html}");
    let queue = service::list_requests::queue(
        &desk.app.state.db,
        &crate::support::project_for(
            &desk.app.state.db,
            &embargo::domain::actor::Actor::Cli,
            None::<i64>,
            "demo",
        )
        .await,
        true,
    )
    .await
    .unwrap();
    assert_eq!(queue.len(), 1);
    assert!(
        queue[0]
            .flag_list
            .iter()
            .any(|f| f.kind == "incomplete-before"),
        "{:?}",
        queue[0].flag_list
    );
    let mails = desk.deliver().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["security@example-linux.org"]);
    let text = body(&mails[0].data);
    let request = link(&text, "/p/demo/notification-list/requests/");
    // Left unconfirmed for more than 7 days, the link no longer confirms.
    desk.app
        .db
        .exec(&format!(
            "UPDATE list_requests SET submitted_at = {} WHERE email = 'security@example-linux.org'",
            embargo::store::now() - 8 * 86_400
        ))
        .await;
    let (status, html) = desk
        .post_form(&c, &request, &format!("{request}/confirm"), &[])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("has expired"), "{html}");
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM list_requests WHERE status = 'pending'")
            .await,
        0
    );
}

async fn request_confirm_review_approve_revoke(kind: Kind) {
    let desk = Desk::new(kind).await;
    let gpg = Gpg::new();
    let fpr = gpg.generate("Pat Maintainer <pat@maintainer.example>", "rsa");
    let key = String::from_utf8(gpg.export(&fpr)).unwrap();
    let c = desk.app.client();
    let page = "/p/demo/notification-list/apply";
    let long_id = &fpr[fpr.len() - 16..];
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("pat@maintainer.example", &key, long_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // The confirmation is encrypted to the applicant's key: confirming proves they hold it.
    let mails = desk.deliver().await;
    assert_eq!(mails.len(), 1);
    assert!(
        !String::from_utf8_lossy(&mails[0].data).contains("/notification-list/requests/"),
        "sent in clear"
    );
    let text = decrypt(&gpg, &mails[0].data);
    // Signed with the project's key, like every encrypted mail of the team (#19 item 11).
    let demo = service::projects::find(&desk.app.state.db, "demo")
        .await
        .unwrap();
    let project_key = keys::project_public_key(&desk.app.state.db, demo.id)
        .await
        .unwrap()
        .unwrap();
    gpg.import(project_key.to_armored().unwrap().as_bytes());
    let raw = String::from_utf8_lossy(&mails[0].data).into_owned();
    let armored = &raw[raw.find("-----BEGIN PGP MESSAGE-----").unwrap()
        ..raw.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len()];
    let (ok, _, err) = gpg.run(&["--decrypt"], armored.as_bytes());
    assert!(ok && err.contains("Good signature"), "{err}");
    let request_page = link(&text, "/p/demo/notification-list/requests/");
    let r = c.get(desk.app.url(&request_page)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("waiting for you to confirm"), "{html}");
    // Before confirmation the team cannot decide.
    let id = desk.app.db.scalar("SELECT id FROM list_requests").await;
    let decide = format!("/team/projects/demo/list/requests/{id}/decide");
    let team_page = format!("/team/projects/demo/list/requests/{id}");
    let (status, _) = desk
        .post_form(
            &desk.team,
            &team_page,
            &decide,
            &[
                ("verdict", "approve"),
                ("group", ""),
                ("note", ""),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = desk
        .post_form(&c, &request_page, &format!("{request_page}/confirm"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        desk.app.db.scalar(&format!("SELECT COUNT(*) FROM list_requests WHERE id = {id} AND status = 'pending' AND decide_due_at - confirmed_at = {}", 30 * 86_400)).await,
        1,
        "the 30-day decision clock did not start at confirmation"
    );
    let team_mail = desk.deliver().await;
    assert!(
        team_mail
            .iter()
            .any(|m| m.to == ["lead@demo.example"] && body(&m.data).contains(&team_page)),
        "the team was not told"
    );
    // Applying again while the request waits: the page answers as for anyone (it must not
    // tell who has applied); only the address hears why nothing happened.
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &individual("pat@maintainer.example", &key, long_id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("We sent a confirmation link"));
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM list_requests")
            .await,
        1
    );
    let held = desk.deliver().await;
    assert_eq!(held.len(), 1);
    assert!(decrypt(&gpg, &held[0].data).contains("is already waiting"));

    // The team's queue shows it; the team asks a question, the applicant answers.
    let queue = desk
        .team
        .get(desk.app.url("/team/projects/demo/list"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        queue.contains("pat@maintainer.example") && queue.contains("Pat Maintainer"),
        "{queue}"
    );
    let (status, html) = desk
        .post_form(
            &desk.team,
            &team_page,
            &decide,
            &[("verdict", "ask-more"), ("note", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty question was taken: {html}"
    );
    let (status, _) = desk
        .post_form(
            &desk.team,
            &team_page,
            &decide,
            &[
                ("verdict", "ask-more"),
                ("note", "Which distributions do you package for?"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let asked = desk.deliver().await;
    assert_eq!(asked.len(), 1);
    assert!(decrypt(&gpg, &asked[0].data).contains("Which distributions do you package for?"));
    let (status, _) = desk
        .post_form(
            &c,
            &request_page,
            &format!("{request_page}/answer"),
            &[("text", "Example OS and its derivatives.")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    desk.deliver().await;
    let html = desk
        .team
        .get(desk.app.url(&team_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Example OS and its derivatives.") && html.contains("Record the decision"),
        "{html}"
    );

    // Approved into a group: a member with the validated key; the applicant is told.
    let (status, _) = desk
        .post_form(
            &desk.team,
            &team_page,
            &decide,
            &[
                ("verdict", "approve"),
                ("group", "maintainers"),
                ("note", "Welcome."),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        desk.app.db.scalar(&format!("SELECT COUNT(*) FROM list_members WHERE email = 'pat@maintainer.example' AND group_id = 'maintainers' AND fingerprint = '{fpr}' AND revoked_at IS NULL")).await,
        1
    );
    let told = desk.deliver().await;
    assert_eq!(told.len(), 1);
    assert!(decrypt(&gpg, &told[0].data).contains("Your request was approved"));
    for action in [
        "list.request_submitted",
        "list.request_confirmed",
        "list.request_more_info",
        "list.request_answered",
        "list.request_approved",
    ] {
        assert_eq!(
            desk.app.db.scalar(&format!("SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND object_id = '{id}'")).await,
            1,
            "{action}"
        );
    }
    // The audit trail names the request by id, never the applicant.
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'list.%' AND (details LIKE '%pat@maintainer.example%' OR object_id LIKE '%@%')").await, 0);

    // The member receives the next pre-notification, encrypted to that key.
    let case = desk.scheduled_case().await;
    disclosure::pre_notify_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, case).await,
    )
    .await
    .unwrap();
    let notes = desk.deliver().await;
    let to_pat: Vec<&Received> = notes
        .iter()
        .filter(|m| m.to == ["pat@maintainer.example"])
        .collect();
    assert_eq!(to_pat.len(), 1);
    assert!(decrypt(&gpg, &to_pat[0].data).contains("Path traversal in the static file handler"));

    // Revoked (the demo policy allows it without a reason): nothing further reaches them.
    let r = desk
        .post_form(
            &desk.team,
            "/team/projects/demo/list",
            "/team/projects/demo/list/revoke",
            &[
                ("email", "pat@maintainer.example"),
                ("reason", ""),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.0, StatusCode::SEE_OTHER);
    let other = desk
        .app
        .db
        .scalar("SELECT id FROM cases WHERE state = 'fixing' ORDER BY id LIMIT 1")
        .await;
    desk.schedule_in_days(other, 12, "09:00").await;
    disclosure::pre_notify_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, other).await,
    )
    .await
    .unwrap();
    // … nor a date change of the case they were told of before.
    desk.schedule_in_days(case, 11, "10:00").await;
    let after = desk.deliver().await;
    assert!(
        after
            .iter()
            .all(|m| !m.to.contains(&"pat@maintainer.example".to_owned())),
        "a revoked member received mail"
    );

    // A rejection needs its reason; the applicant is told it.
    let again = desk
        .post_form(
            &c,
            page,
            page,
            &individual("pat@maintainer.example", &key, long_id),
        )
        .await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.1);
    let text = decrypt(&gpg, &desk.deliver().await[0].data);
    let second = link(&text, "/p/demo/notification-list/requests/");
    desk.post_form(&c, &second, &format!("{second}/confirm"), &[])
        .await;
    desk.deliver().await;
    let id2 = desk
        .app
        .db
        .scalar("SELECT MAX(id) FROM list_requests")
        .await;
    let team2 = format!("/team/projects/demo/list/requests/{id2}");
    let html = desk
        .team
        .get(desk.app.url(&team2))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("former-member"),
        "no hint that this address was a member:\n{html}"
    );
    let (status, _) = desk
        .post_form(
            &desk.team,
            &team2,
            &format!("{team2}/decide"),
            &[("verdict", "reject"), ("note", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = desk
        .post_form(
            &desk.team,
            &team2,
            &format!("{team2}/decide"),
            &[
                ("verdict", "reject"),
                ("note", "Your membership was revoked this month."),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rejected = desk.deliver().await;
    assert!(decrypt(&gpg, &rejected[0].data).contains("Your membership was revoked this month."));
    assert_eq!(desk.app.db.scalar("SELECT COUNT(*) FROM list_members WHERE email = 'pat@maintainer.example' AND revoked_at IS NOT NULL").await, 1);
}

async fn member_list_is_in_no_public_route_and_no_mail_header(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.app.state.db;
    let mut gpgs = Vec::new();
    let people = [
        (
            "Secret Distributor",
            "psirt@secret-distro.example",
            "distributors",
            "Secret Distro Inc",
        ),
        (
            "Hidden Packager",
            "hidden.packager@hidden.example",
            "maintainers",
            "",
        ),
    ];
    for (name, email, group, org) in people {
        let gpg = Gpg::new();
        let fpr = gpg.generate(&format!("{name} <{email}>"), "cv25519");
        members::add(
            db,
            &crate::support::project_for(db, &Actor::Cli, None::<i64>, "demo").await,
            &members::Addition {
                email: &email.parse().unwrap(),
                name,
                organisation: org,
                group,
                key: Some(&gpg.export(&fpr)),
            },
        )
        .await
        .unwrap();
        gpgs.push(gpg);
    }
    // A subscriber too: the list's mail goes to each address alone.
    service::announce::add_confirmed(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "demo").await,
        &"reader@public.example".parse().unwrap(),
    )
    .await
    .unwrap();
    let case = desk.scheduled_case().await;
    disclosure::pre_announce_now(
        db,
        &desk.app.state.cfg,
        &crate::support::case_for(db, &Actor::Cli, None::<i64>, case).await,
    )
    .await
    .unwrap();
    disclosure::pre_notify_now(
        db,
        &desk.app.state.cfg,
        &crate::support::case_for(db, &Actor::Cli, None::<i64>, case).await,
    )
    .await
    .unwrap();
    disclosure::publish_now(
        db,
        &desk.app.state.cfg,
        &crate::support::case_for(db, &Actor::Cli, None::<i64>, case).await,
        Some("a test publishes before the date"),
    )
    .await
    .unwrap();
    let mails = desk.deliver().await;
    assert!(mails.len() >= 5, "{}", mails.len());
    let secrets: Vec<&str> = people
        .iter()
        .flat_map(|(name, email, _, org)| [*name, *email, *org])
        .filter(|s| !s.is_empty())
        .collect();
    for m in &mails {
        let raw = String::from_utf8_lossy(&m.data);
        let head = raw.split("\r\n\r\n").next().unwrap();
        for s in &secrets {
            let own = m.to.iter().any(|t| t == s)
                || people
                    .iter()
                    .any(|(n, e, _, _)| m.to.iter().any(|t| t == e) && (n == s));
            assert!(
                own || !head.contains(s),
                "a mail to {:?} names {s} in its headers:\n{head}",
                m.to
            );
        }
        assert_eq!(m.to.len(), 1, "one recipient per message");
        if !m
            .to
            .iter()
            .any(|t| people.iter().any(|(_, e, _, _)| t == e))
        {
            assert!(
                secrets.iter().all(|s| !raw.contains(s)),
                "a mail to {:?} names a member",
                m.to
            );
        }
    }
    let year = jiff::Timestamp::now().strftime("%Y").to_string();
    let anon = desk.app.client();
    let mut paths: Vec<String> = [
        "/",
        "/p/demo/",
        "/p/demo/policy",
        "/p/demo/security.txt",
        "/.well-known/security.txt",
        "/p/demo/advisories",
        "/p/demo/advisories.atom",
        "/p/demo/key.asc",
        "/p/demo/notification-list/apply",
        "/p/demo/notification-list/key",
        "/p/demo/announce",
        "/api/v1/projects/demo/list/members",
        "/api/v1/projects/demo/list/requests",
        "/api/v1/projects/demo/announce/subscribers",
        "/team/projects/demo/list",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for n in 1..=3 {
        for ext in ["", ".osv.json", ".csaf.json"] {
            paths.push(format!("/p/demo/advisories/DEMO-{year}-{n:03}{ext}"));
        }
    }
    for p in &paths {
        let r = anon.get(desk.app.url(p)).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        if p.starts_with("/api/") {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{p}");
        }
        for s in secrets.iter().chain(["reader@public.example"].iter()) {
            assert!(!text.contains(s), "{p} shows {s}");
        }
    }
    // The team sees them.
    let html = desk
        .team
        .get(desk.app.url("/team/projects/demo/list"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(secrets.iter().all(|s| html.contains(s)), "{html}");
    drop(gpgs);
}

async fn announce_list_double_opt_in_and_one_click_unsubscribe(kind: Kind) {
    let desk = Desk::new(kind).await;
    let c = desk.app.client();
    let (status, html) = desk
        .post_form(
            &c,
            "/p/demo/announce",
            "/p/demo/announce",
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, html) = desk
        .post_form(
            &c,
            "/p/demo/announce",
            "/p/demo/announce",
            &[("email", "reader@public.example")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Check your inbox"));
    let mails = desk.deliver().await;
    assert_eq!(mails.len(), 1);
    let confirm = link(&body(&mails[0].data), "/p/demo/announce/confirm/");
    // Not subscribed before confirming: a pre-announcement now would not reach them.
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM announce_subscribers WHERE status = 'subscribed'")
            .await,
        0
    );
    // A tampered link is refused.
    let bad = format!("{}x", &confirm[..confirm.len() - 1]);
    assert_eq!(
        c.get(desk.app.url(&bad)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Opening the link shows a button (mail scanners that follow links subscribe no one).
    let page = c
        .get(desk.app.url(&confirm))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Subscribe"), "{page}");
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM announce_subscribers WHERE status = 'subscribed'")
            .await,
        0
    );
    let csrf = csrf_in(&page);
    let r = c
        .post(desk.app.url(&confirm))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM announce_subscribers WHERE status = 'subscribed'")
            .await,
        1
    );

    // The pre-announcement reaches the subscriber, alone, with the list headers.
    let case = desk.scheduled_case().await;
    disclosure::pre_announce_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, case).await,
    )
    .await
    .unwrap();
    let mails = desk.deliver().await;
    let mine: Vec<&Received> = mails
        .iter()
        .filter(|m| m.to == ["reader@public.example"])
        .collect();
    assert_eq!(mine.len(), 1, "{mails:?}");
    let m = mine[0];
    assert!(
        m.header("List-Id")
            .unwrap()
            .contains("demo-announce.security.example.org")
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let header = m.header("List-Unsubscribe").unwrap();
    let url = header
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(
        url.starts_with("https://security.example.org/p/demo/announce/unsubscribe/"),
        "{url}"
    );
    let text = body(&m.data);
    assert!(text.contains("will release security fixes on"), "{text}");
    assert!(
        text.contains(&url),
        "the unsubscribe link is not in the text"
    );
    assert!(
        !text.contains("Path traversal"),
        "the pre-announcement names the issue"
    );

    // One-click: a POST with the RFC 8058 body, no cookie, no form token, as mail clients send it.
    let path = url.trim_start_matches("https://security.example.org");
    let r = reqwest::Client::new()
        .post(desk.app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM announce_subscribers WHERE status = 'unsubscribed'")
            .await,
        1
    );
    // Other forms still need their CSRF token.
    let r = reqwest::Client::new()
        .post(desk.app.url("/p/demo/announce"))
        .form(&[("email", "x@public.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Nothing more reaches them: the next pre-announcement and the publication notice.
    let other = desk
        .app
        .db
        .scalar("SELECT id FROM cases WHERE state = 'fixing' ORDER BY id LIMIT 1")
        .await;
    desk.schedule_in_days(other, 12, "09:00").await;
    // The demo policy announces only once a solution exists: the fix is released.
    embargo::service::advisories::save_draft(
        &desk.app.state.db,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, other).await,
        &embargo::store::advisories::Draft {
            title: "Fixed issue".into(),
            summary: "Fixed in 2.1.4.".into(),
            fixed: "2.1.4".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    disclosure::pre_announce_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, other).await,
    )
    .await
    .unwrap();
    disclosure::publish_now(
        &desk.app.state.db,
        &desk.app.state.cfg,
        &crate::support::case_for(&desk.app.state.db, &Actor::Cli, None::<i64>, case).await,
        Some("a test publishes before the date"),
    )
    .await
    .unwrap();
    let later = desk.deliver().await;
    assert!(!later.is_empty());
    assert!(
        later.iter().all(|m| m.to != ["reader@public.example"]),
        "mail after unsubscribing"
    );
}

async fn members_replace_their_key(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.app.state.db;
    let gpg = Gpg::new();
    let old = gpg.generate("Pat <pat@maintainer.example>", "cv25519");
    members::add(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "demo").await,
        &members::Addition {
            email: &"pat@maintainer.example".parse().unwrap(),
            name: "Pat",
            organisation: "",
            group: "maintainers",
            key: Some(&gpg.export(&old)),
        },
    )
    .await
    .unwrap();
    let c = desk.app.client();
    let page = "/p/demo/notification-list/key";
    // A new key, by mail confirmation: the link arrives encrypted to the new key.
    let next = Gpg::new();
    let new_fpr = next.generate("Pat <pat@maintainer.example>", "rsa");
    let new_key = String::from_utf8(next.export(&new_fpr)).unwrap();
    let (status, member_answer) = desk
        .post_form(
            &c,
            page,
            page,
            &[("email", "pat@maintainer.example"), ("key", &new_key)],
        )
        .await;
    desk.app.state.background.idle().await;
    assert_eq!(status, StatusCode::OK);
    // A stranger gets the same answer, and no mail goes anywhere for them.
    let (status, stranger_answer) = desk
        .post_form(
            &c,
            page,
            page,
            &[("email", "stranger@nowhere.example"), ("key", &new_key)],
        )
        .await;
    desk.app.state.background.idle().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        member_answer, stranger_answer,
        "the answer tells members from strangers"
    );
    let mails = desk.deliver().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["pat@maintainer.example"]);
    let confirm = link(
        &decrypt(&next, &mails[0].data),
        "/p/demo/notification-list/key/",
    );
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM list_members WHERE fingerprint = '{old}'"
            ))
            .await,
        1,
        "replaced before confirmation"
    );
    let html = c
        .get(desk.app.url(&confirm))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c
        .post(desk.app.url(&confirm))
        .form(&[("csrf_token", csrf_in(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM list_members WHERE fingerprint = '{new_fpr}'"
            ))
            .await,
        1
    );
    // The link works once.
    let r = c
        .post(desk.app.url(&confirm))
        .form(&[("csrf_token", csrf_in(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A third key, signed with the current one: replaced at once.
    let third = Gpg::new();
    let third_fpr = third.generate("Pat <pat@maintainer.example>", "cv25519");
    let third_key = third.export(&third_fpr);
    let (ok, signed, err) = next.run(&["--clearsign", "--local-user", &new_fpr], &third_key);
    assert!(ok, "{err}");
    let signed = String::from_utf8(signed).unwrap();
    let (status, _) = desk
        .post_form(
            &c,
            page,
            page,
            &[("email", "pat@maintainer.example"), ("key", &signed)],
        )
        .await;
    desk.app.state.background.idle().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM list_members WHERE fingerprint = '{third_fpr}'"
            ))
            .await,
        1
    );
    // Signed by someone else: nothing changes.
    let intruder = Gpg::new();
    let i_fpr = intruder.generate("Mallory <pat@maintainer.example>", "cv25519");
    let (ok, forged, err) = intruder.run(
        &["--clearsign", "--local-user", &i_fpr],
        &intruder.export(&i_fpr),
    );
    assert!(ok, "{err}");
    let (status, _) = desk
        .post_form(
            &c,
            page,
            page,
            &[
                ("email", "pat@maintainer.example"),
                ("key", &String::from_utf8(forged).unwrap()),
            ],
        )
        .await;
    desk.app.state.background.idle().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        desk.app
            .db
            .scalar(&format!(
                "SELECT COUNT(*) FROM list_members WHERE fingerprint = '{third_fpr}'"
            ))
            .await,
        1
    );
    // A key that cannot be used is refused with the reason.
    let old_gpg = Gpg::new();
    let expired = expired_key(&old_gpg, "Pat <pat@maintainer.example>");
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &[
                ("email", "pat@maintainer.example"),
                ("key", &String::from_utf8(expired).unwrap()),
            ],
        )
        .await;
    desk.app.state.background.idle().await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("expired"), "{html}");
}

async fn overdue_requests_show_and_remind(kind: Kind) {
    let desk = Desk::new(kind).await;
    let c = desk.app.client();
    let page = "/p/demo/notification-list/apply";
    let (status, html) = desk
        .post_form(
            &c,
            page,
            page,
            &[
                ("name", "Jane Packager"),
                ("individual", "false"),
                ("organisation", "Example Linux"),
                ("org_role", "Security lead"),
                ("group", "distributors"),
                ("criteria", "We ship the Demo Project."),
                ("reason", "To prepare packages."),
                ("email", "jane.packager@gmail.com"),
                ("address_handling", "Me."),
                ("public_key", ""),
                ("key_id", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let text = body(&desk.deliver().await[0].data);
    let req = link(&text, "/p/demo/notification-list/requests/");
    desk.post_form(&c, &req, &format!("{req}/confirm"), &[])
        .await;
    desk.deliver().await;
    let id = desk.app.db.scalar("SELECT id FROM list_requests").await;
    // The reviewer sees the flag: an organisation with a personal, free-mail address.
    let html = desk
        .team
        .get(
            desk.app
                .url(&format!("/team/projects/demo/list/requests/{id}")),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("personal-address") && html.contains("gmail.com is a free-mail provider"),
        "{html}"
    );
    // Nothing overdue yet.
    let dash = desk
        .team
        .get(desk.app.url("/team/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dash.contains("notification-list request(s) of demo overdue"));
    assert_eq!(
        service::reminders::sweep(
            &desk.app.state.db,
            &desk.app.state.cfg,
            embargo::store::now()
        )
        .await
        .unwrap(),
        0
    );
    // Past the 30 days: the dashboard says so, and the sweep reminds the team once.
    desk.app
        .db
        .exec(&format!(
            "UPDATE list_requests SET decide_due_at = {} WHERE id = {id}",
            embargo::store::now() - 3600
        ))
        .await;
    let dash = desk
        .team
        .get(desk.app.url("/team/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dash.contains("1 notification-list request(s) of demo overdue"),
        "{dash}"
    );
    let now = embargo::store::now();
    assert_eq!(
        service::reminders::sweep(&desk.app.state.db, &desk.app.state.cfg, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        service::reminders::sweep(&desk.app.state.db, &desk.app.state.cfg, now + 60)
            .await
            .unwrap(),
        0,
        "reminded twice within remind_every"
    );
    let mails = desk.deliver().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["lead@demo.example"] && body(&m.data).contains("overdue")),
        "{mails:?}"
    );
    // The CLI lists it as overdue.
    let (code, out, err) = crate::support::run_cli(
        &desk.app.db.url_text,
        desk.app.db.dir.path(),
        &["requests", "list", "--project", "demo"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("pending (overdue)") && out.contains("personal-address"),
        "{out}"
    );
    let (code, out, err) = crate::support::run_cli(
        &desk.app.db.url_text,
        desk.app.db.dir.path(),
        &["requests", "approve", "--project", "demo", &id.to_string()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved"), "{out}");
}

async fn requests_by_mail_point_to_the_form(kind: Kind) {
    use embargo::service::ingest::{self, Outcome};
    let desk = Desk::new(kind).await;
    let cases = desk.app.db.scalar("SELECT COUNT(*) FROM cases").await;
    let mail = b"From: Jane Packager <security@example-linux.org>\r\nTo: security@demo.example\r\nSubject: Re: Security Notification Request\r\nMessage-ID: <req-1@example-linux.org>\r\n\r\nPlease add security@example-linux.org; we ship the Demo Project.\r\n";
    let out = ingest::ingest(&desk.app.state.db, &desk.app.state.cfg, None, mail, None)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::ListRequest(_)), "{out:?}");
    assert_eq!(
        desk.app.db.scalar("SELECT COUNT(*) FROM cases").await,
        cases,
        "a request became a case"
    );
    let replies = desk.deliver().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].to, ["security@example-linux.org"]);
    assert_eq!(
        replies[0].header("In-Reply-To").as_deref(),
        Some("<req-1@example-linux.org>")
    );
    assert!(
        body(&replies[0].data)
            .contains("https://security.example.org/p/demo/notification-list/apply")
    );
    // The team has it.
    let html = desk
        .team
        .get(desk.app.url("/team/projects/demo/list"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("we ship the Demo Project") && html.contains("Jane Packager"),
        "{html}"
    );
    // Delivered again by the MTA: nothing new, no second answer.
    let again = ingest::ingest(&desk.app.state.db, &desk.app.state.cfg, None, mail, None)
        .await
        .unwrap();
    assert_eq!(again, Outcome::Duplicate);
    // Automatic mail is kept for the team (held, with the reason) but never answered.
    let auto = b"From: robot@example-linux.org\r\nTo: security@demo.example\r\nSubject: Security notification request\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <req-2@example-linux.org>\r\n\r\nOut of office.\r\n";
    let out = ingest::ingest(&desk.app.state.db, &desk.app.state.cfg, None, auto, None)
        .await
        .unwrap();
    assert!(matches!(out, Outcome::Held { .. }), "{out:?}");
    assert_eq!(desk.deliver().await.len(), 0);
    assert_eq!(
        desk.app
            .db
            .scalar("SELECT COUNT(*) FROM list_request_mails")
            .await,
        1
    );
    assert_eq!(
        desk.app.db.scalar("SELECT COUNT(*) FROM held_mail").await,
        1
    );
}
