//! An exchange (bytte): lines going back and new lines going out, settled by the difference only,
//! never a full refund and a new payment. Who pays the freight follows whose fault it is: a wrong
//! item (feil vare), a defect (R1) or transport damage (D10) is the seller's, so neither the return
//! nor the new parcel is charged; an exchange the customer wants (angrerett) pays the return label
//! and the new parcel at the shipping method's price.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::order::{totals, LineDraft};
use crate::order_change::{validate_change, ChangeDraft};
use crate::return_request::ValidReturn;
use crate::{refund_after, FieldError, Money, Product, ReturnReason, ShopPolicy, ValidOrder};

/// Whether every line going back is the seller's fault (wrong item, defect, transport damage).
pub fn seller_at_fault(ret: &ValidReturn) -> bool {
    ret.lines.iter().all(|l| {
        matches!(
            l.reason,
            ReturnReason::FeilVare | ReturnReason::Reklamasjon | ReturnReason::Transportskade
        )
    })
}

/// The new order of an exchange: the original's customer, address, shipping method and payment
/// method, with `lines` going out. A SKU on the original keeps the price paid (a like-for-like swap
/// costs nothing); others take today's price. Placed at `at`; no shipping charged when the seller
/// is at fault.
pub fn exchange_order(
    original: &ValidOrder,
    lines: &[LineDraft],
    product: impl Fn(&str) -> Option<Product>,
    at: NaiveDateTime,
    policy: &ShopPolicy,
    seller_fault: bool,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut draft = ChangeDraft::of(original);
    draft.lines = lines.to_vec();
    // Goods already bought keep the price paid; the shipping is set below (a new parcel).
    draft.reprice = false;
    let mut new = validate_change(original, &draft, product, at, policy)?;
    let shipping = if seller_fault {
        Money::ZERO
    } else {
        policy
            .shipping_method(&new.shipping.code)
            .map_or(new.shipping.price, |m| m.price)
    };
    new.0.shipping.price = shipping;
    new.0.totals = totals(&new.lines, shipping, new.totals.outside_mva_area);
    new.0.placed_at = at;
    Ok(new)
}

/// Why an exchange's new order cannot be changed or cancelled from a desk: its settlement was worked
/// out against the goods coming back, and changing it alone would leave that wrong.
pub fn exchange_order_refusal(original_number: &str) -> String {
    format!(
        "Ordren er et bytte for varer fra ordre {original_number}, og oppgjøret er regnet ut fra det: den kan ikke \
         endres eller kanselleres fra skranken. Be kontoret gjøre om byttet."
    )
}

/// What an exchange comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeTerms {
    /// The goods going back, at the price paid.
    pub credit: Money,
    /// The new order's total: its goods and its shipping.
    pub new_total: Money,
    /// The return label, when the customer is the one who wants the exchange.
    pub return_shipping: Money,
}

/// How the difference is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Settlement {
    Even,
    /// A payment request for this much (the new order's total less the credit).
    CustomerPays {
        amount: Money,
    },
    /// Paid back on the original payment when the goods are received (angrerettloven § 24).
    CustomerGetsBack {
        amount: Money,
    },
}

impl ExchangeTerms {
    pub fn settlement(&self) -> Settlement {
        let owed = self.new_total.ore() + self.return_shipping.ore() - self.credit.ore();
        match owed {
            0 => Settlement::Even,
            n if n > 0 => Settlement::CustomerPays {
                amount: Money::from_ore(n),
            },
            n => Settlement::CustomerGetsBack {
                amount: Money::from_ore(-n),
            },
        }
    }

    /// The figures without the settlement: what the goods coming back are worth, the new goods,
    /// and a return label.
    pub fn breakdown(&self) -> String {
        let freight = if self.return_shipping > Money::ZERO {
            format!(" Returfrakt {}.", self.return_shipping)
        } else {
            String::new()
        };
        format!(
            "Tilgode for varene som sendes tilbake: {}. Nye varer med frakt: {}.{freight}",
            self.credit, self.new_total
        )
    }

    /// For staff and the slip, in Norwegian: the figures and how they are settled.
    pub fn text(&self) -> String {
        let settled = match self.settlement() {
            Settlement::Even => "Byttet går opp i opp: ingen betaling.".to_string(),
            Settlement::CustomerPays { amount } => format!("Kunden betaler mellomlegget {amount}."),
            Settlement::CustomerGetsBack { amount } => {
                format!("Kunden får {amount} tilbake når varene er mottatt.")
            }
        };
        format!("{} {settled}", self.breakdown())
    }
}

