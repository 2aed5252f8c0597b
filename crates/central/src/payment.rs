//! Payment requests per order (P5): recorded with the order, moved by provider events, shown to desks.

use chrono::{DateTime, Utc};
use skranke_core::{Money, PaymentMethod, ValidOrder};
use skranke_payments::{payment_lines, IdempotencyKey, KeyKind, PaymentEvent, PaymentLine, PaymentState};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Which provider carries a method: Vipps itself, everything else Klarna's page (P5).
pub(crate) const fn provider_of(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Vipps => "vipps",
        _ => "klarna",
    }
}

/// Records a payment request for `order` and queues it for sending, in the caller's transaction.
pub(crate) async fn request(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    method: PaymentMethod,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let attempt: i32 =
        sqlx::query_scalar("SELECT coalesce(max(attempt), 0) + 1 FROM payments WHERE order_id = $1")
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await?;
    let id = Uuid::now_v7();
    let reference = format!("{order_number}-{attempt}");
    sqlx::query(
        "INSERT INTO payments (id, order_id, attempt, method, provider, reference, state, amount_ore, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $8, $8)",
    )
    .bind(id)
    .bind(order_id)
    .bind(attempt)
    .bind(method.code())
    .bind(provider_of(method))
    .bind(&reference)
    .bind(amount.ore())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    queue_job(tx, id, "create", None, None, &reference, now).await?;
    show_on_order(
        tx,
        order_id,
        method.code(),
        PaymentState::Requested,
        None,
        None,
        now,
    )
    .await?;
    Ok(id)
}

