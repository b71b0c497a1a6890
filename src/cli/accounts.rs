//! `embargo user …` and `embargo token …`: accounts and their API tokens.

use super::{open, parse, service_err};
use crate::config::Config;
use crate::domain::actor::Actor;
use crate::domain::duration::Duration;
use crate::domain::email::EmailAddress;
use crate::domain::password::NewPassword;
use crate::service;
use crate::service::accounts::NewUser;
use anyhow::{Context, anyhow};
use clap::Subcommand;
use std::io::BufRead;
use std::process::ExitCode;

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

/// Run `embargo user …`.
pub async fn user(cmd: UserCommand, cfg: &Config) -> anyhow::Result<ExitCode> {
    let actor = Actor::Cli;
    let db = open(cfg).await?;
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

/// Run `embargo token …`.
pub async fn token(cmd: TokenCommand, cfg: &Config) -> anyhow::Result<ExitCode> {
    let actor = Actor::Cli;
    let db = open(cfg).await?;
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
