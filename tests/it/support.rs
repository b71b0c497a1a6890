//! Test helpers: a fresh database per test on a chosen backend, the app
//! served on a real TCP port, the real binary, and HTML scraping helpers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use embargo::config::{Config, DatabaseUrl, Overrides};
use embargo::http::AppState;
use embargo::store::Db;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// Generate one `#[tokio::test]` per backend for each listed async fn taking a [`Kind`].
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::support::Kind::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::support::Kind::Postgres).await }
            )*
        }
    };
}

/// The PostgreSQL server for tests. Missing is a failure, never a skip.
pub fn postgres_base_url() -> String {
    std::env::var("EMBARGO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "EMBARGO_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite needs a server. \
             Run the whole suite with `scripts/test`, which installs, starts and points at one."
        )
    })
}

/// A fresh, empty, migrated database that lives as long as this value.
pub struct TestDb {
    pub db: Db,
    pub url: DatabaseUrl,
    /// The URL as text, for child processes.
    pub url_text: String,
    pub dir: TempDir,
}

impl TestDb {
    pub async fn new(kind: Kind) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url_text = match kind {
            Kind::Sqlite => format!("sqlite://{}", dir.path().join("embargo.sqlite").display()),
            Kind::Postgres => {
                let base = postgres_base_url();
                let schema = format!(
                    "t_{}",
                    embargo::auth::secret::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = Db::connect(&DatabaseUrl::parse(&base).unwrap())
                    .await
                    .unwrap();
                if let Db::Postgres(pool) = &admin {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                        .execute(pool)
                        .await
                        .unwrap();
                }
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-c%20search_path%3D{schema}")
            }
        };
        let url = DatabaseUrl::parse(&url_text).unwrap();
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        Self {
            db,
            url,
            url_text,
            dir,
        }
    }

    /// Run one statement directly; the database's refusal as text.
    pub async fn try_exec(&self, sql: &str) -> Result<u64, String> {
        let r = match &self.db {
            Db::Sqlite(p, ..) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            Db::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
        };
        r.map_err(|e| e.to_string())
    }

    /// Run one statement directly (to tamper with data or age a session).
    pub async fn exec(&self, sql: &str) {
        match &self.db {
            Db::Sqlite(p, ..) => {
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(p)
                    .await
                    .unwrap();
            }
            Db::Postgres(p) => {
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
    }

    /// Byte columns from a query (one per row).
    pub async fn blobs(&self, sql: &str) -> Vec<Vec<u8>> {
        match &self.db {
            Db::Sqlite(p, ..) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_all(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_all(p)
                .await
                .unwrap(),
        }
    }

    /// One integer from a query.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.db {
            Db::Sqlite(p, ..) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                .fetch_one(p)
                .await
                .unwrap(),
        }
    }

    /// A configuration on this database with extra `EMBARGO_*` settings.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut env = vec![
            ("EMBARGO_DATABASE_URL".to_owned(), self.url_text.clone()),
            (
                "EMBARGO_DATA_DIR".to_owned(),
                self.dir.path().display().to_string(),
            ),
            ("EMBARGO_REQUIRE_TWO_FACTOR".to_owned(), "false".to_owned()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::load_from(None, &env, &Overrides::default()).unwrap()
    }
}

/// The app served in-process on a real loopback port.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> Self {
        Self::spawn_with(kind, &[]).await
    }

    pub async fn spawn_with(kind: Kind, extra: &[(&str, &str)]) -> Self {
        let db = TestDb::new(kind).await;
        let cfg = db.config(extra);
        let state = AppState::new(db.db.clone(), cfg).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            embargo::http::serve(serving, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            db,
            state,
            shutdown: Some(tx),
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Create an account through the service layer.
    pub async fn user(
        &self,
        email: &str,
        password: &str,
        admin: bool,
    ) -> embargo::store::users::UserRow {
        embargo::service::accounts::create(
            &self.state.db,
            &embargo::domain::actor::Actor::Cli,
            embargo::service::accounts::NewUser {
                email: email.parse().unwrap(),
                display_name: "Test Person".into(),
                password: embargo::domain::password::NewPassword::new(password.into()).unwrap(),
                is_admin: admin,
            },
        )
        .await
        .unwrap()
    }

    /// GET a form page and return its CSRF token.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_in(&html)
    }

    /// Sign in with a password; returns the response to the POST.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let token = self.csrf(client, "/team/login").await;
        client
            .post(self.url("/team/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/team/"),
            ])
            .send()
            .await
            .unwrap()
    }
}

