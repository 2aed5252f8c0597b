//! F8: how long a customer's data is kept. A sale is accounting documentation, kept five years after
//! the end of the financial year it belongs to (bokføringsloven § 13; the shop's financial year is the
//! calendar year). Everything else about a customer is deleted when they ask.

use chrono::{Datelike, NaiveDate};

/// What an erased customer's register entry is called, so kept sales records still read sensibly.
pub const ERASED_NAME: &str = "Slettet kunde";

/// The last day a sale made on `sold` must be kept: 31 December five years after its year.
pub fn kept_through(sold: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(sold.year() + 5, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Whether the sale made on `sold` may be erased on `today`.
pub fn may_erase(sold: NaiveDate, today: NaiveDate) -> bool {
    today > kept_through(sold)
}

/// What staff read back for a sale that is kept.
pub fn kept_text(order_number: &str, until: NaiveDate) -> String {
    format!(
        "Ordre {order_number} beholdes til {} (bokføringsloven: salg oppbevares i fem år etter regnskapsåret).",
        until.format("%d.%m.%Y")
    )
}

/// What staff read back for a sale that was deleted.
pub fn erased_text(order_number: &str) -> String {
    format!("Ordre {order_number} slettet (oppbevaringstiden er ute).")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn f8_a_sale_is_kept_five_years_after_its_financial_year() {
        assert_eq!(kept_through(d(2026, 11, 23)), d(2031, 12, 31));
        assert_eq!(kept_through(d(2026, 1, 1)), d(2031, 12, 31));
        assert!(!may_erase(d(2026, 11, 23), d(2031, 12, 31)));
        assert!(may_erase(d(2026, 11, 23), d(2032, 1, 1)));
        assert!(!may_erase(d(2020, 12, 31), d(2025, 12, 31)));
        assert!(may_erase(d(2020, 12, 31), d(2026, 11, 23)));
    }
}
