//! Ordrebekreftelse (S1): the sales document, with the terms and the angreskjema (R3) on its own page.

use skranke_core::delivery::weekday_date;
use skranke_core::order::ValidOrder;
use skranke_core::Money;

use crate::amounts::{amounts, Amounts};
use crate::canvas::{fit, line_height, table_header, table_row, Canvas, Heading, Style, BOTTOM, LEFT, RIGHT};
use crate::header::{first_page_header, footers, next_page_header};
use crate::{date, kr, texts, OrderDocument, PdfError};

const TITLE: &str = "Ordrebekreftelse";

/// Column positions of the order lines (mm from the left edge; amounts are right-aligned there).
const COL_NAME: f32 = 48.0;
const COL_QTY: f32 = 134.0;
const COL_PRICE: f32 = 162.0;
const ROW: f32 = 10.5;

/// Renders the order confirmation.
pub fn order_confirmation(d: &OrderDocument<'_>) -> Result<Vec<u8>, PdfError> {
    render(d, TITLE, d.order.placed_at.date(), None)
}

/// A version of an order after a change: which version, the day it was changed, what changed.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    pub version: u32,
    pub changed_on: chrono::NaiveDate,
    /// One line each, as `describe_change` words them.
    pub changes: &'a [String],
}

/// Renders "Endret ordrebekreftelse": the whole order as it now stands, with its version and what
/// changed at the top, and the terms and angreskjema as on the first (R3: the customer keeps a
/// complete confirmation of what was agreed).
pub fn changed_order_confirmation(
    d: &OrderDocument<'_>,
    revision: &Revision<'_>,
) -> Result<Vec<u8>, PdfError> {
    render(d, CHANGED_TITLE, revision.changed_on, Some(revision))
}

const CHANGED_TITLE: &str = "Endret ordrebekreftelse";

fn render(
    d: &OrderDocument<'_>,
    title: &str,
    issued: chrono::NaiveDate,
    revision: Option<&Revision<'_>>,
) -> Result<Vec<u8>, PdfError> {
    let o = d.order;
    let mut c = Canvas::new(&format!("{title} {}", d.order_number))?;
    first_page_header(&mut c, d, title, issued)?;
    if let Some(r) = revision {
        what_changed(&mut c, r);
    }
    parties(&mut c, o);
    lines_table(&mut c, d, title);
    totals(&mut c, d, title);
    terms(&mut c, d, title);
    c.new_page();
    withdrawal_form(&mut c, d);
    footers(&mut c, d);
    Ok(c.finish())
}

/// The version and what changed, in a shaded box above the parties.
fn what_changed(c: &mut Canvas, r: &Revision<'_>) {
    let body = Style::regular(9.0);
    let width = RIGHT - LEFT - 6.0;
    let text_height: f32 = r
        .changes
        .iter()
        .map(|line| Canvas::paragraph_height(width, body, &format!("• {line}")))
        .sum();
    let height = 12.0 + text_height;
    c.fill_rect(LEFT, c.y, RIGHT - LEFT, height, 0.93);
    c.text(
        LEFT + 3.0,
        c.y + 5.5,
        Style::bold(10.0),
        &format!(
            "Versjon {} – ordren er endret {}. Dette er endret:",
            r.version,
            date(r.changed_on)
        ),
    );
    let top = c.y;
    c.y += 7.5;
    for line in r.changes {
        c.paragraph(LEFT + 3.0, width, body, &format!("• {line}"));
    }
    c.y = top + height + 4.0;
}

pub(crate) fn parties(c: &mut Canvas, o: &ValidOrder) {
    let heading = Style::muted(8.0);
    let body = Style::regular(9.5);
    let top = c.y;
    // Issue 20: a company buys: its name and org.nr. first, the person who called after, and the
    // buyer's reference where they asked for one.
    let mut left = Vec::new();
    if let Some(company) = &o.customer.company {
        left.push(company.name.clone());
        left.push(format!("Org.nr. {}", company.org_nr));
        left.push(format!("Kontakt: {}", o.customer.name));
    } else {
        left.push(o.customer.name.clone());
    }
    left.extend(o.customer.address.lines());
    left.push(format!("Telefon {}", o.customer.phone));
    if let Some(email) = &o.customer.email {
        left.push(email.to_string());
    }
    if let Some(company) = &o.customer.company {
        if let Some(invoice) = &company.invoice_email {
            left.push(format!("Faktura til {invoice}"));
        }
        if !company.reference.is_empty() {
            left.push(format!("Deres referanse: {}", company.reference));
        }
    }
    let mut right = vec![o.customer.name.clone()];
    right.extend(o.delivery_address.lines());
    right.push(format!("Fraktmåte: {}", o.shipping.name));
    let column = |c: &mut Canvas, x: f32, title: &str, lines: &[String]| {
        let mut y = top + 4.0;
        c.text(x, y, heading, title);
        y += 1.0;
        for line in lines {
            y += line_height(body);
            c.text(x, y, body, &fit(line, 80.0, body));
        }
        y
    };
    let a = column(c, LEFT, "KUNDE", &left);
    let b = column(c, 110.0, "LEVERES TIL", &right);
    c.y = a.max(b) + 7.0;
}

