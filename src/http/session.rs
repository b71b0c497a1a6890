//! Who is asking: cookies, the client address, and the extractors that turn
//! a session cookie into a signed-in team member.

use super::AppState;
use super::error::PageError;
use crate::service::login::{self, ActiveSession};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::net::SocketAddr;

/// The session cookie's base name.
pub const SESSION_COOKIE: &str = "embargo_session";
/// The pre-session CSRF cookie's base name.
pub const CSRF_COOKIE: &str = "embargo_csrf";

/// The cookie's name: with the `__Host-` prefix when Secure, which pins it to this host and path `/`.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// A cookie as Embargo sets them: HttpOnly, SameSite=Lax, path `/`, Secure when configured.
pub fn build_cookie(base: &str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((cookie_name(base, secure), value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

/// A cookie that removes `base`.
pub fn removal_cookie(base: &str, secure: bool) -> Cookie<'static> {
    let mut c = build_cookie(base, String::new(), secure);
    c.make_removal();
    c
}

/// The client's address: the TCP peer, or the last `X-Forwarded-For` hop when configured.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.cfg.trust_forwarded_for
            && let Some(hop) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return Ok(Self(hop.to_owned()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        // Behind a proxy that is not trusted, every client has the proxy's address:
        // the per-address limits then count everyone together (F12). Say so once.
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !state.cfg.trust_forwarded_for
            && parts.headers.contains_key("x-forwarded-for")
            && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                peer = %peer,
                "requests carry X-Forwarded-For but trust_forwarded_for is off: every client counts as {peer} for the rate limits; set trust_forwarded_for = true if Embargo runs behind your own proxy"
            );
        }
        Ok(Self(peer))
    }
}

/// The session named by the cookie, complete or waiting for its second factor.
#[derive(Debug, Clone)]
pub struct AnySession(pub Option<ActiveSession>);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(&cookie_name(SESSION_COOKIE, state.cfg.secure_cookies)) else {
            return Ok(Self(None));
        };
        Ok(Self(
            login::resolve(&state.db, &state.cfg, cookie.value()).await?,
        ))
    }
}

/// A signed-in team member who passed the second factor (and enrolled one, if the instance requires it).
#[derive(Debug, Clone)]
pub struct TeamUser(pub ActiveSession);

impl FromRequestParts<AppState> for TeamUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let next = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/team/".into())
        } else {
            "/team/".into()
        };
        let AnySession(session) = AnySession::from_request_parts(parts, state).await?;
        let Some(session) = session.filter(|s| s.mfa_verified) else {
            return Err(PageError::SignInRequired { next });
        };
        let enrolling = parts.uri.path().starts_with("/team/account");
        if state.cfg.require_two_factor && !session.user.totp_enabled && !enrolling {
            return Err(PageError::EnrolmentRequired);
        }
        Ok(Self(session))
    }
}
