//! The command line: one subcommand per operator task. Each prints what it
//! did on stdout and errors on stderr, and exits non-zero on failure.

use crate::config::{Config, Overrides};
use crate::domain::actor::Actor;
use crate::domain::duration::Duration;
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::domain::role::ProjectRole;
use crate::domain::slug::ProjectSlug;
use crate::http::AppState;
use crate::service::{self, ServiceError, accounts::NewUser};
use crate::store::{self, Db};
use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Embargo: a self-hosted security response desk.
#[derive(Debug, Parser)]
#[command(name = "embargo", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML); EMBARGO_* environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage team accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage projects and their teams.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check and render policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Manage OpenPGP keys (project keys, personal signing keys).
    #[command(subcommand)]
    Key(crate::cli_mail::KeyCommand),
    /// Inspect and retry the mail outbox.
    #[command(subcommand)]
    Outbox(crate::cli_mail::OutboxCommand),
    /// Send test mail; inspect inbound mail.
    #[command(subcommand)]
    Mail(crate::cli_mail::MailCommand),
    /// Deliver queued mail until stopped (for extra worker processes; `serve` runs one too).
    Worker,
    /// Generate a master key for `secret_key` (EMBARGO_SECRET_KEY).
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Inspect and verify the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Work on cases: list, show, decide, severity, lifecycle steps.
    #[command(subcommand)]
    Case(crate::cli_case::CaseCommand),
    /// Send the clock reminders that are due now (`serve` does this every minute).
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Disclosure schedules: set a date, list what fires when, fire due steps.
    #[command(subcommand)]
    Schedule(crate::cli_disclosure::ScheduleCommand),
    /// Advisories: draft, pre-announce, pre-notify, publish, export (OSV, CVE JSON 5, CSAF).
    #[command(subcommand)]
    Advisory(crate::cli_disclosure::AdvisoryCommand),
    /// The confidential notification list's members.
    #[command(subcommand)]
    Members(crate::cli_disclosure::MembersCommand),
    /// The project's pool of reserved CVE IDs.
    #[command(subcommand)]
    Cve(crate::cli_disclosure::CveCommand),
    /// Requests to join the notification list: the review queue and decisions.
    #[command(subcommand)]
    Requests(crate::cli_lists::RequestsCommand),
    /// The public announce list's subscribers.
    #[command(subcommand)]
    Announce(crate::cli_lists::AnnounceCommand),
    /// Score CVSS vectors (3.0, 3.1, 4.0): one line each with the scores and the rating.
    Cvss {
        /// Vectors such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.
        #[arg(required = true, value_name = "VECTOR")]
        vectors: Vec<String>,
    },
}

/// `embargo reminders …`.
#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// One pass: queue every reminder that is due, print how many.
    Run,
}

/// `embargo serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (overrides `listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// On an empty instance, create a demo project and an administrator and print how to sign in.
    #[arg(long)]
    pub demo: bool,
}

/// `embargo config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values (secrets redacted).
    Check,
}

/// `embargo user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a random password is generated and printed.
    Add {
        /// Login address.
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// Make the account an instance administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Set a new password (ends the account's sessions).
    SetPassword {
        /// Login address.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turn off an account's two-factor authentication (lost device); it must enrol again.
    Reset2fa {
        /// Login address.
        #[arg(long)]
        email: String,
    },
    /// Disable an account: it cannot sign in, its sessions end and its API tokens stop working.
    Disable {
        /// Login address.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login address.
        #[arg(long)]
        email: String,
    },
}

/// `embargo project …`.
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project, from a policy file (slug and name come from its [project] table) or bare.
    Add {
        /// URL name: lower-case letters, digits, hyphens.
        #[arg(long, required_unless_present = "policy", conflicts_with = "policy")]
        slug: Option<String>,
        /// Display name.
        #[arg(long, required_unless_present = "policy", conflicts_with = "policy")]
        name: Option<String>,
        /// Policy file (TOML); see docs/policy.md.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Replace the policy of the project a policy file names (audited; clocks use it from now on).
    Update {
        /// Policy file (TOML).
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
    },
    /// List projects.
    List,
    /// Start a security release: halt other development (visible to the team).
    Freeze {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Also show a notice (without details) on the public page.
        #[arg(long)]
        public: bool,
    },
    /// End the security-release freeze.
    Thaw {
        /// Project slug.
        #[arg(long)]
        project: String,
    },
    /// Manage a project's security team.
    #[command(subcommand)]
    Member(MemberCommand),
}

/// `embargo project member …`.
#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add an account to a project's team.
    Add {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Account address.
        #[arg(long)]
        email: String,
        /// Role in the project.
        #[arg(long, default_value = "team")]
        role: String,
    },
    /// Remove an account from a project's team.
    Remove {
        /// Project slug.
        #[arg(long)]
        project: String,
        /// Account address.
        #[arg(long)]
        email: String,
    },
    /// List a project's team.
    List {
        /// Project slug.
        #[arg(long)]
        project: String,
    },
}

