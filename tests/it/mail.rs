//! The outbox over real SMTP: delivery with the right headers, outages,
//! retries and failures, a crash between sending and marking, and two
//! workers sharing one database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::smtp_sink::{Mode, SmtpSink};
use crate::support::{Kind, TestDb, run_cli};
use embargo::config::Config;
use embargo::domain::actor::Actor;
use embargo::mail::worker::Worker;
use embargo::service::{self, mail::SendTest};
use std::collections::HashMap;
use std::time::Duration;

on_both_backends!(
    signed_test_mail_arrives_with_headers,
    every_message_arrives_once_after_an_outage,
    a_crash_between_send_and_mark_resends_the_same_message_id,
    permanent_rejection_fails_and_retry_requeues,
    temporary_failures_back_off_then_fail,
    two_workers_never_send_a_message_twice,
    without_a_relay_mail_waits_and_says_why,
);

async fn setup(kind: Kind, sink: Option<&SmtpSink>, extra: &[(&str, &str)]) -> (TestDb, Config) {
    let t = TestDb::new(kind).await;
    let key = embargo::vault::generate_key();
    let mut env: Vec<(&str, String)> = vec![
        ("EMBARGO_SECRET_KEY", key),
        ("EMBARGO_OUTBOX_RETRY_BASE", "1 second".into()),
        ("EMBARGO_OUTBOX_LEASE", "1 second".into()),
        ("EMBARGO_MAIL_FROM", "security@demo.example".into()),
    ];
    if let Some(s) = sink {
        env.push(("EMBARGO_SMTP_URL", s.url()));
    }
    let mut pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    let cfg = t.config(&pairs);
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/demo.toml"
    ))
    .unwrap();
    service::projects::create_from_policy(&t.db, &Actor::Cli, &demo)
        .await
        .unwrap();
    (t, cfg)
}

async fn queue_test(t: &TestDb, cfg: &Config, to: &str, sign: bool) -> String {
    let vault = cfg.vault(true).unwrap();
    service::mail::send_test(
        &t.db,
        cfg,
        Some(&vault),
        &Actor::Cli,
        SendTest {
            to: to.parse().unwrap(),
            project: Some("demo".into()),
            sign,
            encrypt_to: None,
        },
    )
    .await
    .unwrap()
}

async fn signed_test_mail_arrives_with_headers(kind: Kind) {
    let sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[]).await;
    let vault = cfg.vault(true).unwrap();
    service::keys::generate(
        &t.db,
        &vault,
        &Actor::Cli,
        service::keys::Holder::Project("demo"),
    )
    .await
    .unwrap();
    let id = queue_test(&t, &cfg, "alice@example.org", true).await;
    let worker = Worker::new(t.db.clone(), &cfg).unwrap();
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let got = sink.wait_for(1).await;
    let m = &got[0];
    assert_eq!(m.from, "security@demo.example");
    assert_eq!(m.to, ["alice@example.org"]);
    assert_eq!(m.header("Message-ID").unwrap(), format!("<{id}>"));
    assert_eq!(m.header("Subject").unwrap(), "Embargo test message");
    assert_eq!(m.header("To").unwrap(), "alice@example.org");
    assert_eq!(m.header("Auto-Submitted").unwrap(), "auto-generated");
    assert!(m.header("Date").is_some());
    let ct = m.header("Content-Type").unwrap();
    assert!(
        ct.starts_with("multipart/signed")
            && ct.contains("protocol=\"application/pgp-signature\"")
            && ct.contains("micalg=\"pgp-sha256\""),
        "{ct}"
    );
    // Embargo's own parser verifies it with the project's public key.
    let project = service::projects::find(&t.db, "demo").await.unwrap();
    let public = service::keys::project_public_key(&t.db, project.id)
        .await
        .unwrap()
        .unwrap();
    let parsed =
        embargo::mail::inbound::parse(&m.data, &[], std::slice::from_ref(&public)).unwrap();
    assert_eq!(
        parsed.signature,
        embargo::pgp::SignatureStatus::Good {
            fingerprint: public.fingerprint()
        }
    );
    assert!(
        parsed
            .text
            .contains("This is a test message from Embargo for Demo Project"),
        "{}",
        parsed.text
    );
    // Nothing left to send.
    assert_eq!(worker.run_once().await.unwrap().sent, 0);
}

async fn every_message_arrives_once_after_an_outage(kind: Kind) {
    let mut sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[]).await;
    sink.stop();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(queue_test(&t, &cfg, &format!("r{i}@example.org"), false).await);
    }
    let worker = Worker::new(t.db.clone(), &cfg).unwrap();
    let round = worker.run_once().await.unwrap();
    assert_eq!((round.sent, round.retried), (0, 5), "{round:?}");
    sink.restart().await;
    // Retries are due after the 1-second backoff; run rounds until all are out (bounded).
    for _ in 0..50 {
        worker.run_once().await.unwrap();
        if sink.messages().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = sink.wait_for(5).await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in &got {
        *seen.entry(m.header("Message-ID").unwrap()).or_default() += 1;
    }
    for id in &ids {
        assert_eq!(
            seen.get(&format!("<{id}>")),
            Some(&1),
            "{id} did not arrive exactly once: {seen:?}"
        );
    }
    assert_eq!(got.len(), 5);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(worker.run_once().await.unwrap().sent, 0);
    assert_eq!(sink.messages().len(), 5);
}

