//! Triage: decisions with the threat-model checklist, what the reporter is told,
//! severity input, the inbox (clocks, filters, full-text search, visibility), and the
//! property that every change writes exactly one audit event and refusals none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestDb, run_cli};
use embargo::config::{Config, Overrides};
use embargo::domain::actor::Actor;
use embargo::domain::case::{Action, CaseState};
use embargo::service::triage::{
    self, Decision, RejectReason, SeverityInput, ThreatAnswer, Verdict,
};
use embargo::service::{self, ServiceError, ingest};
use embargo::store::{self, cases::InboxFilter};

on_both_backends!(
    decisions_follow_the_policy_and_tell_the_reporter,
    severity_input_is_checked,
    inbox_orders_by_clock_filters_and_searches,
    search_finds_identifiers_by_their_parts_and_whole,
    random_actions_write_one_audit_event_per_change,
    the_cli_lists_decides_and_steps,
    strikes_ban_at_the_threshold_and_an_admin_lifts_it,
    affected_versions_are_assessed_against_the_support_policy,
    reminders_go_out_before_and_after_a_clock_no_more_often_than_the_policy_says,
    the_upstream_track_prompts_the_policy_remedy_after_the_deadline,
);

struct Desk {
    t: TestDb,
    cfg: Config,
    lead: i64,
    other: i64,
}

impl Desk {
    async fn new(kind: Kind) -> Self {
        let t = TestDb::new(kind).await;
        let env = vec![
            (
                "EMBARGO_DATA_DIR".to_owned(),
                t.dir.path().display().to_string(),
            ),
            (
                "EMBARGO_MAIL_FROM".to_owned(),
                "embargo@security.example.org".to_owned(),
            ),
        ];
        let cfg = Config::load_from(None, &env, &Overrides::default()).unwrap();
        crate::support::add_example_projects(&t.db, &["demo", "cpython"]).await;
        let mut ids = Vec::new();
        for (email, project) in [
            ("lead@example.org", "demo"),
            ("other@example.org", "cpython"),
        ] {
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
                &project.parse().unwrap(),
                &email.parse().unwrap(),
                "team".parse().unwrap(),
            )
            .await
            .unwrap();
            ids.push(u.id);
        }
        Self {
            t,
            cfg,
            lead: ids[0],
            other: ids[1],
        }
    }

    /// A report by mail to the demo project; returns the case id.
    async fn report(&self, n: usize, body: &str) -> i64 {
        crate::support::mail_report(
            &self.t.db,
            &self.cfg,
            &format!("Reporter {n} <r{n}@example.net>"),
            "security@demo.example",
            &format!("Report {n}"),
            body,
        )
        .await
    }

    async fn case(&self, id: i64) -> store::cases::CaseRow {
        let mut c = self.t.db.acquire().await.unwrap();
        store::cases::by_id(c.conn(), id).await.unwrap().unwrap()
    }

    async fn audit_count(&self) -> i64 {
        self.t.scalar("SELECT COUNT(*) FROM audit_events").await
    }

    /// The decoded text of every queued mail to `addr`.
    async fn mails_to(&self, addr: &str) -> Vec<String> {
        self.t
            .blobs(&format!(
                "SELECT raw FROM outbox WHERE recipients LIKE '%{addr}%' ORDER BY id"
            ))
            .await
            .into_iter()
            .map(|raw| embargo::mail::inbound::parse(&raw, &[], &[]).unwrap().text)
            .collect()
    }

    fn answers(met: bool) -> Vec<ThreatAnswer> {
        ["not-documented", "untrusted-input"]
            .into_iter()
            .map(|id| ThreatAnswer {
                id: id.into(),
                met,
                note: format!("{id} assessed"),
            })
            .collect()
    }
}

fn actor() -> Actor {
    Actor::Cli
}

