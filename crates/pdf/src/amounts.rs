//! The block of amounts under a document's table: labelled rows, the total, and the MVA per rate in
//! it (S2). The confirmation and the return slip print their figures the same way.

use skranke_core::{Money, MvaLine};

use crate::canvas::{Canvas, Style, BOTTOM, RIGHT};
use crate::header::next_page_header;
use crate::{kr, OrderDocument};

/// What one block shows.
pub(crate) struct Amounts<'a> {
    pub rows: Vec<(String, Money)>,
    pub total_label: &'a str,
    pub total: Money,
    pub mva: &'a [MvaLine],
    /// D7a: why there is no MVA, printed under the total in its place.
    pub mva_note: Option<String>,
}

const LABEL_RIGHT: f32 = 146.0;

/// Draws the block at the canvas' position, on a new page when it would not fit.
pub(crate) fn amounts(c: &mut Canvas, d: &OrderDocument<'_>, title: &str, a: &Amounts<'_>) {
    let needed = 14.0
        + a.rows.len() as f32 * 5.0
        + a.mva.len() as f32 * 4.5
        + if a.mva_note.is_some() { 14.0 } else { 0.0 };
    if c.y + needed > BOTTOM {
        c.new_page();
        next_page_header(c, d, title);
    }
    let body = Style::regular(9.0);
    c.y += 6.0;
    for (i, (label, amount)) in a.rows.iter().enumerate() {
        if i > 0 {
            c.y += 5.0;
        }
        c.text_right(LABEL_RIGHT, c.y, body, label);
        c.text_right(RIGHT - 1.5, c.y, body, &kr(*amount));
    }
    c.rule(110.0, RIGHT, c.y + 2.0, 0.6, 0.3);
    c.y += 7.0;
    let total = Style::bold(11.5);
    c.text_right(LABEL_RIGHT, c.y, total, a.total_label);
    c.text_right(RIGHT - 1.5, c.y, total, &kr(a.total));
    let small = Style::muted(8.0);
    for m in a.mva {
        c.y += 4.5;
        c.text_right(
            LABEL_RIGHT,
            c.y,
            small,
            &format!("herav MVA {} % av {}", m.rate.percent(), kr(m.total_incl)),
        );
        c.text_right(RIGHT - 1.5, c.y, small, &kr(m.mva));
    }
    if let Some(note) = &a.mva_note {
        c.y += 1.5;
        c.paragraph(110.0, RIGHT - 110.0 - 1.5, small, note);
    }
    c.y += 4.0;
}
