//! A real MTA in front: Postfix (installed and configured by `scripts/postfix.sh`,
//! which the test command runs) listens on 127.0.0.1:2525 and pipes the project's
//! addresses into `embargo mail ingest` exactly as docs/mail.md configures it.
//!
//! Mail submitted over SMTP reaches a case; a reply to the per-case address reaches
//! the same case; with the database unavailable, ingest exits 75 and Postfix defers the
//! message, then delivers it once the database is back — exactly one case; an unknown
//! address is refused by Postfix at SMTP time, not lost.
//!
//! PostgreSQL only: the pipe runs as the unprivileged `embargo-mta` user, which must
//! not read a SQLite file in the test's private directory (Embargo's data files are not
//! readable by other users), while it reaches PostgreSQL over TCP as any client does.
//! One Postfix serves the machine, so this is one test, not one per backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Kind, TestDb, bin, run_cli};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const DIR: &str = "/var/lib/embargo-postfix-test";

/// One SMTP transaction; returns the reply code to each command after the greeting.
fn smtp(from: &str, to: &str, data: &str) -> Vec<u16> {
    let stream = TcpStream::connect("127.0.0.1:2525")
        .expect("Postfix listens on 127.0.0.1:2525 (scripts/postfix.sh, run by scripts/test)");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let reply = |r: &mut BufReader<TcpStream>| -> u16 {
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            }
        }
    };
    assert_eq!(reply(&mut reader), 220);
    let mut codes = Vec::new();
    for cmd in [
        "EHLO test.example".to_owned(),
        format!("MAIL FROM:<{from}>"),
        format!("RCPT TO:<{to}>"),
    ] {
        write!(w, "{cmd}\r\n").unwrap();
        codes.push(reply(&mut reader));
    }
    if codes[2] == 250 {
        w.write_all(b"DATA\r\n").unwrap();
        codes.push(reply(&mut reader));
        let body = data.replace("\r\n.", "\r\n..");
        write!(w, "{body}\r\n.\r\n").unwrap();
        codes.push(reply(&mut reader));
    }
    w.write_all(b"QUIT\r\n").unwrap();
    codes
}

fn write_config(database_url: &str) {
    std::fs::write(
        format!("{DIR}/embargo.toml"),
        format!(
            "data_dir = \"{DIR}/data\"\ndatabase_url = \"{database_url}\"\npublic_url = \"https://security.example.org\"\nmail_from = \"embargo@security.example.org\"\n"
        ),
    )
    .unwrap();
}

async fn wait_for(t: &TestDb, sql: &str, want: i64) -> i64 {
    let start = Instant::now();
    loop {
        let n = t.scalar(sql).await;
        if n == want || start.elapsed() > Duration::from_secs(60) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn postqueue(args: &[&str]) -> String {
    let out = std::process::Command::new("postqueue")
        .args(args)
        .output()
        .expect("postqueue (Postfix)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn postfix_delivers_defers_and_refuses() {
    let t = TestDb::new(Kind::Postgres).await;
    let policy = format!("{}/examples/policies/demo.toml", env!("CARGO_MANIFEST_DIR"));
    let (code, _, err) = run_cli(
        &t.url_text,
        t.dir.path(),
        &["project", "add", "--policy", &policy],
        None,
    );
    assert_eq!(code, 0, "{err}");
    // The pipe's binary and configuration (docs/mail.md's argv, verbatim).
    let link = format!("{DIR}/embargo");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    std::fs::create_dir_all(format!("{DIR}/data")).unwrap();
    write_config(&t.url_text);

    // 1. A report over SMTP becomes a case.
    let report = "From: Ada <ada@example.net>\r\nTo: security@demo.example\r\nSubject: Path traversal via Postfix\r\nMessage-ID: <pf-1@example.net>\r\n\r\nUploading ../x escapes MEDIA_ROOT.\r\nTested: 2.1.0\r\n";
    assert_eq!(
        smtp("ada@example.net", "security@demo.example", report),
        vec![250, 250, 250, 354, 250]
    );
    let n = wait_for(
        &t,
        "SELECT COUNT(*) FROM cases WHERE source_message_id = 'pf-1@example.net'",
        1,
    )
    .await;
    assert_eq!(
        n, 1,
        "the report did not reach a case; /var/log/postfix.log says why"
    );

    // 2. A reply to the per-case address (embargo+TOKEN@…, Postfix's recipient delimiter).
    let ack = {
        let mut c = t.db.acquire().await.unwrap();
        let rows = embargo::store::outbox::list(c.conn(), None, 100)
            .await
            .unwrap();
        let id = rows
            .iter()
            .find(|r| r.purpose == "acknowledgement")
            .expect("an acknowledgement")
            .id;
        embargo::store::outbox::raw(c.conn(), id)
            .await
            .unwrap()
            .unwrap()
    };
    let ack = String::from_utf8_lossy(&ack).into_owned();
    let reply_to = ack
        .lines()
        .find_map(|l| l.strip_prefix("Reply-To: "))
        .unwrap()
        .trim()
        .trim_matches(['<', '>'])
        .to_owned();
    assert!(reply_to.starts_with("embargo+"), "{reply_to}");
    let reply = format!(
        "From: ada@example.net\r\nTo: {reply_to}\r\nSubject: Re: your report\r\nMessage-ID: <pf-2@example.net>\r\n\r\nSymlinks too.\r\n"
    );
    assert_eq!(smtp("ada@example.net", &reply_to, &reply)[2], 250);
    let n = wait_for(
        &t,
        "SELECT COUNT(*) FROM case_messages WHERE message_id = 'pf-2@example.net'",
        1,
    )
    .await;
    assert_eq!(n, 1, "the reply did not reach the case");

    // 3. The database is unavailable: ingest exits 75, Postfix keeps the message.
    write_config("postgres://embargo:embargo@127.0.0.1:1/nowhere");
    let later = "From: Bob <bob@example.net>\r\nTo: security@demo.example\r\nSubject: Deferred report\r\nMessage-ID: <pf-3@example.net>\r\n\r\nThe session survives logout.\r\nTested: 2.1.0\r\n";
    assert_eq!(
        smtp("bob@example.net", "security@demo.example", later)[4],
        250
    );
    let start = Instant::now();
    loop {
        let queue = postqueue(&["-j"]);
        if queue.contains("\"queue_name\": \"deferred\"") && queue.contains("bob@example.net") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "Postfix did not defer the message: {queue}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM cases WHERE source_message_id = 'pf-3@example.net'")
            .await,
        0
    );
    // The database is back: the deferred message is delivered, once.
    write_config(&t.url_text);
    postqueue(&["-f"]);
    let n = wait_for(
        &t,
        "SELECT COUNT(*) FROM cases WHERE source_message_id = 'pf-3@example.net'",
        1,
    )
    .await;
    assert_eq!(
        n, 1,
        "the deferred report was not delivered once the database was back"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    postqueue(&["-f"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM cases WHERE source_message_id = 'pf-3@example.net'")
            .await,
        1
    );

    // 4. An address no project has: Postfix refuses it at SMTP time (the sender's own
    //    server tells them), nothing is accepted and lost.
    let codes = smtp(
        "eve@example.net",
        "nobody@demo.example",
        "Subject: x\r\n\r\nx\r\n",
    );
    assert_eq!(codes[2], 550, "{codes:?}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM cases").await, 2);
}
