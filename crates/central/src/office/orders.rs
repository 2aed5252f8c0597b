//! Ordrer: the list of orders with its filters and pages.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use skranke_core::{Money, OrderStatus};
use skranke_payments::PaymentState;

use super::layout::{oslo_time, page};
use super::order_list::{order_page, OrderFilter, OrderListRow, OrderQuery, PaymentFilter};
use super::session::Session;
use crate::AppState;

pub async fn orders(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<OrderQuery>,
) -> Result<Markup, Response> {
    let stores: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM stores ORDER BY id")
        .fetch_all(&state.pool)
        .await
        .map_err(|e| crate::ApiError::from(e).into_response())?;
    let (found, problem) = match OrderFilter::parse(&query) {
        Ok(filter) => (
            Some(
                order_page(&state.pool, &filter)
                    .await
                    .map_err(|e| crate::ApiError::from(e).into_response())?,
            ),
            None,
        ),
        Err(message) => (None, Some(message)),
    };
    let selected = |a: &str, b: &str| a == b;
    let body = html! {
        form.filters method="get" action="/kontor/ordrer" role="search" aria-label="Finn ordrer" {
            label { "Søk" input name="sok" value=(query.sok) placeholder="ordrenummer, telefon eller navn" data-testid="order-search"; }
            label { "Butikk"
                select name="butikk" {
                    option value="" { "alle" }
                    @for (id, name) in &stores {
                        option value=(id) selected[selected(&query.butikk.to_uppercase(), id)] { (id) " – " (name) }
                    }
                }
            }
            label { "Status"
                select name="status" data-testid="filter-status" {
                    option value="" { "alle" }
                    @for s in OrderStatus::ALL {
                        option value=(s.code()) selected[selected(&query.status, s.code())] { (s.text()) }
                    }
                }
            }
            label { "Betaling"
                select name="betaling" {
                    option value="" { "alle" }
                    @for p in PaymentFilter::ALL {
                        option value=(p.code()) selected[selected(&query.betaling, p.code())] { (p.text()) }
                    }
                }
            }
            label { "Fra" input type="date" name="fra" value=(query.fra); }
            label { "Til" input type="date" name="til" value=(query.til); }
            div.buttons {
                button.primary type="submit" data-testid="filter" { "Vis" }
                a href="/kontor/ordrer" { "Nullstill" }
            }
        }
        @if let Some(message) = problem {
            p.bad role="alert" data-testid="filter-error" { (message) }
        }
        @if let Some(found) = found {
            @if found.names_capped {
                p.note role="status" { "Mange kunder heter noe slikt: viser ordrene til de 500 sist endrede. Skriv mer av navnet for å finne færre." }
            }
            @if found.rows.is_empty() {
                p data-testid="no-orders" { "Ingen ordrer passer." }
            }
            p.sr #live role="status" aria-live="polite" {}
            div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
                table data-testid="orders" {
                    caption.sr { "Ordrer, nyeste først" }
                    thead { tr { th scope="col" { "Ordre" } th scope="col" { "Butikk" } th scope="col" { "Lagt inn" } th scope="col" { "Kunde" } th scope="col" { "Status" } th scope="col" { "Betaling" } th scope="col" { "E-post" } th.num scope="col" { "Sum" } } }
                    @if query.etter.is_empty() {
                        // The first page keeps itself up to date (kontor.js); later pages stay put.
                        tbody data-refresh=(format!("/kontor/ordrer/rader{}", query.to_query_string())) data-every=(REFRESH_MS) { (rows_markup(&found.rows)) }
                    } @else {
                        tbody { (rows_markup(&found.rows)) }
                    }
                }
            }
            nav.pages aria-label="Sider" {
                @if !query.etter.is_empty() {
                    a href=(format!("/kontor/ordrer{}", query.without_cursor().to_query_string())) { "Første side" }
                }
                @if let Some(next) = found.next {
                    a href=(format!("/kontor/ordrer{}", OrderQuery { etter: next.encode(), ..query.clone() }.to_query_string())) data-testid="next-page" { "Neste side" }
                }
            }
        }
    };
    Ok(page("Ordrer", Some(&session), body))
}

/// How often an open first page asks for its rows again. One ask is one first-page query (the office
/// benchmark: p50 1.5 ms with a million orders), so a hundred open pages cost a few percent of a core.
const REFRESH_MS: u32 = 5000;

fn rows_markup(rows: &[OrderListRow]) -> Markup {
    html! {
        @for r in rows {
            tr data-testid="order-row" {
                td { a href=(format!("/kontor/ordrer/{}", r.number)) data-testid="order-link" { (r.number) } @if r.flagged { " " span.flag title="Noe endret seg etter tilbudet" { "⚑" } } }
                td { (r.store_id) }
                td.when { (oslo_time(r.placed_at)) }
                td data-testid="order-customer" { (r.customer.as_deref().unwrap_or("–")) }
                td data-testid="order-status" { (OrderStatus::from_code(&r.status).map_or(r.status.as_str(), |s| s.text())) }
                td { (r.payment_state.as_deref().and_then(PaymentState::from_code).map_or("–", PaymentState::text)) }
                td { (mail_state_text(r.email_state.as_deref())) }
                td.num { (Money::from_ore(r.total_ore)) }
            }
        }
    }
}

/// The first page's rows alone, for the live refresh.
pub async fn rows(
    State(state): State<AppState>,
    _session: Session,
    Query(query): Query<OrderQuery>,
) -> Result<Markup, Response> {
    let filter = OrderFilter::parse(&query.without_cursor())
        .map_err(|m| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, m).into_response())?;
    let found = order_page(&state.pool, &filter)
        .await
        .map_err(|e| crate::ApiError::from(e).into_response())?;
    Ok(rows_markup(&found.rows))
}

/// The confirmation e-mail's state as staff read it.
pub fn mail_state_text(state: Option<&str>) -> &'static str {
    match state {
        Some("sent") => "sendt",
        Some("bounced") => "kom i retur",
        Some("pending") => "venter",
        Some("none") => "ingen adresse",
        Some(_) => "ukjent",
        None => "–",
    }
}
