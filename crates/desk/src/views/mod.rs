//! What the desk shows, computed once for every shell: plain serialisable values with their Norwegian
//! texts already formatted, so no shell formats money, dates or rules itself.

mod catalog;
mod customer;
pub(crate) mod form;
mod order;
mod settings;

use serde::Serialize;

pub use catalog::ProductView;
pub use customer::CustomerView;
pub use form::{
    FieldErrorView, LineView, PaymentOptionView, PlacedOrderView, PreviewView, ShippingOptionView, TotalsView,
};
pub use order::{email_text, payment_state_only, payment_state_text, OrderDetailView, OrderSummaryView};
pub use settings::SettingsView;

/// A stored phone number as staff read it everywhere: `412 34 567` (as stored when it does not parse).
pub fn phone_text(stored: &str) -> String {
    skranke_core::PhoneNumber::parse(stored).map_or_else(|_| stored.to_string(), |p| p.display_national())
}

/// A choice in a list the window shows (a code it sends back, and the words staff read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChoiceView {
    pub code: String,
    pub name: String,
}
