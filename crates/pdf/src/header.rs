//! The parts every document shares: the seller's block, the title with order number and barcode, the
//! footer with page numbers.

use crate::barcode::code128;
use crate::canvas::{line_height, Canvas, Style, LEFT, PAGE_H, RIGHT};
use crate::{date, OrderDocument, PdfError};

/// Seller (left) and title, order number, date and barcode (right); leaves the cursor below.
pub fn first_page_header(
    c: &mut Canvas,
    d: &OrderDocument<'_>,
    title: &str,
    issued: chrono::NaiveDate,
) -> Result<(), PdfError> {
    let seller = &d.policy.seller;
    c.y = 20.0;
    c.text(LEFT, c.y, Style::bold(15.0), &seller.name);
    let small = Style::regular(8.5);
    let mut lines: Vec<String> = seller.address_lines.clone();
    lines.push(format!("{} {}", seller.postcode, seller.place));
    lines.push(d.policy.org_nr_line());
    for contact in [&seller.email, &seller.phone, &seller.web] {
        if !contact.trim().is_empty() {
            lines.push(contact.clone());
        }
    }
    let mut y = c.y + 1.5;
    for line in lines {
        y += line_height(small);
        c.text(LEFT, y, small, &line);
    }

    c.text_right(RIGHT, 20.0, Style::bold(18.0), title);
    let label = Style::muted(8.5);
    let value = Style::bold(10.0);
    // A quote's number is not an order number (issue 20).
    let number_label = if title == "Tilbud" {
        "Tilbudsnummer"
    } else {
        "Ordrenummer"
    };
    c.text_right(RIGHT - 38.0, 28.0, label, number_label);
    c.text_right(RIGHT, 28.0, value, d.order_number);
    c.text_right(RIGHT - 38.0, 33.5, label, "Dato");
    c.text_right(RIGHT, 33.5, value, &date(issued));
    code128(c, d.order_number, RIGHT, 37.0, 11.0)?;
    c.y = y.max(50.0) + 4.0;
    Ok(())
}

/// The slim header of a following page.
pub fn next_page_header(c: &mut Canvas, d: &OrderDocument<'_>, title: &str) {
    c.y = 16.0;
    c.text(LEFT, c.y, Style::bold(10.0), &d.policy.seller.name);
    c.text_right(
        RIGHT,
        c.y,
        Style::regular(9.0),
        &format!("{title} {} (forts.)", d.order_number),
    );
    c.rule(LEFT, RIGHT, c.y + 2.5, 0.5, 0.6);
    c.y += 6.0;
}

/// "Side x av y" and the seller's identity at the foot of every page (known once all pages exist).
pub fn footers(c: &mut Canvas, d: &OrderDocument<'_>) {
    let n = c.page_count();
    let style = Style::muted(7.5);
    let seller = format!(
        "{} · {} · {}",
        d.policy.seller.name,
        d.policy.org_nr_line(),
        d.policy.seller.email
    );
    for page in 0..n {
        let y = PAGE_H - 10.0;
        c.text_on(page, LEFT, y, style, &seller);
        let label = format!("Side {} av {n}", page + 1);
        let x = RIGHT - crate::canvas::text_width(&label, style);
        c.text_on(page, x, y, style, &label);
    }
}
