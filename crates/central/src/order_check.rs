//! What the central store checks again in an order a desk validated: the desk may run an older build,
//! or the payload may have been tampered with. A failure is a business rejection, in Norwegian.

use skranke_core::order::{
    totals, totals_before_s2a, MAX_ADDRESS_LINE, MAX_LINES, MAX_NAME, MAX_NOTE, MAX_QUANTITY,
};
use skranke_core::{postcode, ValidOrder, ValidReturn};

pub(crate) fn check_order(order: &ValidOrder) -> Result<(), String> {
    if order.lines.is_empty() || order.lines.len() > MAX_LINES {
        return Err(format!("En ordre må ha 1–{MAX_LINES} linjer."));
    }
    text("kundens navn", &order.customer.name, MAX_NAME, true)?;
    for (what, address) in [
        ("kundens adresse", &order.customer.address),
        ("leveringsadressen", &order.delivery_address),
    ] {
        text(what, &address.line1, MAX_ADDRESS_LINE, true)?;
        text(what, &address.line2, MAX_ADDRESS_LINE, false)?;
        text(what, &address.place, MAX_ADDRESS_LINE, true)?;
        postcode::lookup(&address.postcode).map_err(|e| format!("{what}: {e}"))?;
    }
    text("merknaden", &order.note, MAX_NOTE, false)?;
    for (i, line) in order.lines.iter().enumerate() {
        let n = i + 1;
        text(&format!("linje {n}, varenummer"), &line.sku, 64, true)?;
        text(&format!("linje {n}, varenavn"), &line.name, 200, true)?;
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return Err(format!("Linje {n}: antall må være 1–{MAX_QUANTITY}."));
        }
        if line.unit_price.checked_mul(line.quantity) != Some(line.line_total) {
            return Err(format!("Linje {n}: linjesummen stemmer ikke med pris × antall."));
        }
    }
    // A desk older than S2a sends no shipping split: its shipping was priced at 25 %, and the customer
    // was confirmed those figures, so the order is taken as it was priced.
    let older_desk = order.totals.shipping_by_rate.is_empty()
        && totals_before_s2a(&order.lines, order.totals.shipping) == order.totals;
    // D7a: an order sold without MVA must be delivered where MVA does not apply.
    if let Some(area) = order.totals.outside_mva_area {
        let entry = postcode::lookup(&order.delivery_address.postcode)
            .map_err(|e| format!("leveringsadressen: {e}"))?;
        if postcode::OutsideMvaArea::of(entry) != Some(area) {
            return Err(format!(
                "Ordren er solgt uten MVA for {}, men leveringsadressen ligger ikke der.",
                area.name()
            ));
        }
    }
    if totals(&order.lines, order.totals.shipping, order.totals.outside_mva_area) != order.totals
        && !older_desk
    {
        return Err("Ordresummen stemmer ikke med linjene og frakten.".into());
    }
    Ok(())
}

pub(crate) fn check_return(ret: &ValidReturn) -> Result<(), String> {
    if ret.lines.is_empty() || ret.lines.len() > MAX_LINES {
        return Err("En retur må ha minst én linje.".into());
    }
    text(
        "beskrivelsen",
        &ret.description,
        skranke_core::return_request::MAX_DESCRIPTION,
        false,
    )?;
    if ret.lines.iter().any(|l| l.quantity == 0) {
        return Err("Antall i en returlinje må være minst 1.".into());
    }
    Ok(())
}

fn text(what: &str, value: &str, max: usize, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err(format!("{what} mangler."));
    }
    if value.chars().nth(max).is_some() {
        return Err(format!("{what} er for lang (høyst {max} tegn)."));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{what} inneholder kontrolltegn."));
    }
    Ok(())
}
