//! The shop's other systems (ERP, warehouse, web shop) read the central store's order events: pulled
//! with `GET /v1/integration/orders?cursor=` and its own scoped token, or pushed as signed webhooks.
//! Both carry the same event; its `event_id` is the key a receiver de-duplicates on (delivery is at
//! least once).

use serde::{Deserialize, Serialize};

/// One thing that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationEvent {
    /// The same id in every delivery of this event: de-duplicate on it.
    pub event_id: uuid::Uuid,
    /// `order.accepted`, `order.changed`, `order.cancelled`, `order.sent`, `order.returned` or
    /// `order.payment`.
    #[cfg_attr(feature = "openapi", schema(example = "order.sent"))]
    pub event_type: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub order_number: String,
    /// The order as it stood when the event happened: `number`, `store`, `status`,
    /// `tracking_number`, `payment_method`, `payment_state`, `total_ore`, `placed_at`; a return adds
    /// `return_no`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub order: serde_json::Value,
}

/// A page of events after a cursor, oldest first. Read again with `next_cursor`; an empty page keeps
/// the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationPage {
    pub events: Vec<IntegrationEvent>,
    #[cfg_attr(feature = "openapi", schema(example = "815.42"))]
    pub next_cursor: String,
}
