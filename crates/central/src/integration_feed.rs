//! The order events the shop's other systems read: written in the transaction that changed the
//! order (so an event exists exactly when its change does), and read after a `(txid, seq)` cursor
//! below the oldest running transaction, as the desks' pull is, so a late commit is never skipped.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::Value;
use skranke_protocol::{ErrorCode, IntegrationEvent, IntegrationPage};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::ApiError;

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Accepted,
    Changed,
    Cancelled,
    Sent,
    Returned,
    Payment,
}

impl EventKind {
    pub const fn code(self) -> &'static str {
        match self {
            EventKind::Accepted => "order.accepted",
            EventKind::Changed => "order.changed",
            EventKind::Cancelled => "order.cancelled",
            EventKind::Sent => "order.sent",
            EventKind::Returned => "order.returned",
            EventKind::Payment => "order.payment",
        }
    }
}

/// Records `kind` for the order `order_id` as it stands in `tx` now; `extra` is merged into the
/// order snapshot (a return's number).
pub(crate) async fn emit(
    tx: &mut PgConnection,
    order_id: Uuid,
    kind: EventKind,
    extra: Value,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO integration_events (event_id, order_id, order_number, kind, occurred_at, body)
         SELECT $2, o.id, o.number, $3, $4,
                jsonb_build_object('number', o.number, 'store', o.store_id, 'status', o.status,
                                   'tracking_number', o.tracking_number, 'payment_method', o.payment_method,
                                   'payment_state', o.payment_state, 'total_ore', o.total_ore,
                                   'placed_at', o.placed_at) || $5
         FROM orders o WHERE o.id = $1",
    )
    .bind(order_id)
    .bind(Uuid::now_v7())
    .bind(kind.code())
    .bind(now)
    .bind(Json(extra))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A position in the feed: after the event with this transaction id and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedCursor {
    pub txid: u64,
    pub seq: i64,
}

impl FeedCursor {
    pub fn parse(text: &str) -> Result<FeedCursor, ApiError> {
        let bad = || {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidCursor,
                "Ugyldig markør: start på nytt uten markør.",
            )
        };
        let (txid, seq) = text.split_once('.').ok_or_else(bad)?;
        Ok(FeedCursor {
            txid: txid.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }

    pub fn text(&self) -> String {
        format!("{}.{}", self.txid, self.seq)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    txid: String,
    seq: i64,
    event_id: Uuid,
    order_number: String,
    kind: String,
    occurred_at: DateTime<Utc>,
    body: Json<Value>,
}

/// Up to `limit` events after `from`, oldest first, each with the cursor just after it.
pub async fn events_after(
    pool: &PgPool,
    from: FeedCursor,
    limit: i64,
) -> Result<Vec<(FeedCursor, IntegrationEvent)>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT txid::text AS txid, seq, event_id, order_number, kind, occurred_at, body
         FROM integration_events
         WHERE (txid, seq) > ($1::xid8, $2) AND txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY txid, seq LIMIT $3",
    )
    // The xid8 travels as text: sqlx has no xid8 type.
    .bind(from.txid.to_string())
    .bind(from.seq)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let at = FeedCursor {
                txid: r.txid.parse().unwrap_or(from.txid),
                seq: r.seq,
            };
            let event = IntegrationEvent {
                event_id: r.event_id,
                event_type: r.kind,
                occurred_at: r.occurred_at,
                order_number: r.order_number,
                order: r.body.0,
            };
            (at, event)
        })
        .collect())
}

/// Most events in one page of the pull API.
pub const MAX_PAGE: i64 = 1000;

/// `GET /v1/integration/orders`: the page after `cursor` (from the start without one).
pub(crate) async fn page(
    pool: &PgPool,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<IntegrationPage, ApiError> {
    let from = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        Some(text) => FeedCursor::parse(text)?,
        None => FeedCursor::default(),
    };
    let limit = limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid_value(format!("limit må være 1–{MAX_PAGE}.")));
    }
    let found = events_after(pool, from, limit).await?;
    let next = found.last().map_or(from, |(at, _)| *at);
    Ok(IntegrationPage {
        events: found.into_iter().map(|(_, e)| e).collect(),
        next_cursor: next.text(),
    })
}
