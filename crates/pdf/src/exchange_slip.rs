//! Bytteseddel (R3 bytte): the goods going back (with their own barcode, for the warehouse's goods
//! receipt) and the new order going out (the order number's barcode in the header), and how the
//! difference is settled: never a full refund and a new payment.

use chrono::NaiveDate;
use skranke_core::exchange::{ExchangeTerms, Settlement};
use skranke_core::ValidReturn;

use crate::barcode::code128;
use crate::canvas::{fit, line_height, Canvas, Style, BOTTOM, LEFT, RIGHT};
use crate::header::{first_page_header, footers, next_page_header};
use crate::{kr, texts, OrderDocument, PdfError};

const TITLE: &str = "Bytteseddel";

/// A registered exchange as its slip shows it.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeDocument<'a> {
    /// The new order going out.
    pub new_order: OrderDocument<'a>,
    /// The order the goods came from.
    pub original_number: &'a str,
    pub ret: &'a ValidReturn,
    pub return_no: i64,
    pub terms: &'a ExchangeTerms,
    pub registered: NaiveDate,
}

impl ExchangeDocument<'_> {
    /// What the return part's barcode reads: the original order and the return's number, what the
    /// warehouse marks received (`retur mottatt`).
    pub fn return_code(&self) -> String {
        format!("{}-R{}", self.original_number, self.return_no)
    }
}

/// Renders the exchange slip.
pub fn exchange_slip(e: &ExchangeDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let d = &e.new_order;
    let mut c = Canvas::new(&format!("{TITLE} {}", d.order_number))?;
    first_page_header(&mut c, d, TITLE, e.registered)?;
    let width = RIGHT - LEFT;
    let body = Style::regular(10.0);
    let small = Style::regular(9.5);
    c.text(
        LEFT,
        c.y + 4.0,
        Style::bold(12.0),
        &format!("Bytte av varer fra ordre {}", e.original_number),
    );
    c.y += 6.0;
    c.paragraph(
        LEFT,
        width,
        body,
        &format!(
            "Hei {}! Du bytter varer fra ordre {}. Varene du sender tilbake, står i del 1; de nye varene \
             sendes som ordre {} (del 2). Du betaler bare mellomlegget, eller får det tilbake (del 3).",
            d.order.customer.name, e.original_number, d.order_number
        ),
    );

    section(&mut c, d, "1  Dette sender du tilbake", 16.0);
    let top = c.y + 2.0;
    let muted = Style::muted(8.5);
    for l in &e.ret.lines {
        c.y += line_height(small) + 0.5;
        c.text(
            LEFT,
            c.y,
            small,
            &fit(&format!("{} × {}", l.quantity, l.name), width - 62.0, small),
        );
        c.y += line_height(muted);
        c.text(
            LEFT + 4.0,
            c.y,
            muted,
            &fit(
                &format!("Varenr. {} · Årsak: {}", l.sku, l.reason.text()),
                width - 66.0,
                muted,
            ),
        );
    }
    let code = e.return_code();
    code128(&mut c, &code, RIGHT, top, 10.0)?;
    c.text_right(RIGHT, top + 14.0, Style::regular(8.5), &format!("Retur {code}"));
    c.y = c.y.max(top + 16.0) + 2.0;
    let seller = &d.policy.seller;
    let mut address = vec![seller.name.clone()];
    address.extend(seller.return_address_lines.iter().cloned());
    let freight = if e.terms.return_shipping > skranke_core::Money::ZERO {
        format!(
            "Returfrakten ({}) er trukket i oppgjøret nedenfor; send pakken til {}.",
            kr(e.terms.return_shipping),
            address.join(", ")
        )
    } else {
        format!(
            "Vi dekker returfrakten: kontakt oss på {} før du sender, så får du en returetikett. Adresse: {}.",
            seller.email,
            address.join(", ")
        )
    };
    c.paragraph(
        LEFT,
        width,
        Style::regular(9.0),
        &format!("Legg denne seddelen i pakken. {freight}"),
    );

    section(
        &mut c,
        d,
        &format!("2  Dette sender vi deg: ordre {}", d.order_number),
        12.0,
    );
    for l in &d.order.lines {
        c.y += line_height(small) + 0.5;
        c.text(
            LEFT,
            c.y,
            small,
            &fit(
                &format!("{} × {} (varenr. {})", l.quantity, l.name, l.sku),
                width - 40.0,
                small,
            ),
        );
        c.text_right(RIGHT, c.y, small, &kr(l.line_total));
    }
    c.y += line_height(small) + 0.5;
    c.text(LEFT, c.y, small, &format!("Frakt: {}", d.order.shipping.name));
    c.text_right(RIGHT, c.y, small, &kr(d.order.totals.shipping));

    section(&mut c, d, "3  Oppgjør", 30.0);
    let rows = [
        ("Tilgode for varene du sender tilbake", -e.terms.credit.ore()),
        ("Nye varer med frakt", e.terms.new_total.ore()),
        ("Returfrakt", e.terms.return_shipping.ore()),
    ];
    for (label, ore) in rows {
        if ore == 0 && label == "Returfrakt" {
            continue;
        }
        c.y += line_height(small) + 0.5;
        c.text(LEFT, c.y, small, label);
        c.text_right(RIGHT, c.y, small, &kr(skranke_core::Money::from_ore(ore)));
    }
    c.rule(LEFT, RIGHT, c.y + 2.0, 0.4, 0.5);
    c.y += 2.0;
    let settled = match e.terms.settlement() {
        Settlement::Even => "Byttet går opp i opp: du betaler ingenting.".to_string(),
        Settlement::CustomerPays { amount } => format!(
            "Du betaler mellomlegget, {}, med betalingsmåten for ordre {}.",
            kr(amount),
            d.order_number
        ),
        Settlement::CustomerGetsBack { amount } => format!(
            "Du får {} tilbake på den opprinnelige betalingen når vi har mottatt varene.",
            kr(amount)
        ),
    };
    c.y += 4.0;
    c.text(LEFT, c.y + 1.0, Style::bold(10.5), &settled);
    c.y += 2.0;

    section(&mut c, d, "Angrerett", 30.0);
    c.paragraph(LEFT, width, Style::regular(9.0), &texts::withdrawal(None));
    c.y += 3.0;
    c.paragraph(
        LEFT,
        width,
        Style::regular(9.0),
        &format!(
            "Spørsmål? Skriv til {} og oppgi ordrenummer {}.",
            seller.email, d.order_number
        ),
    );
    footers(&mut c, d);
    Ok(c.finish())
}

/// A section heading, on a new page when `needed` mm below it would not fit.
fn section(c: &mut Canvas, d: &OrderDocument<'_>, text: &str, needed: f32) {
    if c.y + 9.0 + needed > BOTTOM {
        c.new_page();
        next_page_header(c, d, TITLE);
    }
    c.y += 8.0;
    c.text(LEFT, c.y, Style::bold(11.0), text);
    c.rule(LEFT, RIGHT, c.y + 1.5, 0.4, 0.6);
    c.y += 1.5;
}
