//! The seven availability statuses and their exact texts (rule A1).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Invalid;

/// A product's availability as the central store reports it (A1, A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Availability {
    InStock,
    /// Ordered from the supplier with a confirmed delivery date (to the shop).
    OrderedConfirmed {
        date: NaiveDate,
    },
    OrderedUnconfirmed,
    MustOrder,
    RemoteWarehouse,
    SupplierWarehouse,
    Unconfirmed,
}

impl Availability {
    /// The text staff read to the customer, exactly as the shop's terms have it (A1).
    pub const fn text(self) -> &'static str {
        match self {
            Availability::InStock => "Varen er på lager.",
            Availability::OrderedConfirmed { .. } => {
                "Varen er bestilt fra leverandør og leveringsdato er bekreftet."
            }
            Availability::OrderedUnconfirmed => {
                "Varen er bestilt fra leverandør, men leveringsdato er ikke bekreftet."
            }
            Availability::MustOrder => "Varen må bestilles fra leverandør.",
            Availability::RemoteWarehouse => "Varen befinner seg på fjernlager.",
            Availability::SupplierWarehouse => "Varene bestilles fra vår leverandørs lager.",
            Availability::Unconfirmed => "Ubekreftet - Ta kontakt med kundesenter for nærmere informasjon.",
        }
    }

    /// The stable code stored in the cache and sent over the wire.
    pub const fn code(self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::OrderedConfirmed { .. } => "ordered_confirmed",
            Availability::OrderedUnconfirmed => "ordered_unconfirmed",
            Availability::MustOrder => "must_order",
            Availability::RemoteWarehouse => "remote_warehouse",
            Availability::SupplierWarehouse => "supplier_warehouse",
            Availability::Unconfirmed => "unconfirmed",
        }
    }

    /// Rebuilds a status from its code and, for `ordered_confirmed`, the supplier's date.
    pub fn from_code(code: &str, date: Option<NaiveDate>) -> Result<Availability, Invalid> {
        Ok(match (code.trim(), date) {
            ("in_stock", _) => Availability::InStock,
            ("ordered_confirmed", Some(date)) => Availability::OrderedConfirmed { date },
            // A "confirmed" status without its date confirms nothing.
            ("ordered_confirmed", None) => Availability::OrderedUnconfirmed,
            ("ordered_unconfirmed", _) => Availability::OrderedUnconfirmed,
            ("must_order", _) => Availability::MustOrder,
            ("remote_warehouse", _) => Availability::RemoteWarehouse,
            ("supplier_warehouse", _) => Availability::SupplierWarehouse,
            ("unconfirmed", _) => Availability::Unconfirmed,
            _ => {
                return Err(Invalid::Availability {
                    text: code.chars().take(40).collect(),
                })
            }
        })
    }

    pub const fn supplier_date(self) -> Option<NaiveDate> {
        match self {
            Availability::OrderedConfirmed { date } => Some(date),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A1: seven statuses, exactly these texts (the seed lists "ikke bekreftet" twice; it is one status).
    #[test]
    fn a1_texts_are_the_seeds_texts() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let all = [
            (Availability::InStock, "Varen er på lager."),
            (
                Availability::OrderedConfirmed { date },
                "Varen er bestilt fra leverandør og leveringsdato er bekreftet.",
            ),
            (
                Availability::OrderedUnconfirmed,
                "Varen er bestilt fra leverandør, men leveringsdato er ikke bekreftet.",
            ),
            (Availability::MustOrder, "Varen må bestilles fra leverandør."),
            (Availability::RemoteWarehouse, "Varen befinner seg på fjernlager."),
            (
                Availability::SupplierWarehouse,
                "Varene bestilles fra vår leverandørs lager.",
            ),
            (
                Availability::Unconfirmed,
                "Ubekreftet - Ta kontakt med kundesenter for nærmere informasjon.",
            ),
        ];
        for (status, text) in all {
            assert_eq!(status.text(), text);
            assert_eq!(
                Availability::from_code(status.code(), status.supplier_date()).unwrap(),
                status
            );
        }
        let seed = include_str!("../tests/data/kundesenter-betaling.txt");
        for (status, _) in all {
            assert!(seed.contains(status.text()), "{:?} not in the seed", status);
        }
    }

    #[test]
    fn a1_unknown_code_is_refused() {
        assert!(matches!(
            Availability::from_code("sold_out", None),
            Err(Invalid::Availability { .. })
        ));
    }
}
