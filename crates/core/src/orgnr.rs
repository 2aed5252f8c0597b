//! Organisasjonsnummer (rule F9).

use std::fmt;

use crate::Invalid;

/// A Norwegian organisation number: 9 digits, mod 11 with weights 3 2 7 6 5 4 3 2 (F9).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgNr(String);

impl OrgNr {
    /// Accepts `936016081`, `936 016 081` and `NO 936 016 081 MVA`.
    pub fn parse(text: &str) -> Result<OrgNr, Invalid> {
        let t = text.trim();
        let t = t.strip_prefix("NO").unwrap_or(t);
        let t = t.trim_end().strip_suffix("MVA").unwrap_or(t);
        let digits: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::OrgNr);
        }
        const W: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = W.iter().zip(&d).map(|(w, x)| w * x).sum();
        let control = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(Invalid::OrgNr),
            c => c,
        };
        if control != d[8] {
            return Err(Invalid::OrgNr);
        }
        Ok(OrgNr(digits))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// `936 016 081`, the grouping a sales document uses.
impl fmt::Display for OrgNr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl TryFrom<String> for OrgNr {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrgNr::parse(&value)
    }
}

impl From<OrgNr> for String {
    fn from(value: OrgNr) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f9_vectors() {
        assert!(OrgNr::parse("988077917").is_ok());
        assert_eq!(OrgNr::parse("988077918"), Err(Invalid::OrgNr));
        assert!(OrgNr::parse("NO 995 525 828 MVA").is_ok());
        assert_eq!(OrgNr::parse("NO 995 525 829 MVA"), Err(Invalid::OrgNr));
        assert_eq!(OrgNr::parse("936016081").unwrap().to_string(), "936 016 081");
        assert_eq!(OrgNr::parse("93601608"), Err(Invalid::OrgNr));
    }
}
