//! Withdrawal deadline (R2), reklamasjon limits (R1), and pickup and unclaimed-parcel fees (D9).

use chrono::{Days, Months, NaiveDate};
use serde::Serialize;

use crate::calendar::this_or_next_working_day;
use crate::{Money, PickupPolicy};

/// Angrerettloven § 22: 14 days for a distance sale.
pub const WITHDRAWAL_DAYS: u64 = 14;

/// R2: the last day the customer may withdraw. Counted from the day after the goods (the last item of a
/// split delivery) were received; a last day on a Saturday, Sunday or public holiday moves to the next
/// working day. Without the withdrawal information and form, the period is 12 months longer.
pub fn withdrawal_deadline(received: NaiveDate, information_given: bool) -> NaiveDate {
    let mut last = received
        .checked_add_days(Days::new(WITHDRAWAL_DAYS))
        .unwrap_or(received);
    if !information_given {
        last = last.checked_add_months(Months::new(12)).unwrap_or(last);
    }
    this_or_next_working_day(last)
}

/// R1 (forbrukerkjøpsloven § 27): how long a defect may be complained of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ComplaintLimits {
    /// The customer has at least until this day after discovering the defect (never less than 2 months).
    pub not_before: Option<NaiveDate>,
    /// The absolute limit: 2 years after receipt, 5 for goods meant to last substantially longer.
    pub absolute: NaiveDate,
}

/// R1: complaint limits for goods received on `received`, a defect discovered on `discovered`.
pub fn complaint_limits(
    received: NaiveDate,
    discovered: Option<NaiveDate>,
    meant_to_last_longer: bool,
) -> ComplaintLimits {
    let years = if meant_to_last_longer { 5 } else { 2 };
    let absolute = received
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(received);
    let not_before = discovered.map(|d| d.checked_add_months(Months::new(2)).unwrap_or(d).min(absolute));
    ComplaintLimits { not_before, absolute }
}

/// D9: the last day a parcel waits at the pickup point, counted from its arrival.
pub fn pickup_deadline(arrived: NaiveDate, policy: &PickupPolicy) -> NaiveDate {
    arrived
        .checked_add_days(Days::new(u64::from(policy.pickup_days)))
        .unwrap_or(arrived)
}

/// Whether the order was paid before it was sent (card, Vipps) or is paid afterwards (faktura, delbetaling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepaid {
    Yes,
    No,
}

/// D9: the fee for an unclaimed (or refused) parcel. Prepaid: the flat fee. Unpaid: the fee plus freight
/// both ways, never charged to a buyer under 18 (`buyer_age` unknown is charged as an adult).
pub fn unclaimed_fee(
    prepaid: Prepaid,
    buyer_age: Option<u32>,
    freight_both_ways: Money,
    policy: &PickupPolicy,
) -> Money {
    match prepaid {
        Prepaid::Yes => policy.unclaimed_fee_prepaid,
        Prepaid::No if buyer_age.is_some_and(|a| a < 18) => Money::ZERO,
        Prepaid::No => policy.unclaimed_fee_unpaid + freight_both_ways,
    }
}

