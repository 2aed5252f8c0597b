//! The desk's own catalog file: CSV (`,` or `;`) or JSON lines, the same fields in both (see README).

use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use skranke_core::ean::parse_ean;
use skranke_core::{Availability, Invalid, Money, MvaRate, Product};

use crate::{json_message, CatalogError};

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogFormat {
    Csv { delimiter: u8 },
    JsonLines,
}

/// One row as a file holds it, before any field is trusted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRow {
    pub(crate) sku: String,
    #[serde(default, deserialize_with = "eans_field")]
    pub(crate) eans: Vec<String>,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) brand: String,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(deserialize_with = "text_or_number")]
    pub(crate) price: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub(crate) mva: String,
    pub(crate) availability: String,
    #[serde(default)]
    pub(crate) supplier_date: Option<String>,
    /// D6: `ja`/`nei` (also `yes`/`no`, `true`/`false`, `1`/`0`; JSON also a boolean); empty is no.
    #[serde(default, deserialize_with = "text_or_bool")]
    pub(crate) supplier_direct: String,
}

/// A CSV row: every field read as text, so EANs keep their leading zeros.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CsvRow {
    sku: String,
    eans: String,
    name: String,
    brand: String,
    category: String,
    price: String,
    mva: String,
    availability: String,
    supplier_date: String,
    supplier_direct: String,
}

impl From<CsvRow> for RawRow {
    fn from(r: CsvRow) -> RawRow {
        RawRow {
            sku: r.sku,
            eans: split_eans(&r.eans),
            name: r.name,
            brand: r.brand,
            category: r.category,
            price: r.price,
            mva: r.mva,
            availability: r.availability,
            supplier_date: Some(r.supplier_date),
            supplier_direct: r.supplier_direct,
        }
    }
}

fn split_eans(text: &str) -> Vec<String> {
    text.split([' ', '|', ','])
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// EANs: a JSON array, or one text with the codes separated by spaces, `|` or `,`.
fn eans_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Eans {
        Many(Vec<String>),
        One(String),
    }
    Ok(match Eans::deserialize(d)? {
        Eans::Many(v) => v,
        Eans::One(s) => s
            .split([' ', '|', ','])
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// A price or rate written as text (`1249,00`) or as a JSON number (`1249.5`); never parsed as a float.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Value::deserialize(d)? {
        Value::Text(s) => s,
        Value::Number(n) => n.to_string(),
    })
}

/// A yes/no written as text or as a JSON boolean.
fn text_or_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Text(String),
        Bool(bool),
    }
    Ok(match Value::deserialize(d)? {
        Value::Text(s) => s,
        Value::Bool(b) => b.to_string(),
    })
}

/// D6's column: `ja`, `yes`, `true`, `1` are yes; `nei`, `no`, `false`, `0` and empty are no.
pub(crate) fn yes_no(text: &str) -> Result<bool, Invalid> {
    match text.trim().to_lowercase().as_str() {
        "ja" | "yes" | "true" | "1" | "j" | "y" => Ok(true),
        "nei" | "no" | "false" | "0" | "n" | "" => Ok(false),
        _ => Err(Invalid::YesNo {
            text: text.chars().take(20).collect(),
        }),
    }
}

use skranke_core::order::{MAX_PRODUCT_TEXT as MAX_TEXT, MAX_SKU};

impl RawRow {
    pub(crate) fn into_product(self, line: u64, as_of: DateTime<Utc>) -> Result<Product, CatalogError> {
        let err = |field: &str, problem: Invalid| CatalogError::Row {
            line,
            field: field.into(),
            message: problem.to_string(),
        };
        let text = |field: &str, value: String, required: bool| {
            let v = value.trim().to_string();
            if required && v.is_empty() {
                return Err(err(field, Invalid::Missing));
            }
            if v.chars().nth(MAX_TEXT).is_some() {
                return Err(err(field, Invalid::TooLong { max: MAX_TEXT }));
            }
            Ok(v)
        };
        let sku = text("sku", self.sku, true)?.to_uppercase();
        if sku.len() > MAX_SKU {
            return Err(err("sku", Invalid::TooLong { max: MAX_SKU }));
        }
        let eans = self
            .eans
            .iter()
            .map(|e| parse_ean(e).map_err(|p| err("eans", p)))
            .collect::<Result<Vec<_>, _>>()?;
        let price = Money::parse_kroner(&self.price).map_err(|p| err("price", p))?;
        if price.ore() < 0 {
            return Err(err(
                "price",
                Invalid::Amount {
                    text: self.price.clone(),
                },
            ));
        }
        let mva_rate = if self.mva.trim().is_empty() {
            MvaRate::General
        } else {
            MvaRate::parse(&self.mva).map_err(|p| err("mva", p))?
        };
        let supplier_date = match self
            .supplier_date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => None,
            Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                err(
                    "supplier_date",
                    Invalid::Date {
                        text: d.chars().take(20).collect(),
                    },
                )
            })?),
        };
        let code = self.availability.trim();
        if code == "ordered_confirmed" && supplier_date.is_none() {
            return Err(err("supplier_date", Invalid::Missing));
        }
        let availability =
            Availability::from_code(code, supplier_date).map_err(|p| err("availability", p))?;
        let supplier_direct = yes_no(&self.supplier_direct).map_err(|p| err("supplier_direct", p))?;
        Ok(Product {
            sku,
            eans,
            name: text("name", self.name, true)?,
            brand: text("brand", self.brand, false)?,
            category: text("category", self.category, false)?,
            price,
            mva_rate,
            availability,
            availability_as_of: Some(as_of),
            supplier_direct,
        })
    }
}

