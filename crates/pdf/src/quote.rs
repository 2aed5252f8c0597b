//! Tilbud (issue 20): the lines, prices and delivery a customer was offered, how long the prices
//! hold, and how to turn it into an order. Not a sales document: no payment, no angreskjema (those
//! come with the order confirmation when the customer orders).

use chrono::NaiveDate;

use crate::canvas::{Canvas, Style, LEFT, RIGHT};
use crate::confirmation::{lines_table, parties, section, totals_labelled};
use crate::header::{first_page_header, footers};
use crate::{date, OrderDocument, PdfError};

const TITLE: &str = "Tilbud";

/// A quote as its document shows it: `doc.order_number` is the quote's number.
#[derive(Debug, Clone, Copy)]
pub struct QuoteDocument<'a> {
    pub doc: OrderDocument<'a>,
    pub made_on: NaiveDate,
    pub valid_through: NaiveDate,
}

/// Renders the quote.
pub fn quote(q: &QuoteDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let d = &q.doc;
    let mut c = Canvas::new(&format!("{TITLE} {}", d.order_number))?;
    first_page_header(&mut c, d, TITLE, q.made_on)?;
    validity(&mut c, q);
    parties(&mut c, d.order);
    lines_table(&mut c, d, TITLE);
    totals_labelled(&mut c, d, TITLE, "Totalt");
    let seller = &d.policy.seller;
    section(
        &mut c,
        d,
        TITLE,
        "Slik bestiller du",
        &format!(
            "Ring oss på {} eller skriv til {} og oppgi tilbudsnummer {}. Prisene i tilbudet står til og med {}; \
             deretter gjelder dagens priser. Leveringstiden regnes fra dagen du bestiller. Du velger betaling når \
             du bestiller, og får da en ordrebekreftelse med angrerett og angreskjema.",
            seller.phone,
            seller.email,
            d.order_number,
            date(q.valid_through)
        ),
    );
    footers(&mut c, d);
    Ok(c.finish())
}

/// "Gjelder til og med" in a shaded box above the parties: the first thing the customer reads.
fn validity(c: &mut Canvas, q: &QuoteDocument<'_>) {
    c.fill_rect(LEFT, c.y, RIGHT - LEFT, 10.0, 0.93);
    c.text(
        LEFT + 3.0,
        c.y + 6.5,
        Style::bold(10.5),
        &format!("Tilbudet gjelder til og med {}", date(q.valid_through)),
    );
    c.y += 14.0;
}
