//! Applying one mutation inside the push transaction (under a savepoint): the business decisions and
//! conflict outcomes of DESIGN.md "Sync with the central store".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use skranke_core::{Availability, OrderStatus};
use skranke_protocol::{
    AuditRecorded, ConfirmationResent, ConsentRecorded, CustomerUpserted, Flag, Mutation, MutationKind,
    OrderCancelled, OrderPlaced, PaymentRequested, Rejection, RejectionCode, ReturnRegistered,
};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::extract::Device;
use skranke_core::received::{check_order, check_return};

use crate::integration_feed::EventKind;

/// Why a mutation was not applied: a business rejection is recorded and the queue moves on; a database
/// failure stops the push, and the desk retries the same mutation.
#[derive(Debug)]
pub(crate) enum Failure {
    Rejected(Rejection),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Failure {
        // A value PostgreSQL cannot store (class 22) or a broken constraint (class 23) is the payload's
        // fault: retrying would fail forever and jam the queue, so it is a rejection.
        if let sqlx::Error::Database(db) = &e {
            if let Some(code) = db.code() {
                if code.starts_with("22") || code.starts_with("23") {
                    return reject(
                        RejectionCode::InvalidPayload,
                        format!("Sentralen kunne ikke lagre endringen: {}", db.message()),
                    );
                }
            }
        }
        Failure::Database(e)
    }
}

pub(crate) fn reject(code: RejectionCode, message: impl Into<String>) -> Failure {
    Failure::Rejected(Rejection {
        code,
        message: message.into(),
    })
}

fn parse<T: serde::de::DeserializeOwned>(m: &Mutation) -> Result<T, Failure> {
    serde_json::from_str(m.payload.get()).map_err(|e| {
        reject(
            RejectionCode::InvalidPayload,
            format!("Endringen kunne ikke leses ({}): {e}", m.kind.code()),
        )
    })
}

