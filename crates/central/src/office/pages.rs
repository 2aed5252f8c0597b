//! The back office's pages, rendered on the server with maud (which escapes every value it splices
//! in), one stylesheet served by the binary, no script.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::accounts::{self, LoginRefused, Role};
use super::session::{self, Session, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::AppState;

/// No script at all, no other origin, no framing: what a page shows can only be text.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("kontor.css");

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

fn page(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nb" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Skranke kontor" }
                link rel="stylesheet" href="/kontor/stil.css";
            }
            body {
                header {
                    strong.brand { "Skranke kontor" }
                    @if let Some(s) = session {
                        nav aria-label="Hovedmeny" {
                            a href="/kontor/ordrer" { "Ordrer" }
                            @if s.user.role == Role::Leder {
                                a href="/kontor/brukere" { "Brukere" }
                            }
                        }
                        span.who data-testid="office-user" { (s.user.name) " (" (s.user.role.code()) ")" }
                        form method="post" action="/kontor/logg-ut" {
                            input type="hidden" name="csrf" value=(s.csrf_token);
                            button type="submit" data-testid="logout" { "Logg ut" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A refusal as a page, with its status.
pub fn refused(status: StatusCode, message: &str) -> Response {
    (
        status,
        page(
            "Ikke tillatt",
            None,
            html! { p.bad role="alert" data-testid="refused" { (message) } p { a href="/kontor/ordrer" { "Til ordrene" } } },
        ),
    )
        .into_response()
}

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
        Some(text) if text.starts_with("sperret-") => Some(format!(
            "For mange feil forsøk: kontoen er sperret til kl. {}.",
            text.trim_start_matches("sperret-")
        )),
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

/// The newest orders (the filters and paging of item 2 come next).
pub async fn orders(State(state): State<AppState>, session: Session) -> Result<Markup, Response> {
    #[derive(sqlx::FromRow)]
    struct Row {
        number: String,
        store_id: String,
        placed_at: chrono::DateTime<Utc>,
        customer: Option<String>,
        status: String,
        total_ore: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT o.number, o.store_id, o.placed_at, c.body->>'name' AS customer, o.status, o.total_ore
         FROM orders o JOIN customers c ON c.id = o.customer_id
         ORDER BY o.placed_at DESC, o.id DESC LIMIT 50",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(|e| crate::ApiError::from(e).into_response())?;
    let body = html! {
        @if rows.is_empty() {
            p data-testid="no-orders" { "Ingen ordrer ennå." }
        } @else {
            table data-testid="orders" {
                thead { tr { th { "Ordre" } th { "Butikk" } th { "Lagt inn" } th { "Kunde" } th { "Status" } th.num { "Sum" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.number) }
                            td { (r.store_id) }
                            td.when { (r.placed_at.with_timezone(&chrono_tz::Europe::Oslo).format("%d.%m.%Y %H.%M")) }
                            td data-testid="order-customer" { (r.customer.as_deref().unwrap_or("–")) }
                            td { (skranke_core::OrderStatus::from_code(&r.status).map_or(r.status.as_str(), |s| s.text())) }
                            td.num { (skranke_core::Money::from_ore(r.total_ore)) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Ordrer", Some(&session), body))
}

/// The back office's users, and a form to add one (leder only).
pub async fn users(State(state): State<AppState>, session: Session) -> Result<Markup, Response> {
    session.require_leder()?;
    let users = accounts::list_users(&state.pool)
        .await
        .map_err(IntoResponse::into_response)?;
    let body = html! {
        table data-testid="users" {
            thead { tr { th { "Navn" } th { "Rolle" } th { "Aktiv" } } }
            tbody {
                @for (name, role, active) in &users {
                    tr { td { (name) } td { (role) } td { @if *active { "ja" } @else { "nei" } } }
                }
            }
        }
        form.add method="post" action="/kontor/brukere" {
            h2 { "Legg til bruker" }
            input type="hidden" name="csrf" value=(session.csrf_token);
            label for="new-name" { "Navn" }
            input #new-name name="name" required;
            label for="new-role" { "Rolle" }
            select #new-role name="role" { option value="lager" { "lager (ordrer og frakt)" } option value="leder" { "leder (alt)" } }
            label for="new-password" { "Passord (minst 10 tegn)" }
            input #new-password name="password" type="password" autocomplete="new-password" required;
            button.primary type="submit" data-testid="add-user" { "Legg til" }
        }
    };
    Ok(page("Brukere", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct AddUserForm {
    csrf: String,
    name: String,
    role: String,
    password: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AddUserForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    let role =
        Role::parse(&form.role).ok_or_else(|| refused(StatusCode::UNPROCESSABLE_ENTITY, "Ukjent rolle."))?;
    accounts::add_user(
        &state.pool,
        &form.name,
        role,
        &form.password,
        &session::actor(&session.user),
        Utc::now(),
    )
    .await
    .map_err(|e| refused(StatusCode::UNPROCESSABLE_ENTITY, &e.body.message))?;
    Ok(Redirect::to("/kontor/brukere").into_response())
}
