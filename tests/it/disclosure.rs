//! Coordinated disclosure end to end: Django's process under a policy whose lead
//! times are seconds, run by a real `embargo serve` process (its scheduler fires the
//! steps) with a real SMTP sink and GnuPG checking what the members receive; a
//! restart between scheduling and the lead time; two processes racing for the same
//! jobs; nothing of a case public before it is published.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::exports::validate;
use crate::gpg::{Gpg, verify_pgp_mime};
use crate::smtp_sink::{Received, SmtpSink};
use crate::support::{Kind, ServerProcess, TestDb, mail_report};
use embargo::config::{Config, Overrides};
use embargo::domain::actor::Actor;
use embargo::domain::role::ProjectRole;
use embargo::service::{self, advisories, disclosure, fixes, keys, members, triage};
use mail_parser::MimeHeaders;
use std::time::Duration;

/// Django's policy with lead times of seconds.
fn fast_django() -> String {
    let src = std::fs::read_to_string(format!(
        "{}/examples/policies/django.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    src.replace(
        "pre_announcement_lead = \"7 days\"",
        "pre_announcement_lead = \"9 seconds\"",
    )
    .replace(
        "pre_notification_lead = \"7 days\"",
        "pre_notification_lead = \"7 seconds\"",
    )
    .replace(
        "exploited_lead = \"1 day\"",
        "exploited_lead = \"2 seconds\"",
    )
}

const DIFF: &str = "--- a/django/db/models/sql/query.py\n+++ b/django/db/models/sql/query.py\n@@ -1,3 +1,3 @@\n def add_ordering(self, *ordering):\n-    self.order_by += ordering\n+    self.order_by += tuple(check_alias(o) for o in ordering)\n     return self\n";

struct Desk {
    t: TestDb,
    cfg: Config,
    sink: SmtpSink,
    env: Vec<(String, String)>,
    lead: i64,
}

impl Desk {
    async fn new(kind: Kind) -> Self {
        let t = TestDb::new(kind).await;
        let sink = SmtpSink::start().await;
        let secret = embargo::vault::generate_key();
        let env: Vec<(String, String)> = vec![
            ("EMBARGO_DATABASE_URL".into(), t.url_text.clone()),
            (
                "EMBARGO_DATA_DIR".into(),
                t.dir.path().display().to_string(),
            ),
            ("EMBARGO_SECRET_KEY".into(), secret),
            (
                "EMBARGO_MAIL_FROM".into(),
                "embargo@security.example.org".into(),
            ),
            (
                "EMBARGO_PUBLIC_URL".into(),
                "https://security.example.org".into(),
            ),
            ("EMBARGO_SMTP_URL".into(), sink.url()),
            ("EMBARGO_REQUIRE_TWO_FACTOR".into(), "false".into()),
        ];
        let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
        service::projects::create_from_policy(&t.db, &Actor::Cli, &fast_django())
            .await
            .unwrap();
        let vault = cfg.vault(false).unwrap();
        keys::generate(&t.db, &vault, &Actor::Cli, keys::Holder::Project("django"))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for email in ["lead@djangoproject.com", "reviewer@djangoproject.com"] {
            let u = service::accounts::create(
                &t.db,
                &Actor::Cli,
                service::accounts::NewUser {
                    email: email.parse().unwrap(),
                    display_name: email.into(),
                    password: embargo::domain::password::NewPassword::new(
                        "correct horse battery staple".into(),
                    )
                    .unwrap(),
                    is_admin: false,
                },
            )
            .await
            .unwrap();
            service::projects::add_member(
                &t.db,
                &Actor::Cli,
                &"django".parse().unwrap(),
                &email.parse().unwrap(),
                ProjectRole::Team,
            )
            .await
            .unwrap();
            ids.push(u.id);
        }
        // The lead signs with a personal key.
        keys::generate(
            &t.db,
            &vault,
            &Actor::Cli,
            keys::Holder::User(&"lead@djangoproject.com".parse().unwrap()),
        )
        .await
        .unwrap();
        Self {
            t,
            cfg,
            sink,
            env,
            lead: ids[0],
        }
    }

    fn serve(&self) -> ServerProcess {
        let envs: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ServerProcess::start(&[], &envs, self.t.dir.path())
    }

    /// A report, accepted, with severity, affected versions, a reviewed patch and a draft.
    async fn ready_case(&self, marker: &str) -> i64 {
        let db = &self.t.db;
        let id = mail_report(
            db,
            &self.cfg,
            "Ada Reporter <ada@example.net>",
            "security@djangoproject.com",
            &format!("SQL injection in order_by {marker}"),
            &format!("QuerySet.order_by() passes crafted aliases to SQL. {marker}"),
        )
        .await;
        let lead = embargo::domain::actor::Actor::User {
            id: self.lead,
            email: "lead@djangoproject.com".into(),
        };
        triage::decide(
            db,
            &self.cfg,
            &crate::support::case_for(db, &lead, Some(self.lead), id).await,
            &triage::Decision {
                verdict: triage::Verdict::Accept,
                answers: vec![],
                note: "Confirmed.".into(),
            },
        )
        .await
        .unwrap();
        triage::set_severity(
            db,
            &crate::support::case_for(db, &lead, None::<i64>, id).await,
            // Django rates with its own levels only (`severity.cvss = []`, `cwe = false`).
            &triage::SeverityInput {
                level: Some("High".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        triage::set_affected(
            db,
            &crate::support::case_for(db, &lead, None::<i64>, id).await,
            "4.2..4.2.17\n5.2..5.2.3",
        )
        .await
        .unwrap();
        let patch = fixes::attach(
            db,
            &crate::support::case_for(db, &lead, Some(self.lead), id).await,
            &fixes::NewPatch {
                branch: "main".into(),
                title: "Check order_by aliases".into(),
                diff: DIFF.into(),
            },
        )
        .await
        .unwrap()
        .id;
        let reviewer_id = self.lead + 1;
        fixes::review(
            db,
            &crate::support::case_for(
                db,
                &Actor::User {
                    id: reviewer_id,
                    email: "reviewer@djangoproject.com".into(),
                },
                Some(reviewer_id),
                id,
            )
            .await,
            patch,
            "approved",
            "looks right",
        )
        .await
        .unwrap();
        advisories::save_draft(
            db,
            &crate::support::case_for(db, &lead, None::<i64>, id).await,
            &embargo::store::advisories::Draft {
                title: format!("Potential SQL injection in QuerySet.order_by() {marker}"),
                summary: format!("order_by() accepted crafted column aliases {marker}"),
                description: format!("A crafted alias reached SQL unquoted. {marker}"),
                remedy: "Upgrade to 5.2.3 or 4.2.17.".into(),
                workarounds: String::new(),
                fixed: "5.2.3\n4.2.17".into(),
                refs: "https://github.com/django/django/commit/0123456789abcdef".into(),
            },
        )
        .await
        .unwrap();
        id
    }

    /// Schedule `case` `secs` seconds from now (UTC), as the lead, publishing automatically.
    async fn schedule_in(&self, case: i64, secs: i64) -> i64 {
        let at = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        let plan = disclosure::schedule(
            &self.t.db,
            &self.cfg,
            &crate::support::case_for(
                &self.t.db,
                &Actor::User {
                    id: self.lead,
                    email: "lead@djangoproject.com".into(),
                },
                Some(self.lead),
                case,
            )
            .await,
            &disclosure::ScheduleInput {
                date: at.strftime("%Y-%m-%d").to_string(),
                time: at.strftime("%H:%M:%S").to_string(),
                zone: "UTC".into(),
                exploited: String::new(),
                auto_publish: true,
            },
        )
        .await
        .unwrap();
        plan.disclose_at
    }

    async fn wait_for(
        &self,
        what: &str,
        f: impl Fn(&[Received]) -> bool,
        secs: u64,
    ) -> Vec<Received> {
        for _ in 0..secs * 4 {
            let m = self.sink.messages();
            if f(&m) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let subjects: Vec<String> = self
            .sink
            .messages()
            .iter()
            .map(|m| format!("{:?} {:?}", m.to, m.header("Subject")))
            .collect();
        panic!(
            "timed out waiting for {what}; the sink has:\n{}",
            subjects.join("\n")
        );
    }
}

fn to(m: &Received, addr: &str) -> bool {
    m.to.iter().any(|t| t == addr)
}

fn subject(m: &Received) -> String {
    m.header("Subject").unwrap_or_default()
}

fn text(m: &Received) -> String {
    String::from_utf8_lossy(&m.data).into_owned()
}

/// The decoded plain-text body of a (signed or plain) message.
fn body(m: &Received) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(&m.data)
        .unwrap();
    parsed
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default()
}

fn pgp_message(raw: &str) -> &str {
    let start = raw.find("-----BEGIN PGP MESSAGE-----").unwrap();
    let end = raw.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
    &raw[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_process_end_to_end() {
    let desk = Desk::new(Kind::Sqlite).await;
    let db = &desk.t.db;
    // The CVE pool: the ID is assigned on acceptance.
    advisories::import_cve_ids(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
        "CVE-2026-40001\nCVE-2026-40002",
    )
    .await
    .unwrap();
    // Two members with keys (RSA, Curve25519), one organisation without.
    let (gpg_a, gpg_b) = (Gpg::new(), Gpg::new());
    let fa = gpg_a.generate("Distro A <security@distro-a.example>", "rsa");
    let fb = gpg_b.generate("Packager B <b@packager.example>", "cv25519");
    for (gpg, fpr, email, group, org) in [
        (
            &gpg_a,
            &fa,
            "security@distro-a.example",
            "distributors",
            "Distro A",
        ),
        (&gpg_b, &fb, "b@packager.example", "package-maintainers", ""),
    ] {
        members::add(
            db,
            &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
            &members::Addition {
                email: &email.parse().unwrap(),
                name: "Member",
                organisation: org,
                group,
                key: Some(&gpg.export(fpr)),
            },
        )
        .await
        .unwrap();
    }
    members::add(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
        &members::Addition {
            email: &"psirt@bigco.example".parse().unwrap(),
            name: "BigCo PSIRT",
            organisation: "BigCo",
            group: "other-entities",
            key: None,
        },
    )
    .await
    .unwrap();
    let marker = "zq7marker";
    let case = desk.ready_case(marker).await;
    assert_eq!(
        disclosure::schedule_of(
            db,
            &crate::support::case_for(db, &embargo::domain::actor::Actor::Cli, None::<i64>, case)
                .await
        )
        .await
        .unwrap()
        .cve_id
        .as_deref(),
        Some("CVE-2026-40001")
    );
    let server = desk.serve();
    let client = reqwest::Client::new();
    let disclose_at = desk.schedule_in(case, 15).await;

    // The pre-announcement: date, time, zone, severity, count — no case text.
    let msgs = desk
        .wait_for(
            "the pre-announcement",
            |m| m.iter().any(|m| to(m, "django-announce@googlegroups.com")),
            30,
        )
        .await;
    let pre: Vec<&Received> = msgs
        .iter()
        .filter(|m| to(m, "django-announce@googlegroups.com"))
        .collect();
    assert_eq!(pre.len(), 1);
    let announcement = body(pre[0]);
    for banned in [
        marker,
        "order_by",
        "SQL",
        "CVE-2026",
        "QuerySet",
        "injection",
        "4.2.17",
        "CWE",
    ] {
        assert!(
            !announcement.contains(banned),
            "the pre-announcement carries `{banned}`:\n{announcement}"
        );
    }
    let day = jiff::Timestamp::from_second(disclose_at)
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    assert!(
        announcement.contains(&day) && announcement.contains("UTC"),
        "{announcement}"
    );
    assert!(
        announcement.contains("Number of issues: 1") && announcement.contains("1 high"),
        "{announcement}"
    );
    // Nothing public yet.
    let archive = client
        .get(server.url("/p/django/advisories"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!archive.contains(marker));

    // The pre-notification: once per member, never Cc, signed by the lead's key,
    // encrypted where a key is on file.
    let member_addrs = [
        "security@distro-a.example",
        "b@packager.example",
        "psirt@bigco.example",
    ];
    let msgs = desk
        .wait_for(
            "the pre-notifications",
            |m| member_addrs.iter().all(|a| m.iter().any(|x| to(x, a))),
            30,
        )
        .await;
    let lead_key = {
        let vault = desk.cfg.vault(false).unwrap();
        keys::user_signing_key(db, &vault, desk.lead)
            .await
            .unwrap()
            .unwrap()
    };
    for a in member_addrs {
        let got: Vec<&Received> = msgs.iter().filter(|m| to(m, a)).collect();
        assert_eq!(got.len(), 1, "{a} got {} pre-notifications", got.len());
        assert_eq!(got[0].to, vec![a.to_string()], "one recipient per message");
        assert!(got[0].header("Cc").is_none());
    }
    for (gpg, addr) in [
        (&gpg_a, "security@distro-a.example"),
        (&gpg_b, "b@packager.example"),
    ] {
        gpg.import(lead_key.public().to_armored().unwrap().as_bytes());
        let m = msgs.iter().find(|m| to(m, addr)).unwrap();
        let raw = text(m);
        assert!(raw.contains("multipart/encrypted"), "{addr}: not encrypted");
        assert!(
            !raw.contains(marker),
            "{addr}: plaintext outside the encryption"
        );
        let (ok, plain, err) = gpg.run(&["--decrypt"], pgp_message(&raw).as_bytes());
        assert!(ok, "{addr}: gpg could not decrypt:\n{err}");
        assert!(err.contains("Good signature"), "{addr}: {err}");
        assert!(
            err.contains("Good signature from \"lead@djangoproject.com"),
            "{addr}: not signed by the lead's personal key:\n{err}"
        );
        let plain = String::from_utf8_lossy(&plain);
        for needle in [
            marker,
            "CVE-2026-40001",
            "Upgrade to 5.2.3",
            "TLP:AMBER",
            "Check order_by aliases",
            &day,
        ] {
            assert!(
                plain.contains(needle),
                "{addr}: `{needle}` missing from:\n{plain}"
            );
        }
        let parsed = mail_parser::MessageParser::default()
            .parse(plain.as_bytes())
            .unwrap();
        let files: Vec<(String, String)> = parsed
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_owned(),
                    String::from_utf8_lossy(a.contents()).into_owned(),
                )
            })
            .collect();
        let csaf = files
            .iter()
            .find(|(n, _)| n.ends_with(".csaf.json"))
            .expect("CSAF attached");
        assert!(
            csaf.1.contains("\"label\": \"AMBER\""),
            "CSAF attachment is not TLP:AMBER"
        );
        validate("csaf", &csaf.1);
        let patch = files
            .iter()
            .find(|(n, _)| n.ends_with(".patch"))
            .expect("patch attached");
        assert!(
            patch.1.contains("+    self.order_by += tuple"),
            "the reviewed patch is not attached"
        );
    }
    // The member without a key: signed, not encrypted.
    let big = msgs.iter().find(|m| to(m, "psirt@bigco.example")).unwrap();
    let gpg_c = Gpg::new();
    gpg_c.import(lead_key.public().to_armored().unwrap().as_bytes());
    let report = verify_pgp_mime(&gpg_c, &text(big));
    assert!(report.contains("Good signature"), "{report}");

    // Publication at the date: advisory page, Atom entry, notices, reporter told.
    let msgs = desk
        .wait_for(
            "the disclosure notices",
            |m| m.iter().any(|x| to(x, "oss-security@lists.openwall.com")),
            40,
        )
        .await;
    let notice = msgs
        .iter()
        .find(|m| to(m, "oss-security@lists.openwall.com"))
        .unwrap();
    let year = &day[..4];
    let adv_id = format!("DJANGO-{year}-001");
    assert!(body(notice).contains(&format!(
        "https://security.example.org/p/django/advisories/{adv_id}"
    )));
    assert_eq!(
        msgs.iter()
            .filter(|m| to(m, "django-announce@googlegroups.com"))
            .count(),
        2,
        "the announce list gets the pre-announcement and the notice"
    );
    assert!(
        msgs.iter()
            .any(|m| to(m, "ada@example.net") && subject(m).contains(&adv_id))
    );
    let page = client
        .get(server.url(&format!("/p/django/advisories/{adv_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains(marker) && page.contains("CVE-2026-40001") && page.contains("High"));
    let atom = client
        .get(server.url("/p/django/advisories.atom"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        atom.contains(&format!(
            "<id>https://security.example.org/p/django/advisories/{adv_id}</id>"
        )),
        "{atom}"
    );
    let found = client
        .get(server.url(&format!("/p/django/advisories?q={marker}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains(&adv_id));
    for (suffix, kind) in [
        ("osv.json", "osv"),
        ("cve.json", "cve5"),
        ("csaf.json", "csaf"),
    ] {
        let r = client
            .get(server.url(&format!("/p/django/advisories/{adv_id}.{suffix}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{suffix}");
        validate(kind, &r.text().await.unwrap());
    }
    // The audit trail has each step once.
    let steps = desk.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action IN ('case.pre_announce', 'case.pre_notify', 'case.publish')").await;
    assert_eq!(steps, 3);
    let state = crate::support::case_for(db, &Actor::System, None::<i64>, case)
        .await
        .state();
    assert_eq!(state, embargo::domain::case::CaseState::Published);
    // Loops (#18): every mail of the process — pre-announcement, signed and encrypted
    // pre-notifications, notices to the lists, mail to the reporter and the team —
    // delivered back into `mail ingest` opens no case, sends nothing, and is held.
    let cases = desk.t.scalar("SELECT COUNT(*) FROM cases").await;
    let queued = desk.t.scalar("SELECT COUNT(*) FROM outbox").await;
    let all = desk.sink.messages();
    assert!(all.len() >= 6, "{} messages", all.len());
    for m in &all {
        let out = embargo::service::ingest::ingest(db, &desk.cfg, None, &m.data, Some("django"))
            .await
            .unwrap();
        assert!(
            matches!(out, embargo::service::ingest::Outcome::Held { .. }),
            "mail to {:?} came back as {out:?}",
            m.to
        );
    }
    assert_eq!(desk.t.scalar("SELECT COUNT(*) FROM cases").await, cases);
    assert_eq!(desk.t.scalar("SELECT COUNT(*) FROM outbox").await, queued);
}

/// A restart between scheduling and the lead time loses and doubles nothing: the
/// steps missed while no process ran fire at the next start, late, and say so; two
/// processes started together (on one database) fire each step once.
async fn restart_fires_missed_steps_once(kind: Kind) {
    let desk = Desk::new(kind).await;
    let case = desk.ready_case("restartmarker").await;
    let server = desk.serve();
    desk.schedule_in(case, 12).await;
    // Down before either lead time (pre-announcement at +3 s, pre-notification at +5 s).
    drop(server);
    tokio::time::sleep(Duration::from_secs(50)).await;
    assert!(
        !desk
            .sink
            .messages()
            .iter()
            .any(|m| to(m, "django-announce@googlegroups.com")),
        "nothing can fire while no process runs"
    );
    let (a, b) = (desk.serve(), desk.serve());
    let msgs = desk
        .wait_for(
            "the late announcements",
            |m| m.iter().any(|x| to(x, "oss-security@lists.openwall.com")),
            40,
        )
        .await;
    // Let both processes pass over the jobs again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let msgs = if msgs.len() == desk.sink.messages().len() {
        msgs
    } else {
        desk.sink.messages()
    };
    assert_eq!(
        msgs.iter()
            .filter(|m| to(m, "django-announce@googlegroups.com"))
            .count(),
        2,
        "one pre-announcement and one notice"
    );
    assert_eq!(
        msgs.iter()
            .filter(|m| to(m, "oss-security@lists.openwall.com"))
            .count(),
        1
    );
    for step in ["case.pre_announce", "case.publish"] {
        let n = desk
            .t
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = '{step}'"
            ))
            .await;
        assert_eq!(n, 1, "{step} happened {n} times");
    }
    // They fired late and say so: in the jobs, the audit trail and `schedule list`.
    let late = desk
        .t
        .scalar("SELECT COUNT(*) FROM disclosure_jobs WHERE status = 'done' AND late_seconds > 30")
        .await;
    let (_, jobs, _) = crate::support::run_cli(
        &desk.t.url_text,
        desk.t.dir.path(),
        &["schedule", "list", "--all"],
        None,
    );
    assert_eq!(
        late, 3,
        "pre-announce, pre-notify and publish all fired late:\n{jobs}"
    );
    let audit_late = desk
        .t
        .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.publish' AND details LIKE '%late_by_seconds\":%' AND details NOT LIKE '%late_by_seconds\":null%'")
        .await;
    assert_eq!(audit_late, 1);
    let (code, out, err) = crate::support::run_cli(
        &desk.t.url_text,
        desk.t.dir.path(),
        &["schedule", "list", "--all"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("s late"), "{out}");
    drop((a, b));
}

/// Before publication nothing of a case is public: for a case in each state before
/// *published*, every public route, feed, export and security.txt, and every mail to
/// anyone outside the case and the confidential list, is free of its text.
async fn nothing_leaks_before_publication(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let actor = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let gpg = Gpg::new();
    let fpr = gpg.generate("Distro <security@distro.example>", "cv25519");
    members::add(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
        &members::Addition {
            email: &"security@distro.example".parse().unwrap(),
            name: "Distro",
            organisation: "Distro",
            group: "distributors",
            key: Some(&gpg.export(&fpr)),
        },
    )
    .await
    .unwrap();
    let markers: Vec<String> = (0..8).map(|i| format!("leakmark{i}x")).collect();
    // received
    mail_report(
        db,
        &desk.cfg,
        "r0@example.net",
        "security@djangoproject.com",
        &format!("report {}", markers[0]),
        &format!("body {}", markers[0]),
    )
    .await;
    // accepted (with draft, severity, patch)
    desk.ready_case(&markers[1]).await;
    // rejected
    let c = desk.ready_case(&markers[2]).await;
    triage::decide(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &actor, Some(desk.lead), c).await,
        &triage::Decision {
            verdict: triage::Verdict::Reject(triage::RejectReason::NotVulnerability),
            answers: vec![],
            note: "Not a vulnerability.".into(),
        },
    )
    .await
    .unwrap();
    // fixing
    let c = desk.ready_case(&markers[3]).await;
    triage::act(
        db,
        &crate::support::case_for(db, &actor, None::<i64>, c).await,
        embargo::domain::case::Action::StartFix,
        "",
    )
    .await
    .unwrap();
    // scheduled (far ahead)
    let c = desk.ready_case(&markers[4]).await;
    desk.schedule_in(c, 30 * 86_400).await;
    // pre-announced
    let c = desk.ready_case(&markers[5]).await;
    desk.schedule_in(c, 31 * 86_400).await;
    disclosure::pre_announce_now(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &actor, None::<i64>, c).await,
    )
    .await
    .unwrap();
    // pre-notified
    let c = desk.ready_case(&markers[6]).await;
    desk.schedule_in(c, 32 * 86_400).await;
    disclosure::pre_notify_now(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &actor, Some(desk.lead), c).await,
    )
    .await
    .unwrap();
    // public fix (decided, not yet published)
    let c = mail_report(
        db,
        &desk.cfg,
        "r7@example.net",
        "security@djangoproject.com",
        &format!("report {}", markers[7]),
        &format!("body {}", markers[7]),
    )
    .await;
    triage::decide(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &actor, Some(desk.lead), c).await,
        &triage::Decision {
            verdict: triage::Verdict::PublicFix,
            answers: vec![],
            note: "Only main is affected.".into(),
        },
    )
    .await
    .unwrap();

    let server = desk.serve();
    let client = reqwest::Client::new();
    let year = jiff::Zoned::now().year();
    let mut paths: Vec<String> = [
        "/",
        "/p/django/",
        "/p/django",
        "/p/django/policy",
        "/p/django/security.txt",
        "/.well-known/security.txt",
        "/p/django/advisories",
        "/p/django/advisories.atom",
        "/p/django/key.asc",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for m in &markers {
        paths.push(format!("/p/django/advisories?q={m}"));
    }
    for n in 1..=9 {
        for suffix in ["", ".osv.json", ".cve.json", ".csaf.json"] {
            paths.push(format!("/p/django/advisories/DJANGO-{year}-{n:03}{suffix}"));
        }
    }
    for p in &paths {
        let r = client.get(server.url(p)).send().await.unwrap();
        let status = r.status();
        let mut body = r.text().await.unwrap();
        // The search page repeats the visitor's own query: that is not the case's text.
        if let Some(q) = p.split("?q=").nth(1) {
            assert!(body.contains("No advisory matches"), "{p} found something");
            body = body
                .replace(&format!("value=\"{q}\""), "")
                .replace(&format!("“{q}”"), "");
        }
        for m in &markers {
            assert!(!body.contains(m.as_str()), "{p} ({status}) shows {m}");
        }
        if p.contains("/advisories/DJANGO-") {
            assert_eq!(status, 404, "{p}");
        }
    }
    for case in 1..=8 {
        for format in ["osv", "cve5", "csaf"] {
            let (code, out, _) = crate::support::run_cli(
                &desk.t.url_text,
                desk.t.dir.path(),
                &["advisory", "export", &case.to_string(), "--format", format],
                None,
            );
            assert_ne!(
                code, 0,
                "case {case} exported as {format} before publication"
            );
            assert!(markers.iter().all(|m| !out.contains(m.as_str())));
        }
    }
    // Mail: wait for the outbox to drain, then look at every message to an outsider.
    desk.wait_for(
        "the pre-announcement",
        |m| m.iter().any(|x| to(x, "django-announce@googlegroups.com")),
        30,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let insiders = [
        "r0@example.net",
        "ada@example.net",
        "r7@example.net",
        "security@distro.example",
        "lead@djangoproject.com",
        "reviewer@djangoproject.com",
    ];
    let mut outsiders = 0;
    for m in desk.sink.messages() {
        if m.to.iter().all(|t| insiders.contains(&t.as_str())) {
            continue;
        }
        outsiders += 1;
        let raw = text(&m);
        let decoded = body(&m);
        for mk in &markers {
            assert!(
                !raw.contains(mk.as_str()) && !decoded.contains(mk.as_str()),
                "mail to {:?} carries {mk}:\n{decoded}",
                m.to
            );
        }
    }
    assert!(
        outsiders >= 1,
        "the pre-announcement went to the announce list"
    );
}

crate::on_both_backends!(
    restart_fires_missed_steps_once,
    nothing_leaks_before_publication,
    unschedule_and_bad_input,
    f4_public_search_reads_only_what_was_published,
    f5_one_unusable_key_does_not_stop_the_pre_notification,
    advisory_ids_are_never_handed_out_twice,
    conflicting_transitions_race_and_every_audited_path_is_allowed,
    a_step_that_keeps_failing_is_given_up_and_the_team_told,
    pylons_announces_only_once_a_solution_exists,
);

/// Disclosure jobs follow the one retry policy of the leased queues (issue #17): a
/// step that keeps failing is retried with a growing delay, then marked failed after
/// `RetryPolicy::DISCLOSURE_JOBS.max_attempts` attempts (not retried every minute
/// forever), and the case and every team member are told once.
async fn a_step_that_keeps_failing_is_given_up_and_the_team_told(kind: Kind) {
    use embargo::domain::retry::RetryPolicy;
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let case = desk.ready_case("stuckmarker").await;
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(2))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    disclosure::schedule(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &Actor::Cli, Some(desk.lead), case).await,
        &disclosure::ScheduleInput {
            date: at.strftime("%Y-%m-%d").to_string(),
            time: at.strftime("%H:%M:%S").to_string(),
            zone: "UTC".into(),
            exploited: String::new(),
            auto_publish: false,
        },
    )
    .await
    .unwrap();
    // Nothing can sign the pre-notification any more.
    desk.t
        .exec("UPDATE openpgp_keys SET retired_at = 1 WHERE owner_kind IN ('project', 'user')")
        .await;
    let max = RetryPolicy::DISCLOSURE_JOBS.max_attempts;
    let mut due_times = Vec::new();
    for round in 0..max + 3 {
        // Far enough ahead that every retry is due.
        let now = embargo::store::now() + 30 * 86_400;
        let fired = disclosure::run_due(db, &desk.cfg, "w1", now).await.unwrap();
        let pre_notify: Vec<_> = fired
            .iter()
            .filter(|f| f.job.kind == "pre-notify")
            .collect();
        if round >= max {
            assert!(
                pre_notify.is_empty(),
                "round {round}: a failed job is not claimed again"
            );
            continue;
        }
        assert_eq!(pre_notify.len(), 1, "round {round}");
        let err = pre_notify[0].outcome.as_ref().unwrap_err();
        assert!(err.contains("no key to sign with"), "{err}");
        due_times.push(
            desk.t
                .scalar("SELECT due_at FROM disclosure_jobs WHERE kind = 'pre-notify'")
                .await
                - embargo::store::now(),
        );
    }
    // Growing delays (a minute, doubling, capped), then failed with its last error.
    assert!(due_times[0] <= 60 && due_times[0] >= 55, "{due_times:?}");
    assert!(due_times[1] >= 115 && due_times[2] >= 235, "{due_times:?}");
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM disclosure_jobs WHERE kind = 'pre-notify' AND status = 'failed' AND last_error LIKE '%no key to sign with%'")
            .await,
        1
    );
    assert_eq!(
        desk.t
            .scalar("SELECT attempts FROM disclosure_jobs WHERE kind = 'pre-notify'")
            .await,
        max
    );
    // Told once: a note on the case, a mail to each team member, one audit event.
    assert_eq!(
        desk.t
            .scalar(&format!("SELECT COUNT(*) FROM case_messages WHERE case_id = {case} AND author = 'system' AND body LIKE '%pre-notification of case #{case} did not happen%'"))
            .await,
        1
    );
    let members = desk
        .t
        .scalar(&format!("SELECT COUNT(*) FROM memberships WHERE project_id = (SELECT project_id FROM cases WHERE id = {case})"))
        .await;
    assert!(members >= 1);
    let subject = format!("The scheduled pre-notification of case #{case} failed");
    let mails: Vec<(String, String)> = desk
        .t
        .blobs("SELECT raw FROM outbox WHERE purpose = 'team-notification'")
        .await
        .iter()
        .filter_map(|raw| {
            let m = mail_parser::MessageParser::default().parse(raw)?;
            Some((
                m.subject()?.to_owned(),
                m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
            ))
        })
        .filter(|(s, _)| s.contains(&subject))
        .collect();
    assert_eq!(mails.len() as i64, members, "one mail per team member");
    assert!(
        mails[0].1.contains("Last error: no key to sign with"),
        "{}",
        mails[0].1
    );
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'disclosure.step_failed' AND details LIKE '%pre-notify%'")
            .await,
        1
    );
    // The case page lists the failed step with its error.
    let (_, out, _) = crate::support::run_cli(
        &desk.t.url_text,
        desk.t.dir.path(),
        &["schedule", "list"],
        None,
    );
    assert!(out.contains("failed"), "{out}");
}

/// Every state write is compare-and-set (issue #17): a "Schedule" submitted while
/// the case is being published can no longer put a published case back to
/// `scheduled`. Many conflicting transitions on one case at once: the losers
/// get a conflict, the audit trail's sequence of states is a path in the
/// transition table, and cases scheduled afterwards still publish.
async fn conflicting_transitions_race_and_every_audited_path_is_allowed(kind: Kind) {
    use embargo::domain::case::{Action, CaseState};
    let desk = Desk::new(kind).await;
    let lead = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let case = desk.ready_case("racecase").await;
    desk.schedule_in(case, 30 * 86_400).await;
    let mut tasks = Vec::new();
    for round in 0..4 {
        let (db, cfg, me, lead_id) = (desk.t.db.clone(), desk.cfg.clone(), lead.clone(), desk.lead);
        tasks.push(tokio::spawn(async move {
            disclosure::publish_now(
                &db,
                &cfg,
                &crate::support::case_for(&db, &me, None::<i64>, case).await,
                Some("a test publishes before the date"),
            )
            .await
            .map(|_| format!("publish {round}"))
        }));
        let (db, cfg, me) = (desk.t.db.clone(), desk.cfg.clone(), lead.clone());
        tasks.push(tokio::spawn(async move {
            let at = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_hours(24 * (20 + round)))
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC);
            disclosure::schedule(
                &db,
                &cfg,
                &crate::support::case_for(&db, &me, Some(lead_id), case).await,
                &disclosure::ScheduleInput {
                    date: at.strftime("%Y-%m-%d").to_string(),
                    time: "12:00".into(),
                    zone: "UTC".into(),
                    exploited: String::new(),
                    auto_publish: true,
                },
            )
            .await
            .map(|_| format!("schedule {round}"))
        }));
        let (db, me) = (desk.t.db.clone(), lead.clone());
        tasks.push(tokio::spawn(async move {
            triage::act(
                &db,
                &crate::support::case_for(&db, &me, None::<i64>, case).await,
                Action::Unschedule,
                "",
            )
            .await
            .map(|_| format!("unschedule {round}"))
        }));
        let (db, me) = (desk.t.db.clone(), lead.clone());
        tasks.push(tokio::spawn(async move {
            triage::act(
                &db,
                &crate::support::case_for(&db, &me, None::<i64>, case).await,
                Action::Close,
                "",
            )
            .await
            .map(|_| format!("close {round}"))
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(service::ServiceError::Conflict(_)) => {}
            Err(other) => panic!("a loser got {other:?}, not a conflict"),
        }
    }
    assert!(won >= 1);
    // The audited states of the case form a path in the transition table.
    let events = {
        let mut c = desk.t.db.acquire().await.unwrap();
        embargo::store::audit::recent(c.conn(), None, 10_000)
            .await
            .unwrap()
    };
    let mut path: Vec<(CaseState, CaseState)> = events
        .iter()
        .rev()
        .filter(|e| e.object_type == "case" && e.object_id == case.to_string())
        .filter_map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).ok()?;
            Some((
                d["from"].as_str()?.parse().ok()?,
                d["to"].as_str()?.parse().ok()?,
            ))
        })
        .collect();
    assert!(path.len() >= 2, "{path:?}");
    for w in path.windows(2) {
        assert_eq!(w[0].1, w[1].0, "the trail jumps: {path:?}");
    }
    for (from, to) in &path {
        if from != to {
            from.can_move_to(*to)
                .unwrap_or_else(|e| panic!("{from} -> {to} is not allowed: {e}; {path:?}"));
        }
    }
    let last = path.pop().unwrap().1;
    assert_eq!(
        desk.t
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {case} AND state = '{}'",
                last.as_str()
            ))
            .await,
        1
    );
    // Cases scheduled afterwards still publish, with ids of their own.
    for n in 0..2 {
        let next = desk.ready_case(&format!("after{n}")).await;
        desk.schedule_in(next, 30 * 86_400).await;
        disclosure::publish_now(
            &desk.t.db,
            &desk.cfg,
            &crate::support::case_for(&desk.t.db, &lead, None::<i64>, next).await,
            Some("a test publishes before the date"),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) - COUNT(DISTINCT public_id) FROM advisories WHERE public_id IS NOT NULL")
            .await,
        0
    );
}