async fn a_crash_between_send_and_mark_resends_the_same_message_id(kind: Kind) {
    let sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[]).await;
    let id = queue_test(&t, &cfg, "bob@example.org", false).await;
    // The first worker claims and sends, then "dies" before marking the message sent.
    let dying = Worker::new(t.db.clone(), &cfg).unwrap();
    let claimed = dying.claim().await.unwrap();
    assert_eq!(claimed.len(), 1);
    dying.send(&claimed[0]).await.unwrap();
    drop(dying);
    // While the lease runs, nobody else takes it.
    let survivor = Worker::new(t.db.clone(), &cfg).unwrap();
    assert!(survivor.claim().await.unwrap().is_empty());
    // Times are whole seconds and the lease must be strictly past: wait two seconds.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(survivor.run_once().await.unwrap().sent, 1);
    let got = sink.wait_for(2).await;
    assert_eq!(got[0].header("Message-ID"), got[1].header("Message-ID"));
    assert_eq!(got[0].header("Message-ID").unwrap(), format!("<{id}>"));
    assert_eq!(
        got[0].data, got[1].data,
        "the resend is byte for byte the same message"
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        1
    );
}

async fn permanent_rejection_fails_and_retry_requeues(kind: Kind) {
    let sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[]).await;
    sink.set_mode(Mode::Reject);
    queue_test(&t, &cfg, "nobody@example.org", false).await;
    let worker = Worker::new(t.db.clone(), &cfg).unwrap();
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    let (url, dir) = (t.url_text.clone(), t.dir.path().to_owned());
    let (code, out, err) = run_cli(&url, &dir, &["outbox", "list", "--failed"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("failed")
            && out.contains("no such user")
            && out.contains("nobody@example.org"),
        "{out}"
    );
    let id = t.scalar("SELECT id FROM outbox").await.to_string();
    sink.set_mode(Mode::Accept);
    let (code, _, err) = run_cli(&url, &dir, &["outbox", "retry", &id], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    sink.wait_for(1).await;
    let (code, _, err) = run_cli(&url, &dir, &["outbox", "retry", &id], None);
    assert_eq!(code, 1);
    assert!(err.contains("is not a failed message"), "{err}");
}

async fn temporary_failures_back_off_then_fail(kind: Kind) {
    let sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[("EMBARGO_OUTBOX_MAX_ATTEMPTS", "2")]).await;
    sink.set_mode(Mode::TempFail);
    queue_test(&t, &cfg, "later@example.org", false).await;
    let worker = Worker::new(t.db.clone(), &cfg).unwrap();
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    // Not due again before the backoff.
    assert_eq!(worker.run_once().await.unwrap(), Default::default());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    assert_eq!(t.scalar("SELECT attempts FROM outbox").await, 2);
    assert!(sink.messages().is_empty());
}

async fn two_workers_never_send_a_message_twice(kind: Kind) {
    let sink = SmtpSink::start().await;
    let (t, cfg) = setup(kind, Some(&sink), &[("EMBARGO_OUTBOX_LEASE", "5 minutes")]).await;
    for i in 0..40 {
        queue_test(&t, &cfg, &format!("r{i}@example.org"), false).await;
    }
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let worker = Worker::new(t.db.clone(), &cfg).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0;
            for _ in 0..20 {
                sent += worker.run_once().await.unwrap().sent;
            }
            sent
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 40);
    let got = sink.wait_for(40).await;
    let unique: std::collections::HashSet<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!((got.len(), unique.len()), (40, 40));
}

async fn without_a_relay_mail_waits_and_says_why(kind: Kind) {
    let (t, cfg) = setup(kind, None, &[]).await;
    queue_test(&t, &cfg, "alice@example.org", false).await;
    let worker = Worker::new(t.db.clone(), &cfg).unwrap();
    assert!(!worker.has_relay());
    assert_eq!(worker.run_once().await.unwrap(), Default::default());
    let (code, out, err) = run_cli(&t.url_text, t.dir.path(), &["outbox", "list"], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no SMTP relay is configured") && out.contains("1 message(s) wait"),
        "{out}"
    );
}

#[test]
fn list_mail_carries_rfc_8058_headers() {
    use embargo::mail::compose::{ListHeaders, Outgoing, Protection, compose};
    let raw = compose(
        &Outgoing {
            from: "Demo <announce@demo.example>".into(),
            to: vec!["subscriber@example.org".into()],
            subject: "Security release on 2026-12-01".into(),
            text: "One issue of High severity.\n".into(),
            message_id: "abc@demo.example".into(),
            in_reply_to: None,
            reply_to: None,
            list: Some(ListHeaders {
                id: "Demo announcements <demo-announce.demo.example>".into(),
                unsubscribe_url: "https://security.example.org/p/demo/announce/unsubscribe/tok"
                    .into(),
            }),
            attachments: Vec::new(),
        },
        Protection::None,
    )
    .unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(
        text.contains("List-Id: Demo announcements <demo-announce.demo.example>\r\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "List-Unsubscribe: <https://security.example.org/p/demo/announce/unsubscribe/tok>\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
        "{text}"
    );
}
