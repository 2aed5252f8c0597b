//! What the central store judges again in an order or a return a desk judged: the desk may run an
//! older build, or the payload may have been tampered with. The limits are the ones validation uses,
//! so the two judges cannot drift apart. A failure is a business rejection, in Norwegian.

use crate::order::{
    totals, totals_before_s2a, MAX_ADDRESS_LINE, MAX_LINES, MAX_NAME, MAX_NOTE, MAX_PRODUCT_TEXT,
    MAX_QUANTITY, MAX_SKU,
};
use crate::{postcode, ValidOrder, ValidReturn};

/// Why a received order or return cannot be taken, in words for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Defect(pub String);

/// An order as a desk placed it: within validation's limits, and its sums what core computes.
pub fn check_order(order: &ValidOrder) -> Result<(), Defect> {
    if order.lines.is_empty() || order.lines.len() > MAX_LINES {
        return Err(Defect(format!("En ordre må ha 1–{MAX_LINES} linjer.")));
    }
    text("kundens navn", &order.customer.name, MAX_NAME, true)?;
    for (what, address) in [
        ("kundens adresse", &order.customer.address),
        ("leveringsadressen", &order.delivery_address),
    ] {
        text(what, &address.line1, MAX_ADDRESS_LINE, true)?;
        text(what, &address.line2, MAX_ADDRESS_LINE, false)?;
        text(what, &address.place, MAX_ADDRESS_LINE, true)?;
        postcode::lookup(&address.postcode).map_err(|e| Defect(format!("{what}: {e}")))?;
    }
    text("merknaden", &order.note, MAX_NOTE, false)?;
    for (i, line) in order.lines.iter().enumerate() {
        let n = i + 1;
        text(&format!("linje {n}, varenummer"), &line.sku, MAX_SKU, true)?;
        text(
            &format!("linje {n}, varenavn"),
            &line.name,
            MAX_PRODUCT_TEXT,
            true,
        )?;
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return Err(Defect(format!("Linje {n}: antall må være 1–{MAX_QUANTITY}.")));
        }
        if line.unit_price.checked_mul(line.quantity) != Some(line.line_total) {
            return Err(Defect(format!(
                "Linje {n}: linjesummen stemmer ikke med pris × antall."
            )));
        }
        // Issue 20: a discount lowers the unit price, never raises it, and has a reason.
        if let Some(d) = &line.discount {
            if d.listed_unit_price <= line.unit_price || line.unit_price < crate::Money::ZERO {
                return Err(Defect(format!(
                    "Linje {n}: rabatten må gi en lavere pris enn før rabatt."
                )));
            }
            text(&format!("linje {n}, rabattårsak"), &d.reason, MAX_SKU, true)?;
            text(
                &format!("linje {n}, rabattårsak"),
                &d.reason_text,
                MAX_PRODUCT_TEXT,
                true,
            )?;
        }
    }
    // Every discount is recorded with who asked (and who approved): the central store judges it.
    let discounted = order.lines.iter().any(|l| l.discount.is_some());
    if discounted != order.discount_approval.is_some() {
        return Err(Defect(
            "Rabatter må ha med hvem som ga dem (og hvem som godkjente).".into(),
        ));
    }
    // A desk older than S2a sends no shipping split: its shipping was priced at 25 %, and the customer
    // was confirmed those figures, so the order is taken as it was priced.
    let older_desk = order.totals.shipping_by_rate.is_empty()
        && totals_before_s2a(&order.lines, order.totals.shipping) == order.totals;
    // D7a: an order sold without MVA must be delivered where MVA does not apply.
    if let Some(area) = order.totals.outside_mva_area {
        let entry = postcode::lookup(&order.delivery_address.postcode)
            .map_err(|e| Defect(format!("leveringsadressen: {e}")))?;
        if postcode::OutsideMvaArea::of(entry) != Some(area) {
            return Err(Defect(format!(
                "Ordren er solgt uten MVA for {}, men leveringsadressen ligger ikke der.",
                area.name()
            )));
        }
    }
    if totals(&order.lines, order.totals.shipping, order.totals.outside_mva_area) != order.totals
        && !older_desk
    {
        return Err(Defect("Ordresummen stemmer ikke med linjene og frakten.".into()));
    }
    Ok(())
}

/// A return as a desk recorded it, before it is held against the order ([`crate::check_within_order`]).
pub fn check_return(ret: &ValidReturn) -> Result<(), Defect> {
    if ret.lines.is_empty() || ret.lines.len() > MAX_LINES {
        return Err(Defect("En retur må ha minst én linje.".into()));
    }
    text(
        "beskrivelsen",
        &ret.description,
        crate::return_request::MAX_DESCRIPTION,
        false,
    )?;
    if ret.lines.iter().any(|l| l.quantity == 0) {
        return Err(Defect("Antall i en returlinje må være minst 1.".into()));
    }
    Ok(())
}

fn text(what: &str, value: &str, max: usize, required: bool) -> Result<(), Defect> {
    if required && value.trim().is_empty() {
        return Err(Defect(format!("{what} mangler.")));
    }
    if value.chars().nth(max).is_some() {
        return Err(Defect(format!("{what} er for lang (høyst {max} tegn).")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Defect(format!("{what} inneholder kontrolltegn.")));
    }
    Ok(())
}
