//! The payment request's lifecycle (P5): which provider event moves it where, and what staff read.

use serde::{Deserialize, Serialize};

/// Where a payment request stands. requested → sent → (reserved | expired | declined | cancelled),
/// reserved → captured when the parcel is sent, captured → refunded on a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Recorded with the order; not yet at the provider.
    Requested,
    /// The customer has the request (Vipps push, Klarna link).
    Sent,
    /// Approved; the amount is reserved until the parcel is sent.
    Reserved,
    /// Taken (card at once, others when the parcel is sent).
    Captured,
    /// Paid back, in whole or in part.
    Refunded,
    /// The customer did not answer in time.
    Expired,
    /// The customer said no at the provider (also: under `minimumUserAge`). Final.
    Declined,
    /// Withdrawn by the shop (another method, a cancelled order; Vipps `TERMINATED`, Klarna `DISABLED`).
    Cancelled,
    /// The provider refused the request itself (for example no mobile number).
    Failed,
}

/// What a provider reported, in its terms mapped to ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvent {
    Sent,
    /// The customer tried and did not get through (Klarna `FAILED`, `ERROR`, `BACK`): the request stays
    /// open, because Klarna lets the customer try again on the same page until it expires.
    Interrupted,
    Authorized,
    Captured,
    Refunded,
    Expired,
    Declined,
    Cancelled,
    Failed,
}

impl PaymentState {
    pub const ALL: [PaymentState; 9] = [
        PaymentState::Requested,
        PaymentState::Sent,
        PaymentState::Reserved,
        PaymentState::Captured,
        PaymentState::Refunded,
        PaymentState::Expired,
        PaymentState::Declined,
        PaymentState::Cancelled,
        PaymentState::Failed,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            PaymentState::Requested => "requested",
            PaymentState::Sent => "sent",
            PaymentState::Reserved => "reserved",
            PaymentState::Captured => "captured",
            PaymentState::Refunded => "refunded",
            PaymentState::Expired => "expired",
            PaymentState::Declined => "declined",
            PaymentState::Cancelled => "cancelled",
            PaymentState::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// What staff and the confirmation say (P5: "venter på betaling → reservert/betalt → ...").
    pub const fn text(self) -> &'static str {
        match self {
            PaymentState::Requested | PaymentState::Sent => "venter på betaling",
            PaymentState::Reserved => "reservert",
            PaymentState::Captured => "betalt",
            PaymentState::Refunded => "refundert",
            PaymentState::Expired => "utløpt",
            PaymentState::Declined => "avvist av kunden",
            PaymentState::Cancelled => "kansellert av butikken",
            PaymentState::Failed => "kunne ikke sendes",
        }
    }

    /// The request can still be paid: the customer has it, or it is on its way to them.
    pub const fn is_open(self) -> bool {
        matches!(self, PaymentState::Requested | PaymentState::Sent)
    }

    /// The customer's money is reserved or taken: what must be given back if this request was
    /// replaced by another (P5).
    pub const fn holds_money(self) -> bool {
        matches!(self, PaymentState::Reserved | PaymentState::Captured)
    }

    /// Staff may send the request again or choose another method: nothing is paid or reserved.
    pub const fn may_be_replaced(self) -> bool {
        !matches!(
            self,
            PaymentState::Reserved | PaymentState::Captured | PaymentState::Refunded
        )
    }

    /// The state after `event`, or `None` when the event does not apply: a duplicate, or one that
    /// arrives after a later one (webhooks are not ordered). Applying `None` changes nothing, so a
    /// repeated webhook ends where the first one did.
    pub fn after(self, event: PaymentEvent) -> Option<PaymentState> {
        use PaymentEvent as E;
        use PaymentState as S;
        let open = matches!(self, S::Requested | S::Sent);
        match (self, event) {
            (S::Requested, E::Sent) => Some(S::Sent),
            (S::Requested, E::Failed) => Some(S::Failed),
            // Still open: only the detail staff read changes.
            (S::Sent, E::Interrupted) => Some(S::Sent),
            (_, E::Authorized) if open => Some(S::Reserved),
            (_, E::Captured) if open || self == S::Reserved => Some(S::Captured),
            (_, E::Expired) if open => Some(S::Expired),
            (_, E::Declined) if open => Some(S::Declined),
            (_, E::Cancelled) if open || self == S::Reserved => Some(S::Cancelled),
            (S::Captured, E::Refunded) => Some(S::Refunded),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P5: the path of a Vipps payment, and every repeated event changes nothing.
    #[test]
    fn p5_lifecycle_and_repeated_events() {
        let mut s = PaymentState::Requested;
        for (event, expected) in [
            (PaymentEvent::Sent, PaymentState::Sent),
            (PaymentEvent::Authorized, PaymentState::Reserved),
            (PaymentEvent::Captured, PaymentState::Captured),
            (PaymentEvent::Refunded, PaymentState::Refunded),
        ] {
            s = s.after(event).unwrap();
            assert_eq!(s, expected);
            assert_eq!(s.after(event), None, "{event:?} twice");
        }
    }

    /// P5: Klarna FAILED/ERROR/BACK leave the request open, and the customer's retry that succeeds is
    /// taken; a decline or a cancellation is final.
    #[test]
    fn an_interrupted_klarna_page_stays_open_until_the_retry_succeeds() {
        let s = PaymentState::Sent.after(PaymentEvent::Interrupted).unwrap();
        assert_eq!(s, PaymentState::Sent);
        assert!(s.is_open());
        assert_eq!(s.after(PaymentEvent::Authorized), Some(PaymentState::Reserved));
        assert_eq!(PaymentState::Declined.after(PaymentEvent::Interrupted), None);
        assert_eq!(PaymentState::Reserved.after(PaymentEvent::Interrupted), None);
        assert_eq!(PaymentState::Cancelled.text(), "kansellert av butikken");
        assert_eq!(PaymentState::Declined.text(), "avvist av kunden");
    }

    /// A late "expired" after approval, or an approval after a decline, does not undo the first.
    #[test]
    fn late_events_do_not_undo() {
        assert_eq!(PaymentState::Reserved.after(PaymentEvent::Expired), None);
        assert_eq!(PaymentState::Declined.after(PaymentEvent::Authorized), None);
        assert_eq!(PaymentState::Expired.after(PaymentEvent::Sent), None);
        assert!(PaymentState::Expired.may_be_replaced());
        assert!(!PaymentState::Reserved.may_be_replaced());
        for s in PaymentState::ALL {
            assert_eq!(PaymentState::from_code(s.code()), Some(s));
        }
    }
}