/// Public ids came from a count of published rows: after a gap (ids 003, 004,
/// 006) every further publication failed with "That already exists", the
/// scheduled one included, on every retry (issue #17). They come from a counter
/// per project and year now, seeded from the highest id in use.
async fn advisory_ids_are_never_handed_out_twice(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let lead = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let mut ids = Vec::new();
    for n in 0..2 {
        let case = desk.ready_case(&format!("idcase{n}")).await;
        desk.schedule_in(case, 30 * 86_400).await;
        ids.push(
            disclosure::publish_now(
                db,
                &desk.cfg,
                &crate::support::case_for(db, &lead, None::<i64>, case).await,
                Some("a test publishes before the date"),
            )
            .await
            .unwrap(),
        );
    }
    let year = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    assert_eq!(
        ids,
        [format!("DJANGO-{year}-001"), format!("DJANGO-{year}-002")]
    );
    // A gap, as the review found it: the second advisory now holds -004.
    desk.t
        .exec(&format!(
            "UPDATE advisories SET public_id = 'DJANGO-{year}-004' WHERE public_id = 'DJANGO-{year}-002'"
        ))
        .await;
    desk.t.exec("DELETE FROM public_id_counters").await;
    for n in 2..5 {
        let case = desk.ready_case(&format!("idcase{n}")).await;
        desk.schedule_in(case, 30 * 86_400).await;
        ids.push(
            disclosure::publish_now(
                db,
                &desk.cfg,
                &crate::support::case_for(db, &lead, None::<i64>, case).await,
                Some("a test publishes before the date"),
            )
            .await
            .unwrap(),
        );
    }
    assert_eq!(
        ids[2..],
        [
            format!("DJANGO-{year}-005"),
            format!("DJANGO-{year}-006"),
            format!("DJANGO-{year}-007")
        ]
    );
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(DISTINCT public_id) FROM advisories WHERE public_id IS NOT NULL")
            .await,
        5
    );
}