/// Decides the format from the file name and the first line.
pub fn detect_format(path: &Path, first_line: &str) -> CatalogFormat {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_lowercase();
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") || first_line.trim_start().starts_with('{') {
        CatalogFormat::JsonLines
    } else if first_line.matches(';').count() > first_line.matches(',').count() {
        CatalogFormat::Csv { delimiter: b';' }
    } else {
        CatalogFormat::Csv { delimiter: b',' }
    }
}

/// Reads every product of a catalog file, calling `each` with batches. Stops at the first bad row with
/// its line number and field.
pub fn read_catalog<E: From<CatalogError>>(
    path: &Path,
    as_of: DateTime<Utc>,
    batch_size: usize,
    mut each: impl FnMut(Vec<Product>) -> Result<(), E>,
) -> Result<u64, E> {
    let open =
        || std::fs::File::open(path).map_err(CatalogError::io(format!("kan ikke åpne {}", path.display())));
    let mut first_line = String::new();
    let mut probe = BufReader::new(open()?);
    probe
        .read_line(&mut first_line)
        .map_err(|e| utf8_or_io(e, path))?;
    let format = detect_format(path, &first_line);
    let mut batch = Vec::with_capacity(batch_size);
    let mut count = 0u64;
    let mut push = |product: Product, batch: &mut Vec<Product>| -> Result<(), E> {
        batch.push(product);
        count += 1;
        if batch.len() >= batch_size {
            each(std::mem::take(batch))?;
        }
        Ok(())
    };
    match format {
        CatalogFormat::JsonLines => {
            let reader = BufReader::new(open()?);
            for (i, line) in reader.lines().enumerate() {
                let n = i as u64 + 1;
                let line = line.map_err(|e| match utf8_or_io(e, path) {
                    CatalogError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData => {
                        CatalogError::Row {
                            line: n,
                            field: "fil".into(),
                            message: "ikke gyldig UTF-8".into(),
                        }
                    }
                    other => other,
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                let raw: RawRow = serde_json::from_str(&line).map_err(|e| CatalogError::Row {
                    line: n,
                    field: "json".into(),
                    message: json_message(&e),
                })?;
                push(raw.into_product(n, as_of)?, &mut batch)?;
            }
        }
        CatalogFormat::Csv { delimiter } => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .trim(csv::Trim::All)
                .from_reader(open()?);
            let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
            let mut record = csv::StringRecord::new();
            loop {
                let more = reader.read_record(&mut record).map_err(|e| csv_error(&e, 0))?;
                if !more {
                    break;
                }
                let line = record.position().map_or(0, csv::Position::line);
                let row: CsvRow = record
                    .deserialize(Some(&headers))
                    .map_err(|e| csv_error(&e, line))?;
                push(RawRow::from(row).into_product(line, as_of)?, &mut batch)?;
            }
        }
    }
    if !batch.is_empty() {
        each(batch)?;
    }
    Ok(count)
}

fn csv_error(e: &csv::Error, line: u64) -> CatalogError {
    let line = e.position().map_or(line, csv::Position::line);
    let (field, message) = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => ("rad".to_string(), "ikke gyldig UTF-8".to_string()),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            "rad".to_string(),
            format!("{len} felt, men overskriften har {expected_len}"),
        ),
        csv::ErrorKind::Deserialize { err, .. } => (
            err.field().map_or("rad".into(), |f| format!("felt {}", f + 1)),
            err.to_string(),
        ),
        _ => ("rad".to_string(), e.to_string()),
    };
    CatalogError::Row { line, field, message }
}

fn utf8_or_io(e: std::io::Error, path: &Path) -> CatalogError {
    CatalogError::Io {
        context: format!("kan ikke lese {}", path.display()),
        source: e,
    }
}
