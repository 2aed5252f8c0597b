//! Notes staff leave on a customer (issue 20): "ring etter 16", "vil ha faktura til firma". Kept on
//! this desk; forgotten with the customer, and moved with them when the central store merges them.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Cache, CacheError};

/// A note as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerNote {
    pub text: String,
    pub staff: String,
    pub at: DateTime<Utc>,
}

impl Cache {
    /// Adds a note by the acting person.
    pub async fn add_customer_note(
        &self,
        customer_id: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let staff = self.actor().name;
        sqlx::query("INSERT INTO customer_notes (customer_id, text, staff, at) VALUES (?, ?, ?, ?)")
            .bind(customer_id)
            .bind(text)
            .bind(staff)
            .bind(now.to_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The customer's notes, newest first.
    pub async fn customer_notes(
        &self,
        customer_id: &str,
        limit: u32,
    ) -> Result<Vec<CustomerNote>, CacheError> {
        let rows = sqlx::query(
            "SELECT text, staff, at FROM customer_notes WHERE customer_id = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(customer_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let at: String = r.try_get("at")?;
                Ok(CustomerNote {
                    text: r.try_get("text")?,
                    staff: r.try_get("staff")?,
                    at: DateTime::parse_from_rfc3339(&at)
                        .map_err(|e| CacheError::Corrupt(format!("notatets tid: {e}")))?
                        .with_timezone(&Utc),
                })
            })
            .collect()
    }
}
