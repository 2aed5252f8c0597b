//! F7: what staff read aloud before a customer says yes to marketing, what the customer has decided,
//! and withdrawing it when they call to say no.

use chrono::{DateTime, Utc};
use skranke_core::ConsentRecord;

use crate::{oslo_time, Desk, DeskError};

/// A customer's consent as the customer view shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentView {
    /// The customer's current choice: the newest record.
    pub marketing: bool,
    /// One line per record, newest first: "Samtykke til markedsføring gitt 23.11.2026 14:02 av Kari
    /// (telefon, tekst v1)".
    pub history: Vec<String>,
}

impl Desk {
    /// The text staff read aloud beside the marketing checkbox (shop policy, versioned).
    pub fn marketing_consent_text(&self) -> &str {
        &self.policy().consent.marketing_text
    }

    /// A stored customer's consent records.
    pub async fn customer_consent(
        &self,
        who: &crate::staff::Acting,
        customer_id: &str,
    ) -> Result<ConsentView, DeskError> {
        self.as_actor(who);
        let records = self.cache().consent_records(customer_id).await?;
        Ok(ConsentView {
            marketing: records.last().is_some_and(|r| r.given),
            history: records.iter().rev().map(|r| r.summary(oslo_time(r.at))).collect(),
        })
    }

    /// F7: the customer says no: a "withdrawn" record by the logged-in staff member, on the phone, now.
    pub async fn withdraw_marketing_consent(
        &self,
        who: &crate::staff::Acting,
        customer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ConsentView, DeskError> {
        self.as_actor(who);
        self.cache()
            .record_consent(customer_id, &ConsentRecord::withdrawn(now, who.name()), now)
            .await?;
        self.customer_consent(who, customer_id).await
    }
}
