//! Integrasjoner (leder only): the webhook endpoints the order events go to, how far each has got,
//! and the log of every delivery attempt (issue 18 item 4).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::{oslo_time, page};
use super::session::Session;
use crate::{ApiError, AppState};

pub async fn integrations(State(state): State<AppState>, session: Session) -> Result<Response, Response> {
    session.require_leder()?;
    let internal = |e: sqlx::Error| ApiError::from(e).into_response();
    let endpoints = crate::outbound_webhooks::endpoints(&state.pool)
        .await
        .map_err(internal)?;
    let attempts = crate::outbound_webhooks::recent_attempts(&state.pool, 100)
        .await
        .map_err(internal)?;
    let body = html! {
        p { "Ordrehendelsene (mottatt, endret, kansellert, sendt, returnert, betaling) sendes signert til adressene under, i rekkefølge og til de er tatt imot; et system kan også hente dem med GET /v1/integration/orders og en egen nøkkel. Legg til med «skranke-central webhook add URL» og «skranke-central integration-token add NAVN»." }
        h2 { "Mottakere" }
        @if endpoints.is_empty() { p { "Ingen ennå." } } @else {
            div.scroll tabindex="0" role="region" aria-label="Mottakere (kan rulles sidelengs)" {
                table data-testid="webhook-endpoints" {
                    thead { tr { th scope="col" { "Adresse" } th.num scope="col" { "Venter" } th scope="col" { "Tilstand" } } }
                    tbody {
                        @for e in &endpoints {
                            tr {
                                td { (e.url) }
                                td.num { (e.waiting) }
                                td {
                                    @if !e.active { "av" }
                                    @else if e.attempts > 0 { span.bad { (e.attempts) " feil på rad; neste forsøk " (oslo_time(e.next_attempt_at)) } }
                                    @else { "i orden" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Leveringslogg" }
        @if attempts.is_empty() { p { "Ingen leveringer ennå." } } @else {
            div.scroll tabindex="0" role="region" aria-label="Leveringslogg (kan rulles sidelengs)" {
                table data-testid="webhook-log" {
                    thead { tr { th scope="col" { "Tid" } th scope="col" { "Adresse" } th scope="col" { "Hendelse" } th scope="col" { "Ordre" } th scope="col" { "Svar" } th.num scope="col" { "ms" } } }
                    tbody {
                        @for a in &attempts {
                            tr {
                                td.when { (oslo_time(a.at)) }
                                td { (a.url) }
                                td { (a.kind) }
                                td.nowrap { (a.order_number) }
                                td { @if let Some(e) = &a.error { span.bad { (e) } } @else { (a.status.unwrap_or_default()) " OK" } }
                                td.num { (a.millis) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Integrasjoner", Some(&session), body).into_response())
}
