//! The outbox: mutations waiting for the central store, in the device's gap-free `seq` order.

use sqlx::Row;

use crate::{Cache, CacheError};

/// One mutation not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub mutation_id: String,
    pub kind: String,
    pub payload: String,
    pub payload_sha256: String,
}

impl Cache {
    /// Every unacknowledged mutation, oldest first.
    pub async fn outbox_pending(&self) -> Result<Vec<OutboxEntry>, CacheError> {
        let rows = sqlx::query(
            "SELECT seq, mutation_id, kind, payload, payload_sha256 FROM outbox WHERE acked_at IS NULL ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEntry {
                    seq: r.try_get("seq")?,
                    mutation_id: r.try_get("mutation_id")?,
                    kind: r.try_get("kind")?,
                    payload: r.try_get("payload")?,
                    payload_sha256: r.try_get("payload_sha256")?,
                })
            })
            .collect()
    }
}