const HEADINGS: [Heading; 5] = [
    Heading::Left(LEFT + 1.5, "Varenr"),
    Heading::Left(COL_NAME, "Vare"),
    Heading::Right(COL_QTY, "Antall"),
    Heading::Right(COL_PRICE, "Pris"),
    Heading::Right(RIGHT - 1.5, "Sum"),
];

pub(crate) fn lines_table(c: &mut Canvas, d: &OrderDocument<'_>, title: &str) {
    table_header(c, &HEADINGS);
    for line in &d.order.lines {
        // Issue 20: a discounted line says what it was before and why, on a line of its own.
        let discount = line.discount.as_ref().map(|x| x.text(line));
        let row = if discount.is_some() { ROW + 3.6 } else { ROW };
        let base = table_row(
            c,
            row,
            4.6,
            &HEADINGS,
            |c| next_page_header(c, d, title),
            &line.sku,
            COL_NAME,
        );
        let body = Style::regular(9.0);
        c.text(
            COL_NAME,
            base,
            body,
            &fit(&line.name, COL_QTY - COL_NAME - 16.0, body),
        );
        c.text_right(COL_QTY, base, body, &line.quantity.to_string());
        c.text_right(COL_PRICE, base, body, &kr(line.unit_price));
        c.text_right(RIGHT - 1.5, base, body, &kr(line.line_total));
        let note = Style::muted(7.5);
        // D6: a line the supplier delivers says so beside its availability (A1).
        let supplier = line.supplier_text().map(|t| format!("  {t}")).unwrap_or_default();
        let availability = format!(
            "{}{supplier}  Levering: {}",
            line.availability.text(),
            short_promise(&line.promise)
        );
        c.text(
            COL_NAME,
            base + 4.0,
            note,
            &fit(&availability, RIGHT - COL_NAME - 2.0, note),
        );
        if let Some(text) = discount {
            let style = Style::regular(7.5);
            c.text(
                COL_NAME,
                base + 7.6,
                style,
                &fit(&text, RIGHT - COL_NAME - 2.0, style),
            );
        }
        c.rule(LEFT, RIGHT, c.y + row, 0.3, 0.8);
        c.y += row;
    }
}

/// "7.12.–21.12.2026" or "ikke bekreftet": short enough for the line under a product.
fn short_promise(p: &skranke_core::DeliveryPromise) -> String {
    match p.window {
        Some((a, b)) if a == b => a.format("%-d.%-m.%Y").to_string(),
        Some((a, b)) => format!("{}–{}", a.format("%-d.%-m."), b.format("%-d.%-m.%Y")),
        None => "ikke bekreftet".to_string(),
    }
}

fn totals(c: &mut Canvas, d: &OrderDocument<'_>, title: &str) {
    totals_labelled(c, d, title, "Totalt å betale");
}

/// The amounts block, its total under `total_label` ("Totalt å betale", or "Totalt" on a quote).
pub(crate) fn totals_labelled(c: &mut Canvas, d: &OrderDocument<'_>, title: &str, total_label: &'static str) {
    let t = &d.order.totals;
    let (off, listed) = skranke_core::discount::order_discount_total(&d.order.lines);
    let mut rows = if off > Money::ZERO {
        vec![
            ("Varer før rabatt".to_string(), listed),
            ("Rabatt".to_string(), Money::from_ore(-off.ore())),
        ]
    } else {
        vec![("Varer".to_string(), t.goods)]
    };
    rows.push((format!("Frakt ({})", d.order.shipping.name), t.shipping));
    let block = Amounts {
        rows,
        total_label,
        total: t.total,
        mva: &t.mva,
        mva_note: t.mva_note(),
    };
    amounts(c, d, title, &block);
}

pub(crate) fn section(c: &mut Canvas, d: &OrderDocument<'_>, title: &str, heading: &str, text: &str) {
    let body = Style::regular(8.5);
    let width = RIGHT - LEFT;
    let needed = 8.0 + Canvas::paragraph_height(width, body, text);
    if c.y + needed > BOTTOM {
        c.new_page();
        next_page_header(c, d, title);
    }
    c.y += 6.5;
    c.text(LEFT, c.y, Style::bold(10.0), heading);
    c.paragraph(LEFT, width, body, text);
}