/// `embargo token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for an account and print it (shown once).
    Create {
        /// Account address.
        #[arg(long)]
        email: String,
        /// A label, such as the script that will use it.
        #[arg(long)]
        name: String,
        /// Lifetime, such as "90 days" (default: no expiry).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a token by its id.
    Revoke {
        /// Token id, as printed by `token create`.
        id: i64,
    },
}

/// `embargo secret …`.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Print a new random master key (base64, 32 bytes).
    Generate,
}

/// `embargo policy …`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file; exit 1 listing every problem with its line, column and key.
    Check {
        /// Policy file (TOML).
        file: PathBuf,
    },
    /// Render what a policy tells the world.
    Render {
        /// Policy file (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "security-md")]
        format: RenderFormat,
        /// Date for the supported-versions table (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// The supported release series and their status on a date.
    Supported {
        /// Policy file (TOML).
        file: PathBuf,
        /// The date (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
}

/// What `policy render` produces.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RenderFormat {
    /// A SECURITY.md (CommonMark).
    SecurityMd,
    /// An RFC 9116 security.txt.
    SecurityTxt,
}

/// `embargo audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken link if any event was altered, removed or reordered.
    Verify {
        /// A head hash recorded earlier outside the database (what `audit verify` printed
        /// then): it must still be in the chain, else the whole trail was rewritten.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Print the newest events.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// Run the parsed command line; errors are printed here.
pub async fn run(cli: Cli) -> ExitCode {
    let overrides = match &cli.command {
        Command::Serve(args) => Overrides {
            listen: args.listen.clone(),
        },
        _ => Overrides::default(),
    };
    let cfg = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(cfg) => cfg,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(78);
        }
    };
    init_tracing(&cfg, matches!(cli.command, Command::Serve(_)));
    if let Command::Mail(crate::cli_mail::MailCommand::Ingest { project }) = cli.command {
        return crate::cli_mail::ingest(&cfg, project).await;
    }
    match dispatch(cli.command, cfg).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(cfg: &Config, serving: bool) {
    let filter = if serving {
        cfg.log.clone()
    } else {
        format!("warn,{}", cfg.log.replace("info", "warn"))
    };
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn open(cfg: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&cfg.database).await?;
    db.migrate().await?;
    Ok(db)
}

fn parse<T: std::str::FromStr>(text: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| anyhow!("{e}"))
}

fn read_password(from_stdin: bool) -> anyhow::Result<(NewPassword, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let text = line.trim_end_matches(['\r', '\n']).to_owned();
        Ok((NewPassword::new(text).map_err(|e| anyhow!("{e}"))?, false))
    } else {
        let generated = crate::auth::secret::random_token(15);
        Ok((
            NewPassword::new(generated).map_err(|e| anyhow!("{e}"))?,
            true,
        ))
    }
}

fn service_err(err: ServiceError) -> anyhow::Error {
    anyhow!("{err}")
}

/// Read a policy file, naming it in the error.
pub fn read_policy_file(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the policy file {}", path.display()))
}

fn policy_err(path: &std::path::Path, err: ServiceError) -> anyhow::Error {
    match err {
        ServiceError::Invalid(text) => anyhow!("{}: {text}", path.display()),
        other => service_err(other),
    }
}

