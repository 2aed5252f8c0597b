//! The warehouse has the returned goods: the refund worked out when the return was registered is
//! queued now, once, however often the return is marked received.

use chrono::{DateTime, Utc};
use skranke_core::Money;
use skranke_payments::PaymentLine;
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::integration_feed::EventKind;
use crate::ApiError;

/// What marking a return received did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Marked now; this is paid back (nothing when the order was never paid).
    Received { refund: Money },
    /// It was marked before: nothing more happens.
    AlreadyReceived,
}

#[derive(sqlx::FromRow)]
struct ReturnRow {
    id: Uuid,
    order_id: Uuid,
    refund_ore: Option<i64>,
    refund_lines: Option<Json<Vec<PaymentLine>>>,
    goods_received_at: Option<DateTime<Utc>>,
}

/// Marks return `return_no` of order `number` received by `actor` and queues its refund.
pub async fn mark_received(
    pool: &PgPool,
    number: &str,
    return_no: i64,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Receipt, ApiError> {
    let mut tx = pool.begin().await?;
    let row: Option<ReturnRow> = sqlx::query_as(
        "SELECT r.id, r.order_id, r.refund_ore, r.refund_lines, r.goods_received_at
         FROM returns r JOIN orders o ON o.id = r.order_id
         WHERE o.number = $1 AND r.return_no = $2 FOR UPDATE OF r",
    )
    .bind(number.trim().to_uppercase())
    .bind(return_no)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or_else(|| {
        ApiError::not_found(format!(
            "Fant ingen retur {return_no} på ordre {}.",
            number.trim()
        ))
    })?;
    if row.goods_received_at.is_some() {
        return Ok(Receipt::AlreadyReceived);
    }
    sqlx::query("UPDATE returns SET goods_received_at = $2, goods_received_by = $3 WHERE id = $1")
        .bind(row.id)
        .bind(now)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    let refund = Money::from_ore(row.refund_ore.unwrap_or(0));
    let lines = row.refund_lines.map(|l| l.0).unwrap_or_default();
    crate::payment::refund_return(&mut tx, row.order_id, row.id, refund, &lines, now).await?;
    crate::integration_feed::emit(
        &mut tx,
        row.order_id,
        EventKind::Changed,
        serde_json::json!({ "return_no": return_no, "return_received": true }),
        now,
    )
    .await?;
    crate::audit::append(
        &mut tx,
        actor,
        "retur mottatt",
        &format!(
            "{} retur {return_no}: {refund} tilbake",
            number.trim().to_uppercase()
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Receipt::Received { refund })
}
