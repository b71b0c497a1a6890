//! The web server: public pages under `/p/{project}/`, team pages under
//! `/team/`, the JSON API under `/api/v1/`, and `/healthz`.
//!
//! Cross-cutting rules live in layers, not in handlers: [`security`] sets the
//! security headers on every response and checks the CSRF token of every
//! state-changing form before a handler runs; [`error`] maps every failure to
//! an HTML page or a JSON body without leaking internals.

pub mod api;
pub mod error;
pub mod pages;
pub mod security;
pub mod session;
pub mod url;

use crate::config::Config;
use crate::service::ServiceError;
use crate::store::{self, Db};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms and JSON).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest JSON body the API accepts (a 1 MiB patch, JSON-escaped, fits).
pub const API_BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Largest multipart form accepted (a report with its attachments).
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub cfg: Arc<Config>,
    /// The instance's CSRF key, shared through the database by every process.
    pub csrf_key: Arc<Vec<u8>>,
    /// The report form's rate limiter (this process's).
    pub intake_limiter: Arc<crate::service::rate::RateLimiter>,
    /// The limiter of the list forms that send mail (notification-list request, key
    /// change, announce subscription): per client address and overall, this process's.
    pub list_limiter: Arc<crate::service::rate::RateLimiter>,
    /// Work a handler starts after answering (so the answer cannot depend on it).
    pub background: Background,
    /// Replies through a case link (reporter or collaborator), per link: each one
    /// mails the whole team (F11).
    pub reply_limiter: Arc<crate::service::rate::RateLimiter>,
}

/// Replies one case link may post per hour (each is mailed to the whole team).
pub const REPLIES_PER_LINK_PER_HOUR: u32 = 30;
/// Replies through case links per hour on this process, all links together.
pub const REPLIES_PER_HOUR: u32 = 2_000;

impl AppState {
    /// Whether a reply through the case link `token` may be taken now (F11).
    pub fn reply_allowed(&self, token: &str) -> Result<(), ServiceError> {
        let key = format!("link:{}", crate::auth::secret::digest(token));
        if self.reply_limiter.admit(
            &key,
            store::now(),
            REPLIES_PER_LINK_PER_HOUR,
            REPLIES_PER_HOUR,
        ) {
            Ok(())
        } else {
            Err(ServiceError::RateLimited {
                retry_after_minutes: 60,
            })
        }
    }
}

/// Work a handler hands off after answering, so that what the answer says —
/// and how long it takes — cannot depend on it (F13: a public form answers
/// alike whether or not the address is a list member). Tracked, so shutdown
/// and tests can wait for it.
#[derive(Clone, Default)]
pub struct Background {
    running: Arc<tokio::sync::watch::Sender<usize>>,
}

impl Background {
    /// Run `work` after the answer.
    pub fn spawn(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        self.running.send_modify(|n| *n += 1);
        let running = self.running.clone();
        tokio::spawn(async move {
            work.await;
            running.send_modify(|n| *n -= 1);
        });
    }

    /// Wait until no handed-off work is running.
    pub async fn idle(&self) {
        let mut rx = self.running.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

impl AppState {
    /// Build the state, creating the instance's CSRF key on first use.
    pub async fn new(db: Db, cfg: Config) -> Result<Self, ServiceError> {
        let initial = crate::auth::secret::random_token(32);
        let key = {
            let mut c = db.acquire().await?;
            store::settings::get_or_init(c.conn(), "csrf_key", &initial).await?
        };
        Ok(Self {
            db,
            cfg: Arc::new(cfg),
            csrf_key: Arc::new(key.into_bytes()),
            intake_limiter: Arc::default(),
            list_limiter: Arc::default(),
            background: Background::default(),
            reply_limiter: Arc::default(),
        })
    }
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        // JSON bodies are small: the upload limit is for the report form's attachments.
        .nest(
            "/api/v1",
            api::routes().layer(DefaultBodyLimit::max(API_BODY_LIMIT)),
        )
        .route("/api", axum::routing::any(api::not_found))
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// How long requests and handed-off work in flight may run on after a
/// shutdown signal before the server stops anyway.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve on `listener` until `shutdown` resolves; then stop taking
/// connections and give what is in flight [`SHUTDOWN_GRACE`] to finish.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let background = state.background.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    };
    let server = async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await?;
        background.idle().await;
        Ok(())
    };
    let deadline = async move {
        let _ = stopping.wait_for(|s| *s).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = server => r,
        () = deadline => {
            tracing::warn!("stopping with requests still in flight after {} s", SHUTDOWN_GRACE.as_secs());
            Ok(())
        }
    }
}
