//! Placing orders durably, and reading them back.

use chrono::{DateTime, Utc};
use skranke_core::{Money, ValidOrder};
use skranke_protocol::{MutationKind, OrderPlaced};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use uuid::Uuid;

use crate::customers::{consent_given_on_the_call, like_pattern, phone_pattern, upsert_customer};
use crate::outbox::{enqueue, NewMutation};
use crate::{Cache, CacheError};

/// What `place_order` gives back once the order is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub order_id: Uuid,
    /// Final: `<series>-<number>`, printed on the confirmation even before the central store saw it.
    pub order_number: String,
    /// The outbox seq of the `order_placed` mutation.
    pub seq: i64,
    /// The order id had been placed before: nothing new was written (a double click, a retry).
    pub already_placed: bool,
}

/// One line of the order list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub order_number: String,
    pub placed_at_utc: DateTime<Utc>,
    pub customer_name: String,
    pub customer_phone: String,
    pub total: Money,
    pub status: skranke_protocol::OrderState,
    /// The central store has acknowledged the order.
    pub synced: bool,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    pub order_id: String,
    pub order_number: String,
    pub status: skranke_protocol::OrderState,
    pub placed_at_utc: DateTime<Utc>,
    pub order: ValidOrder,
    pub has_fodselsnummer: bool,
    pub synced: bool,
    /// From the central store once it has the order: the parcel's tracking number once sent.
    pub tracking_number: Option<String>,
    /// `applied`, `applied_with_flags` or `rejected`; `None` until the central store answered.
    pub central_outcome: Option<String>,
    /// What the central store flagged (price changed, back-ordered line, ...).
    pub central_flags: Vec<skranke_protocol::Flag>,
    /// Why the central store refused the order.
    pub central_message: Option<String>,
    /// The payment request as the central store last reported it (P5); `None` before it has the order.
    pub payment: Option<skranke_protocol::PaymentStatus>,
    /// The confirmation e-mail as the central store last reported it (R3).
    pub email: Option<skranke_protocol::EmailStatus>,
    /// Why the central store refused a resend, a change of payment method, a change or a cancellation.
    pub followup_message: Option<String>,
    /// 1 as placed, one more with each change.
    pub version: u32,
    /// A change or cancellation made here that the central store has not answered yet.
    pub change_pending: bool,
    /// Why the order was cancelled, when it was cancelled here.
    pub cancel_reason: Option<String>,
}

/// Which orders to list: free text matches the order number, the phone or the name.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub text: Option<String>,
    pub limit: u32,
}

impl Cache {
    /// Places an order: the number, the order, its lines, the customer, the fødselsnummer (if any) and
    /// the outbox entry are written in one transaction, and this returns only after the commit reached
    /// the disk (`synchronous=FULL`). Placing the same `order_id` again returns the first result.
    pub async fn place_order(
        &self,
        order_id: Uuid,
        order: &ValidOrder,
        now: DateTime<Utc>,
    ) -> Result<PlacedOrder, CacheError> {
        self.place_order_with_clock(order_id, order, now, None).await
    }

    /// [`Cache::place_order`], `now` being this PC's clock plus `clock_offset_ms` (the central
    /// store's time while online, issue 21); the offset travels with the order.
    pub async fn place_order_with_clock(
        &self,
        order_id: Uuid,
        order: &ValidOrder,
        now: DateTime<Utc>,
        clock_offset_ms: Option<i64>,
    ) -> Result<PlacedOrder, CacheError> {
        let id = order_id.to_string();
        if let Some(placed) = self.already_placed(&id).await? {
            return Ok(placed);
        }
        let mut tx = self.write().await?;
        // The transaction holds the write lock from its start (`Cache::write`), so two processes on
        // one file can never take the same number.
        let row = sqlx::query(
            "UPDATE device SET next_number = next_number + 1, next_seq = next_seq + 1 WHERE id = 1
             RETURNING series_prefix, next_number - 1 AS number, next_seq - 1 AS seq",
        )
        .fetch_one(&mut *tx)
        .await?;
        let prefix: String = row.try_get("series_prefix")?;
        let number: i64 = row.try_get("number")?;
        let seq: i64 = row.try_get("seq")?;
        let order_number = format!("{prefix}-{number:06}");

        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orders WHERE id = ?")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            tx.rollback().await?;
            return self
                .already_placed(&id)
                .await?
                .ok_or(CacheError::OrderNotFound(id));
        }

        let customer_id = upsert_customer(&mut tx, &order.customer, now).await?;
        // F6: who placed it, with `placed_at` the time behind the order's age record.
        let actor = self.actor();
        let order = &order.clone().placed_by(&actor.name);
        insert_order_row(&mut tx, &self.key, &id, &order_number, &customer_id, order, now).await?;

