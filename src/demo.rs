//! `embargo serve --demo`: on an instance with no accounts, create a demo
//! project and an administrator with a random password, so a newcomer sees
//! a working instance at once. On an instance that has accounts it changes nothing.
//!
//! The demo project shows the whole flow: two published advisories in its public
//! archive (with their OSV, CVE JSON 5 and CSAF exports), and cases in the earlier
//! states for the team to look at — a new report, an accepted case, a case being
//! fixed with a patch awaiting review, a case scheduled for disclosure, a rejected
//! report. Everything goes through the same services as real work, so the audit
//! trail records it (as the system) and the outbox holds the mail it would send.

use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::password::NewPassword;
use crate::domain::role::ProjectRole;
use crate::service::{self, ServiceError, accounts::NewUser};
use crate::store::{self, Db};

/// The demo administrator's address.
pub const DEMO_EMAIL: &str = "admin@demo.example";
/// The demo project's slug.
pub const DEMO_SLUG: &str = "demo";
/// The demo project's policy (examples/policies/demo.toml).
const DEMO_POLICY: &str = include_str!("../examples/policies/demo.toml");

/// What `--demo` found or made.
#[derive(Debug)]
pub enum DemoState {
    /// Created now; the password is shown once.
    Created {
        /// The administrator's password.
        password: String,
    },
    /// The instance already had accounts; nothing was changed.
    Existing,
}

/// Create the demo data if the instance has no accounts.
pub async fn ensure(db: &Db, cfg: &Config) -> Result<DemoState, ServiceError> {
    let has_users = {
        let mut c = db.acquire().await?;
        store::users::any(c.conn()).await?
    };
    if has_users {
        return Ok(DemoState::Existing);
    }
    let password = crate::auth::secret::random_token(15);
    let actor = Actor::System;
    let email: crate::domain::email::EmailAddress = DEMO_EMAIL
        .parse()
        .map_err(|e| ServiceError::Internal(format!("{e}")))?;
    let slug: crate::domain::slug::ProjectSlug = DEMO_SLUG
        .parse()
        .map_err(|e| ServiceError::Internal(format!("{e}")))?;
    let admin = service::accounts::create(
        db,
        &actor,
        NewUser {
            email: email.clone(),
            display_name: "Demo Administrator".into(),
            password: NewPassword::new(password.clone())
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            is_admin: true,
        },
    )
    .await?;
    let created = service::projects::create_from_policy(db, &actor, DEMO_POLICY).await?;
    if created.slug != slug.as_str() {
        return Err(ServiceError::Internal(
            "the demo policy names another project".into(),
        ));
    }
    service::projects::add_member(db, &actor, &slug, &email, ProjectRole::Team).await?;
    let reviewer = demo_member(db, &slug, MAINTAINER_EMAIL, "Demo Maintainer").await?;
    populate(db, cfg, admin.id, reviewer).await?;
    Ok(DemoState::Created { password })
}

/// The demo maintainer (a second team member: patches need a reviewer other than their author).
pub const MAINTAINER_EMAIL: &str = "maintainer@demo.example";

async fn demo_member(
    db: &Db,
    slug: &crate::domain::slug::ProjectSlug,
    email: &str,
    name: &str,
) -> Result<i64, ServiceError> {
    let address: crate::domain::email::EmailAddress = email
        .parse()
        .map_err(|e| ServiceError::Internal(format!("{e}")))?;
    let user = service::accounts::create(
        db,
        &Actor::System,
        NewUser {
            email: address.clone(),
            display_name: name.into(),
            password: NewPassword::new(crate::auth::secret::random_token(15))
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            is_admin: false,
        },
    )
    .await?;
    service::projects::add_member(db, &Actor::System, slug, &address, ProjectRole::Team).await?;
    Ok(user.id)
}

/// One demo case: what it says and how far it has gone.
struct Sample {
    summary: &'static str,
    details: &'static str,
    reporter: &'static str,
    credit_as: &'static str,
    stage: Stage,
    level: &'static str,
    cvss3: &'static str,
    cwe: &'static str,
    affected: &'static str,
    fixed: &'static str,
    diff: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Received,
    Rejected,
    Accepted,
    Fixing,
    Scheduled,
    Published,
}

