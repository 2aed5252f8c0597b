//! Where an order is after it was placed, and which steps are allowed (D8).

use serde::{Deserialize, Serialize};

/// The status the central store sets; the desk shows [`OrderStatus::text`] (D8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    UnderBehandling,
    Sendt,
    Levert,
    Kansellert,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::UnderBehandling,
        OrderStatus::Sendt,
        OrderStatus::Levert,
        OrderStatus::Kansellert,
    ];

    /// D8: "Under behandling" until dispatched, then "Sendt".
    pub const fn text(self) -> &'static str {
        match self {
            OrderStatus::UnderBehandling => "Under behandling",
            OrderStatus::Sendt => "Sendt",
            OrderStatus::Levert => "Levert",
            OrderStatus::Kansellert => "Kansellert",
        }
    }

    pub const fn code(self) -> &'static str {
        match self {
            OrderStatus::UnderBehandling => "under_behandling",
            OrderStatus::Sendt => "sendt",
            OrderStatus::Levert => "levert",
            OrderStatus::Kansellert => "kansellert",
        }
    }

    pub fn from_code(code: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Forward only: an order is sent, then delivered; it can be cancelled only before it is sent.
    pub const fn may_become(self, next: OrderStatus) -> bool {
        matches!(
            (self, next),
            (OrderStatus::UnderBehandling, OrderStatus::Sendt)
                | (OrderStatus::UnderBehandling, OrderStatus::Kansellert)
                | (OrderStatus::Sendt, OrderStatus::Levert)
        )
    }

    /// A sent order has a tracking number, so the customer can follow the parcel.
    pub const fn needs_tracking(self) -> bool {
        matches!(self, OrderStatus::Sendt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d8_texts_and_forward_only_steps() {
        assert_eq!(OrderStatus::UnderBehandling.text(), "Under behandling");
        assert_eq!(OrderStatus::Sendt.text(), "Sendt");
        assert!(OrderStatus::UnderBehandling.may_become(OrderStatus::Sendt));
        assert!(OrderStatus::Sendt.may_become(OrderStatus::Levert));
        assert!(!OrderStatus::Sendt.may_become(OrderStatus::Kansellert));
        assert!(!OrderStatus::Levert.may_become(OrderStatus::UnderBehandling));
        assert!(!OrderStatus::Kansellert.may_become(OrderStatus::Sendt));
        for s in [
            OrderStatus::UnderBehandling,
            OrderStatus::Sendt,
            OrderStatus::Levert,
            OrderStatus::Kansellert,
        ] {
            assert_eq!(OrderStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(OrderStatus::from_code("sent"), None);
    }
}
