//! The access matrix: every team page, team form and API route, requested by each
//! role — anonymous, the reporter of another case, a collaborator on another case, a
//! team member of another project, a team member, an administrator — answers exactly
//! what that role may get, and no response to anyone not entitled carries the case's
//! embargoed text or its reporter's address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::on_both_backends;
use crate::support::{Kind, TestApp};
use embargo::domain::actor::Actor;
use embargo::service::{self, ingest};
use reqwest::StatusCode;
use reqwest::multipart::Form;

const PW: &str = "correct horse battery staple";
/// Team forms the entitled roles do not submit here: changes of state, outbound mail and
/// refusals that depend on the case's state are covered by their own tests.
const ENTITLED_SKIP: &[&str] = &[
    "/decide",
    "/step",
    "/reply",
    "/guests",
    "/strike",
    "/patches",
    "/review",
    "/freeze",
    "/lift",
    "/schedule",
    "/publish",
    "/cve",
    "/revoke",
    "/reporter/confirm",
    "/remove",
    "/spam",
    "/acknowledge",
];
const SECRET: &str = "SECRET-EMBARGOED-DETAIL-7f3a";
const REPORTER: &str = "secret-reporter@example.net";

on_both_backends!(
    every_route_answers_each_role_as_it_may,
    the_one_door_opens_a_case_only_to_its_team
);

/// `service::access::open` — the only way to a `CaseRef`, which every use case on a case
/// takes — opens a case to its project's team, administrators, the operator and Embargo
/// itself, and answers everyone else exactly as for a case that does not exist;
/// `open_project` (the `ProjectRef` of a project's team work) follows the same rule.
async fn the_one_door_opens_a_case_only_to_its_team(kind: Kind) {
    use embargo::service::{Caller, ServiceError, access};
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo", "cpython"]).await;
    let db = &app.state.db;
    let mail = format!(
        "From: {REPORTER}\r\nTo: security@demo.example\r\nSubject: Door {SECRET}\r\nMessage-ID: <door@example.net>\r\n\r\nDetails.\r\n"
    );
    let a = match ingest::ingest(db, &app.state.cfg, None, mail.as_bytes(), None)
        .await
        .unwrap()
    {
        ingest::Outcome::NewCase(id) => id,
        other => panic!("{other:?}"),
    };
    let member = |email: &str, project: Option<&'static str>, admin: bool| {
        let email = email.to_owned();
        let app = &app;
        async move {
            let user = app.user(&email, PW, admin).await;
            if let Some(p) = project {
                service::projects::add_member(
                    &app.state.db,
                    &Actor::Cli,
                    &p.parse().unwrap(),
                    &email.parse().unwrap(),
                    "team".parse().unwrap(),
                )
                .await
                .unwrap();
            }
            Caller::member(&user)
        }
    };
    let team = member("team@demo.example", Some("demo"), false).await;
    let other = member("team@cpython.example", Some("cpython"), false).await;
    let nobody = member("nobody@example.net", None, false).await;
    let admin = member("admin@example.net", None, true).await;
    for (who, caller) in [
        ("team member", &team),
        ("administrator", &admin),
        ("operator", &Caller::Operator),
        ("Embargo", &Caller::System),
    ] {
        let case = access::open(db, caller, a)
            .await
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        assert_eq!((case.id(), case.caller()), (a, caller), "{who}");
        assert_eq!(case.actor(), &caller.actor(), "{who}");
    }
    // The same rule for a project's team work (list, bans, freeze, CVE pool).
    for caller in [&team, &admin, &Caller::Operator, &Caller::System] {
        let p = access::open_project(db, caller, "demo").await.unwrap();
        assert_eq!((p.slug.as_str(), p.caller()), ("demo", caller));
    }
    assert!(
        !access::open_project(db, &team, "demo")
            .await
            .unwrap()
            .admin()
    );
    assert!(
        access::open_project(db, &admin, "demo")
            .await
            .unwrap()
            .admin()
    );
    for caller in [&other, &nobody, &Caller::Reporter { case_id: a }] {
        match access::open_project(db, caller, "demo").await {
            Err(ServiceError::NotFound(m)) => assert_eq!(m, "project `demo`"),
            r => panic!("{caller:?}: {r:?}"),
        }
    }
    match access::open_project(db, &team, "no-such-project").await {
        Err(ServiceError::NotFound(m)) => assert_eq!(m, "project `no-such-project`"),
        r => panic!("{r:?}"),
    }
    let missing = match access::open(db, &team, a + 1000).await {
        Err(ServiceError::NotFound(m)) => m,
        other => panic!("a missing case: {other:?}"),
    };
    for (who, caller) in [
        ("team of another project", other),
        ("account on no team", nobody),
        (
            "collaborator of this very case (their door is their link)",
            Caller::Guest {
                invitation: 1,
                case_id: a,
            },
        ),
        (
            "reporter of this very case (their door is their link)",
            Caller::Reporter { case_id: a },
        ),
    ] {
        match access::open(db, &caller, a).await {
            Err(ServiceError::NotFound(m)) => assert_eq!(
                m.replace(&a.to_string(), "N"),
                missing.replace(&(a + 1000).to_string(), "N"),
                "{who}: the same answer as for a missing case"
            ),
            other => panic!("{who}: {other:?}"),
        }
    }
}

