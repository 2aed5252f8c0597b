//! Google Merchant Center product feeds, TSV or RSS/XML: the fields the desk needs (id, title, brand, gtin,
//! price, availability, availability_date, product_type, custom_label_0–4); every other column or element
//! is ignored.
//!
//! D6: Merchant has no field for "delivered by the supplier", so the shop marks such a product with the
//! custom label [`SUPPLIER_DIRECT_LABEL`] in any of `custom_label_0` to `custom_label_4` (Merchant's
//! own fields for the merchant's grouping, unseen by shoppers).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use quick_xml::events::Event;
use skranke_core::Product;

use crate::desk_file::RawRow;

/// D6: the custom label that marks a product delivered directly by the supplier.
pub const SUPPLIER_DIRECT_LABEL: &str = "leveres_av_leverandor";
use crate::CatalogError;

/// The two shapes a Merchant Center feed comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantFormat {
    Tsv,
    Xml,
}

impl MerchantFormat {
    /// XML when the file says so (extension or first non-blank character), TSV otherwise.
    pub fn detect(path: &Path, text: &str) -> MerchantFormat {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext.eq_ignore_ascii_case("xml") || text.trim_start().starts_with('<') {
            MerchantFormat::Xml
        } else {
            MerchantFormat::Tsv
        }
    }
}

/// Reads every product of a Merchant feed. Stops at the first bad item, naming its line and field.
pub fn read_merchant_feed(path: &Path, as_of: DateTime<Utc>) -> Result<Vec<Product>, CatalogError> {
    let bytes = std::fs::read(path).map_err(CatalogError::io(format!("kan ikke lese {}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|e| CatalogError::Row {
        line: line_of(e.as_bytes(), e.utf8_error().valid_up_to()),
        field: "fil".into(),
        message: "ikke gyldig UTF-8".into(),
    })?;
    let items = match MerchantFormat::detect(path, &text) {
        MerchantFormat::Tsv => tsv_items(&text)?,
        MerchantFormat::Xml => xml_items(&text)?,
    };
    items
        .into_iter()
        .map(|(line, item)| item_to_row(line, &item)?.into_product(line, as_of))
        .collect()
}

type Item = HashMap<String, String>;

fn tsv_items(text: &str) -> Result<Vec<(u64, Item)>, CatalogError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| row_error(1, "overskrift", e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches("g:").to_ascii_lowercase())
        .collect();
    let mut items = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| row_error(0, "rad", e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let item = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        items.push((line, item));
    }
    Ok(items)
}

