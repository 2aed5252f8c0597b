//! Skranker (leder only): every paired desk with its store, version, last contact and unsent work,
//! a warning for a desk silent during opening hours; pairing codes, revoking a desk, and the desk
//! releases with the stores held at one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use maud::html;
use serde::Deserialize;

use super::layout::{oslo_time, page};
use super::session::{self, Session};
use crate::{ApiError, AppState};

/// How long a desk may be silent during opening hours before the page warns.
pub const SILENT_LIMIT: Duration = Duration::hours(1);

/// How long a pairing code made on the page stays valid.
const CODE_MINUTES: i64 = 60;

/// Whether a desk last heard from at `last` has been silent for more than [`SILENT_LIMIT`] of the
/// store's opening hours today (working days, H1, between `opens` and `closes`, Norwegian time).
pub fn silent_during_opening_hours(
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    opens: NaiveTime,
    closes: NaiveTime,
) -> bool {
    let local = now.with_timezone(&Oslo);
    let today = local.date_naive();
    if !skranke_core::calendar::is_working_day(today) || local.time() < opens || local.time() >= closes {
        return false;
    }
    let Some(opened) = Oslo
        .from_local_datetime(&today.and_time(opens))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
    else {
        return false;
    };
    // Silence before the store opened does not count: a desk switched on at opening is not late.
    let since = last.map_or(opened, |at| at.max(opened));
    now - since > SILENT_LIMIT
}

#[derive(sqlx::FromRow)]
struct DeskRow {
    store_id: String,
    store_name: String,
    name: String,
    series: String,
    app_version: Option<String>,
    last_contact_at: Option<DateTime<Utc>>,
    queue_pending: Option<i32>,
    revoked_at: Option<DateTime<Utc>>,
    opens: NaiveTime,
    closes: NaiveTime,
}

/// A code just made, shown once on the page that made it.
struct NewCode {
    store: String,
    code: String,
    expires: DateTime<Utc>,
}

pub async fn desks(State(state): State<AppState>, session: Session) -> Result<Response, Response> {
    session.require_leder()?;
    render(&state, &session, None, None).await
}

