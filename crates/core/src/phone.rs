//! Norwegian phone numbers to E.164, mobile or not (rule F5).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Invalid;

/// A Norwegian phone number a person can be reached on: +47 and 8 digits (F5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    /// The 8 national digits.
    national: String,
}

impl PhoneNumber {
    /// Normalises `+47 412 34 567`, `0047 98765432`, `(+47) 22-12-34-56`, `22.12.34.56`.
    pub fn parse(text: &str) -> Result<PhoneNumber, Invalid> {
        let mut compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
            .collect();
        if let Some(rest) = compact
            .strip_prefix("+47")
            .or_else(|| compact.strip_prefix("0047"))
        {
            compact = rest.to_string();
        } else if compact.len() == 10 && compact.starts_with("47") {
            // MSISDN form, as Vipps writes it.
            compact = compact[2..].to_string();
        }
        if compact.len() != 8 || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::PhoneFormat);
        }
        match compact.as_bytes()[0] {
            // 0xxxx and 1xx are special service numbers; 58 and 59 are machine-to-machine.
            b'0' | b'1' => return Err(Invalid::PhoneNotPersonal),
            b'5' if matches!(compact.as_bytes()[1], b'8' | b'9') => return Err(Invalid::PhoneNotPersonal),
            _ => {}
        }
        Ok(PhoneNumber { national: compact })
    }

    /// Parses and requires a mobile number (needed for Vipps and SMS links, F5).
    pub fn parse_mobile(text: &str) -> Result<PhoneNumber, Invalid> {
        let number = PhoneNumber::parse(text)?;
        if number.is_mobile() {
            Ok(number)
        } else {
            Err(Invalid::PhoneNotMobile)
        }
    }

    /// Mobile numbers begin with 4 or 9 (Nkom's numbering plan).
    pub fn is_mobile(&self) -> bool {
        matches!(self.national.as_bytes()[0], b'4' | b'9')
    }

    pub fn national(&self) -> &str {
        &self.national
    }

    /// `+4741234567`, the form stored (F5).
    pub fn e164(&self) -> String {
        format!("+47{}", self.national)
    }

    /// `4741234567`, the form Vipps' API wants.
    pub fn msisdn(&self) -> String {
        format!("47{}", self.national)
    }

    /// `412 34 567` for mobiles, `22 12 34 56` for fixed numbers: how Norwegians write them.
    pub fn display_national(&self) -> String {
        let n = &self.national;
        if self.is_mobile() {
            format!("{} {} {}", &n[..3], &n[3..5], &n[5..])
        } else {
            format!("{} {} {} {}", &n[..2], &n[2..4], &n[4..6], &n[6..])
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+47 {}", self.display_national())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> String {
        value.e164()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F5 vectors from the research report's table.
    #[test]
    fn f5_vectors() {
        let p = PhoneNumber::parse("+47 412 34 567").unwrap();
        assert_eq!(
            (p.national(), p.is_mobile(), p.msisdn().as_str()),
            ("41234567", true, "4741234567")
        );
        assert_eq!(PhoneNumber::parse("91234567").unwrap().e164(), "+4791234567");
        assert_eq!(
            PhoneNumber::parse("0047 98765432").unwrap().msisdn(),
            "4798765432"
        );
        let fixed = PhoneNumber::parse("22 12 34 56").unwrap();
        assert!(!fixed.is_mobile());
        assert_eq!(
            PhoneNumber::parse_mobile("22 12 34 56"),
            Err(Invalid::PhoneNotMobile)
        );
        assert_eq!(PhoneNumber::parse("59123456"), Err(Invalid::PhoneNotPersonal));
        for bad in [
            "1234567",
            "812345678",
            "02000",
            "+46 70 123 45 67",
            "+47 58 12 34 56 78 90",
        ] {
            assert!(PhoneNumber::parse_mobile(bad).is_err(), "{bad}");
        }
        assert_eq!(p.to_string(), "+47 412 34 567");
        assert_eq!(fixed.to_string(), "+47 22 12 34 56");
    }
}
