//! Layers every request passes through: security headers on every response,
//! and the CSRF check on every state-changing form.
//!
//! CSRF: a page that renders a form asks for a [`CsrfToken`]; the token is
//! bound to the browser's session cookie, or, before sign-in, to a random
//! pre-session cookie this layer sets on first need. Every non-API request
//! with an unsafe method must be an urlencoded form whose `csrf_token` field
//! verifies, or it is refused with 403 before any handler runs. The API is
//! exempt because it authenticates with bearer tokens, never with cookies.

use super::AppState;
use super::error::error_page;
use super::session::{CSRF_COOKIE, build_cookie, cookie_name};
use crate::auth::{csrf, secret};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The Content-Security-Policy on every response: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Add the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        let cache = if is_static {
            "public, max-age=3600"
        } else {
            "no-store"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}

/// What a form token is bound to in this request.
#[derive(Clone)]
pub struct CsrfBinding {
    value: String,
    /// A new pre-session cookie that must be set if a token was handed out.
    fresh: bool,
    used: Arc<AtomicBool>,
}

/// The CSRF token to put in a form's `csrf_token` field.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let binding = parts.extensions.get::<CsrfBinding>().cloned();
        Ok(match binding {
            Some(b) => {
                b.used.store(true, Ordering::Relaxed);
                Self(csrf::token(&state.csrf_key, &b.value))
            }
            None => Self(String::new()),
        })
    }
}

/// The binding for a request: the session cookie if any, else the pre-session cookie, else a new one.
fn binding_for(jar: &CookieJar, state: &AppState) -> CsrfBinding {
    let secure = state.cfg.secure_cookies;
    let existing = jar
        .get(&cookie_name(super::session::SESSION_COOKIE, secure))
        .or_else(|| jar.get(&cookie_name(CSRF_COOKIE, secure)))
        .map(|c| c.value().to_owned());
    match existing {
        Some(value) => CsrfBinding {
            value,
            fresh: false,
            used: Arc::default(),
        },
        None => CsrfBinding {
            value: secret::random_token(32),
            fresh: true,
            used: Arc::default(),
        },
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    error_page(status, "Form refused", message)
}

/// RFC 8058 one-click unsubscribe (`/p/{project}/announce/unsubscribe/{token}`): mail
/// clients POST `List-Unsubscribe=One-Click` with no cookie and no form token. The
/// token in the address is the capability (an HMAC); a forged request can only
/// unsubscribe the holder of the link, so it needs no CSRF check.
fn is_one_click_unsubscribe(path: &str) -> bool {
    let mut parts = path.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(""), Some("p"), Some(p), Some("announce"), Some("unsubscribe"), Some(t), None)
            if !p.is_empty() && !t.is_empty()
    )
}

/// Check the CSRF token of unsafe requests; hand out the binding to pages.
pub async fn csrf(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/api/") || is_one_click_unsubscribe(req.uri().path()) {
        return next.run(req).await;
    }
    let binding = binding_for(&jar, &state);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if !safe {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let multipart_boundary = multer::parse_boundary(&content_type).ok();
        let is_form = content_type.starts_with("application/x-www-form-urlencoded");
        if !is_form && multipart_boundary.is_none() {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This address accepts only HTML form submissions.",
            );
        }
        let limit = if multipart_boundary.is_some() {
            super::UPLOAD_LIMIT
        } else {
            super::BODY_LIMIT
        };
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "The form is larger than {} MiB. Send smaller attachments, or paste the text instead.",
                    limit / (1024 * 1024)
                ),
            );
        };
        let presented = match &multipart_boundary {
            Some(boundary) => multipart_token(bytes.clone(), boundary)
                .await
                .unwrap_or_default(),
            None => form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default(),
        };
        if binding.fresh || !csrf::verify(&state.csrf_key, &binding.value, &presented) {
            return refuse(
                StatusCode::FORBIDDEN,
                "This form has expired or was not sent from this site. Go back, reload the page and submit it again.",
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(binding.clone());
    let mut response = next.run(req).await;
    if binding.fresh && binding.used.load(Ordering::Relaxed) {
        let cookie = build_cookie(CSRF_COOKIE, binding.value, state.cfg.secure_cookies);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The `csrf_token` field of a multipart body, if present.
async fn multipart_token(bytes: axum::body::Bytes, boundary: &str) -> Option<String> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("csrf_token") {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::is_one_click_unsubscribe;

    #[test]
    fn only_the_unsubscribe_address_skips_the_csrf_check() {
        assert!(is_one_click_unsubscribe(
            "/p/demo/announce/unsubscribe/12.abc"
        ));
        for path in [
            "/p/demo/announce",
            "/p/demo/announce/confirm/12.abc",
            "/p/demo/announce/unsubscribe/",
            "/p/demo/announce/unsubscribe/12.abc/x",
            "/p//announce/unsubscribe/12.abc",
            "/team/announce/unsubscribe/12.abc",
            "/x/p/demo/announce/unsubscribe/1",
        ] {
            assert!(!is_one_click_unsubscribe(path), "{path}");
        }
    }
}