const SAMPLES: &[Sample] = &[
    Sample {
        summary: "Stored cross-site scripting in the comment preview",
        details: "The preview endpoint renders comment Markdown without escaping raw HTML, so a comment containing <script> runs in every reader's session.",
        reporter: "Ada Lovelace <ada@reporter.example>",
        credit_as: "Ada Lovelace",
        stage: Stage::Published,
        level: "Moderate",
        cvss3: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        cwe: "CWE-79",
        affected: "2.0.0..2.0.4\n2.1.0..2.1.1",
        fixed: "2.0.4\n2.1.1",
        diff: "--- a/src/preview.js\n+++ b/src/preview.js\n@@ -1,3 +1,3 @@\n export function preview(md) {\n-  return render(md, { html: true });\n+  return render(md, { html: false });\n }\n",
    },
    Sample {
        summary: "SQL injection in the search filter",
        details: "The `order` parameter of /search is concatenated into the ORDER BY clause; `order=name;DROP TABLE users` runs.",
        reporter: "Grace Hopper <grace@reporter.example>",
        credit_as: "",
        stage: Stage::Published,
        level: "High",
        cvss3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
        cwe: "CWE-89",
        affected: "1.4.0..1.4.9\n2.0.0..2.0.4\n2.1.0..2.1.1",
        fixed: "1.4.9\n2.0.4\n2.1.1",
        diff: "--- a/src/search.js\n+++ b/src/search.js\n@@ -1,3 +1,3 @@\n export function orderBy(q) {\n-  return `ORDER BY ${q.order}`;\n+  return `ORDER BY ${column(q.order)}`;\n }\n",
    },
    Sample {
        summary: "Path traversal in the static file handler",
        details: "GET /static/..%2f..%2fetc/passwd returns files outside the static directory on Windows deployments.",
        reporter: "Alan Turing <alan@reporter.example>",
        credit_as: "Alan Turing",
        stage: Stage::Scheduled,
        level: "High",
        cvss3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        cwe: "CWE-22",
        affected: "2.1.0..2.1.3",
        fixed: "2.1.3",
        diff: "--- a/src/static.js\n+++ b/src/static.js\n@@ -1,3 +1,3 @@\n export function resolve(root, p) {\n-  return path.join(root, decodeURIComponent(p));\n+  return within(root, path.join(root, decodeURIComponent(p)));\n }\n",
    },
    Sample {
        summary: "Session fixation after password reset",
        details: "The session id is not rotated when a password reset link is used, so an attacker who planted a session id keeps access.",
        reporter: "Barbara Liskov <barbara@reporter.example>",
        credit_as: "",
        stage: Stage::Fixing,
        level: "Moderate",
        cvss3: "",
        cwe: "CWE-384",
        affected: "2.0.0..",
        fixed: "",
        diff: "--- a/src/reset.js\n+++ b/src/reset.js\n@@ -1,3 +1,4 @@\n export function reset(req) {\n+  req.session.regenerate();\n   setPassword(req.user, req.body.password);\n }\n",
    },
    Sample {
        summary: "Open redirect in the login `next` parameter",
        details: "/login?next=//evil.example sends the user to another site after signing in.",
        reporter: "Edsger Dijkstra <edsger@reporter.example>",
        credit_as: "",
        stage: Stage::Accepted,
        level: "Low",
        cvss3: "",
        cwe: "CWE-601",
        affected: "",
        fixed: "",
        diff: "",
    },
    Sample {
        summary: "Denial of service with deeply nested JSON",
        details: "A request body of 100,000 nested arrays exhausts the stack of the JSON parser and the worker restarts.",
        reporter: "Donald Knuth <don@reporter.example>",
        credit_as: "",
        stage: Stage::Received,
        level: "",
        cvss3: "",
        cwe: "",
        affected: "",
        fixed: "",
        diff: "",
    },
    Sample {
        summary: "The admin page shows the version number",
        details: "The footer of /admin shows the exact version, which helps attackers.",
        reporter: "Scanner Bot <bot@scanner.example>",
        credit_as: "",
        stage: Stage::Rejected,
        level: "",
        cvss3: "",
        cwe: "",
        affected: "",
        fixed: "",
        diff: "",
    },
];