/// Queues a provider call; `key` becomes its idempotency key, `lines` what a capture or refund is
/// made of.
pub(crate) async fn queue_job(
    tx: &mut PgConnection,
    payment_id: Uuid,
    kind: &str,
    amount: Option<Money>,
    lines: Option<&[PaymentLine]>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_jobs (payment_id, kind, amount_ore, lines, idempotency_key, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(payment_id)
    .bind(kind)
    .bind(amount.map(Money::ore))
    .bind(lines.map(Json))
    .bind(key)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The payment state on the order row, which is what the desks pull (orders stream).
async fn show_on_order(
    tx: &mut PgConnection,
    order_id: Uuid,
    method: &str,
    state: PaymentState,
    detail: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let before: Option<String> = sqlx::query_scalar("SELECT payment_state FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE orders SET payment_method = $2, payment_state = $3, payment_detail = $4,
                           payment_expires_at = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(order_id)
    .bind(method)
    .bind(state.code())
    .bind(detail)
    .bind(expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if before.as_deref() != Some(state.code()) {
        crate::integration_feed::emit(
            tx,
            order_id,
            crate::integration_feed::EventKind::Payment,
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A payment as the worker and the webhooks need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PaymentRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub attempt: i32,
    pub method: String,
    pub provider: String,
    pub reference: String,
    pub state: String,
    pub amount_ore: i64,
    pub provider_id: Option<String>,
    pub provider_order_id: Option<String>,
    pub kp_session_id: Option<String>,
    pub distribution_url: Option<String>,
    pub distribution_started_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl PaymentRow {
    pub fn state(&self) -> PaymentState {
        PaymentState::from_code(&self.state).unwrap_or(PaymentState::Failed)
    }
    pub fn method(&self) -> PaymentMethod {
        PaymentMethod::from_code(&self.method).unwrap_or(PaymentMethod::Kort)
    }
}

const COLUMNS: &str = "id, order_id, attempt, method, provider, reference, state, amount_ore, provider_id,
     provider_order_id, kp_session_id, distribution_url, distribution_started_at, expires_at";

/// The order's newest payment attempt, locked.
pub(crate) async fn latest_for_order(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 ORDER BY attempt DESC LIMIT 1 FOR UPDATE"
    ))
    .bind(order_id)
    .fetch_optional(&mut *tx)
    .await
}

pub(crate) async fn by_id(tx: &mut PgConnection, id: Uuid) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
}

pub(crate) async fn by_provider_id(
    tx: &mut PgConnection,
    provider: &str,
    provider_id: &str,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE provider = $1 AND provider_id = $2 FOR UPDATE"
    ))
    .bind(provider)
    .bind(provider_id)
    .fetch_optional(&mut *tx)
    .await
}

/// What staff read beside the state, for an event from `provider` (webhook or polling).
pub(crate) fn detail_for(provider: &str, event: PaymentEvent) -> Option<&'static str> {
    match (provider, event) {
        ("vipps", PaymentEvent::Declined) => {
            Some("Kunden avviste betalingen i Vipps, eller oppfyller ikke aldersgrensen.")
        }
        (_, PaymentEvent::Declined) => Some("Kunden avbrøt betalingen hos Klarna."),
        (_, PaymentEvent::Interrupted) => {
            Some("Kunden kom ikke gjennom hos Klarna og kan prøve igjen i samme lenke til den utløper.")
        }
        _ => None,
    }
}

/// Moves `payment` by `event` (no change when the event does not apply: a duplicate or a late one),
/// and shows the result on the order when this is the order's newest attempt. A replaced attempt that
/// is paid after all is given back at once (P5): staff have already asked for another payment, and
/// the customer must not pay twice.
pub(crate) async fn apply_event(
    tx: &mut PgConnection,
    payment: &PaymentRow,
    event: PaymentEvent,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<PaymentState>, sqlx::Error> {
    let Some(next) = payment.state().after(event) else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE payments SET state = $2, detail = coalesce($3, detail), updated_at = $4 WHERE id = $1",
    )
    .bind(payment.id)
    .bind(next.code())
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let newest: i32 = sqlx::query_scalar("SELECT max(attempt) FROM payments WHERE order_id = $1")
        .bind(payment.order_id)
        .fetch_one(&mut *tx)
        .await?;
    if newest == payment.attempt {
        // Issue 20: the units held while the customer pays are sold, or free again.
        if next.holds_money() {
            crate::stock::settle(tx, payment.order_id, crate::stock::Settled::Paid, now).await?;
        } else if matches!(
            next,
            PaymentState::Expired | PaymentState::Declined | PaymentState::Cancelled | PaymentState::Failed
        ) {
            crate::stock::settle(tx, payment.order_id, crate::stock::Settled::Expired, now).await?;
        }
        let expires_at = next.is_open().then_some(payment.expires_at).flatten();
        show_on_order(
            tx,
            payment.order_id,
            &payment.method,
            next,
            detail,
            expires_at,
            now,
        )
        .await?;
    } else if next.holds_money() && !payment.state().holds_money() {
        give_back(tx, payment, next, now).await?;
        return Ok(Some(next));
    }
    // The customer paid after the order was cancelled: they get it back (nothing is sent).
    if next.holds_money() && !payment.state().holds_money() && order_cancelled(tx, payment.order_id).await? {
        give_back(tx, payment, next, now).await?;
    }
    Ok(Some(next))
}

/// Queues the call that gives a replaced attempt's money back: a reservation is released, a payment
/// taken at once (card on Klarna's page) is refunded in full.
async fn give_back(
    tx: &mut PgConnection,
    payment: &PaymentRow,
    state: PaymentState,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let key = IdempotencyKey::new(KeyKind::Release, payment.id);
    if state == PaymentState::Captured {
        let amount = Money::from_ore(payment.amount_ore);
        let lines = payment_lines(&order_body(tx, payment.order_id).await?);
        queue_job(
            tx,
            payment.id,
            "refund",
            Some(amount),
            Some(&lines),
            key.as_str(),
            now,
        )
        .await
    } else {
        queue_job(tx, payment.id, "release", None, None, key.as_str(), now).await
    }
}

async fn order_cancelled(tx: &mut PgConnection, order_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT status = 'kansellert' FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await
}

/// The order was cancelled before dispatch: an open request is withdrawn, a reservation released,
/// and what was taken at once paid back, so the customer is not charged for what is never sent.
pub(crate) async fn give_back_on_cancel(
    tx: &mut PgConnection,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if let Some(p) = latest_for_order(tx, order_id).await? {
        let state = p.state();
        if state.is_open() {
            let key = IdempotencyKey::new(KeyKind::Cancel, p.id);
            queue_job(tx, p.id, "cancel", None, None, key.as_str(), now).await?;
        } else if state.holds_money() {
            give_back(tx, &p, state, now).await?;
        }
    }
    Ok(())
}

async fn order_body(tx: &mut PgConnection, order_id: Uuid) -> Result<ValidOrder, sqlx::Error> {
    let body: Json<ValidOrder> = sqlx::query_scalar("SELECT body FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(body.0)
}

/// Records that the request reached the customer at `now`, with when it runs out, and when to ask
/// the provider next.
pub(crate) async fn mark_sent(
    tx: &mut PgConnection,
    payment: &PaymentRow,
    expires_at: Option<DateTime<Utc>>,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET expires_at = coalesce($2, expires_at), next_poll_at = $3 WHERE id = $1")
        .bind(payment.id)
        .bind(expires_at)
        .bind(crate::payment_polling::next_poll(
            &payment.provider,
            expires_at,
            now,
        ))
        .execute(&mut *tx)
        .await?;
    let mut sent = payment.clone();
    sent.expires_at = expires_at.or(payment.expires_at);
    apply_event(tx, &sent, PaymentEvent::Sent, detail, now).await?;
    Ok(())
}

/// Staff resend the request or choose another method (P5): refused once money is reserved or taken;
/// otherwise the open request is withdrawn and a new one queued.
pub(crate) async fn replace(
    tx: &mut PgConnection,
    order_id: Uuid,
    order_number: &str,
    order: &ValidOrder,
    method: PaymentMethod,
    now: DateTime<Utc>,
) -> Result<Result<(), PaymentState>, sqlx::Error> {
    if let Some(current) = latest_for_order(tx, order_id).await? {
        let state = current.state();
        if !state.may_be_replaced() {
            return Ok(Err(state));
        }
        if state.is_open() {
            let key = IdempotencyKey::new(KeyKind::Cancel, current.id);
            queue_job(tx, current.id, "cancel", None, None, key.as_str(), now).await?;
        }
    }
    request(tx, order_id, order_number, method, order.totals.total, now).await?;
    Ok(Ok(()))
}

/// The parcel is sent: take the reserved amount (P1: faktura and Vipps are charged at dispatch).
pub(crate) async fn capture_on_dispatch(
    tx: &mut PgConnection,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if let Some(p) = latest_for_order(tx, order_id).await? {
        if p.state() == PaymentState::Reserved {
            let key = IdempotencyKey::new(KeyKind::Capture, p.id);
            let (order, credit): (Json<ValidOrder>, Option<Json<Vec<PaymentLine>>>) =
                sqlx::query_as("SELECT body, credit_lines FROM orders WHERE id = $1")
                    .bind(order_id)
                    .fetch_one(&mut *tx)
                    .await?;
            // An exchange's new order is paid less what comes back (its credit lines).
            let mut lines = payment_lines(&order.0);
            lines.extend(credit.map(|c| c.0).unwrap_or_default());
            let payable: Money = lines.iter().map(|l| l.total).sum();
            // An order made cheaper after the reservation (a change before dispatch) takes only its
            // amount now; never more than was reserved.
            let amount = Money::from_ore(p.amount_ore).min(payable);
            queue_job(tx, p.id, "capture", Some(amount), Some(&lines), key.as_str(), now).await?;
            if amount.ore() < p.amount_ore {
                // The rest of the reservation is nobody's: given back after the capture (a
                // payment's jobs run in order), not left to run out days later.
                let rest = Money::from_ore(p.amount_ore - amount.ore());
                let key = IdempotencyKey::new(KeyKind::ReleaseRest, p.id);
                queue_job(tx, p.id, "release_rest", Some(rest), None, key.as_str(), now).await?;
            }
        }
    }
    Ok(())
}

/// A return was registered: pay back what was returned (`lines`, adding up to `amount`), if it was
/// paid.
pub(crate) async fn refund_return(
    tx: &mut PgConnection,
    order_id: Uuid,
    return_id: Uuid,
    amount: Money,
    lines: &[PaymentLine],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if let Some(p) = latest_for_order(tx, order_id).await? {
        // A return can arrive while the capture is still on its way to the provider: the refund is
        // queued behind it (a payment's jobs run in order).
        let capture_queued: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM payment_jobs WHERE payment_id = $1 AND kind = 'capture')",
        )
        .bind(p.id)
        .fetch_one(&mut *tx)
        .await?;
        let captured = matches!(p.state(), PaymentState::Captured | PaymentState::Refunded) || capture_queued;
        if captured && amount > Money::ZERO {
            let key = IdempotencyKey::new(KeyKind::Refund, return_id);
            queue_job(tx, p.id, "refund", Some(amount), Some(lines), key.as_str(), now).await?;
        }
    }
    Ok(())
}
