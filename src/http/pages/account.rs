//! The member's own account: two-factor enrolment and recovery codes.

use super::{Nav, PageForm, render};
use crate::http::AppState;
use crate::http::error::PageError;
use crate::http::security::CsrfToken;
use crate::http::session::TeamUser;
use crate::service::ServiceError;
use crate::service::accounts::{self, Enrolment};
use crate::service::login::actor_of;
use crate::store;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    display_name: String,
    email: String,
    totp_enabled: bool,
    recovery_left: i64,
    enrolment: Option<Enrolment>,
    required: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    nav: Nav,
    codes: Vec<String>,
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    code: String,
}

/// An empty form (the CSRF field is checked by the layer).
#[derive(Deserialize)]
pub struct EmptyForm {}

fn issuer(state: &AppState) -> String {
    format!(
        "Embargo ({})",
        state.cfg.public_url.host_str().unwrap_or("embargo")
    )
}

async fn page(
    state: &AppState,
    user: &store::users::UserRow,
    csrf: String,
    error: Option<String>,
) -> Result<AccountPage, PageError> {
    let recovery_left = {
        let mut c = state.db.acquire().await?;
        store::users::unused_recovery_codes(c.conn(), user.id).await?
    };
    Ok(AccountPage {
        nav: Nav::new(user, csrf),
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        totp_enabled: user.totp_enabled,
        recovery_left,
        enrolment: accounts::pending_enrolment(&state.cfg, user, &issuer(state))?,
        required: state.cfg.require_two_factor && !user.totp_enabled,
        notice: None,
        error,
    })
}

/// `GET /team/account`.
pub async fn show(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
) -> Result<Response, PageError> {
    Ok(render(&page(&state, &s.user, csrf, None).await?)?.into_response())
}

/// `POST /team/account/two-factor/start`: a fresh secret, then back to the account page with its QR code.
pub async fn start_two_factor(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    PageForm(_): PageForm<EmptyForm>,
) -> Result<Response, PageError> {
    accounts::begin_totp(&state.db, &state.cfg, &s.user, &issuer(&state)).await?;
    Ok(Redirect::to("/team/account").into_response())
}

/// `GET /team/account/two-factor/qr.svg`: the pending enrolment's QR code.
pub async fn qr_code(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
) -> Result<Response, PageError> {
    let Some(enrolment) = accounts::pending_enrolment(&state.cfg, &s.user, &issuer(&state))? else {
        return Err(PageError::NotFound);
    };
    let svg = crate::auth::totp::qr_svg(&enrolment.uri)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        svg,
    )
        .into_response())
}

/// `POST /team/account/two-factor/confirm`: turn the factor on and show the recovery codes once.
pub async fn confirm_two_factor(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    match accounts::confirm_totp(
        &state.db,
        &state.cfg,
        &actor_of(&s.user),
        s.user.id,
        &form.code,
        Some(&s.id_hash),
    )
    .await
    {
        Ok(codes) => Ok(render(&RecoveryCodesPage {
            nav: Nav::new(&s.user, csrf),
            codes,
        })?
        .into_response()),
        Err(err @ (ServiceError::BadSecondFactor | ServiceError::ReplayedSecondFactor)) => {
            let page = page(&state, &s.user, csrf, Some(err.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

/// `POST /team/account/recovery-codes`: a fresh set, shown once.
pub async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    TeamUser(s): TeamUser,
    CsrfToken(csrf): CsrfToken,
    PageForm(_): PageForm<EmptyForm>,
) -> Result<Response, PageError> {
    if !s.user.totp_enabled {
        return Err(
            ServiceError::Conflict("turn on two-factor authentication first".into()).into(),
        );
    }
    let codes =
        accounts::regenerate_recovery_codes(&state.db, &actor_of(&s.user), s.user.id).await?;
    Ok(render(&RecoveryCodesPage {
        nav: Nav::new(&s.user, csrf),
        codes,
    })?
    .into_response())
}
