//! Reorder (issue 20, item 2): one key on a previous order makes a new draft with its lines and its
//! customer, each line with last time's price beside today's and today's availability; what is no
//! longer sold is listed, not dropped without a word.

use serde::Serialize;
use skranke_core::order::{AddressDraft, CustomerDraft, OrderDraft};
use skranke_core::reorder::reorder;

use crate::{Desk, DeskError};

/// One line of the previous order as it stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReorderLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub last_price_text: String,
    /// `None` when the product is no longer sold.
    pub today_price_text: Option<String>,
    pub availability_text: Option<String>,
    /// "10,00 kr dyrere enn sist", "som sist", "selges ikke lenger" ...
    pub text: String,
    /// Today's price differs from last time's.
    pub price_changed: bool,
}

/// A previous order made into a new draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReorderView {
    pub from_order: String,
    pub lines: Vec<ReorderLineView>,
    /// The new draft: the customer and address, the lines still sold, the shipping and payment
    /// method of last time. The fødselsnummer and the age answer are asked again.
    pub draft: OrderDraft,
}

impl Desk {
    /// Order `order_number` as a new draft against today's catalog.
    pub async fn reorder(&self, order_number: &str) -> Result<ReorderView, DeskError> {
        // Issue 20: an order from another desk of the store is reordered from its copy here.
        let previous = match self.cache().order_by_number(order_number).await? {
            Some(stored) => stored.order,
            None => self
                .cache()
                .store_order(order_number)
                .await?
                .ok_or_else(|| DeskError::OrderNotFound(order_number.trim().to_string()))?,
        };
        let previous = &previous;
        let skus: Vec<String> = previous.lines.iter().map(|l| l.sku.to_uppercase()).collect();
        let products = self.cache().products_by_sku(&skus).await?;
        let r = reorder(previous, |sku| products.get(&sku.to_uppercase()).cloned());
        let lines = r
            .lines
            .iter()
            .map(|l| ReorderLineView {
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                last_price_text: l.last_price.to_string(),
                today_price_text: l.today.map(|(p, _)| p.to_string()),
                availability_text: l.today.map(|(_, a)| a.text().to_string()),
                text: l.text(),
                price_changed: l.today.is_some_and(|(p, _)| p != l.last_price),
            })
            .collect();
        let c = &previous.customer;
        let address = |a: &skranke_core::order::Address| AddressDraft {
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            postcode: a.postcode.clone(),
            country: String::new(),
        };
        let delivery = (previous.delivery_address != c.address).then(|| address(&previous.delivery_address));
        let draft = OrderDraft {
            quote_number: String::new(),
            discount: None,
            customer: CustomerDraft {
                name: c.name.clone(),
                phone: c.phone.display_national(),
                email: c
                    .email
                    .as_ref()
                    .map(|e| e.as_str().to_string())
                    .unwrap_or_default(),
                address: address(&c.address),
                ..Default::default()
            },
            delivery_address: delivery,
            lines: r.draft_lines,
            shipping_method: previous.shipping.code.clone(),
            payment_method: previous.payment_method.code().to_string(),
            note: String::new(),
        };
        Ok(ReorderView {
            from_order: order_number.trim().to_uppercase(),
            lines,
            draft,
        })
    }
}