async fn render(
    state: &AppState,
    session: &Session,
    code: Option<NewCode>,
    refused: Option<String>,
) -> Result<Response, Response> {
    let internal = |e: sqlx::Error| ApiError::from(e).into_response();
    let rows: Vec<DeskRow> = sqlx::query_as(
        "SELECT d.store_id, s.name AS store_name, d.name, d.series, d.app_version,
                greatest(d.last_contact_at, d.last_seen_at) AS last_contact_at, d.queue_pending,
                d.revoked_at, s.opens, s.closes
         FROM devices d JOIN stores s ON s.id = d.store_id
         ORDER BY d.revoked_at IS NOT NULL, d.store_id, d.series",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?;
    let stores: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM stores ORDER BY id")
        .fetch_all(&state.pool)
        .await
        .map_err(internal)?;
    let releases = crate::desk_updates::list_releases(&state.pool)
        .await
        .map_err(IntoResponse::into_response)?;
    let now = Utc::now();
    let body = html! {
        @if let Some(message) = &refused {
            p.bad role="alert" data-testid="desks-error" { (message) }
        }
        @if let Some(c) = &code {
            section.card.code aria-labelledby="h-code" {
                h2 #h-code { "Paringskode for " (c.store) }
                p.code data-testid="pairing-code" { (c.code) }
                p { "Skriv koden inn på den nye skranken. Den gjelder til " (c.expires.with_timezone(&Oslo).format("%d.%m.%Y kl. %H.%M")) " og kan brukes én gang." }
            }
        }
        div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
            table data-testid="desks" {
                caption.sr { "Skranker" }
                thead { tr { th scope="col" { "Butikk" } th scope="col" { "Skranke" } th scope="col" { "Versjon" } th scope="col" { "Sist hørt fra" } th.num scope="col" { "Ikke mottatt" } th scope="col" { "Tilstand" } th scope="col" { "Sperr" } } }
                tbody {
                    @for d in &rows {
                        @let silent = d.revoked_at.is_none() && silent_during_opening_hours(d.last_contact_at, now, d.opens, d.closes);
                        tr data-testid="desk-row" {
                            td { (d.store_id) " – " (d.store_name) }
                            td { (d.name) " (" (d.series) ")" }
                            td { (d.app_version.as_deref().unwrap_or("–")) }
                            td.when { (d.last_contact_at.map_or_else(|| "aldri".to_string(), oslo_time)) }
                            td.num { (d.queue_pending.unwrap_or(0)) }
                            td data-testid="desk-state" {
                                @if let Some(at) = d.revoked_at { "Sperret " (oslo_time(at)) }
                                @else if silent { span.bad { "⚠ Stille i over en time i åpningstiden" } }
                                @else { "I orden" }
                            }
                            td {
                                @if d.revoked_at.is_none() {
                                    form.inline method="post" action="/kontor/skranker/sperr" {
                                        input type="hidden" name="csrf" value=(session.csrf_token);
                                        input type="hidden" name="serie" value=(d.series);
                                        label.check { input type="checkbox" name="bekreft" value="ja" required aria-label=(format!("Bekreft sperring av {}", d.series)); " sikker" }
                                        button.danger type="submit" data-testid=(format!("revoke-{}", d.series)) { "Sperr" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if rows.is_empty() { p { "Ingen skranker er paret ennå." } }
        p.note { "Åpningstid: hverdager (ikke helligdager) mellom butikkens åpnings- og stengetid, norsk tid. En skranke som ikke har vært i kontakt på over en time i åpningstiden, er merket." }
        form.add method="post" action="/kontor/skranker/paringskode" {
            h2 { "Par en ny skranke" }
            input type="hidden" name="csrf" value=(session.csrf_token);
            label for="code-store" { "Butikk" }
            select #code-store name="butikk" {
                @for (id, name) in &stores { option value=(id) { (id) " – " (name) } }
            }
            button.primary type="submit" data-testid="make-pairing-code" { "Lag paringskode" }
        }
        section aria-labelledby="h-releases" {
            h2 #h-releases { "Programversjoner" }
            @if releases.is_empty() {
                p { "Ingen versjoner er publisert (skranke-central release add)." }
            } @else {
                table data-testid="releases" {
                    thead { tr { th scope="col" { "Versjon" } th scope="col" { "Plattform" } th scope="col" { "Fil" } th.num scope="col" { "Størrelse" } th scope="col" { "Butikker låst hit" } th scope="col" { "Status" } } }
                    tbody {
                        @for r in &releases {
                            tr {
                                td { (r.version) }
                                td { (r.platform) }
                                td { (r.file_name) }
                                td.num { (format!("{:.1} MiB", r.bytes as f64 / 1_048_576.0)) }
                                td { (if r.pinned_stores.is_empty() { "–".to_string() } else { r.pinned_stores.join(", ") }) }
                                td { @if r.withdrawn { "trukket tilbake" } @else { "ute" } }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page("Skranker", Some(session), body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    butikk: String,
}

pub async fn pairing_code(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    let now = Utc::now();
    let valid = Duration::minutes(CODE_MINUTES);
    match crate::pairing::create_code(&state.pool, &form.butikk, valid, now).await {
        Ok(code) => {
            let store = form.butikk.trim().to_uppercase();
            audit(&state, &session, "paringskode laget", &store).await?;
            let new = NewCode {
                store,
                code,
                expires: now + valid,
            };
            render(&state, &session, Some(new), None).await
        }
        Err(e) if e.status.is_client_error() => render(&state, &session, None, Some(e.body.message)).await,
        Err(e) => Err(e.into_response()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf: String,
    #[serde(default)]
    serie: String,
    #[serde(default)]
    bekreft: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<RevokeForm>,
) -> Result<Response, Response> {
    session.require_leder()?;
    session.check_csrf(&form.csrf)?;
    if form.bekreft != "ja" {
        return render(
            &state,
            &session,
            None,
            Some("Kryss av for at skranken skal sperres.".into()),
        )
        .await;
    }
    match crate::pairing::revoke_device(&state.pool, &form.serie, Utc::now()).await {
        Ok(name) => {
            audit(
                &state,
                &session,
                "skranke sperret",
                &format!("{name} ({})", form.serie.trim().to_uppercase()),
            )
            .await?;
            Ok(Redirect::to("/kontor/skranker").into_response())
        }
        Err(e) if e.status.is_client_error() => render(&state, &session, None, Some(e.body.message)).await,
        Err(e) => Err(e.into_response()),
    }
}

/// A change made on this page, in the central store's audit log by name.
pub(super) async fn audit(
    state: &AppState,
    session: &Session,
    action: &str,
    subject: &str,
) -> Result<(), Response> {
    let internal = |e: sqlx::Error| ApiError::from(e).into_response();
    let mut tx = state.pool.begin().await.map_err(internal)?;
    crate::audit::append(
        &mut tx,
        &session::actor(&session.user),
        action,
        subject,
        Utc::now(),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn oslo(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Oslo.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_desk_is_silent_only_for_an_hour_of_opening_hours() {
        let (opens, closes) = (
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        );
        // Thursday 3 December 2026.
        let now = oslo(2026, 12, 3, 11, 0);
        assert!(silent_during_opening_hours(
            Some(oslo(2026, 12, 3, 9, 30)),
            now,
            opens,
            closes
        ));
        assert!(!silent_during_opening_hours(
            Some(oslo(2026, 12, 3, 10, 30)),
            now,
            opens,
            closes
        ));
        // Silent since yesterday, but the store opened only 40 minutes ago.
        let early = oslo(2026, 12, 3, 9, 40);
        assert!(!silent_during_opening_hours(
            Some(oslo(2026, 12, 2, 16, 0)),
            early,
            opens,
            closes
        ));
        assert!(silent_during_opening_hours(
            None,
            oslo(2026, 12, 3, 10, 1),
            opens,
            closes
        ));
        // After closing, on a Sunday, on a public holiday (1. juledag): no warning.
        assert!(!silent_during_opening_hours(
            None,
            oslo(2026, 12, 3, 17, 30),
            opens,
            closes
        ));
        assert!(!silent_during_opening_hours(
            None,
            oslo(2026, 12, 6, 12, 0),
            opens,
            closes
        ));
        assert!(!silent_during_opening_hours(
            None,
            oslo(2026, 12, 25, 12, 0),
            opens,
            closes
        ));
    }
}
