//! Changing and cancelling a placed order at the desk, offline too: the new version, the order's
//! rows and the outbox entry in one transaction (a kill in the middle leaves the old version whole);
//! a refusal from the central store puts back the version that stands there.

use chrono::{DateTime, Utc};
use skranke_core::order_change::ChangeItem;
use skranke_core::ValidOrder;
use skranke_protocol::{MutationKind, OrderCancelled, OrderChanged};
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::orders::write_version;
use crate::outbox::{enqueue, NewMutation};
use crate::{Cache, CacheError};

/// A change on disk and queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedChange {
    pub version: u32,
    pub seq: i64,
}

impl Cache {
    /// Saves `order` as the version after `base_version` of the order `order_id`, with what changed,
    /// and queues `order_changed`. Refused when the order moved on since staff opened it (another
    /// window, or the central store's version arrived): nothing is written then.
    pub async fn change_order(
        &self,
        order_id: &str,
        base_version: u32,
        order: &ValidOrder,
        changes: &[ChangeItem],
        reprice: bool,
        now: DateTime<Utc>,
    ) -> Result<SavedChange, CacheError> {
        let actor = self.actor();
        let mut tx = self.write().await?;
        let row = sqlx::query("SELECT order_number, version, body FROM orders WHERE id = ?")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CacheError::OrderNotFound(order_id.to_string()))?;
        let standing: i64 = row.try_get("version")?;
        if standing != i64::from(base_version) {
            return Err(CacheError::OrderMovedOn {
                version: u32::try_from(standing).unwrap_or(0),
            });
        }
        let number: String = row.try_get("order_number")?;
        let base_body: String = row.try_get("body")?;
        let version = base_version.saturating_add(1);
        let seq: i64 = sqlx::query_scalar(
            "UPDATE device SET next_seq = next_seq + 1 WHERE id = 1 RETURNING next_seq - 1",
        )
        .fetch_one(&mut *tx)
        .await?;
        let mutation_id = Uuid::now_v7().to_string();
        write_version(&mut tx, order_id, i64::from(version), order).await?;
        sqlx::query(
            "INSERT INTO order_versions (order_id, version, base_version, base_body, body, changes, changed_at_utc, changed_by, mutation_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(order_id)
        .bind(i64::from(version))
        .bind(i64::from(base_version))
        .bind(&base_body)
        .bind(serde_json::to_string(order)?)
        .bind(serde_json::to_string(changes)?)
        .bind(now.to_rfc3339())
        .bind(&actor.name)
        .bind(&mutation_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE orders SET followup_message = NULL WHERE id = ?")
            .bind(order_id)
            .execute(&mut *tx)
            .await?;

        #[cfg(test)]
        crate::crash_tests::pause_if_asked("MID-CHANGE");

        let payload = serde_json::to_string(&OrderChanged {
            order_id: uuid(order_id)?,
            base_version,
            version,
            changed_at_utc: now,
            changed_by: actor.name.clone(),
            reprice,
            order: order.clone(),
        })?;
        let mutation = NewMutation {
            seq,
            mutation_id: &mutation_id,
            kind: MutationKind::OrderChanged,
            order_id: Some(order_id),
            payload: &payload,
        };
        enqueue(&mut tx, mutation, now).await?;
        let subject = format!("{number} versjon {version}");
        crate::audit::append(&mut tx, &actor, "ordre endret", &subject, now).await?;
        tx.commit().await?;
        Ok(SavedChange { version, seq })
    }

    /// Cancels the order `order_id` here at once (it shows as cancelled) and queues `order_cancelled`
    /// with why and who.
    pub async fn cancel_order(
        &self,
        order_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let actor = self.actor();
        let payload = serde_json::to_string(&OrderCancelled {
            order_id: uuid(order_id)?,
            reason: reason.to_string(),
            cancelled_at_utc: now,
            cancelled_by: Some(actor.name.clone()),
        })?;
        let mut tx = self.write().await?;
        let number: Option<String> = sqlx::query_scalar(
            "UPDATE orders SET status = 'kansellert', cancel_reason = ?, followup_message = NULL WHERE id = ?
             RETURNING order_number",
        )
        .bind(reason)
        .bind(order_id)
        .fetch_optional(&mut *tx)
        .await?;
        let number = number.ok_or_else(|| CacheError::OrderNotFound(order_id.to_string()))?;
        crate::outbox::enqueue_next(
            &mut tx,
            MutationKind::OrderCancelled,
            Some(order_id),
            &payload,
            now,
        )
        .await?;
        crate::audit::append(
            &mut tx,
            &actor,
            "ordre kansellert",
            &format!("{number}: {reason}"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The versions of an order made at this desk, oldest first: (version, what changed, when, who,
    /// state, message).
    pub async fn order_versions(&self, order_id: &str) -> Result<Vec<VersionRecord>, CacheError> {
        let rows = sqlx::query(
            "SELECT version, changes, changed_at_utc, changed_by, state, message FROM order_versions
             WHERE order_id = ? ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VersionRecord {
                    version: u32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(0),
                    changes: serde_json::from_str(&r.try_get::<String, _>("changes")?)?,
                    changed_at_utc: crate::orders::parse_time(&r.try_get::<String, _>("changed_at_utc")?)?,
                    changed_by: r.try_get("changed_by")?,
                    state: r.try_get("state")?,
                    message: r.try_get("message")?,
                })
            })
            .collect()
    }
}

/// One version made at this desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: u32,
    pub changes: Vec<ChangeItem>,
    pub changed_at_utc: DateTime<Utc>,
    pub changed_by: String,
    /// `local`, `applied` or `rejected`.
    pub state: String,
    pub message: Option<String>,
}

/// The central store answered a change: applied, it stands; refused, the order goes back to the
/// central store's version when the desk has it, or to the version the change was made from.
pub(crate) async fn answered(
    tx: &mut Transaction<'_, Sqlite>,
    mutation_id: &str,
    rejection: Option<&str>,
) -> Result<(), CacheError> {
    let row = sqlx::query(
        "UPDATE order_versions SET state = ?, message = ? WHERE mutation_id = ?
         RETURNING order_id, version, base_version, base_body",
    )
    .bind(if rejection.is_some() {
        "rejected"
    } else {
        "applied"
    })
    .bind(rejection)
    .bind(mutation_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (Some(row), Some(_)) = (row, rejection) else {
        return Ok(());
    };
    let order_id: String = row.try_get("order_id")?;
    let version: i64 = row.try_get("version")?;
    let standing: Option<(i64, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT version, central_version, central_body FROM orders WHERE id = ?")
            .bind(&order_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((shown, central_version, central_body)) = standing else {
        return Ok(());
    };
    if shown != version {
        // A later change made here stands on top of this one; its own answer decides.
        return Ok(());
    }
    let (back_to, body) = match (central_version, central_body) {
        (Some(v), Some(b)) => (v, b),
        _ => (
            row.try_get("base_version")?,
            row.try_get::<String, _>("base_body")?,
        ),
    };
    let order: ValidOrder = serde_json::from_str(&body)?;
    write_version(tx, &order_id, back_to, &order).await
}

fn uuid(id: &str) -> Result<Uuid, CacheError> {
    Uuid::parse_str(id).map_err(|e| CacheError::Corrupt(e.to_string()))
}