/// D9 + S2a: the unclaimed-parcel fee charged for `order`, per MVA rate: a fee for the delivery of the
/// goods takes the goods' rates, split as the shipping is. None for an order sold without MVA (D7a).
pub fn unclaimed_fee_by_rate(fee: Money, order: &crate::ValidOrder) -> Vec<crate::MvaLine> {
    if order.totals.outside_mva_area.is_some() {
        return Vec::new();
    }
    let shares = crate::split_by_rate(fee, order.lines.iter().map(|l| (l.mva_rate, l.line_total)));
    crate::mva_per_rate(shares.into_iter().map(|s| (s.rate, s.amount)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// R2: every deadline vector of DOMAIN.md.
    #[test]
    fn r2_vectors() {
        let vectors = [
            ("2026-03-20", "2026-04-07"),
            ("2026-03-23", "2026-04-07"),
            ("2026-04-30", "2026-05-15"),
            ("2026-05-03", "2026-05-18"),
            ("2026-12-12", "2026-12-28"),
            ("2026-12-17", "2026-12-31"),
            ("2027-03-12", "2027-03-30"),
            ("2027-05-03", "2027-05-18"),
            ("2026-06-10", "2026-06-24"),
        ];
        for (received, last) in vectors {
            assert_eq!(
                withdrawal_deadline(date(received), true),
                date(last),
                "received {received}"
            );
        }
    }

    /// R2: without the information and the form, 12 months longer.
    #[test]
    fn r2_extended_without_information() {
        assert_eq!(withdrawal_deadline(date("2026-06-10"), false), date("2027-06-24"));
    }

    /// R1: 2 months from discovery at least, 2 or 5 years from receipt at most.
    #[test]
    fn r1_limits() {
        let l = complaint_limits(date("2026-01-15"), Some(date("2026-06-01")), false);
        assert_eq!(
            l,
            ComplaintLimits {
                not_before: Some(date("2026-08-01")),
                absolute: date("2028-01-15")
            }
        );
        assert_eq!(
            complaint_limits(date("2026-01-15"), None, true).absolute,
            date("2031-01-15")
        );
        // Discovered just before the absolute limit: the 2 months cannot pass it.
        let late = complaint_limits(date("2026-01-15"), Some(date("2027-12-20")), false);
        assert_eq!(late.not_before, Some(date("2028-01-15")));
    }

    /// D9: 14 days at the pickup point; kr 300 prepaid; kr 350 + freight unpaid; nothing under 18.
    #[test]
    fn d9_pickup_and_fees() {
        let p = PickupPolicy::default();
        assert_eq!(pickup_deadline(date("2026-11-23"), &p), date("2026-12-07"));
        let freight = Money::from_kroner(198);
        assert_eq!(
            unclaimed_fee(Prepaid::Yes, Some(30), freight, &p),
            Money::from_kroner(300)
        );
        assert_eq!(
            unclaimed_fee(Prepaid::Yes, Some(16), freight, &p),
            Money::from_kroner(300)
        );
        assert_eq!(
            unclaimed_fee(Prepaid::No, Some(30), freight, &p),
            Money::from_kroner(548)
        );
        assert_eq!(unclaimed_fee(Prepaid::No, Some(17), freight, &p), Money::ZERO);
        assert_eq!(
            unclaimed_fee(Prepaid::No, None, freight, &p),
            Money::from_kroner(548)
        );
    }

    /// D9 + S2a: the fee of a food-only order is at 15 %; a mixed order's splits by the goods' value.
    #[test]
    fn s2a_the_unclaimed_fee_takes_the_goods_rates() {
        use crate::order::{OrderLine, Totals};
        use crate::{DeliveryPromise, MvaRate};
        let line = |rate, ore| OrderLine {
            discount: None,
            sku: "X".into(),
            name: "X".into(),
            quantity: 1,
            unit_price: Money::from_ore(ore),
            mva_rate: rate,
            line_total: Money::from_ore(ore),
            availability: crate::Availability::InStock,
            promise: DeliveryPromise {
                window: None,
                reasons: vec![],
            },
            supplier_direct: false,
        };
        let order_of = |lines: Vec<OrderLine>| {
            let totals: Totals = crate::order::totals(&lines, Money::ZERO, None);
            crate::ValidOrder(crate::order::OrderContent {
                quote_number: None,
                discount_approval: None,
                customer: crate::order::Customer {
                    company: None,
                    name: "Kari".into(),
                    phone: crate::PhoneNumber::parse("41234567").unwrap(),
                    email: None,
                    address: crate::order::Address {
                        line1: "Storgata 1".into(),
                        line2: String::new(),
                        postcode: "0150".into(),
                        place: "OSLO".into(),
                    },
                    marketing_consent: false,
                    marketing_consent_text: None,
                },
                delivery_address: crate::order::Address {
                    line1: "Storgata 1".into(),
                    line2: String::new(),
                    postcode: "0150".into(),
                    place: "OSLO".into(),
                },
                lines,
                shipping: crate::ShopPolicy::default().shipping_methods[0].clone(),
                payment_method: crate::PaymentMethod::Kort,
                totals,
                promise: DeliveryPromise {
                    window: None,
                    reasons: vec![],
                },
                placed_at: date("2026-11-23").and_hms_opt(10, 0, 0).unwrap(),
                note: String::new(),
                fodselsnummer: None,
                age_check: None,
                placed_by: None,
            })
        };
        let food = order_of(vec![line(MvaRate::Food, 50_000)]);
        let fee = unclaimed_fee_by_rate(Money::from_kroner(300), &food);
        assert_eq!(fee.len(), 1);
        assert_eq!(fee[0].rate, MvaRate::Food);
        assert_eq!(fee[0].mva, Money::from_ore(3_913));
        let mixed = order_of(vec![line(MvaRate::General, 30_000), line(MvaRate::Food, 10_000)]);
        let fee = unclaimed_fee_by_rate(Money::from_kroner(300), &mixed);
        assert_eq!(fee[0].total_incl, Money::from_kroner(225));
        assert_eq!(fee[1].total_incl, Money::from_kroner(75));
    }
}
