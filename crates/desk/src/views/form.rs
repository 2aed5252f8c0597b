//! The order form's live state (prices, promises, refusals, payment options) and the placed order.

use serde::Serialize;
use skranke_cache::PlacedOrder;
use skranke_core::order::{OrderLine, Totals};
use skranke_core::{FieldError, ValidOrder};

use crate::labels::field_label;

/// What staff read back once the order is placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlacedOrderView {
    pub order_id: String,
    pub order_number: String,
    pub already_placed: bool,
    // Øre and counts fit exactly in a JavaScript number (below 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub total_ore: i64,
    pub total_text: String,
    pub promise_text: String,
    pub promise_reasons: Vec<String>,
    /// Issue 20: "Rabatt i alt: 524,85 kr" when the cart has discounts.
    pub discount_text: Option<String>,
}

impl PlacedOrderView {
    pub fn new(placed: PlacedOrder, order: ValidOrder) -> PlacedOrderView {
        PlacedOrderView {
            order_id: placed.order_id.to_string(),
            order_number: placed.order_number,
            already_placed: placed.already_placed,
            total_ore: order.totals.total.ore(),
            total_text: order.totals.total.to_string(),
            promise_text: order.promise.text(),
            promise_reasons: order.promise.reasons.iter().map(|r| r.text()).collect(),
            discount_text: discount_text(&order.lines),
        }
    }
}

/// Issue 20: "Rabatt i alt: 524,85 kr" when any line has a discount.
pub(crate) fn discount_text(lines: &[OrderLine]) -> Option<String> {
    let (off, _) = skranke_core::discount::order_discount_total(lines);
    (off > skranke_core::Money::ZERO).then(|| format!("Rabatt i alt: {off}"))
}

/// A refused field: its path (for the form), its Norwegian label and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldErrorView {
    pub field: String,
    pub label: String,
    pub message: String,
}

impl From<&FieldError> for FieldErrorView {
    fn from(e: &FieldError) -> Self {
        FieldErrorView {
            field: e.field.clone(),
            label: field_label(&e.field),
            message: e.problem.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_text: String,
    pub line_total_text: String,
    pub availability_text: String,
    pub promise_text: String,
    /// D6: "Leveres direkte fra leverandør, som kontakter deg." for a line the supplier delivers.
    pub supplier_text: Option<String>,
    /// Issue 20: "15 % rabatt (Prismatch): −524,85 kr, før 3 499,00 kr".
    pub discount_text: Option<String>,
}

impl From<&OrderLine> for LineView {
    fn from(l: &OrderLine) -> Self {
        LineView {
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price_text: l.unit_price.to_string(),
            line_total_text: l.line_total.to_string(),
            availability_text: l.availability.text().to_string(),
            promise_text: l.promise.text(),
            supplier_text: l.supplier_text().map(str::to_string),
            discount_text: l.discount.as_ref().map(|d| d.text(l)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TotalsView {
    pub goods_text: String,
    pub shipping_text: String,
    pub total_text: String,
    /// "herav MVA 25 % av 1 349,00 kr" → "269,80 kr"
    pub mva: Vec<(String, String)>,
    /// D7a: why the order carries no MVA (delivered to Svalbard or Jan Mayen).
    pub mva_note: Option<String>,
}

impl From<&Totals> for TotalsView {
    fn from(t: &Totals) -> Self {
        TotalsView {
            goods_text: t.goods.to_string(),
            shipping_text: t.shipping.to_string(),
            total_text: t.total.to_string(),
            mva: t
                .mva
                .iter()
                .map(|m| {
                    (
                        format!("herav MVA {} % av {}", m.rate.percent(), m.total_incl),
                        m.mva.to_string(),
                    )
                })
                .collect(),
            mva_note: t.mva_note(),
        }
    }
}

/// A payment method as the form offers it, with the rule that stops it for this buyer (P1–P3, P5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentOptionView {
    pub code: String,
    pub name: String,
    pub terms: String,
    pub refusal: Option<String>,
    /// P3: the fødselsnummer field is shown only when this is true.
    pub needs_fodselsnummer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShippingOptionView {
    pub code: String,
    pub name: String,
    pub price_text: String,
}

/// The order form's live state: the cart priced and promised, every refusal, the payment options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreviewView {
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub promise_text: String,
    pub promise_reasons: Vec<String>,
    /// Issue 20: "Rabatt i alt: 524,85 kr" when the cart has discounts.
    pub discount_text: Option<String>,
    /// Issue 20: whether the quote the draft was made from still holds its prices.
    pub quote_text: Option<String>,
    pub errors: Vec<FieldErrorView>,
    pub payment_options: Vec<PaymentOptionView>,
    pub shipping_options: Vec<ShippingOptionView>,
    /// Every rule accepts the order: Plasser ordre may be pressed.
    pub ready: bool,
    /// F3a: the fødselsnummer does not tell the birth year: the form shows the birth-year field.
    pub needs_birth_year: bool,
    /// F7: the text staff read aloud before the customer says yes to marketing.
    pub marketing_consent_text: String,
    /// The sentence staff read back to the customer before placing; empty while the cart is empty.
    pub read_back: String,
    /// The shipping method a new order starts with (the policy's first).
    pub default_shipping_method: String,
}
