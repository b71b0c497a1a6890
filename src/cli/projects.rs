//! `embargo project …`: projects, their policies, freezes and team members.

use super::policy::{policy_err, read_policy_file};
use super::{open, parse, service_err};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::role::ProjectRole;
use crate::domain::slug::ProjectSlug;
use crate::service;
use anyhow::anyhow;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Run `embargo project …`.
pub async fn run(cmd: ProjectCommand, cfg: &Config) -> anyhow::Result<ExitCode> {
    let actor = Actor::Cli;
    let db = open(cfg).await?;
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
            super::mail::warn_policy_key(&db, Some(&p.slug)).await;
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
            super::mail::warn_policy_key(&db, Some(&p.slug)).await;
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
            service::projects::set_freeze(
                &db,
                &super::operator_project(&db, &p.slug).await?,
                true,
                public,
            )
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
            service::projects::set_freeze(
                &db,
                &super::operator_project(&db, &p.slug).await?,
                false,
                false,
            )
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
