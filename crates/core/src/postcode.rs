//! Postcode lookup against the shipped register, and address validity by category (rule D7).

use serde::Serialize;
use std::sync::OnceLock;

use crate::Invalid;

/// Posten Bring's register, 2026-05-26. "Inneholder data under NLOD 2.0 tilgjengeliggjort av Posten Bring AS".
const REGISTER: &str = include_str!("../data/postnummerregister.tsv");

/// What a postcode may be used for (Bring's categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostcodeCategory {
    /// G: street addresses only.
    Street,
    /// P: post-office boxes only.
    PostBox,
    /// B: both.
    Both,
    /// S: service codes, never in an address.
    Service,
    /// F: several uses.
    Several,
}

/// One row of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PostcodeEntry {
    pub code: &'static str,
    pub place: &'static str,
    pub municipality_number: &'static str,
    pub municipality: &'static str,
    pub category: PostcodeCategory,
}

/// Whether an address line is a street address or a post-office box (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Street,
    PostBox,
}

impl AddressKind {
    /// "Postboks 123" and "Pb. 123" are post-office boxes; everything else is a street address.
    pub fn of_line(line: &str) -> AddressKind {
        let lower = line.trim().to_lowercase();
        if lower.starts_with("postboks") || lower.starts_with("pb.") || lower.starts_with("pb ") {
            AddressKind::PostBox
        } else {
            AddressKind::Street
        }
    }
}

fn register() -> &'static [PostcodeEntry] {
    static PARSED: OnceLock<Vec<PostcodeEntry>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut rows: Vec<PostcodeEntry> = REGISTER
            .lines()
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let (code, place, number, municipality, category) = (
                    cols.next()?,
                    cols.next()?,
                    cols.next()?,
                    cols.next()?,
                    cols.next()?,
                );
                let category = match category.trim() {
                    "G" => PostcodeCategory::Street,
                    "P" => PostcodeCategory::PostBox,
                    "B" => PostcodeCategory::Both,
                    "S" => PostcodeCategory::Service,
                    "F" => PostcodeCategory::Several,
                    _ => return None,
                };
                Some(PostcodeEntry {
                    code,
                    place,
                    municipality_number: number,
                    municipality,
                    category,
                })
            })
            .collect();
        rows.sort_by_key(|e| e.code);
        rows
    })
}

/// Looks a postcode up (4 digits, spaces ignored).
pub fn lookup(code: &str) -> Result<&'static PostcodeEntry, Invalid> {
    let code = code.trim();
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::PostcodeFormat);
    }
    let rows = register();
    rows.binary_search_by_key(&code, |e| e.code)
        .map(|i| &rows[i])
        .map_err(|_| Invalid::PostcodeUnknown {
            code: code.to_string(),
        })
}

/// D7: the postcode exists and allows this kind of address.
pub fn check_address(code: &str, kind: AddressKind) -> Result<&'static PostcodeEntry, Invalid> {
    let entry = lookup(code)?;
    let place = || entry.place.to_string();
    match (entry.category, kind) {
        (PostcodeCategory::Service, _) => Err(Invalid::PostcodeService {
            code: entry.code.to_string(),
        }),
        (PostcodeCategory::PostBox, AddressKind::Street) => Err(Invalid::PostcodeBoxOnly {
            code: entry.code.to_string(),
            place: place(),
        }),
        (PostcodeCategory::Street, AddressKind::PostBox) => Err(Invalid::PostcodeStreetOnly {
            code: entry.code.to_string(),
            place: place(),
        }),
        _ => Ok(entry),
    }
}

/// Number of rows in the shipped register.
pub fn register_len() -> usize {
    register().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d7_register_is_complete_and_looks_up() {
        assert_eq!(register_len(), 5122);
        let oslo = lookup("0150").unwrap();
        assert_eq!((oslo.place, oslo.municipality), ("OSLO", "OSLO"));
        let tromso = lookup("9008").unwrap();
        assert_eq!(tromso.place, "TROMSØ");
        assert_eq!(
            lookup("0000"),
            Err(Invalid::PostcodeUnknown { code: "0000".into() })
        );
        assert_eq!(lookup("150"), Err(Invalid::PostcodeFormat));
        assert_eq!(lookup("abcd"), Err(Invalid::PostcodeFormat));
    }

    #[test]
    fn d7_address_validity_by_category() {
        // G: street only.
        assert!(check_address("0150", AddressKind::Street).is_ok());
        assert!(matches!(
            check_address("0150", AddressKind::PostBox),
            Err(Invalid::PostcodeStreetOnly { .. })
        ));
        // P: post box only.
        assert_eq!(lookup("0001").unwrap().category, PostcodeCategory::PostBox);
        assert!(matches!(
            check_address("0001", AddressKind::Street),
            Err(Invalid::PostcodeBoxOnly { .. })
        ));
        assert!(check_address("0001", AddressKind::PostBox).is_ok());
        // B: both.
        assert!(check_address("0010", AddressKind::Street).is_ok());
        assert!(check_address("0010", AddressKind::PostBox).is_ok());
        // S: never.
        assert!(matches!(
            check_address("0018", AddressKind::Street),
            Err(Invalid::PostcodeService { .. })
        ));
    }

    #[test]
    fn d7_address_kind_from_the_line() {
        assert_eq!(AddressKind::of_line("Postboks 123 Sentrum"), AddressKind::PostBox);
        assert_eq!(AddressKind::of_line("Pb. 45"), AddressKind::PostBox);
        assert_eq!(AddressKind::of_line("Storgata 1"), AddressKind::Street);
    }
}
