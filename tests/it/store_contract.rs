//! The storage contract: the same assertions on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestDb};
use embargo::domain::audit::{GENESIS_HASH, verify_chain};
use embargo::store::{self, StoreError, audit::NewEvent};

on_both_backends!(
    users_are_unique_by_address,
    totp_steps_only_move_forward,
    recovery_codes_are_single_use,
    projects_and_memberships,
    sessions_round_trip_and_expire,
    api_tokens_live_until_revoked_or_expired,
    login_failures_count_within_window,
    settings_are_created_once,
    audit_appends_build_one_chain,
    concurrent_audit_appends_keep_the_chain_intact,
    rolled_back_transactions_leave_nothing,
    concurrent_writers_keep_their_own_outcomes,
    migrations_are_idempotent,
    the_database_refuses_unknown_states,
);

/// State and status columns take only the values the code knows (migration 0018): every
/// `CaseState` is accepted, anything else is refused by the database itself — so no path,
/// present or future, can store a state the transition table does not have.
async fn the_database_refuses_unknown_states(kind: Kind) {
    use embargo::domain::case::CaseState;
    let app = crate::support::TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo"]).await;
    let mail = "From: someone@example.net\r\nTo: security@demo.example\r\nSubject: A report\r\nMessage-ID: <checks@example.net>\r\n\r\nDetails.\r\n";
    let case = match embargo::service::ingest::ingest(
        &app.state.db,
        &app.state.cfg,
        None,
        mail.as_bytes(),
        None,
    )
    .await
    .unwrap()
    {
        embargo::service::ingest::Outcome::NewCase(id) => id,
        other => panic!("{other:?}"),
    };
    let t = &app.db;
    for state in CaseState::ALL {
        let s = state.as_str();
        assert_eq!(
            t.try_exec(&format!("UPDATE cases SET state = '{s}' WHERE id = {case}"))
                .await,
            Ok(1),
            "{s}"
        );
    }
    let refused = |sql: String| async move {
        let r = t.try_exec(&sql).await;
        assert!(r.is_err(), "accepted: {sql}");
        let e = r.unwrap_err();
        assert!(e.to_lowercase().contains("check"), "{sql}: {e}");
    };
    refused(format!(
        "UPDATE cases SET state = 'bogus' WHERE id = {case}"
    ))
    .await;
    refused(format!(
        "UPDATE cases SET state = 'Published' WHERE id = {case}"
    ))
    .await;
    refused(format!(
        "UPDATE case_messages SET visibility = 'everyone' WHERE case_id = {case}"
    ))
    .await;
    refused("UPDATE outbox SET status = 'lost'".to_owned()).await;
    let job = |kind: &str, status: &str| {
        format!(
            "INSERT INTO disclosure_jobs (case_id, project_id, kind, due_at, schedule_version, status, attempts, created_at) SELECT id, project_id, '{kind}', 0, 0, '{status}', 0, 0 FROM cases WHERE id = {case}"
        )
    };
    refused(job("leak", "pending")).await;
    refused(job("publish", "maybe")).await;
    assert_eq!(t.try_exec(&job("publish", "failed")).await, Ok(1));
    // Tables still empty here: their rule exists (a constraint, or on SQLite the
    // insert and update triggers).
    for (table, column) in [
        ("list_requests", "status"),
        ("announce_subscribers", "status"),
        ("openpgp_keys", "owner_kind"),
    ] {
        let sql = match kind {
            Kind::Sqlite => format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '{table}_{column}_check_%'"
            ),
            Kind::Postgres => format!(
                "SELECT COUNT(*) * 2 FROM pg_constraint WHERE conname = '{table}_{column}_check' AND conrelid = '{table}'::regclass"
            ),
        };
        assert_eq!(t.scalar(&sql).await, 2, "{table}.{column}");
    }
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM cases WHERE id = {case} AND state = 'closed'"
        ))
        .await,
        1,
        "the refused writes changed nothing"
    );
}