/// F4: after a published case is closed and reopened, the team's new draft text
/// was found by anonymous archive searches (substring by substring). Every public
/// route — archive with and without a query, Atom, project page, the advisory
/// page and its three exports — shows only what was published.
async fn f4_public_search_reads_only_what_was_published(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let lead = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let case = desk.ready_case("pubmark").await;
    desk.schedule_in(case, 30 * 86_400).await;
    let id = disclosure::publish_now(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &lead, None::<i64>, case).await,
        Some("a test publishes before the date"),
    )
    .await
    .unwrap();
    for action in [
        embargo::domain::case::Action::Close,
        embargo::domain::case::Action::Reopen,
    ] {
        triage::act(
            db,
            &crate::support::case_for(db, &lead, None::<i64>, case).await,
            action,
            "",
        )
        .await
        .unwrap();
    }
    advisories::save_draft(
        db,
        &crate::support::case_for(db, &lead, None::<i64>, case).await,
        &embargo::store::advisories::Draft {
            title: "zqxbypas: a second, embargoed bypass".into(),
            summary: "zqxbypas summary under embargo".into(),
            description: "zqxbypas details".into(),
            remedy: String::new(),
            workarounds: String::new(),
            fixed: String::new(),
            refs: String::new(),
        },
    )
    .await
    .unwrap();
    let server = desk.serve();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = server.url(&path);
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // The published text is found; the new draft is not, by any substring.
    let (_, hit) = get("/p/django/advisories?q=pubmark".into()).await;
    assert!(hit.contains(&id), "{hit}");
    for q in ["zqxbypas", "zqxbyp", "zqx", "second, embargoed"] {
        let (status, html) = get(format!("/p/django/advisories?q={q}")).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert!(
            !html.contains(&id),
            "?q={q} found the advisory by its draft"
        );
    }
    for path in [
        "/p/django/advisories".to_owned(),
        "/p/django/advisories.atom".to_owned(),
        "/p/django/".to_owned(),
        format!("/p/django/advisories/{id}"),
        format!("/p/django/advisories/{id}.osv.json"),
        format!("/p/django/advisories/{id}.cve.json"),
        format!("/p/django/advisories/{id}.csaf.json"),
    ] {
        let (_, body) = get(path.clone()).await;
        assert!(!body.contains("zqxbypas"), "{path} shows the draft");
    }
}

