//! What the desk shows of a product and of a placed order, computed once for every shell.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_cache::PlacedOrder;
use skranke_core::{Money, Product, ValidOrder};

use crate::oslo_time;

/// A product line in a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductView {
    pub sku: String,
    pub ean: Option<String>,
    pub name: String,
    pub brand: String,
    pub price: Money,
    pub price_text: String,
    pub availability_code: &'static str,
    /// A1: the shop's exact text.
    pub availability_text: &'static str,
    /// A2: "per 14:02" today, "per 20.11. 14:02" before.
    pub as_of_text: String,
    /// Matched by an exact EAN or SKU.
    pub exact: bool,
}

impl ProductView {
    pub fn new(p: Product, exact: bool, now: DateTime<Utc>) -> ProductView {
        let as_of_text = match p.availability_as_of {
            None => "ukjent alder".to_string(),
            Some(t) => {
                let (then, today) = (oslo_time(t), oslo_time(now));
                if then.date() == today.date() {
                    format!("per {}", then.format("%H:%M"))
                } else {
                    format!("per {}", then.format("%-d.%-m. %H:%M"))
                }
            }
        };
        ProductView {
            ean: p.eans.first().cloned(),
            price_text: p.price.to_string(),
            availability_code: p.availability.code(),
            availability_text: p.availability.text(),
            as_of_text,
            exact,
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            price: p.price,
        }
    }
}

/// What staff read back once the order is placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlacedOrderView {
    pub order_id: String,
    pub order_number: String,
    pub already_placed: bool,
    pub total: Money,
    pub promise_text: String,
    pub promise_reasons: Vec<String>,
}

impl PlacedOrderView {
    pub fn new(placed: PlacedOrder, order: ValidOrder) -> PlacedOrderView {
        PlacedOrderView {
            order_id: placed.order_id.to_string(),
            order_number: placed.order_number,
            already_placed: placed.already_placed,
            total: order.totals.total,
            promise_text: order.promise.text(),
            promise_reasons: order.promise.reasons.iter().map(|r| r.text()).collect(),
        }
    }
}
