//! Changing a placed order before dispatch: what may change, the price lock and re-pricing on purpose,
//! what changed in words, and how the payment follows the new amount (C1–C4 in DOMAIN.md terms: the
//! rules of this issue are cited as "change" rules beside D8 and P5).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::delivery::Destination;
use crate::order::{
    address, line_fields, payment_field, quote, record_outside_area, shipping_field, text_field,
    AddressDraft, LineDraft, OrderContent, Quote, MAX_NOTE,
};
use crate::payment::Buyer;
use crate::payment_state::PaymentState;
use crate::{FieldError, Money, OrderStatus, PaymentMethod, Product, ShopPolicy, ValidOrder};

/// What staff change on a placed order. Filled from the order as it stands; what is left as it was
/// stays (the customer and the age record never change here: that is the customer's own record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeDraft {
    pub delivery_address: AddressDraft,
    pub lines: Vec<LineDraft>,
    pub shipping_method: String,
    pub payment_method: String,
    pub note: String,
    /// Staff chose to give the whole order today's prices (and shipping price). Without it, lines
    /// already on the order keep the price the customer was quoted (the price lock).
    pub reprice: bool,
}

impl ChangeDraft {
    /// The draft that changes nothing: the order as it stands.
    pub fn of(order: &OrderContent) -> ChangeDraft {
        let a = &order.delivery_address;
        ChangeDraft {
            delivery_address: AddressDraft {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                postcode: a.postcode.clone(),
                country: String::new(),
            },
            lines: order
                .lines
                .iter()
                .map(|l| LineDraft {
                    discount: None,
                    sku: l.sku.clone(),
                    quantity: i64::from(l.quantity),
                })
                .collect(),
            shipping_method: order.shipping.code.clone(),
            payment_method: order.payment_method.code().to_string(),
            note: order.note.clone(),
            reprice: false,
        }
    }
}

/// Why an order cannot be changed or cancelled any more (D8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ChangeRefused {
    /// The parcel has left: what the customer wants now is a return or an exchange when it arrives.
    #[error("Ordren er {} og kan ikke endres eller kanselleres lenger. Si til kunden: pakken er på vei; når den er kommet, kan varene returneres (angrerett) eller byttes.", status.text().to_lowercase())]
    AfterDispatch { status: OrderStatus },
    #[error("Ordren er kansellert og kan ikke endres.")]
    Cancelled,
}

/// D8: an order may be changed or cancelled only while it is "Under behandling".
pub fn may_change(status: OrderStatus) -> Result<(), ChangeRefused> {
    match status {
        OrderStatus::UnderBehandling => Ok(()),
        OrderStatus::Kansellert => Err(ChangeRefused::Cancelled),
        OrderStatus::Sendt | OrderStatus::Levert => Err(ChangeRefused::AfterDispatch { status }),
    }
}

/// Judges a change of `current` as every rule judges a new order (D1–D7, P1–P5, S2), with the price
/// lock: a SKU already on the order keeps its quoted unit price, name and rate, and the shipping method
/// it had keeps its price, unless `draft.reprice`. New lines take today's price. The promise is made
/// again from `changed_at` with today's availability. A product gone from the catalog stays on the
/// order at its quoted price (it was sold), and cannot be added anew.
pub fn validate_change(
    current: &ValidOrder,
    draft: &ChangeDraft,
    product: impl Fn(&str) -> Option<Product>,
    changed_at: NaiveDateTime,
    policy: &ShopPolicy,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut errors = Vec::new();
    let delivery_address = address(&mut errors, "delivery_address", &draft.delivery_address);
    let outside_mva_area = delivery_address
        .as_ref()
        .and_then(|a| record_outside_area(&mut errors, "delivery_address.postcode", a, policy));
    let mut shipping = shipping_field(&mut errors, &draft.shipping_method, policy);
    if let Some(s) = shipping.as_mut() {
        if !draft.reprice && s.code == current.shipping.code {
            s.price = current.shipping.price;
        }
    }
    let payment_method = match PaymentMethod::from_code(draft.payment_method.trim()) {
        // The method the order was judged with stays judged: its fødselsnummer is gone from the desk
        // once the central store had the order (P3), and needs no second look.
        Some(m) if m == current.payment_method => Some(m),
        _ => {
            let c = &current.customer;
            let buyer = Buyer {
                fodselsnummer: None,
                birth_year: None,
                has_mobile: c.phone.is_mobile(),
                has_email: c.email.is_some(),
                company: c.company.is_some(),
            };
            payment_field(
                &mut errors,
                &draft.payment_method,
                buyer,
                changed_at.date(),
                policy,
            )
        }
    };
    let note = text_field(&mut errors, "note", &draft.note, MAX_NOTE, false);
    let locked = |sku: &str| -> Option<Product> {
        let on_order = current.lines.iter().find(|l| l.sku == sku);
        let today = product(sku);
        match (on_order, today) {
            (Some(line), Some(mut p)) if !draft.reprice => {
                p.price = listed_price(current, line);
                p.name = line.name.clone();
                p.mva_rate = line.mva_rate;
                Some(p)
            }
            (_, Some(p)) => Some(p),
            // Gone from the catalog: the line as sold, with the availability it was sold with.
            (Some(line), None) => Some(Product {
                sku: line.sku.clone(),
                eans: Vec::new(),
                name: line.name.clone(),
                brand: String::new(),
                category: String::new(),
                price: listed_price(current, line),
                mva_rate: line.mva_rate,
                availability: line.availability,
                availability_as_of: None,
                supplier_direct: line.supplier_direct,
            }),
            (None, None) => None,
        }
    };
    let resolved = line_fields(&mut errors, &draft.lines, locked);
    let (Some(delivery_address), Some(shipping), Some(payment_method), Some(note)) =
        (delivery_address, shipping, payment_method, note)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let Quote {
        lines,
        totals,
        promise,
    } = quote(
        resolved,
        changed_at,
        Destination {
            postcode: &delivery_address.postcode,
            shipping: shipping.kind,
            outside_mva_area,
        },
        shipping.price,
        policy,
    );
    let mut content = current.0.clone();
    content.delivery_address = delivery_address;
    content.lines = lines;
    // Issue 20: a line kept at the price it was sold at keeps the discount that made that price; a
    // repriced order gives no discount, and then no one answers for one.
    for line in &mut content.lines {
        if let Some(before) = current.lines.iter().find(|l| l.sku == line.sku) {
            if before.unit_price == line.unit_price {
                line.discount.clone_from(&before.discount);
            }
        }
    }
    if content.lines.iter().all(|l| l.discount.is_none()) {
        content.discount_approval = None;
    }
    content.shipping = shipping;
    content.payment_method = payment_method;
    content.totals = totals;
    content.promise = promise;
    content.note = note;
    content.fodselsnummer = None;
    Ok(ValidOrder(content))
}

