//! Push: the desk's outbox, in its gap-free `seq` order, and what the central store made of each entry.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// Must be the device the bearer token belongs to.
    pub device_id: Uuid,
    /// Consecutive `seq`s, oldest first; at most 100.
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub mutations: Vec<Mutation>,
    /// How far behind the desk is, for the operator's monitoring.
    #[serde(default)]
    pub queue: Option<QueueReport>,
    /// The desk's own clock when it sent this (issue 21 item 7): the central store compares it with
    /// its own, and flags orders stamped by a clock that was off.
    #[serde(default)]
    pub desk_time: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueReport {
    pub pending: u32,
    pub oldest_pending_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One outbox entry. `payload` travels as the exact JSON text the desk stored, so its hash can be checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Gap-free per device, from 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: i64,
    pub mutation_id: Uuid,
    pub kind: MutationKind,
    /// [`crate::OrderPlaced`], [`crate::ReturnRegistered`], [`crate::CustomerUpserted`] or
    /// [`crate::OrderCancelled`], [`crate::OrderChanged`] ..., by `kind`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Box<RawValue>,
    /// Lower-case hex SHA-256 of `payload`'s text.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub payload_sha256: String,
}

impl Mutation {
    /// Builds a mutation from the payload text as stored, computing its hash.
    pub fn new(
        seq: i64,
        mutation_id: Uuid,
        kind: MutationKind,
        payload: String,
    ) -> Result<Mutation, serde_json::Error> {
        let payload_sha256 = payload_sha256(payload.as_bytes());
        Ok(Mutation {
            seq,
            mutation_id,
            kind,
            payload: RawValue::from_string(payload)?,
            payload_sha256,
        })
    }
}

/// Lower-case hex SHA-256: how a payload is identified on both sides.
pub fn payload_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MutationKind {
    OrderPlaced,
    ReturnRegistered,
    CustomerUpserted,
    OrderCancelled,
    /// Staff send the payment request again, or with another method (P5).
    PaymentRequested,
    /// Staff send the confirmation e-mail again, perhaps to a corrected address.
    ConfirmationResent,
    /// One entry of the desk's audit log.
    AuditRecorded,
    /// F7: a customer gave or withdrew marketing consent.
    ConsentRecorded,
    /// A placed order changed before dispatch: its new version.
    OrderChanged,
    /// A claim (reklamasjon, transportskade) on an order.
    ClaimRegistered,
    /// An exchange (bytte): goods coming back and a new order, settled by the difference.
    ExchangeRegistered,
    /// Issue 20: a quote e-mailed to the customer.
    QuoteSent,
}

impl MutationKind {
    pub const fn code(self) -> &'static str {
        match self {
            MutationKind::OrderPlaced => "order_placed",
            MutationKind::ReturnRegistered => "return_registered",
            MutationKind::CustomerUpserted => "customer_upserted",
            MutationKind::OrderCancelled => "order_cancelled",
            MutationKind::PaymentRequested => "payment_requested",
            MutationKind::ConfirmationResent => "confirmation_resent",
            MutationKind::AuditRecorded => "audit_recorded",
            MutationKind::ConsentRecorded => "consent_recorded",
            MutationKind::OrderChanged => "order_changed",
            MutationKind::ClaimRegistered => "claim_registered",
            MutationKind::ExchangeRegistered => "exchange_registered",
            MutationKind::QuoteSent => "quote_sent",
        }
    }

    pub fn from_code(code: &str) -> Option<MutationKind> {
        [
            MutationKind::OrderPlaced,
            MutationKind::ReturnRegistered,
            MutationKind::CustomerUpserted,
            MutationKind::OrderCancelled,
            MutationKind::PaymentRequested,
            MutationKind::ConfirmationResent,
            MutationKind::AuditRecorded,
            MutationKind::ConsentRecorded,
            MutationKind::OrderChanged,
            MutationKind::ClaimRegistered,
            MutationKind::ExchangeRegistered,
            MutationKind::QuoteSent,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One per mutation of the request, in order.
    pub results: Vec<MutationResult>,
    /// The highest `seq` the server has processed for this device: every entry up to it is acknowledged.
    pub last_seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub seq: i64,
    pub mutation_id: Uuid,
    pub outcome: Outcome,
    /// This `seq` had been processed before; the stored result is repeated.
    #[serde(default)]
    pub replayed: bool,
    #[serde(default)]
    pub flags: Vec<Flag>,
    #[serde(default)]
    pub rejection: Option<Rejection>,
}

/// A business rejection is an outcome, not an error: the `seq` still advances and the queue never jams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Applied,
    /// Accepted, with something staff should know (see `flags`).
    AppliedWithFlags,
    Rejected,
}

impl Outcome {
    /// The code as it travels and as both sides store it.
    pub const fn code(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::AppliedWithFlags => "applied_with_flags",
            Outcome::Rejected => "rejected",
        }
    }
}

/// What changed between the quote and the central store's decision (DESIGN.md "Conflicts").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Flag {
    /// The price changed after the quote: the order stands at the quoted price (a contract).
    PriceChanged {
        line_no: u32,
        sku: String,
        quoted_ore: i64,
        current_ore: i64,
    },
    /// In stock when quoted, not any more: the line is back-ordered with the product's status now.
    BackOrdered {
        line_no: u32,
        sku: String,
        /// An availability code (A1), for example `must_order`.
        availability: String,
    },
    /// The product left the catalog after the quote; the order stands.
    Discontinued { line_no: u32, sku: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub code: RejectionCode,
    /// Norwegian, for staff.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectionCode {
    /// The payload is not what its `kind` says, or breaks a rule.
    InvalidPayload,
    /// The order number is not from this device's series.
    WrongSeries,
    /// Another order already has this number.
    OrderNumberTaken,
    UnknownOrder,
    /// D8: an order that has been sent cannot be cancelled; it can be returned.
    CancelAfterDispatch,
    /// More returned than bought.
    ReturnExceedsOrder,
    /// The payment is reserved or paid: it cannot be sent again or changed (P5).
    PaymentSettled,
    /// D8: an order that has been sent cannot be changed; what the customer wants is a return.
    ChangeAfterDispatch,
    /// The change was made from a version the central store has since replaced (another desk changed
    /// the order first): it is not applied, and the desk gets the version that stands.
    ChangeConflict,
    /// Issue 20: the order's discounts are above the limit of the person who asked, and no manager
    /// of the store approved them (or the approver's limit is lower too).
    DiscountNotApproved,
    #[serde(other)]
    Unknown,
}
