//! Signing in (password, then second factor) and signing out.

use super::{PageForm, render, safe_next};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::{AnySession, ClientIp, SESSION_COOKIE, build_cookie, removal_cookie};
use crate::service::ServiceError;
use crate::service::login::{self, LoginOutcome};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    csrf: String,
    next: String,
    error: Option<String>,
}

/// `?next=` on the sign-in pages.
#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The second-factor form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    next: String,
}

/// `GET /team/login`.
pub async fn login_form(
    AnySession(session): AnySession,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(&q.next);
    match session {
        Some(s) if s.mfa_verified => return Ok(Redirect::to(&next).into_response()),
        Some(_) => return Ok(Redirect::to("/team/login/second-factor").into_response()),
        None => {}
    }
    Ok(render(&LoginPage {
        csrf,
        next,
        email: String::new(),
        error: None,
    })?
    .into_response())
}

/// Errors a person can fix by trying again are shown on the form; others become error pages.
fn retry_status(err: &ServiceError) -> Option<StatusCode> {
    match err {
        ServiceError::BadCredentials
        | ServiceError::BadSecondFactor
        | ServiceError::ReplayedSecondFactor => Some(StatusCode::UNAUTHORIZED),
        ServiceError::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
        _ => None,
    }
}

/// `POST /team/login`.
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&form.next);
    let secure = state.cfg.secure_cookies;
    match login::with_password(&state.db, &state.cfg, &form.email, &form.password, &ip).await {
        Ok(LoginOutcome::SignedIn { session }) => {
            let jar = jar.add(build_cookie(SESSION_COOKIE, session, secure));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Ok(LoginOutcome::NeedsSecondFactor { session }) => {
            let jar = jar.add(build_cookie(SESSION_COOKIE, session, secure));
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next)
                .finish();
            Ok((
                jar,
                Redirect::to(&format!("/team/login/second-factor?{query}")),
            )
                .into_response())
        }
        Err(err) => match retry_status(&err) {
            Some(status) => {
                let page = LoginPage {
                    csrf,
                    next,
                    email: form.email,
                    error: Some(err.to_string()),
                };
                Ok((status, render(&page)?).into_response())
            }
            None => Err(err.into()),
        },
    }
}

/// `GET /team/login/second-factor`.
pub async fn second_factor_form(
    AnySession(session): AnySession,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(&q.next);
    match session {
        Some(s) if s.mfa_verified => Ok(Redirect::to(&next).into_response()),
        Some(_) => Ok(render(&SecondFactorPage {
            csrf,
            next,
            error: None,
        })?
        .into_response()),
        None => Err(PageError::SignInRequired { next }),
    }
}

/// `POST /team/login/second-factor`.
pub async fn second_factor(
    State(state): State<AppState>,
    jar: CookieJar,
    AnySession(session): AnySession,
    CsrfToken(csrf): CsrfToken,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&form.next);
    let Some(pending) = session.filter(|s| !s.mfa_verified) else {
        return Err(PageError::SignInRequired { next });
    };
    match login::with_second_factor(&state.db, &state.cfg, &pending, &form.code, &ip).await {
        Ok(session) => {
            let jar = jar.add(build_cookie(
                SESSION_COOKIE,
                session,
                state.cfg.secure_cookies,
            ));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(err) => match retry_status(&err) {
            Some(status) => {
                let page = SecondFactorPage {
                    csrf,
                    next,
                    error: Some(err.to_string()),
                };
                Ok((status, render(&page)?).into_response())
            }
            None => Err(err.into()),
        },
    }
}

/// `POST /team/logout`: ends the session on the server and removes the cookie.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    AnySession(session): AnySession,
) -> Result<Response, PageError> {
    if let Some(session) = session {
        login::logout(&state.db, &session).await?;
    }
    let jar = jar.add(removal_cookie(SESSION_COOKIE, state.cfg.secure_cookies));
    Ok((jar, Redirect::to("/team/login")).into_response())
}
