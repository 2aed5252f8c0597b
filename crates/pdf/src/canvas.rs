//! A small page-drawing layer over printpdf: millimetres from the top-left, two weights of DejaVu Sans,
//! text measured with the font's own advance widths so columns align and paragraphs wrap.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, Point, Pt,
    Rect, Rgb, TextItem,
};

use crate::PdfError;

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
pub const LEFT: f32 = 18.0;
pub const RIGHT: f32 = 192.0;
/// Content stops here; the footer sits below.
pub const BOTTOM: f32 = 278.0;

const PT_PER_MM: f32 = 72.0 / 25.4;
const OPTIMIZE: bool = false;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    /// 0.0 black … 1.0 white.
    pub grey: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Style {
        Style {
            size,
            weight: Weight::Regular,
            grey: 0.0,
        }
    }
    pub const fn bold(size: f32) -> Style {
        Style {
            size,
            weight: Weight::Bold,
            grey: 0.0,
        }
    }
    pub const fn muted(size: f32) -> Style {
        Style {
            size,
            weight: Weight::Regular,
            grey: 0.35,
        }
    }
}

struct Faces {
    regular: ParsedFont,
    bold: ParsedFont,
    regular_metrics: ttf_parser::Face<'static>,
    bold_metrics: ttf_parser::Face<'static>,
}

fn faces() -> Result<&'static Faces, PdfError> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new())?,
                bold: ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new())?,
                regular_metrics: ttf_parser::Face::parse(REGULAR_TTF, 0).ok()?,
                bold_metrics: ttf_parser::Face::parse(BOLD_TTF, 0).ok()?,
            })
        })
        .as_ref()
        .ok_or(PdfError::Font)
}

/// Width in mm of `text` set in `style`.
pub fn text_width(text: &str, style: Style) -> f32 {
    let Ok(f) = faces() else { return 0.0 };
    let face = match style.weight {
        Weight::Regular => &f.regular_metrics,
        Weight::Bold => &f.bold_metrics,
    };
    let units = f32::from(face.units_per_em());
    let advance: f32 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(units * 0.5, f32::from)
        })
        .sum();
    advance / units * style.size / PT_PER_MM
}

