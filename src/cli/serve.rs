//! `embargo serve`: the web server, with the background work beside it
//! ([`crate::background`]) until a shutdown signal.

use super::{open, service_err};
use crate::config::Config;
use crate::http::AppState;
use anyhow::Context;
use clap::Args;
use std::process::ExitCode;

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

/// Run `embargo serve`: the web server and, beside it, Embargo's background work.
pub async fn run(mut cfg: Config, demo: bool) -> anyhow::Result<ExitCode> {
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
    let background = crate::background::Background::start(&db, &cfg)?;
    println!(
        "Embargo is listening on http://{local}/ (public URL {})",
        cfg.public_url
    );
    tracing::info!(%local, database = %cfg.database.redacted(), "serving");
    for warning in cfg.warnings() {
        tracing::warn!("{warning}");
    }
    crate::http::serve(state, listener, shutdown_signal()).await?;
    background.stop().await;
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn shutdown_signal() {
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