        // The draft it was typed in goes with the placing, never before and never without it.
        sqlx::query("DELETE FROM draft WHERE order_id = ?")
            .bind(&id)
            .execute(&mut *tx)
            .await?;

        #[cfg(test)]
        crate::crash_tests::pause_if_asked("MID-TRANSACTION");

        let payload = serde_json::to_string(&OrderPlaced {
            order_id,
            order_number: order_number.clone(),
            customer_id: Uuid::parse_str(&customer_id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
            placed_at_utc: now,
            order: order.clone(),
            clock_offset_ms,
        })?;
        let mutation_id = Uuid::now_v7().to_string();
        let mutation = NewMutation {
            seq,
            mutation_id: &mutation_id,
            kind: MutationKind::OrderPlaced,
            order_id: Some(&id),
            payload: &payload,
        };
        enqueue(&mut tx, mutation, now).await?;
        // F7: a yes given on this call is recorded (after the order, which tells the central store
        // who the customer is); an unticked box withdraws nothing.
        consent_given_on_the_call(&mut tx, &customer_id, &order.customer, &actor.name, now).await?;
        crate::audit::append(&mut tx, &actor, "ordre lagt inn", &order_number, now).await?;
        tx.commit().await?;
        Ok(PlacedOrder {
            order_id,
            order_number,
            seq,
            already_placed: false,
        })
    }

    async fn already_placed(&self, id: &str) -> Result<Option<PlacedOrder>, CacheError> {
        let row = sqlx::query(
            "SELECT o.id, o.order_number, x.seq FROM orders o JOIN outbox x ON x.order_id = o.id AND x.kind = 'order_placed'
             WHERE o.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let id: String = r.try_get("id")?;
            Ok(PlacedOrder {
                order_id: Uuid::parse_str(&id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
                order_number: r.try_get("order_number")?,
                seq: r.try_get("seq")?,
                already_placed: true,
            })
        })
        .transpose()
    }

    /// Orders, newest first, matching an order number, a phone number or a name.
    pub async fn list_orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, CacheError> {
        let limit = i64::from(if filter.limit == 0 { 100 } else { filter.limit });
        let text = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let rows = match text {
            None => {
                sqlx::query(&format!("{SUMMARY} ORDER BY o.placed_at_utc DESC LIMIT ?"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(t) => {
                let (phone, like) = (phone_pattern(t), like_pattern(t));
                sqlx::query(&format!(
                    "{SUMMARY} WHERE o.search_text LIKE ?1 ESCAPE '\\' OR o.customer_phone LIKE ?2
                     ORDER BY o.placed_at_utc DESC LIMIT ?3"
                ))
                .bind(like)
                .bind(phone)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(summary_from_row).collect()
    }

    /// One order by its number.
    pub async fn order_by_number(&self, number: &str) -> Result<Option<StoredOrder>, CacheError> {
        let row = sqlx::query(
            "SELECT o.id, o.order_number, o.status, o.placed_at_utc, o.body, o.tracking_number,
                    o.central_outcome, o.central_flags, o.central_message,
                    o.central_payment, o.central_email, o.followup_message, o.version, o.cancel_reason,
                    EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id AND x.acked_at IS NULL
                            AND x.kind IN ('order_changed', 'order_cancelled')) AS change_pending,
                    EXISTS (SELECT 1 FROM order_identity i WHERE i.order_id = o.id) AS has_fnr,
                    EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id AND x.acked_at IS NOT NULL) AS synced
             FROM orders o WHERE o.order_number = ?",
        )
        .bind(number.trim().to_uppercase())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get("body")?;
        Ok(Some(StoredOrder {
            order_id: row.try_get("id")?,
            order_number: row.try_get("order_number")?,
            status: skranke_protocol::OrderState::from_code(row.try_get("status")?),
            placed_at_utc: parse_time(&row.try_get::<String, _>("placed_at_utc")?)?,
            order: serde_json::from_str(&body)?,
            has_fodselsnummer: row.try_get("has_fnr")?,
            synced: row.try_get("synced")?,
            tracking_number: row.try_get("tracking_number")?,
            central_outcome: row.try_get("central_outcome")?,
            central_flags: match row.try_get::<Option<String>, _>("central_flags")? {
                Some(json) => serde_json::from_str(&json)?,
                None => Vec::new(),
            },
            central_message: row.try_get("central_message")?,
            payment: row
                .try_get::<Option<String>, _>("central_payment")?
                .map(|j| serde_json::from_str(&j))
                .transpose()?,
            email: row
                .try_get::<Option<String>, _>("central_email")?
                .map(|j| serde_json::from_str(&j))
                .transpose()?,
            followup_message: row.try_get("followup_message")?,
            version: u32::try_from(row.try_get::<i64, _>("version")?).unwrap_or(1),
            change_pending: row.try_get("change_pending")?,
            cancel_reason: row.try_get("cancel_reason")?,
        }))
    }

    /// The fødselsnummer kept with an order until the central store has it (P3), unsealed.
    pub async fn fodselsnummer_of(&self, order_number: &str) -> Result<Option<String>, CacheError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT i.order_id, i.fodselsnummer FROM order_identity i JOIN orders o ON o.id = i.order_id
             WHERE o.order_number = ?",
        )
        .bind(order_number)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(order_id, sealed)| self.key.open(&sealed, &order_id))
            .transpose()
    }

