//! What a return pays back, with its MVA per rate (S2, S2a).
//!
//! Goods come back at the price they were sold for. The shipping is paid back with the return that
//! brings the last unit of the order back: a withdrawal from the whole purchase gets the standard
//! delivery cost back (angrerettloven § 22), and so does a purchase cancelled for a defect, a wrong or a
//! damaged item; a part of an order sent back does not. The shipping is paid back at the rates it was
//! charged at (S2a), so the credit mirrors the confirmation.

use serde::{Deserialize, Serialize};

use crate::money::{mva_per_rate, Money, MvaLine, RateShare};
use crate::order::ValidOrder;
use crate::return_request::ValidReturn;

/// The money a return pays back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub goods: Money,
    pub shipping: Money,
    pub total: Money,
    /// MVA per rate of what is paid back (S2 on the refund's totals).
    pub mva: Vec<MvaLine>,
    /// The shipping paid back, per rate (S2a); empty when no shipping is paid back.
    pub shipping_by_rate: Vec<RateShare>,
}

/// The refund of `this` return of `order`, given the returns registered before it. Lines outside the
/// order count for nothing (validation refuses them before a return is registered).
pub fn refund_of_return(order: &ValidOrder, earlier: &[ValidReturn], this: &ValidReturn) -> Refund {
    refund_after(order, &returned_before(order, earlier), this)
}

/// How many of each line of `order` came back in `earlier` returns: index 0 is line 1.
pub fn returned_before(order: &ValidOrder, earlier: &[ValidReturn]) -> Vec<u32> {
    let mut returned = vec![0u32; order.lines.len()];
    for line in earlier.iter().flat_map(|r| r.lines.iter()) {
        if let Some(n) = line_index(order, line.line_no) {
            returned[n] = returned[n].saturating_add(line.quantity);
        }
    }
    returned
}

/// The same, given how many of each line came back before (`returned[i]` for line i + 1), as the
/// desk's cache counts them.
pub fn refund_after(order: &ValidOrder, returned: &[u32], this: &ValidReturn) -> Refund {
    let goods_by_rate: Vec<(crate::MvaRate, Money)> = this
        .lines
        .iter()
        .filter_map(|r| {
            let l = &order.lines[line_index(order, r.line_no)?];
            Some((l.mva_rate, l.unit_price.checked_mul(r.quantity)?))
        })
        .collect();
    let goods: Money = goods_by_rate.iter().map(|(_, m)| *m).sum();

    let before = |i: usize| returned.get(i).copied().unwrap_or(0);
    let now = |i: usize| {
        let here: u32 = this
            .lines
            .iter()
            .filter(|r| line_index(order, r.line_no) == Some(i))
            .map(|r| r.quantity)
            .sum();
        before(i).saturating_add(here)
    };
    let all_back = |count: &dyn Fn(usize) -> u32| {
        order
            .lines
            .iter()
            .enumerate()
            .all(|(i, l)| count(i) >= l.quantity)
    };
    let shipping_by_rate = if all_back(&now) && !all_back(&before) {
        order.totals.shipping_shares()
    } else {
        Vec::new()
    };
    let shipping: Money = shipping_by_rate.iter().map(|s| s.amount).sum();
    // D7a: an order sold without MVA pays back without MVA.
    let mva = if order.totals.outside_mva_area.is_some() {
        Vec::new()
    } else {
        mva_per_rate(
            goods_by_rate
                .iter()
                .copied()
                .chain(shipping_by_rate.iter().map(|s| (s.rate, s.amount))),
        )
    };
    Refund {
        goods,
        shipping,
        total: goods + shipping,
        mva,
        shipping_by_rate,
    }
}

