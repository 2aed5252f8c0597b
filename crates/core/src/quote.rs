//! Quotes (tilbud, issue 20, item 6): a draft saved with its prices for a time (the shop's policy,
//! e.g. 14 days). Turned into an order while it is valid, the quoted prices hold; after it expires,
//! only at today's prices, and staff are told so.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::order::{validate_order, OrderDraft, Product};
use crate::policy::ShopPolicy;
use crate::{FieldError, PaymentMethod, ValidOrder};

/// A quote is an order not yet placed: the customer, the address, the lines, the discounts and the
/// shipping are judged by the order's own rules at `made`; how the customer pays (P1–P5) and the age
/// check that goes with it (F6) are asked when it becomes an order. The result carries card as its
/// method only so it can be priced and shown; a quote's document names no payment.
pub fn validate_quote(
    draft: &OrderDraft,
    product: impl Fn(&str) -> Option<Product>,
    made: NaiveDateTime,
    policy: &ShopPolicy,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut d = draft.clone();
    d.payment_method = PaymentMethod::Kort.code().to_string();
    d.customer.fodselsnummer.clear();
    d.customer.birth_year.clear();
    d.customer.confirmed_15_or_older = true;
    d.customer.guardian_consent = false;
    d.quote_number.clear();
    validate_order(&d, product, made, policy)
}

/// The last day a quote made at `made` holds its prices: `days` days after the day it was made,
/// through the end of that day (a quote made 1 December for 14 days holds through 15 December).
pub fn valid_through(made: NaiveDateTime, days: u32) -> NaiveDate {
    made.date() + Duration::days(i64::from(days))
}

/// Which prices an order made from a quote takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotePrices {
    /// Still valid: the quoted prices.
    Quoted,
    /// Expired: today's prices, and staff say so.
    Today,
}

/// The prices of an order made at `now` from a quote valid through `through`.
pub fn prices_at(through: NaiveDate, now: NaiveDateTime) -> QuotePrices {
    if now.date() <= through {
        QuotePrices::Quoted
    } else {
        QuotePrices::Today
    }
}

/// For staff and the quote's PDF, in Norwegian.
pub fn validity_text(through: NaiveDate, now: NaiveDateTime) -> String {
    let date = through.format("%d.%m.%Y");
    match prices_at(through, now) {
        QuotePrices::Quoted => format!("Tilbudet gjelder til og med {date}: prisene i tilbudet står."),
        QuotePrices::Today => {
            format!("Tilbudet gikk ut {date}: ordren får dagens priser, ikke prisene i tilbudet.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    /// Vectors around the last day: through 23:59 of day 14 the quote holds; at midnight it has
    /// gone. Across a month end and a leap day.
    #[test]
    fn a_quote_holds_through_its_last_day_and_not_after() {
        let made = at(2026, 12, 1, 15, 30);
        let through = valid_through(made, 14);
        assert_eq!(through, NaiveDate::from_ymd_opt(2026, 12, 15).unwrap());
        assert_eq!(prices_at(through, at(2026, 12, 15, 23, 59)), QuotePrices::Quoted);
        assert_eq!(prices_at(through, at(2026, 12, 16, 0, 0)), QuotePrices::Today);
        assert_eq!(
            valid_through(at(2028, 2, 20, 9, 0), 14),
            NaiveDate::from_ymd_opt(2028, 3, 5).unwrap(),
            "29 February 2028 counts"
        );
        assert_eq!(
            valid_through(at(2026, 12, 25, 9, 0), 14),
            NaiveDate::from_ymd_opt(2027, 1, 8).unwrap()
        );
        assert!(validity_text(through, at(2026, 12, 2, 9, 0)).contains("til og med 15.12.2026"));
        assert!(validity_text(through, at(2026, 12, 16, 9, 0)).contains("dagens priser"));
    }
}