fn xml_items(text: &str) -> Result<Vec<(u64, Item)>, CatalogError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut items = Vec::new();
    let mut current: Option<(u64, Item)> = None;
    let mut field: Option<String> = None;
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| row_error(line_of(text.as_bytes(), at), "xml", e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
                if name == "item" || name == "entry" {
                    // After the tag, not before it: the whitespace before it may hold line breaks.
                    let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                    current = Some((line_of(text.as_bytes(), after), Item::new()));
                } else if current.is_some() {
                    field = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some((line, item)), Some(name)) = (current.as_mut(), field.as_ref()) {
                    let value = t.unescape().map_err(|e| row_error(*line, name, e.to_string()))?;
                    item.entry(name.clone()).or_default().push_str(&value);
                }
            }
            Event::CData(t) => {
                if let (Some((_, item)), Some(name)) = (current.as_mut(), field.as_ref()) {
                    item.entry(name.clone())
                        .or_default()
                        .push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase();
                if name == "item" || name == "entry" {
                    items.extend(current.take());
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(items)
}

/// Maps a feed item onto the desk's row, so both kinds of file pass the same checks.
fn item_to_row(line: u64, item: &Item) -> Result<RawRow, CatalogError> {
    let get = |k: &str| item.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (amount, currency) = {
        let price = get("price");
        let mut parts = price.rsplitn(2, ' ');
        let last = parts.next().unwrap_or_default().to_string();
        match parts.next() {
            Some(amount) if last.chars().all(|c| c.is_ascii_alphabetic()) => (amount.to_string(), last),
            _ => (price.clone(), String::new()),
        }
    };
    if !currency.is_empty() && !currency.eq_ignore_ascii_case("NOK") {
        return Err(row_error(
            line,
            "price",
            format!("valutaen må være NOK, ikke {currency}"),
        ));
    }
    let date = get("availability_date");
    // Merchant's availability_date is ISO 8601 with a time; the supplier's date is its date part.
    let date: String = date.chars().take(10).collect();
    let availability = match get("availability")
        .to_ascii_lowercase()
        .replace(' ', "_")
        .as_str()
    {
        "in_stock" => "in_stock",
        // No A1 status says "sold out": a product not in stock has to be ordered from the supplier.
        "out_of_stock" => "must_order",
        "preorder" | "backorder" if !date.is_empty() => "ordered_confirmed",
        "preorder" | "backorder" => "ordered_unconfirmed",
        other => {
            return Err(row_error(
                line,
                "availability",
                format!(
                    "ukjent tilgjengelighet «{}»",
                    other.chars().take(40).collect::<String>()
                ),
            ))
        }
    }
    .to_string();
    let category = get("product_type")
        .split('>')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok(RawRow {
        sku: get("id"),
        eans: get("gtin")
            .split([',', ' '])
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect(),
        name: get("title"),
        brand: get("brand"),
        category,
        price: amount,
        mva: String::new(),
        availability,
        supplier_date: Some(date),
        supplier_direct: (0..5)
            .any(|i| get(&format!("custom_label_{i}")).eq_ignore_ascii_case(SUPPLIER_DIRECT_LABEL))
            .to_string(),
    })
}

fn row_error(line: u64, field: &str, message: String) -> CatalogError {
    CatalogError::Row {
        line,
        field: field.to_string(),
        message,
    }
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    let n = bytes.iter().take(offset).filter(|b| **b == b'\n').count();
    u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn tsv_feed_maps_price_availability_gtin_and_category() {
        let (_d, path) = write(
            "feed.tsv",
            "id\ttitle\tdescription\tbrand\tgtin\tprice\tavailability\tavailability_date\tproduct_type\n\
             GR-1\tKullgrill Ø57\tRund\tWeber\t7311271000013\t1 299.00 NOK\tin_stock\t\tHage > Grill\n\
             GR-2\tGassgrill\t\tWeber\t\t4999.00 NOK\tbackorder\t2026-12-03T00:00:00+01:00\tHage\n\
             GR-3\tGrilltang\t\t\t\t99.00 NOK\tout_of_stock\t\t\n",
        );
        let products = read_merchant_feed(&path, as_of()).unwrap();
        assert_eq!(products.len(), 3);
        assert_eq!(products[0].sku, "GR-1");
        assert_eq!(products[0].name, "Kullgrill Ø57");
        assert_eq!(products[0].price.ore(), 129_900);
        assert_eq!(products[0].eans, vec!["7311271000013"]);
        assert_eq!(products[0].category, "Hage");
        assert_eq!(products[1].availability.code(), "ordered_confirmed");
        assert_eq!(products[2].availability.code(), "must_order");
    }

    /// D6: a custom label marks a supplier-direct product, in TSV and XML.
    #[test]
    fn d6_the_custom_label_marks_supplier_direct_products() {
        let (_d, path) = write(
            "feed.tsv",
            "id\ttitle\tprice\tavailability\tcustom_label_2\n\
             SOFA-1\tSofa\t9990.00 NOK\tin_stock\tleveres_av_leverandor\n\
             LAMPE-1\tLampe\t499.00 NOK\tin_stock\tkampanje\n",
        );
        let products = read_merchant_feed(&path, as_of()).unwrap();
        assert!(products[0].supplier_direct);
        assert!(!products[1].supplier_direct);
        let (_d, path) = write(
            "feed.xml",
            "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\n\
             <item><g:id>SOFA-2</g:id><g:title>Sofa</g:title><g:price>9990 NOK</g:price>\
             <g:availability>in stock</g:availability><g:custom_label_0>leveres_av_leverandor</g:custom_label_0></item>\n\
             </channel></rss>",
        );
        assert!(read_merchant_feed(&path, as_of()).unwrap()[0].supplier_direct);
    }

    #[test]
    fn xml_feed_reads_namespaced_items_and_entities() {
        let (_d, path) = write(
            "feed.xml",
            r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Butikk</title>
<item><g:id>KJ-1</g:id><g:title>Kniv &amp; gaffel</g:title><g:price>49.90 NOK</g:price>
<g:availability>in stock</g:availability><g:brand><![CDATA[Fiskars]]></g:brand></item>
<item><g:id>KJ-2</g:id><title>Panne</title><g:price>399 NOK</g:price><g:availability>preorder</g:availability></item>
</channel></rss>"#,
        );
        let products = read_merchant_feed(&path, as_of()).unwrap();
        assert_eq!(products.len(), 2);
        assert_eq!(products[0].name, "Kniv & gaffel");
        assert_eq!(products[0].brand, "Fiskars");
        assert_eq!(products[0].price.ore(), 4_990);
        assert_eq!(products[1].availability.code(), "ordered_unconfirmed");
    }

    #[test]
    fn bad_items_are_refused_with_their_line() {
        let (_d, path) = write(
            "feed.tsv",
            "id\ttitle\tprice\tavailability\nA\tEn\t10.00 NOK\tin_stock\nB\tTo\t10.00 SEK\tin_stock\n",
        );
        let err = read_merchant_feed(&path, as_of()).unwrap_err();
        assert!(err.to_string().contains("linje 3, price"), "{err}");
        let (_d, path) = write(
            "feed.xml",
            "<rss><channel>\n<item><g:id>A</g:id><g:title>En</g:title><g:price>10 NOK</g:price>\n<g:availability>sometimes</g:availability></item></channel></rss>",
        );
        let err = read_merchant_feed(&path, as_of()).unwrap_err();
        assert!(err.to_string().contains("linje 2, availability"), "{err}");
        let (_d, path) = write(
            "feed.tsv",
            "id\ttitle\tprice\tavailability\nA\tEn\tgratis\tin_stock\n",
        );
        assert!(read_merchant_feed(&path, as_of()).is_err());
    }
}