/// The index of a 1-based line number on the order, if the order has that line.
fn line_index(order: &ValidOrder, line_no: u32) -> Option<usize> {
    let i = usize::try_from(line_no).ok()?.checked_sub(1)?;
    (i < order.lines.len()).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{validate_order, AddressDraft, CustomerDraft, LineDraft};
    use crate::return_request::ReturnLine;
    use crate::{Availability, MvaRate, OrderDraft, Product, ReturnReason, ShopPolicy};
    use chrono::NaiveDate;

    fn product(sku: &str) -> Option<Product> {
        let (price, rate) = match sku {
            "KAFFE-1" => (12_490, MvaRate::Food),
            "DRILL-9" => (124_900, MvaRate::General),
            _ => return None,
        };
        Some(Product {
            sku: sku.into(),
            eans: vec![],
            name: format!("Vare {sku}"),
            brand: "Merke".into(),
            category: "Kategori".into(),
            price: Money::from_ore(price),
            mva_rate: rate,
            availability: Availability::InStock,
            availability_as_of: None,
            supplier_direct: false,
        })
    }

    /// 2 × KAFFE-1 (124,90 at 15 %), 1 × DRILL-9 (1 249,00 at 25 %), shipping 99,00.
    fn order() -> ValidOrder {
        let draft = OrderDraft {
            customer: CustomerDraft {
                name: "Kari Nordmann".into(),
                phone: "41234567".into(),
                confirmed_15_or_older: true,
                address: AddressDraft {
                    line1: "Storgata 1".into(),
                    postcode: "0150".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            lines: vec![
                LineDraft {
                    discount: None,
                    sku: "KAFFE-1".into(),
                    quantity: 2,
                },
                LineDraft {
                    discount: None,
                    sku: "DRILL-9".into(),
                    quantity: 1,
                },
            ],
            shipping_method: "servicepakke".into(),
            payment_method: "kort".into(),
            ..Default::default()
        };
        let at = NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        validate_order(&draft, product, at, &ShopPolicy::default()).unwrap()
    }

    fn ret(lines: &[(u32, u32)]) -> ValidReturn {
        ValidReturn(crate::return_request::ReturnContent {
            lines: lines
                .iter()
                .map(|(n, q)| ReturnLine {
                    line_no: *n,
                    sku: String::new(),
                    name: String::new(),
                    quantity: *q,
                    reason: ReturnReason::Angrerett,
                })
                .collect(),
            description: String::new(),
            received: None,
        })
    }

    /// S2a: a part of the order comes back without the shipping; the return that brings the last unit
    /// back pays the shipping back, split as it was charged (82,50 at 25 %, 16,50 at 15 %).
    #[test]
    fn s2a_the_return_that_completes_the_order_refunds_the_shipping_at_its_rates() {
        let order = order();
        let first = ret(&[(1, 1)]);
        let part = refund_of_return(&order, &[], &first);
        assert_eq!(part.goods, Money::from_ore(12_490));
        assert_eq!(part.shipping, Money::ZERO);
        assert_eq!(part.mva.len(), 1);
        assert_eq!(
            part.mva[0].mva,
            MvaRate::Food.mva_of_total(Money::from_ore(12_490))
        );

        let rest = ret(&[(1, 1), (2, 1)]);
        let last = refund_of_return(&order, std::slice::from_ref(&first), &rest);
        assert_eq!(last.goods, Money::from_ore(12_490 + 124_900));
        assert_eq!(last.shipping, Money::from_kroner(99));
        assert_eq!(last.total, Money::from_ore(12_490 + 124_900 + 9_900));
        assert_eq!(last.shipping_by_rate, order.totals.shipping_by_rate);
        assert_eq!(last.mva[0].rate, MvaRate::General);
        assert_eq!(last.mva[0].total_incl, Money::from_ore(133_150));
        assert_eq!(last.mva[0].mva, Money::from_ore(26_630));
        assert_eq!(last.mva[1].total_incl, Money::from_ore(14_140));
        assert_eq!(last.mva[1].mva, Money::from_ore(1_844));
        // Both returns together pay back exactly what the order cost.
        assert_eq!(part.total + last.total, order.totals.total);

        // The whole order in one return: the shipping too.
        let all = refund_of_return(&order, &[], &ret(&[(1, 2), (2, 1)]));
        assert_eq!(all.total, order.totals.total);
        assert_eq!(all.mva, order.totals.mva);
    }
}
