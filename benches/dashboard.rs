//! Dashboard and search figures: p50/p99 of the team inbox (open cases of the
//! member's projects, most urgent clock first) and of full-text search, with
//! 100,000 cases, on SQLite and on PostgreSQL (`EMBARGO_TEST_POSTGRES_URL`, as
//! `scripts/postgres.sh` prints it). Run with `cargo bench --bench dashboard`; it
//! prints, it asserts nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use embargo::config::{Config, Overrides};
use embargo::domain::actor::Actor;
use embargo::service;
use embargo::store::{self, Db, cases::InboxFilter};
use std::time::{Duration, Instant};

const CASES: usize = 100_000;
const PROJECTS: usize = 10;
const RUNS: usize = 200;

const WORDS: &[&str] = &[
    "overflow",
    "injection",
    "redirect",
    "traversal",
    "deserialization",
    "race",
    "timing",
    "bypass",
    "leak",
    "denial",
    "parser",
    "header",
    "cookie",
    "session",
    "upload",
    "template",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

async fn seed(db: &Db) -> i64 {
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/policies/demo.toml"
    ))
    .unwrap();
    let mut ids = Vec::new();
    for p in 0..PROJECTS {
        let src = demo
            .replace("slug = \"demo\"", &format!("slug = \"demo{p}\""))
            .replace(
                "security@demo.example",
                &format!("security@demo{p}.example"),
            );
        ids.push(
            service::projects::create_from_policy(db, &Actor::Cli, &src)
                .await
                .unwrap()
                .id,
        );
    }
    let user = service::accounts::create(
        db,
        &Actor::Cli,
        service::accounts::NewUser {
            email: "bench@example.org".parse().unwrap(),
            display_name: "Bench".into(),
            password: embargo::domain::password::NewPassword::new(
                "correct horse battery staple".into(),
            )
            .unwrap(),
            is_admin: false,
        },
    )
    .await
    .unwrap();
    for p in 0..PROJECTS / 2 {
        service::projects::add_member(
            db,
            &Actor::Cli,
            &format!("demo{p}").parse().unwrap(),
            &"bench@example.org".parse().unwrap(),
            "team".parse().unwrap(),
        )
        .await
        .unwrap();
    }
    let states = [
        "received",
        "acknowledged",
        "accepted",
        "fixing",
        "rejected",
        "published",
        "closed",
        "spam",
    ];
    let start = Instant::now();
    let mut n = 0usize;
    while n < CASES {
        let mut tx = db.begin().await.unwrap();
        for _ in 0..5000 {
            let now = 1_700_000_000 + n as i64 * 60;
            let w1 = WORDS[n % WORDS.len()];
            let w2 = WORDS[(n / 7) % WORDS.len()];
            let summary = format!("{w1} in the {w2} handler, report {n}");
            let token = format!("t{n}");
            let reply = format!("r{n}");
            let id = store::cases::insert(
                tx.conn(),
                &store::cases::NewCase {
                    project_id: ids[n % PROJECTS],
                    state: states[n % states.len()],
                    summary: &summary,
                    reporter_email: Some("reporter@example.net"),
                    reporter_name: None,
                    reporter_key: None,
                    wants_credit: false,
                    credit_as: None,
                    token_hash: &token,
                    reply_token_hash: &reply,
                    source: "web",
                    source_message_id: None,
                    received_at: now,
                    acknowledge_due_at: Some(now + 172_800),
                    acknowledged_at: (!n.is_multiple_of(states.len())).then_some(now + 3600),
                    decide_due_at: Some(now + 604_800),
                    disclosure_due_at: Some(now + 7_776_000),
                    reporter_bound: true,
                    signature: None,
                    reporter_key_note: None,
                },
            )
            .await
            .unwrap();
            let body = format!(
                "Details of report {n}: the {w1} happens when the {w2} is crafted. Unique marker zq{n}x."
            );
            store::cases::add_message(
                tx.conn(),
                &store::cases::NewMessage {
                    case_id: id,
                    author: "reporter",
                    author_user_id: None,
                    visibility: "thread",
                    body: &body,
                    message_id: None,
                },
                now,
            )
            .await
            .unwrap();
            n += 1;
        }
        tx.commit().await.unwrap();
    }
    println!(
        "  seeded {CASES} cases (+ {CASES} messages) in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    user.id
}

async fn measure(db: &Db, user: i64, name: &str, filter: InboxFilter<'_>) {
    let mut lat = Vec::with_capacity(RUNS);
    let mut rows = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        rows = service::triage::inbox(db, user, false, &filter)
            .await
            .unwrap()
            .len();
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "  {name}: p50 {:.2} ms, p99 {:.2} ms ({rows} rows)",
        percentile(&lat, 0.5).as_secs_f64() * 1000.0,
        percentile(&lat, 0.99).as_secs_f64() * 1000.0
    );
}

async fn run(label: &str, cfg: &Config) {
    println!("{label}:");
    let db = Db::connect(&cfg.database).await.unwrap();
    db.migrate().await.unwrap();
    let user = seed(&db).await;
    let base = InboxFilter {
        limit: 200,
        ..Default::default()
    };
    measure(
        &db,
        user,
        "inbox, all open cases of 5 projects (first 200)",
        base.clone(),
    )
    .await;
    measure(
        &db,
        user,
        "inbox, one state",
        InboxFilter {
            state: Some("fixing"),
            ..base.clone()
        },
    )
    .await;
    measure(
        &db,
        user,
        "search, common word",
        InboxFilter {
            query: Some("overflow"),
            ..base.clone()
        },
    )
    .await;
    measure(
        &db,
        user,
        "search, two words",
        InboxFilter {
            query: Some("overflow parser"),
            ..base.clone()
        },
    )
    .await;
    measure(
        &db,
        user,
        "search, one rare marker",
        InboxFilter {
            query: Some("zq4242x"),
            state: Some("accepted"),
            ..base.clone()
        },
    )
    .await;
    db.close().await;
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "EMBARGO_DATA_DIR".to_owned(),
        dir.path().display().to_string(),
    )];
    let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
    run("SQLite", &cfg).await;

    match std::env::var("EMBARGO_TEST_POSTGRES_URL") {
        Ok(base) => {
            // A schema of its own, dropped first, so runs do not accumulate.
            let admin = sqlx::PgPool::connect(&base).await.unwrap();
            sqlx::query("DROP SCHEMA IF EXISTS bench_dashboard CASCADE")
                .execute(&admin)
                .await
                .unwrap();
            sqlx::query("CREATE SCHEMA bench_dashboard")
                .execute(&admin)
                .await
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3Dbench_dashboard");
            let env = vec![
                (
                    "EMBARGO_DATA_DIR".to_owned(),
                    dir.path().display().to_string(),
                ),
                ("EMBARGO_DATABASE_URL".to_owned(), url),
            ];
            let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
            run("PostgreSQL", &cfg).await;
            sqlx::query("DROP SCHEMA bench_dashboard CASCADE")
                .execute(&admin)
                .await
                .unwrap();
        }
        Err(_) => println!(
            "PostgreSQL: set EMBARGO_TEST_POSTGRES_URL (scripts/postgres.sh prints it) to measure it too"
        ),
    }
}