async fn dispatch(command: Command, cfg: Config) -> anyhow::Result<ExitCode> {
    let actor = Actor::Cli;
    match command {
        Command::Serve(args) => serve(cfg, args.demo).await,
        Command::Migrate => {
            open(&cfg).await?;
            println!("database at {} is up to date", cfg.database.redacted());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Check) => {
            print!("{}", cfg.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => {
            let db = open(&cfg).await?;
            match cmd {
                UserCommand::Add {
                    email,
                    name,
                    admin,
                    password_stdin,
                } => {
                    let email: EmailAddress = parse(&email)?;
                    let (password, generated) = read_password(password_stdin)?;
                    let shown = generated.then(|| password.expose().to_owned());
                    let user = service::accounts::create(
                        &db,
                        &actor,
                        NewUser {
                            email,
                            display_name: name,
                            password,
                            is_admin: admin,
                        },
                    )
                    .await
                    .map_err(service_err)?;
                    println!(
                        "created account #{} {}{}",
                        user.id,
                        user.email,
                        if user.is_admin {
                            " (administrator)"
                        } else {
                            ""
                        }
                    );
                    if let Some(p) = shown {
                        println!("password: {p}");
                    }
                }
                UserCommand::List => {
                    for u in service::accounts::list(&db).await.map_err(service_err)? {
                        let mut flags = Vec::new();
                        if u.is_admin {
                            flags.push("admin");
                        }
                        if u.totp_enabled {
                            flags.push("2fa");
                        }
                        if u.disabled {
                            flags.push("disabled");
                        }
                        println!(
                            "#{}\t{}\t{}\t{}",
                            u.id,
                            u.email,
                            u.display_name,
                            flags.join(",")
                        );
                    }
                }
                UserCommand::SetPassword {
                    email,
                    password_stdin,
                } => {
                    let email: EmailAddress = parse(&email)?;
                    let (password, generated) = read_password(password_stdin)?;
                    service::accounts::set_password(&db, &actor, &email, &password)
                        .await
                        .map_err(service_err)?;
                    println!("password changed for {email}; its sessions were ended");
                    if generated {
                        println!("password: {}", password.expose());
                    }
                }
                UserCommand::Reset2fa { email } => {
                    let email: EmailAddress = parse(&email)?;
                    service::accounts::reset_totp(&db, &actor, &email)
                        .await
                        .map_err(service_err)?;
                    println!(
                        "two-factor authentication turned off for {email}; it must enrol again at its next sign-in"
                    );
                }
                UserCommand::Disable { email } => {
                    let email: EmailAddress = parse(&email)?;
                    service::accounts::set_disabled(&db, &actor, &email, true)
                        .await
                        .map_err(service_err)?;
                    println!("{email} is disabled; its sessions were ended");
                }
                UserCommand::Enable { email } => {
                    let email: EmailAddress = parse(&email)?;
                    service::accounts::set_disabled(&db, &actor, &email, false)
                        .await
                        .map_err(service_err)?;
                    println!("{email} is enabled");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Project(cmd) => {
            let db = open(&cfg).await?;
            match cmd {
                ProjectCommand::Add { slug, name, policy } => {
                    let p = match (policy, slug, name) {
                        (Some(file), _, _) => {
                            let src = read_policy_file(&file)?;
                            service::projects::create_from_policy(&db, &actor, &src)
                                .await
                                .map_err(|e| policy_err(&file, e))?
                        }
                        (None, Some(slug), Some(name)) => {
                            let slug: ProjectSlug = parse(&slug)?;
                            service::projects::create(&db, &actor, &slug, &name)
                                .await
                                .map_err(service_err)?
                        }
                        _ => return Err(anyhow!("give --policy FILE, or both --slug and --name")),
                    };
                    println!(
                        "created project {} ({}) at {}",
                        p.slug,
                        p.name,
                        cfg.link(&format!("/p/{}/", p.slug))
                    );
                }
                ProjectCommand::Update { policy } => {
                    let src = read_policy_file(&policy)?;
                    let p = service::projects::update_policy(&db, &actor, &src)
                        .await
                        .map_err(|e| policy_err(&policy, e))?;
                    println!(
                        "updated the policy of {} ({}); clocks follow it from now on",
                        p.slug, p.name
                    );
                }
                ProjectCommand::List => {
                    for p in service::projects::list(&db).await.map_err(service_err)? {
                        let policy = if p.policy.is_some() {
                            "policy"
                        } else {
                            "no policy"
                        };
                        println!("{}\t{}\t{policy}", p.slug, p.name);
                    }
                }
                ProjectCommand::Member(MemberCommand::Add {
                    project,
                    email,
                    role,
                }) => {
                    let slug: ProjectSlug = parse(&project)?;
                    let email: EmailAddress = parse(&email)?;
                    let role: ProjectRole = parse(&role)?;
                    service::projects::add_member(&db, &actor, &slug, &email, role)
                        .await
                        .map_err(service_err)?;
                    println!("{email} is now on the {role} of {slug}");
                }
                ProjectCommand::Freeze { project, public } => {
                    let p = service::projects::find(&db, &project)
                        .await
                        .map_err(service_err)?;
                    service::projects::set_freeze(&db, &actor, &p, true, public)
                        .await
                        .map_err(service_err)?;
                    println!(
                        "{project}: security release in progress{}",
                        if public { " (public notice shown)" } else { "" }
                    );
                }
                ProjectCommand::Thaw { project } => {
                    let p = service::projects::find(&db, &project)
                        .await
                        .map_err(service_err)?;
                    service::projects::set_freeze(&db, &actor, &p, false, false)
                        .await
                        .map_err(service_err)?;
                    println!("{project}: the freeze has ended");
                }
                ProjectCommand::Member(MemberCommand::Remove { project, email }) => {
                    let slug: ProjectSlug = parse(&project)?;
                    let email: EmailAddress = parse(&email)?;
                    service::projects::remove_member(&db, &actor, &slug, &email)
                        .await
                        .map_err(service_err)?;
                    println!("{email} was removed from {slug}");
                }
                ProjectCommand::Member(MemberCommand::List { project }) => {
                    let p = service::projects::find(&db, &project)
                        .await
                        .map_err(service_err)?;
                    for m in service::projects::members(&db, p.id)
                        .await
                        .map_err(service_err)?
                    {
                        println!("{}\t{}\t{}", m.email, m.display_name, m.role);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(cmd) => {
            let db = open(&cfg).await?;
            match cmd {
                TokenCommand::Create {
                    email,
                    name,
                    expires,
                } => {
                    let email: EmailAddress = parse(&email)?;
                    let lifetime = expires.as_deref().map(parse::<Duration>).transpose()?;
                    let (id, token) = service::tokens::create(&db, &actor, &email, &name, lifetime)
                        .await
                        .map_err(service_err)?;
                    eprintln!("created API token #{id} for {email}; it is shown only this once:");
                    println!("{token}");
                }
                TokenCommand::Revoke { id } => {
                    service::tokens::revoke(&db, &actor, id)
                        .await
                        .map_err(service_err)?;
                    println!("API token #{id} revoked");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(cmd) => crate::cli_policy::run(cmd, &cfg),
        Command::Key(cmd) => crate::cli_mail::key(cmd, &open(&cfg).await?, &cfg).await,
        Command::Outbox(cmd) => crate::cli_mail::outbox(cmd, &open(&cfg).await?, &cfg).await,
        Command::Mail(cmd) => crate::cli_mail::mail(cmd, &open(&cfg).await?, &cfg).await,
        Command::Worker => {
            crate::cli_mail::worker(open(&cfg).await?, &cfg, shutdown_signal()).await
        }
        Command::Case(cmd) => crate::cli_case::run(cmd, &open(&cfg).await?, &cfg).await,
        Command::Schedule(cmd) => {
            crate::cli_disclosure::schedule(cmd, &open(&cfg).await?, &cfg).await
        }
        Command::Advisory(cmd) => {
            crate::cli_disclosure::advisory(cmd, &open(&cfg).await?, &cfg).await
        }
        Command::Members(cmd) => crate::cli_disclosure::members(cmd, &open(&cfg).await?).await,
        Command::Cve(cmd) => crate::cli_disclosure::cve(cmd, &open(&cfg).await?).await,
        Command::Requests(cmd) => crate::cli_lists::requests(cmd, &open(&cfg).await?, &cfg).await,
        Command::Announce(cmd) => crate::cli_lists::announce(cmd, &open(&cfg).await?).await,
        Command::Reminders(RemindersCommand::Run) => {
            let db = open(&cfg).await?;
            let n = service::reminders::sweep(&db, &cfg, store::now())
                .await
                .map_err(service_err)?;
            println!("{n} reminder(s) queued");
            Ok(ExitCode::SUCCESS)
        }
        Command::Cvss { vectors } => {
            // Every vector gets its line; a malformed one is named on stderr and the
            // command exits 65 (EX_DATAERR) after scoring the rest.
            let mut bad = false;
            for v in &vectors {
                match crate::domain::cvss::parse(v) {
                    Ok(vector) => println!("{}", vector.summary().line(v)),
                    Err(e) => {
                        eprintln!("{}: {e}", v.trim());
                        bad = true;
                    }
                }
            }
            Ok(if bad {
                ExitCode::from(65)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Secret(SecretCommand::Generate) => {
            println!("{}", crate::vault::generate_key());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { head }) => {
            let db = open(&cfg).await?;
            let recorded = head.as_deref().map(str::trim);
            match service::audit::verify(&db, recorded)
                .await
                .map_err(service_err)?
            {
                Ok(v) => {
                    if let (Some(recorded), false) = (recorded, v.recorded_head_found) {
                        eprintln!(
                            "audit trail REWRITTEN: the chain is consistent ({} events), but the head {recorded} recorded earlier is not in it",
                            v.events
                        );
                        return Ok(ExitCode::FAILURE);
                    }
                    println!(
                        "audit trail intact: {} events, head {}",
                        v.events, v.head_hash
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(brk) => {
                    eprintln!("audit trail BROKEN at {brk}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit(AuditCommand::List { limit }) => {
            let db = open(&cfg).await?;
            let mut c = db.acquire().await?;
            for e in store::audit::recent(c.conn(), None, limit.clamp(1, 10_000)).await? {
                let when = jiff::Timestamp::from_second(e.at)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                println!(
                    "#{}\t{}\t{}\t{}\t{} {}\t{}",
                    e.seq, when, e.actor, e.action, e.object_type, e.object_id, e.details
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(mut cfg: Config, demo: bool) -> anyhow::Result<ExitCode> {
    if demo && !cfg.is_set("require_two_factor") {
        cfg.require_two_factor = false;
    }
    let db = open(&cfg).await?;
    if demo {
        crate::demo::announce(
            &crate::demo::ensure(&db, &cfg).await.map_err(service_err)?,
            &cfg,
        );
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (set --listen or EMBARGO_LISTEN to a free address)",
                cfg.listen
            )
        })?;
    let local = listener.local_addr()?;
    let state = AppState::new(db.clone(), cfg.clone())
        .await
        .map_err(service_err)?;
    let sweeper = tokio::spawn(sweep_sessions(db.clone(), cfg.clone()));
    let reminders = tokio::spawn(send_reminders(db.clone(), cfg.clone()));
    let scheduler = tokio::spawn(run_schedule(db.clone(), cfg.clone()));
    let worker = crate::mail::worker::Worker::new(db.clone(), &cfg)?;
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker_task = tokio::spawn(worker.run(std::time::Duration::from_secs(1), async {
        let _ = worker_stopped.await;
    }));
    println!(
        "Embargo is listening on http://{local}/ (public URL {})",
        cfg.public_url
    );
    tracing::info!(%local, database = %cfg.database.redacted(), "serving");
    for warning in cfg.warnings() {
        tracing::warn!("{warning}");
    }
    crate::http::serve(state, listener, shutdown_signal()).await?;
    sweeper.abort();
    reminders.abort();
    scheduler.abort();
    let _ = stop_worker.send(());
    let _ = worker_task.await;
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Fire due disclosure steps every second (several processes may run this: each job
/// fires once). Jobs missed while no process ran fire at the first pass, late.
async fn run_schedule(db: Db, cfg: Config) {
    let worker = format!(
        "serve-{}-{}",
        std::process::id(),
        crate::auth::secret::random_token(6)
    );
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = service::disclosure::run_due(&db, &cfg, &worker, store::now()).await {
            tracing::warn!(error = %err, "disclosure scheduler pass failed; will retry");
        }
    }
}

/// Send due clock reminders once a minute.
async fn send_reminders(db: Db, cfg: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match service::reminders::sweep(&db, &cfg, store::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "clock reminders queued"),
            Err(err) => tracing::warn!(error = %err, "reminder sweep failed; will retry"),
        }
    }
}

/// Delete expired sessions and stale login-failure counters, and erase the
/// bodies of mail sent longer ago than `outbox_retention`, every ten minutes.
async fn sweep_sessions(db: Db, cfg: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = store::now();
        let result = async {
            let mut c = db.acquire().await?;
            store::sessions::delete_expired(
                c.conn(),
                now - cfg.session_idle_timeout.as_seconds_i64(),
                now - cfg.session_max_age.as_seconds_i64(),
            )
            .await?;
            store::throttle::prune(c.conn(), now - cfg.login_failure_window.as_seconds_i64())
                .await?;
            store::outbox::purge_sent(c.conn(), now - cfg.outbox_retention.as_seconds_i64()).await
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "session sweep failed; will retry");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
