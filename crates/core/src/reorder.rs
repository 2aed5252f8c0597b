//! Reorder (issue 20, item 2): a previous order's lines as a new draft, each with last time's price
//! beside today's and today's availability. A line no longer sold is listed with why, never dropped
//! without a word. The new order takes today's prices: a reorder is a new sale.

use serde::{Deserialize, Serialize};

use crate::order::LineDraft;
use crate::{Availability, Money, Product, ValidOrder};

/// One line of the previous order as it stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorderLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    /// What the customer paid per unit last time.
    pub last_price: Money,
    /// Today's price and availability; `None` when the product is no longer sold.
    pub today: Option<(Money, Availability)>,
}

impl ReorderLine {
    /// For staff, in Norwegian: the price then and now, or that the product is gone.
    pub fn text(&self) -> String {
        match self.today {
            None => format!("{}: selges ikke lenger (sist {}).", self.name, self.last_price),
            Some((price, _)) if price == self.last_price => format!("{}: {price}, som sist.", self.name),
            Some((price, _)) if price > self.last_price => format!(
                "{}: {price} i dag, {} dyrere enn sist ({}).",
                self.name,
                Money::from_ore(price.ore() - self.last_price.ore()),
                self.last_price
            ),
            Some((price, _)) => format!(
                "{}: {price} i dag, {} billigere enn sist ({}).",
                self.name,
                Money::from_ore(self.last_price.ore() - price.ore()),
                self.last_price
            ),
        }
    }
}

/// A previous order made into a new draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reorder {
    /// Every line of the previous order, in its order.
    pub lines: Vec<ReorderLine>,
    /// The draft's lines: those still sold, with last time's quantities.
    pub draft_lines: Vec<LineDraft>,
}

impl Reorder {
    /// The lines that are not in the draft because the product is gone.
    pub fn gone(&self) -> impl Iterator<Item = &ReorderLine> {
        self.lines.iter().filter(|l| l.today.is_none())
    }
}

/// `previous` as a reorder against today's catalog (`product`).
pub fn reorder(previous: &ValidOrder, product: impl Fn(&str) -> Option<Product>) -> Reorder {
    let lines: Vec<ReorderLine> = previous
        .lines
        .iter()
        .map(|l| ReorderLine {
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            last_price: l.unit_price,
            today: product(&l.sku).map(|p| (p.price, p.availability)),
        })
        .collect();
    let draft_lines = lines
        .iter()
        .filter(|l| l.today.is_some())
        .map(|l| LineDraft {
            discount: None,
            sku: l.sku.clone(),
            quantity: i64::from(l.quantity),
        })
        .collect();
    Reorder { lines, draft_lines }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{validate_order, AddressDraft, CustomerDraft, OrderDraft};
    use crate::{MvaRate, ShopPolicy};

    fn product(sku: &str, price: i64) -> Product {
        Product {
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
        }
    }

    fn previous() -> ValidOrder {
        let then = |sku: &str| match sku {
            "KAFFE" => Some(product("KAFFE", 9_990)),
            "KOPP" => Some(product("KOPP", 14_900)),
            "FILTER" => Some(product("FILTER", 3_490)),
            _ => None,
        };
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
            lines: ["KAFFE", "KOPP", "FILTER"]
                .iter()
                .map(|s| LineDraft {
                    discount: None,
                    sku: (*s).into(),
                    quantity: 2,
                })
                .collect(),
            shipping_method: "servicepakke".into(),
            payment_method: "kort".into(),
            ..Default::default()
        };
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        validate_order(&draft, then, at, &ShopPolicy::default()).unwrap()
    }

    /// Coffee is dearer today, cups cheaper, filters gone: the draft has coffee and cups with last
    /// time's quantities; the filters are listed as gone, with last time's price.
    #[test]
    fn a_reorder_shows_last_time_beside_today_and_lists_what_is_gone() {
        let today = |sku: &str| match sku {
            "KAFFE" => Some(product("KAFFE", 10_990)),
            "KOPP" => Some(product("KOPP", 12_900)),
            _ => None,
        };
        let r = reorder(&previous(), today);
        assert_eq!(r.lines.len(), 3);
        assert_eq!(
            r.draft_lines,
            vec![
                LineDraft {
                    discount: None,
                    sku: "KAFFE".into(),
                    quantity: 2
                },
                LineDraft {
                    discount: None,
                    sku: "KOPP".into(),
                    quantity: 2
                },
            ]
        );
        assert_eq!(r.lines[0].last_price, Money::from_ore(9_990));
        assert_eq!(
            r.lines[0].today,
            Some((Money::from_ore(10_990), Availability::InStock))
        );
        assert!(
            r.lines[0]
                .text()
                .replace('\u{a0}', " ")
                .contains("10,00 kr dyrere enn sist (99,90 kr)"),
            "{}",
            r.lines[0].text()
        );
        assert!(
            r.lines[1]
                .text()
                .replace('\u{a0}', " ")
                .contains("20,00 kr billigere"),
            "{}",
            r.lines[1].text()
        );
        let gone: Vec<&str> = r.gone().map(|l| l.sku.as_str()).collect();
        assert_eq!(gone, vec!["FILTER"]);
        assert!(
            r.lines[2]
                .text()
                .replace('\u{a0}', " ")
                .contains("selges ikke lenger (sist 34,90 kr)"),
            "{}",
            r.lines[2].text()
        );
    }
}
