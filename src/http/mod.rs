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
        })
    }
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
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

/// Serve on `listener` until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
