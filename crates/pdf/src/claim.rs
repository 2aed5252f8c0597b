//! Bekreftelse på reklamasjon: what the customer claims for (R1, D10), on which lines, with the dates
//! and whether it is in time, the photos received, and the law's deadlines.

use skranke_core::claim::{ClaimKind, ValidClaim};

use crate::canvas::{fit, line_height, Canvas, Style, LEFT, RIGHT};
use crate::header::{first_page_header, footers};
use crate::{date, texts, OrderDocument, PdfError};

/// A registered claim as its confirmation shows it.
#[derive(Debug, Clone, Copy)]
pub struct ClaimDocument<'a> {
    pub order: OrderDocument<'a>,
    pub claim: &'a ValidClaim,
    pub claim_no: i64,
}

/// Renders the confirmation of a claim.
pub fn claim_confirmation(d: &ClaimDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let c = d.claim;
    let title = match c.kind {
        ClaimKind::Reklamasjon => "Reklamasjon",
        ClaimKind::Transportskade => "Transportskade",
    };
    let o = &d.order;
    let mut canvas = Canvas::new(&format!("{title} {} nr. {}", o.order_number, d.claim_no))?;
    first_page_header(&mut canvas, o, title, c.reported.date())?;
    let body = Style::regular(10.0);
    let width = RIGHT - LEFT;
    canvas.text(
        LEFT,
        canvas.y + 4.0,
        Style::bold(12.0),
        &format!(
            "Vi har mottatt meldingen om {} (nr. {}) på ordre {}",
            title.to_lowercase(),
            d.claim_no,
            o.order_number
        ),
    );
    canvas.y += 6.0;
    canvas.paragraph(
        LEFT,
        width,
        body,
        &format!(
            "Hei {}! Her er det du meldte {}. Ta vare på varen og emballasjen til saken er avgjort.",
            o.order.customer.name,
            c.reported.format("%d.%m.%Y kl. %H:%M")
        ),
    );
    canvas.y += 5.0;
    canvas.text(LEFT, canvas.y, Style::muted(8.0), "GJELDER");
    let small = Style::regular(9.5);
    for l in &c.lines {
        canvas.y += line_height(small) + 0.5;
        canvas.text(
            LEFT,
            canvas.y,
            small,
            &fit(
                &format!(
                    "{} × {} (varenr. {}, linje {})",
                    l.quantity, l.name, l.sku, l.line_no
                ),
                width,
                small,
            ),
        );
    }
    canvas.y += 5.0;
    canvas.text(LEFT, canvas.y, Style::muted(8.0), "HVA ER GALT");
    canvas.paragraph(LEFT, width, body, &c.description);
    canvas.y += 4.0;
    canvas.paragraph(
        LEFT,
        width,
        body,
        &format!(
            "Varen ble mottatt {}. Feilen ble oppdaget {}. Meldt {}.",
            c.received.format("%d.%m.%Y kl. %H:%M"),
            date(c.discovered),
            c.reported.format("%d.%m.%Y kl. %H:%M")
        ),
    );
    heading(&mut canvas, "Fristen");
    canvas.paragraph(LEFT, width, body, c.timing.text());
    if !c.photos.is_empty() {
        canvas.y += 3.0;
        canvas.paragraph(
            LEFT,
            width,
            body,
            &format!(
                "Vi har mottatt {} bilde{} av skaden.",
                c.photos.len(),
                if c.photos.len() == 1 { "" } else { "r" }
            ),
        );
    }
    heading(&mut canvas, "Reklamasjon");
    canvas.paragraph(LEFT, width, Style::regular(9.0), texts::COMPLAINT);
    heading(&mut canvas, "Transportskade");
    canvas.paragraph(
        LEFT,
        width,
        Style::regular(9.0),
        &texts::transport_damage(o.policy),
    );
    canvas.y += 4.0;
    canvas.paragraph(
        LEFT,
        width,
        Style::regular(9.0),
        &format!(
            "Vi tar kontakt med deg om hva som skjer videre. Spørsmål? Skriv til {} og oppgi ordrenummer {}.",
            o.policy.seller.email, o.order_number
        ),
    );
    footers(&mut canvas, o);
    Ok(canvas.finish())
}

/// A heading with room above it for the paragraph before.
fn heading(c: &mut Canvas, text: &str) {
    c.y += 7.0;
    c.text(LEFT, c.y, Style::bold(10.0), text);
}
