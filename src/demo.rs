//! `embargo serve --demo`: on an instance with no accounts, create a demo
//! project and an administrator with a random password, so a newcomer sees
//! a working instance at once. On an instance that has accounts it changes nothing.

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
pub async fn ensure(db: &Db, _cfg: &Config) -> Result<DemoState, ServiceError> {
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
    service::accounts::create(
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
    Ok(DemoState::Created { password })
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
