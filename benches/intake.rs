//! Intake figures: reports per second through the web form handler (over
//! HTTP) and through mail ingest (the service `embargo mail ingest` runs),
//! with p50/p99 latency at 64 concurrent clients, beside the raw rate of
//! single-row durable commits into the same SQLite database, measured in
//! the same run. Run with `cargo bench --bench intake`; it prints, it asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use embargo::config::{Config, Overrides};
use embargo::domain::actor::Actor;
use embargo::http::AppState;
use embargo::store::Db;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 8;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, count: usize, secs: f64, mut lat: Vec<Duration>, raw: f64) {
    lat.sort();
    let rate = count as f64 / secs;
    println!(
        "{name}: {rate:.0} reports/s ({:.0}% of raw), p50 {:.1} ms, p99 {:.1} ms, {count} reports from {CLIENTS} concurrent clients",
        100.0 * rate / raw,
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "EMBARGO_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        (
            "EMBARGO_REPORTS_PER_IP_PER_HOUR".to_owned(),
            "1000000".to_owned(),
        ),
        ("EMBARGO_REPORTS_PER_HOUR".to_owned(), "1000000".to_owned()),
        ("EMBARGO_REQUIRE_TWO_FACTOR".to_owned(), "false".to_owned()),
    ];
    let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
    let db = Db::connect(&cfg.database).await.unwrap();
    db.migrate().await.unwrap();
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/demo.toml"
    ))
    .unwrap();
    embargo::service::projects::create_from_policy(&db, &Actor::Cli, &demo)
        .await
        .unwrap();

    // Raw: single-row durable commits into the same database.
    if let Db::Sqlite(_, writer) = &db {
        sqlx::query("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            .execute(writer.pool())
            .await
            .unwrap();
    }
    const RAW: usize = 1000;
    let start = Instant::now();
    for i in 0..RAW {
        let Db::Sqlite(_, writer) = &db else {
            unreachable!()
        };
        let mut tx = writer.pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("INSERT INTO bench_raw (v) VALUES ($1)")
            .bind(format!("row {i}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let raw = RAW as f64 / start.elapsed().as_secs_f64();
    println!("raw single-row durable commits (SQLite, WAL, synchronous=FULL): {raw:.0} commits/s");

    // The web form, over HTTP.
    let state = AppState::new(db.clone(), cfg.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(embargo::http::serve(
        state,
        listener,
        std::future::pending(),
    ));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let html = client
                .get(format!("{base}/p/demo/report"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let marker = "name=\"csrf_token\" value=\"";
            let at = html.find(marker).unwrap() + marker.len();
            let csrf = html[at..at + html[at..].find('"').unwrap()].to_owned();
            let mut lat = Vec::new();
            for i in 0..PER_CLIENT {
                let form = reqwest::multipart::Form::new()
                    .text("csrf_token", csrf.clone())
                    .text("summary", format!("Report {c}-{i}"))
                    .text(
                        "details",
                        "The parser accepts a crafted header and overflows.".repeat(10),
                    )
                    .text("versions_tested", "2.1.0")
                    .text("email", format!("reporter{c}@example.net"));
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/p/demo/report"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 303);
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    report(
        "web form (HTTP, multipart, one transaction with acknowledgement mail)",
        CLIENTS * PER_CLIENT,
        start.elapsed().as_secs_f64(),
        lat,
        raw,
    );

    // Mail ingest (the service behind `embargo mail ingest`, without process start-up).
    let cfg = Arc::new(cfg);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (db, cfg) = (db.clone(), cfg.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in 0..PER_CLIENT {
                let mail = format!("From: r{c}@example.net\r\nTo: security@demo.example\r\nSubject: Mail report {c}-{i}\r\nMessage-ID: <bench-{c}-{i}@example.net>\r\n\r\nThe token check is skipped on retry.\r\n");
                let t = Instant::now();
                let out = embargo::service::ingest::ingest(&db, &cfg, None, mail.as_bytes(), None).await.unwrap();
                assert!(matches!(out, embargo::service::ingest::Outcome::NewCase(_)));
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    report(
        "mail ingest (parse, route, one transaction with acknowledgement mail)",
        CLIENTS * PER_CLIENT,
        start.elapsed().as_secs_f64(),
        lat,
        raw,
    );
}