/// The price a line was listed at (with MVA), the form a product's price has: outside the MVA area
/// (D7a) the order holds it without MVA.
fn listed_price(order: &OrderContent, line: &crate::order::OrderLine) -> Money {
    match order.totals.outside_mva_area {
        None => line.unit_price,
        Some(_) => line.mva_rate.with_mva(line.unit_price),
    }
}

/// One thing a change did, as staff read it back and the customer reads it on the changed
/// confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ChangeItem {
    LineAdded {
        name: String,
        quantity: u32,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        unit_price_ore: i64,
    },
    LineRemoved {
        name: String,
        quantity: u32,
    },
    QuantityChanged {
        name: String,
        from: u32,
        to: u32,
    },
    /// Re-priced to today's price on purpose.
    PriceChanged {
        name: String,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        from_ore: i64,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        to_ore: i64,
    },
    DeliveryAddress {
        from: String,
        to: String,
    },
    Shipping {
        from: String,
        to: String,
    },
    Payment {
        from: String,
        to: String,
    },
    Note,
    Total {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        from_ore: i64,
        #[cfg_attr(feature = "specta", specta(type = f64))]
        to_ore: i64,
    },
}

impl ChangeItem {
    /// Norwegian, one line.
    pub fn text(&self) -> String {
        let kr = |ore: i64| Money::from_ore(ore).to_string();
        match self {
            ChangeItem::LineAdded {
                name,
                quantity,
                unit_price_ore,
            } => format!("Lagt til: {quantity} × {name} à {}", kr(*unit_price_ore)),
            ChangeItem::LineRemoved { name, quantity } => format!("Fjernet: {quantity} × {name}"),
            ChangeItem::QuantityChanged { name, from, to } => format!("Antall endret: {name}, {from} → {to}"),
            ChangeItem::PriceChanged {
                name,
                from_ore,
                to_ore,
            } => format!("Ny pris (dagens): {name}, {} → {}", kr(*from_ore), kr(*to_ore)),
            ChangeItem::DeliveryAddress { from, to } => format!("Leveringsadresse: {from} → {to}"),
            ChangeItem::Shipping { from, to } => format!("Fraktmåte: {from} → {to}"),
            ChangeItem::Payment { from, to } => format!("Betalingsmåte: {from} → {to}"),
            ChangeItem::Note => "Merknaden er endret".to_string(),
            ChangeItem::Total { from_ore, to_ore } => {
                format!("Ny totalsum: {} (var {})", kr(*to_ore), kr(*from_ore))
            }
        }
    }
}

