//! Fødselsnummer, D-number, H-number, synthetic test numbers and FH-numbers (rules F1–F4).

use chrono::{Datelike, NaiveDate};
use std::fmt;

use crate::Invalid;

/// Which kind of national identity number this is (F2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// Ordinary fødselsnummer.
    Fodselsnummer,
    /// D-number: first digit + 4.
    DNumber,
    /// FH-number (first digit 8 or 9): carries no birth date.
    FhNumber,
}

/// Which synthetic or help series the month field marks (F2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Series {
    Real,
    /// Month + 40: H-number, or NAV/Dolly synthetic test number.
    HOrNavSynthetic,
    /// Month + 80: Skatteetaten's synthetic (Tenor) test number.
    TenorSynthetic,
}

/// A validated national identity number. `Debug` and `Display` mask it (P3: never shown in full).
#[derive(Clone, PartialEq, Eq)]
pub struct Fodselsnummer {
    digits: [u8; 11],
    kind: IdKind,
    series: Series,
    birth_date: Option<NaiveDate>,
    /// Day, month and two-digit year of the date field; absent in an FH-number.
    date_field: Option<(u32, u32, u32)>,
}

impl Fodselsnummer {
    /// Parses and validates (F1–F3). Spaces are allowed between digit groups as staff type them.
    pub fn parse(text: &str) -> Result<Fodselsnummer, Invalid> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::FodselsnummerDigits);
        }
        let bytes = compact.as_bytes();
        if bytes.len() != 11 {
            return Err(Invalid::FodselsnummerLength);
        }
        let mut d = [0u8; 11];
        for (slot, b) in d.iter_mut().zip(bytes) {
            *slot = b - b'0';
        }
        let checksum = checksum_rule(&d).ok_or(Invalid::FodselsnummerChecksum)?;

        if d[0] >= 8 {
            // F2: FH-numbers hold neither date nor gender.
            return Ok(Fodselsnummer {
                digits: d,
                kind: IdKind::FhNumber,
                series: Series::Real,
                birth_date: None,
                date_field: None,
            });
        }
        let kind = if d[0] >= 4 {
            IdKind::DNumber
        } else {
            IdKind::Fodselsnummer
        };
        let mut day = u32::from(d[0] * 10 + d[1]);
        if kind == IdKind::DNumber {
            day -= 40;
        }
        let month_field = u32::from(d[2] * 10 + d[3]);
        let (series, month) = match month_field {
            80.. => (Series::TenorSynthetic, month_field - 80),
            40.. => (Series::HOrNavSynthetic, month_field - 40),
            _ => (Series::Real, month_field),
        };
        let yy = u32::from(d[4] * 10 + d[5]);
        let individual = u32::from(d[6]) * 100 + u32::from(d[7]) * 10 + u32::from(d[8]);

        // F3a: a number valid only under the 2032 rule is issued from individual numbers that no longer
        // tell the century: no century, and so no birth date or age, is derived from it.
        let century = match (checksum, kind) {
            (ChecksumRule::Rule2032, _) => None,
            (_, IdKind::DNumber) => d_number_century(individual, yy),
            _ => classic_century(individual, yy),
        };
        let birth_date = match century {
            Some(c) => {
                Some(NaiveDate::from_ymd_opt((c + yy) as i32, month, day).ok_or(Invalid::FodselsnummerDate)?)
            }
            None => {
                // F1 (2032): new numbers no longer tell the century; the date must still exist in some
                // century (2000 is a leap year, so 29.02.yy with yy % 4 == 0 is a real date).
                if NaiveDate::from_ymd_opt((2000 + yy) as i32, month, day).is_none() {
                    return Err(Invalid::FodselsnummerDate);
                }
                if checksum == ChecksumRule::Classic {
                    // F3: a classic number must tell its century.
                    return Err(Invalid::FodselsnummerCentury);
                }
                None
            }
        };
        Ok(Fodselsnummer {
            digits: d,
            kind,
            series,
            birth_date,
            date_field: Some((day, month, yy)),
        })
    }

    /// F3a: the number has a date but does not tell the century (valid only under the 2032 rule): the
    /// birth year must be confirmed with the customer before an age can be known.
    pub fn needs_birth_year(&self) -> bool {
        self.birth_date.is_none() && self.date_field.is_some()
    }

    /// F3a: the birth date with a birth year the customer confirmed; refused when the year does not end
    /// in the number's two year digits or the date does not exist that year. A number that tells its own
    /// century answers with its own date, whatever `year` says.
    pub fn birth_date_in(&self, year: i32) -> Result<NaiveDate, Invalid> {
        if let Some(date) = self.birth_date {
            return Ok(date);
        }
        let (day, month, yy) = self.date_field.ok_or(Invalid::AgeUnknown)?;
        if year.rem_euclid(100) != yy as i32 {
            return Err(Invalid::BirthYearMismatch {
                year,
                digits: format!("{yy:02}"),
            });
        }
        NaiveDate::from_ymd_opt(year, month, day).ok_or(Invalid::FodselsnummerDate)
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn series(&self) -> Series {
        self.series
    }

    /// The birth date the number encodes, when it encodes one (F3).
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// Age in whole years on `day` (F4), when the birth date is known.
    pub fn age_on(&self, day: NaiveDate) -> Option<u32> {
        self.birth_date.map(|b| age_on(b, day))
    }

    /// The full number, for storage and for the payment provider only. Never print it (P3).
    pub fn expose(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The masked form shown on screen: `DDMMYY *****` (P3).
    pub fn masked(&self) -> String {
        let full = self.expose();
        format!("{} *****", &full[..6])
    }
}

impl fmt::Debug for Fodselsnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fodselsnummer({})", self.masked())
    }
}

