//! Kanselleringsbekreftelse: the order the customer cancelled before dispatch (D8), what it held, and
//! what happens to the payment (P5).

use crate::canvas::{fit, line_height, Canvas, Style, LEFT, RIGHT};
use crate::header::{first_page_header, footers};
use crate::{date, kr, OrderDocument, PdfError};

const TITLE: &str = "Kansellering";

/// A cancellation as its confirmation shows it.
#[derive(Debug, Clone, Copy)]
pub struct Cancellation<'a> {
    pub cancelled_on: chrono::NaiveDate,
    pub reason: &'a str,
    /// What happens to the money, in a sentence (released, paid back, nothing was paid).
    pub payment: &'a str,
}

/// Renders the cancellation confirmation.
pub fn cancellation(d: &OrderDocument<'_>, k: &Cancellation<'_>) -> Result<Vec<u8>, PdfError> {
    let o = d.order;
    let mut c = Canvas::new(&format!("{TITLE} {}", d.order_number))?;
    first_page_header(&mut c, d, TITLE, k.cancelled_on)?;
    let body = Style::regular(10.0);
    let width = RIGHT - LEFT;
    c.text(
        LEFT,
        c.y + 4.0,
        Style::bold(12.0),
        &format!("Ordre {} er kansellert", d.order_number),
    );
    c.y += 6.0;
    c.paragraph(
        LEFT,
        width,
        body,
        &format!(
            "Hei {}! Ordren du bestilte {} er kansellert {} etter ønske fra deg, før den ble sendt. Ingen varer blir sendt.",
            o.customer.name,
            date(o.placed_at.date()),
            date(k.cancelled_on)
        ),
    );
    if !k.reason.trim().is_empty() {
        c.y += 2.0;
        c.paragraph(LEFT, width, body, &format!("Årsak: {}", k.reason.trim()));
    }
    c.y += 6.0;
    let small = Style::regular(9.0);
    c.text(LEFT, c.y, Style::muted(8.0), "DETTE VAR BESTILT");
    c.y += 1.0;
    for line in &o.lines {
        c.y += line_height(small) + 1.0;
        c.text(
            LEFT,
            c.y,
            small,
            &fit(&format!("{} × {}", line.quantity, line.name), 140.0, small),
        );
        c.text_right(RIGHT, c.y, small, &kr(line.line_total));
    }
    c.y += line_height(small) + 1.0;
    c.text(LEFT, c.y, small, &format!("Frakt ({})", o.shipping.name));
    c.text_right(RIGHT, c.y, small, &kr(o.totals.shipping));
    c.rule(LEFT, RIGHT, c.y + 2.0, 0.5, 0.5);
    c.y += 7.0;
    c.text(LEFT, c.y, Style::bold(10.0), "Kansellert beløp");
    c.text_right(RIGHT, c.y, Style::bold(10.0), &kr(o.totals.total));
    c.y += 8.0;
    c.text(LEFT, c.y, Style::bold(10.0), "Betalingen");
    c.paragraph(LEFT, width, body, k.payment);
    c.y += 6.0;
    c.paragraph(
        LEFT,
        width,
        Style::regular(9.0),
        &format!(
            "Spørsmål? Skriv til {} og oppgi ordrenummer {}.",
            d.policy.seller.email, d.order_number
        ),
    );
    footers(&mut c, d);
    Ok(c.finish())
}