/// What changed from `old` to `new`, in the order a customer would want to hear it: lines, prices,
/// address, shipping, payment, note, and the new total last.
pub fn describe_change(old: &OrderContent, new: &OrderContent) -> Vec<ChangeItem> {
    let mut items = Vec::new();
    let quantity_of = |o: &OrderContent, sku: &str| -> u32 {
        o.lines.iter().filter(|l| l.sku == sku).map(|l| l.quantity).sum()
    };
    for line in &new.lines {
        let before = old.lines.iter().find(|l| l.sku == line.sku);
        match before {
            None => items.push(ChangeItem::LineAdded {
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price_ore: line.unit_price.ore(),
            }),
            Some(b) => {
                let from = quantity_of(old, &b.sku);
                if from != line.quantity {
                    items.push(ChangeItem::QuantityChanged {
                        name: line.name.clone(),
                        from,
                        to: line.quantity,
                    });
                }
                if b.unit_price != line.unit_price {
                    items.push(ChangeItem::PriceChanged {
                        name: line.name.clone(),
                        from_ore: b.unit_price.ore(),
                        to_ore: line.unit_price.ore(),
                    });
                }
            }
        }
    }
    for line in &old.lines {
        if !new.lines.iter().any(|l| l.sku == line.sku) {
            items.push(ChangeItem::LineRemoved {
                name: line.name.clone(),
                quantity: line.quantity,
            });
        }
    }
    if old.delivery_address != new.delivery_address {
        items.push(ChangeItem::DeliveryAddress {
            from: old.delivery_address.lines().join(", "),
            to: new.delivery_address.lines().join(", "),
        });
    }
    if old.shipping.code != new.shipping.code || old.shipping.price != new.shipping.price {
        items.push(ChangeItem::Shipping {
            from: format!("{} ({})", old.shipping.name, old.shipping.price),
            to: format!("{} ({})", new.shipping.name, new.shipping.price),
        });
    }
    if old.payment_method != new.payment_method {
        items.push(ChangeItem::Payment {
            from: old.payment_method.name().to_string(),
            to: new.payment_method.name().to_string(),
        });
    }
    if old.note != new.note {
        items.push(ChangeItem::Note);
    }
    if old.totals.total != new.totals.total {
        items.push(ChangeItem::Total {
            from_ore: old.totals.total.ore(),
            to_ore: new.totals.total.ore(),
        });
    }
    items
}

/// How the payment follows a change (P5 with the payments' partial capture and refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentFollow {
    /// Same amount and method, or no request standing that the change touches (an ended request is
    /// sent again by staff, and then for the new amount).
    Unchanged,
    /// Nothing is paid: the open request is withdrawn and a new one sent for the new total.
    NewRequest,
    /// The money is reserved: the capture at dispatch takes only the new total, and what is left of
    /// the reservation is released.
    CaptureLess { give_back: Money },
    /// The money is taken: the difference is paid back now.
    Refund { amount: Money },
}

/// Why a change cannot be made to what the customer has already paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PaymentChangeRefused {
    #[error("Kunden har allerede betalt ({}), så ordren kan ikke bli dyrere: legg det nye inn som en egen ordre.", state.text())]
    IncreaseAfterPayment { state: PaymentState },
    #[error("Kunden har allerede betalt ({}), så betalingsmåten kan ikke endres.", state.text())]
    MethodAfterPayment { state: PaymentState },
}

/// What a cancellation means for the customer's money (P5), by the state of the order's payment: the
/// sentence on the cancellation document and in its e-mail.
pub fn cancelled_payment_text(state: Option<PaymentState>) -> &'static str {
    match state {
        Some(PaymentState::Captured | PaymentState::Refunded) => {
            "Beløpet du har betalt, betales tilbake til samme betalingsmåte."
        }
        Some(PaymentState::Reserved) => "Beløpet som var reservert, frigis: du blir ikke belastet.",
        _ => "Betalingsforespørselen er trukket tilbake: du skal ikke betale noe.",
    }
}

/// P5: how the payment in `state` (the order's newest request; `None` before there is one) follows a
/// change of the total from `old` to `new` and perhaps of the method.
pub fn payment_follow(
    old: Money,
    new: Money,
    method_changed: bool,
    state: Option<PaymentState>,
) -> Result<PaymentFollow, PaymentChangeRefused> {
    let Some(state) = state else {
        return Ok(PaymentFollow::Unchanged);
    };
    if state.holds_money() || state == PaymentState::Refunded {
        if method_changed {
            return Err(PaymentChangeRefused::MethodAfterPayment { state });
        }
        if new > old || state == PaymentState::Refunded && new != old {
            return Err(PaymentChangeRefused::IncreaseAfterPayment { state });
        }
        let less = Money::from_ore(old.ore() - new.ore());
        return Ok(match (state, less > Money::ZERO) {
            (_, false) => PaymentFollow::Unchanged,
            (PaymentState::Reserved, true) => PaymentFollow::CaptureLess { give_back: less },
            (_, true) => PaymentFollow::Refund { amount: less },
        });
    }
    if state.is_open() && (method_changed || new != old) {
        return Ok(PaymentFollow::NewRequest);
    }
    Ok(PaymentFollow::Unchanged)
}

#[cfg(test)]
#[path = "order_change_tests.rs"]
mod tests;
