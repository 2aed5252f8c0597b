//! The outbox: mutations waiting for the central store, in the device's gap-free `seq` order.

use chrono::{DateTime, Utc};
use skranke_protocol::MutationKind;
use sqlx::{Row, Sqlite, Transaction};

use crate::{sha256_hex, Cache, CacheError};

/// One mutation about to be queued, inside the transaction that makes the change it describes.
pub(crate) struct NewMutation<'a> {
    /// From the device's counter, taken in the same transaction (gap-free).
    pub seq: i64,
    pub mutation_id: &'a str,
    pub kind: MutationKind,
    pub order_id: &'a str,
    /// JSON; its SHA-256 travels with it so a replay can be told from a different mutation.
    pub payload: &'a str,
}

/// Queues a mutation for the central store in the caller's transaction.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'_, Sqlite>,
    m: NewMutation<'_>,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    sqlx::query(
        "INSERT INTO outbox (seq, mutation_id, kind, order_id, payload, payload_sha256, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(m.seq)
    .bind(m.mutation_id)
    .bind(m.kind.code())
    .bind(m.order_id)
    .bind(m.payload)
    .bind(sha256_hex(m.payload.as_bytes()))
    .bind(now.to_rfc3339())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

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