impl fmt::Display for Fodselsnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Age in whole years on `day` of someone born on `birth` (F4). Someone born on 29 February has their
/// birthday on 1 March in years without one: they are not older until that day has come.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChecksumRule {
    Classic,
    /// Valid only under the 2032 rule, where the first control digit may leave remainder 0–3.
    Rule2032,
}

/// F1: both control digits. Returns which rule accepted the number.
fn checksum_rule(d: &[u8; 11]) -> Option<ChecksumRule> {
    const W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
    const W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let s1: u32 = W1.iter().zip(d).map(|(w, x)| w * u32::from(*x)).sum::<u32>() + u32::from(d[9]);
    let s2: u32 = W2.iter().zip(d).map(|(w, x)| w * u32::from(*x)).sum::<u32>() + u32::from(d[10]);
    if !s2.is_multiple_of(11) {
        return None;
    }
    match s1 % 11 {
        0 => Some(ChecksumRule::Classic),
        1..=3 => Some(ChecksumRule::Rule2032),
        _ => None,
    }
}

/// F3: the century of an ordinary number from its individual number.
fn classic_century(individual: u32, yy: u32) -> Option<u32> {
    match (individual, yy) {
        (0..=499, _) => Some(1900),
        (500..=749, 54..=99) => Some(1800),
        (500..=999, 0..=39) => Some(2000),
        (900..=999, 40..=99) => Some(1900),
        _ => None,
    }
}