/// A certificate whose only encryption subkey is flagged for storage, not for
/// transport: it cannot receive mail.
fn storage_only_key(address: &str) -> String {
    use sequoia_openpgp::cert::CertBuilder;
    use sequoia_openpgp::serialize::SerializeInto;
    let (cert, _) = CertBuilder::new()
        .add_userid(format!("Storage Only <{address}>"))
        .add_signing_subkey()
        .add_storage_encryption_subkey()
        .generate()
        .unwrap();
    String::from_utf8(cert.armored().to_vec().unwrap()).unwrap()
}

/// F5: a list member whose key has only a storage-encryption subkey made every
/// pre-notification of the project fail, and the key-change form answered 422
/// for members and 200 for others. Now: such a key is refused alike for anyone
/// (one definition of "can receive encrypted mail"), and a member whose stored
/// key cannot receive mail is skipped — never sent anything in clear — while
/// everyone else is told, and the team learns who was not reached.
async fn f5_one_unusable_key_does_not_stop_the_pre_notification(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let lead = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let gpg = Gpg::new();
    let fpr = gpg.generate("Distro <security@distro.example>", "cv25519");
    let add = |email: &'static str, key: Vec<u8>| async move {
        members::add(
            db,
            &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
            &members::Addition {
                email: &email.parse().unwrap(),
                name: "Member",
                organisation: "Org",
                group: "distributors",
                key: Some(&key),
            },
        )
        .await
    };
    add("security@distro.example", gpg.export(&fpr))
        .await
        .unwrap();
    // Validation refuses a storage-only key, as encryption would.
    let bad = storage_only_key("storage@vendor.example");
    let err = add("storage@vendor.example", bad.clone().into_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("encryption"), "{err}");
    // A member whose key stopped being usable after joining (set behind the checks).
    let vendor = gpg.generate("Vendor <storage@vendor.example>", "cv25519");
    add("storage@vendor.example", gpg.export(&vendor))
        .await
        .unwrap();
    let escaped = bad.replace('\'', "''");
    desk.t
        .exec(&format!(
            "UPDATE list_members SET public_key = '{escaped}' WHERE email = 'storage@vendor.example'"
        ))
        .await;
    let case = desk.ready_case("fanout").await;
    desk.schedule_in(case, 30 * 86_400).await;
    disclosure::pre_notify_now(
        db,
        &desk.cfg,
        &crate::support::case_for(db, &lead, Some(desk.lead), case).await,
    )
    .await
    .unwrap();
    let to = |who: &str, purpose: &str| {
        format!(
            "SELECT COUNT(*) FROM outbox WHERE purpose = '{purpose}' AND recipients LIKE '%{who}%'"
        )
    };
    assert_eq!(
        desk.t
            .scalar(&to("security@distro.example", "pre-notification"))
            .await,
        1
    );
    assert_eq!(
        desk.t
            .scalar(&to("storage@vendor.example", "pre-notification"))
            .await,
        0
    );
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%storage@vendor.example%'")
            .await,
        0
    );
    for team in ["lead@djangoproject.com", "reviewer@djangoproject.com"] {
        assert_eq!(
            desk.t.scalar(&to(team, "pre-notification-unreached")).await,
            1
        );
    }
    let notice = desk
        .t
        .blobs("SELECT raw FROM outbox WHERE purpose = 'pre-notification-unreached'")
        .await;
    let notice = String::from_utf8_lossy(&notice[0]).into_owned();
    assert!(notice.contains("storage@vendor.example"), "{notice}");
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.pre_notify' AND details LIKE '%unreached%' AND details LIKE '%no valid encryption subkey%'")
            .await,
        1
    );
    // The key-change form answers the storage-only key alike for a member and a stranger.
    let server = desk.serve();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut answers = Vec::new();
    for email in ["security@distro.example", "nobody@elsewhere.example"] {
        let html = client
            .get(server.url("/p/django/notification-list/key"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = crate::support::csrf_in(&html);
        let r = client
            .post(server.url("/p/django/notification-list/key"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("key", bad.as_str()),
            ])
            .send()
            .await
            .unwrap();
        answers.push(r.status());
    }
    assert_eq!(answers[0], answers[1], "{answers:?}");
    assert_eq!(answers[0], reqwest::StatusCode::UNPROCESSABLE_ENTITY);
}

/// Unscheduling withdraws the date and cancels every pending step; bad schedule,
/// draft and CVE input is refused with a message that says what to write, and
/// changes nothing.
async fn unschedule_and_bad_input(kind: Kind) {
    let desk = Desk::new(kind).await;
    let db = &desk.t.db;
    let actor = Actor::User {
        id: desk.lead,
        email: "lead@djangoproject.com".into(),
    };
    let case = desk.ready_case("unschedmark").await;
    let bad = |date: &str, time: &str, zone: &str| disclosure::ScheduleInput {
        date: date.into(),
        time: time.into(),
        zone: zone.into(),
        exploited: String::new(),
        auto_publish: false,
    };
    for (input, expect) in [
        (
            bad("next tuesday", "14:00", "UTC"),
            "write it as 2026-12-01",
        ),
        (bad("2099-01-01", "25:00", "UTC"), "write it as 14:00"),
        (bad("2099-01-01", "14:00", "Mars/Olympus"), "IANA time zone"),
        (bad("2001-01-01", "14:00", "UTC"), "in the past"),
    ] {
        let err = disclosure::schedule(
            db,
            &desk.cfg,
            &crate::support::case_for(db, &actor, Some(desk.lead), case).await,
            &input,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains(expect), "{err}");
    }
    assert_eq!(
        desk.t.scalar("SELECT COUNT(*) FROM disclosure_jobs").await,
        0
    );
    desk.schedule_in(case, 10 * 86_400).await;
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM disclosure_jobs WHERE status = 'pending'")
            .await,
        3
    );
    let state = triage::act(
        db,
        &crate::support::case_for(db, &actor, None::<i64>, case).await,
        embargo::domain::case::Action::Unschedule,
        "fix not ready",
    )
    .await
    .unwrap();
    assert_eq!(state.as_str(), "fixing");
    assert_eq!(
        desk.t
            .scalar("SELECT COUNT(*) FROM disclosure_jobs WHERE status = 'pending'")
            .await,
        0
    );
    assert!(
        disclosure::schedule_of(
            db,
            &crate::support::case_for(db, &embargo::domain::actor::Actor::Cli, None::<i64>, case)
                .await
        )
        .await
        .unwrap()
        .disclose_at
        .is_none()
    );
    // A bad reference keeps the saved draft as it was.
    let before = advisories::draft(
        db,
        &crate::support::case_for(db, &embargo::domain::actor::Actor::Cli, None::<i64>, case).await,
    )
    .await
    .unwrap();
    let mut d = before.clone();
    d.title = "changed".into();
    d.refs = "not a link".into();
    let err = advisories::save_draft(
        db,
        &crate::support::case_for(db, &actor, None::<i64>, case).await,
        &d,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("one link per line"), "{err}");
    assert_eq!(
        advisories::draft(
            db,
            &crate::support::case_for(db, &embargo::domain::actor::Actor::Cli, None::<i64>, case)
                .await
        )
        .await
        .unwrap()
        .title,
        before.title
    );
    d.refs = String::new();
    d.fixed = "5.2.x".into();
    let err = advisories::save_draft(
        db,
        &crate::support::case_for(db, &actor, None::<i64>, case).await,
        &d,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("fixed version on line 1"), "{err}");
    // A bad CVE ID refuses the whole import.
    let err = advisories::import_cve_ids(
        db,
        &crate::support::project_for(db, &Actor::Cli, None::<i64>, "django").await,
        "CVE-2026-50001\nCVE-26-1",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("write it as CVE-2026-12345"), "{err}");
    assert!(
        advisories::cve_pool(
            db,
            &crate::support::project_for(
                db,
                &embargo::domain::actor::Actor::Cli,
                None::<i64>,
                "django"
            )
            .await
        )
        .await
        .unwrap()
        .is_empty()
    );
}

