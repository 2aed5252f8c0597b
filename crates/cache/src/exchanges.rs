//! Exchanges (R3 bytte): the goods coming back and the new order going out, written together with one
//! outbox entry, so a crash leaves neither half without the other.

use chrono::{DateTime, Utc};
use skranke_core::exchange::ExchangeTerms;
use skranke_core::{ValidOrder, ValidReturn};
use skranke_protocol::{ExchangeRegistered, MutationKind};
use sqlx::Row;
use uuid::Uuid;

use crate::orders::insert_order_row;
use crate::outbox::{enqueue, NewMutation};
use crate::returns::insert_return;
use crate::{Cache, CacheError};

/// An exchange once it is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedExchange {
    pub return_no: i64,
    pub new_order_number: String,
    pub seq: i64,
    /// The same exchange was recorded before (a double click): nothing new was written.
    pub already_recorded: bool,
}

/// An exchange as stored, for its slip.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredExchange {
    pub original_number: String,
    pub return_no: i64,
    pub ret: ValidReturn,
    pub terms: ExchangeTerms,
    pub created_at_utc: DateTime<Utc>,
}

/// What one exchange is made of, as core validated it.
#[derive(Debug, Clone, Copy)]
pub struct NewExchange<'a> {
    pub original_order_id: &'a str,
    pub return_id: Uuid,
    pub new_order_id: Uuid,
    pub ret: &'a ValidReturn,
    pub new_order: &'a ValidOrder,
    pub terms: &'a ExchangeTerms,
}

impl Cache {
    /// Records an exchange: the return on the original order (R3 checked again inside the
    /// transaction), the new order under the next number of this desk's series, and one
    /// `exchange_registered` outbox entry; returns once the commit reached the disk.
    pub async fn record_exchange(
        &self,
        e: NewExchange<'_>,
        now: DateTime<Utc>,
    ) -> Result<RecordedExchange, CacheError> {
        let return_id = e.return_id.to_string();
        let new_id = e.new_order_id.to_string();
        let mut tx = self.write().await?;
        let existing = sqlx::query(
            "SELECT r.return_no, o.order_number, x.seq FROM exchanges e
             JOIN returns r ON r.id = e.return_id JOIN orders o ON o.id = e.new_order_id
             JOIN outbox x ON x.kind = 'exchange_registered' AND x.mutation_id = e.return_id
             WHERE e.return_id = ?",
        )
        .bind(&return_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            tx.rollback().await?;
            return Ok(RecordedExchange {
                return_no: row.try_get("return_no")?,
                new_order_number: row.try_get("order_number")?,
                seq: row.try_get("seq")?,
                already_recorded: true,
            });
        }
        let row = sqlx::query(
            "UPDATE device SET next_number = next_number + 1, next_seq = next_seq + 1 WHERE id = 1
             RETURNING series_prefix, next_number - 1 AS number, next_seq - 1 AS seq",
        )
        .fetch_one(&mut *tx)
        .await?;
        let prefix: String = row.try_get("series_prefix")?;
        let number: i64 = row.try_get("number")?;
        let seq: i64 = row.try_get("seq")?;
        let new_number = format!("{prefix}-{number:06}");
        let original = sqlx::query("SELECT order_number, customer_id FROM orders WHERE id = ?")
            .bind(e.original_order_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CacheError::OrderNotFound(e.original_order_id.to_string()))?;
        let original_number: String = original.try_get("order_number")?;
        let customer_id: String = original.try_get("customer_id")?;

        let return_no = insert_return(&mut tx, e.original_order_id, &return_id, e.ret, now).await?;
        let actor = self.actor();
        let new_order = e.new_order.clone().placed_by(&actor.name);
        insert_order_row(
            &mut tx,
            &self.key,
            &new_id,
            &new_number,
            &customer_id,
            &new_order,
            now,
        )
        .await?;
        sqlx::query(
            "INSERT INTO exchanges (new_order_id, original_order_id, return_id, terms, created_at_utc)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&new_id)
        .bind(e.original_order_id)
        .bind(&return_id)
        .bind(serde_json::to_string(e.terms)?)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await?;

        #[cfg(test)]
        crate::crash_tests::pause_if_asked("MID-EXCHANGE");

        let payload = serde_json::to_string(&ExchangeRegistered {
            order_id: Uuid::parse_str(e.original_order_id).map_err(|x| CacheError::Corrupt(x.to_string()))?,
            return_id: e.return_id,
            return_no,
            ret: e.ret.clone(),
            new_order_id: e.new_order_id,
            new_order_number: new_number.clone(),
            created_at_utc: now,
            created_by: actor.name.clone(),
            new_order,
            terms: *e.terms,
        })?;
        // The return's id is the mutation id: a retried registration is recognised above. The new
        // order carries the central store's answer, as a placed order does.
        enqueue(
            &mut tx,
            NewMutation {
                seq,
                mutation_id: &return_id,
                kind: MutationKind::ExchangeRegistered,
                order_id: Some(&new_id),
                payload: &payload,
            },
            now,
        )
        .await?;
        let subject = format!("{original_number} retur {return_no} byttet mot {new_number}");
        crate::audit::append(&mut tx, &actor, "bytte registrert", &subject, now).await?;
        tx.commit().await?;
        Ok(RecordedExchange {
            return_no,
            new_order_number: new_number,
            seq,
            already_recorded: false,
        })
    }

    /// The exchange that made order `new_order_id`, if it was one.
    pub async fn exchange_of(&self, new_order_id: &str) -> Result<Option<StoredExchange>, CacheError> {
        let row = sqlx::query(
            "SELECT o.order_number, r.return_no, r.body, e.terms, e.created_at_utc FROM exchanges e
             JOIN orders o ON o.id = e.original_order_id JOIN returns r ON r.id = e.return_id
             WHERE e.new_order_id = ?",
        )
        .bind(new_order_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created: String = row.try_get("created_at_utc")?;
        Ok(Some(StoredExchange {
            original_number: row.try_get("order_number")?,
            return_no: row.try_get("return_no")?,
            ret: serde_json::from_str(&row.try_get::<String, _>("body")?)?,
            terms: serde_json::from_str(&row.try_get::<String, _>("terms")?)?,
            created_at_utc: DateTime::parse_from_rfc3339(&created)
                .map_err(|x| CacheError::Corrupt(x.to_string()))?
                .with_timezone(&Utc),
        }))
    }
}
