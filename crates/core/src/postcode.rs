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
    /// D7: "Postboks 123", "Boks 12", "Pb. 12" (and "Pb 12") are post-office boxes; everything else is
    /// a street address. "Boksveien 3" is a street.
    pub fn of_line(line: &str) -> AddressKind {
        let lower = line.trim().to_lowercase();
        let box_word = ["postboks", "boks", "pb.", "pb"].iter().any(|word| {
            lower.strip_prefix(word).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || c.is_ascii_digit())
            })
        });
        if box_word {
            AddressKind::PostBox
        } else {
            AddressKind::Street
        }
    }
}

/// D7a: Norwegian places outside the Norwegian MVA area (merverdiavgiftsloven § 1-2: the law does not
/// apply on Svalbard and Jan Mayen). Found in the register by kommune, so every postcode the register
/// gives the kommune is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideMvaArea {
    Svalbard,
    JanMayen,
}

impl OutsideMvaArea {
    /// Kommunenummer in the register: Svalbard 2100, Jan Mayen 2211.
    const fn municipality_number(self) -> &'static str {
        match self {
            OutsideMvaArea::Svalbard => "2100",
            OutsideMvaArea::JanMayen => "2211",
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            OutsideMvaArea::Svalbard => "Svalbard",
            OutsideMvaArea::JanMayen => "Jan Mayen",
        }
    }

    /// The area a postcode lies in, when it is outside the MVA area.
    pub fn of(entry: &PostcodeEntry) -> Option<OutsideMvaArea> {
        [OutsideMvaArea::Svalbard, OutsideMvaArea::JanMayen]
            .into_iter()
            .find(|a| a.municipality_number() == entry.municipality_number)
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

    /// D7a: Svalbard's and Jan Mayen's postcodes come from the register's kommune: every 91xx code of
    /// Svalbard (Longyearbyen, Ny-Ålesund, Barentsburg ...) and 8099 Jan Mayen; nothing on the mainland.
    #[test]
    fn d7a_svalbard_and_jan_mayen_by_kommune() {
        let outside: Vec<(&str, OutsideMvaArea)> = register()
            .iter()
            .filter_map(|e| OutsideMvaArea::of(e).map(|a| (e.code, a)))
            .collect();
        assert!(outside.contains(&("9170", OutsideMvaArea::Svalbard)));
        assert!(outside.contains(&("9173", OutsideMvaArea::Svalbard)));
        assert!(outside.contains(&("9178", OutsideMvaArea::Svalbard)));
        assert!(outside.contains(&("8099", OutsideMvaArea::JanMayen)));
        let svalbard = outside.iter().filter(|(_, a)| *a == OutsideMvaArea::Svalbard);
        assert!(svalbard.clone().count() >= 7);
        assert!(svalbard.clone().all(|(code, _)| code.starts_with("91")));
        assert_eq!(OutsideMvaArea::of(lookup("9008").unwrap()), None, "Tromsø");
        assert_eq!(OutsideMvaArea::of(lookup("0150").unwrap()), None);
    }

    #[test]
    fn d7_address_kind_from_the_line() {
        for line in [
            "Postboks 123 Sentrum",
            "Pb. 45",
            "Boks 12",
            "boks 12",
            "Pb 12",
            "PB.12",
            "Postboks12",
        ] {
            assert_eq!(AddressKind::of_line(line), AddressKind::PostBox, "{line}");
        }
        for line in ["Storgata 1", "Boksveien 3", "Pbakken 2", "Postboksgata 1"] {
            assert_eq!(AddressKind::of_line(line), AddressKind::Street, "{line}");
        }
    }

    /// D7: a box address only where the postcode takes boxes, a street address only where it takes
    /// streets, and the refusal says which kind the postcode takes.
    #[test]
    fn d7_box_and_street_addresses_against_the_postcode() {
        let kind = AddressKind::of_line;
        // 0150 OSLO: streets only.
        let refused = check_address("0150", kind("Boks 12")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "postnummer 0150 (OSLO) gjelder bare gateadresser, ikke postbokser"
        );
        // 0001 OSLO: boxes only.
        assert!(check_address("0001", kind("Boks 12")).is_ok());
        assert!(check_address("0001", kind("Pb. 12")).is_ok());
        let refused = check_address("0001", kind("Storgata 1")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "postnummer 0001 (OSLO) gjelder bare postbokser, ikke gateadresser"
        );
        // 0010 OSLO: both.
        assert!(check_address("0010", kind("Boks 12")).is_ok());
        assert!(check_address("0010", kind("Storgata 1")).is_ok());
    }
}