/// Applies `m` for `device`; returns the flags of an accepted mutation. `desk_clock` is how far the
/// central store's clock is ahead of the desk's, as the push measured it.
pub(crate) async fn apply(
    tx: &mut PgConnection,
    device: &Device,
    m: &Mutation,
    policy: &skranke_core::ShopPolicy,
    desk_clock: Option<chrono::Duration>,
    now: DateTime<Utc>,
) -> Result<Vec<Flag>, Failure> {
    match m.kind {
        MutationKind::OrderPlaced => {
            let p: OrderPlaced = parse(m)?;
            let (order_id, applied) = (p.order_id, p.clock_offset_ms);
            let flags = order_placed(tx, device, p, policy, now).await?;
            flag_wrong_clock(tx, order_id, desk_clock, applied).await?;
            Ok(flags)
        }
        MutationKind::ReturnRegistered => return_registered(tx, device, parse(m)?, now).await,
        MutationKind::CustomerUpserted => customer_upserted(tx, device, parse(m)?)
            .await
            .map(|()| Vec::new()),
        MutationKind::OrderCancelled => order_cancelled(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::PaymentRequested => payment_requested(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::ConfirmationResent => confirmation_resent(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::AuditRecorded => audit_recorded(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::ConsentRecorded => consent_recorded(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::OrderChanged => crate::order_change::order_changed(tx, device, parse(m)?, now).await,
        MutationKind::ClaimRegistered => crate::claims::claim_registered(tx, device, parse(m)?, policy, now)
            .await
            .map(|()| Vec::new()),
        MutationKind::ExchangeRegistered => {
            crate::exchange::exchange_registered(tx, device, parse(m)?, policy, now).await
        }
        MutationKind::QuoteSent => crate::quotes::quote_sent(tx, device, parse(m)?, now)
            .await
            .map(|()| Vec::new()),
    }
}

/// F7: a consent record of a customer of the device's own store, stored once as it was made.
async fn consent_recorded(
    tx: &mut PgConnection,
    device: &Device,
    p: ConsentRecorded,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let r = &p.record;
    if r.staff.trim().is_empty() || r.staff.chars().nth(skranke_core::order::MAX_NAME).is_some() {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Samtykket mangler hvem som registrerte det.",
        ));
    }
    if r.given && r.text.trim().is_empty() || r.text.chars().nth(MAX_CONSENT_TEXT).is_some() {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Et gitt samtykke må ha teksten som ble lest opp (høyst 2000 tegn).",
        ));
    }
    let customer_id = crate::customer_merge::resolve(tx, p.customer_id).await?;
    let owner: Option<String> = sqlx::query_scalar("SELECT store_id FROM customers WHERE id = $1")
        .bind(customer_id)
        .fetch_optional(&mut *tx)
        .await?;
    if owner.as_deref() != Some(device.store_id.as_str()) {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Samtykket gjelder en kunde butikken ikke kjenner.",
        ));
    }
    sqlx::query(
        "INSERT INTO consent_records (id, customer_id, store_id, purpose, given, at_utc, staff, channel,
                                      text_version, text, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
    )
    .bind(p.record_id)
    .bind(customer_id)
    .bind(&device.store_id)
    .bind(r.purpose.code())
    .bind(r.given)
    .bind(r.at)
    .bind(&r.staff)
    .bind(r.channel.code())
    .bind(i32::try_from(r.text_version).unwrap_or(i32::MAX))
    .bind(&r.text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Issue 21 item 7: an order stamped by a desk clock that was off (placed offline, or before the desk
/// had the central store's time) is flagged with how far off, for the back office. What is left after
/// the offset the desk applied is the error in `placed_at`; more than two minutes is flagged.
async fn flag_wrong_clock(
    tx: &mut PgConnection,
    order_id: uuid::Uuid,
    desk_clock: Option<chrono::Duration>,
    applied_ms: Option<i64>,
) -> Result<(), Failure> {
    let Some(measured) = desk_clock else {
        return Ok(());
    };
    let error = measured - chrono::Duration::milliseconds(applied_ms.unwrap_or(0));
    if error.abs() <= chrono::Duration::minutes(2) {
        return Ok(());
    }
    sqlx::query(
        "UPDATE orders SET desk_clock_error_seconds = $2 WHERE id = $1 AND desk_clock_error_seconds IS NULL",
    )
    .bind(order_id)
    .bind(error.num_seconds())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The longest consent text a record may carry.
const MAX_CONSENT_TEXT: usize = 2000;

async fn order_placed(
    tx: &mut PgConnection,
    device: &Device,
    p: OrderPlaced,
    policy: &skranke_core::ShopPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<Flag>, Failure> {
    let (flags, fresh) = insert_order(tx, device, &p, policy, true, now).await?;
    if fresh {
        // P5 and R3: the payment request and the confirmation e-mail are queued with the order, so
        // they go out exactly when the order is accepted, once, however often the desk resends it.
        crate::payment::request(
            tx,
            p.order_id,
            &p.order_number,
            p.order.payment_method,
            p.order.totals.total,
            now,
        )
        .await?;
        crate::mail::queue_confirmation(tx, p.order_id, &p.order_number, &p.order, now).await?;
    }
    Ok(flags)
}

/// Stores an order from the desk's series (a placed order, or an exchange's new order) with its
/// conflict flags; `false` beside the flags when it was stored before (a resend).
pub(crate) async fn insert_order(
    tx: &mut PgConnection,
    device: &Device,
    p: &OrderPlaced,
    policy: &skranke_core::ShopPolicy,
    hold_stock: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<Flag>, bool), Failure> {
    if !device.owns_number(&p.order_number) {
        return Err(reject(
            RejectionCode::WrongSeries,
            format!(
                "Ordrenummeret {} er ikke fra denne skrankens serie ({}).",
                p.order_number.chars().take(40).collect::<String>(),
                device.series
            ),
        ));
    }
    check_order(&p.order).map_err(|m| reject(RejectionCode::InvalidPayload, m.to_string()))?;

    // The order's own id is the second line of defence against duplicates (a desk paired again
    // resends under new seqs): the same order is acknowledged with what was decided the first time.
    let existing: Option<(String, Json<Vec<Flag>>)> =
        sqlx::query_as("SELECT number, flags FROM orders WHERE id = $1")
            .bind(p.order_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((number, flags)) = existing {
        if number == p.order_number {
            return Ok((flags.0, false));
        }
        return Err(reject(
            RejectionCode::InvalidPayload,
            "En annen ordre med samme id finnes allerede.",
        ));
    }
    let taken: Option<i32> = sqlx::query_scalar("SELECT 1 FROM orders WHERE number = $1")
        .bind(&p.order_number)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(reject(
            RejectionCode::OrderNumberTaken,
            format!("Ordrenummeret {} er allerede brukt.", p.order_number),
        ));
    }

    crate::discounts::judge(tx, &device.store_id, &p.order, &policy.discounts).await?;
    // Issue 20: the units of a counted product are held while the customer pays (an exchange's new
    // order is settled against the goods coming back, and holds nothing).
    let (planned, mut flags) = if hold_stock {
        crate::stock::plan(tx, &device.store_id, &p.order).await?
    } else {
        (crate::stock::Planned::none(), Vec::new())
    };
    for flag in conflicts(tx, &device.store_id, &p.order).await? {
        if !flags.contains(&flag) {
            flags.push(flag);
        }
    }
    // A desk that was offline during a merge still sends the old customer: it is the one kept now.
    let customer_id = crate::customer_merge::resolve(tx, p.customer_id).await?;
    upsert_customer(tx, device, customer_id, &p.order.customer, p.placed_at_utc).await?;
    sqlx::query(
        "INSERT INTO orders (id, number, store_id, device_id, customer_id, placed_at, received_at, total_ore, body, flags, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7)",
    )
    .bind(p.order_id)
    .bind(&p.order_number)
    .bind(&device.store_id)
    .bind(device.id)
    .bind(customer_id)
    .bind(p.placed_at_utc)
    .bind(now)
    .bind(p.order.totals.total.ore())
    .bind(Json(&p.order))
    .bind(Json(&flags))
    .execute(&mut *tx)
    .await?;
    record_status(tx, p.order_id, OrderStatus::UnderBehandling, None, "desk", now).await?;
    crate::stock::hold(tx, &device.store_id, p.order_id, planned, now).await?;
    crate::integration_feed::emit(tx, p.order_id, EventKind::Accepted, serde_json::json!({}), now).await?;
    Ok((flags, true))
}

/// DESIGN.md conflicts: the quoted price stands (flagged when it changed); a line quoted in stock that
/// no longer is gets back-ordered with the product's status now; a product gone from the catalog is
/// flagged. None of these refuses the order: the sale happened.
pub(crate) async fn conflicts(
    tx: &mut PgConnection,
    store: &str,
    order: &skranke_core::ValidOrder,
) -> Result<Vec<Flag>, Failure> {
    let skus: Vec<String> = order.lines.iter().map(|l| l.sku.clone()).collect();
    let rows: Vec<(String, i64, bool, Option<String>)> = sqlx::query_as(
        "SELECT p.sku, p.price_ore, p.deleted, coalesce(sa.status, a.status)
         FROM products p
         LEFT JOIN availability a ON a.sku = p.sku AND NOT a.deleted
         LEFT JOIN store_availability sa ON sa.sku = p.sku AND sa.store_id = $2 AND NOT sa.deleted
         WHERE p.sku = ANY($1)",
    )
    .bind(&skus)
    .bind(store)
    .fetch_all(&mut *tx)
    .await?;
    let current: HashMap<String, (i64, bool, Option<String>)> =
        rows.into_iter().map(|(s, p, d, a)| (s, (p, d, a))).collect();
    let mut flags = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let sku = line.sku.clone();
        match current.get(&line.sku) {
            None | Some((_, true, _)) => flags.push(Flag::Discontinued { line_no, sku }),
            Some((price, false, status)) => {
                // A discounted line is compared by its price before the discount (issue 20).
                let quoted = line
                    .discount
                    .as_ref()
                    .map_or(line.unit_price, |d| d.listed_unit_price);
                if *price != quoted.ore() {
                    flags.push(Flag::PriceChanged {
                        line_no,
                        sku: sku.clone(),
                        quoted_ore: quoted.ore(),
                        current_ore: *price,
                    });
                }
                if let Some(status) = status {
                    if line.availability == Availability::InStock && status != "in_stock" {
                        flags.push(Flag::BackOrdered {
                            line_no,
                            sku,
                            availability: status.clone(),
                        });
                    }
                }
            }
        }
    }
    Ok(flags)
}

async fn upsert_customer(
    tx: &mut PgConnection,
    device: &Device,
    id: uuid::Uuid,
    customer: &skranke_core::order::Customer,
    at: DateTime<Utc>,
) -> Result<(), Failure> {
    let done = sqlx::query(
        "INSERT INTO customers (id, store_id, body, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
         WHERE customers.store_id = excluded.store_id AND customers.updated_at <= excluded.updated_at",
    )
    .bind(id)
    .bind(&device.store_id)
    .bind(Json(customer))
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        // Either a newer version is already stored (fine) or the id belongs to another store (not fine).
        let owner: Option<String> = sqlx::query_scalar("SELECT store_id FROM customers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if owner.as_deref() != Some(device.store_id.as_str()) {
            return Err(reject(
                RejectionCode::InvalidPayload,
                "Kunden tilhører en annen butikk.",
            ));
        }
    }
    Ok(())
}

async fn customer_upserted(
    tx: &mut PgConnection,
    device: &Device,
    p: CustomerUpserted,
) -> Result<(), Failure> {
    let c = &p.customer;
    if c.name.trim().is_empty() || c.name.chars().nth(skranke_core::order::MAX_NAME).is_some() {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Kundens navn mangler eller er for langt.",
        ));
    }
    let customer_id = crate::customer_merge::resolve(tx, p.customer_id).await?;
    upsert_customer(tx, device, customer_id, c, p.updated_at_utc).await
}

