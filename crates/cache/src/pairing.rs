//! The desk's pairing with a central store, and the sync state the desk shows.

use chrono::{DateTime, Utc};
use skranke_protocol::PairResponse;
use sqlx::Row;

use crate::{Cache, CacheError};

/// Who this desk is to the central store.
#[derive(Clone, PartialEq, Eq)]
pub struct Pairing {
    pub central_url: String,
    pub token: String,
    pub device_id: String,
    pub store_id: String,
    pub store_name: String,
    pub series: String,
}

impl std::fmt::Debug for Pairing {
    // The token is a secret: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing")
            .field("central_url", &self.central_url)
            .field("device_id", &self.device_id)
            .field("store_id", &self.store_id)
            .field("series", &self.series)
            .finish_non_exhaustive()
    }
}

/// What the desk knows about its sync, from its own file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub paired: Option<Pairing>,
    /// What staff made that the central store has not acknowledged (orders, returns, resends); the
    /// audit entries travelling with them are not counted.
    pub pending: u32,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub last_good_sync_at: Option<DateTime<Utc>>,
    /// The central store's clock less this PC's at the last good sync, and when (issue 21).
    pub clock_offset_ms: Option<i64>,
    pub clock_measured_at: Option<DateTime<Utc>>,
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

impl Cache {
    pub async fn pairing(&self) -> Result<Option<Pairing>, CacheError> {
        let row = sqlx::query(
            "SELECT central_url, token, device_id, store_id, store_name, series_prefix FROM device
             WHERE id = 1 AND token IS NOT NULL",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Pairing {
                central_url: r.try_get("central_url")?,
                token: r.try_get("token")?,
                device_id: r.try_get("device_id")?,
                store_id: r.try_get("store_id")?,
                store_name: r.try_get("store_name")?,
                series: r.try_get("series_prefix")?,
            })
        })
        .transpose()
    }

    /// Records a pairing. New orders take the central store's series from 1; the outbox keeps its
    /// entries, and the first one not yet acknowledged becomes the new device's mutation 1.
    pub async fn set_pairing(
        &self,
        central_url: &str,
        paired: &PairResponse,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE device SET
                 seq_offset = coalesce((SELECT min(seq) FROM outbox WHERE acked_at IS NULL), next_seq) - 1,
                 device_id = ?, series_prefix = ?, next_number = 1, central_url = ?, token = ?,
                 store_id = ?, store_name = ?, paired_at = ?
             WHERE id = 1",
        )
        .bind(paired.device_id.to_string())
        .bind(&paired.series)
        .bind(central_url.trim_end_matches('/'))
        .bind(&paired.token)
        .bind(&paired.store_id)
        .bind(&paired.store_name)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        // The streams start over: the central store is the truth from now on.
        sqlx::query("DELETE FROM sync_staging").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM sync_cursor").execute(&mut *tx).await?;
        // The store's own staff arrive with the staff stream; the demo person goes.
        sqlx::query("DELETE FROM staff WHERE demo = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn sync_state(&self) -> Result<SyncState, CacheError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM outbox WHERE acked_at IS NULL AND kind <> 'audit_recorded') AS pending,
                    (SELECT min(created_at) FROM outbox WHERE acked_at IS NULL) AS oldest,
                    last_good_sync_at, clock_offset_ms, clock_measured_at
             FROM device WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        let pending: i64 = row.try_get("pending")?;
        Ok(SyncState {
            paired: self.pairing().await?,
            pending: u32::try_from(pending).unwrap_or(u32::MAX),
            oldest_pending_at: parse_time(row.try_get("oldest")?),
            last_good_sync_at: parse_time(row.try_get("last_good_sync_at")?),
            clock_offset_ms: row.try_get("clock_offset_ms")?,
            clock_measured_at: parse_time(row.try_get("clock_measured_at")?),
        })
    }

    /// A push and a pull of every stream went through.
    pub async fn set_last_good_sync(&self, at: DateTime<Utc>) -> Result<(), CacheError> {
        sqlx::query("UPDATE device SET last_good_sync_at = ? WHERE id = 1")
            .bind(at.to_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Cache {
    /// Records how far off this PC's clock was at `at` (the central store's time).
    pub async fn record_clock_offset(&self, offset_ms: i64, at: DateTime<Utc>) -> Result<(), CacheError> {
        sqlx::query("UPDATE device SET clock_offset_ms = ?, clock_measured_at = ? WHERE id = 1")
            .bind(offset_ms)
            .bind(at.to_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// An order the central store refused or flagged, not yet dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionRow {
    pub order_number: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub rejected: bool,
    pub message: Option<String>,
    pub flags: Vec<skranke_protocol::Flag>,
}

impl Cache {
    /// Orders refused or flagged by the central store that staff have not marked as dealt with,
    /// newest first.
    pub async fn orders_needing_attention(&self, limit: u32) -> Result<Vec<AttentionRow>, CacheError> {
        let rows = sqlx::query(
            "SELECT order_number, customer_name, customer_phone, central_outcome, central_message, central_flags
             FROM orders
             WHERE central_outcome IN ('rejected', 'applied_with_flags') AND attention_done_at IS NULL
             ORDER BY placed_at_utc DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get("central_outcome")?;
                let flags: Option<String> = r.try_get("central_flags")?;
                Ok(AttentionRow {
                    order_number: r.try_get("order_number")?,
                    customer_name: r.try_get("customer_name")?,
                    customer_phone: r.try_get("customer_phone")?,
                    rejected: outcome == "rejected",
                    message: r.try_get("central_message")?,
                    flags: match flags {
                        Some(json) => serde_json::from_str(&json)?,
                        None => Vec::new(),
                    },
                })
            })
            .collect()
    }

    /// Staff have told the customer: the order leaves the list.
    pub async fn mark_attention_done(
        &self,
        order_number: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, CacheError> {
        let done = sqlx::query("UPDATE orders SET attention_done_at = ? WHERE order_number = ?")
            .bind(at.to_rfc3339())
            .bind(order_number)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