async fn decisions_follow_the_policy_and_tell_the_reporter(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d.report(1, "The parser overflows on a long header.").await;
    let before = d.audit_count().await;

    // Rejecting needs every threat-model check answered, and an explanation.
    let err = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), a).await,
        &Decision {
            verdict: Verdict::Reject(RejectReason::NotVulnerability),
            answers: vec![],
            note: "Works as intended.".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("missing: untrusted-input, not-documented")
            || err
                .to_string()
                .contains("missing: not-documented, untrusted-input"),
        "{err}"
    );
    let err = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), a).await,
        &Decision {
            verdict: Verdict::Reject(RejectReason::NotVulnerability),
            answers: Desk::answers(false),
            note: "  ".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("say why"), "{err}");
    assert_eq!(d.audit_count().await, before, "refusals write nothing");

    let to = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), a).await,
        &Decision {
            verdict: Verdict::Reject(RejectReason::NotVulnerability),
            answers: Desk::answers(false),
            note: "The header length is limited by the server in front.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(to, CaseState::Rejected);
    assert_eq!(d.audit_count().await, before + 1);
    let case = d.case(a).await;
    assert_eq!(case.state, CaseState::Rejected);
    assert_eq!(case.decision_reason.as_deref(), Some("not-vulnerability"));
    assert!(case.threat_answers.unwrap().contains("untrusted-input"));
    let mail = d.mails_to("r1@example.net").await.join("\n");
    assert!(mail.contains("not a security vulnerability"), "{mail}");
    assert!(
        mail.contains("https://example.org/issues"),
        "public tracker offered: {mail}"
    );
    assert!(mail.contains("The header length is limited"), "{mail}");
    assert!(
        mail.contains("untrusted-input"),
        "the checklist is cited: {mail}"
    );

    // A rejected case cannot be accepted; reopening allows a new triage.
    let err = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), a).await,
        &Decision {
            verdict: Verdict::Accept,
            answers: Desk::answers(true),
            note: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)));
    assert!(
        err.to_string()
            .contains("a case that is rejected cannot be accepted"),
        "{err}"
    );
    triage::act(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        Action::Reopen,
        "new information",
    )
    .await
    .unwrap();
    let to = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), a).await,
        &Decision {
            verdict: Verdict::Accept,
            answers: Desk::answers(true),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(to, CaseState::Accepted);
    let case = d.case(a).await;
    assert!(
        case.target_fix_due_at.unwrap() > case.received_at,
        "the fix clock starts"
    );

    // Duplicates point at a case of the same project; the reporter hears of it.
    let b = d.report(2, "Same overflow, found independently.").await;
    let err = triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), b).await,
        &Decision {
            verdict: Verdict::Duplicate(b),
            answers: vec![],
            note: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("cannot duplicate itself"), "{err}");
    triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), b).await,
        &Decision {
            verdict: Verdict::Duplicate(a),
            answers: vec![],
            note: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(d.case(b).await.duplicate_of, Some(a));
    assert!(
        d.mails_to("r2@example.net")
            .await
            .join("\n")
            .contains("already reported")
    );

    // Spam: no reply at all.
    let c = d.report(3, "Buy cheap watches").await;
    let mails_before = d.mails_to("r3@example.net").await.len();
    triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), c).await,
        &Decision {
            verdict: Verdict::Spam,
            answers: vec![],
            note: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(d.mails_to("r3@example.net").await.len(), mails_before);
}