/// The terms of exchanging `ret` (of `original`, with `returned[i]` units of line i + 1 back
/// before) for `new_order` (made by [`exchange_order`]).
pub fn exchange_terms(
    original: &ValidOrder,
    returned: &[u32],
    ret: &ValidReturn,
    new_order: &ValidOrder,
) -> ExchangeTerms {
    let seller_fault = seller_at_fault(ret);
    ExchangeTerms {
        // The goods only: the purchase goes on, so the first parcel's freight is not paid back.
        credit: refund_after(original, returned, ret).goods,
        new_total: new_order.totals.total,
        return_shipping: if seller_fault {
            Money::ZERO
        } else {
            original.shipping.price
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{validate_order, AddressDraft, CustomerDraft, OrderDraft};
    use crate::return_request::{validate_return, ReturnDraft, ReturnLineDraft};
    use crate::{Availability, MvaRate};

    fn catalog(sku: &str) -> Option<Product> {
        let price = match sku {
            "SKO-42" | "SKO-43" => 99_900,
            "SKO-44-PREMIUM" => 129_900,
            "SOKKER" => 14_900,
            _ => return None,
        };
        Some(Product {
            sku: sku.into(),
            eans: vec![],
            name: format!("Vare {sku}"),
            brand: String::new(),
            category: String::new(),
            price: Money::from_ore(price),
            mva_rate: MvaRate::General,
            availability: Availability::InStock,
            availability_as_of: None,
            supplier_direct: false,
        })
    }

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn original() -> ValidOrder {
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
                    sku: "SKO-42".into(),
                    quantity: 1,
                },
                LineDraft {
                    discount: None,
                    sku: "SOKKER".into(),
                    quantity: 2,
                },
            ],
            shipping_method: "servicepakke".into(),
            payment_method: "kort".into(),
            ..Default::default()
        };
        validate_order(&draft, catalog, at(20), &ShopPolicy::default()).unwrap()
    }

    fn back(order: &ValidOrder, reason: &str) -> ValidReturn {
        let draft = ReturnDraft {
            lines: vec![ReturnLineDraft {
                line_no: 1,
                quantity: 1,
                reason: reason.into(),
            }],
            ..Default::default()
        };
        validate_return(&order.lines, &[0, 0], &draft).unwrap()
    }

    fn swap(reason: &str, sku: &str) -> (ExchangeTerms, ValidOrder) {
        let order = original();
        let ret = back(&order, reason);
        let new = exchange_order(
            &order,
            &[LineDraft {
                discount: None,
                sku: sku.into(),
                quantity: 1,
            }],
            catalog,
            at(25),
            &ShopPolicy::default(),
            seller_at_fault(&ret),
        )
        .unwrap();
        (exchange_terms(&order, &[0, 0], &ret, &new), new)
    }

    /// A wrong size sent (feil vare), swapped for the right one at the same price: even, no freight
    /// either way.
    #[test]
    fn a_wrong_item_swapped_like_for_like_costs_nothing() {
        let (terms, new) = swap("feil_vare", "SKO-43");
        assert_eq!(new.totals.shipping, Money::ZERO);
        assert_eq!(terms.return_shipping, Money::ZERO);
        assert_eq!(terms.settlement(), Settlement::Even);
        assert_eq!(new.placed_at, at(25));
        assert!(crate::received::check_order(&new).is_ok());
        assert!(terms.text().contains("ingen betaling"), "{}", terms.text());
    }

    /// The customer wants the dearer model (angrerett): pays the difference, the return label and
    /// the new parcel, never the whole new price.
    #[test]
    fn a_dearer_swap_the_customer_wants_pays_the_difference_and_the_freight() {
        let (terms, new) = swap("angrerett", "SKO-44-PREMIUM");
        assert_eq!(new.totals.shipping, Money::from_kroner(99));
        assert_eq!(terms.credit, Money::from_ore(99_900));
        assert_eq!(terms.return_shipping, Money::from_kroner(99));
        assert_eq!(
            terms.settlement(),
            Settlement::CustomerPays {
                amount: Money::from_ore(129_900 + 9_900 + 9_900 - 99_900)
            }
        );
        assert!(terms.text().contains("mellomlegget"), "{}", terms.text());
    }

    /// A defective shoe swapped for socks: the customer gets the difference back, no freight.
    #[test]
    fn a_cheaper_swap_for_a_defect_refunds_the_difference_only() {
        let (terms, new) = swap("reklamasjon", "SOKKER");
        assert_eq!(new.totals.total, Money::from_ore(14_900));
        assert_eq!(
            terms.settlement(),
            Settlement::CustomerGetsBack {
                amount: Money::from_ore(99_900 - 14_900)
            }
        );
        // The same SKO-42 back for a new SKO-42: the price paid, even if the catalog moved.
        let order = original();
        let dearer_today = |sku: &str| {
            catalog(sku).map(|mut p| {
                p.price = Money::from_ore(109_900);
                p
            })
        };
        let ret = back(&order, "reklamasjon");
        let new = exchange_order(
            &order,
            &[LineDraft {
                discount: None,
                sku: "SKO-42".into(),
                quantity: 1,
            }],
            dearer_today,
            at(25),
            &ShopPolicy::default(),
            true,
        )
        .unwrap();
        assert_eq!(
            exchange_terms(&order, &[0, 0], &ret, &new).settlement(),
            Settlement::Even
        );
    }
}
