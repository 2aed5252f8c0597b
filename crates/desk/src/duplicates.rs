//! Creating a customer who may exist already (issue 20, item 3): the existing one is shown first,
//! with why, before a second record of the same person is made.

use serde::Serialize;
use skranke_core::duplicates::{duplicate_of, Probe};
use skranke_core::order::{Address, Customer, CustomerDraft};
use skranke_core::{Email, PhoneNumber};

use crate::views::CustomerView;
use crate::{Desk, DeskError};

/// An existing customer who may be the one being typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuplicateView {
    pub customer: CustomerView,
    /// "Samme telefonnummer", "Samme navn og adresse (skrevet litt ulikt)" ...
    pub reason: String,
}

/// How many customers at one postcode are looked at: enough for any town, and folding them takes
/// well under a millisecond.
const CANDIDATES: u32 = 2000;
/// How many are shown.
const SHOWN: usize = 5;

impl Desk {
    /// The stored customers who may be the one in `draft`, strongest reason first. The customer an
    /// order would update anyway (the same phone and name) is not a duplicate and is left out.
    pub async fn duplicate_customers(&self, draft: &CustomerDraft) -> Result<Vec<DuplicateView>, DeskError> {
        let phone = PhoneNumber::parse(&draft.phone).ok();
        let email = Email::parse(&draft.email).ok();
        let postcode = draft.address.postcode.trim();
        if phone.is_none() && email.is_none() && (draft.name.trim().is_empty() || postcode.is_empty()) {
            return Ok(Vec::new());
        }
        let probe = Probe {
            phone: phone.as_ref(),
            email: email.as_ref(),
            name: &draft.name,
            line1: &draft.address.line1,
            postcode,
        };
        let candidates = self
            .cache()
            .duplicate_candidates(
                phone.as_ref().map(PhoneNumber::e164).as_deref(),
                email.as_ref().map(Email::as_str),
                postcode,
                CANDIDATES,
            )
            .await?;
        let mut found: Vec<(skranke_core::duplicates::DuplicateMatch, DuplicateView)> = candidates
            .into_iter()
            .filter(|c| {
                let this_one = phone.as_ref().is_some_and(|p| p.e164() == c.phone)
                    && c.name.trim().to_lowercase() == draft.name.trim().to_lowercase();
                !this_one
            })
            .filter_map(|record| {
                let existing = Customer {
                    company: None,
                    name: record.name.clone(),
                    phone: PhoneNumber::parse(&record.phone).ok()?,
                    email: record.email.as_deref().and_then(|e| Email::parse(e).ok()),
                    address: Address {
                        line1: record.address_line1.clone(),
                        line2: record.address_line2.clone(),
                        postcode: record.postcode.clone(),
                        place: record.place.clone(),
                    },
                    marketing_consent: false,
                    marketing_consent_text: None,
                };
                let why = duplicate_of(&probe, &existing)?;
                Some((
                    why,
                    DuplicateView {
                        customer: CustomerView::from(record),
                        reason: why.text().to_string(),
                    },
                ))
            })
            .collect();
        found.sort_by_key(|(why, _)| *why);
        Ok(found.into_iter().take(SHOWN).map(|(_, v)| v).collect())
    }
}