/// Routes a case-or-project access rule does not govern, each with why: public
/// pages and capability links (tested in their own modules), signing in and the
/// member's own account.
const NOT_CASE_ROUTES: &[(&str, &str)] = &[
    ("/team", "redirects to /team/"),
    ("/team/login", "signing in (auth tests)"),
    ("/team/login/second-factor", "signing in (auth tests)"),
    ("/team/logout", "signing out (auth tests)"),
    ("/team/account", "the member's own account (auth tests)"),
    (
        "/team/account/two-factor/start",
        "the member's own account (auth tests)",
    ),
    (
        "/team/account/two-factor/qr.svg",
        "the member's own account (auth tests)",
    ),
    (
        "/team/account/two-factor/confirm",
        "the member's own account (auth tests)",
    ),
    (
        "/team/account/recovery-codes",
        "the member's own account (auth tests)",
    ),
    ("/api/v1/openapi.json", "the API's public description"),
    ("/api/v1/me", "the caller's own account"),
];

/// Every (method, pattern) of the router that an access rule on a case or a
/// project governs: the `/team/` pages and forms and the API, from the route
/// declarations themselves (`pages::ROUTES`, `api::ROUTES`).
fn inventory() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let methods = |handlers: &str| -> Vec<&'static str> {
        ["get", "post", "put", "delete"]
            .into_iter()
            .filter(|m| handlers.contains(&format!("{m}(")))
            .map(|m| match m {
                "get" => "GET",
                "post" => "POST",
                "put" => "PUT",
                _ => "DELETE",
            })
            .collect()
    };
    let pages = embargo::http::pages::ROUTES
        .iter()
        .filter(|(p, _)| p.starts_with("/team"))
        .map(|(p, h)| ((*p).to_owned(), *h));
    let api = embargo::http::api::ROUTES
        .iter()
        .map(|(p, h)| (format!("/api/v1{p}"), *h));
    for (pattern, handlers) in pages.chain(api) {
        if NOT_CASE_ROUTES.iter().any(|(p, _)| *p == pattern) {
            continue;
        }
        for m in methods(handlers) {
            out.push((m, pattern.clone()));
        }
    }
    out
}

/// The route pattern a concrete request path matches.
fn route_of(method: &str, path: &str) -> (String, String) {
    let path = path.split('?').next().unwrap_or_default();
    let patterns = embargo::http::pages::ROUTES
        .iter()
        .map(|(p, _)| (*p).to_owned())
        .chain(
            embargo::http::api::ROUTES
                .iter()
                .map(|(p, _)| format!("/api/v1{p}")),
        );
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for pattern in patterns {
        let ps: Vec<&str> = pattern.split('/').collect();
        if ps.len() != segments.len() {
            continue;
        }
        let literal = ps.iter().filter(|p| !p.starts_with('{')).count();
        let matches = ps
            .iter()
            .zip(&segments)
            .all(|(p, s)| p.starts_with('{') || p == s);
        if matches && best.as_ref().is_none_or(|(n, _)| literal > *n) {
            best = Some((literal, pattern));
        }
    }
    let (_, pattern) = best.unwrap_or_else(|| panic!("{path} matches no route"));
    (method.to_owned(), pattern)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Anonymous,
    OtherReporter,
    OtherGuest,
    OtherTeam,
    Team,
    Admin,
}

const ROLES: [Role; 6] = [
    Role::Anonymous,
    Role::OtherReporter,
    Role::OtherGuest,
    Role::OtherTeam,
    Role::Team,
    Role::Admin,
];

