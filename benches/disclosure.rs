//! Disclosure figures, on SQLite with the demo instance (`serve --demo`'s data):
//!
//! - pre-notification fan-out to 10,000 list members with keys: composing (sign and
//!   encrypt per member, on all cores) and queueing, then delivery into a local SMTP
//!   sink by one outbox worker (one `serve` process) and by four (four processes);
//! - export of 100,000 published advisories to each format: rendering alone (read,
//!   parse, render on one core) and the bulk export to a directory
//!   (`embargo advisory export-all`, a file each: bound by the disk), in seconds.
//!
//! Run with `cargo bench --bench disclosure`; it prints, it asserts nothing.
//! `BENCH_MEMBERS` and `BENCH_ADVISORIES` change the sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/it/smtp_sink.rs"]
mod smtp_sink;

use embargo::config::{Config, Overrides};
use embargo::domain::actor::Actor;
use embargo::domain::advisory::Advisory;
use embargo::domain::export::Format;
use embargo::mail::worker::Worker;
use embargo::pgp::SecretKey;
use embargo::service::{self, bulk_export, disclosure, keys};
use embargo::store::{self, Db};
use std::time::{Duration, Instant};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Armored public keys with fingerprints, generated on all cores.
async fn member_keys(n: usize) -> Vec<(String, String)> {
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1);
    let per = n.div_ceil(threads);
    let mut handles = Vec::new();
    for t in 0..threads {
        handles.push(tokio::task::spawn_blocking(move || {
            (t * per..((t + 1) * per).min(n))
                .map(|i| {
                    let k = SecretKey::generate(&[format!(
                        "Member {i} <security{i}@distro{i}.example>"
                    )])
                    .unwrap()
                    .public();
                    (k.to_armored().unwrap(), k.fingerprint())
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.extend(h.await.unwrap());
    }
    out
}

async fn outbox_pending(db: &Db) -> i64 {
    let mut c = db.acquire().await.unwrap();
    match c.conn() {
        store::Conn::Sqlite(c) => sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE purpose = 'pre-notification' AND status = 'queued'",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap(),
        store::Conn::Postgres(_) => unreachable!("the bench runs on SQLite"),
    }
}

/// Deliver every queued message with `workers` outbox workers; returns messages/s.
async fn deliver(
    db: &Db,
    cfg: &Config,
    sink: &smtp_sink::SmtpSink,
    n: usize,
    workers: usize,
) -> f64 {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let w = Worker::new(db.clone(), cfg).unwrap();
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let r = w.run_once().await.unwrap();
                if r.sent == 0 && outbox_pending(&db).await == 0 {
                    break;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    while sink.messages().len() < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn fan_out(db: &Db, cfg: &Config, sink: &smtp_sink::SmtpSink, members: usize) {
    let project = service::projects::find(db, "demo").await.unwrap();
    let vault = cfg.vault(true).unwrap();
    keys::generate(db, &vault, &Actor::Cli, keys::Holder::Project("demo"))
        .await
        .unwrap();
    let start = Instant::now();
    let member_keys = member_keys(members).await;
    println!(
        "(setup: {members} member keys generated in {:.1} s)",
        start.elapsed().as_secs_f64()
    );
    for (chunk_no, chunk) in member_keys.chunks(1_000).enumerate() {
        let mut tx = db.begin().await.unwrap();
        for (j, (armored, fp)) in chunk.iter().enumerate() {
            let i = chunk_no * 1_000 + j;
            store::members::upsert(
                tx.conn(),
                &store::members::NewMember {
                    project_id: project.id,
                    email: &format!("security{i}@distro{i}.example"),
                    name: &format!("Member {i}"),
                    organisation: "Distro",
                    group_id: "distributors",
                    public_key: Some(armored),
                    fingerprint: Some(fp),
                },
                store::now(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let case = {
        let mut c = db.acquire().await.unwrap();
        match c.conn() {
            store::Conn::Sqlite(c) => sqlx::query_scalar::<_, i64>(
                "SELECT id FROM cases WHERE state = 'scheduled' ORDER BY id LIMIT 1",
            )
            .fetch_one(&mut *c)
            .await
            .unwrap(),
            store::Conn::Postgres(_) => unreachable!(),
        }
    };
    let start = Instant::now();
    let outcome = disclosure::pre_notify_now(
        db,
        cfg,
        &embargo::service::access::open(db, &embargo::service::Caller::Operator, case)
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let compose = start.elapsed().as_secs_f64();
    println!("pre-notification to {members} members with keys ({outcome:?}):");
    println!(
        "  compose (sign + encrypt each, all cores) and queue: {compose:.1} s = {:.0} messages/s",
        members as f64 / compose
    );
    let one = deliver(db, cfg, sink, members, 1).await;
    println!("  delivery into a local SMTP sink, one outbox worker: {one:.0} messages/s");

    // Again, with four workers (as four `serve` processes would): re-queue the same mail.
    {
        let mut c = db.acquire().await.unwrap();
        if let store::Conn::Sqlite(c) = c.conn() {
            sqlx::query("UPDATE outbox SET status = 'queued', sent_at = NULL, attempts = 0, next_attempt_at = 0, lease_until = NULL, leased_by = NULL WHERE purpose = 'pre-notification'")
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    let four = deliver(db, cfg, sink, 2 * members, 4).await;
    println!("  delivery into a local SMTP sink, four outbox workers: {four:.0} messages/s");
    println!(
        "  end to end (compose + one worker): {:.0} s for {members} members",
        compose + members as f64 / one
    );
}

async fn exports(db: &Db, advisories: usize) {
    let project = service::projects::find(db, "demo").await.unwrap();
    let year = jiff::Timestamp::now().strftime("%Y").to_string();
    let template: Advisory = serde_json::from_str(
        &{
            let mut c = db.acquire().await.unwrap();
            store::advisories::published(c.conn(), project.id, &format!("DEMO-{year}-001"))
                .await
                .unwrap()
        }
        .expect("the demo has a published advisory"),
    )
    .unwrap();
    let start = Instant::now();
    let now = store::now();
    for batch in 0..advisories.div_ceil(5_000) {
        let mut tx = db.begin().await.unwrap();
        for i in batch * 5_000..((batch + 1) * 5_000).min(advisories) {
            let mut a = template.clone();
            a.id = format!("DEMO-2000-{i:06}");
            a.title = format!("{} (#{i})", template.title);
            a.cve = Some(format!("CVE-2000-{:05}", 10_000 + i));
            let doc = serde_json::to_string(&a).unwrap();
            if let store::Conn::Sqlite(c) = tx.conn() {
                let case: i64 = sqlx::query_scalar("INSERT INTO cases (project_id, state, summary, wants_credit, token_hash, reply_token_hash, source, received_at) VALUES ($1, 'published', $2, FALSE, $3, $4, 'web', $5) RETURNING id")
                    .bind(project.id)
                    .bind(&a.title)
                    .bind(format!("bench-t-{i}"))
                    .bind(format!("bench-r-{i}"))
                    .bind(now)
                    .fetch_one(&mut *c)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO advisories (case_id, project_id, public_id, title, summary, description, remedy, workarounds, fixed, refs, updated_at, published_at, document) VALUES ($1, $2, $3, $4, '', '', '', '', '', '', $5, $5, $6)")
                    .bind(case)
                    .bind(project.id)
                    .bind(&a.id)
                    .bind(&a.title)
                    .bind(now)
                    .bind(&doc)
                    .execute(&mut *c)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
    println!(
        "(setup: {advisories} published advisories stored in {:.1} s)",
        start.elapsed().as_secs_f64()
    );
    // The CPU part alone: read every frozen document, parse it, render it (one core, no files).
    println!(
        "render only, one core, no files ({} advisories read in pages of 2,000):",
        advisories + 2
    );
    for format in [Format::Osv, Format::Cve5, Format::Csaf] {
        let start = Instant::now();
        let (mut after, mut n, mut bytes) = (String::new(), 0usize, 0usize);
        loop {
            let page = {
                let mut c = db.acquire().await.unwrap();
                store::advisories::documents_after(c.conn(), project.id, &after, 2_000)
                    .await
                    .unwrap()
            };
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            for (_, doc) in &page {
                let a: Advisory = serde_json::from_str(doc).unwrap();
                if format == Format::Cve5 && a.cve.is_none() {
                    continue;
                }
                bytes += embargo::domain::export::render(&a, format).unwrap().len();
                n += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  {:>9}: {secs:.1} s for {n} = {:.0} advisories/s ({:.0} MB of JSON)",
            bulk_export::extension(format),
            n as f64 / secs,
            bytes as f64 / 1e6
        );
    }
    println!(
        "bulk export of {} published advisories (embargo advisory export-all, a file each):",
        advisories + 2
    );
    for format in [Format::Osv, Format::Cve5, Format::Csaf] {
        let out = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let done = bulk_export::export_all(db, "demo", format, out.path())
            .await
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  {:>9}: {secs:.1} s ({} files, {} skipped) = {:.0} advisories/s",
            bulk_export::extension(format),
            done.written,
            done.skipped,
            done.written as f64 / secs
        );
    }
}

#[tokio::main]
async fn main() {
    let members = size("BENCH_MEMBERS", 10_000);
    let advisories = size("BENCH_ADVISORIES", 100_000);
    let sink = smtp_sink::SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "EMBARGO_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("EMBARGO_SMTP_URL".to_owned(), sink.url()),
        (
            "EMBARGO_SECRET_KEY".to_owned(),
            embargo::vault::generate_key(),
        ),
        ("EMBARGO_LOG".to_owned(), "warn".to_owned()),
    ];
    let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
    let db = Db::connect(&cfg.database).await.unwrap();
    db.migrate().await.unwrap();
    embargo::demo::ensure(&db, &cfg).await.unwrap();
    // The demo's own mail (acknowledgements, notices) is not part of the figure.
    {
        let mut c = db.acquire().await.unwrap();
        if let store::Conn::Sqlite(c) = c.conn() {
            sqlx::query("UPDATE outbox SET status = 'sent'")
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    fan_out(&db, &cfg, &sink, members).await;
    exports(&db, advisories).await;
}