    /// How many orders, lines and outbox entries the cache holds (tests compare before and after).
    pub async fn counts(&self) -> Result<(i64, i64, i64), CacheError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM orders) AS o, (SELECT count(*) FROM order_lines) AS l, (SELECT count(*) FROM outbox) AS x",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("o")?, row.try_get("l")?, row.try_get("x")?))
    }
}

/// The order's row, its lines and its sealed fødselsnummer (P3), in the caller's transaction.
pub(crate) async fn insert_order_row(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    key: &crate::sealed::FieldKey,
    id: &str,
    order_number: &str,
    customer_id: &str,
    order: &ValidOrder,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    let body = serde_json::to_string(order)?;
    sqlx::query(
        "INSERT INTO orders (id, order_number, customer_id, placed_at_utc, payment_method, shipping_code, total_ore,
                             customer_name, customer_phone, customer_email, search_text, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(order_number)
    .bind(customer_id)
    .bind(now.to_rfc3339())
    .bind(order.payment_method.code())
    .bind(&order.shipping.code)
    .bind(order.totals.total.ore())
    .bind(&order.customer.name)
    .bind(order.customer.phone.e164())
    .bind(order.customer.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(format!("{} {}", order_number, order.customer.name).to_lowercase())
    .bind(&body)
    .execute(&mut **tx)
    .await?;
    write_lines(tx, id, &order.lines).await?;
    if let Some(fnr) = &order.fodselsnummer {
        sqlx::query("INSERT INTO order_identity (order_id, fodselsnummer) VALUES (?, ?)")
            .bind(id)
            .bind(key.seal(&fnr.expose(), id)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The order's lines as rows (what returns count against), written with the order and rewritten with
/// each version.
pub(crate) async fn write_lines(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: &str,
    lines: &[skranke_core::order::OrderLine],
) -> Result<(), CacheError> {
    sqlx::query("DELETE FROM order_lines WHERE order_id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (chunk_no, chunk) in lines.chunks(90).enumerate() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO order_lines (order_id, line_no, sku, name, quantity, unit_price_ore, mva_percent, line_total_ore, availability) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut row, (i, line)| {
            row.push_bind(id)
                .push_bind((chunk_no * 90 + i + 1) as i64)
                .push_bind(&line.sku)
                .push_bind(&line.name)
                .push_bind(i64::from(line.quantity))
                .push_bind(line.unit_price.ore())
                .push_bind(i64::from(line.mva_rate.percent()))
                .push_bind(line.line_total.ore())
                .push_bind(line.availability.code());
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Makes `order` (version `version`) the one the desk shows: the body, the columns the list reads,
/// and the lines.
pub(crate) async fn write_version(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: &str,
    version: i64,
    order: &ValidOrder,
) -> Result<(), CacheError> {
    sqlx::query(
        "UPDATE orders SET body = ?, version = ?, payment_method = ?, shipping_code = ?, total_ore = ? WHERE id = ?",
    )
    .bind(serde_json::to_string(order)?)
    .bind(version)
    .bind(order.payment_method.code())
    .bind(&order.shipping.code)
    .bind(order.totals.total.ore())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    write_lines(tx, id, &order.lines).await
}

const SUMMARY: &str =
    "SELECT o.order_number, o.placed_at_utc, o.customer_name, o.customer_phone, o.total_ore, o.status,
        EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id AND x.acked_at IS NOT NULL) AS synced
     FROM orders o";

fn summary_from_row(row: &SqliteRow) -> Result<OrderSummary, CacheError> {
    Ok(OrderSummary {
        order_number: row.try_get("order_number")?,
        placed_at_utc: parse_time(&row.try_get::<String, _>("placed_at_utc")?)?,
        customer_name: row.try_get("customer_name")?,
        customer_phone: row.try_get("customer_phone")?,
        total: Money::from_ore(row.try_get("total_ore")?),
        status: skranke_protocol::OrderState::from_code(row.try_get("status")?),
        synced: row.try_get("synced")?,
    })
}

pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, CacheError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| CacheError::Corrupt(format!("tidspunkt {text}: {e}")))
}
