//! Merging two records of one customer (issue 20 item 3): every order and consent record of the one
//! merged away moves to the one kept, the record itself is kept as it was in `customer_merges`, and
//! the central audit log says who merged. The merge reaches the desks with the orders stream: each
//! moved order carries its new customer, and a desk re-points its own copy (`skranke-cache`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::ApiError;

/// What a merge moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeReport {
    pub into: Uuid,
    pub orders: u64,
    pub consents: u64,
}

/// Merges customer `from` into `into` (both of `store`), as `by` (an office user or the CLI).
pub async fn merge_customers(
    pool: &PgPool,
    store: &str,
    from: Uuid,
    into: Uuid,
    by: &str,
    now: DateTime<Utc>,
) -> Result<MergeReport, ApiError> {
    if from == into {
        return Err(ApiError::invalid_value(
            "En kunde kan ikke slås sammen med seg selv.",
        ));
    }
    let store = store.trim().to_uppercase();
    let mut tx = pool.begin().await?;
    let owners: Vec<(Uuid, String, serde_json::Value)> =
        sqlx::query_as("SELECT id, store_id, body FROM customers WHERE id = ANY($1) FOR UPDATE")
            .bind([from, into])
            .fetch_all(&mut *tx)
            .await?;
    let find = |id: Uuid| owners.iter().find(|o| o.0 == id);
    let (Some(old), Some(_)) = (find(from), find(into)) else {
        return Err(ApiError::not_found("Begge kundene må finnes på sentralen."));
    };
    if owners.iter().any(|o| o.1 != store) {
        return Err(ApiError::invalid_value(format!(
            "Kundene må begge høre til butikken {store}."
        )));
    }
    // The orders' sync columns move with the update, so each desk of the store pulls them again.
    let orders = sqlx::query("UPDATE orders SET customer_id = $2, updated_at = $3 WHERE customer_id = $1")
        .bind(from)
        .bind(into)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let consents = sqlx::query("UPDATE consent_records SET customer_id = $2 WHERE customer_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // A record merged before into the one now merged away follows it.
    sqlx::query("UPDATE customer_merges SET into_id = $2 WHERE into_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO customer_merges (from_id, into_id, store_id, from_body, merged_at, merged_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(from)
    .bind(into)
    .bind(&store)
    .bind(&old.2)
    .bind(now)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM customers WHERE id = $1")
        .bind(from)
        .execute(&mut *tx)
        .await?;
    crate::audit::append(
        &mut tx,
        by,
        "kunder slått sammen",
        &format!("{from} inn i {into}: {orders} ordrer, {consents} samtykker"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(MergeReport {
        into,
        orders,
        consents,
    })
}

/// The customer an id stands for now: the one kept, when it was merged away.
pub(crate) async fn resolve(tx: &mut PgConnection, id: Uuid) -> Result<Uuid, sqlx::Error> {
    let into: Option<Uuid> = sqlx::query_scalar("SELECT into_id FROM customer_merges WHERE from_id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(into.unwrap_or(id))
}

/// A customer's id by their phone number (E.164) in `store`, for the command line.
pub async fn customer_by_phone(pool: &PgPool, store: &str, e164: &str) -> Result<Vec<Uuid>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM customers WHERE store_id = $1 AND body->>'phone' = $2 ORDER BY updated_at DESC",
    )
    .bind(store.trim().to_uppercase())
    .bind(e164)
    .fetch_all(pool)
    .await?)
}