async fn severity_input_is_checked(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d.report(1, "XSS in the search page").await;
    let set = |level: &str, v3: &str, v4: &str, cwe: &str| SeverityInput {
        level: Some(level.into()),
        cvss3: Some(v3.into()),
        cvss4: Some(v4.into()),
        cwe: Some(cwe.into()),
    };
    let cases = [
        (
            set("Severe", "", "", ""),
            "not one of this project's levels: Critical, High, Moderate, Low",
        ),
        (
            set("", "CVSS:3.1/AV:N/AC:Q/PR:N/UI:R/S:C/C:L/I:L/A:N", "", ""),
            "metric AC cannot be `Q`",
        ),
        (
            set(
                "",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "",
                "",
            ),
            "holds a CVSS 4.0 vector",
        ),
        (set("", "", "", "CWE-1"), "choose a weakness"),
        (set("", "", "", "XSS"), "not a CWE id"),
    ];
    let before = d.audit_count().await;
    for (input, want) in cases {
        let err = triage::set_severity(
            &d.t.db,
            &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
            &input,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains(want), "{err} (want {want})");
    }
    assert_eq!(d.audit_count().await, before);
    triage::set_severity(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        &set(
            "moderate",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
            "79",
        ),
    )
    .await
    .unwrap();
    let case = d.case(a).await;
    assert_eq!(case.severity.as_deref(), Some("Moderate"));
    assert_eq!(case.cwe, Some(79));
    let v4 = embargo::domain::cvss::parse(
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
    )
    .unwrap()
    .summary();
    assert_eq!(
        case.cvss_score,
        Some(v4.score),
        "the 4.0 score counts when given"
    );
    assert_eq!(case.cvss4.as_deref(), Some(v4.canonical.as_str()));
    assert_eq!(d.audit_count().await, before + 1);

    // A change names only what changes (PATCH semantics): the vectors and the CWE stay.
    let change = |input: SeverityInput| {
        let d = &d;
        async move {
            triage::set_severity(
                &d.t.db,
                &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
                &input,
            )
            .await
            .unwrap();
            d.case(a).await
        }
    };
    let after = change(SeverityInput {
        level: Some("High".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(after.severity.as_deref(), Some("High"));
    assert_eq!(after.cwe, Some(79));
    assert_eq!(after.cvss3, case.cvss3);
    assert_eq!(after.cvss4, case.cvss4);
    assert_eq!(after.cvss_score, case.cvss_score);
    // Clearing is explicit: an empty value clears that field only; the 3.1 score then counts.
    let after = change(SeverityInput {
        cvss4: Some(String::new()),
        cwe: Some(String::new()),
        ..Default::default()
    })
    .await;
    assert_eq!((after.cvss4, after.cwe), (None, None));
    assert_eq!(after.severity.as_deref(), Some("High"));
    let v3 = embargo::domain::cvss::parse(after.cvss3.as_deref().unwrap())
        .unwrap()
        .summary();
    assert_eq!(after.cvss_score, Some(v3.score));
}

/// #19 item 7: the same queries over the same corpus give the same cases on both backends
/// (this test runs on each). Dotted and underscored identifiers are found by every part and
/// whole; a multi-part word must occur as written (parts adjacent, in order).
async fn search_finds_identifiers_by_their_parts_and_whole(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d.report(1, "SQL injection in QuerySet.extra").await;
    let b = d
        .report(
            2,
            "Arbitrary code execution via pickle.loads in the session_backend",
        )
        .await;
    let c = d
        .report(3, "Traversal through os.path.join on Windows")
        .await;
    let e = d.report(4, "Crash on x86_64 with version 5.2.20").await;
    let all = InboxFilter {
        limit: 100,
        ..Default::default()
    };
    let expected: &[(&str, &[i64])] = &[
        ("QuerySet", &[a]),
        ("extra", &[a]),
        ("QuerySet.extra", &[a]),
        ("queryset.EXTRA", &[a]),
        ("extra QuerySet", &[a]),
        ("extra.QuerySet", &[]),
        ("pickle.loads", &[b]),
        ("loads", &[b]),
        ("session_backend", &[b]),
        ("backend", &[b]),
        ("os.path", &[c]),
        ("os.path.join", &[c]),
        ("path", &[c]),
        ("join windows", &[c]),
        ("x86_64", &[e]),
        ("5.2.20", &[e]),
        ("5.2", &[e]),
        ("2.5", &[]),
        ("\0", &[]),
        ("QuerySet\0extra", &[a]),
        ("...", &[]),
        ("'quoted' & (ops) <-> !", &[]),
        ("injection QuerySet", &[a]),
    ];
    for (q, want) in expected {
        let filter = InboxFilter {
            query: Some(q),
            ..all.clone()
        };
        let mut got: Vec<i64> = triage::inbox(&d.t.db, d.lead, false, &filter)
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"))
            .into_iter()
            .map(|r| r.id)
            .collect();
        got.sort_unstable();
        assert_eq!(&got, want, "query {q:?} on {kind:?}");
    }
}

async fn inbox_orders_by_clock_filters_and_searches(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d
        .report(1, "Timing attack on the login token comparison")
        .await;
    let b = d.report(2, "Heap overflow in the image decoder").await;
    let c = d.report(3, "Spam spam spam").await;
    // Make b's decision overdue, and put c out of the inbox.
    d.t.exec(&format!(
        "UPDATE cases SET decide_due_at = 1 WHERE id = {b}"
    ))
    .await;
    triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), c).await,
        &Decision {
            verdict: Verdict::Spam,
            answers: vec![],
            note: String::new(),
        },
    )
    .await
    .unwrap();
    let all = InboxFilter {
        limit: 100,
        ..Default::default()
    };
    let ids =
        |rows: Vec<store::cases::InboxRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let rows = triage::inbox(&d.t.db, d.lead, false, &all).await.unwrap();
    assert_eq!(ids(rows), vec![b, a], "overdue first; spam left out");
    // Full-text search over the thread.
    let q = InboxFilter {
        query: Some("decoder"),
        ..all.clone()
    };
    assert_eq!(
        ids(triage::inbox(&d.t.db, d.lead, false, &q).await.unwrap()),
        vec![b]
    );
    // Search text is never query syntax.
    let q = InboxFilter {
        query: Some("\"unbalanced AND (OR"),
        ..all.clone()
    };
    assert!(
        triage::inbox(&d.t.db, d.lead, false, &q)
            .await
            .unwrap()
            .is_empty()
    );
    // Team notes are searchable by the team.
    service::cases::team_note(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), d.lead, a).await,
        "constant-time compare needed",
    )
    .await
    .unwrap();
    let q = InboxFilter {
        query: Some("constant-time"),
        ..all.clone()
    };
    assert_eq!(
        ids(triage::inbox(&d.t.db, d.lead, false, &q).await.unwrap()),
        vec![a]
    );
    // State filter reaches closed states.
    let q = InboxFilter {
        state: Some("spam"),
        ..all.clone()
    };
    assert_eq!(
        ids(triage::inbox(&d.t.db, d.lead, false, &q).await.unwrap()),
        vec![c]
    );
    // A member of another project sees none of these, even by search.
    assert!(
        triage::inbox(&d.t.db, d.other, false, &all)
            .await
            .unwrap()
            .is_empty()
    );
    let q = InboxFilter {
        query: Some("decoder"),
        ..all.clone()
    };
    assert!(
        triage::inbox(&d.t.db, d.other, false, &q)
            .await
            .unwrap()
            .is_empty()
    );
    // Assignment filter.
    triage::assign(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        Some(d.lead),
    )
    .await
    .unwrap();
    let err = triage::assign(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        Some(d.other),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("only a member"), "{err}");
    let q = InboxFilter {
        assignee: Some(d.lead),
        ..all.clone()
    };
    assert_eq!(
        ids(triage::inbox(&d.t.db, d.lead, false, &q).await.unwrap()),
        vec![a]
    );
}

