//! Barcodes drawn as vector bars: the order number as Code 128, a product's EAN-13.

use barcoders::sym::code128::Code128;
use barcoders::sym::ean13::EAN13;

use crate::canvas::Canvas;
use crate::PdfError;

/// Width of one module in mm: 0.3 mm scans from paper with any handheld scanner.
const MODULE: f32 = 0.3;

/// Draws `data` (character set B: letters, digits, `-`) ending at `right`, from `top` down; returns its
/// width.
pub fn code128(canvas: &mut Canvas, data: &str, right: f32, top: f32, height: f32) -> Result<f32, PdfError> {
    let modules = Code128::new(format!("\u{0181}{data}"))
        .map_err(|e| PdfError::Barcode(e.to_string()))?
        .encode();
    let x = right - modules.len() as f32 * MODULE;
    bars(canvas, &modules, x, top, height);
    Ok(modules.len() as f32 * MODULE)
}

/// Draws the EAN-13 `ean` (13 digits, its check digit right) from `left`, `top` down, with the
/// digits under it; returns its width. A scanner at the packing table reads it.
pub fn ean13(canvas: &mut Canvas, ean: &str, left: f32, top: f32, height: f32) -> Result<f32, PdfError> {
    let modules = EAN13::new(ean)
        .map_err(|e| PdfError::Barcode(format!("{ean}: {e}")))?
        .encode();
    // The quiet zone left of the bars (11 modules) is left blank by starting the bars after it.
    let x = left + 11.0 * MODULE;
    bars(canvas, &modules, x, top, height);
    canvas.text(x, top + height + 3.0, crate::canvas::Style::regular(7.5), ean);
    Ok((modules.len() + 18) as f32 * MODULE)
}

fn bars(canvas: &mut Canvas, modules: &[u8], x: f32, top: f32, height: f32) {
    let mut i = 0;
    while i < modules.len() {
        if modules[i] == 1 {
            let start = i;
            while i < modules.len() && modules[i] == 1 {
                i += 1;
            }
            canvas.fill_rect(
                x + start as f32 * MODULE,
                top,
                (i - start) as f32 * MODULE,
                height,
                0.0,
            );
        } else {
            i += 1;
        }
    }
}
