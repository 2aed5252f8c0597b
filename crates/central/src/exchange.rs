//! `exchange_registered` (R3 bytte): the goods coming back and the new order going out, applied
//! together. The central store works the terms out again from what it holds (core's
//! `exchange_terms`) and refuses an exchange whose figures differ; the customer pays or gets back the
//! difference only, never a full refund and a new payment.

use chrono::{DateTime, Utc};
use skranke_core::exchange::{exchange_terms, seller_at_fault, Settlement};
use skranke_core::received::check_return;
use skranke_core::Money;
use skranke_protocol::{ExchangeRegistered, Flag, OrderPlaced, RejectionCode};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::apply::{insert_order, judge_return, own_order, reject, Failure};
use crate::extract::Device;
use crate::integration_feed::EventKind;

pub(crate) async fn exchange_registered(
    tx: &mut PgConnection,
    device: &Device,
    p: ExchangeRegistered,
    policy: &skranke_core::ShopPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<Flag>, Failure> {
    check_return(&p.ret).map_err(|m| reject(RejectionCode::InvalidPayload, m.to_string()))?;
    let (_, original) = own_order(tx, device, p.order_id).await?;
    let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM exchanges WHERE return_id = $1")
        .bind(p.return_id)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_some() {
        let flags: Json<Vec<Flag>> = sqlx::query_scalar("SELECT flags FROM orders WHERE id = $1")
            .bind(p.new_order_id)
            .fetch_one(&mut *tx)
            .await?;
        return Ok(flags.0);
    }
    let earlier = judge_return(tx, &original.0, p.order_id, &p.ret).await?;
    if p.new_order.customer != original.0.customer {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Et bytte sendes til samme kunde som den opprinnelige ordren.",
        ));
    }
    if seller_at_fault(&p.ret) && p.new_order.totals.shipping != Money::ZERO {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Ved feil vare, reklamasjon eller transportskade betaler ikke kunden frakt for byttet.",
        ));
    }
    let returned = skranke_core::returned_before(&original.0, &earlier);
    let terms = exchange_terms(&original.0, &returned, &p.ret, &p.new_order);
    if terms != p.terms {
        return Err(reject(
            RejectionCode::InvalidPayload,
            format!(
                "Sentralen regner byttet annerledes enn skranken: {} (skranken: {})",
                terms.text(),
                p.terms.text()
            ),
        ));
    }

    let customer_id: uuid::Uuid = sqlx::query_scalar("SELECT customer_id FROM orders WHERE id = $1")
        .bind(p.order_id)
        .fetch_one(&mut *tx)
        .await?;
    let placed = OrderPlaced {
        order_id: p.new_order_id,
        order_number: p.new_order_number.clone(),
        customer_id,
        placed_at_utc: p.created_at_utc,
        order: p.new_order.clone(),
        clock_offset_ms: None,
    };
    let (flags, _) = insert_order(tx, device, &placed, policy, false, now).await?;
    let credit = skranke_payments::exchange_credit_lines(&original.0, &p.ret, terms.return_shipping);
    sqlx::query("UPDATE orders SET credit_lines = $2 WHERE id = $1")
        .bind(p.new_order_id)
        .bind(Json(&credit))
        .execute(&mut *tx)
        .await?;

    // The difference: asked for on the new order now, or paid back on the original payment when the
    // goods are received (angrerettloven § 24 lets the seller wait for them), as any refund is.
    let refund = match terms.settlement() {
        Settlement::CustomerGetsBack { amount } => amount,
        Settlement::Even | Settlement::CustomerPays { .. } => Money::ZERO,
    };
    sqlx::query(
        "INSERT INTO returns (id, order_id, return_no, body, received_at, refund_ore, refund_lines)
         VALUES ($1, $2, $3, $4, $5, $6, '[]')",
    )
    .bind(p.return_id)
    .bind(p.order_id)
    .bind(p.return_no)
    .bind(Json(&p.ret))
    .bind(now)
    .bind(refund.ore())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO exchanges (new_order_id, original_order_id, return_id, terms, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.new_order_id)
    .bind(p.order_id)
    .bind(p.return_id)
    .bind(Json(&terms))
    .bind(&p.created_by)
    .bind(p.created_at_utc)
    .execute(&mut *tx)
    .await?;
    match terms.settlement() {
        Settlement::CustomerPays { amount } => {
            crate::payment::request(
                tx,
                p.new_order_id,
                &p.new_order_number,
                p.new_order.payment_method,
                amount,
                now,
            )
            .await?;
        }
        Settlement::Even | Settlement::CustomerGetsBack { .. } => {
            sqlx::query("UPDATE orders SET payment_detail = $2 WHERE id = $1")
                .bind(p.new_order_id)
                .bind(format!(
                    "Betalt med tilgode fra ordre {}",
                    number_of(tx, p.order_id).await?
                ))
                .execute(&mut *tx)
                .await?;
        }
    }
    crate::integration_feed::emit(
        tx,
        p.order_id,
        EventKind::Returned,
        serde_json::json!({ "return_no": p.return_no, "exchange_order": p.new_order_number }),
        now,
    )
    .await?;
    crate::mail::queue_for_customer(
        tx,
        p.new_order_id,
        &p.new_order_number,
        &p.new_order,
        "exchange",
        now,
    )
    .await?;
    Ok(flags)
}

/// An exchange's new order was settled against the goods coming back: changing or cancelling it
/// on its own would leave that settlement wrong, so the desks may not (the back office may).
pub(crate) async fn refuse_if_exchange(tx: &mut PgConnection, order_id: uuid::Uuid) -> Result<(), Failure> {
    let original: Option<String> = sqlx::query_scalar(
        "SELECT o.number FROM exchanges e JOIN orders o ON o.id = e.original_order_id WHERE e.new_order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(&mut *tx)
    .await?;
    match original {
        Some(number) => Err(reject(
            RejectionCode::InvalidPayload,
            skranke_core::exchange::exchange_order_refusal(&number),
        )),
        None => Ok(()),
    }
}

async fn number_of(tx: &mut PgConnection, order_id: uuid::Uuid) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT number FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await
}
