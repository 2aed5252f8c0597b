//! Logging in and out of the back office.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::accounts::{self, LoginRefused};
use super::layout::page;
use super::session::{self, Session, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    feil: Option<String>,
}

pub async fn login_form(scheme: session::Scheme, Query(q): Query<LoginQuery>) -> Response {
    let token = session::random_token();
    let message = match q.feil.as_deref() {
        Some("passord") => Some("Feil brukernavn eller passord.".to_string()),
        Some("skjema") => Some("Innloggingen kom ikke fra denne siden. Prøv igjen.".to_string()),
        // Only a time is taken from the address (`sperret-14.05`): nothing else anyone puts there
        // reaches the page.
        Some(text) if is_lock_time(text.trim_start_matches("sperret-")) && text.starts_with("sperret-") => {
            Some(format!(
                "For mange feil forsøk: kontoen er sperret til kl. {}.",
                text.trim_start_matches("sperret-")
            ))
        }
        _ => None,
    };
    let body = html! {
        form.login method="post" action="/kontor/logg-inn" {
            input type="hidden" name="csrf" value=(token);
            label for="name" { "Brukernavn" }
            input #name name="name" autocomplete="username" required autofocus;
            label for="password" { "Passord" }
            input #password name="password" type="password" autocomplete="current-password" required;
            @if let Some(m) = message { p.bad role="alert" data-testid="login-error" { (m) } }
            button.primary type="submit" data-testid="login" { "Logg inn" }
        }
    };
    (
        [(
            header::SET_COOKIE,
            session::cookie(LOGIN_CSRF_COOKIE, token, session::secure(&scheme)),
        )],
        page("Logg inn", None, body),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    scheme: session::Scheme,
    Form(form): Form<LoginForm>,
) -> Result<Response, Response> {
    use subtle::ConstantTimeEq;
    let secure = session::secure(&scheme);
    let expected = session::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return Ok(Redirect::to("/kontor/logg-inn?feil=skjema").into_response());
    }
    let now = Utc::now();
    let checked = accounts::check_login(&state.pool, &form.name, &form.password, now)
        .await
        .map_err(IntoResponse::into_response)?;
    let user = match checked {
        Ok(user) => user,
        Err(LoginRefused::WrongNameOrPassword) => {
            return Ok(Redirect::to("/kontor/logg-inn?feil=passord").into_response())
        }
        Err(LoginRefused::Locked { until }) => {
            let at = until.with_timezone(&chrono_tz::Europe::Oslo).format("%H.%M");
            return Ok(Redirect::to(&format!("/kontor/logg-inn?feil=sperret-{at}")).into_response());
        }
    };
    let id = session::start(&state.pool, &user, now)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut response = Redirect::to("/kontor/ordrer").into_response();
    let headers = response.headers_mut();
    for cookie in [
        session::cookie(SESSION_COOKIE, id, secure),
        session::expired_cookie(LOGIN_CSRF_COOKIE, secure),
    ] {
        if let Ok(value) = cookie.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    scheme: session::Scheme,
    session: Session,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Response> {
    session.check_csrf(&form.csrf)?;
    session::end(&state.pool, &session, Utc::now())
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((
        [(
            header::SET_COOKIE,
            session::expired_cookie(SESSION_COOKIE, session::secure(&scheme)),
        )],
        Redirect::to("/kontor/logg-inn"),
    )
        .into_response())
}

pub async fn home(_session: Session) -> Redirect {
    Redirect::to("/kontor/ordrer")
}

/// `HH.MM`, two digits each.
fn is_lock_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5 && b[2] == b'.' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}