impl TestApp {
    /// The id of the case with this summary.
    pub async fn scalar_case_by_summary(&self, summary: &str) -> i64 {
        self.db
            .scalar(&format!(
                "SELECT id FROM cases WHERE summary = '{}'",
                summary.replace('\'', "''")
            ))
            .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The value of the first `csrf_token` field in a page.
pub fn csrf_in(html: &str) -> String {
    attr_after(html, "name=\"csrf_token\" value=\"")
        .unwrap_or_else(|| panic!("no csrf_token in page:\n{html}"))
}

/// The text between `marker` and the next `"`.
pub fn attr_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The text between `<code class="{class}">` and `</code>`.
pub fn code_with_class(html: &str, class: &str) -> Option<String> {
    let marker = format!("<code class=\"{class}\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find("</code>")? + start;
    Some(html[start..end].to_owned())
}

/// A command for an external program the tests run for real (gpg, node,
/// chromium, …). Panics with the program's name and the script that installs
/// it when it is not on the PATH, rather than with a bare "No such file".
pub fn tool(program: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{program} is not installed: run scripts/install-test-deps.sh (the README's test command does)"
    );
    Command::new(program)
}

/// A command running the official validator `scripts/validators/validate-{kind}.sh`
/// (`osv`, `cve5`, `csaf`, `securitytxt`). The script and the schemas are in the
/// repository; the validators themselves are installed by
/// `scripts/install-test-deps.sh` (through `scripts/validators/install.sh`).
pub fn validator(kind: &str) -> Command {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/validators")
        .join(format!("validate-{kind}.sh"));
    assert!(script.is_file(), "{} is missing", script.display());
    let mut cmd = tool("bash");
    cmd.arg(script).env("VALIDATORS_QUIET", "1");
    cmd
}

/// The path of the embargo binary built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_embargo")
}

/// Run `embargo ARGS` against a database; returns (exit code, stdout, stderr).
pub fn run_cli(
    db_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .env("EMBARGO_DATABASE_URL", db_url)
        .env("EMBARGO_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An `embargo serve` child process; killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    /// Everything it printed on stdout up to and including the "listening" line.
    pub banner: String,
}

impl ServerProcess {
    /// Start `embargo serve --listen 127.0.0.1:0 EXTRA…` with `envs`, and wait until it listens.
    pub fn start(extra_args: &[&str], envs: &[(&str, &str)], cwd: &std::path::Path) -> Self {
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .current_dir(cwd);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut banner = String::new();
        let base = loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("embargo serve exited before listening; it printed:\n{banner}");
            }
            banner.push_str(&line);
            if let Some(rest) = line.strip_prefix("Embargo is listening on ") {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Self {
            child,
            base,
            banner,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a `Set-Cookie` header for `name`, if the response sets one.
pub fn set_cookie<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// The location a redirect points at.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Create projects from the example policies (`examples/policies/{name}.toml`).
pub async fn add_example_projects(db: &Db, names: &[&str]) {
    for name in names {
        let src = std::fs::read_to_string(format!(
            "{}/examples/policies/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        embargo::service::projects::create_from_policy(
            db,
            &embargo::domain::actor::Actor::Cli,
            &src,
        )
        .await
        .unwrap();
    }
}

/// A plain report by mail through `mail ingest`'s service; returns the new case's id.
pub async fn mail_report(
    db: &Db,
    cfg: &Config,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> i64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mail = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <report-{n}-{}@example.net>\r\n\r\n{body}\r\n",
        std::process::id()
    );
    match embargo::service::ingest::ingest(db, cfg, None, mail.as_bytes(), None)
        .await
        .unwrap()
    {
        embargo::service::ingest::Outcome::NewCase(id) => id,
        other => panic!("not taken in as a new case: {other:?}"),
    }
}

/// Case `id` opened through the one door (`service::access::open`) as the caller an older
/// test named by actor and account: the account `user` when given (a team member, as in
/// the web pages), else the operator (`Actor::Cli`) or Embargo itself (`Actor::System`).
pub async fn case_for(
    db: &Db,
    actor: &embargo::domain::actor::Actor,
    user: impl Into<Option<i64>>,
    id: i64,
) -> embargo::service::CaseRef {
    let caller = caller_for(db, actor, user.into()).await;
    embargo::service::access::open(db, &caller, id)
        .await
        .unwrap_or_else(|e| panic!("case #{id} for {caller:?}: {e}"))
}

/// Project `slug` opened through the one door (`service::access::open_project`) as the
/// caller an older test named by actor and account (see [`case_for`]).
pub async fn project_for(
    db: &Db,
    actor: &embargo::domain::actor::Actor,
    user: impl Into<Option<i64>>,
    slug: &str,
) -> embargo::service::ProjectRef {
    let caller = caller_for(db, actor, user.into()).await;
    embargo::service::access::open_project(db, &caller, slug)
        .await
        .unwrap_or_else(|e| panic!("project {slug} for {caller:?}: {e}"))
}

/// The caller an older test named by actor and account: the account `user` when given
/// (or named by `actor`), else Embargo itself (`Actor::System`) or the operator.
async fn caller_for(
    db: &Db,
    actor: &embargo::domain::actor::Actor,
    user: Option<i64>,
) -> embargo::service::Caller {
    use embargo::domain::actor::Actor;
    use embargo::service::Caller;
    let user = user.or(match actor {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    });
    match (user, actor) {
        (Some(uid), _) => {
            let mut c = db.acquire().await.unwrap();
            let row = embargo::store::users::by_id(c.conn(), uid)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no account {uid}"));
            Caller::member(&row)
        }
        (None, Actor::System) => Caller::System,
        (None, _) => Caller::Operator,
    }
}