impl Role {
    fn entitled(self) -> bool {
        matches!(self, Role::Team | Role::Admin)
    }
    fn signed_in(self) -> bool {
        matches!(self, Role::OtherTeam | Role::Team | Role::Admin)
    }
}

struct Actor2 {
    role: Role,
    web: reqwest::Client,
    token: Option<String>,
}

async fn signed_in(
    app: &TestApp,
    email: &str,
    admin: bool,
    project: Option<&str>,
) -> (reqwest::Client, String) {
    app.user(email, PW, admin).await;
    if let Some(p) = project {
        service::projects::add_member(
            &app.state.db,
            &Actor::Cli,
            &p.parse().unwrap(),
            &email.parse().unwrap(),
            "team".parse().unwrap(),
        )
        .await
        .unwrap();
    }
    let client = app.client();
    assert_eq!(
        app.login(&client, email, PW).await.status(),
        StatusCode::SEE_OTHER
    );
    let token = service::tokens::create(
        &app.state.db,
        &Actor::Cli,
        &email.parse().unwrap(),
        "t",
        None,
    )
    .await
    .unwrap()
    .1;
    (client, token)
}

async fn every_route_answers_each_role_as_it_may(kind: Kind) {
    let mut exercised = std::collections::BTreeSet::new();
    let app = TestApp::spawn(kind).await;
    crate::support::add_example_projects(&app.state.db, &["demo", "cpython"]).await;
    // Case A: the one under test, with a team note. Case B: reported over the web by
    // "the reporter of another case", who holds B's private link.
    let mail = format!(
        "From: {REPORTER}\r\nTo: security@demo.example\r\nSubject: Heap overflow {SECRET}\r\nMessage-ID: <access-a@example.net>\r\n\r\nThe details: {SECRET}\r\n"
    );
    let a = match ingest::ingest(&app.state.db, &app.state.cfg, None, mail.as_bytes(), None)
        .await
        .unwrap()
    {
        ingest::Outcome::NewCase(id) => id,
        other => panic!("{other:?}"),
    };
    service::cases::team_note(
        &app.state.db,
        &crate::support::case_for(&app.state.db, &Actor::Cli, None::<i64>, a).await,
        &format!("note {SECRET}"),
    )
    .await
    .unwrap();
    let reporter = app.client();
    let csrf = app.csrf(&reporter, "/p/demo/report").await;
    let r = reporter
        .post(app.url("/p/demo/report"))
        .multipart(
            Form::new()
                .text("csrf_token", csrf)
                .text("summary", "Another issue")
                .text("details", "Other details")
                .text("versions_tested", "2.0"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let b_link = crate::support::location(&r);
    let b = app.scalar_case_by_summary("Another issue").await;

    let (team, team_token) = signed_in(&app, "lead@example.org", false, Some("demo")).await;
    let (other, other_token) = signed_in(&app, "other@example.org", false, Some("cpython")).await;
    let (admin, admin_token) = signed_in(&app, "admin@example.org", true, None).await;
    // A collaborator on case B.
    let (_, guest_link) = service::guests::invite(
        &app.state.db,
        &app.state.cfg,
        &crate::support::case_for(&app.state.db, &Actor::Cli, None::<i64>, b).await,
        &service::guests::Invitation {
            email: "guest@upstream.example".into(),
            name: "Guest".into(),
            role: "upstream".into(),
            note: String::new(),
            key: String::new(),
        },
    )
    .await
    .unwrap();
    let guest = app.client();
    let guest_path = guest_link
        .trim_start_matches("https://security.example.org")
        .to_owned();
    let guest_path = &guest_path[guest_path.find("/g/").unwrap()..];
    assert_eq!(
        guest
            .get(app.url(guest_path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        reporter
            .get(app.url(&b_link))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let actors = vec![
        Actor2 {
            role: Role::Anonymous,
            web: app.client(),
            token: None,
        },
        Actor2 {
            role: Role::OtherReporter,
            web: reporter,
            token: None,
        },
        Actor2 {
            role: Role::OtherGuest,
            web: guest,
            token: None,
        },
        Actor2 {
            role: Role::OtherTeam,
            web: other,
            token: Some(other_token),
        },
        Actor2 {
            role: Role::Team,
            web: team,
            token: Some(team_token),
        },
        Actor2 {
            role: Role::Admin,
            web: admin,
            token: Some(admin_token),
        },
    ];
    assert_eq!(actors.iter().map(|x| x.role).collect::<Vec<_>>(), ROLES);

    let mut checked = 0;
    for act in &actors {
        let role = act.role;
        // Each role's own CSRF token: from a page it can load.
        let csrf_page = if role.signed_in() {
            "/team/account"
        } else {
            "/team/login"
        };
        let csrf = app.csrf(&act.web, csrf_page).await;

        // Team pages (GET).
        for (path, want_entitled, contains_secret) in [
            (format!("/team/cases/{a}"), StatusCode::OK, true),
            ("/team/projects/demo".to_owned(), StatusCode::OK, true),
            ("/team/".to_owned(), StatusCode::OK, true),
            ("/team/?q=Heap".to_owned(), StatusCode::OK, true),
            (format!("/team/cvss?case={a}"), StatusCode::OK, false),
            (
                format!("/team/cases/{a}/patches/999.patch"),
                StatusCode::NOT_FOUND,
                false,
            ),
            ("/team/projects/demo/list".to_owned(), StatusCode::OK, false),
            // The confirmation page of a step the case cannot take: the reason, no button.
            (
                format!("/team/cases/{a}/disclosure/publish"),
                StatusCode::CONFLICT,
                false,
            ),
            (
                "/team/projects/demo/list/requests/999".to_owned(),
                StatusCode::NOT_FOUND,
                false,
            ),
        ] {
            exercised.insert(route_of("GET", &path));
            let r = act.web.get(app.url(&path)).send().await.unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            let want = match role {
                Role::Anonymous | Role::OtherReporter | Role::OtherGuest => StatusCode::SEE_OTHER,
                Role::OtherTeam
                    if path.starts_with("/team/cases")
                        || path.starts_with("/team/projects")
                        || path.contains("case=") =>
                {
                    StatusCode::NOT_FOUND
                }
                Role::OtherTeam => StatusCode::OK,
                _ => want_entitled,
            };
            assert_eq!(status, want, "{role:?} GET {path}");
            if role.entitled() && contains_secret && !path.starts_with("/team/projects") {
                assert!(
                    body.contains(SECRET) || body.contains(&format!("/team/cases/{a}")),
                    "{role:?} GET {path} lacks the case"
                );
            }
            if !role.entitled() {
                assert!(
                    !body.contains(SECRET) && !body.contains(REPORTER),
                    "{role:?} GET {path} leaks"
                );
            }
            checked += 1;
        }
        // The audit trail: administrators only.
        exercised.insert(route_of("GET", "/team/audit"));
        let r = act.web.get(app.url("/team/audit")).send().await.unwrap();
        let want = match role {
            Role::Admin => StatusCode::OK,
            Role::Team | Role::OtherTeam => StatusCode::FORBIDDEN,
            _ => StatusCode::SEE_OTHER,
        };
        assert_eq!(r.status(), want, "{role:?} GET /team/audit");
        checked += 1;

        // Team forms (POST with the role's own CSRF token). Run the entitled ones last-safe:
        // each is a harmless change (a note, a message, an assignment to nobody).
        for (path, fields) in team_forms(a) {
            if role.entitled() && ENTITLED_SKIP.iter().any(|end| path.ends_with(end)) {
                // Changes of state and outbound mail are covered by their own tests.
                continue;
            }
            exercised.insert(route_of("POST", &path));
            let mut form = vec![("csrf_token", csrf.as_str())];
            form.extend(fields.iter().copied());
            let r = act
                .web
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            let want = match role {
                Role::Anonymous | Role::OtherReporter | Role::OtherGuest => StatusCode::SEE_OTHER,
                Role::OtherTeam => StatusCode::NOT_FOUND,
                _ => StatusCode::SEE_OTHER,
            };
            assert_eq!(status, want, "{role:?} POST {path}: {body}");
            assert!(
                role.entitled() || !body.contains(SECRET),
                "{role:?} POST {path} leaks"
            );
            checked += 1;
        }

        // The API.
        for (method, path, body) in api_calls(a) {
            exercised.insert(route_of(method, &path));
            let client = reqwest::Client::new();
            let mut req = match method {
                "GET" => client.get(app.url(&path)),
                "PUT" => client.put(app.url(&path)),
                "DELETE" => client.delete(app.url(&path)),
                _ => client.post(app.url(&path)),
            };
            if let Some(t) = &act.token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            let want = match (role, method, path.as_str()) {
                (Role::Anonymous | Role::OtherReporter | Role::OtherGuest, _, _) => {
                    StatusCode::UNAUTHORIZED
                }
                (Role::OtherTeam, "GET", "/api/v1/cases") => StatusCode::OK,
                (_, "GET", p) if p.starts_with("/api/v1/cwe") => StatusCode::OK,
                (_, "GET", p) if p.starts_with("/api/v1/cvss") => StatusCode::OK,
                (_, "GET", "/api/v1/projects") => StatusCode::OK,
                (Role::OtherTeam, "GET", p) if p.starts_with("/api/v1/cases?") => StatusCode::OK,
                (Role::OtherTeam, _, _) => StatusCode::NOT_FOUND,
                (_, "GET", p) if p.ends_with("/list/requests/999") => StatusCode::NOT_FOUND,
                (_, "POST", p) if p.ends_with("/999/decision") => StatusCode::NOT_FOUND,
                (_, "DELETE", p) if p.ends_with("/guests/999") => StatusCode::NOT_FOUND,
                (_, "POST", p) if p.ends_with("/patches/999/reviews") => StatusCode::NOT_FOUND,
                (_, "POST", p) if p.ends_with("/list/members") => StatusCode::UNPROCESSABLE_ENTITY,
                (_, "POST", p) if p.ends_with("/members/revoke") => StatusCode::NOT_FOUND,
                (_, "PUT", p) if p.ends_with("/members/key") => StatusCode::UNPROCESSABLE_ENTITY,
                (_, "POST", p) if p.ends_with("/actions") => StatusCode::CONFLICT, // acknowledged → start-fix is refused
                (_, "POST", p) if p.ends_with("/decision") => StatusCode::UNPROCESSABLE_ENTITY,
                (_, "POST", p)
                    if p.ends_with("/guests")
                        || p.ends_with("/strikes")
                        || p.ends_with("/events") =>
                {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                (_, "PUT", p) if p.ends_with("/upstream") => StatusCode::UNPROCESSABLE_ENTITY,
                (_, "POST", p) if p.ends_with("/patches") => StatusCode::CONFLICT, // not accepted yet
                (_, "PUT", p) if p.ends_with("/freeze") => StatusCode::CONFLICT,   // not frozen
                (Role::Team, "POST", p) if p.ends_with("/lift") => StatusCode::FORBIDDEN,
                (Role::Admin, "POST", p) if p.ends_with("/lift") => StatusCode::NOT_FOUND, // no such ban
                (_, "PUT", p) if p.ends_with("/advisory") => StatusCode::UNPROCESSABLE_ENTITY, // no title
                (_, "POST", p) if p.ends_with("/schedule") => StatusCode::CONFLICT, // not accepted yet
                (_, "POST", p) if p.ends_with("/publish") => StatusCode::CONFLICT, // nothing to publish
                (_, "POST", p) if p.ends_with("/cve") => StatusCode::CONFLICT, // the pool is empty
                _ => StatusCode::OK,
            };
            assert_eq!(status, want, "{role:?} {method} {path}: {text}");
            let shows_case = path == format!("/api/v1/cases/{a}")
                || path.starts_with("/api/v1/cases?")
                || path == "/api/v1/cases";
            if role.entitled() && method == "GET" && shows_case {
                assert!(
                    text.contains(SECRET),
                    "{role:?} {method} {path} lacks the case"
                );
            }
            if !role.entitled() {
                assert!(
                    !text.contains(SECRET) && !text.contains(REPORTER),
                    "{role:?} {method} {path} leaks"
                );
            }
            checked += 1;
        }
    }
    // 9 team pages + the audit trail, 30 team forms, 41 API routes; the entitled roles
    // skip the forms in ENTITLED_SKIP (the list's decide form ends in /decide too).
    assert_eq!(
        checked,
        6 * (9 + 1 + 30 + 41) - 2 * (ENTITLED_SKIP.len() + 1),
        "every route was asked by every role"
    );
    // The route inventory: every team page, team form and API route the router has
    // was asked by all six roles above. A new route cannot ship without its row here.
    let mut missing = Vec::new();
    for (method, pattern) in inventory() {
        if !exercised.contains(&(method.to_owned(), pattern.clone())) {
            missing.push(format!("{method} {pattern}"));
        }
    }
    assert!(
        missing.is_empty(),
        "routes the access matrix does not ask as every role:\n{}",
        missing.join("\n")
    );
    // Nothing a non-entitled role sent changed the case.
    assert_eq!(
        app.db
            .scalar(&format!(
                "SELECT COUNT(*) FROM cases WHERE id = {a} AND state = 'acknowledged'"
            ))
            .await,
        1
    );
    assert_eq!(
        app.db
            .scalar("SELECT COUNT(*) FROM case_guests WHERE email = 'x@example.org'")
            .await,
        0
    );
}

/// The team forms the matrix submits, with harmless fields.
fn team_forms(a: i64) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (format!("/team/cases/{a}/note"), vec![("text", "a note")]),
        (
            format!("/team/cases/{a}/shared"),
            vec![("text", "to collaborators")],
        ),
        (format!("/team/cases/{a}/assign"), vec![("assignee", "")]),
        (format!("/team/cases/{a}/reporter/key"), vec![("key", "")]),
        (
            format!("/team/cases/{a}/reporter/credit"),
            vec![("credit", "no"), ("name", "")],
        ),
        (
            format!("/team/cases/{a}/reporter/view"),
            vec![("date", "yes"), ("cve", "yes"), ("credit", "yes")],
        ),
        (
            format!("/team/cases/{a}/severity"),
            vec![("level", ""), ("cvss3", ""), ("cvss4", ""), ("cwe", "")],
        ),
        (format!("/team/cases/{a}/step"), vec![("action", "close")]),
        (format!("/team/cases/{a}/decide"), vec![("verdict", "spam")]),
        (
            format!("/team/cases/{a}/guests"),
            vec![("name", "X"), ("email", "x@example.org"), ("role", "other")],
        ),
        (format!("/team/cases/{a}/reply"), vec![("text", "hello")]),
        (format!("/team/cases/{a}/strike"), vec![("reason", "x")]),
        (format!("/team/cases/{a}/affected"), vec![("text", "")]),
        (
            format!("/team/cases/{a}/patches"),
            vec![("branch", "2.1"), ("diff", "x")],
        ),
        (
            format!("/team/cases/{a}/patches/999/review"),
            vec![("verdict", "approved")],
        ),
        (
            format!("/team/cases/{a}/upstream"),
            vec![("name", "libx"), ("contact", "")],
        ),
        (
            format!("/team/cases/{a}/upstream/record"),
            vec![("kind", "answer"), ("body", "x")],
        ),
        (format!("/team/cases/{a}/branch"), vec![("url", "")]),
        (
            "/team/projects/demo/freeze".to_owned(),
            vec![("on", "false")],
        ),
        (
            "/team/projects/demo/bans/lift".to_owned(),
            vec![("email", "nobody@example.org")],
        ),
        (
            format!("/team/cases/{a}/advisory"),
            vec![
                ("title", "Draft title"),
                ("summary", ""),
                ("description", ""),
                ("remedy", ""),
                ("workarounds", ""),
                ("fixed", ""),
                ("refs", ""),
            ],
        ),
        (
            format!("/team/cases/{a}/schedule"),
            vec![("date", "2030-01-01"), ("time", "12:00"), ("zone", "UTC")],
        ),
        (format!("/team/cases/{a}/disclosure/publish"), vec![]),
        (format!("/team/cases/{a}/cve"), vec![]),
        (format!("/team/cases/{a}/reporter/confirm"), vec![]),
        (format!("/team/cases/{a}/guests/999/remove"), vec![]),
        (format!("/team/cases/{a}/spam"), vec![]),
        (
            format!("/team/cases/{a}/acknowledge"),
            vec![("text", "Thanks.")],
        ),
        (
            "/team/projects/demo/list/revoke".to_owned(),
            vec![("email", "nobody@example.org")],
        ),
        (
            "/team/projects/demo/list/requests/999/decide".to_owned(),
            vec![("verdict", "approve")],
        ),
    ]
}

/// The API calls the matrix makes.
fn api_calls(a: i64) -> Vec<(&'static str, String, Option<serde_json::Value>)> {
    vec![
        ("GET", format!("/api/v1/cases/{a}"), None),
        ("GET", "/api/v1/cases".to_owned(), None),
        ("GET", "/api/v1/cases?q=Heap".to_owned(), None),
        ("GET", "/api/v1/projects/demo".to_owned(), None),
        (
            "PUT",
            format!("/api/v1/cases/{a}/assignee"),
            Some(serde_json::json!({"user_id": null})),
        ),
        (
            "PUT",
            format!("/api/v1/cases/{a}/reporter-key"),
            Some(serde_json::json!({"key": null})),
        ),
        (
            "PUT",
            format!("/api/v1/cases/{a}/credit"),
            Some(serde_json::json!({"wanted": false})),
        ),
        (
            "PUT",
            format!("/api/v1/cases/{a}/severity"),
            Some(serde_json::json!({})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/actions"),
            Some(serde_json::json!({"action": "start-fix"})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/decision"),
            Some(serde_json::json!({"verdict": "bogus"})),
        ),
        ("GET", format!("/api/v1/cases/{a}/guests"), None),
        (
            "POST",
            format!("/api/v1/cases/{a}/guests"),
            Some(serde_json::json!({"email": "bad", "name": "", "role": "other"})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/strikes"),
            Some(serde_json::json!({"reason": ""})),
        ),
        (
            "PUT",
            format!("/api/v1/cases/{a}/affected"),
            Some(serde_json::json!({"text": ""})),
        ),
        ("GET", format!("/api/v1/cases/{a}/patches"), None),
        (
            "POST",
            format!("/api/v1/cases/{a}/patches"),
            Some(serde_json::json!({"branch": "2.1", "diff": "x"})),
        ),
        ("GET", format!("/api/v1/cases/{a}/upstream"), None),
        (
            "PUT",
            format!("/api/v1/cases/{a}/upstream"),
            Some(serde_json::json!({"name": ""})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/upstream/events"),
            Some(serde_json::json!({"kind": "bogus", "body": "x"})),
        ),
        (
            "PUT",
            "/api/v1/projects/demo/freeze".to_owned(),
            Some(serde_json::json!({"on": false})),
        ),
        ("GET", "/api/v1/projects/demo/bans".to_owned(), None),
        (
            "POST",
            "/api/v1/projects/demo/bans/lift".to_owned(),
            Some(serde_json::json!({"email": "nobody@example.org"})),
        ),
        ("GET", "/api/v1/cwe?q=xss".to_owned(), None),
        ("GET", format!("/api/v1/cases/{a}/advisory"), None),
        (
            "PUT",
            format!("/api/v1/cases/{a}/advisory"),
            Some(
                serde_json::json!({"title": "", "summary": "", "description": "", "remedy": "", "workarounds": "", "fixed": "", "refs": ""}),
            ),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/schedule"),
            Some(serde_json::json!({"date": "2030-01-01", "time": "12:00", "zone": "UTC"})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{a}/disclosure/publish"),
            None,
        ),
        ("POST", format!("/api/v1/cases/{a}/cve"), None),
        ("GET", "/api/v1/projects/demo/schedule".to_owned(), None),
        ("GET", "/api/v1/projects".to_owned(), None),
        (
            "GET",
            "/api/v1/cvss?vector=CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
            None,
        ),
        ("DELETE", format!("/api/v1/cases/{a}/guests/999"), None),
        (
            "POST",
            format!("/api/v1/cases/{a}/patches/999/reviews"),
            Some(serde_json::json!({"verdict": "approved", "note": "x"})),
        ),
        (
            "GET",
            "/api/v1/projects/demo/list/requests".to_owned(),
            None,
        ),
        (
            "GET",
            "/api/v1/projects/demo/list/requests/999".to_owned(),
            None,
        ),
        (
            "POST",
            "/api/v1/projects/demo/list/requests/999/decision".to_owned(),
            Some(serde_json::json!({"verdict": "approve"})),
        ),
        ("GET", "/api/v1/projects/demo/list/members".to_owned(), None),
        (
            "POST",
            "/api/v1/projects/demo/list/members".to_owned(),
            Some(serde_json::json!({"email": "bad", "name": "", "group": "x"})),
        ),
        (
            "POST",
            "/api/v1/projects/demo/list/members/revoke".to_owned(),
            Some(serde_json::json!({"email": "nobody@example.org"})),
        ),
        (
            "PUT",
            "/api/v1/projects/demo/list/members/key".to_owned(),
            Some(serde_json::json!({"email": "nobody@example.org", "public_key": "x"})),
        ),
        (
            "GET",
            "/api/v1/projects/demo/announce/subscribers".to_owned(),
            None,
        ),
    ]
}
