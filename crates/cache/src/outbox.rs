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
    /// The order the mutation is about, if any (a customer saved on its own has none).
    pub order_id: Option<&'a str>,
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

/// Queues a mutation under the next seq of the device's counter, in the caller's transaction.
pub(crate) async fn enqueue_next(
    tx: &mut Transaction<'_, Sqlite>,
    kind: MutationKind,
    order_id: Option<&str>,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    let seq: i64 =
        sqlx::query_scalar("UPDATE device SET next_seq = next_seq + 1 WHERE id = 1 RETURNING next_seq - 1")
            .fetch_one(&mut **tx)
            .await?;
    let mutation_id = uuid::Uuid::now_v7().to_string();
    let m = NewMutation {
        seq,
        mutation_id: &mutation_id,
        kind,
        order_id,
        payload,
    };
    enqueue(tx, m, now).await
}

/// One mutation not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    /// The seq the central store knows it by (the outbox's seq less the pairing's offset).
    pub wire_seq: i64,
    pub mutation_id: String,
    pub kind: String,
    pub payload: String,
    pub payload_sha256: String,
}

impl Cache {
    /// Every unacknowledged mutation, oldest first.
    pub async fn outbox_pending(&self) -> Result<Vec<OutboxEntry>, CacheError> {
        self.outbox_batch(u32::MAX).await
    }

    /// The oldest `limit` unacknowledged mutations, in seq order.
    pub async fn outbox_batch(&self, limit: u32) -> Result<Vec<OutboxEntry>, CacheError> {
        let rows = sqlx::query(
            "SELECT seq, seq - (SELECT seq_offset FROM device WHERE id = 1) AS wire_seq, mutation_id, kind,
                    payload, payload_sha256
             FROM outbox WHERE acked_at IS NULL ORDER BY seq LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEntry {
                    seq: r.try_get("seq")?,
                    wire_seq: r.try_get("wire_seq")?,
                    mutation_id: r.try_get("mutation_id")?,
                    kind: r.try_get("kind")?,
                    payload: r.try_get("payload")?,
                    payload_sha256: r.try_get("payload_sha256")?,
                })
            })
            .collect()
    }
}

/// What acknowledging a push changed on the desk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckReport {
    pub acknowledged: u32,
    /// Order numbers the central store refused or flagged: a person must look at them.
    pub needs_attention: Vec<String>,
}

impl Cache {
    /// Records the central store's answer to a push, in one transaction: each entry is acknowledged
    /// with its result; an order gets the outcome, flags or refusal; an acknowledged order's
    /// fødselsnummer is deleted (P3). An entry is never deleted.
    pub async fn record_push(
        &self,
        results: &[skranke_protocol::MutationResult],
        now: DateTime<Utc>,
    ) -> Result<AckReport, CacheError> {
        use skranke_protocol::Outcome;
        let mut tx = self.write().await?;
        let offset: i64 = sqlx::query_scalar("SELECT seq_offset FROM device WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let mut report = AckReport::default();
        for r in results {
            let row = sqlx::query(
                "UPDATE outbox SET acked_at = ?, result = ? WHERE seq = ? AND mutation_id = ? AND acked_at IS NULL
                 RETURNING kind, order_id",
            )
            .bind(now.to_rfc3339())
            .bind(serde_json::to_string(r)?)
            .bind(r.seq + offset)
            .bind(r.mutation_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { continue };
            report.acknowledged += 1;
            let kind: String = row.try_get("kind")?;
            let order_id: Option<String> = row.try_get("order_id")?;
            let Some(order_id) = order_id else { continue };
            if kind == MutationKind::OrderChanged.code() {
                crate::order_change::answered(
                    &mut tx,
                    &r.mutation_id.to_string(),
                    r.rejection.as_ref().map(|j| j.message.as_str()),
                )
                .await?;
                if r.outcome == Outcome::Rejected {
                    let number: Option<String> =
                        sqlx::query_scalar("SELECT order_number FROM orders WHERE id = ?")
                            .bind(&order_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    report.needs_attention.extend(number);
                }
            }
            // An exchange's answer is its new order's, as a placed order's is.
            if kind != MutationKind::OrderPlaced.code() && kind != MutationKind::ExchangeRegistered.code() {
                // A follow-up (payment request, e-mail resend, change, cancellation): its refusal is
                // shown on the order.
                sqlx::query("UPDATE orders SET followup_message = ? WHERE id = ?")
                    .bind(r.rejection.as_ref().map(|j| j.message.clone()))
                    .bind(&order_id)
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
            let number: Option<String> = sqlx::query_scalar(
                "UPDATE orders SET central_outcome = ?, central_flags = ?, central_message = ? WHERE id = ?
                 RETURNING order_number",
            )
            .bind(r.outcome.code())
            .bind(serde_json::to_string(&r.flags)?)
            .bind(r.rejection.as_ref().map(|j| j.message.clone()))
            .bind(&order_id)
            .fetch_optional(&mut *tx)
            .await?;
            if r.outcome != Outcome::Applied {
                report.needs_attention.extend(number);
            }
            sqlx::query("DELETE FROM order_identity WHERE order_id = ?")
                .bind(&order_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// The central store lost what it had acknowledged (restored from a backup) and expects `wire_seq`
    /// next: every entry from there is sent again.
    pub async fn reopen_outbox_from(&self, wire_seq: i64) -> Result<u64, CacheError> {
        let done = sqlx::query(
            "UPDATE outbox SET acked_at = NULL WHERE seq >= ? + (SELECT seq_offset FROM device WHERE id = 1)",
        )
        .bind(wire_seq)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
