//! What staff see of a product in the search list.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_core::Product;

use crate::oslo_time;

/// A product line in a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProductView {
    pub sku: String,
    pub ean: Option<String>,
    pub name: String,
    pub brand: String,
    // Øre and counts fit exactly in a JavaScript number (below 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub price_ore: i64,
    pub price_text: String,
    pub availability_code: String,
    /// A1: the shop's exact text.
    pub availability_text: String,
    /// A2: "per 14:02" today, "per 20.11. 14:02" before.
    pub as_of_text: String,
    /// Matched by an exact EAN or SKU.
    pub exact: bool,
    /// Issue 20: "2 igjen i butikken" for a product the store counts; empty otherwise.
    pub units_text: String,
    /// So few left that a payment request holds what may be the last (at most [`FEW_LEFT`]).
    pub few_left: bool,
}

/// Units at or below which the desk says "få igjen".
pub const FEW_LEFT: u32 = 3;

impl ProductView {
    pub fn new(p: Product, exact: bool, units_left: Option<u32>, now: DateTime<Utc>) -> ProductView {
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
            availability_code: p.availability.code().to_string(),
            availability_text: p.availability.text().to_string(),
            as_of_text,
            exact,
            units_text: match units_left {
                None | Some(0) => String::new(),
                Some(n) if n <= FEW_LEFT => format!("få igjen: {n} i butikken"),
                Some(n) => format!("{n} igjen i butikken"),
            },
            few_left: units_left.is_some_and(|n| n > 0 && n <= FEW_LEFT),
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            price_ore: p.price.ore(),
        }
    }
}
