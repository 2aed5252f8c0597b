//! Moving an order along "Under behandling" → "Sendt" → "Levert" (D8), by the operator.

use chrono::{DateTime, Utc};
use skranke_core::OrderStatus;
use skranke_protocol::{ErrorCode, Flag, OrderStatusRow, SetStatusRequest};
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::apply::record_status;
use crate::integration_feed::EventKind;
use crate::ApiError;

/// Sets the status of the order numbered `number`; `set_by` is recorded in its history.
pub async fn set_status(
    pool: &PgPool,
    number: &str,
    req: &SetStatusRequest,
    set_by: &str,
    now: DateTime<Utc>,
) -> Result<OrderStatusRow, ApiError> {
    let tracking = req
        .tracking_number
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(t) = tracking {
        if t.chars().count() > 64 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ApiError::invalid_value(
                "Sporingsnummeret kan ha høyst 64 tegn: bokstaver, tall og bindestrek.",
            ));
        }
    }
    if req.status.needs_tracking() && tracking.is_none() {
        return Err(ApiError::invalid_value(
            "En sendt ordre må ha sporingsnummer (--tracking).",
        ));
    }
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM orders WHERE number = $1 FOR UPDATE")
            .bind(number.trim())
            .fetch_optional(&mut *tx)
            .await?;
    let (id, current) =
        row.ok_or_else(|| ApiError::not_found(format!("Fant ingen ordre {}.", number.trim())))?;
    let current = OrderStatus::from_code(&current).unwrap_or(OrderStatus::UnderBehandling);
    if !current.may_become(req.status) {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            ErrorCode::InvalidStatusChange,
            format!(
                "Ordren har status «{}» og kan ikke få status «{}».",
                current.text(),
                req.status.text()
            ),
        ));
    }
    let updated: (String, String, Option<String>, Json<Vec<Flag>>, DateTime<Utc>) = sqlx::query_as(
        "UPDATE orders SET status = $2, tracking_number = coalesce($3, tracking_number), updated_at = $4
         WHERE id = $1 RETURNING number, status, tracking_number, flags, updated_at",
    )
    .bind(id)
    .bind(req.status.code())
    .bind(tracking)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    record_status(&mut tx, id, req.status, tracking, set_by, now).await?;
    let subject = match tracking {
        Some(t) => format!("{}: {} (sporingsnummer {t})", updated.0, req.status.text()),
        None => format!("{}: {}", updated.0, req.status.text()),
    };
    crate::audit::append(&mut tx, set_by, "status endret", &subject, now).await?;
    if req.status == OrderStatus::Kansellert {
        crate::payment::give_back_on_cancel(&mut tx, id, now).await?;
        sqlx::query("UPDATE orders SET cancelled_by = $2 WHERE id = $1")
            .bind(id)
            .bind(set_by)
            .execute(&mut *tx)
            .await?;
        let body: Json<skranke_core::ValidOrder> =
            sqlx::query_scalar("SELECT body FROM orders WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        crate::mail::queue_for_customer(&mut tx, id, &updated.0, &body.0, "cancelled", now).await?;
    }
    let event = match req.status {
        OrderStatus::Sendt => EventKind::Sent,
        OrderStatus::Kansellert => EventKind::Cancelled,
        OrderStatus::UnderBehandling | OrderStatus::Levert => EventKind::Changed,
    };
    crate::integration_feed::emit(&mut tx, id, event, serde_json::json!({}), now).await?;
    if req.status == OrderStatus::Sendt && current != OrderStatus::Sendt {
        // P1: what was reserved is taken when the parcel leaves; the customer gets the tracking number.
        crate::payment::capture_on_dispatch(&mut tx, id, now).await?;
        // To the address the confirmation last went to: staff may have corrected it (R3).
        let to: Option<String> = sqlx::query_scalar(
            "SELECT coalesce(email_to, body->'customer'->>'email') FROM orders WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(to) = to {
            crate::mail::queue(&mut tx, id, &updated.0, "shipped", &to, now).await?;
        }
    }
    tx.commit().await?;
    Ok(OrderStatusRow {
        order_id: id,
        order_number: updated.0,
        status: skranke_protocol::OrderState::from_code(&updated.1),
        status_text: req.status.text().to_string(),
        tracking_number: updated.2,
        flags: updated.3 .0,
        updated_at: updated.4,
        payment: None,
        email: None,
        version: 1,
        order: None,
        customer_id: None,
        placed_at: None,
    })
}
