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

/// An armored public key with `uids` user IDs, each self-signed.
fn key_with_user_ids(uids: usize) -> String {
    use sequoia_openpgp::cert::CertBuilder;
    use sequoia_openpgp::serialize::SerializeInto;
    let mut b = CertBuilder::new().add_transport_encryption_subkey();
    for i in 0..uids {
        b = b.add_userid(format!("u{i} <hostile@example.net>"));
    }
    let (cert, _) = b.generate().unwrap();
    String::from_utf8(cert.armored().to_vec().unwrap()).unwrap()
}

/// F3: a report whose `public_key` is a certificate with thousands of user IDs
/// pinned a core for minutes before any rate limit; two made every page wait
/// 71 s. Now such keys are refused by counting their packets (linear), off the
/// async workers, after the rate limit, with a message saying what to do — and
/// `/healthz` keeps answering meanwhile.
async fn f3_hostile_key_does_not_stall_the_server(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let huge = key_with_user_ids(4000); // beyond the size bound
    let many = key_with_user_ids(60); // within the size bound, beyond the user-ID bound
    assert!(huge.len() > embargo::pgp::MAX_KEY_INPUT);
    assert!(many.len() < embargo::pgp::MAX_KEY_INPUT, "{}", many.len());
    let probe = {
        let client = reqwest::Client::new();
        let url = app.url("/healthz");
        tokio::spawn(async move {
            let mut worst = std::time::Duration::ZERO;
            for _ in 0..40 {
                let t = std::time::Instant::now();
                let r = client.get(&url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                worst = worst.max(t.elapsed());
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            worst
        })
    };
    let mut posts = Vec::new();
    for key in [huge, many.clone(), many] {
        let client = app.client();
        let form_url = app.url("/p/demo/report");
        posts.push(tokio::spawn(async move {
            let html = client
                .get(&form_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = crate::support::csrf_in(&html);
            let r = client
                .post(&form_url)
                .multipart(
                    reqwest::multipart::Form::new()
                        .text("csrf_token", csrf)
                        .text("summary", "A report with a hostile key")
                        .text("details", "Details.")
                        .text("versions_tested", "1.0")
                        .text("email", "hostile@example.net")
                        .text("public_key", key),
                )
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }));
    }
    for p in posts {
        let (status, html) = p.await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("too large to accept"), "{html}");
        assert!(html.contains("export-minimal"), "{html}");
    }
    let worst = probe.await.unwrap();
    eprintln!("f3: slowest /healthz while hostile keys were posted: {worst:?}");
    // Before the fix a single such post kept /healthz waiting for tens of seconds.
    assert!(
        worst < std::time::Duration::from_secs(1),
        "/healthz took {worst:?} while hostile keys were posted"
    );
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM cases").await, 0);
}

/// F6: a correct password cleared the per-account counter that also counted
/// wrong second-factor codes, so whoever had the password got unlimited code
/// guesses. Now wrong codes have their own counter, which only a correct code
/// clears: past the limit the pending sign-in ends, the account refuses even
/// the right password, and its owner is told by mail — once.
async fn f6_password_does_not_reset_second_factor_guesses(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (client, secret, step, _) = crate::auth::enrol(&app).await;
    crate::auth::sign_out(&app, &client).await;
    let good = embargo::auth::totp::code_at(&secret, (step + 1) * 30).unwrap();
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let limit = app.state.cfg.login_max_failures_per_account;
    for i in 0..limit {
        // Each guess from a new client: the password, then one wrong code.
        let r = crate::auth::second_factor(&app, &app.client(), wrong).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "wrong code {i}");
    }
    // The password alone no longer opens even the second-factor step.
    let r = app.login(&app.client(), "a@example.org", PW).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM outbox WHERE purpose = 'second-factor-lock' AND recipients LIKE '%a@example.org%'")
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM login_failures WHERE scope = 'second_factor'")
            .await,
        i64::from(limit)
    );
}