/// The demo's cases, each taken as far as its stage through the real services.
async fn populate(db: &Db, cfg: &Config, lead: i64, reviewer: i64) -> Result<(), ServiceError> {
    use crate::domain::case::Action;
    use crate::service::triage::{self, Decision, ThreatAnswer, Verdict};
    let project = service::projects::find(db, DEMO_SLUG).await?;
    let policy = service::projects::policy_of(&project)?
        .ok_or_else(|| ServiceError::Internal("the demo project has no policy".into()))?;
    let team = service::Caller::Member {
        id: lead,
        email: DEMO_EMAIL.into(),
        admin: true,
    };
    let second = service::Caller::Member {
        id: reviewer,
        email: MAINTAINER_EMAIL.into(),
        admin: false,
    };
    let answers: Vec<ThreatAnswer> = policy
        .threat_model
        .checks
        .iter()
        .map(|c| ThreatAnswer {
            id: c.id.clone(),
            met: true,
            note: "Checked while reproducing.".into(),
        })
        .collect();
    for (n, s) in SAMPLES.iter().enumerate() {
        let (name, address) = s
            .reporter
            .split_once(" <")
            .map(|(n, a)| (n, a.trim_end_matches('>')))
            .unwrap_or(("", s.reporter));
        let report = crate::domain::report::NewReport {
            summary: s.summary.into(),
            details: s.details.into(),
            versions_tested: "2.1.0 (vulnerable), 2.0.3 (vulnerable)".into(),
            proof_of_concept: String::new(),
            patch: String::new(),
            severity: String::new(),
            wants_credit: !s.credit_as.is_empty(),
            credit_as: s.credit_as.into(),
            email: address.into(),
            public_key: String::new(),
            files: Vec::new(),
            client_parts: Vec::new(),
        };
        let submitted = service::cases::submit(
            db,
            cfg,
            None,
            &project,
            &policy,
            &report,
            service::cases::Source::Mail {
                message_id: None,
                from_name: Some(name.to_owned()),
                bound: true,
                signature: None,
                key_note: None,
            },
        )
        .await
        .map_err(|e| ServiceError::Internal(format!("demo report {}: {e}", n + 1)))?;
        let id = submitted.case_id;
        let case = service::access::open(db, &team, id).await?;
        match s.stage {
            Stage::Received => continue,
            Stage::Rejected => {
                triage::decide(
                    db,
                    cfg,
                    &case,
                    &Decision {
                        verdict: Verdict::Reject(triage::RejectReason::NotVulnerability),
                        answers: answers
                            .iter()
                            .map(|a| ThreatAnswer {
                                met: false,
                                note: "Version numbers are public in the release notes.".into(),
                                ..a.clone()
                            })
                            .collect(),
                        note: "Showing the version is documented behaviour and not a vulnerability; you are welcome to open a public issue.".into(),
                    },
                )
                .await?;
                continue;
            }
            _ => {}
        }
        triage::decide(
            db,
            cfg,
            &case,
            &Decision {
                verdict: Verdict::Accept,
                answers: answers.clone(),
                note: "Confirmed; we are fixing this under embargo.".into(),
            },
        )
        .await?;
        triage::set_severity(
            db,
            &case,
            &triage::SeverityInput {
                level: Some(s.level.into()),
                cvss3: Some(s.cvss3.into()),
                cvss4: None,
                cwe: Some(s.cwe.into()),
            },
        )
        .await?;
        if !s.affected.is_empty() {
            triage::set_affected(db, &case, s.affected).await?;
        }
        if s.stage < Stage::Fixing {
            continue;
        }
        triage::act(db, &case, Action::StartFix, "").await?;
        let patch = service::fixes::attach(
            db,
            &case,
            &service::fixes::NewPatch {
                branch: "main".into(),
                title: format!("Fix: {}", s.summary),
                diff: s.diff.to_owned(),
            },
        )
        .await?
        .id;
        if s.stage < Stage::Scheduled {
            continue;
        }
        service::fixes::review(
            db,
            &service::access::open(db, &second, id).await?,
            patch,
            "approved",
            "Reviewed; covers every entry point.",
        )
        .await?;
        service::advisories::save_draft(
            db,
            &case,
            &crate::store::advisories::Draft {
                title: s.summary.into(),
                summary: s.details.split(". ").next().unwrap_or(s.details).into(),
                description: s.details.into(),
                remedy: format!(
                    "Upgrade to {}.",
                    s.fixed.lines().collect::<Vec<_>>().join(" or ")
                ),
                workarounds: String::new(),
                fixed: s.fixed.to_owned(),
                refs: format!("https://example.org/demo-project/commit/{:040x}", n + 1),
            },
        )
        .await?;
        let at = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(24 * 10))
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .to_zoned(jiff::tz::TimeZone::UTC);
        service::disclosure::schedule(
            db,
            cfg,
            &case,
            &service::disclosure::ScheduleInput {
                date: at.strftime("%Y-%m-%d").to_string(),
                time: "14:00".into(),
                zone: "Europe/Amsterdam".into(),
                exploited: String::new(),
                auto_publish: false,
            },
        )
        .await?;
        if s.stage == Stage::Published {
            service::disclosure::publish_now(
                db,
                cfg,
                &case,
                Some("demo data: an advisory published from the start"),
            )
            .await?;
        }
    }
    Ok(())
}

/// Print how to sign in.
pub fn announce(state: &DemoState, cfg: &Config) {
    let login = cfg.link("/team/login");
    match state {
        DemoState::Created { password } => {
            println!("Demo instance ready (data in {}).", cfg.data_dir.display());
            println!("  Sign in at: {login}");
            println!("  E-mail:     {DEMO_EMAIL}");
            println!("  Password:   {password}");
            println!(
                "  Public page of the demo project: {}",
                cfg.link(&format!("/p/{DEMO_SLUG}/"))
            );
        }
        DemoState::Existing => {
            println!(
                "Demo data already present in {}; sign in at {login} as {DEMO_EMAIL}",
                cfg.data_dir.display()
            );
            println!(
                "  (forgot the password? `cargo run -- user set-password --email {DEMO_EMAIL}` prints a new one)"
            );
        }
    }
}
