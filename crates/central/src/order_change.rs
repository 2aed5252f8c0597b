//! A desk's change of a placed order (`order_changed`), judged again here against the version this
//! store holds: only before dispatch (D8), only from the version that stands (a change from an older
//! one is refused, never applied over what another desk did), with the price lock kept, and the
//! payment following the new amount (P5).

use chrono::{DateTime, Utc};
use skranke_core::order_change::{describe_change, may_change, payment_follow, PaymentFollow};
use skranke_core::received::check_order;
use skranke_core::{OrderStatus, ValidOrder};
use skranke_payments::{IdempotencyKey, KeyKind};
use skranke_protocol::{Flag, OrderChanged, RejectionCode};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::apply::{reject, Failure};
use crate::extract::Device;
use crate::integration_feed::EventKind;

#[derive(sqlx::FromRow)]
struct Standing {
    number: String,
    status: String,
    version: i32,
    body: Json<ValidOrder>,
}

pub(crate) async fn order_changed(
    tx: &mut PgConnection,
    device: &Device,
    p: OrderChanged,
    now: DateTime<Utc>,
) -> Result<Vec<Flag>, Failure> {
    check_order(&p.order).map_err(|m| reject(RejectionCode::InvalidPayload, m.to_string()))?;
    let standing: Option<Standing> = sqlx::query_as(
        "SELECT number, status, version, body FROM orders WHERE id = $1 AND store_id = $2 FOR UPDATE",
    )
    .bind(p.order_id)
    .bind(&device.store_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(standing) = standing else {
        return Err(reject(
            RejectionCode::UnknownOrder,
            "Sentralen kjenner ikke denne ordren.",
        ));
    };
    let current = standing.body.0;
    // The same change arriving again (a desk paired anew resends its outbox) is the one applied.
    let known: Option<Json<ValidOrder>> =
        sqlx::query_scalar("SELECT body FROM order_versions WHERE order_id = $1 AND version = $2")
            .bind(p.order_id)
            .bind(version_i32(p.version))
            .fetch_optional(&mut *tx)
            .await?;
    if known.is_some_and(|k| k.0 == p.order) {
        return Ok(Vec::new());
    }
    crate::exchange::refuse_if_exchange(tx, p.order_id).await?;
    let status = OrderStatus::from_code(&standing.status).unwrap_or(OrderStatus::Sendt);
    may_change(status).map_err(|e| {
        let code = match status {
            OrderStatus::Kansellert => RejectionCode::InvalidPayload,
            _ => RejectionCode::ChangeAfterDispatch,
        };
        reject(code, e.to_string())
    })?;
    if i64::from(p.base_version) != i64::from(standing.version)
        || p.version != p.base_version.saturating_add(1)
    {
        return Err(reject(
            RejectionCode::ChangeConflict,
            format!(
                "Ordren ble endret et annet sted (nå versjon {}) før denne endringen (fra versjon {}) kom fram. Endringen er ikke gjort: åpne ordren, se hva som står, og gjør endringen på nytt med kunden.",
                standing.version, p.base_version
            ),
        ));
    }
    same_sale(&current, &p)?;

    let method_changed = current.payment_method != p.order.payment_method;
    let payment = crate::payment::latest_for_order(tx, p.order_id).await?;
    let follow = payment_follow(
        current.totals.total,
        p.order.totals.total,
        method_changed,
        payment.as_ref().map(crate::payment::PaymentRow::state),
    )
    .map_err(|e| reject(RejectionCode::PaymentSettled, e.to_string()))?;

    let changes = describe_change(&current, &p.order);
    if standing.version == 1 {
        // The order as placed is the first version, kept as it was confirmed.
        sqlx::query(
            "INSERT INTO order_versions (order_id, version, body, changed_at, changed_by, received_at)
             SELECT id, 1, body, placed_at, body->>'placed_by', received_at FROM orders WHERE id = $1
             ON CONFLICT DO NOTHING",
        )
        .bind(p.order_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO order_versions (order_id, version, body, changes, reprice, changed_at, changed_by, device_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.order_id)
    .bind(version_i32(p.version))
    .bind(Json(&p.order))
    .bind(Json(&changes))
    .bind(p.reprice)
    .bind(p.changed_at_utc)
    .bind(&p.changed_by)
    .bind(device.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE orders SET body = $2, version = $3, total_ore = $4, updated_at = $5 WHERE id = $1")
        .bind(p.order_id)
        .bind(Json(&p.order))
        .bind(version_i32(p.version))
        .bind(p.order.totals.total.ore())
        .bind(now)
        .execute(&mut *tx)
        .await?;

    match follow {
        PaymentFollow::Unchanged | PaymentFollow::CaptureLess { .. } => {
            // A reservation is captured at dispatch for the order's amount then (the new total); what
            // is left of it is released after the capture.
        }
        PaymentFollow::NewRequest => {
            if let Err(state) = crate::payment::replace(
                tx,
                p.order_id,
                &standing.number,
                &p.order,
                p.order.payment_method,
                now,
            )
            .await?
            {
                return Err(reject(
                    RejectionCode::PaymentSettled,
                    format!("Betalingen er {}: den kan ikke endres.", state.text()),
                ));
            }
        }
        PaymentFollow::Refund { amount } => {
            if let Some(paid) = &payment {
                let key = IdempotencyKey::new(KeyKind::Refund, uuid::Uuid::now_v7());
                let lines = skranke_payments::change_refund_lines(&current, &p.order, amount);
                crate::payment::queue_job(
                    tx,
                    paid.id,
                    "refund",
                    Some(amount),
                    Some(&lines),
                    key.as_str(),
                    now,
                )
                .await?;
            }
        }
    }
    crate::integration_feed::emit(
        tx,
        p.order_id,
        EventKind::Changed,
        serde_json::json!({ "version": p.version }),
        now,
    )
    .await?;
    crate::mail::queue_for_customer(tx, p.order_id, &standing.number, &p.order, "changed", now).await?;
    new_line_flags(tx, &device.store_id, &current, &p).await
}

fn version_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// A change changes the order, not the sale: the same customer and age record, the day it was
/// placed, who placed it; and, without re-pricing, every line already on the order at its price.
fn same_sale(current: &ValidOrder, p: &OrderChanged) -> Result<(), Failure> {
    let new = &p.order;
    if new.customer != current.customer
        || new.placed_at != current.placed_at
        || new.age_check != current.age_check
        || new.placed_by != current.placed_by
    {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "En endring kan ikke endre kunden, ordredatoen eller hvem som la inn ordren.",
        ));
    }
    if !p.reprice {
        for line in &new.lines {
            if let Some(before) = current.lines.iter().find(|l| l.sku == line.sku) {
                if before.unit_price != line.unit_price {
                    return Err(reject(
                        RejectionCode::InvalidPayload,
                        format!(
                            "{}: prisen på ordren er {}, endringen har {} uten at ordren er prissatt på nytt.",
                            line.name, before.unit_price, line.unit_price
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The flags of order_placed for what the change priced today (new lines, or all when re-priced):
/// the desk's price may be older than this store's.
async fn new_line_flags(
    tx: &mut PgConnection,
    store: &str,
    current: &ValidOrder,
    p: &OrderChanged,
) -> Result<Vec<Flag>, Failure> {
    let flags = crate::apply::conflicts(tx, store, &p.order).await?;
    Ok(flags
        .into_iter()
        .filter(|f| match f {
            Flag::PriceChanged { sku, .. } => p.reprice || !current.lines.iter().any(|l| &l.sku == sku),
            _ => true,
        })
        .collect())
}
