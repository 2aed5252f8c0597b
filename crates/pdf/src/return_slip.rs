//! Returseddel (R3): what goes back, why, where to, and the withdrawal deadline when it applies.

use skranke_core::returns::withdrawal_deadline;
use skranke_core::ReturnReason;

use crate::amounts::{amounts, Amounts};
use crate::canvas::{fit, line_height, table_header, table_row, Canvas, Heading, Style, BOTTOM, LEFT, RIGHT};
use crate::header::{first_page_header, footers, next_page_header};
use crate::{date, PdfError, ReturnDocument};

const TITLE: &str = "Returseddel";
const COL_NAME: f32 = 48.0;
const COL_QTY: f32 = 140.0;
const COL_REASON: f32 = 146.0;
const ROW: f32 = 7.5;

/// Renders the return slip of a registered return.
pub fn return_slip(r: &ReturnDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let d = &r.order;
    let o = d.order;
    let mut c = Canvas::new(&format!("{TITLE} {}", d.order_number))?;
    first_page_header(&mut c, d, TITLE, r.registered)?;

    let body = Style::regular(9.5);
    let mut y = c.y + 4.0;
    c.text(LEFT, y, Style::muted(8.0), "KUNDE");
    y += 1.0;
    let mut customer = vec![o.customer.name.clone()];
    customer.extend(o.customer.address.lines());
    customer.push(format!("Telefon {}", o.customer.phone));
    if let Some(email) = &o.customer.email {
        customer.push(email.to_string());
    }
    for line in &customer {
        y += line_height(body);
        c.text(LEFT, y, body, &fit(line, 80.0, body));
    }
    let mut y2 = c.y + 4.0;
    c.text(110.0, y2, Style::muted(8.0), "ORDRE");
    y2 += 1.0 + line_height(body);
    c.text(110.0, y2, body, &format!("Ordrenummer {}", d.order_number));
    y2 += line_height(body);
    c.text(110.0, y2, body, &format!("Bestilt {}", date(o.placed_at.date())));
    if let Some(received) = r.ret.received {
        y2 += line_height(body);
        c.text(110.0, y2, body, &format!("Mottatt {}", date(received)));
    }
    c.y = y.max(y2) + 8.0;

    let headings = [
        Heading::Left(LEFT + 1.5, "Varenr"),
        Heading::Left(COL_NAME, "Vare"),
        Heading::Right(COL_QTY, "Antall"),
        Heading::Left(COL_REASON, "Årsak"),
    ];
    table_header(&mut c, &headings);
    for line in &r.ret.lines {
        let base = table_row(
            &mut c,
            ROW,
            5.0,
            &headings,
            |c| next_page_header(c, d, TITLE),
            &line.sku,
            COL_NAME,
        );
        let style = Style::regular(9.0);
        c.text(
            COL_NAME,
            base,
            style,
            &fit(&line.name, COL_QTY - COL_NAME - 12.0, style),
        );
        c.text_right(COL_QTY, base, style, &line.quantity.to_string());
        c.text(COL_REASON, base, style, line.reason.text());
        c.rule(LEFT, RIGHT, c.y + ROW, 0.3, 0.8);
        c.y += ROW;
    }

    let refund = r.refund;
    let mut rows = vec![("Varer".to_string(), refund.goods)];
    if refund.shipping != skranke_core::Money::ZERO {
        rows.push(("Frakt (hele ordren er returnert)".to_string(), refund.shipping));
    }
    amounts(
        &mut c,
        d,
        TITLE,
        &Amounts {
            rows,
            total_label: "Tilbakebetales",
            total: refund.total,
            mva: &refund.mva,
            mva_note: None,
        },
    );

    let width = RIGHT - LEFT;
    let block = |c: &mut Canvas, heading: &str, text: &str| {
        let needed = 8.0 + Canvas::paragraph_height(width, Style::regular(9.0), text);
        if c.y + needed > BOTTOM {
            c.new_page();
            next_page_header(c, d, TITLE);
        }
        c.y += 7.0;
        c.text(LEFT, c.y, Style::bold(10.0), heading);
        c.paragraph(LEFT, width, Style::regular(9.0), text);
    };
    let description = if r.ret.description.is_empty() {
        "(ingen beskrivelse)"
    } else {
        &r.ret.description
    };
    block(&mut c, "Beskrivelse", description);
    if r.ret.has_reason(ReturnReason::Angrerett) {
        let text = match r.ret.received {
            Some(received) => format!(
                "Varene ble mottatt {}. Siste frist for å bruke angreretten er {} (14 dager fra dagen etter \
                 mottak, flyttet til nærmeste virkedag når fristen ender på en lørdag, søndag eller helligdag).",
                date(received),
                date(withdrawal_deadline(received, true))
            ),
            None => "Angrefristen er 14 dager fra dagen etter at varene ble mottatt; ender den på en lørdag, \
                     søndag eller helligdag, flyttes den til nærmeste virkedag."
                .to_string(),
        };
        block(&mut c, "Angrefrist", &text);
    }
    let seller = &d.policy.seller;
    let mut address = vec![seller.name.clone()];
    address.extend(seller.return_address_lines.iter().cloned());
    block(&mut c, "Returadresse", &address.join("\n"));
    block(
        &mut c,
        "Slik returnerer du",
        &format!(
            "Legg denne returseddelen i pakken og merk pakken med ordrenummer {}. Pakk varene godt, helst i \
             originalemballasjen. Ved angrerett betaler du selv returfrakten. Ved reklamasjon, transportskade \
             eller feil vare dekker vi returfrakten: kontakt oss på {} før du sender, så får du en \
             returetikett. Sendes pakken som «nektet mottatt», regnes den som uavhentet.",
            d.order_number, seller.email
        ),
    );
    footers(&mut c, d);
    Ok(c.finish())
}
