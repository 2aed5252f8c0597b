//! Plukkliste: a store's orders that are ready to pack (not yet sent, the payment reserved or taken)
//! as a printable PDF, one line per product with the quantity, where it is now, and its EAN-13.
//! Lines the supplier sends directly (D6) are not packed here.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use skranke_core::ValidOrder;
use skranke_pdf::PickLine;
use sqlx::types::Json;

use super::layout::{page, refused};
use super::session::Session;
use crate::{ApiError, AppState};

/// Payment states in which an order may be packed: the money is reserved or taken.
const READY_PAYMENT: [&str; 2] = ["reserved", "captured"];

/// Where a product is, from its availability now (A1), as the warehouse reads it.
fn location(availability: Option<&str>) -> String {
    match availability {
        Some("in_stock") => "Hovedlager".into(),
        Some("remote_warehouse") => "Fjernlager".into(),
        Some("supplier_warehouse") => "Leverandør".into(),
        Some("ordered_confirmed" | "ordered_unconfirmed") => "Bestilt inn".into(),
        Some("must_order") => "Må bestilles".into(),
        _ => "Ukjent".into(),
    }
}

/// The store's name and the lines to pick, with how many orders they come from.
pub async fn lines_to_pick(
    pool: &sqlx::PgPool,
    store: &str,
) -> Result<(String, usize, Vec<PickLine>), ApiError> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM stores WHERE id = $1")
        .bind(store)
        .fetch_optional(pool)
        .await?;
    let name = name.ok_or_else(|| ApiError::not_found(format!("Fant ingen butikk {store}.")))?;
    let orders: Vec<(String, Json<ValidOrder>)> = sqlx::query_as(
        "SELECT number, body FROM orders
         WHERE store_id = $1 AND status = 'under_behandling' AND payment_state = ANY($2)
         ORDER BY placed_at, id",
    )
    .bind(store)
    .bind(READY_PAYMENT.to_vec())
    .fetch_all(pool)
    .await?;
    let mut by_sku: BTreeMap<String, PickLine> = BTreeMap::new();
    for (number, body) in &orders {
        for line in body.0.lines.iter().filter(|l| !l.supplier_direct) {
            let entry = by_sku.entry(line.sku.clone()).or_insert_with(|| PickLine {
                sku: line.sku.clone(),
                name: line.name.clone(),
                quantity: 0,
                location: String::new(),
                ean: None,
                orders: Vec::new(),
            });
            entry.quantity += line.quantity;
            if entry.orders.last() != Some(number) {
                entry.orders.push(number.clone());
            }
        }
    }
    let skus: Vec<String> = by_sku.keys().cloned().collect();
    let now: Vec<(String, Vec<String>, Option<String>)> = sqlx::query_as(
        "SELECT p.sku, p.eans, coalesce(s.status, a.status)
         FROM products p
         LEFT JOIN availability a ON a.sku = p.sku AND NOT a.deleted
         LEFT JOIN store_availability s ON s.sku = p.sku AND s.store_id = $2 AND NOT s.deleted
         WHERE p.sku = ANY($1)",
    )
    .bind(&skus)
    .bind(store)
    .fetch_all(pool)
    .await?;
    for (sku, eans, availability) in now {
        if let Some(line) = by_sku.get_mut(&sku) {
            line.location = location(availability.as_deref());
            line.ean = eans
                .into_iter()
                .find(|e| e.len() == 13 && e.bytes().all(|b| b.is_ascii_digit()));
        }
    }
    let mut lines: Vec<PickLine> = by_sku.into_values().collect();
    for line in &mut lines {
        if line.location.is_empty() {
            line.location = "Ute av sortimentet".into();
        }
    }
    // Walk the warehouse once: by place, then by SKU.
    lines.sort_by(|a, b| (&a.location, &a.sku).cmp(&(&b.location, &b.sku)));
    Ok((name, orders.len(), lines))
}

#[derive(Debug, Deserialize)]
pub struct StoreQuery {
    #[serde(default)]
    butikk: String,
}

pub async fn pick_page(State(state): State<AppState>, session: Session) -> Result<Response, Response> {
    let stores: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM stores ORDER BY id")
        .fetch_all(&state.pool)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let body = html! {
        p { "Ordrer som er klare til pakking: ikke sendt ennå, og betalingen er reservert eller trukket. Varer leverandøren sender direkte, er ikke med." }
        form.add method="get" action="/kontor/plukkliste.pdf" {
            label for="pick-store" { "Butikk" }
            select #pick-store name="butikk" {
                @for (id, name) in &stores { option value=(id) { (id) " – " (name) } }
            }
            button.primary type="submit" data-testid="pick-list" { "Lag plukkliste (PDF)" }
        }
    };
    Ok(page("Plukkliste", Some(&session), body).into_response())
}

pub async fn pick_pdf(
    State(state): State<AppState>,
    _session: Session,
    Query(q): Query<StoreQuery>,
) -> Result<Response, Response> {
    let store = q.butikk.trim().to_uppercase();
    let (name, orders, lines) = lines_to_pick(&state.pool, &store)
        .await
        .map_err(|e| refused(e.status, &e.body.message))?;
    let made = Utc::now().with_timezone(&chrono_tz::Europe::Oslo).naive_local();
    let label = format!("{store} – {name}");
    let pdf = skranke_pdf::pick_list(&skranke_pdf::PickList {
        store: &label,
        made,
        orders,
        lines: &lines,
    })
    .map_err(|e| refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"plukkliste-{store}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}
