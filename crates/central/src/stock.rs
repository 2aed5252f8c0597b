//! Stock held while the customer pays (issue 20 item 5). For a product whose units a store counts, an
//! order with a payment request holds its units until the payment is reserved or taken (then they are
//! sold) or the request expires or fails, or the order is cancelled (then they are free again). What is
//! left decides the store's availability the desks pull: none left is "må bestilles". Two desks after
//! the last unit are served in turn (the stock row is locked): one gets it, the other's line is
//! back-ordered and flagged.

use chrono::{DateTime, Utc};
use skranke_core::ValidOrder;
use skranke_protocol::Flag;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::ApiError;

/// Units an order will hold, worked out under the stock rows' locks.
pub(crate) struct Planned {
    holds: Vec<(i32, String, i32)>,
}

impl Planned {
    pub(crate) fn none() -> Planned {
        Planned { holds: Vec::new() }
    }
}

/// Why a hold ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The payment is reserved or taken: the units are sold.
    Paid,
    /// The request expired, was declined or failed.
    Expired,
    Cancelled,
}

impl Settled {
    fn code(self) -> &'static str {
        match self {
            Settled::Paid => "betalt",
            Settled::Expired => "utløpt",
            Settled::Cancelled => "kansellert",
        }
    }
}

/// Sets the units `store` has of `sku` (a count from the shop's stock system, or staff).
pub async fn set_stock(
    pool: &PgPool,
    store: &str,
    sku: &str,
    units: i32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if units < 0 {
        return Err(ApiError::invalid_value("Antall på lager kan ikke være under 0."));
    }
    let store = store.trim().to_uppercase();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO stock (store_id, sku, units, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (store_id, sku) DO UPDATE SET units = excluded.units, updated_at = excluded.updated_at",
    )
    .bind(&store)
    .bind(sku.trim())
    .bind(units)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    show_availability(&mut tx, &store, sku.trim(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Locks the counted products of `order` in `store` (in SKU order, so two orders never wait on each
/// other the other way round) and plans its holds; a line with too few units left is back-ordered.
pub(crate) async fn plan(
    tx: &mut PgConnection,
    store: &str,
    order: &ValidOrder,
) -> Result<(Planned, Vec<Flag>), sqlx::Error> {
    let mut lines: Vec<(usize, &skranke_core::order::OrderLine)> = order.lines.iter().enumerate().collect();
    lines.sort_by(|a, b| a.1.sku.cmp(&b.1.sku));
    let mut planned = Planned { holds: Vec::new() };
    let mut flags = Vec::new();
    for (i, line) in lines {
        let counted: Option<i32> =
            sqlx::query_scalar("SELECT units FROM stock WHERE store_id = $1 AND sku = $2 FOR UPDATE")
                .bind(store)
                .bind(&line.sku)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(units) = counted else { continue };
        let left = units
            - held(tx, store, &line.sku).await?
            - planned
                .holds
                .iter()
                .filter(|h| h.1 == line.sku)
                .map(|h| h.2)
                .sum::<i32>();
        let line_no = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let wanted = i32::try_from(line.quantity).unwrap_or(i32::MAX);
        if wanted <= left {
            planned.holds.push((line_no, line.sku.clone(), wanted));
        } else {
            flags.push(Flag::BackOrdered {
                line_no: u32::try_from(line_no).unwrap_or(u32::MAX),
                sku: line.sku.clone(),
                availability: "must_order".into(),
            });
        }
    }
    Ok((planned, flags))
}

/// Records the planned holds of the stored order and shows what is left to the store's desks.
pub(crate) async fn hold(
    tx: &mut PgConnection,
    store: &str,
    order_id: Uuid,
    planned: Planned,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for (line_no, sku, units) in &planned.holds {
        sqlx::query(
            "INSERT INTO stock_holds (order_id, line_no, store_id, sku, units, held_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING",
        )
        .bind(order_id)
        .bind(line_no)
        .bind(store)
        .bind(sku)
        .bind(units)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        show_availability(tx, store, sku, now).await?;
    }
    Ok(())
}

/// Ends the order's holds: sold when paid, free again otherwise. Once: a settled hold stays settled.
pub(crate) async fn settle(
    tx: &mut PgConnection,
    order_id: Uuid,
    why: Settled,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let ended: Vec<(String, String, i32)> = sqlx::query_as(
        "UPDATE stock_holds SET released_at = $2, released_why = $3
         WHERE order_id = $1 AND released_at IS NULL
         RETURNING store_id, sku, units",
    )
    .bind(order_id)
    .bind(now)
    .bind(why.code())
    .fetch_all(&mut *tx)
    .await?;
    for (store, sku, units) in ended {
        if why == Settled::Paid {
            sqlx::query(
                "UPDATE stock SET units = greatest(units - $3, 0), updated_at = $4 WHERE store_id = $1 AND sku = $2",
            )
            .bind(&store)
            .bind(&sku)
            .bind(units)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        show_availability(tx, &store, &sku, now).await?;
    }
    Ok(())
}

async fn held(tx: &mut PgConnection, store: &str, sku: &str) -> Result<i32, sqlx::Error> {
    let held: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(units), 0) FROM stock_holds WHERE store_id = $1 AND sku = $2 AND released_at IS NULL",
    )
    .bind(store)
    .bind(sku)
    .fetch_one(&mut *tx)
    .await?;
    Ok(i32::try_from(held).unwrap_or(i32::MAX))
}

/// The store's availability of a counted product, as its desks pull it: in stock while a unit is
/// neither sold nor held, "må bestilles" when none is left, with the units left to sell. Written
/// only when it changes.
async fn show_availability(
    tx: &mut PgConnection,
    store: &str,
    sku: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let units: i32 = sqlx::query_scalar("SELECT units FROM stock WHERE store_id = $1 AND sku = $2")
        .bind(store)
        .bind(sku)
        .fetch_one(&mut *tx)
        .await?;
    let left = (units - held(tx, store, sku).await?).max(0);
    let status = if left > 0 { "in_stock" } else { "must_order" };
    sqlx::query(
        "INSERT INTO store_availability (store_id, sku, status, as_of, units) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id, sku) DO UPDATE SET status = excluded.status, supplier_date = NULL, as_of = excluded.as_of,
           deleted = false, units = excluded.units
         WHERE store_availability.status IS DISTINCT FROM excluded.status OR store_availability.deleted
            OR store_availability.units IS DISTINCT FROM excluded.units",
    )
    .bind(store)
    .bind(sku)
    .bind(status)
    .bind(now)
    .bind(left)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