/// F3 for D-numbers after Skatteetaten widened the series in 2021.
fn d_number_century(individual: u32, yy: u32) -> Option<u32> {
    match (individual, yy) {
        (0..=199, 0..=39) => Some(1900),
        (200..=999, 0..=39) => Some(2000),
        (500..=599, 58..=99) => Some(1800),
        (500..=599, 40..=57) => None,
        (_, 40..=99) => Some(1900),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// F1–F4: every row of the shared test-vector file.
    #[test]
    fn f1_f4_every_vector_row() {
        let mut reader =
            csv::Reader::from_reader(&include_bytes!("../tests/data/fodselsnummer-test-vectors.csv")[..]);
        let mut rows = 0;
        for row in reader.records() {
            let row = row.unwrap();
            let (number, expected, birth) = (&row[0], &row[5], &row[4]);
            let got = Fodselsnummer::parse(number);
            if expected.starts_with("valid") {
                let fnr = got.unwrap_or_else(|e| panic!("{number} should be valid ({expected}): {e}"));
                let want = (!birth.is_empty()).then(|| NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap());
                if expected.contains("2032 rule only") {
                    // F3a: no date is derived; with the confirmed year the file's date comes back.
                    assert_eq!(fnr.birth_date(), None, "{number}");
                    assert!(fnr.needs_birth_year(), "{number}");
                    let want = want.unwrap();
                    assert_eq!(fnr.birth_date_in(want.year()), Ok(want), "{number}");
                } else {
                    assert_eq!(fnr.birth_date(), want, "{number}");
                }
                assert_eq!(fnr.kind() == IdKind::DNumber, row[1].starts_with('D'), "{number}");
            } else {
                assert!(got.is_err(), "{number} should be invalid ({expected})");
            }
            rows += 1;
        }
        assert!(rows >= 60, "only {rows} rows read");
    }

    /// F3a: 30108299939 is valid only under the 2032 rule: no age is read from it. Confirmed as born
    /// in 1982 it gives 30.10.1982; a year that does not end in 82 is refused.
    #[test]
    fn f3a_a_2032_rule_number_tells_no_century() {
        let fnr = Fodselsnummer::parse("30108299939").unwrap();
        assert_eq!(fnr.birth_date(), None);
        assert_eq!(fnr.age_on(date(2026, 6, 1)), None);
        assert!(fnr.needs_birth_year());
        assert_eq!(fnr.birth_date_in(1982), Ok(date(1982, 10, 30)));
        assert_eq!(
            fnr.birth_date_in(1983),
            Err(Invalid::BirthYearMismatch {
                year: 1983,
                digits: "82".into()
            })
        );
        // The same date under the classic rule still tells its century.
        let classic = Fodselsnummer::parse("30108299920").unwrap();
        assert_eq!(classic.birth_date(), Some(date(1982, 10, 30)));
        assert!(!classic.needs_birth_year());
        // An FH-number has no date at all.
        assert!(!Fodselsnummer::parse("81234567802").unwrap().needs_birth_year());
    }

    #[test]
    fn f1_the_2032_rule_is_accepted_beside_the_classic_one() {
        assert!(Fodselsnummer::parse("30108299920").is_ok());
        assert!(Fodselsnummer::parse("30108299939").is_ok());
        assert_eq!(
            Fodselsnummer::parse("02013299987"),
            Err(Invalid::FodselsnummerChecksum)
        );
    }

    #[test]
    fn f2_series_are_recognised() {
        assert_eq!(
            Fodselsnummer::parse("03851598730").unwrap().series(),
            Series::TenorSynthetic
        );
        assert_eq!(
            Fodselsnummer::parse("15507600333").unwrap().series(),
            Series::HOrNavSynthetic
        );
        assert_eq!(
            Fodselsnummer::parse("20036914700").unwrap().series(),
            Series::Real
        );
        assert_eq!(
            Fodselsnummer::parse("81234567802").unwrap().kind(),
            IdKind::FhNumber
        );
    }

    #[test]
    fn f1_input_errors_are_told_apart() {
        assert_eq!(
            Fodselsnummer::parse("1234567890"),
            Err(Invalid::FodselsnummerLength)
        );
        assert_eq!(
            Fodselsnummer::parse("1234567891A"),
            Err(Invalid::FodselsnummerDigits)
        );
        assert_eq!(
            Fodselsnummer::parse("29029900157"),
            Err(Invalid::FodselsnummerDate)
        );
        assert_eq!(
            Fodselsnummer::parse("03119975246"),
            Err(Invalid::FodselsnummerCentury)
        );
        assert!(Fodselsnummer::parse("200369 14700").is_ok());
    }

    /// F4 vectors: 18 on 2026-06-01 exactly, 17 the day before the birthday.
    #[test]
    fn f4_age_on_a_day() {
        let on = date(2026, 6, 1);
        assert_eq!(Fodselsnummer::parse("01860899813").unwrap().age_on(on), Some(18));
        assert_eq!(Fodselsnummer::parse("02860899933").unwrap().age_on(on), Some(17));
        assert_eq!(Fodselsnummer::parse("31850899927").unwrap().age_on(on), Some(18));
        assert_eq!(Fodselsnummer::parse("24921099912").unwrap().age_on(on), Some(15));
        assert_eq!(Fodselsnummer::parse("81234567802").unwrap().age_on(on), None);
        // Born 29.02.2000: 18 on 1 March 2018, still 17 on 28 February 2018.
        assert_eq!(age_on(date(2000, 2, 29), date(2018, 2, 28)), 17);
        assert_eq!(age_on(date(2000, 2, 29), date(2018, 3, 1)), 18);
    }

    #[test]
    fn p3_debug_and_display_never_show_the_full_number() {
        let fnr = Fodselsnummer::parse("20036914700").unwrap();
        assert_eq!(fnr.to_string(), "200369 *****");
        assert!(!format!("{fnr:?}").contains("14700"));
        assert_eq!(fnr.expose(), "20036914700");
    }
}
