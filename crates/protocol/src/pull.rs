//! Pull: per stream, the rows changed since a cursor, in commit-safe order, with tombstones.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{EmailState, Flag, OrderState, PaymentStateCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stream {
    /// Products, EANs and prices: the same for every store.
    Catalog,
    /// Availability per product, and per store where the store's differs.
    Availability,
    /// Status of the orders of the device's own store.
    Orders,
    /// The store's staff and their PIN hashes (argon2), so a desk logs people in offline.
    Staff,
}

impl Stream {
    pub const ALL: [Stream; 4] = [
        Stream::Catalog,
        Stream::Availability,
        Stream::Orders,
        Stream::Staff,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Stream::Catalog => "catalog",
            Stream::Availability => "availability",
            Stream::Orders => "orders",
            Stream::Staff => "staff",
        }
    }
}

/// Where a reader is in a stream. Opaque to the desk: store it and send it back. [`Cursor::START`]
/// reads from the beginning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cursor(pub String);

impl Cursor {
    pub const START: &'static str = "0.0";

    pub fn start() -> Cursor {
        Cursor(Cursor::START.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub stream: Stream,
    /// Oldest first. Apply every page up to `has_more == false` in one transaction.
    pub changes: Vec<Change>,
    /// Send this with the next pull. Unchanged when there was nothing new.
    pub cursor: Cursor,
    pub has_more: bool,
}

/// `GET /v1/changes`: one page of every stream in one round trip; an idle desk's whole poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesResponse {
    /// One page per stream, in [`Stream::ALL`] order.
    pub pages: Vec<PullResponse>,
}

/// One changed row. `deleted` rows carry only their key (a tombstone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The SKU; for a store's own availability `<store>/<sku>`; for an order its id.
    pub key: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<AvailabilityRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderStatusRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRow {
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub category: String,
    /// Incl. MVA, in øre.
    pub price_ore: i64,
    pub mva_percent: u8,
    pub eans: Vec<String>,
    /// D6: delivered by the supplier directly. Absent from an older central store: false.
    #[serde(default)]
    pub supplier_direct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityRow {
    pub sku: String,
    /// `None`: every store; a store id: that store's own status, which wins over the general one.
    pub store_id: Option<String>,
    /// An A1 code, for example `in_stock`.
    pub status: String,
    /// The supplier's confirmed date, with `ordered_confirmed`.
    pub supplier_date: Option<NaiveDate>,
    /// When the central store last confirmed it (A2).
    pub as_of: DateTime<Utc>,
    /// Issue 20: the units the store can still sell (counted, less those held for orders awaiting
    /// payment), for the products the store counts; absent otherwise and from older central stores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderStatusRow {
    pub order_id: Uuid,
    pub order_number: String,
    pub status: OrderState,
    /// The Norwegian text the customer sees (D8), for desks older than the typed states; a desk shows
    /// [`OrderState::text`].
    pub status_text: String,
    pub tracking_number: Option<String>,
    /// What the central store flagged when it accepted the order.
    pub flags: Vec<Flag>,
    pub updated_at: DateTime<Utc>,
    /// The payment request's method and state (P5), once the central store has one.
    #[serde(default)]
    pub payment: Option<PaymentStatus>,
    /// Whether the confirmation e-mail went out (R3: a durable medium).
    #[serde(default)]
    pub email: Option<EmailStatus>,
    /// The order's version: 1 as placed, one more for each change the central store applied.
    #[serde(default = "first_version")]
    pub version: u32,
    /// The version that stands, once the order has been changed (absent for version 1, which the
    /// desk that placed it already holds).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub order: Option<skranke_core::ValidOrder>,
    /// The customer the order belongs to on the central store: another than the desk's when two
    /// records of the customer were merged (issue 20). Absent from older central stores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    /// When the order was placed. Issue 20: the desks of a store see each other's orders in the
    /// customer panel; absent from older central stores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<DateTime<Utc>>,
}

const fn first_version() -> u32 {
    1
}

/// A person who may log in at the store's desks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffRow {
    pub staff_id: Uuid,
    pub name: String,
    /// The PIN as an argon2id PHC string; the PIN itself never leaves the central store's CLI.
    pub pin_hash: String,
    pub active: bool,
    /// `selger` or `leder`: how much discount the person may give on their own (issue 20). Absent
    /// from older central stores: `selger`.
    #[serde(default = "seller_role")]
    pub role: String,
}

fn seller_role() -> String {
    "selger".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentStatus {
    /// `vipps`, `klarna_faktura`, `klarna_delbetaling` or `kort`.
    pub method: String,
    pub state: PaymentStateCode,
    /// What staff read ("venter på betaling", "reservert", ...), for desks older than the typed
    /// states; a desk shows [`PaymentStateCode::text`].
    pub text: String,
    /// Why it failed, when it did; or what staff should know while it is open.
    pub detail: Option<String>,
    /// While the request is open: when the provider lets it run out (Klarna's `expires_at`; for a
    /// Vipps push its usual lifetime). The desk counts down to it and offers a new request after.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailStatus {
    pub state: EmailState,
    pub recipient: Option<String>,
    /// The mail server's answer when it did not go out.
    pub detail: Option<String>,
}
