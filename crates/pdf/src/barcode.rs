//! The order number as a Code 128 barcode, drawn as vector bars.

use barcoders::sym::code128::Code128;

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
    Ok(modules.len() as f32 * MODULE)
}