/// Random sequences of the team's actions on one case: the stored state always equals
/// the domain model's, each accepted change adds exactly one audit event, each refusal none.
async fn random_actions_write_one_audit_event_per_change(kind: Kind) {
    let d = Desk::new(kind).await;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for round in 0..3 {
        let id = d.report(10 + round, "A report for the random walk").await;
        let mut model = CaseState::Acknowledged; // the demo policy acknowledges automatically
        for _ in 0..30 {
            let before = d.audit_count().await;
            let choice = next(9);
            let result = match choice {
                0 => triage::decide(
                    &d.t.db,
                    &d.cfg,
                    &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), id).await,
                    &Decision {
                        verdict: Verdict::Accept,
                        answers: Desk::answers(true),
                        note: String::new(),
                    },
                )
                .await
                .map(|s| (Action::Accept, s)),
                1 => triage::decide(
                    &d.t.db,
                    &d.cfg,
                    &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), id).await,
                    &Decision {
                        verdict: Verdict::Reject(RejectReason::OutOfScope),
                        answers: Desk::answers(false),
                        note: "out of scope".into(),
                    },
                )
                .await
                .map(|s| (Action::Reject, s)),
                2 => triage::decide(
                    &d.t.db,
                    &d.cfg,
                    &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), id).await,
                    &Decision {
                        verdict: Verdict::Spam,
                        answers: vec![],
                        note: String::new(),
                    },
                )
                .await
                .map(|s| (Action::MarkSpam, s)),
                3 => triage::decide(
                    &d.t.db,
                    &d.cfg,
                    &crate::support::case_for(&d.t.db, &actor(), Some(d.lead), id).await,
                    &Decision {
                        verdict: Verdict::PublicFix,
                        answers: Desk::answers(true),
                        note: String::new(),
                    },
                )
                .await
                .map(|s| (Action::PublicFix, s)),
                4 => triage::act(
                    &d.t.db,
                    &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
                    Action::StartFix,
                    "",
                )
                .await
                .map(|s| (Action::StartFix, s)),
                5 => triage::act(
                    &d.t.db,
                    &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
                    Action::Close,
                    "",
                )
                .await
                .map(|s| (Action::Close, s)),
                6 => triage::act(
                    &d.t.db,
                    &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
                    Action::Reopen,
                    "",
                )
                .await
                .map(|s| (Action::Reopen, s)),
                7 => triage::act(
                    &d.t.db,
                    &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
                    Action::Unschedule,
                    "",
                )
                .await
                .map(|s| (Action::Unschedule, s)),
                _ => triage::set_severity(
                    &d.t.db,
                    &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
                    &SeverityInput {
                        level: Some("High".into()),
                        ..Default::default()
                    },
                )
                .await
                .map(|()| (Action::Reopen, model)),
            };
            let after = d.audit_count().await;
            match result {
                Ok((action, state)) => {
                    if choice < 8 {
                        let want = model
                            .apply(action)
                            .expect("the service allowed what the model refuses");
                        assert_eq!(state, want);
                        model = want;
                    }
                    assert_eq!(after, before + 1, "one audit event per change");
                }
                Err(e) => {
                    assert!(matches!(e, ServiceError::Conflict(_)), "{e}");
                    assert_eq!(after, before, "a refusal writes no audit event");
                }
            }
            assert_eq!(d.case(id).await.state, model);
        }
    }
}

