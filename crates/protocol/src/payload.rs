//! The payloads of the mutation kinds, as the desk writes them into its outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skranke_core::order::Customer;
use skranke_core::{ValidOrder, ValidReturn};
use uuid::Uuid;

/// `order_placed`: the order exactly as validated at the desk (never the fødselsnummer, P3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderPlaced {
    pub order_id: Uuid,
    /// From the device's series, final: printed on the confirmation before the server saw it.
    pub order_number: String,
    pub customer_id: Uuid,
    pub placed_at_utc: DateTime<Utc>,
    pub order: ValidOrder,
    /// What the desk added to its PC's clock to stamp `placed_at_utc` (the central store's time
    /// while online, issue 21); absent when it went by its own clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

/// `return_registered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRegistered {
    pub return_id: Uuid,
    pub order_id: Uuid,
    pub return_no: i64,
    pub created_at_utc: DateTime<Utc>,
    #[serde(rename = "return")]
    pub ret: ValidReturn,
}

/// `claim_registered` (R1, D10): a claim on an order's lines, with the desk's verdict on time and the
/// names of its photos (uploaded on their own, `/v1/photos`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRegistered {
    pub claim_id: Uuid,
    pub order_id: Uuid,
    /// 1, 2, ... per order at this desk.
    pub claim_no: i64,
    pub created_at_utc: DateTime<Utc>,
    pub claim: skranke_core::claim::ValidClaim,
}

/// `exchange_registered` (bytte): the goods coming back on `order_id` and the new order going out,
/// in one mutation, so the central store never sees one without the other. The new order takes a
/// number from the desk's own series, as any order does; the customer pays (or gets back) the
/// difference only (`terms`, recomputed by the central store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRegistered {
    /// The original order.
    pub order_id: Uuid,
    pub return_id: Uuid,
    pub return_no: i64,
    #[serde(rename = "return")]
    pub ret: ValidReturn,
    pub new_order_id: Uuid,
    pub new_order_number: String,
    pub created_at_utc: DateTime<Utc>,
    pub created_by: String,
    pub new_order: ValidOrder,
    pub terms: skranke_core::exchange::ExchangeTerms,
}

/// `customer_upserted`: a customer saved at the desk without an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerUpserted {
    pub customer_id: Uuid,
    pub customer: Customer,
    pub updated_at_utc: DateTime<Utc>,
}

/// `consent_recorded` (F7): one consent record of a customer the central store knows from an order or
/// a `customer_upserted` sent before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecorded {
    pub record_id: Uuid,
    pub customer_id: Uuid,
    pub record: skranke_core::ConsentRecord,
}

/// `order_cancelled`: the customer called to cancel. Refused once the order is sent (D8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderCancelled {
    pub order_id: Uuid,
    pub reason: String,
    pub cancelled_at_utc: DateTime<Utc>,
    /// The staff member who cancelled (absent from desks older than desk cancellation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
}

/// `order_changed`: a placed order changed before dispatch (D8): the whole new version, and the
/// version it was made from, so the central store judges it against what it holds and never applies
/// it over a change it has not seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderChanged {
    pub order_id: Uuid,
    /// The version this change was made from: 1 is the order as placed.
    pub base_version: u32,
    /// `base_version + 1`.
    pub version: u32,
    pub changed_at_utc: DateTime<Utc>,
    pub changed_by: String,
    /// Staff gave the whole order today's prices on purpose; otherwise quoted prices stay.
    pub reprice: bool,
    pub order: ValidOrder,
}

/// `payment_requested`: send the payment request again, or with another method, while nothing is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequested {
    pub order_id: Uuid,
    pub method: skranke_core::PaymentMethod,
    pub requested_at_utc: DateTime<Utc>,
}

/// `confirmation_resent`: e-mail the confirmation again, to `email` when staff corrected the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationResent {
    pub order_id: Uuid,
    pub email: Option<String>,
    pub requested_at_utc: DateTime<Utc>,
}

/// `quote_sent` (issue 20): e-mail a quote (tilbud) to the customer, with its PDF. Each mutation is
/// one mail; sending the quote again is a new mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteSent {
    pub quote_id: Uuid,
    /// From the device's quote series (`<series>-T00001`).
    pub quote_number: String,
    pub email: String,
    pub made_on: chrono::NaiveDate,
    /// The last day its prices hold.
    pub valid_through: chrono::NaiveDate,
    /// The quote as priced (validated like an order, without payment and age).
    pub quote: ValidOrder,
    pub requested_at_utc: DateTime<Utc>,
}

/// `audit_recorded`: one entry of the desk's hash-chained audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecorded {
    pub seq: i64,
    pub at_utc: DateTime<Utc>,
    pub staff_id: Option<Uuid>,
    pub staff_name: String,
    pub action: String,
    pub subject: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash that chains an audit entry to the one before it (hex SHA-256 over every field and the
/// previous hash). The desk writes it; the desk's `audit verify` and the central store recompute it.
pub fn audit_hash(
    seq: i64,
    at_utc: &str,
    staff_id: Option<&str>,
    staff_name: &str,
    action: &str,
    subject: &str,
    prev_hash: &str,
) -> String {
    // Fields joined with a separator that cannot occur in them unescaped: each is JSON-quoted.
    let text = serde_json::json!([seq, at_utc, staff_id, staff_name, action, subject, prev_hash]).to_string();
    crate::payload_sha256(text.as_bytes())
}

/// The hash before the first entry.
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