/// F8: forty parallel sign-ins with a wrong password were evaluated eleven at
/// a time past a limit of five. Each attempt is now reserved before the
/// password is checked: at most the limit are evaluated, the rest are refused.
async fn f8_parallel_login_burst_stays_within_the_limit(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("a@example.org", PW, false).await;
    let client = app.client();
    let csrf = app.csrf(&client, "/team/login").await;
    let mut tries = Vec::new();
    for _ in 0..40 {
        let (client, csrf, url) = (client.clone(), csrf.clone(), app.url("/team/login"));
        tries.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("email", "a@example.org"),
                    ("password", "wrong password!!"),
                    ("next", "/team/"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut evaluated = 0;
    for t in tries {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    let limit = app.state.cfg.login_max_failures_per_account;
    assert!(
        evaluated <= limit,
        "{evaluated} wrong passwords evaluated with a limit of {limit}"
    );
    assert!(evaluated >= 1);
}

/// F7: the data files were readable by every local user, TOTP secrets were
/// stored in clear, and the outbox kept every sent body forever.
async fn f7_data_at_rest(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    if kind == Kind::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let db = app.db.dir.path().join("embargo.sqlite");
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{p:?} is {mode:o}");
        }
        // A data directory Embargo creates is private too.
        let nested = app.db.dir.path().join("a/b/embargo.sqlite");
        let url =
            embargo::config::DatabaseUrl::parse(&format!("sqlite://{}", nested.display())).unwrap();
        embargo::store::Db::connect(&url).await.unwrap();
        for dir in ["a", "a/b"] {
            let mode = std::fs::metadata(app.db.dir.path().join(dir))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700, "{dir} is {mode:o}");
        }
    }
    // The TOTP secret is sealed with the vault.
    let (_client, secret, _, _) = crate::auth::enrol(&app).await;
    let mut c = app.state.db.acquire().await.unwrap();
    let stored = embargo::store::users::by_email(c.conn(), "a@example.org")
        .await
        .unwrap()
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(stored.starts_with("v1:"), "{stored}");
    assert!(!stored.contains(&secret));
    // Sent bodies are erased after the retention period; the record stays.
    let blob = |text: &str| match kind {
        Kind::Sqlite => format!("CAST('{text}' AS BLOB)"),
        Kind::Postgres => format!("'{text}'::bytea"),
    };
    for (id, body, sent) in [
        ("old@x", "secret body", 100),
        ("new@x", "recent body", 2_000_000_000),
    ] {
        app.db
            .exec(&format!("INSERT INTO outbox (message_id, purpose, envelope_from, recipients, raw, status, next_attempt_at, created_at, sent_at) VALUES ('{id}', 'test', 'a@x', '[]', {}, 'sent', 0, 0, {sent})", blob(body)))
            .await;
    }
    let n = embargo::store::outbox::purge_sent(c.conn(), 1_000)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let bodies = app
        .db
        .blobs("SELECT raw FROM outbox WHERE message_id IN ('old@x', 'new@x') ORDER BY message_id")
        .await;
    assert_eq!(bodies, vec![b"recent body".to_vec(), Vec::new()]);
}

/// A PGP/MIME `multipart/encrypted` mail from `from` around `armored`.
fn pgp_mime(from: &str, id: &str, extra: &str, armored: &str) -> String {
    format!(
        "From: {from}\r\nTo: security@demo.example\r\nSubject: ...\r\nMessage-ID: <{id}>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b1\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n{armored}\r\n--b1--\r\n"
    )
}

/// A plain mail from `from` whose body is `body` (an inline armored block, say).
fn plain(from: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: security@demo.example\r\nSubject: Report\r\nMessage-ID: <{id}>\r\n{extra}\r\n{body}\r\n"
    )
}