/// Pylons: "Security announcements will only be made once a solution to the problem has
/// been discovered" (`embargo.announce_only_after_fix`, issue #19 item 1). A scheduled case
/// with no fixed version, no approved patch and no workaround can be neither
/// pre-announced nor published — the refusal says what is missing — and can once a
/// workaround is documented.
async fn pylons_announces_only_once_a_solution_exists(kind: Kind) {
    let t = TestDb::new(kind).await;
    let env: Vec<(String, String)> = vec![
        ("EMBARGO_DATABASE_URL".into(), t.url_text.clone()),
        (
            "EMBARGO_DATA_DIR".into(),
            t.dir.path().display().to_string(),
        ),
        ("EMBARGO_SECRET_KEY".into(), embargo::vault::generate_key()),
        (
            "EMBARGO_MAIL_FROM".into(),
            "embargo@security.example.org".into(),
        ),
        (
            "EMBARGO_PUBLIC_URL".into(),
            "https://security.example.org".into(),
        ),
    ];
    let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
    let policy = std::fs::read_to_string(format!(
        "{}/examples/policies/pylons.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    service::projects::create_from_policy(&t.db, &Actor::Cli, &policy)
        .await
        .unwrap();
    let db = &t.db;
    let id = mail_report(
        db,
        &cfg,
        "Ada <ada@example.net>",
        "ben@groovie.org",
        "Session fixation",
        "The session id survives login. Tested: 1.0.2",
    )
    .await;
    let op = || crate::support::case_for(db, &Actor::Cli, None::<i64>, id);
    triage::decide(
        db,
        &cfg,
        &op().await,
        &triage::Decision {
            verdict: triage::Verdict::Accept,
            answers: vec![],
            note: "Confirmed.".into(),
        },
    )
    .await
    .unwrap();
    let day = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 10))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    disclosure::schedule(
        db,
        &cfg,
        &op().await,
        &disclosure::ScheduleInput {
            date: day.strftime("%Y-%m-%d").to_string(),
            time: "14:00".into(),
            zone: "UTC".into(),
            exploited: String::new(),
            auto_publish: false,
        },
    )
    .await
    .unwrap();
    for refused in [
        disclosure::pre_announce_now(db, &cfg, &op().await)
            .await
            .map(|_| ()),
        disclosure::publish_now(db, &cfg, &op().await, Some("the fix is out"))
            .await
            .map(|_| ()),
    ] {
        match refused {
            Err(service::ServiceError::Invalid(m)) => assert!(
                m.contains("only once a solution exists") && m.contains("workaround"),
                "{m}"
            ),
            other => panic!("announced without a solution: {other:?}"),
        }
    }
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM advisories WHERE public_id IS NOT NULL")
            .await,
        0
    );
    // A documented workaround is a solution: now it publishes.
    advisories::save_draft(
        db,
        &op().await,
        &embargo::store::advisories::Draft {
            title: "Session fixation in pylons.session".into(),
            summary: "The session id survives login.".into(),
            workarounds: "Call session.invalidate() after login.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let public_id = disclosure::publish_now(db, &cfg, &op().await, Some("workaround ready"))
        .await
        .unwrap();
    assert!(!public_id.is_empty());
}