async fn users_are_unique_by_address(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let id = store::users::insert(tx.conn(), "a@example.org", "A", "hash", true, 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    let dup = store::users::insert(tx.conn(), "a@example.org", "A2", "hash", false, 101).await;
    assert!(matches!(dup, Err(StoreError::Conflict)), "{dup:?}");
    drop(tx);
    let mut c = t.db.acquire().await.unwrap();
    let u = store::users::by_email(c.conn(), "a@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.id, u.display_name.as_str(), u.is_admin, u.totp_enabled),
        (id, "A", true, false)
    );
    assert!(
        store::users::by_email(c.conn(), "b@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store::users::any(c.conn()).await.unwrap());
    assert_eq!(store::users::list(c.conn()).await.unwrap().len(), 1);
}

async fn totp_steps_only_move_forward(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let id = store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
        .await
        .unwrap();
    store::users::set_pending_totp(tx.conn(), id, "JBSWY3DPEHPK3PXP")
        .await
        .unwrap();
    store::users::set_totp_enabled(tx.conn(), id, true)
        .await
        .unwrap();
    assert!(
        store::users::accept_totp_step(tx.conn(), id, 10)
            .await
            .unwrap()
    );
    assert!(
        !store::users::accept_totp_step(tx.conn(), id, 10)
            .await
            .unwrap(),
        "same step accepted twice"
    );
    assert!(
        !store::users::accept_totp_step(tx.conn(), id, 9)
            .await
            .unwrap(),
        "older step accepted"
    );
    assert!(
        store::users::accept_totp_step(tx.conn(), id, 11)
            .await
            .unwrap()
    );
    store::users::set_totp_enabled(tx.conn(), id, false)
        .await
        .unwrap();
    let u = store::users::by_id(tx.conn(), id).await.unwrap().unwrap();
    assert!(!u.totp_enabled && u.totp_secret.is_none() && u.totp_last_step.is_none());
    tx.commit().await.unwrap();
}

async fn recovery_codes_are_single_use(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let id = store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
        .await
        .unwrap();
    store::users::replace_recovery_codes(tx.conn(), id, &["h1".into(), "h2".into()])
        .await
        .unwrap();
    assert_eq!(
        store::users::unused_recovery_codes(tx.conn(), id)
            .await
            .unwrap(),
        2
    );
    assert!(
        store::users::use_recovery_code(tx.conn(), id, "h1", 5)
            .await
            .unwrap()
    );
    assert!(
        !store::users::use_recovery_code(tx.conn(), id, "h1", 6)
            .await
            .unwrap()
    );
    assert!(
        !store::users::use_recovery_code(tx.conn(), id, "nope", 6)
            .await
            .unwrap()
    );
    assert_eq!(
        store::users::unused_recovery_codes(tx.conn(), id)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
}

async fn projects_and_memberships(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let u = store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
        .await
        .unwrap();
    let p = store::projects::insert(tx.conn(), "django", "Django", None, 1)
        .await
        .unwrap();
    let q = store::projects::insert(tx.conn(), "pylons", "Pylons", None, 1)
        .await
        .unwrap();
    store::projects::add_member(tx.conn(), p, u, "team", 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A violated uniqueness rule ends the transaction on PostgreSQL, so each check gets its own.
    let mut tx = t.db.begin().await.unwrap();
    assert!(matches!(
        store::projects::insert(tx.conn(), "django", "Again", None, 1).await,
        Err(StoreError::Conflict)
    ));
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    assert!(matches!(
        store::projects::add_member(tx.conn(), p, u, "team", 2).await,
        Err(StoreError::Conflict)
    ));
    drop(tx);
    let mut c = t.db.acquire().await.unwrap();
    assert_eq!(
        store::projects::role_of(c.conn(), p, u)
            .await
            .unwrap()
            .as_deref(),
        Some("team")
    );
    assert_eq!(
        store::projects::role_of(c.conn(), q, u).await.unwrap(),
        None
    );
    let mine: Vec<String> = store::projects::list_for_user(c.conn(), u)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(mine, ["django"]);
    let all: Vec<String> = store::projects::list(c.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(all, ["django", "pylons"]);
    assert_eq!(
        store::projects::by_id(c.conn(), q)
            .await
            .unwrap()
            .unwrap()
            .slug,
        "pylons"
    );
    assert!(
        store::projects::by_id(c.conn(), q + 100)
            .await
            .unwrap()
            .is_none()
    );
    let members = store::projects::members(c.conn(), p).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].email, "a@example.org");
    assert!(
        store::projects::remove_member(c.conn(), p, u)
            .await
            .unwrap()
    );
    assert!(
        !store::projects::remove_member(c.conn(), p, u)
            .await
            .unwrap()
    );
}

async fn sessions_round_trip_and_expire(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let u = store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
        .await
        .unwrap();
    store::sessions::insert(tx.conn(), "s1", u, true, 1000, "127.0.0.1")
        .await
        .unwrap();
    store::sessions::insert(tx.conn(), "s2", u, false, 2000, "127.0.0.1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.acquire().await.unwrap();
    let s = store::sessions::find(c.conn(), "s1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.user_id, s.mfa_verified, s.created_at, s.last_seen_at),
        (u, true, 1000, 1000)
    );
    store::sessions::touch(c.conn(), "s1", 1500).await.unwrap();
    assert_eq!(
        store::sessions::find(c.conn(), "s1")
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        1500
    );
    // s1 idle since 1500, s2 since 2000: an idle cut-off of 1800 removes s1 only.
    assert_eq!(
        store::sessions::delete_expired(c.conn(), 1800, 0)
            .await
            .unwrap(),
        1
    );
    assert!(
        store::sessions::find(c.conn(), "s1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store::sessions::delete(c.conn(), "s2").await.unwrap());
    assert!(!store::sessions::delete(c.conn(), "s2").await.unwrap());
}

async fn api_tokens_live_until_revoked_or_expired(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    let u = store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
        .await
        .unwrap();
    let forever = store::api_tokens::insert(tx.conn(), u, "ci", "th1", 100, None)
        .await
        .unwrap();
    store::api_tokens::insert(tx.conn(), u, "short", "th2", 100, Some(200))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.acquire().await.unwrap();
    assert!(
        store::api_tokens::find_live(c.conn(), "th1", 150)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store::api_tokens::find_live(c.conn(), "th2", 150)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store::api_tokens::find_live(c.conn(), "th2", 200)
            .await
            .unwrap()
            .is_none(),
        "expired token is live"
    );
    assert!(
        store::api_tokens::revoke(c.conn(), forever, 160)
            .await
            .unwrap()
    );
    assert!(
        !store::api_tokens::revoke(c.conn(), forever, 161)
            .await
            .unwrap()
    );
    assert!(
        store::api_tokens::find_live(c.conn(), "th1", 170)
            .await
            .unwrap()
            .is_none(),
        "revoked token is live"
    );
    assert_eq!(
        store::api_tokens::list_for_user(c.conn(), u)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn login_failures_count_within_window(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tx = t.db.begin().await.unwrap();
    for at in [100, 200, 300] {
        store::throttle::record_failure(tx.conn(), "account", "a@example.org", at, 0)
            .await
            .unwrap();
    }
    store::throttle::record_failure(tx.conn(), "ip", "10.0.0.1", 300, 0)
        .await
        .unwrap();
    assert_eq!(
        store::throttle::failures_since(tx.conn(), "account", "a@example.org", 150)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store::throttle::failures_since(tx.conn(), "account", "b@example.org", 0)
            .await
            .unwrap(),
        0
    );
    // Recording with a forget cut-off of 250 drops the entries at 100 and 200.
    store::throttle::record_failure(tx.conn(), "account", "a@example.org", 400, 250)
        .await
        .unwrap();
    assert_eq!(
        store::throttle::failures_since(tx.conn(), "account", "a@example.org", 0)
            .await
            .unwrap(),
        2
    );
    store::throttle::clear(tx.conn(), "account", "a@example.org")
        .await
        .unwrap();
    assert_eq!(
        store::throttle::failures_since(tx.conn(), "account", "a@example.org", 0)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store::throttle::failures_since(tx.conn(), "ip", "10.0.0.1", 0)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
}

async fn settings_are_created_once(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut c = t.db.acquire().await.unwrap();
    let first = store::settings::get_or_init(c.conn(), "csrf_key", "one")
        .await
        .unwrap();
    let second = store::settings::get_or_init(c.conn(), "csrf_key", "two")
        .await
        .unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
}

fn event(i: i64) -> (String, String) {
    (format!("thing.{i}"), format!("{{\"i\":{i}}}"))
}

async fn audit_appends_build_one_chain(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut c = t.db.acquire().await.unwrap();
    assert_eq!(
        store::audit::head(c.conn()).await.unwrap(),
        (0, GENESIS_HASH.to_owned())
    );
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    for i in 1..=3 {
        let (action, details) = event(i);
        let seq = store::audit::append(
            tx.conn(),
            NewEvent {
                at: 10 + i,
                actor: "cli",
                action: &action,
                object_type: "thing",
                object_id: "x",
                project_id: Some(7),
                details: &details,
            },
        )
        .await
        .unwrap();
        assert_eq!(seq, i);
    }
    tx.commit().await.unwrap();
    let mut c = t.db.acquire().await.unwrap();
    let events = store::audit::page(c.conn(), 0, 100).await.unwrap();
    let (head_seq, head_hash) = store::audit::head(c.conn()).await.unwrap();
    assert_eq!(verify_chain(&events, head_seq, &head_hash), Ok(3));
    assert_eq!(events[0].prev_hash, GENESIS_HASH);
    assert_eq!(events[2].action, "thing.3");
    assert_eq!(store::audit::page(c.conn(), 2, 100).await.unwrap().len(), 1);
    let recent = store::audit::recent(c.conn(), Some(7), 2).await.unwrap();
    assert_eq!(recent.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 2]);
    assert!(
        store::audit::recent(c.conn(), Some(8), 2)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn concurrent_audit_appends_keep_the_chain_intact(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let (action, details) = event(i);
            store::audit::append(
                tx.conn(),
                NewEvent {
                    at: i,
                    actor: "cli",
                    action: &action,
                    object_type: "thing",
                    object_id: "y",
                    project_id: None,
                    details: &details,
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut c = t.db.acquire().await.unwrap();
    let events = store::audit::page(c.conn(), 0, 100).await.unwrap();
    let (head_seq, head_hash) = store::audit::head(c.conn()).await.unwrap();
    assert_eq!(verify_chain(&events, head_seq, &head_hash), Ok(16));
}

async fn rolled_back_transactions_leave_nothing(kind: Kind) {
    let t = TestDb::new(kind).await;
    {
        let mut tx = t.db.begin().await.unwrap();
        store::users::insert(tx.conn(), "a@example.org", "A", "h", false, 1)
            .await
            .unwrap();
        store::audit::append(
            tx.conn(),
            NewEvent {
                at: 1,
                actor: "cli",
                action: "user.created",
                object_type: "user",
                object_id: "1",
                project_id: None,
                details: "{}",
            },
        )
        .await
        .unwrap();
        // dropped without commit
    }
    let mut c = t.db.acquire().await.unwrap();
    assert!(!store::users::any(c.conn()).await.unwrap());
    assert_eq!(store::audit::head(c.conn()).await.unwrap().0, 0);
}

/// Many writers at once (on SQLite they share commits): each one's outcome is its own.
/// Writers that commit are all kept; one dropped without commit, or failing on a
/// uniqueness rule, loses only its own writes; the audit chain stays whole.
async fn concurrent_writers_keep_their_own_outcomes(kind: Kind) {
    let t = TestDb::new(kind).await;
    let mut tasks = Vec::new();
    for i in 0..48i64 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let email = if i % 4 == 2 {
                "dup@example.org".to_owned()
            } else {
                format!("u{i}@example.org")
            };
            match store::users::insert(tx.conn(), &email, "U", "h", false, i).await {
                Ok(_) => {}
                Err(StoreError::Conflict) => return "conflict",
                Err(e) => panic!("insert {i}: {e}"),
            }
            store::audit::append(
                tx.conn(),
                NewEvent {
                    at: i,
                    actor: "cli",
                    action: "user.created",
                    object_type: "user",
                    object_id: &email,
                    project_id: None,
                    details: "{}",
                },
            )
            .await
            .unwrap();
            if i % 4 == 1 {
                drop(tx);
                return "dropped";
            }
            tx.commit().await.unwrap();
            "committed"
        }));
    }
    let mut outcomes = std::collections::BTreeMap::new();
    for task in tasks {
        *outcomes.entry(task.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(outcomes.get("dropped"), Some(&12));
    assert_eq!(outcomes.get("conflict"), Some(&11));
    assert_eq!(outcomes.get("committed"), Some(&25));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM users").await, 25);
    for i in (1..48).step_by(4) {
        let sql = format!("SELECT COUNT(*) FROM users WHERE email = 'u{i}@example.org'");
        assert_eq!(t.scalar(&sql).await, 0, "dropped writer {i} left its row");
    }
    let mut c = t.db.acquire().await.unwrap();
    let events = store::audit::page(c.conn(), 0, 100).await.unwrap();
    let (head_seq, head_hash) = store::audit::head(c.conn()).await.unwrap();
    assert_eq!(verify_chain(&events, head_seq, &head_hash), Ok(25));
    drop(c);
    // The writer is free again: a new transaction starts and commits at once.
    let mut tx = t.db.begin().await.unwrap();
    store::users::insert(tx.conn(), "last@example.org", "L", "h", false, 99)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(t.scalar("SELECT COUNT(*) FROM users").await, 26);
}

async fn migrations_are_idempotent(kind: Kind) {
    let t = TestDb::new(kind).await;
    t.db.migrate().await.unwrap();
    t.db.migrate().await.unwrap();
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_head").await, 1);
}

/// One column as both backends describe it: (table, column, type family, not null).
type Column = (String, String, String, bool);

fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "int8" | "int4" | "smallint" | "bigserial" => "int",
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "bool",
        "blob" | "bytea" => "bytes",
        "real" | "double precision" | "float8" | "float4" => "float",
        other => return other.to_owned(),
    }
    .to_owned()
}

async fn schema(t: &TestDb) -> Vec<Column> {
    let mut cols: Vec<Column> = match &t.db {
        embargo::store::Db::Sqlite(p, ..) => {
            let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
                "SELECT m.name, c.name, c.type, c.\"notnull\", c.pk FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' AND m.name NOT LIKE 'case_search%'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            rows.into_iter()
                .map(|(t, c, ty, nn, pk)| (t, c, family(&ty), nn == 1 || pk > 0))
                .collect()
        }
        embargo::store::Db::Postgres(p) => {
            let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' AND table_name NOT LIKE 'case_search%'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            rows.into_iter()
                .map(|(t, c, ty, nullable)| (t, c, family(&ty), nullable == "NO"))
                .collect()
        }
    };
    cols.sort();
    cols
}

/// Both trees of migrations build the same schema: the same tables and columns,
/// with the same type (by family: integers, text, booleans, bytes, floats) and
/// the same nullability. Full-text search is each backend's own (`case_search`:
/// an FTS5 table and its shadow tables on SQLite, a table with a `tsvector`
/// column and a GIN index on PostgreSQL) and is the one exception.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_schema() {
    let lite = schema(&TestDb::new(Kind::Sqlite).await).await;
    let pg: Vec<Column> = schema(&TestDb::new(Kind::Postgres).await).await;
    assert!(lite.len() > 100, "{} columns", lite.len());
    let only = |a: &[Column], b: &[Column]| -> Vec<String> {
        a.iter()
            .filter(|c| !b.contains(c))
            .map(|(t, c, ty, nn)| format!("{t}.{c} {ty}{}", if *nn { " NOT NULL" } else { "" }))
            .collect()
    };
    assert!(
        lite == pg,
        "the schemas differ:\nonly in SQLite:\n  {}\nonly in PostgreSQL:\n  {}",
        only(&lite, &pg).join("\n  "),
        only(&pg, &lite).join("\n  ")
    );
}

#[test]
fn migrations_are_in_lockstep() {
    let names = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite,
        names("postgres"),
        "migrations/sqlite and migrations/postgres must have the same files"
    );
}

/// Every Rust source file under `src/`, with its path relative to the crate.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

/// A case's state is written by one statement (`store::case_state`), called from one
/// service function (`service::transition`), which checks the edge against the
/// transition table first: no other module can move a case along an edge the table
/// forbids, or overwrite a state someone else changed meanwhile.
#[test]
fn one_statement_writes_a_case_state_and_one_function_calls_it() {
    let mut writers = Vec::new();
    let mut callers = Vec::new();
    for (path, text) in sources() {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // Any UPDATE of the cases table that sets its state column.
        for stmt in flat.split("UPDATE cases SET").skip(1) {
            let set = stmt.split(" WHERE ").next().unwrap_or(stmt);
            if set.split(',').any(|a| a.trim().starts_with("state =")) {
                writers.push(path.clone());
            }
        }
        if flat.contains("case_state::transition(") {
            callers.push(path.clone());
        }
    }
    assert_eq!(writers, vec!["src/store/case_state.rs".to_owned()]);
    assert_eq!(callers, vec!["src/service/transition.rs".to_owned()]);
}
