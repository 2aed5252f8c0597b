//! The order being typed, kept on disk as staff type it.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Cache, CacheError};

impl Cache {
    /// Replaces the saved draft (the order id and the form as JSON, sealed: it may hold a fødselsnummer).
    pub async fn save_draft(&self, order_id: &str, body: &str, now: DateTime<Utc>) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO draft (id, order_id, body, updated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET order_id = excluded.order_id, body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(order_id)
        .bind(self.key.seal(body, order_id)?)
        .bind(now.to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The saved draft: order id and JSON.
    pub async fn load_draft(&self) -> Result<Option<(String, String)>, CacheError> {
        let row = sqlx::query("SELECT order_id, body FROM draft WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let order_id: String = row.try_get("order_id")?;
        let body: String = row.try_get("body")?;
        let body = self.key.open(&body, &order_id)?;
        Ok(Some((order_id, body)))
    }

    pub async fn discard_draft(&self) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM draft").execute(&self.pool).await?;
        Ok(())
    }
}
