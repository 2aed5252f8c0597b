//! Consent as records (F6, F7): marketing consent given or withdrawn, with when, by whom, on which
//! channel and the exact text read to the customer; and for card and Vipps orders, the staff's
//! confirmation that the buyer is 15 or older or a guardian's consent (F6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// F7: what a consent record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Offers and news by e-mail and SMS.
    Marketing,
}

impl ConsentPurpose {
    pub const fn code(self) -> &'static str {
        match self {
            ConsentPurpose::Marketing => "marketing",
        }
    }

    pub fn from_code(code: &str) -> Option<ConsentPurpose> {
        (code == "marketing").then_some(ConsentPurpose::Marketing)
    }
}

/// F7: how the customer gave or withdrew it. A phone desk takes consent on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChannel {
    Telefon,
}

impl ConsentChannel {
    pub const fn code(self) -> &'static str {
        match self {
            ConsentChannel::Telefon => "telefon",
        }
    }

    pub fn from_code(code: &str) -> Option<ConsentChannel> {
        (code == "telefon").then_some(ConsentChannel::Telefon)
    }
}

/// F7: the text read to the customer, with its version in the shop policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentText {
    pub version: u32,
    pub text: String,
}

impl ConsentText {
    pub fn marketing(policy: &crate::policy::ConsentPolicy) -> ConsentText {
        ConsentText {
            version: policy.marketing_text_version,
            text: policy.marketing_text.clone(),
        }
    }
}

/// F7: one decision of the customer's, kept as it was made: a later decision is a new record, never an
/// edit of this one. The customer's current choice is their newest record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
    pub at: DateTime<Utc>,
    /// The staff member who recorded it (their name as logged in).
    pub staff: String,
    pub channel: ConsentChannel,
    /// The version of the policy's text, and the exact text read to the customer (empty on withdrawal:
    /// nothing has to be read to say no).
    pub text_version: u32,
    pub text: String,
}

impl ConsentRecord {
    /// Consent given on the phone to the text read aloud.
    pub fn given(text: &ConsentText, at: DateTime<Utc>, staff: &str) -> ConsentRecord {
        ConsentRecord {
            purpose: ConsentPurpose::Marketing,
            given: true,
            at,
            staff: staff.to_string(),
            channel: ConsentChannel::Telefon,
            text_version: text.version,
            text: text.text.clone(),
        }
    }

    /// Consent withdrawn on the phone.
    pub fn withdrawn(at: DateTime<Utc>, staff: &str) -> ConsentRecord {
        ConsentRecord {
            purpose: ConsentPurpose::Marketing,
            given: false,
            at,
            staff: staff.to_string(),
            channel: ConsentChannel::Telefon,
            text_version: 0,
            text: String::new(),
        }
    }

    /// "Samtykke til markedsføring gitt 23.11.2026 14:02 av Kari (telefon, tekst v1)" for screens.
    pub fn summary(&self, local: chrono::NaiveDateTime) -> String {
        let what = if self.given { "gitt" } else { "trukket" };
        let version = if self.given {
            format!(", tekst v{}", self.text_version)
        } else {
            String::new()
        };
        format!(
            "Samtykke til markedsføring {what} {} av {} ({}{version})",
            local.format("%d.%m.%Y %H:%M"),
            self.staff,
            self.channel.code()
        )
    }
}

/// F6: how an order's buyer was found old enough to give their own personal data, or who consented for
/// them. Stored with the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgeCheck {
    /// Faktura or delbetaling: the fødselsnummer (with a confirmed birth year, F3a) shows 18 or older.
    FromFodselsnummer,
    /// Card or Vipps: staff asked and the customer confirmed being 15 or older.
    ConfirmedFifteenOrOlder,
    /// Under 15, or not confirmed: a parent or guardian consented on the phone.
    GuardianConsent { name: String, relation: String },
}

impl AgeCheck {
    /// What the order shows.
    pub fn text(&self) -> String {
        match self {
            AgeCheck::FromFodselsnummer => "Alder kontrollert med fødselsnummer (18 år eller eldre).".into(),
            AgeCheck::ConfirmedFifteenOrOlder => "Kunden bekreftet å være 15 år eller eldre.".into(),
            AgeCheck::GuardianConsent { name, relation } => {
                format!("Samtykke fra foresatt: {name} ({relation}).")
            }
        }
    }
}

/// F6 as recorded on a placed order: the check, when, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeRecord {
    pub check: AgeCheck,
    pub at: DateTime<Utc>,
    pub staff: String,
}
