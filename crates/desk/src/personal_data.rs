//! F8 for staff: show a customer everything the desk holds about them, or delete it as far as the
//! bokføringsloven retention allows. The customer is named by their phone number.

use chrono::{DateTime, Utc};
use skranke_cache::ForgetReport;
use skranke_core::retention::{erased_text, kept_text};
use skranke_core::{FieldError, PhoneNumber};

use crate::{oslo_time, Desk, DeskError};

impl Desk {
    /// Everything the desk holds about the customer with this phone, as JSON. The audit log records
    /// that an export was made (not for whom).
    pub async fn customer_export(
        &self,
        who: &crate::staff::Acting,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, DeskError> {
        self.as_actor(who);
        let phone = parse_phone(phone)?;
        let data = self.cache().customer_export(&phone.e164()).await?;
        self.cache()
            .record_audit("kundedata eksportert (F8)", "", now)
            .await?;
        Ok(data)
    }

    /// Writes the export to `dokumenter/kunde-<phone>-<date>.json` for staff to send the customer.
    pub async fn customer_export_file(
        &self,
        who: &crate::staff::Acting,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<crate::WrittenDocument, DeskError> {
        self.as_actor(who);
        let parsed = parse_phone(phone)?;
        let data = self.customer_export(who, phone, now).await?;
        let text = serde_json::to_vec_pretty(&data).map_err(|e| DeskError::Io {
            context: "kundens data".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let name = format!(
            "kunde-{}-{}.json",
            parsed.e164().trim_start_matches('+'),
            oslo_time(now).format("%Y%m%d")
        );
        let path = self.write_document(&name, &text)?;
        Ok(crate::WrittenDocument {
            path_text: path.display().to_string(),
            document: crate::DocumentRef::CustomerExport { file_name: name },
        })
    }

    /// Deletes what the law does not require the shop to keep about this customer (F8).
    pub async fn forget_customer(
        &self,
        who: &crate::staff::Acting,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<ForgetReport, DeskError> {
        self.as_actor(who);
        let phone = parse_phone(phone)?;
        let today = oslo_time(now).date();
        Ok(self.cache().forget_customer(&phone.e164(), today, now).await?)
    }
}

fn parse_phone(text: &str) -> Result<PhoneNumber, DeskError> {
    PhoneNumber::parse(text).map_err(|e| DeskError::Invalid(vec![FieldError::new("customer.phone", e)]))
}

/// What the report says to staff, a line each.
pub fn forget_report_lines(report: &ForgetReport) -> Vec<String> {
    let mut lines = vec![format!(
        "Kunderegisteret: {} oppføring(er) slettet.",
        report.customers_erased
    )];
    if report.fodselsnumre_deleted > 0 {
        lines.push(format!(
            "Fødselsnummer slettet fra {} ordre.",
            report.fodselsnumre_deleted
        ));
    }
    lines.extend(report.orders_erased.iter().map(|n| erased_text(n)));
    lines.extend(report.orders_kept.iter().map(|(n, until)| kept_text(n, *until)));
    for number in &report.orders_unsent {
        lines.push(format!(
            "Ordre {number} er ikke sendt til sentralen ennå; slett på nytt etter neste synkronisering."
        ));
    }
    if report.draft_discarded {
        lines.push("Utkastet på skjermen var denne kunden og er forkastet.".into());
    }
    lines
}