/// F2: an encrypted report obtained by someone else (a CC, an archive, an
/// unencrypted hop) and sent again from their own address was decrypted,
/// opened as their case, and its plaintext shown on the case page mailed to
/// them; a reply carrying the block into their own case did the same. Now
/// decrypted content reaches only a sender bound to it. Every kind of
/// encrypted input — PGP/MIME, inline, wrapped in the second sender's own
/// encryption, and a reply into their own case — is fed from a second sender,
/// and every page and every mail that sender can reach is searched for the
/// plaintext.
async fn f2_mail_intake_is_not_a_decryption_oracle(kind: Kind) {
    use crate::gpg::Gpg;
    use embargo::service::{ingest, keys};
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let (db, cfg) = (&app.state.db, &app.state.cfg);
    let vault = cfg.vault(true).unwrap();
    keys::generate(db, &vault, &Actor::Cli, keys::Holder::Project("demo"))
        .await
        .unwrap();
    let project_id = app
        .db
        .scalar("SELECT id FROM projects WHERE slug = 'demo'")
        .await;
    let project_key = keys::project_public_key(db, project_id)
        .await
        .unwrap()
        .unwrap();
    let gpg = Gpg::new();
    gpg.import(project_key.to_armored().unwrap().as_bytes());
    let encrypt = |plaintext: &str| {
        let (ok, out, err) = gpg.run(
            &[
                "--armor",
                "--encrypt",
                "--recipient",
                &project_key.fingerprint(),
            ],
            plaintext.as_bytes(),
        );
        assert!(ok, "{err}");
        String::from_utf8(out).unwrap()
    };
    let vault = &vault;
    let ingest = |raw: String| async move {
        ingest::ingest(db, cfg, Some(vault), raw.as_bytes(), None)
            .await
            .unwrap()
    };
    const VICTIM: &str = "victim@example.net";
    const ATTACKER: &str = "attacker@evil.example";

    // 1. PGP/MIME with protected headers naming the victim: bound, the victim gets the link.
    let m1 = "secretmarkone";
    let block1 = encrypt(&format!(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nFrom: {VICTIM}\r\nSubject: Overflow {m1}\r\n\r\nDetails {m1}\r\n"
    ));
    let first = ingest(pgp_mime(VICTIM, "v1@example.net", "", &block1)).await;
    let ingest::Outcome::NewCase(case1) = first else {
        panic!("{first:?}")
    };
    // The same block from the attacker: a forwarded copy, nothing back.
    let again = ingest(pgp_mime(ATTACKER, "a1@evil.example", "", &block1)).await;
    assert_eq!(again, ingest::Outcome::ForwardedCopy(case1));

    // 2. Inline, unsigned, from the victim: a case, but not bound (nothing proves the
    //    sender wrote it). The attacker's copy opens another unbound case — nobody
    //    owns the content, nobody gets it — and the team sees the two tied together.
    let m2 = "secretmarktwo";
    let block2 = encrypt(&format!("Inline details {m2}\n"));
    let second = ingest(plain(VICTIM, "v2@example.net", "", &block2)).await;
    let ingest::Outcome::NewCase(case2) = second else {
        panic!("{second:?}")
    };
    let again = ingest(plain(ATTACKER, "a2@evil.example", "", &block2)).await;
    let ingest::Outcome::NewCase(copy2) = again else {
        panic!("{again:?}")
    };
    assert_eq!(
        app.db
            .scalar(&format!("SELECT COUNT(*) FROM case_messages WHERE case_id = {copy2} AND visibility = 'team' AND body LIKE '%case #{case2}%'"))
            .await,
        1
    );

    // 3. A block the victim never sent here (intercepted on the way), sent by the
    //    attacker as PGP/MIME with protected headers naming the attacker — around the
    //    victim's inline ciphertext: two decryptions, not bound.
    let m3 = "secretmarkthree";
    let victim_block = encrypt(&format!("Intercepted details {m3}\n"));
    let wrapper = encrypt(&format!(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nFrom: {ATTACKER}\r\nSubject: Please look\r\n\r\n{victim_block}\r\n"
    ));
    let third = ingest(pgp_mime(ATTACKER, "a3@evil.example", "", &wrapper)).await;
    let ingest::Outcome::NewCase(case3) = third else {
        panic!("{third:?}")
    };

    // 4. The same never-sent kind of block, PGP/MIME, from the attacker directly.
    let m4 = "secretmarkfour";
    let fourth = ingest(pgp_mime(
        ATTACKER,
        "a4@evil.example",
        "",
        &encrypt(&format!("Content-Type: text/plain\r\n\r\nStolen {m4}\r\n")),
    ))
    .await;
    let ingest::Outcome::NewCase(case4) = fourth else {
        panic!("{fourth:?}")
    };

    // 5. A reply into the attacker's own case (opened over the web, link in hand),
    //    by mail, carrying another never-sent block.
    let attacker_web = app.client();
    let csrf = app.csrf(&attacker_web, "/p/demo/report").await;
    let r = attacker_web
        .post(app.url("/p/demo/report"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf_token", csrf)
                .text("summary", "My own report")
                .text("details", "Nothing secret here.")
                .text("versions_tested", "1.0")
                .text("email", ATTACKER),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let own_page = crate::support::location(&r);
    let own_page = own_page.split('?').next().unwrap().to_owned();
    let own_case = app.db.scalar("SELECT MAX(id) FROM cases").await;
    let ack_id = {
        let mut c = app.state.db.acquire().await.unwrap();
        embargo::store::cases::messages(c.conn(), own_case, true)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.author == "system")
            .and_then(|m| m.message_id)
            .unwrap()
    };
    let m5 = "secretmarkfive";
    let fifth = ingest(plain(
        ATTACKER,
        "a5@evil.example",
        &format!("In-Reply-To: <{ack_id}>\r\n"),
        &encrypt(&format!("Reply details {m5}\n")),
    ))
    .await;
    assert_eq!(fifth, ingest::Outcome::Reply(own_case));

    // 6. The reviewer's bypass: the victim's ciphertext (PGP/MIME, then inline) wrapped
    //    by the attacker in multipart/signed with protected-headers naming the
    //    attacker on the outside, signed by the attacker's own key. Headers and
    //    signatures outside the encryption bind nothing.
    let attacker_keys = Gpg::new();
    let attacker_fpr = attacker_keys.generate("Mallory <attacker@evil.example>", "cv25519");
    let m6 = "secretmarksix";
    let m7 = "secretmarkseven";
    let inner_mime = |armored: &str| {
        format!(
            "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n{armored}\r\n--b1--"
        )
    };
    let inner_inline = |armored: &str| format!("Content-Type: text/plain\r\n\r\n{armored}");
    let mut wrapped_cases = Vec::new();
    for (n, part) in [
        (
            6,
            inner_mime(&encrypt(&format!(
                "Content-Type: text/plain\r\n\r\nWrapped {m6}\r\n"
            ))),
        ),
        (7, inner_inline(&encrypt(&format!("Wrapped inline {m7}\n")))),
    ] {
        let (ok, sig, err) = attacker_keys.run(
            &["--armor", "--detach-sign", "--local-user", &attacker_fpr],
            part.as_bytes(),
        );
        assert!(ok, "{err}");
        let sig = String::from_utf8(sig).unwrap();
        let raw = format!(
            "From: Mallory <ATTACKER@evil.example>\r\nTo: security@demo.example\r\nSubject: Look\r\nMessage-ID: <w{n}@evil.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; protected-headers=\"v1\"; boundary=\"SSS\"\r\n\r\n--SSS\r\n{part}\r\n--SSS\r\nContent-Type: application/pgp-signature\r\n\r\n{sig}\r\n--SSS--\r\n"
        );
        let out = ingest(raw).await;
        let ingest::Outcome::NewCase(c) = out else {
            panic!("wrapped {n}: {out:?}")
        };
        wrapped_cases.push(c);
    }

    // 8. First come does not own: the attacker sends an intercepted inline block
    //    before the victim; the victim's own mail is still a report of its own, and
    //    the team is told the same content came from two senders.
    let m8 = "secretmarkeight";
    let block8 = encrypt(&format!("Early details {m8}\n"));
    let early = ingest(plain(ATTACKER, "a8@evil.example", "", &block8)).await;
    let ingest::Outcome::NewCase(early) = early else {
        panic!("{early:?}")
    };
    let late = ingest(plain(VICTIM, "v8@example.net", "", &block8)).await;
    let ingest::Outcome::NewCase(late) = late else {
        panic!("{late:?}")
    };
    assert_ne!(early, late);
    assert_eq!(
        app.db
            .scalar(&format!("SELECT COUNT(*) FROM case_messages WHERE case_id = {late} AND visibility = 'team' AND body LIKE '%case #{early}%'"))
            .await,
        1
    );

    // 9. An unbound encrypted mail with the list-request subject is a report, not a
    //    list request (the list queue is not for decrypted reports).
    let m9 = "secretmarknine";
    let nine = ingest(format!(
        "From: {ATTACKER}\r\nTo: security@demo.example\r\nSubject: Security notification request\r\nMessage-ID: <a9@evil.example>\r\n\r\n{}\r\n",
        encrypt(&format!("Listed {m9}\n"))
    ))
    .await;
    assert!(matches!(nine, ingest::Outcome::NewCase(_)), "{nine:?}");

    let markers = [m1, m2, m3, m4, m5, m6, m7, m8, m9];
    // The team has every plaintext.
    for m in markers {
        assert_eq!(
            app.db
                .scalar(&format!("SELECT COUNT(*) FROM cases c JOIN case_messages m ON m.case_id = c.id WHERE c.summary LIKE '%{m}%' OR m.body LIKE '%{m}%'"))
                .await
                .min(1),
            1,
            "{m} is not with the team"
        );
    }
    // Nothing the attacker can reach holds any of them: every mail to them, and their
    // own case page; and no mail to them carries a private case link.
    let mails = app
        .db
        .blobs(&format!(
            "SELECT raw FROM outbox WHERE recipients LIKE '%{ATTACKER}%'"
        ))
        .await;
    assert!(mails.len() >= 3, "{} mails to the attacker", mails.len());
    let own_token = own_page.trim_start_matches("/c/").to_owned();
    for raw in &mails {
        let text = String::from_utf8_lossy(raw);
        for m in markers {
            assert!(!text.contains(m), "{m} mailed to the attacker:\n{text}");
        }
        let links: Vec<&str> = text.match_indices("/c/").map(|(i, _)| &text[i..]).collect();
        assert!(
            links
                .iter()
                .all(|l| l.starts_with(&format!("/c/{own_token}"))),
            "a case link other than the attacker's own was mailed to them:\n{text}"
        );
    }
    let page = attacker_web
        .get(app.url(&own_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nothing secret here."), "{page}");
    for m in markers {
        assert!(!page.contains(m), "{m} on the attacker's case page");
    }
    // The victim of case 1 was bound (protected headers) and got their link; the cases
    // the attacker opened are marked for the team.
    let victim_mail = app
        .db
        .blobs(&format!("SELECT raw FROM outbox WHERE recipients LIKE '%{VICTIM}%' AND purpose = 'acknowledgement' ORDER BY id"))
        .await;
    assert!(String::from_utf8_lossy(&victim_mail[0]).contains("/c/"));
    assert!(!String::from_utf8_lossy(&victim_mail[1]).contains("/c/"));
    for (case, bound) in [
        (case1, 1),
        (case2, 0),
        (copy2, 0),
        (case3, 0),
        (case4, 0),
        (wrapped_cases[0], 0),
        (wrapped_cases[1], 0),
        (early, 0),
    ] {
        assert_eq!(
            app.db
                .scalar(&format!(
                    "SELECT COUNT(*) FROM cases WHERE id = {case} AND reporter_bound"
                ))
                .await,
            bound,
            "case {case}"
        );
    }
    // The team confirms the victim of case 2: now they get their link.
    service::cases::confirm_reporter(
        db,
        cfg,
        &crate::support::case_for(db, &Actor::Cli, None::<i64>, case2).await,
    )
    .await
    .unwrap();
    let victim_mail = app
        .db
        .blobs(&format!("SELECT raw FROM outbox WHERE recipients LIKE '%{VICTIM}%' AND purpose = 'acknowledgement' ORDER BY id"))
        .await;
    assert!(String::from_utf8_lossy(victim_mail.last().unwrap()).contains("/c/"));
    assert!(
        service::cases::confirm_reporter(
            db,
            cfg,
            &crate::support::case_for(db, &Actor::Cli, None::<i64>, case2).await
        )
        .await
        .is_err()
    );
}

/// F9: guest invitations carried the case's summary in clear. Now they leave
/// it out, and are encrypted when the team gives the collaborator's key.
async fn f9_invitations_carry_no_case_text(kind: Kind) {
    use crate::gpg::Gpg;
    let (app, _client, case) = admin_app(kind).await;
    let invite = |email: &'static str, key: String| {
        let db = app.state.db.clone();
        let cfg = app.state.cfg.clone();
        async move {
            service::guests::invite(
                &db,
                &cfg,
                &crate::support::case_for(&db, &Actor::Cli, None::<i64>, case).await,
                &service::guests::Invitation {
                    email: email.into(),
                    name: "Guest".into(),
                    role: "upstream".into(),
                    note: String::new(),
                    key,
                },
            )
            .await
        }
    };
    invite("plain@upstream.example", String::new())
        .await
        .unwrap();
    let gpg = Gpg::new();
    let fpr = gpg.generate("Up <keyed@upstream.example>", "cv25519");
    let key = String::from_utf8(gpg.export(&fpr)).unwrap();
    let (_, link) = invite("keyed@upstream.example", key).await.unwrap();
    // A key that cannot receive mail is refused with the reason.
    let err = invite("bad@upstream.example", "not a key".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the collaborator's key"), "{err}");
    let raws = app
        .db
        .blobs("SELECT raw FROM outbox WHERE purpose = 'guest-invitation' ORDER BY id")
        .await;
    assert_eq!(raws.len(), 2);
    let plain = String::from_utf8_lossy(&raws[0]);
    assert!(plain.contains("/g/"), "{plain}");
    assert!(
        !plain.contains("A report"),
        "the summary went out in clear:\n{plain}"
    );
    let sealed = String::from_utf8_lossy(&raws[1]);
    assert!(sealed.contains("-----BEGIN PGP MESSAGE-----"), "{sealed}");
    let token = link.rsplit('/').next().unwrap();
    assert!(!sealed.contains(token), "the link went out in clear");
    let armored = &sealed[sealed.find("-----BEGIN PGP MESSAGE-----").unwrap()
        ..sealed.find("-----END PGP MESSAGE-----").unwrap() + 25];
    let (ok, clear, err) = gpg.run(&["--decrypt"], armored.as_bytes());
    assert!(ok, "{err}");
    // Quoted-printable: join soft line breaks.
    let clear = String::from_utf8_lossy(&clear)
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(clear.contains(token), "{clear}");
    assert!(!clear.contains("A report"), "{clear}");
}

/// F15, the small ones over real HTTP and mail: refusals to one (forgeable)
/// address are limited; `In-Reply-To` threading is accepted only from the
/// case's reporter; API bodies have their own, smaller cap; the thread copy of
/// the acknowledgement (which collaborators read) does not name the reporter;
/// internationalised addresses are taken in.
async fn f15_mail_and_api_edges(kind: Kind) {
    use crate::gpg::Gpg;
    use embargo::service::ingest;
    let (app, client, case) = admin_app(kind).await;
    let (db, cfg) = (&app.state.db, &app.state.cfg);
    let ingest = |raw: String| async move {
        ingest::ingest(db, cfg, None, raw.as_bytes(), None)
            .await
            .unwrap()
    };
    // Five unreadable mails "from" one address: three refusals are mailed, no more.
    let gpg = Gpg::new();
    let other = gpg.generate("Other <other@example.net>", "cv25519");
    let (ok, block, err) = gpg.run(
        &["--armor", "--encrypt", "--recipient", &other],
        b"not for Embargo",
    );
    assert!(ok, "{err}");
    let block = String::from_utf8(block).unwrap();
    for i in 0..5 {
        let out = ingest(plain("victim@example.org", &format!("r{i}@x"), "", &block)).await;
        assert!(matches!(out, ingest::Outcome::Refused(_)), "{out:?}");
    }
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM outbox WHERE purpose = 'refusal' AND recipients LIKE '%victim@example.org%'")
            .await,
        embargo::service::cases::REFUSALS_PER_ADDRESS_PER_HOUR
    );
    // A mail from someone else naming the case's acknowledgement in In-Reply-To is
    // not a reply to that case: it is a report of its own.
    let ack_id = {
        let mut c = db.acquire().await.unwrap();
        embargo::store::cases::messages(c.conn(), case, true)
            .await
            .unwrap()
            .into_iter()
            .find_map(|m| m.message_id)
            .unwrap()
    };
    let out = ingest(plain(
        "stranger@example.org",
        "s1@x",
        &format!("In-Reply-To: <{ack_id}>\r\n"),
        "Not the reporter.",
    ))
    .await;
    assert!(
        matches!(out, ingest::Outcome::NewCase(c) if c != case),
        "{out:?}"
    );
    // The reporter's own reply still threads.
    let out = ingest(plain(
        "reporter@example.net",
        "s2@x",
        &format!("In-Reply-To: <{ack_id}>\r\n"),
        "More from the reporter.",
    ))
    .await;
    assert_eq!(out, ingest::Outcome::Reply(case));
    // An internationalised sender is taken in, in ASCII form.
    let out = ingest(plain(
        "Jürgen@Bücher.example",
        "i1@x",
        "",
        "Report from an IDN address.",
    ))
    .await;
    assert!(matches!(out, ingest::Outcome::NewCase(_)), "{out:?}");
    assert_eq!(
        app.db
            .scalar(
                "SELECT COUNT(*) FROM cases WHERE reporter_email = 'jürgen@xn--bcher-kva.example'"
            )
            .await,
        1
    );
    // The acknowledgement's thread copy does not name the reporter.
    let named = ingest(plain(
        "Ada Lovelace <ada@example.net>",
        "n1@x",
        "",
        "A report by a named sender.",
    ))
    .await;
    let ingest::Outcome::NewCase(named) = named else {
        panic!("{named:?}")
    };
    let thread = {
        let mut c = db.acquire().await.unwrap();
        embargo::store::cases::messages(c.conn(), named, true)
            .await
            .unwrap()
    };
    assert!(thread.iter().all(|m| !m.body.contains("Ada")), "{thread:?}");
    let mailed = app
        .db
        .blobs("SELECT raw FROM outbox WHERE purpose = 'acknowledgement' AND recipients LIKE '%ada@example.net%'")
        .await;
    assert!(String::from_utf8_lossy(&mailed[0]).contains("Hello Ada Lovelace"));
    // A 3 MiB JSON body is refused by the API before any handler.
    let token = embargo::service::tokens::create(
        db,
        &Actor::Cli,
        &"admin@demo.example".parse().unwrap(),
        "t",
        None,
    )
    .await
    .unwrap()
    .1;
    let big = format!("{{\"affected\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = client
        .put(app.url(&format!("/api/v1/cases/{case}/affected")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// POST the demo report form with these fields from `client`; returns (status, body).
async fn post_report(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = app.csrf(client, "/p/demo/report").await;
    let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = client
        .post(app.url("/p/demo/report"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

const REPORT: [(&str, &str); 3] = [
    ("summary", "A report"),
    ("details", "Details."),
    ("versions_tested", "1.0"),
];

/// F10: `severity`, `credit_as` (which reaches public advisories) and
/// `public_key` were not counted against the report's size limit. Every field
/// is bounded now, with a message naming it; nothing is stored.
async fn f10_every_report_field_is_bounded(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let client = app.client();
    let long = "x".repeat(600);
    let credit = "y".repeat(300);
    for (field, value, says) in [
        (
            "severity",
            long.as_str(),
            "The severity is longer than 500 bytes",
        ),
        (
            "credit_as",
            credit.as_str(),
            "The name to credit is longer than 200 bytes",
        ),
        ("credit_as", "Name\nInjected", "one line of text"),
    ] {
        let mut fields = REPORT.to_vec();
        fields.push((field, value));
        fields.push(("wants_credit", "on"));
        let (status, html) = post_report(&app, &client, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {html}");
        assert!(html.contains(says), "{field}: {html}");
    }
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM cases").await, 0);
}

/// F11: reporter and collaborator replies were unlimited, and each one mails
/// the whole team. A case link now takes 30 replies an hour.
async fn f11_replies_through_a_case_link_are_limited(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let client = app.client();
    let r = {
        let csrf = app.csrf(&client, "/p/demo/report").await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf);
        for (k, v) in REPORT {
            form = form.text(k, v);
        }
        client
            .post(app.url("/p/demo/report"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    };
    let page = crate::support::location(&r);
    let page = page.split('?').next().unwrap().to_owned();
    let csrf = app.csrf(&client, &page).await;
    let reply = |n: u32| {
        let (client, csrf, url) = (
            client.clone(),
            csrf.clone(),
            app.url(&format!("{page}/reply")),
        );
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("text", &format!("reply {n}")),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for n in 0..embargo::http::REPLIES_PER_LINK_PER_HOUR {
        assert_eq!(reply(n).await, StatusCode::SEE_OTHER, "reply {n}");
    }
    assert_eq!(reply(99).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM case_messages WHERE author = 'reporter'")
            .await,
        // The report itself, and the replies taken.
        1 + i64::from(embargo::http::REPLIES_PER_LINK_PER_HOUR)
    );
}

/// F12: the overall intake cap could be used up by one flooder, locking every
/// reporter out. Past it, reports are now still taken (the log warns); the
/// per-address limit is what refuses.
async fn f12_the_overall_cap_does_not_turn_reporters_away(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("EMBARGO_REPORTS_PER_HOUR", "2")]).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let client = app.client();
    for i in 0..4 {
        let (status, html) = post_report(&app, &client, &REPORT).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "report {i}: {html}");
    }
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM cases").await, 4);
}

/// F13: the key-change form took 2.6 ms for a list member and 1.6 ms for anyone
/// else. The new key is now checked alike for every address and the answer
/// comes before anything that depends on membership, which runs afterwards.
async fn f13_key_change_answers_before_membership_work(kind: Kind) {
    use crate::gpg::Gpg;
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let gpg = Gpg::new();
    let old = gpg.generate("Member <member@distro.example>", "cv25519");
    service::members::add(
        &app.state.db,
        &crate::support::project_for(&app.state.db, &Actor::Cli, None::<i64>, "demo").await,
        &service::members::Addition {
            email: &"member@distro.example".parse().unwrap(),
            name: "Member",
            organisation: "Distro",
            group: "distributors",
            key: Some(&gpg.export(&old)),
        },
    )
    .await
    .unwrap();
    let next = Gpg::new();
    let new = next.generate("Member <member@distro.example>", "rsa");
    let new_key = String::from_utf8(next.export(&new)).unwrap();
    let client = app.client();
    let mut answers = Vec::new();
    for email in ["member@distro.example", "stranger@elsewhere.example"] {
        let csrf = app.csrf(&client, "/p/demo/notification-list/key").await;
        let r = client
            .post(app.url("/p/demo/notification-list/key"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("key", new_key.as_str()),
            ])
            .send()
            .await
            .unwrap();
        answers.push((r.status(), r.text().await.unwrap().replace(&csrf, "")));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, StatusCode::OK);
    // The membership-dependent part ran after the answers: one confirmation, to the member.
    app.state.background.idle().await;
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM outbox WHERE purpose = 'list-key-confirm'")
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%stranger%'")
            .await,
        0
    );
}

/// F14: a disabled account skipped the password check, so its refusal came
/// faster than a wrong password's. The check now always runs (off the async
/// workers); the answer is the same in every case.
async fn f14_disabled_unknown_and_wrong_answer_alike(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.user("off@example.org", PW, false).await;
    app.user("on@example.org", PW, false).await;
    let mut c = app.state.db.acquire().await.unwrap();
    let off = embargo::store::users::by_email(c.conn(), "off@example.org")
        .await
        .unwrap()
        .unwrap();
    drop(c);
    app.db
        .exec(&format!(
            "UPDATE users SET disabled = TRUE WHERE id = {}",
            off.id
        ))
        .await;
    let mut bodies = Vec::new();
    for (email, password) in [
        ("off@example.org", PW),
        ("nobody@example.org", PW),
        ("on@example.org", "a wrong password!"),
    ] {
        let client = app.client();
        let r = app.login(&client, email, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email}");
        let csrf = app.csrf(&client, "/team/login").await;
        bodies.push(
            r.text()
                .await
                .unwrap()
                .replace(&csrf, "")
                .replace(email, ""),
        );
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
}

/// Issue #17: every action the case page offers is allowed in the case's state —
/// for every state, the step buttons, the disclosure steps, the schedule form,
/// "Mark as spam" and the decision form are each checked against the
/// transition table.
async fn every_action_offered_on_a_case_page_is_allowed_in_its_state(kind: Kind) {
    use embargo::domain::case::{Action, CaseState};
    let (app, client, case) = admin_app(kind).await;
    let mut offered_any = 0;
    for state in CaseState::ALL {
        app.db
            .exec(&format!(
                "UPDATE cases SET state = '{}' WHERE id = {case}",
                state.as_str()
            ))
            .await;
        let html = client
            .get(app.url(&format!("/team/cases/{case}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut offered: Vec<Action> = Vec::new();
        // Step buttons: <input type="hidden" name="action" value="…">
        let mut rest = html.as_str();
        let field = "name=\"action\" value=\"";
        while let Some(i) = rest.find(field) {
            rest = &rest[i + field.len()..];
            let v = &rest[..rest.find('"').unwrap()];
            offered.push(v.parse().unwrap_or_else(|e| panic!("{v}: {e}")));
        }
        for (marker, action) in [
            (
                format!("/team/cases/{case}/disclosure/pre-announce\""),
                Action::PreAnnounce,
            ),
            (
                format!("/team/cases/{case}/disclosure/pre-notify\""),
                Action::PreNotify,
            ),
            (
                format!("/team/cases/{case}/disclosure/publish\""),
                Action::Publish,
            ),
            (format!("/team/cases/{case}/schedule\""), Action::Schedule),
            (format!("/team/cases/{case}/spam\""), Action::MarkSpam),
        ] {
            if html.contains(&marker) {
                offered.push(action);
            }
        }
        // The decision form's verdicts.
        let field = "name=\"verdict\" value=\"";
        let mut rest = html.as_str();
        while let Some(i) = rest.find(field) {
            rest = &rest[i + field.len()..];
            let v = &rest[..rest.find('"').unwrap()];
            offered.push(v.parse().unwrap_or_else(|e| panic!("{v}: {e}")));
        }
        for action in &offered {
            assert!(
                state.apply(*action).is_ok(),
                "{state}: the page offers {} which the transition table does not allow",
                action.as_str()
            );
        }
        offered_any += offered.len();
    }
    assert!(
        offered_any > 5,
        "the page offered almost nothing: {offered_any}"
    );
}

on_both_backends!(
    every_action_offered_on_a_case_page_is_allowed_in_its_state,
    f10_every_report_field_is_bounded,
    f11_replies_through_a_case_link_are_limited,
    f12_the_overall_cap_does_not_turn_reporters_away,
    f13_key_change_answers_before_membership_work,
    f14_disabled_unknown_and_wrong_answer_alike,
    f15_mail_and_api_edges,
    f9_invitations_carry_no_case_text,
    f2_mail_intake_is_not_a_decryption_oracle,
    forwarded_copies_are_matched_within_one_project,
    f1_key_confirm_link_cannot_target_another_route,
    f1_no_page_renders_a_url_from_hostile_path_input,
    f3_hostile_key_does_not_stall_the_server,
    f6_password_does_not_reset_second_factor_guesses,
    f7_data_at_rest,
    f8_parallel_login_burst_stays_within_the_limit,
);

/// Review of the one-door change (issue #17): a forwarded copy is recognised only within
/// the project the first report went to. The same plaintext sent by someone else to
/// another project is that project's report (an unbound case, nothing decrypted shown),
/// and the first project's case hears nothing of the other project's mail.
async fn forwarded_copies_are_matched_within_one_project(kind: Kind) {
    use crate::gpg::Gpg;
    use embargo::service::{ingest, keys};
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo", "cpython"]).await;
    let (db, cfg) = (&app.state.db, &app.state.cfg);
    let vault = cfg.vault(true).unwrap();
    let gpg = Gpg::new();
    let mut fingerprints = Vec::new();
    for slug in ["demo", "cpython"] {
        keys::generate(db, &vault, &Actor::Cli, keys::Holder::Project(slug))
            .await
            .unwrap();
        let id = app
            .db
            .scalar(&format!("SELECT id FROM projects WHERE slug = '{slug}'"))
            .await;
        let key = keys::project_public_key(db, id).await.unwrap().unwrap();
        gpg.import(key.to_armored().unwrap().as_bytes());
        fingerprints.push(key.fingerprint());
    }
    const VICTIM: &str = "victim@example.net";
    const OTHER: &str = "someone@elsewhere.example";
    let plaintext = format!(
        "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nFrom: {VICTIM}\r\nSubject: Overflow xprojmarker\r\n\r\nDetails xprojmarker\r\n"
    );
    let encrypt = |fingerprint: &str| {
        let (ok, out, err) = gpg.run(
            &["--armor", "--encrypt", "--recipient", fingerprint],
            plaintext.as_bytes(),
        );
        assert!(ok, "{err}");
        String::from_utf8(out).unwrap()
    };
    let first = ingest::ingest(
        db,
        cfg,
        Some(&vault),
        pgp_mime(VICTIM, "x1@example.net", "", &encrypt(&fingerprints[0])).as_bytes(),
        Some("demo"),
    )
    .await
    .unwrap();
    let ingest::Outcome::NewCase(demo_case) = first else {
        panic!("{first:?}")
    };
    let notes_before = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM case_messages WHERE case_id = {demo_case}"
        ))
        .await;
    // The same plaintext, encrypted to the other project, from someone else.
    let second = ingest::ingest(
        db,
        cfg,
        Some(&vault),
        pgp_mime(
            OTHER,
            "x2@elsewhere.example",
            "",
            &encrypt(&fingerprints[1]),
        )
        .as_bytes(),
        Some("cpython"),
    )
    .await
    .unwrap();
    let ingest::Outcome::NewCase(other_case) = second else {
        panic!("another project's mail is its own report, not a copy of demo's case: {second:?}")
    };
    assert_ne!(other_case, demo_case);
    assert_eq!(
        app.db
            .scalar(&format!("SELECT COUNT(*) FROM cases WHERE id = {other_case} AND project_id = (SELECT id FROM projects WHERE slug = 'cpython') AND NOT reporter_bound"))
            .await,
        1,
        "the other project's case is unbound: nothing decrypted goes back to its sender"
    );
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM case_messages WHERE case_id = {demo_case}"
            ))
            .await,
        notes_before,
        "demo's case hears nothing of cpython's mail"
    );
}
