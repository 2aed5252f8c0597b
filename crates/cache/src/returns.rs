//! Returns: recorded with their outbox entry in one transaction, never more than was bought.

use chrono::{DateTime, Utc};
use skranke_core::ValidReturn;
use skranke_protocol::{MutationKind, ReturnRegistered};
use sqlx::Row;
use uuid::Uuid;

use crate::outbox::{enqueue, NewMutation};
use crate::{Cache, CacheError};

/// A return once it is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedReturn {
    pub return_id: Uuid,
    /// 1 for the order's first return, 2 for the next, ...
    pub return_no: i64,
    pub seq: i64,
    pub already_recorded: bool,
}

impl Cache {
    /// How many of each order line were returned before: index 0 is line 1.
    pub async fn returned_quantities(&self, order_id: &str) -> Result<Vec<u32>, CacheError> {
        let rows = sqlx::query(
            "SELECT l.line_no, coalesce((SELECT sum(rl.quantity) FROM return_lines rl JOIN returns r ON r.id = rl.return_id
                                          WHERE r.order_id = l.order_id AND rl.line_no = l.line_no), 0) AS returned
             FROM order_lines l WHERE l.order_id = ? ORDER BY l.line_no",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("returned")?;
                Ok(u32::try_from(n).unwrap_or(0))
            })
            .collect()
    }

    /// Records a validated return. Inside the transaction the quantities are checked again against what
    /// was bought and returned, so two windows cannot return the same item twice.
    pub async fn record_return(
        &self,
        order_id: &str,
        return_id: Uuid,
        ret: &ValidReturn,
        now: DateTime<Utc>,
    ) -> Result<RecordedReturn, CacheError> {
        let id = return_id.to_string();
        let mut tx = self.write().await?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE device SET next_seq = next_seq + 1 WHERE id = 1 RETURNING next_seq - 1",
        )
        .fetch_one(&mut *tx)
        .await?;
        let existing = sqlx::query("SELECT r.return_no, x.seq FROM returns r JOIN outbox x ON x.kind = 'return_registered' AND x.mutation_id = r.id WHERE r.id = ?")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = existing {
            tx.rollback().await?;
            return Ok(RecordedReturn {
                return_id,
                return_no: row.try_get("return_no")?,
                seq: row.try_get("seq")?,
                already_recorded: true,
            });
        }
        let return_no = insert_return(&mut tx, order_id, &id, ret, now).await?;
        let payload = serde_json::to_string(&ReturnRegistered {
            return_id,
            order_id: Uuid::parse_str(order_id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
            return_no,
            created_at_utc: now,
            ret: ret.clone(),
        })?;
        // The return's id is its mutation id: a retried registration is recognised above.
        let mutation = NewMutation {
            seq,
            mutation_id: &id,
            kind: MutationKind::ReturnRegistered,
            order_id: Some(order_id),
            payload: &payload,
        };
        enqueue(&mut tx, mutation, now).await?;
        let subject = format!("retur {return_no} av {order_id}");
        crate::audit::append(&mut tx, &self.actor(), "retur registrert", &subject, now).await?;
        tx.commit().await?;
        Ok(RecordedReturn {
            return_id,
            return_no,
            seq,
            already_recorded: false,
        })
    }

    /// How many returns the cache holds (tests compare before and after).
    pub async fn return_count(&self) -> Result<i64, CacheError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM returns")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// Stores `ret` as the order's next return, in the caller's transaction; R3 is checked again there,
/// so two windows cannot return the same item twice. Answers the return's number.
pub(crate) async fn insert_return(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    order_id: &str,
    id: &str,
    ret: &ValidReturn,
    now: DateTime<Utc>,
) -> Result<i64, CacheError> {
    let bought: Vec<i64> =
        sqlx::query_scalar("SELECT quantity FROM order_lines WHERE order_id = ? ORDER BY line_no")
            .bind(order_id)
            .fetch_all(&mut **tx)
            .await?;
    let bought: Vec<u32> = bought
        .into_iter()
        .map(|q| u32::try_from(q).unwrap_or(0))
        .collect();
    let earlier: Vec<String> = sqlx::query_scalar("SELECT body FROM returns WHERE order_id = ?")
        .bind(order_id)
        .fetch_all(&mut **tx)
        .await?;
    let earlier = earlier
        .iter()
        .map(|body| serde_json::from_str(body))
        .collect::<Result<Vec<ValidReturn>, _>>()?;
    skranke_core::check_within_order(&bought, &earlier, ret)?;
    let return_no: i64 =
        sqlx::query_scalar("SELECT coalesce(max(return_no), 0) + 1 FROM returns WHERE order_id = ?")
            .bind(order_id)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query("INSERT INTO returns (id, order_id, return_no, created_at_utc, body) VALUES (?, ?, ?, ?, ?)")
        .bind(id)
        .bind(order_id)
        .bind(return_no)
        .bind(now.to_rfc3339())
        .bind(serde_json::to_string(ret)?)
        .execute(&mut **tx)
        .await?;
    for line in &ret.lines {
        sqlx::query(
            "INSERT INTO return_lines (return_id, line_no, quantity, reason) VALUES (?, ?, ?, ?)
             ON CONFLICT (return_id, line_no, reason) DO UPDATE SET quantity = quantity + excluded.quantity",
        )
        .bind(id)
        .bind(i64::from(line.line_no))
        .bind(i64::from(line.quantity))
        .bind(line.reason.code())
        .execute(&mut **tx)
        .await?;
    }
    Ok(return_no)
}