async fn the_cli_lists_decides_and_steps(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d.report(1, "Open redirect in the login form").await;
    let cli = |args: &[&str]| run_cli(&d.t.url_text, d.t.dir.path(), args, None);
    let (code, out, err) = cli(&["case", "list", "--project", "demo"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{a}\tacknowledged")), "{out}");
    let (code, _, err) = cli(&[
        "case",
        "decide",
        &a.to_string(),
        "--verdict",
        "accept",
        "--check",
        "untrusted-input=met",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("missing: not-documented"), "{err}");
    let (code, _, err) = cli(&[
        "case",
        "decide",
        &a.to_string(),
        "--verdict",
        "accept",
        "--check",
        "untrusted-input=maybe",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("must be met or not-met"), "{err}");
    let (code, out, err) = cli(&[
        "case",
        "decide",
        &a.to_string(),
        "--verdict",
        "accept",
        "--check",
        "untrusted-input=met:any visitor",
        "--check",
        "not-documented=met",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is now accepted"), "{out}");
    let (code, _, err) = cli(&[
        "case",
        "severity",
        &a.to_string(),
        "--cvss3",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        "--cwe",
        "CWE-601",
    ]);
    assert_eq!(code, 0, "{err}");
    // #19 item 6: an option not given leaves its field; an empty one clears it.
    let (code, _, err) = cli(&["case", "severity", &a.to_string(), "--level", "Moderate"]);
    assert_eq!(code, 0, "{err}");
    let case = d.case(a).await;
    assert_eq!(case.severity.as_deref(), Some("Moderate"));
    assert!(case.cvss3.is_some() && case.cwe == Some(601), "{case:?}");
    let (code, _, err) = cli(&["case", "severity", &a.to_string(), "--cvss3", ""]);
    assert_eq!(code, 0, "{err}");
    let case = d.case(a).await;
    assert_eq!((case.cvss3, case.cvss_score), (None, None));
    assert_eq!(case.cwe, Some(601));
    // #19 item 2: the team records the reporter's credit from the CLI.
    let (code, _, err) = cli(&["case", "credit", &a.to_string(), "--as", "R. One"]);
    assert_eq!(code, 0, "{err}");
    let case = d.case(a).await;
    assert!(case.wants_credit && case.credit_as.as_deref() == Some("R. One"));
    let (code, _, err) = cli(&["case", "credit", &a.to_string(), "--none"]);
    assert_eq!(code, 0, "{err}");
    assert!(!d.case(a).await.wants_credit);
    let (code, out, err) = cli(&["case", "step", &a.to_string(), "start-fix"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is now fixing"));
    let (code, out, _) = cli(&["case", "show", &a.to_string()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("state: fixing") && out.contains("cwe: CWE-601"),
        "{out}"
    );
    let (code, _, err) = cli(&["case", "step", &a.to_string(), "publish"]);
    assert_ne!(code, 0);
    assert!(err.contains("disclosure schedule"), "{err}");
}

async fn strikes_ban_at_the_threshold_and_an_admin_lifts_it(kind: Kind) {
    let d = Desk::new(kind).await;
    // CPython's policy bans after 3 strikes. A reporter who keeps sending severity scores.
    let report = |n: usize| {
        let mail = format!(
            "From: noisy@example.net\r\nTo: security@python.org\r\nSubject: Issue {n}\r\nMessage-ID: <noisy-{n}@example.net>\r\n\r\nTested on 3.12: crash in the tokenizer, report {n}.\r\n"
        );
        let db = d.t.db.clone();
        let cfg = d.cfg.clone();
        async move {
            ingest::ingest(&db, &cfg, None, mail.as_bytes(), None)
                .await
                .unwrap()
        }
    };
    let mut cases = Vec::new();
    for n in 0..3 {
        match report(n).await {
            ingest::Outcome::NewCase(id) => cases.push(id),
            other => panic!("{other:?}"),
        }
    }
    let err = service::conduct::strike(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, cases[0]).await,
        "  ",
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("say what the reporter did"),
        "{err}"
    );
    let mut outcomes = Vec::new();
    for (i, id) in cases.iter().enumerate() {
        let before = d.audit_count().await;
        let out = service::conduct::strike(
            &d.t.db,
            &crate::support::case_for(&d.t.db, &actor(), None::<i64>, *id).await,
            &format!("ignored the policy, time {i}"),
        )
        .await
        .unwrap();
        let events = d.audit_count().await - before;
        assert_eq!(
            events,
            if out.banned { 2 } else { 1 },
            "a strike, and a ban at the threshold, are audited"
        );
        outcomes.push((out.strikes, out.banned));
    }
    assert_eq!(outcomes, vec![(1, false), (2, false), (3, true)]);
    // Banned: the next mail is refused and the refusal recorded.
    let refused_before =
        d.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.refused_banned'")
            .await;
    let out = report(9).await;
    assert!(!matches!(out, ingest::Outcome::NewCase(_)), "{out:?}");
    assert_eq!(
        d.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.refused_banned'")
            .await,
        refused_before + 1
    );
    let project = service::projects::find(&d.t.db, "cpython").await.unwrap();
    assert_eq!(
        service::conduct::bans(
            &d.t.db,
            &crate::support::project_for(
                &d.t.db,
                &embargo::domain::actor::Actor::Cli,
                None::<i64>,
                &project.slug
            )
            .await
        )
        .await
        .unwrap()
        .len(),
        1
    );
    // Only an administrator (or the operator) lifts it, not a team member; then reports
    // are taken in again and counting restarts.
    let err = service::conduct::lift_ban(
        &d.t.db,
        &crate::support::project_for(&d.t.db, &actor(), Some(d.other), &project.slug).await,
        "noisy@example.net",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)));
    service::conduct::lift_ban(
        &d.t.db,
        &crate::support::project_for(&d.t.db, &actor(), None::<i64>, &project.slug).await,
        "NOISY@example.net",
    )
    .await
    .unwrap();
    assert!(
        service::conduct::bans(
            &d.t.db,
            &crate::support::project_for(
                &d.t.db,
                &embargo::domain::actor::Actor::Cli,
                None::<i64>,
                &project.slug
            )
            .await
        )
        .await
        .unwrap()
        .is_empty()
    );
    let id = match report(10).await {
        ingest::Outcome::NewCase(id) => id,
        other => panic!("{other:?}"),
    };
    let out = service::conduct::strike(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, id).await,
        "again",
    )
    .await
    .unwrap();
    assert_eq!((out.strikes, out.banned), (1, false));
}

async fn affected_versions_are_assessed_against_the_support_policy(kind: Kind) {
    let d = Desk::new(kind).await;
    let a = d.report(1, "Crash in the config loader").await;
    let before = d.audit_count().await;
    let err = triage::set_affected(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "2.0.0..2.1.3\n2.0.0.1",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 2 (`2.0.0.1`)"), "{err}");
    // The error names the forms that are accepted (#19 item 8).
    assert!(err.to_string().contains("`^1.2.0`"), "{err}");
    assert_eq!(d.audit_count().await, before);

    // Released series: the supported ones are listed, with the fix inside each.
    let view = triage::set_affected(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "2.0.0..2.1.3",
    )
    .await
    .unwrap();
    let assessment = view.assessment.unwrap();
    let series: Vec<(String, Option<String>)> = assessment
        .supported
        .iter()
        .map(|s| (s.series.clone(), s.fixed_in.clone()))
        .collect();
    assert!(
        series.contains(&("2.1".into(), Some("2.1.3".into()))),
        "{series:?}"
    );
    assert!(series.contains(&("2.0".into(), None)), "{series:?}");
    assert!(!assessment.public_fix);
    assert_eq!(d.case(a).await.affected.as_deref(), Some("2.0.0..2.1.3"));
    assert_eq!(d.audit_count().await, before + 1);

    // Only a prerelease of the development series: the policy's public-fix path.
    let view = triage::set_affected(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "3.0.0-alpha.1..",
    )
    .await
    .unwrap();
    let assessment = view.assessment.unwrap();
    assert!(assessment.public_fix, "{assessment:?}");
    assert!(assessment.supported.iter().all(|s| s.series != "2.1"));
    // Cleared.
    let view = triage::set_affected(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "  \n",
    )
    .await
    .unwrap();
    assert!(view.assessment.is_none());
    assert_eq!(d.case(a).await.affected, None);
}

async fn reminders_go_out_before_and_after_a_clock_no_more_often_than_the_policy_says(kind: Kind) {
    let d = Desk::new(kind).await;
    // A second member of the demo team.
    service::accounts::create(
        &d.t.db,
        &actor(),
        service::accounts::NewUser {
            email: "second@example.org".parse().unwrap(),
            display_name: "Second".into(),
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
        &d.t.db,
        &actor(),
        &"demo".parse().unwrap(),
        &"second@example.org".parse().unwrap(),
        "team".parse().unwrap(),
    )
    .await
    .unwrap();
    let a = d.report(1, "Reminder test").await;
    let case = d.case(a).await;
    let due = case.decide_due_at.unwrap(); // the demo policy: decide within 7 days
    let count = |addr: &'static str| {
        let t = &d.t;
        async move {
            t.scalar(&format!("SELECT COUNT(*) FROM outbox WHERE purpose = 'reminder' AND recipients LIKE '%{addr}%'")).await
        }
    };
    let sweep = |at: i64| {
        let db = d.t.db.clone();
        let cfg = d.cfg.clone();
        async move { service::reminders::sweep(&db, &cfg, at).await.unwrap() }
    };
    assert_eq!(
        sweep(due - 3 * 86_400).await,
        0,
        "three days ahead: nothing yet"
    );
    assert_eq!(
        sweep(due - 3_600).await,
        1,
        "within the day before: a reminder"
    );
    assert_eq!(
        (
            count("lead@example.org").await,
            count("second@example.org").await
        ),
        (1, 1),
        "no assignee: the whole team"
    );
    let mail = d.mails_to("second@example.org").await.join("\n");
    assert!(mail.contains("the triage decision is due"), "{mail}");
    assert!(
        !mail.contains("Reminder test"),
        "no case text in reminders: {mail}"
    );
    assert_eq!(
        sweep(due + 60).await,
        0,
        "overdue, but reminded less than a day ago"
    );
    triage::assign(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        Some(d.lead),
    )
    .await
    .unwrap();
    assert_eq!(
        sweep(due + 86_400).await,
        1,
        "a day later: the overdue reminder"
    );
    assert_eq!(
        (
            count("lead@example.org").await,
            count("second@example.org").await
        ),
        (2, 1),
        "assigned: only the assignee"
    );
    assert!(
        d.mails_to("lead@example.org")
            .await
            .join("\n")
            .contains("is overdue")
    );
    assert_eq!(
        d.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.reminder_sent'")
            .await,
        2
    );
    // Decided: the decide clock stops; no more reminders.
    triage::decide(
        &d.t.db,
        &d.cfg,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        &Decision {
            verdict: Verdict::Reject(RejectReason::OutOfScope),
            answers: Desk::answers(false),
            note: "out of scope".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(sweep(due + 5 * 86_400).await, 0);
}

async fn the_upstream_track_prompts_the_policy_remedy_after_the_deadline(kind: Kind) {
    let d = Desk::new(kind).await;
    let src = std::fs::read_to_string(format!(
        "{}/examples/policies/pylons.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    service::projects::create_from_policy(&d.t.db, &actor(), &src)
        .await
        .unwrap();
    let pylons = service::projects::find(&d.t.db, "pylons").await.unwrap();
    let addr = service::projects::policy_of(&pylons)
        .unwrap()
        .unwrap()
        .contact
        .addresses[0]
        .to_string();
    let mail = format!(
        "From: r@example.net\r\nTo: {addr}\r\nSubject: XSS via the template library\r\nMessage-ID: <up-1@example.net>\r\n\r\nThe bundled template library does not escape attributes.\r\n"
    );
    let a = match ingest::ingest(&d.t.db, &d.cfg, None, mail.as_bytes(), None)
        .await
        .unwrap()
    {
        ingest::Outcome::NewCase(id) => id,
        other => panic!("{other:?}"),
    };
    let err = service::upstream::record(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "contacted",
        "mailed them",
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("mark the case as an upstream"),
        "{err}"
    );
    service::upstream::set(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "templib",
        "maintainer@templib.example",
    )
    .await
    .unwrap();
    service::upstream::record(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "contacted",
        "mailed the maintainer",
    )
    .await
    .unwrap();
    let now = store::now();
    let track = service::upstream::track(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &embargo::domain::actor::Actor::Cli, None::<i64>, a)
            .await,
        now,
    )
    .await
    .unwrap();
    let deadline = track.facts.upstream_deadline_at.unwrap();
    assert_eq!(
        deadline - track.facts.upstream_contacted_at.unwrap(),
        30 * 86_400,
        "Pylons waits 30 days"
    );
    assert!(track.prompt.is_none());
    service::upstream::record(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "answer",
        "they are looking at it",
    )
    .await
    .unwrap();
    // Past the deadline without a release: the policy's remedies, in order.
    let track = service::upstream::track(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &embargo::domain::actor::Actor::Cli, None::<i64>, a)
            .await,
        deadline + 1,
    )
    .await
    .unwrap();
    assert_eq!(
        track.prompt,
        Some(vec![
            "workaround-docs".to_owned(),
            "patched-version".to_owned()
        ])
    );
    assert_eq!(
        track
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["contacted", "answer"]
    );
    // The team is told by mail when the wait passes (#19 item 11), with the policy's remedies.
    service::projects::add_member(
        &d.t.db,
        &actor(),
        &"pylons".parse().unwrap(),
        &"lead@example.org".parse().unwrap(),
        "team".parse().unwrap(),
    )
    .await
    .unwrap();
    let upstream_reminders = || async {
        d.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'case.reminder_sent' AND details LIKE '%\"clock\":\"upstream\"%'")
            .await
    };
    service::reminders::sweep(&d.t.db, &d.cfg, deadline + 1)
        .await
        .unwrap();
    assert_eq!(upstream_reminders().await, 1);
    let mail = d.mails_to("lead@example.org").await.join("\n");
    assert!(
        mail.contains("wait ended") && mail.contains("workaround-docs, then patched-version"),
        "{mail}"
    );
    // Upstream releases: no more prompt.
    service::upstream::record(
        &d.t.db,
        &crate::support::case_for(&d.t.db, &actor(), None::<i64>, a).await,
        "released",
        "templib 4.2.1",
    )
    .await
    .unwrap();
    assert!(
        service::upstream::track(
            &d.t.db,
            &crate::support::case_for(&d.t.db, &embargo::domain::actor::Actor::Cli, None::<i64>, a)
                .await,
            deadline + 1
        )
        .await
        .unwrap()
        .prompt
        .is_none()
    );
    assert_eq!(
        d.t.scalar("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'case.upstream_%'")
            .await,
        4
    );
    // Released: no more reminders of the upstream wait.
    service::reminders::sweep(&d.t.db, &d.cfg, deadline + 3 * 86_400)
        .await
        .unwrap();
    assert_eq!(upstream_reminders().await, 1);
}