/// The order of the device's own store, or a rejection: a desk sees only its store's orders.
pub(crate) async fn own_order(
    tx: &mut PgConnection,
    device: &Device,
    order_id: uuid::Uuid,
) -> Result<(String, Json<skranke_core::ValidOrder>), Failure> {
    let row: Option<(String, Json<skranke_core::ValidOrder>)> =
        sqlx::query_as("SELECT status, body FROM orders WHERE id = $1 AND store_id = $2 FOR UPDATE")
            .bind(order_id)
            .bind(&device.store_id)
            .fetch_optional(&mut *tx)
            .await?;
    row.ok_or_else(|| {
        reject(
            RejectionCode::UnknownOrder,
            "Sentralen kjenner ikke denne ordren.",
        )
    })
}

/// R3: core's judge over all of `ret`'s lines together, against what was bought and the returns
/// registered before it; answers those earlier returns.
pub(crate) async fn judge_return(
    tx: &mut PgConnection,
    order: &skranke_core::ValidOrder,
    order_id: uuid::Uuid,
    ret: &skranke_core::ValidReturn,
) -> Result<Vec<skranke_core::ValidReturn>, Failure> {
    let earlier: Vec<Json<skranke_core::ValidReturn>> =
        sqlx::query_scalar("SELECT body FROM returns WHERE order_id = $1")
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
    let earlier: Vec<skranke_core::ValidReturn> = earlier.into_iter().map(|r| r.0).collect();
    let bought = skranke_core::return_request::bought(&order.lines);
    skranke_core::check_within_order(&bought, &earlier, ret)
        .map_err(|e| reject(RejectionCode::ReturnExceedsOrder, e.to_string()))?;
    Ok(earlier)
}

