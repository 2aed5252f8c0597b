//! E-mail address syntax, as far as a phone order needs it.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Invalid;

/// A syntactically valid e-mail address whose domain has a dot (a shop mails real domains only).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, Invalid> {
        let t = text.trim();
        let parsed = email_address::EmailAddress::parse_with_options(t, email_address::Options::default())
            .map_err(|_| Invalid::Email)?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') || t.len() > 254 {
            return Err(Invalid::Email);
        }
        // The domain part is case-insensitive; the local part is kept as typed.
        Ok(Email(format!(
            "{}@{}",
            parsed.local_part(),
            domain.to_lowercase()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(
            Email::parse(" Kari.Nordmann@Example.NO ").unwrap().as_str(),
            "Kari.Nordmann@example.no"
        );
        assert!(Email::parse("ola+ordre@post.terjesen.no").is_ok());
    }

    #[test]
    fn refuses_what_cannot_be_mailed() {
        for bad in [
            "",
            "kari",
            "kari@",
            "@example.no",
            "kari@localhost",
            "kari@@example.no",
            "kari nordmann@example.no",
            "kari@example.",
        ] {
            assert_eq!(Email::parse(bad), Err(Invalid::Email), "{bad}");
        }
    }
}
