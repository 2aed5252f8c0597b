//! Brukere: the back office's own users (leder only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::accounts::{self, Role};
use super::layout::{page, refused};
use super::session::{self, Session};
use crate::AppState;

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
