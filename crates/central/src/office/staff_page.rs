//! Ansatte (leder only): the store staff who log in on the desks with a PIN; add, give a new PIN,
//! deactivate. The desks pick the change up at their next sync.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::desks::audit;
use super::layout::{oslo_time, page};
use super::session::Session;
use crate::{ApiError, AppState};

#[derive(sqlx::FromRow)]
struct StaffRow {
    store_id: String,
    name: String,
    active: bool,
    updated_at: DateTime<Utc>,
}

/// What was typed into the add form, kept when it is refused.
#[derive(Debug, Default)]
struct Typed {
    store: String,
    name: String,
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    lagret: String,
}

pub async fn staff(
    State(state): State<AppState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, Response> {
    session.require_leder()?;
    // A fixed text after saving, never text from the address bar.
    let done = (q.lagret == "ja")
        .then(|| "Lagret. Skrankene i butikken får endringen ved neste synkronisering.".to_string());
    render(&state, &session, done, Typed::default(), None).await
}

async fn render(
    state: &AppState,
    session: &Session,
    done: Option<String>,
    typed: Typed,
    refused: Option<String>,
) -> Result<Response, Response> {
    let internal = |e: sqlx::Error| ApiError::from(e).into_response();
    let rows: Vec<StaffRow> = sqlx::query_as(
        "SELECT store_id, name, active, updated_at FROM staff ORDER BY store_id, NOT active, name",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?;
    let stores: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM stores ORDER BY id")
        .fetch_all(&state.pool)
        .await
        .map_err(internal)?;
    let body = html! {
        @if let Some(done) = &done { p.good role="status" data-testid="staff-notice" { (done) } }
        @if let Some(message) = &refused { p.bad role="alert" data-testid="staff-error" { (message) } }
        div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
            table data-testid="staff" {
                caption.sr { "Ansatte på skrankene" }
                thead { tr { th scope="col" { "Butikk" } th scope="col" { "Navn" } th scope="col" { "Kan logge inn" } th scope="col" { "Endret" } th scope="col" { "Ta bort tilgangen" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.store_id) }
                            td { (r.name) }
                            td { @if r.active { "ja" } @else { "nei" } }
                            td.when { (oslo_time(r.updated_at)) }
                            td {
                                @if r.active {
                                    form.inline method="post" action="/kontor/ansatte/deaktiver" {
                                        input type="hidden" name="csrf" value=(session.csrf_token);
                                        input type="hidden" name="butikk" value=(r.store_id);
                                        input type="hidden" name="navn" value=(r.name);
                                        button.danger type="submit" aria-label=(format!("Deaktiver {} i {}", r.name, r.store_id)) { "Deaktiver" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if rows.is_empty() { p { "Ingen ansatte er lagt inn ennå." } }
        form.add method="post" action="/kontor/ansatte" {
            h2 { "Legg til, eller gi ny PIN" }
            p { "Finnes navnet i butikken fra før, får personen den nye PIN-en (og tilgangen tilbake)." }
            input type="hidden" name="csrf" value=(session.csrf_token);
            label for="staff-store" { "Butikk" }
            select #staff-store name="butikk" {
                @for (id, name) in &stores { option value=(id) selected[typed.store == *id] { (id) " – " (name) } }
            }
            label for="staff-name" { "Navn" }
            input #staff-name name="navn" required value=(typed.name) autocomplete="off" data-testid="staff-name";
            label for="staff-pin" { "PIN (4–8 sifre)" }
            input #staff-pin name="pin" type="password" inputmode="numeric" required autocomplete="new-password" data-testid="staff-pin";
            button.primary type="submit" data-testid="add-staff" { "Lagre" }
        }
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page("Ansatte", Some(session), body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StaffForm {
    csrf: String,
    #[serde(default)]
    butikk: String,
    #[serde(default)]
    navn: String,
    #[serde(default)]
    pin: String,
}

pub async fn set_staff(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<StaffForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    match crate::staff::set_staff(&state.pool, &form.butikk, &form.navn, &form.pin, Utc::now()).await {
        Ok(_) => {
            let store = form.butikk.trim().to_uppercase();
            let name = form.navn.trim();
            audit(
                &state,
                &session,
                "ansatt lagt til eller ny PIN",
                &format!("{name} i {store}"),
            )
            .await?;
            Ok(Redirect::to("/kontor/ansatte?lagret=ja").into_response())
        }
        Err(e) if e.status.is_client_error() => {
            let typed = Typed {
                store: form.butikk,
                name: form.navn,
            };
            render(&state, &session, None, typed, Some(e.body.message)).await
        }
        Err(e) => Err(e.into_response()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DeactivateForm {
    csrf: String,
    #[serde(default)]
    butikk: String,
    #[serde(default)]
    navn: String,
}

pub async fn deactivate(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<DeactivateForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    match crate::staff::deactivate_staff(&state.pool, &form.butikk, &form.navn, Utc::now()).await {
        Ok(()) => {
            audit(
                &state,
                &session,
                "ansatt deaktivert",
                &format!("{} i {}", form.navn.trim(), form.butikk.trim().to_uppercase()),
            )
            .await?;
            Ok(Redirect::to("/kontor/ansatte").into_response())
        }
        Err(e) if e.status.is_client_error() => {
            render(&state, &session, None, Typed::default(), Some(e.body.message)).await
        }
        Err(e) => Err(e.into_response()),
    }
}
