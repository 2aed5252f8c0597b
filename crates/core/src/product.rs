//! A product as the desk knows it from the catalog, and the limits every catalog source is held to.

use serde::{Deserialize, Serialize};

use crate::{Availability, Money, MvaRate};

/// A SKU's length in bytes, in catalog files, feeds and order lines.
pub const MAX_SKU: usize = 64;
/// A product's name, brand or category, in characters.
pub const MAX_PRODUCT_TEXT: usize = 200;

/// A product as the desk knows it from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub eans: Vec<String>,
    pub name: String,
    pub brand: String,
    pub category: String,
    /// Price incl. MVA.
    pub price: Money,
    pub mva_rate: MvaRate,
    pub availability: Availability,
    /// When the central store last confirmed the availability (A2), as UTC.
    pub availability_as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// D6: delivered by the supplier directly, who contacts the customer; never sent from the shop.
    #[serde(default)]
    pub supplier_direct: bool,
}
