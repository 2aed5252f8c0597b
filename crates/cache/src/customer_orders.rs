//! A customer's history on this desk, for the panel staff see in the first seconds of a call: their
//! orders with status, payment and e-mail, and how many returns and claims each has; with the orders
//! the store's other desks placed for them, as the orders stream brought them.

use chrono::{DateTime, Utc};
use skranke_core::Money;
use sqlx::Row;

use crate::{Cache, CacheError};

/// One of a customer's orders as the panel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOrder {
    pub order_number: String,
    pub placed_at_utc: DateTime<Utc>,
    pub total: Money,
    pub status: skranke_protocol::OrderState,
    pub payment: Option<skranke_protocol::PaymentStatus>,
    pub email: Option<skranke_protocol::EmailStatus>,
    pub returns: i64,
    pub claims: i64,
    /// Placed at another desk of the store (its returns and claims are not known here).
    pub other_desk: bool,
}

impl Cache {
    /// The customer's orders, newest first, at most `limit`; and their count.
    pub async fn customer_orders(
        &self,
        customer_id: &str,
        limit: u32,
    ) -> Result<(Vec<CustomerOrder>, i64), CacheError> {
        let rows = sqlx::query(
            "SELECT * FROM (
                 SELECT o.order_number, o.placed_at_utc, o.total_ore, o.status, o.central_payment, o.central_email,
                        (SELECT count(*) FROM returns r WHERE r.order_id = o.id) AS returns,
                        (SELECT count(*) FROM claims c WHERE c.order_id = o.id) AS claims, 0 AS other_desk
                 FROM orders o WHERE o.customer_id = ?1
                 UNION ALL
                 SELECT s.order_number, s.placed_at_utc, s.total_ore, s.status, s.central_payment, s.central_email,
                        0, 0, 1
                 FROM store_orders s WHERE s.customer_id = ?1)
             ORDER BY placed_at_utc DESC LIMIT ?2",
        )
        .bind(customer_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM orders WHERE customer_id = ?1)
                  + (SELECT count(*) FROM store_orders WHERE customer_id = ?1)",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?;
        let orders = rows
            .iter()
            .map(|row| {
                let placed: String = row.try_get("placed_at_utc")?;
                Ok(CustomerOrder {
                    order_number: row.try_get("order_number")?,
                    placed_at_utc: DateTime::parse_from_rfc3339(&placed)
                        .map_err(|e| CacheError::Corrupt(e.to_string()))?
                        .with_timezone(&Utc),
                    total: Money::from_ore(row.try_get("total_ore")?),
                    status: skranke_protocol::OrderState::from_code(row.try_get("status")?),
                    payment: row
                        .try_get::<Option<String>, _>("central_payment")?
                        .map(|j| serde_json::from_str(&j))
                        .transpose()?,
                    email: row
                        .try_get::<Option<String>, _>("central_email")?
                        .map(|j| serde_json::from_str(&j))
                        .transpose()?,
                    returns: row.try_get("returns")?,
                    claims: row.try_get("claims")?,
                    other_desk: row.try_get("other_desk")?,
                })
            })
            .collect::<Result<Vec<_>, CacheError>>()?;
        Ok((orders, count))
    }

    /// An order another desk of the store placed, as the orders stream last brought it.
    pub async fn store_order(&self, number: &str) -> Result<Option<skranke_core::ValidOrder>, CacheError> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM store_orders WHERE order_number = ?")
            .bind(number.trim().to_uppercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// What the customer has bought in the store, cancelled orders left out.
    pub async fn customer_total(&self, customer_id: &str) -> Result<Money, CacheError> {
        let total: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(total_ore), 0) FROM (
                 SELECT total_ore, status FROM orders WHERE customer_id = ?1
                 UNION ALL SELECT total_ore, status FROM store_orders WHERE customer_id = ?1)
             WHERE status IS NOT 'kansellert'",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Money::from_ore(total))
    }
}
