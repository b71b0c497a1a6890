//! Mail figures: outbox messages per second into a local SMTP sink (SQLite),
//! and PGP/MIME sign-and-encrypt operations per second per recipient.
//! Run with `cargo bench --bench mail`; it prints its numbers, it asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/it/smtp_sink.rs"]
mod smtp_sink;

use embargo::config::{Config, Overrides};
use embargo::mail::compose::{Outgoing, Protection, compose};
use embargo::mail::worker::Worker;
use embargo::pgp::SecretKey;
use embargo::service::mail::{Protect, enqueue};
use embargo::store::Db;
use std::time::Instant;

fn message(i: usize) -> Outgoing {
    Outgoing {
        from: "Demo <security@demo.example>".into(),
        to: vec![format!("member{i}@distro.example")],
        subject: "[Demo] Pre-notification".into(),
        text: "Full description of the issue, affected versions, remedy and patches.\n".repeat(20),
        message_id: embargo::mail::new_message_id("demo.example"),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    }
}

#[tokio::main]
async fn main() {
    let sink = smtp_sink::SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "EMBARGO_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("EMBARGO_SMTP_URL".to_owned(), sink.url()),
    ];
    let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
    let db = Db::connect(&cfg.database).await.unwrap();
    db.migrate().await.unwrap();

    const N: usize = 500;
    let start = Instant::now();
    for i in 0..N {
        let mut tx = db.begin().await.unwrap();
        enqueue(&mut tx, &cfg, &message(i), &Protect::None, None, "bench")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let enqueue_secs = start.elapsed().as_secs_f64();
    let worker = Worker::new(db.clone(), &cfg).unwrap();
    let start = Instant::now();
    let mut sent = 0;
    while sent < N {
        sent += worker.run_once().await.unwrap().sent;
    }
    let send_secs = start.elapsed().as_secs_f64();
    sink.wait_for(N).await;
    println!(
        "outbox enqueue (one transaction each, SQLite, fsync per commit): {:.0} messages/s",
        N as f64 / enqueue_secs
    );
    println!(
        "outbox delivery into a local SMTP sink (one worker): {:.0} messages/s",
        N as f64 / send_secs
    );

    let signer = SecretKey::generate(&["Demo <security@demo.example>".into()]).unwrap();
    let recipients: Vec<_> = (0..10)
        .map(|i| {
            SecretKey::generate(&[format!("M{i} <m{i}@distro.example>")])
                .unwrap()
                .public()
        })
        .collect();
    const OPS: usize = 200;
    let start = Instant::now();
    for i in 0..OPS {
        let r = &recipients[i % recipients.len()];
        compose(
            &message(i),
            Protection::Encrypt {
                recipients: vec![r],
                signer: Some(&signer),
            },
        )
        .unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "PGP/MIME sign-and-encrypt, one message per recipient: {:.0} operations/s ({:.2} ms each)",
        OPS as f64 / secs,
        secs * 1000.0 / OPS as f64
    );
    let start = Instant::now();
    for i in 0..OPS {
        compose(&message(i), Protection::Sign(&signer)).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!("PGP/MIME sign only: {:.0} operations/s", OPS as f64 / secs);
}
