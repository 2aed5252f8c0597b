//! Consent records (F7): appended, never edited, each queued for the central store in the transaction
//! that writes it; the customer's `marketing_consent` mirrors the newest record.

use chrono::{DateTime, Utc};
use skranke_core::{ConsentChannel, ConsentPurpose, ConsentRecord};
use skranke_protocol::{ConsentRecorded, MutationKind};
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::outbox::enqueue_next;
use crate::{Cache, CacheError};

impl Cache {
    /// Appends a record for a stored customer and queues it for the central store, in one transaction.
    pub async fn record_consent(
        &self,
        customer_id: &str,
        record: &ConsentRecord,
        now: DateTime<Utc>,
    ) -> Result<Uuid, CacheError> {
        let mut tx = self.write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ?")
            .bind(customer_id)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(CacheError::CustomerNotFound(customer_id.to_string()));
        }
        let id = append(&mut tx, customer_id, record, now).await?;
        crate::audit::append(
            &mut tx,
            &self.actor(),
            if record.given {
                "samtykke til markedsføring gitt"
            } else {
                "samtykke til markedsføring trukket"
            },
            customer_id,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A customer's consent records, oldest first.
    pub async fn consent_records(&self, customer_id: &str) -> Result<Vec<ConsentRecord>, CacheError> {
        let rows = sqlx::query(
            "SELECT purpose, given, at_utc, staff, channel, text_version, text FROM consent_records
             WHERE customer_id = ? ORDER BY at_utc, rowid",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let corrupt = |what: &str| CacheError::Corrupt(format!("samtykke: {what}"));
                let at: String = r.try_get("at_utc")?;
                let purpose: String = r.try_get("purpose")?;
                let channel: String = r.try_get("channel")?;
                Ok(ConsentRecord {
                    purpose: ConsentPurpose::from_code(&purpose).ok_or_else(|| corrupt("formål"))?,
                    given: r.try_get("given")?,
                    at: DateTime::parse_from_rfc3339(&at)
                        .map_err(|_| corrupt("tid"))?
                        .with_timezone(&Utc),
                    staff: r.try_get("staff")?,
                    channel: ConsentChannel::from_code(&channel).ok_or_else(|| corrupt("kanal"))?,
                    text_version: r.try_get("text_version")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }
}

/// Writes a record, sets the customer's current choice from it, and queues `consent_recorded`.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Sqlite>,
    customer_id: &str,
    record: &ConsentRecord,
    now: DateTime<Utc>,
) -> Result<Uuid, CacheError> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO consent_records (id, customer_id, purpose, given, at_utc, staff, channel, text_version, text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(customer_id)
    .bind(record.purpose.code())
    .bind(record.given)
    .bind(record.at.to_rfc3339())
    .bind(&record.staff)
    .bind(record.channel.code())
    .bind(record.text_version)
    .bind(&record.text)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE customers SET marketing_consent = ?, updated_at = ? WHERE id = ?")
        .bind(record.given)
        .bind(now.to_rfc3339())
        .bind(customer_id)
        .execute(&mut **tx)
        .await?;
    let payload = serde_json::to_string(&ConsentRecorded {
        record_id: id,
        customer_id: Uuid::parse_str(customer_id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
        record: record.clone(),
    })?;
    enqueue_next(tx, MutationKind::ConsentRecorded, None, &payload, now).await?;
    Ok(id)
}