async fn return_registered(
    tx: &mut PgConnection,
    device: &Device,
    p: ReturnRegistered,
    now: DateTime<Utc>,
) -> Result<Vec<Flag>, Failure> {
    check_return(&p.ret).map_err(|m| reject(RejectionCode::InvalidPayload, m.to_string()))?;
    let (_, order) = own_order(tx, device, p.order_id).await?;
    let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM returns WHERE id = $1")
        .bind(p.return_id)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_some() {
        return Ok(Vec::new());
    }
    let earlier = judge_return(tx, &order.0, p.order_id, &p.ret).await?;
    // S2a: goods at their price, and the shipping at its rates with the return that completes the
    // order. Paid back when the warehouse marks the goods received (return_receipt.rs).
    let refund = skranke_core::refund_of_return(&order.0, &earlier, &p.ret);
    let lines = skranke_payments::refund_lines(&order.0, &p.ret, &refund);
    sqlx::query(
        "INSERT INTO returns (id, order_id, return_no, body, received_at, refund_ore, refund_lines)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.return_id)
    .bind(p.order_id)
    .bind(p.return_no)
    .bind(Json(&p.ret))
    .bind(now)
    .bind(refund.total.ore())
    .bind(Json(&lines))
    .execute(&mut *tx)
    .await?;
    crate::integration_feed::emit(
        tx,
        p.order_id,
        EventKind::Returned,
        serde_json::json!({ "return_no": p.return_no }),
        now,
    )
    .await?;
    Ok(Vec::new())
}

async fn payment_requested(
    tx: &mut PgConnection,
    device: &Device,
    p: PaymentRequested,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let (status, order) = own_order(tx, device, p.order_id).await?;
    if OrderStatus::from_code(&status) == Some(OrderStatus::Kansellert) {
        return Err(reject(RejectionCode::InvalidPayload, "Ordren er kansellert."));
    }
    // F5: a Vipps request goes to a mobile number only.
    if p.method == skranke_core::PaymentMethod::Vipps && !order.0.customer.phone.is_mobile() {
        return Err(reject(
            RejectionCode::InvalidPayload,
            format!(
                "Vipps krever et mobilnummer; {} er ikke et mobilnummer.",
                order.0.customer.phone.display_national()
            ),
        ));
    }
    if p.method == skranke_core::PaymentMethod::Vipps
        && order.0.totals.total.ore() < skranke_payments::VIPPS_MINIMUM_ORE
    {
        return Err(reject(
            RejectionCode::InvalidPayload,
            format!(
                "Vipps tar bare beløp fra 1,00 kr; ordren er på {}.",
                order.0.totals.total
            ),
        ));
    }
    let number: String = sqlx::query_scalar("SELECT number FROM orders WHERE id = $1")
        .bind(p.order_id)
        .fetch_one(&mut *tx)
        .await?;
    match crate::payment::replace(tx, p.order_id, &number, &order.0, p.method, now).await? {
        Ok(()) => Ok(()),
        Err(state) => Err(reject(
            RejectionCode::PaymentSettled,
            format!(
                "Betalingen er {}: den kan ikke sendes på nytt eller endres.",
                state.text()
            ),
        )),
    }
}

async fn confirmation_resent(
    tx: &mut PgConnection,
    device: &Device,
    p: ConfirmationResent,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let (_, order) = own_order(tx, device, p.order_id).await?;
    let to = match p.email.as_deref() {
        Some(text) => skranke_core::Email::parse(text)
            .map_err(|e| reject(RejectionCode::InvalidPayload, e.to_string()))?
            .as_str()
            .to_string(),
        None => match &order.0.customer.email {
            Some(e) => e.as_str().to_string(),
            None => {
                return Err(reject(
                    RejectionCode::InvalidPayload,
                    "Kunden har ingen e-postadresse.",
                ))
            }
        },
    };
    let number: String = sqlx::query_scalar("SELECT number FROM orders WHERE id = $1")
        .bind(p.order_id)
        .fetch_one(&mut *tx)
        .await?;
    // An exchange's new order is confirmed by its slip, sent again as such.
    let exchange: Option<i32> = sqlx::query_scalar("SELECT 1 FROM exchanges WHERE new_order_id = $1")
        .bind(p.order_id)
        .fetch_optional(&mut *tx)
        .await?;
    let kind = if exchange.is_some() {
        "exchange"
    } else {
        "confirmation"
    };
    crate::mail::queue(tx, p.order_id, &number, kind, &to, now).await?;
    Ok(())
}

async fn order_cancelled(
    tx: &mut PgConnection,
    device: &Device,
    p: OrderCancelled,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let (status, order) = own_order(tx, device, p.order_id).await?;
    match OrderStatus::from_code(&status) {
        Some(OrderStatus::Kansellert) => Ok(()),
        Some(s) if s.may_become(OrderStatus::Kansellert) => {
            crate::exchange::refuse_if_exchange(tx, p.order_id).await?;
            sqlx::query(
                "UPDATE orders SET status = 'kansellert', updated_at = $2, cancel_reason = $3, cancelled_by = $4 WHERE id = $1",
            )
            .bind(p.order_id)
            .bind(now)
            .bind(p.reason.chars().take(500).collect::<String>())
            .bind(p.cancelled_by.as_deref().map(|b| b.chars().take(100).collect::<String>()))
                .execute(&mut *tx)
                .await?;
            record_status(tx, p.order_id, OrderStatus::Kansellert, None, "desk", now).await?;
            crate::payment::give_back_on_cancel(tx, p.order_id, now).await?;
            crate::stock::settle(tx, p.order_id, crate::stock::Settled::Cancelled, now).await?;
            crate::integration_feed::emit(tx, p.order_id, EventKind::Cancelled, serde_json::json!({}), now)
                .await?;
            let number: String = sqlx::query_scalar("SELECT number FROM orders WHERE id = $1")
                .bind(p.order_id)
                .fetch_one(&mut *tx)
                .await?;
            crate::mail::queue_for_customer(tx, p.order_id, &number, &order.0, "cancelled", now).await?;
            Ok(())
        }
        _ => Err(reject(
            RejectionCode::CancelAfterDispatch,
            format!(
                "Ordren kan ikke kanselleres: den har status «{}». Registrer en retur i stedet.",
                OrderStatus::from_code(&status).map_or_else(|| status.clone(), |s| s.text().to_string())
            ),
        )),
    }
}

pub(crate) async fn record_status(
    tx: &mut PgConnection,
    order_id: uuid::Uuid,
    status: OrderStatus,
    tracking: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_status_history (order_id, at, status, tracking_number, set_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(now)
    .bind(status.code())
    .bind(tracking)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A desk's audit entry: stored with whether it continues the desk's chain. A break (an entry
/// changed or removed on the desk before it was sent) is kept and flagged, never refused: the
/// record of what arrived is the evidence.
async fn audit_recorded(
    tx: &mut PgConnection,
    device: &Device,
    p: AuditRecorded,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log WHERE device_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(device.id)
            .fetch_optional(&mut *tx)
            .await?;
    let (expected_seq, expected_prev) = match &last {
        Some((seq, hash)) => (seq + 1, hash.clone()),
        None => (1, skranke_protocol::AUDIT_GENESIS.to_string()),
    };
    let recomputed = skranke_protocol::audit_hash(
        p.seq,
        &p.at_utc.to_rfc3339(),
        p.staff_id.map(|id| id.to_string()).as_deref(),
        &p.staff_name,
        &p.action,
        &p.subject,
        &p.prev_hash,
    );
    let chain_ok = p.seq == expected_seq && p.prev_hash == expected_prev && recomputed == p.hash;
    if !chain_ok {
        tracing::warn!(device = %device.id, seq = p.seq, "revisjonsloggen fra skranken er brutt");
    }
    sqlx::query(
        "INSERT INTO audit_log (device_id, seq, at, staff_id, staff_name, action, subject, prev_hash, hash, chain_ok, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (device_id, seq) DO NOTHING",
    )
    .bind(device.id)
    .bind(p.seq)
    .bind(p.at_utc)
    .bind(p.staff_id)
    .bind(&p.staff_name)
    .bind(&p.action)
    .bind(&p.subject)
    .bind(&p.prev_hash)
    .bind(&p.hash)
    .bind(chain_ok)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