/// Breaks `text` into lines no wider than `width` mm (words longer than a line are cut).
pub fn wrap(text: &str, width: f32, style: Style) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, style) <= width || line.is_empty() && text_width(word, style) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while text_width(&rest, style) > width {
                let mut cut = String::new();
                for c in rest.chars() {
                    if text_width(&format!("{cut}{c}"), style) > width {
                        break;
                    }
                    cut.push(c);
                }
                if cut.is_empty() {
                    break;
                }
                rest = rest[cut.len()..].to_string();
                lines.push(cut);
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// Shortens `text` with "…" to fit `width` mm.
pub fn fit(text: &str, width: f32, style: Style) -> String {
    if text_width(text, style) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&format!("{out}{c}…"), style) > width {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// Pages being drawn. `y` is the cursor in mm from the top of the current page.
pub struct Canvas {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<Vec<Op>>,
    pub y: f32,
}

impl Canvas {
    pub fn new(title: &str) -> Result<Canvas, PdfError> {
        let f = faces()?;
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(&f.regular);
        let bold = doc.add_font(&f.bold);
        Ok(Canvas {
            doc,
            regular,
            bold,
            pages: vec![Vec::new()],
            y: 0.0,
        })
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = 0.0;
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Draws on page `page` (0-based) instead of the current one: footers once the page count is known.
    pub fn text_on(&mut self, page: usize, x: f32, baseline: f32, style: Style, text: &str) {
        let font = match style.weight {
            Weight::Regular => self.regular.clone(),
            Weight::Bold => self.bold.clone(),
        };
        let ops = [
            Op::StartTextSection,
            Op::SetFillColor {
                col: grey(style.grey),
            },
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(style.size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(PAGE_H - baseline)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ];
        if let Some(p) = self.pages.get_mut(page) {
            p.extend(ops);
        }
    }

    pub fn text(&mut self, x: f32, baseline: f32, style: Style, text: &str) {
        let page = self.pages.len().saturating_sub(1);
        self.text_on(page, x, baseline, style, text);
    }

    pub fn text_right(&mut self, right: f32, baseline: f32, style: Style, text: &str) {
        self.text(right - text_width(text, style), baseline, style, text);
    }

    /// A wrapped paragraph from the cursor; moves the cursor below it.
    pub fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        let leading = line_height(style);
        for line in wrap(text, width, style) {
            self.y += leading;
            self.text(x, self.y, style, &line);
        }
    }

    /// How much height a paragraph takes.
    pub fn paragraph_height(width: f32, style: Style, text: &str) -> f32 {
        wrap(text, width, style).len() as f32 * line_height(style)
    }

    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness_pt: f32, shade: f32) {
        let line = Line {
            points: vec![
                LinePoint {
                    p: Point::new(Mm(x1), Mm(PAGE_H - y)),
                    bezier: false,
                },
                LinePoint {
                    p: Point::new(Mm(x2), Mm(PAGE_H - y)),
                    bezier: false,
                },
            ],
            is_closed: false,
        };
        let ops = self.ops();
        ops.push(Op::SetOutlineColor { col: grey(shade) });
        ops.push(Op::SetOutlineThickness { pt: Pt(thickness_pt) });
        ops.push(Op::DrawLine { line });
    }

    /// A filled rectangle, `top` and `height` in mm.
    pub fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, shade: f32) {
        let mut rect = Rect::from_xywh(
            Mm(x).into(),
            Mm(PAGE_H - top - height).into(),
            Mm(width).into(),
            Mm(height).into(),
        );
        rect.mode = Some(PaintMode::Fill);
        let ops = self.ops();
        ops.push(Op::SetFillColor { col: grey(shade) });
        ops.push(Op::DrawRectangle { rectangle: rect });
    }

    pub fn finish(mut self) -> Vec<u8> {
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|ops| printpdf::PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops))
            .collect();
        let options = printpdf::PdfSaveOptions {
            optimize: OPTIMIZE,
            ..Default::default()
        };
        self.doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}

/// A column heading: left-aligned at `x`, or right-aligned ending at `x`.
#[derive(Debug, Clone, Copy)]
pub enum Heading {
    Left(f32, &'static str),
    Right(f32, &'static str),
}

/// The grey band with the column headings of a line table; moves the cursor below it. Every page that
/// continues a table starts with it again.
pub fn table_header(c: &mut Canvas, headings: &[Heading]) {
    let style = Style::bold(8.5);
    c.fill_rect(LEFT, c.y, RIGHT - LEFT, 6.5, 0.9);
    let base = c.y + 4.6;
    for h in headings {
        match *h {
            Heading::Left(x, text) => c.text(x, base, style, text),
            Heading::Right(x, text) => c.text_right(x, base, style, text),
        }
    }
    c.y += 6.5;
}

/// Starts a table row `height` mm tall: when it would not fit, a new page begins, `continued` draws that
/// page's header and the table's headings come again (no row is split across pages). Draws the SKU in
/// the first column and returns the row's text baseline, `baseline` mm below the row's top.
pub fn table_row(
    c: &mut Canvas,
    height: f32,
    baseline: f32,
    headings: &[Heading],
    continued: impl FnOnce(&mut Canvas),
    sku: &str,
    name_column: f32,
) -> f32 {
    if c.y + height > BOTTOM {
        c.new_page();
        continued(c);
        table_header(c, headings);
    }
    let base = c.y + baseline;
    let sku_style = Style::regular(8.0);
    c.text(
        LEFT + 1.5,
        base,
        sku_style,
        &fit(sku, name_column - LEFT - 3.5, sku_style),
    );
    base
}

pub fn line_height(style: Style) -> f32 {
    style.size * 1.35 / PT_PER_MM
}

fn grey(shade: f32) -> Color {
    Color::Rgb(Rgb {
        r: shade,
        g: shade,
        b: shade,
        icc_profile: None,
    })
}