fn terms(c: &mut Canvas, d: &OrderDocument<'_>, title: &str) {
    let o = d.order;
    let p = d.policy;
    section(
        c,
        d,
        title,
        &format!("Betaling: {}", o.payment_method.name()),
        &texts::payment(o.payment_method, p, d.payment_state),
    );
    let promise = match o.promise.window {
        Some((a, b)) => format!("Forventet levering: {}–{}.", weekday_date(a), weekday_date(b)),
        None => "Forventet levering: ikke bekreftet – vi gir beskjed så snart vi har en dato.".to_string(),
    };
    let reasons: Vec<String> = o.promise.reasons.iter().map(|r| r.text()).collect();
    section(
        c,
        d,
        title,
        "Levering",
        &format!(
            "{}: {promise} {} {}",
            o.shipping.name,
            reasons.join(" "),
            p.texts.dispatch
        ),
    );
    section(c, d, title, "Henting og uavhentede pakker", &texts::pickup(p));
    section(c, d, title, "Transportskade", &texts::transport_damage(p));
    section(c, d, title, "Reklamasjon", texts::COMPLAINT);
    section(
        c,
        d,
        title,
        "Angrerett",
        &texts::withdrawal(o.promise.window.map(|(_, latest)| latest)),
    );
    section(
        c,
        d,
        title,
        "Ordrestatus og kontakt",
        &texts::contact(p, d.order_number),
    );
}

/// R3: the standard withdrawal form (angreskjema, Q-0319 B), the seller's details filled in.
fn withdrawal_form(c: &mut Canvas, d: &OrderDocument<'_>) {
    let seller = &d.policy.seller;
    let body = Style::regular(9.5);
    let width = RIGHT - LEFT;
    c.y = 24.0;
    c.text(LEFT, c.y, Style::bold(16.0), "Angreskjema");
    c.y += 2.0;
    c.paragraph(
        LEFT,
        width,
        Style::muted(8.5),
        "Standard angreskjema ved kjøp av varer og tjenester som ikke er finansielle tjenester \
         (angrerettloven, skjema Q-0319 B).",
    );
    c.y += 3.0;
    c.paragraph(
        LEFT,
        width,
        body,
        "Fyll ut og returner dette skjemaet dersom du ønsker å gå fra avtalen.",
    );
    c.y += 4.0;
    c.text(LEFT, c.y + 4.0, Style::bold(9.5), "Utfylt skjema sendes til:");
    c.y += 4.0;
    let mut to = vec![seller.name.clone()];
    to.extend(seller.return_address_lines.iter().cloned());
    to.push(format!("E-post: {}", seller.email));
    to.push(d.policy.org_nr_line());
    let box_top = c.y + 2.0;
    let box_height = to.len() as f32 * line_height(body) + 5.0;
    c.fill_rect(LEFT, box_top, width, box_height, 0.95);
    c.y = box_top + 1.0;
    for line in &to {
        c.y += line_height(body);
        c.text(LEFT + 3.0, c.y, body, line);
    }
    c.y = box_top + box_height + 4.0;
    c.paragraph(
        LEFT,
        width,
        body,
        "Jeg/vi underretter herved om at jeg/vi ønsker å gå fra min/vår avtale om kjøp av følgende:",
    );
    c.y += 2.0;
    c.paragraph(LEFT, width, body, "☐ varer (spesifiser på linjene nedenfor)");
    c.paragraph(LEFT, width, body, "☐ tjenester (spesifiser på linjene nedenfor)");
    for _ in 0..4 {
        c.y += 8.0;
        c.rule(LEFT, RIGHT, c.y, 0.4, 0.5);
    }
    c.y += 4.0;
    let fields: [(&str, String); 7] = [
        ("Ordrenummer:", d.order_number.to_string()),
        (
            "Avtalen ble inngått den (dato) (*):",
            date(d.order.placed_at.date()),
        ),
        ("Varen ble mottatt den (dato) (**):", String::new()),
        ("Forbrukerens/forbrukernes navn:", String::new()),
        ("Forbrukerens/forbrukernes adresse:", String::new()),
        ("Dato:", String::new()),
        ("Underskrift (kun dersom papirskjema benyttes):", String::new()),
    ];
    let value_x = 104.0;
    for (label, value) in fields {
        c.y += 10.0;
        c.text(LEFT, c.y, body, label);
        if value.is_empty() {
            c.rule(value_x, RIGHT, c.y + 0.8, 0.4, 0.5);
        } else {
            c.text(value_x, c.y, Style::bold(9.5), &value);
        }
    }
    c.y += 8.0;
    let note = Style::muted(8.0);
    c.paragraph(
        LEFT,
        width,
        note,
        "(*) Dato for avtaleinngåelse ved kjøp av tjenester.",
    );
    c.paragraph(LEFT, width, note, "(**) Dato for mottak ved kjøp av varer.");
}
