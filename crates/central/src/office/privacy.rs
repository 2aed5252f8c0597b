//! Personvern (leder only, F8): everything the central store holds about a customer, shown and
//! downloadable; and forgetting the customer, after a confirmation, keeping the sales the
//! bookkeeping law still requires.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use skranke_core::PhoneNumber;

use super::desks::audit;
use super::layout::page;
use super::session::{self, Session};
use crate::{ApiError, AppState};

pub async fn privacy(State(_state): State<AppState>, session: Session) -> Result<Response, Response> {
    session.require_leder()?;
    Ok(render(&session, "", None, None, StatusCode::OK))
}

/// The result shown under the forms: an export, or what forgetting did.
enum Shown {
    Export {
        phone: String,
        json: String,
        orders: usize,
    },
    Forgotten(Vec<String>),
}

fn render(
    session: &Session,
    phone: &str,
    shown: Option<Shown>,
    refused: Option<String>,
    status: StatusCode,
) -> Response {
    let body = html! {
        p { "Kunden har rett til innsyn i, og sletting av, det butikken har lagret om dem (personvernforordningen art. 15 og 17). Salg som bokføringsloven krever, beholdes til oppbevaringstiden er ute; kundens navn fjernes fra dem." }
        @if let Some(message) = &refused { p.bad role="alert" data-testid="privacy-error" { (message) } }
        div.cards {
            form.add method="post" action="/kontor/personvern/innsyn" {
                h2 { "Innsyn" }
                input type="hidden" name="csrf" value=(session.csrf_token);
                label for="export-phone" { "Kundens telefonnummer" }
                input #export-phone name="telefon" type="tel" required value=(phone) data-testid="export-phone";
                button.primary type="submit" data-testid="export" { "Vis alt vi har" }
            }
            form.add method="post" action="/kontor/personvern/slett" {
                h2 { "Slett kunden" }
                input type="hidden" name="csrf" value=(session.csrf_token);
                label for="forget-phone" { "Kundens telefonnummer" }
                input #forget-phone name="telefon" type="tel" required data-testid="forget-phone";
                label.check { input type="checkbox" name="bekreft" value="ja" required data-testid="confirm-forget"; " Jeg har bekreftet hvem kunden er, og forstår at slettingen ikke kan angres" }
                button.danger type="submit" data-testid="forget" { "Slett kunden" }
            }
        }
        @match &shown {
            Some(Shown::Export { phone, json, orders }) => {
                section aria-labelledby="h-export" {
                    h2 #h-export { "Alt sentralen har om " (phone) }
                    p data-testid="export-summary" { (orders) " ordre(r). Gi kunden dette som fil:" }
                    form method="post" action="/kontor/personvern/innsyn.json" {
                        input type="hidden" name="csrf" value=(session.csrf_token);
                        input type="hidden" name="telefon" value=(phone);
                        button type="submit" data-testid="export-download" { "Last ned (JSON)" }
                    }
                    pre.export data-testid="export-json" tabindex="0" aria-label="Kundedata som JSON" { (json) }
                }
            }
            Some(Shown::Forgotten(lines)) => {
                section aria-labelledby="h-forgotten" {
                    h2 #h-forgotten { "Slettet" }
                    ul data-testid="forget-report" { @for l in lines { li { (l) } } }
                }
            }
            None => {}
        }
    };
    (status, page("Personvern", Some(session), body)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    csrf: String,
    #[serde(default)]
    telefon: String,
    #[serde(default)]
    bekreft: String,
}

/// The phone as stored (+47 and 8 digits), or why it is not one.
fn parse_phone(text: &str) -> Result<String, String> {
    PhoneNumber::parse(text)
        .map(|p| p.e164())
        .map_err(|e| format!("Telefonnummeret «{}»: {e}", text.trim()))
}

fn phone_refused(session: &Session, typed: &str, message: String) -> Response {
    render(
        session,
        typed,
        None,
        Some(message),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

async fn export_json(
    state: &AppState,
    session: &Session,
    phone: &str,
) -> Result<serde_json::Value, Response> {
    let data = crate::personal_data::customer_export(&state.pool, phone)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    // Who looked at a customer's data is itself recorded.
    audit(state, session, "innsyn i kundedata (F8)", phone).await?;
    Ok(data)
}

pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<PhoneForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    let phone = match parse_phone(&form.telefon) {
        Ok(phone) => phone,
        Err(message) => return Ok(phone_refused(&session, &form.telefon, message)),
    };
    let data = export_json(&state, &session, &phone).await?;
    let orders = data["ordrer"].as_array().map_or(0, Vec::len);
    let json = serde_json::to_string_pretty(&data).unwrap_or_default();
    let shown = Shown::Export {
        phone: phone.clone(),
        json,
        orders,
    };
    Ok(render(&session, &phone, Some(shown), None, StatusCode::OK))
}

pub async fn export_file(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<PhoneForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    let phone = match parse_phone(&form.telefon) {
        Ok(phone) => phone,
        Err(message) => return Ok(phone_refused(&session, &form.telefon, message)),
    };
    let data = export_json(&state, &session, &phone).await?;
    let json = serde_json::to_vec_pretty(&data).unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"kundedata-{}.json\"",
                    phone.trim_start_matches('+')
                ),
            ),
        ],
        json,
    )
        .into_response())
}

pub async fn forget(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<PhoneForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    let phone = match parse_phone(&form.telefon) {
        Ok(phone) => phone,
        Err(message) => return Ok(phone_refused(&session, &form.telefon, message)),
    };
    if form.bekreft != "ja" {
        return Ok(render(
            &session,
            "",
            None,
            Some("Kryss av for at du har bekreftet hvem kunden er.".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let now = Utc::now();
    let today = now.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
    let report = crate::personal_data::forget_customer(
        &state.pool,
        &phone,
        today,
        &session::actor(&session.user),
        now,
    )
    .await
    .map_err(|e| ApiError::from(e).into_response())?;
    let mut lines = vec![format!(
        "Kunderegisteret: {} oppføring(er) slettet.",
        report.customers_erased
    )];
    lines.extend(
        report
            .orders_erased
            .iter()
            .map(|n| skranke_core::retention::erased_text(n)),
    );
    lines.extend(
        report
            .orders_kept
            .iter()
            .map(|(n, until)| skranke_core::retention::kept_text(n, *until)),
    );
    Ok(render(
        &session,
        "",
        Some(Shown::Forgotten(lines)),
        None,
        StatusCode::OK,
    ))
}
