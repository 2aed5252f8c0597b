//! Order confirmation, return slip and the warehouse's pick list as PDF (printpdf): domain values in, bytes out, no file IO.

mod amounts;
mod barcode;
mod cancellation;
mod canvas;
mod claim;
mod confirmation;
mod exchange_slip;
mod header;
mod pick_list;
mod quote;
mod return_slip;
mod texts;

use chrono::NaiveDate;
use skranke_core::{Refund, ShopPolicy, ValidOrder, ValidReturn};

pub use cancellation::{cancellation, Cancellation};
pub use claim::{claim_confirmation, ClaimDocument};
pub use confirmation::{changed_order_confirmation, order_confirmation, Revision};
pub use exchange_slip::{exchange_slip, ExchangeDocument};
pub use pick_list::{pick_list, PickLine, PickList};
pub use quote::{quote, QuoteDocument};
pub use return_slip::return_slip;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    #[error("skriften kunne ikke leses")]
    Font,
    #[error("strekkoden kunne ikke lages: {0}")]
    Barcode(String),
}

/// An order as a document shows it.
#[derive(Debug, Clone, Copy)]
pub struct OrderDocument<'a> {
    pub order_number: &'a str,
    pub order: &'a ValidOrder,
    pub policy: &'a ShopPolicy,
    /// The payment state the central store reported (P5), when known.
    pub payment_state: Option<&'a str>,
}

/// A registered return as the slip shows it.
#[derive(Debug, Clone, Copy)]
pub struct ReturnDocument<'a> {
    pub order: OrderDocument<'a>,
    pub ret: &'a ValidReturn,
    /// What the return pays back (S2a: the shipping with the return that completes the order).
    pub refund: &'a Refund,
    /// The day the return was registered.
    pub registered: NaiveDate,
}

/// `23.11.2026`
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// Money without the no-break spaces some PDF viewers show as boxes when copying.
pub(crate) fn kr(m: skranke_core::Money) -> String {
    m.to_string()
}
