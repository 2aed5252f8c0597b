//! Plukkliste: what the warehouse packs for a store's orders, one line per product with the
//! quantity, where it is, and its EAN-13 to scan at the packing table.

use crate::barcode::ean13;
use crate::canvas::{fit, line_height, table_header, Canvas, Heading, Style, BOTTOM, LEFT, PAGE_H, RIGHT};
use crate::PdfError;

/// One product to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    /// Where to find it, as the warehouse reads it ("Hovedlager", "Fjernlager", ...).
    pub location: String,
    /// The first EAN-13 of the product, if it has one.
    pub ean: Option<String>,
    /// The orders that want it.
    pub orders: Vec<String>,
}

/// A store's pick list.
#[derive(Debug, Clone, Copy)]
pub struct PickList<'a> {
    pub store: &'a str,
    /// When it was made, as printed (Norwegian time).
    pub made: chrono::NaiveDateTime,
    pub orders: usize,
    pub lines: &'a [PickLine],
}

const TITLE: &str = "Plukkliste";
const COL_NAME: f32 = 44.0;
const COL_QTY: f32 = 114.0;
const COL_LOCATION: f32 = 118.0;
const COL_EAN: f32 = 150.0;
const ROW: f32 = 19.0;

fn headings() -> [Heading; 5] {
    [
        Heading::Left(LEFT + 1.5, "Varenr"),
        Heading::Left(COL_NAME, "Vare"),
        Heading::Right(COL_QTY, "Antall"),
        Heading::Left(COL_LOCATION, "Plass"),
        Heading::Left(COL_EAN, "EAN"),
    ]
}

fn page_header(c: &mut Canvas, p: &PickList<'_>, continued: bool) {
    c.y = 18.0;
    c.text(LEFT, c.y, Style::bold(16.0), TITLE);
    c.text_right(RIGHT, c.y, Style::bold(11.0), p.store);
    let summary = format!(
        "Laget {} · {} ordre(r) · {} vare(r){}",
        p.made.format("%d.%m.%Y kl. %H.%M"),
        p.orders,
        p.lines.len(),
        if continued { " (forts.)" } else { "" }
    );
    c.text(LEFT, c.y + 6.0, Style::regular(9.0), &summary);
    c.y += 11.0;
}

/// Renders the pick list; an empty list says there is nothing to pack.
pub fn pick_list(p: &PickList<'_>) -> Result<Vec<u8>, PdfError> {
    let mut c = Canvas::new(&format!("{TITLE} {}", p.store))?;
    page_header(&mut c, p, false);
    if p.lines.is_empty() {
        c.text(
            LEFT,
            c.y + 8.0,
            Style::regular(11.0),
            "Ingen ordrer venter på å bli pakket.",
        );
    } else {
        let headings = headings();
        table_header(&mut c, &headings);
        for line in p.lines {
            if c.y + ROW > BOTTOM {
                c.new_page();
                page_header(&mut c, p, true);
                table_header(&mut c, &headings);
            }
            let top = c.y;
            let base = top + 5.5;
            let text = Style::regular(9.5);
            c.text(
                LEFT + 1.5,
                base,
                Style::regular(8.5),
                &fit(&line.sku, COL_NAME - LEFT - 3.5, text),
            );
            c.text(
                COL_NAME,
                base,
                text,
                &fit(&line.name, COL_QTY - COL_NAME - 12.0, text),
            );
            let orders = Style::muted(7.5);
            c.text(
                COL_NAME,
                base + line_height(text),
                orders,
                &fit(
                    &format!("Ordre {}", line.orders.join(", ")),
                    COL_QTY - COL_NAME - 12.0,
                    orders,
                ),
            );
            c.text_right(COL_QTY, base, Style::bold(12.0), &line.quantity.to_string());
            c.text(
                COL_LOCATION,
                base,
                text,
                &fit(&line.location, COL_EAN - COL_LOCATION - 2.0, text),
            );
            match &line.ean {
                Some(ean) => {
                    ean13(&mut c, ean, COL_EAN - 3.3, top + 1.5, 11.0)?;
                }
                None => c.text(COL_EAN, base, Style::muted(8.5), "ingen EAN"),
            }
            c.rule(LEFT, RIGHT, top + ROW, 0.3, 0.8);
            c.y = top + ROW;
        }
    }
    let n = c.page_count();
    let style = Style::muted(7.5);
    for page in 0..n {
        let label = format!("Side {} av {n}", page + 1);
        let x = RIGHT - crate::canvas::text_width(&label, style);
        c.text_on(page, x, PAGE_H - 10.0, style, &label);
    }
    Ok(c.finish())
}
