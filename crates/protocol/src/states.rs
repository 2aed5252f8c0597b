//! The states an order, its payment and its confirmation e-mail are in, as they travel from the central
//! store to the desks: closed enums, each with `Unknown` for a state a newer central store sends, and
//! the one Norwegian text for each state (the window and the CLI both show these).

use serde::{Deserialize, Serialize};
use skranke_core::payment_state::PaymentState;
use skranke_core::OrderStatus;

/// D8: where the order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderState {
    UnderBehandling,
    Sendt,
    Levert,
    Kansellert,
    /// Sent by a newer central store; shown as unknown, never acted on.
    #[serde(other)]
    Unknown,
}

impl OrderState {
    pub const fn known(self) -> Option<OrderStatus> {
        match self {
            OrderState::UnderBehandling => Some(OrderStatus::UnderBehandling),
            OrderState::Sendt => Some(OrderStatus::Sendt),
            OrderState::Levert => Some(OrderStatus::Levert),
            OrderState::Kansellert => Some(OrderStatus::Kansellert),
            OrderState::Unknown => None,
        }
    }

    /// The text the customer and staff read (D8).
    pub const fn text(self) -> &'static str {
        match self.known() {
            Some(status) => status.text(),
            None => "Ukjent status (oppdater skranken)",
        }
    }

    /// A code as stored, for rows written before the states were typed.
    pub fn from_code(code: &str) -> OrderState {
        OrderStatus::from_code(code).map_or(OrderState::Unknown, OrderState::from)
    }
}

impl From<OrderStatus> for OrderState {
    fn from(status: OrderStatus) -> OrderState {
        match status {
            OrderStatus::UnderBehandling => OrderState::UnderBehandling,
            OrderStatus::Sendt => OrderState::Sendt,
            OrderStatus::Levert => OrderState::Levert,
            OrderStatus::Kansellert => OrderState::Kansellert,
        }
    }
}

/// P5: where the payment request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentStateCode {
    Requested,
    Sent,
    Reserved,
    Captured,
    Refunded,
    Expired,
    Declined,
    Cancelled,
    Failed,
    /// Sent by a newer central store.
    #[serde(other)]
    Unknown,
}

impl PaymentStateCode {
    pub fn known(self) -> Option<PaymentState> {
        PaymentState::ALL
            .into_iter()
            .find(|s| PaymentStateCode::from(*s) == self)
    }

    /// What staff read and the confirmation prints ("venter på betaling", "reservert", ...).
    pub fn text(self) -> &'static str {
        self.known().map_or("ukjent betalingsstatus", PaymentState::text)
    }

    /// Nothing is reserved or paid: staff may send the request again or choose another method.
    pub fn may_be_replaced(self) -> bool {
        self.known().is_some_and(PaymentState::may_be_replaced)
    }

    /// The customer's money is reserved or taken.
    pub const fn is_paid_or_reserved(self) -> bool {
        matches!(
            self,
            PaymentStateCode::Reserved | PaymentStateCode::Captured | PaymentStateCode::Refunded
        )
    }

    /// The request ended without payment: staff should act.
    pub const fn is_failure(self) -> bool {
        matches!(
            self,
            PaymentStateCode::Declined | PaymentStateCode::Failed | PaymentStateCode::Expired
        )
    }
}

impl From<PaymentState> for PaymentStateCode {
    fn from(state: PaymentState) -> PaymentStateCode {
        match state {
            PaymentState::Requested => PaymentStateCode::Requested,
            PaymentState::Sent => PaymentStateCode::Sent,
            PaymentState::Reserved => PaymentStateCode::Reserved,
            PaymentState::Captured => PaymentStateCode::Captured,
            PaymentState::Refunded => PaymentStateCode::Refunded,
            PaymentState::Expired => PaymentStateCode::Expired,
            PaymentState::Declined => PaymentStateCode::Declined,
            PaymentState::Cancelled => PaymentStateCode::Cancelled,
            PaymentState::Failed => PaymentStateCode::Failed,
        }
    }
}

/// R3: whether the confirmation reached the customer on a durable medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EmailState {
    /// Waiting to go out.
    Pending,
    Sent,
    /// The mail server refused it or it came back.
    Bounced,
    /// The customer has no e-mail address: the confirmation goes by post.
    None,
    /// Sent by a newer central store.
    #[serde(other)]
    Unknown,
}

impl EmailState {
    pub const fn code(self) -> &'static str {
        match self {
            EmailState::Pending => "pending",
            EmailState::Sent => "sent",
            EmailState::Bounced => "bounced",
            EmailState::None => "none",
            EmailState::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> EmailState {
        [
            EmailState::Pending,
            EmailState::Sent,
            EmailState::Bounced,
            EmailState::None,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .unwrap_or(EmailState::Unknown)
    }

    /// The state in a word or two, for lists.
    pub const fn text(self) -> &'static str {
        match self {
            EmailState::Pending => "sendes",
            EmailState::Sent => "sendt",
            EmailState::Bounced => "kom i retur",
            EmailState::None => "ingen e-postadresse",
            EmailState::Unknown => "ukjent e-poststatus",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_from_a_newer_central_store_is_unknown_not_an_error() {
        let row: OrderState = serde_json::from_str("\"returnert_til_lager\"").unwrap();
        assert_eq!(row, OrderState::Unknown);
        assert_eq!(row.known(), None);
        let p: PaymentStateCode = serde_json::from_str("\"partially_captured\"").unwrap();
        assert_eq!(p, PaymentStateCode::Unknown);
        assert!(!p.may_be_replaced());
        let e: EmailState = serde_json::from_str("\"opened\"").unwrap();
        assert_eq!(e, EmailState::Unknown);
    }

    #[test]
    fn every_known_state_travels_as_its_code_and_reads_in_norwegian() {
        for status in [
            OrderStatus::UnderBehandling,
            OrderStatus::Sendt,
            OrderStatus::Levert,
            OrderStatus::Kansellert,
        ] {
            let wire = OrderState::from(status);
            assert_eq!(serde_json::to_value(wire).unwrap(), status.code());
            assert_eq!(wire.text(), status.text());
            assert_eq!(OrderState::from_code(status.code()), wire);
        }
        assert_eq!(OrderState::Levert.text(), "Levert");
        for state in PaymentState::ALL {
            let wire = PaymentStateCode::from(state);
            assert_eq!(serde_json::to_value(wire).unwrap(), state.code());
            assert_eq!(wire.known(), Some(state));
            assert_eq!(wire.text(), state.text());
        }
        for state in [
            EmailState::Pending,
            EmailState::Sent,
            EmailState::Bounced,
            EmailState::None,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.code());
            assert_eq!(EmailState::from_code(state.code()), state);
        }
    }
}
