//! Quotes (tilbud, issue 20): a draft saved with its prices, numbered in the desk's own series, turned
//! into an order once.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use uuid::Uuid;

use crate::{Cache, CacheError};

/// A quote as the desk keeps it; `body` is the desk's JSON (the draft and the priced quote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuote {
    pub id: String,
    pub number: String,
    pub made_at: DateTime<Utc>,
    pub valid_through: NaiveDate,
    pub body: String,
    pub customer_name: String,
    pub total_ore: i64,
    pub converted_to: Option<String>,
    /// Where and when the quote was last e-mailed.
    pub sent: Option<(String, DateTime<Utc>)>,
}

impl Cache {
    /// Saves a quote under the next number of this desk's quote series; saving the same `id` again
    /// gives the quote already saved (a double click).
    pub async fn save_quote(
        &self,
        id: Uuid,
        made_at: DateTime<Utc>,
        valid_through: NaiveDate,
        body: &str,
        customer_name: &str,
        total_ore: i64,
    ) -> Result<StoredQuote, CacheError> {
        if let Some(q) = self.quote_by_id(&id.to_string()).await? {
            return Ok(q);
        }
        let mut tx = self.pool.begin().await?;
        let prefix: String = sqlx::query_scalar("SELECT series_prefix FROM device WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) + 1 FROM quotes")
            .fetch_one(&mut *tx)
            .await?;
        let number = format!("{prefix}-T{n:05}");
        sqlx::query(
            "INSERT INTO quotes (id, number, made_at, valid_through, body, customer_name, total_ore)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(&number)
        .bind(made_at.to_rfc3339())
        .bind(valid_through.to_string())
        .bind(self.key.seal(body, &id.to_string())?)
        .bind(customer_name)
        .bind(total_ore)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.quote_by_id(&id.to_string())
            .await?
            .ok_or_else(|| CacheError::Corrupt(format!("tilbudet {number} ble ikke lagret")))
    }

    async fn quote_by_id(&self, id: &str) -> Result<Option<StoredQuote>, CacheError> {
        let row = sqlx::query("SELECT * FROM quotes WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.quote_from(&r)).transpose()
    }

    /// A quote by its number, as the customer reads it from their PDF (case and spaces do not matter).
    pub async fn quote_by_number(&self, number: &str) -> Result<Option<StoredQuote>, CacheError> {
        let row = sqlx::query("SELECT * FROM quotes WHERE number = ?")
            .bind(number.trim().to_uppercase())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| self.quote_from(&r)).transpose()
    }

    /// Records the order a quote became; a quote becomes one order only.
    pub async fn quote_converted(&self, number: &str, order_number: &str) -> Result<(), CacheError> {
        sqlx::query("UPDATE quotes SET converted_to = ? WHERE number = ? AND converted_to IS NULL")
            .bind(order_number)
            .bind(number)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues quote `number` for e-mail to `email` (the `quote_sent` payload), and records where it
    /// went, in one transaction.
    pub async fn send_quote(
        &self,
        number: &str,
        email: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        crate::outbox::enqueue_next(
            &mut tx,
            skranke_protocol::MutationKind::QuoteSent,
            None,
            payload,
            now,
        )
        .await?;
        sqlx::query("UPDATE quotes SET sent_to = ?, sent_at = ? WHERE number = ?")
            .bind(email)
            .bind(now.to_rfc3339())
            .bind(number)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn quote_from(&self, r: &sqlx::sqlite::SqliteRow) -> Result<StoredQuote, CacheError> {
        let id: String = r.try_get("id")?;
        let made_at: String = r.try_get("made_at")?;
        let through: String = r.try_get("valid_through")?;
        let sealed: String = r.try_get("body")?;
        Ok(StoredQuote {
            body: self.key.open(&sealed, &id)?,
            number: r.try_get("number")?,
            made_at: DateTime::parse_from_rfc3339(&made_at)
                .map_err(|e| CacheError::Corrupt(format!("tilbudets tid: {e}")))?
                .with_timezone(&Utc),
            valid_through: through
                .parse()
                .map_err(|e| CacheError::Corrupt(format!("tilbudets gyldighet: {e}")))?,
            customer_name: r.try_get("customer_name")?,
            total_ore: r.try_get("total_ore")?,
            converted_to: r.try_get("converted_to")?,
            sent: match (
                r.try_get::<Option<String>, _>("sent_to")?,
                r.try_get::<Option<String>, _>("sent_at")?,
            ) {
                (Some(to), Some(at)) => Some((
                    to,
                    DateTime::parse_from_rfc3339(&at)
                        .map_err(|e| CacheError::Corrupt(format!("tilbudet sendt: {e}")))?
                        .with_timezone(&Utc),
                )),
                _ => None,
            },
            id,
        })
    }
}
