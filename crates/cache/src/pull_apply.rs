//! Pulled changes: pages are staged as they arrive, and a complete set is applied in one transaction,
//! so the desk never shows half a price import. A cut mid-set resumes from the staged cursor.

use chrono::{DateTime, Utc};
use skranke_core::{Availability, MvaRate, Product};
use skranke_protocol::{Change, Cursor, PullResponse, Stream};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use crate::catalog::{delete_products, upsert_products};
use crate::{Cache, CacheError};

/// Where a stream stands on the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPosition {
    /// What is applied.
    pub cursor: Cursor,
    /// Where to pull from next: past the staged pages, when there are any.
    pub resume_from: Cursor,
    pub staged_pages: u32,
    pub staged_changes: u64,
}

impl StreamPosition {
    /// A stream never pulled.
    fn start() -> StreamPosition {
        StreamPosition {
            cursor: Cursor::start(),
            resume_from: Cursor::start(),
            staged_pages: 0,
            staged_changes: 0,
        }
    }
}

const POSITION_QUERY: &str = "SELECT c.stream, c.cursor, c.staged_cursor,
        (SELECT count(*) FROM sync_staging s WHERE s.stream = c.stream) AS pages,
        (SELECT coalesce(sum(json_array_length(body, '$.changes')), 0) FROM sync_staging s WHERE s.stream = c.stream) AS changes
     FROM sync_cursor c";

fn position_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StreamPosition, CacheError> {
    let cursor: String = row.try_get("cursor")?;
    let staged: Option<String> = row.try_get("staged_cursor")?;
    let pages: i64 = row.try_get("pages")?;
    let changes: i64 = row.try_get("changes")?;
    Ok(StreamPosition {
        resume_from: Cursor(staged.unwrap_or_else(|| cursor.clone())),
        cursor: Cursor(cursor),
        staged_pages: u32::try_from(pages).unwrap_or(u32::MAX),
        staged_changes: u64::try_from(changes).unwrap_or(0),
    })
}

impl Cache {
    pub async fn stream_position(&self, stream: Stream) -> Result<StreamPosition, CacheError> {
        let row = sqlx::query(&format!("{POSITION_QUERY} WHERE c.stream = ?"))
            .bind(stream.code())
            .fetch_optional(&self.pool)
            .await?;
        row.map_or_else(|| Ok(StreamPosition::start()), |r| position_from_row(&r))
    }

    /// Every stream's position, in the order of `Stream::ALL`, in one read: a desk's poll asks for
    /// all four (issue 21: every round trip to the cache's thread counts at 2,000 desks).
    pub async fn stream_positions(&self) -> Result<[StreamPosition; 4], CacheError> {
        let rows = sqlx::query(POSITION_QUERY).fetch_all(&self.pool).await?;
        let mut positions = Stream::ALL.map(|_| StreamPosition::start());
        for row in rows {
            let code: String = row.try_get("stream")?;
            if let Some(i) = Stream::ALL.iter().position(|s| s.code() == code) {
                positions[i] = position_from_row(&row)?;
            }
        }
        Ok(positions)
    }

    /// Keeps a pulled page until its set is complete; the staged cursor moves past it in the same
    /// transaction. `raw` is the page's JSON as received, when the caller has it (saves writing it
    /// again).
    pub async fn stage_page(&self, page: &PullResponse, raw: Option<&str>) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sync_cursor (stream, cursor, staged_cursor) VALUES (?, ?, ?)
             ON CONFLICT (stream) DO UPDATE SET staged_cursor = excluded.staged_cursor",
        )
        .bind(page.stream.code())
        .bind(Cursor::START)
        .bind(&page.cursor.0)
        .execute(&mut *tx)
        .await?;
        if !page.changes.is_empty() {
            sqlx::query(
                "INSERT INTO sync_staging (stream, page, body)
                 VALUES (?1, (SELECT coalesce(max(page), 0) + 1 FROM sync_staging WHERE stream = ?1), ?2)",
            )
            .bind(page.stream.code())
            .bind(match raw {
                Some(text) => text.to_string(),
                None => serde_json::to_string(page)?,
            })
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Applies every staged page of `stream` and moves its cursor, in one transaction. Returns how many
    /// changes were applied.
    pub async fn apply_staged(&self, stream: Stream, now: DateTime<Utc>) -> Result<u64, CacheError> {
        let mut tx = self.write().await?;
        let pages: Vec<String> =
            sqlx::query_scalar("SELECT body FROM sync_staging WHERE stream = ? ORDER BY page")
                .bind(stream.code())
                .fetch_all(&mut *tx)
                .await?;
        let mut changes: Vec<Change> = Vec::new();
        for body in &pages {
            changes.extend(serde_json::from_str::<PullResponse>(body)?.changes);
        }
        match stream {
            Stream::Catalog => apply_catalog(&mut tx, &changes, now).await?,
            Stream::Availability => apply_availability(&mut tx, &changes).await?,
            Stream::Orders => apply_orders(&mut tx, &changes).await?,
            Stream::Staff => apply_staff(&mut tx, &changes).await?,
        }
        sqlx::query("DELETE FROM sync_staging WHERE stream = ?")
            .bind(stream.code())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE sync_cursor SET cursor = coalesce(staged_cursor, cursor), staged_cursor = NULL, applied_at = ?
             WHERE stream = ?",
        )
        .bind(now.to_rfc3339())
        .bind(stream.code())
        .execute(&mut *tx)
        .await?;
        if !changes.is_empty() && matches!(stream, Stream::Catalog | Stream::Availability) {
            sqlx::query("INSERT INTO catalog_meta (key, value) VALUES ('as_of', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(now.to_rfc3339())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(changes.len() as u64)
    }
}

async fn apply_catalog(
    tx: &mut Transaction<'_, Sqlite>,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    // A product pulled twice in one set: the later row wins.
    let mut latest: std::collections::HashMap<&str, &Change> = std::collections::HashMap::new();
    for c in changes {
        latest.insert(c.key.as_str(), c);
    }
    let mut deleted = Vec::new();
    let mut products = Vec::new();
    for c in latest.values() {
        match (&c.product, c.deleted) {
            (Some(p), false) => products.push(Product {
                sku: p.sku.clone(),
                eans: p.eans.clone(),
                name: p.name.clone(),
                brand: p.brand.clone(),
                category: p.category.clone(),
                price: skranke_core::Money::from_ore(p.price_ore),
                mva_rate: MvaRate::from_percent(u32::from(p.mva_percent)).unwrap_or(MvaRate::General),
                // Until the availability stream says otherwise (set below from what is known).
                availability: Availability::Unconfirmed,
                availability_as_of: Some(now),
                supplier_direct: p.supplier_direct,
            }),
            _ => deleted.push(c.key.clone()),
        }
    }
    delete_products(tx, &deleted).await?;
    upsert_products(tx, &products).await?;
    let skus: Vec<&str> = products.iter().map(|p| p.sku.as_str()).collect();
    refresh_availability(tx, &skus).await
}

async fn apply_availability(tx: &mut Transaction<'_, Sqlite>, changes: &[Change]) -> Result<(), CacheError> {
    // `<store>/<sku>` is this store's own row; a plain SKU the general one. The last change of a key wins.
    let mut latest: std::collections::HashMap<&str, &Change> = std::collections::HashMap::new();
    for c in changes {
        latest.insert(c.key.as_str(), c);
    }
    let mut skus = Vec::with_capacity(latest.len());
    for table in ["availability_general", "availability_store"] {
        let own = table == "availability_store";
        let in_table: Vec<&Change> = latest
            .values()
            .copied()
            .filter(|c| c.key.contains('/') == own)
            .collect();
        let sku_of = |c: &Change| c.key.rsplit('/').next().unwrap_or_default().to_string();
        let rows: Vec<(&Change, &skranke_protocol::AvailabilityRow)> = in_table
            .iter()
            .filter_map(|c| c.availability.as_ref().filter(|_| !c.deleted).map(|a| (*c, a)))
            .collect();
        for chunk in rows.chunks(200) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "INSERT INTO {table} (sku, status, supplier_date, as_of{}) ",
                if own { ", units" } else { "" }
            ));
            q.push_values(chunk, |mut row, (c, a)| {
                row.push_bind(sku_of(c))
                    .push_bind(&a.status)
                    .push_bind(a.supplier_date.map(|d| d.to_string()))
                    .push_bind(a.as_of.to_rfc3339());
                if own {
                    row.push_bind(a.units.map(i64::from));
                }
            });
            q.push(format!(
                " ON CONFLICT (sku) DO UPDATE SET status = excluded.status,
                  supplier_date = excluded.supplier_date, as_of = excluded.as_of{}",
                if own { ", units = excluded.units" } else { "" }
            ));
            q.build().execute(&mut **tx).await?;
        }
        let gone: Vec<String> = in_table
            .iter()
            .filter(|c| c.deleted || c.availability.is_none())
            .map(|c| sku_of(c))
            .collect();
        for chunk in gone.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE sku IN ("));
            let mut sep = q.separated(", ");
            for sku in chunk {
                sep.push_bind(sku);
            }
            q.push(")");
            q.build().execute(&mut **tx).await?;
        }
        skus.extend(in_table.iter().map(|c| sku_of(c)));
    }
    let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
    refresh_availability(tx, &skus).await
}

/// Sets each product's availability from the store's own row, else the general one, else
/// "Ubekreftet" (A1): the desk never shows a status the central store did not give.
async fn refresh_availability(tx: &mut Transaction<'_, Sqlite>, skus: &[&str]) -> Result<(), CacheError> {
    for chunk in skus.chunks(20_000) {
        sqlx::query(
            "UPDATE products SET availability = a.status, supplier_date = a.supplier_date,
                                 availability_as_of = coalesce(a.as_of, products.availability_as_of),
                                 units_left = a.units
             FROM (SELECT j.value AS sku, s.units,
                          coalesce(s.status, g.status, 'unconfirmed') AS status,
                          CASE WHEN s.sku IS NOT NULL THEN s.supplier_date ELSE g.supplier_date END AS supplier_date,
                          coalesce(s.as_of, g.as_of) AS as_of
                   FROM json_each(?) j
                   LEFT JOIN availability_store s ON s.sku = j.value
                   LEFT JOIN availability_general g ON g.sku = j.value) a
             WHERE products.sku = a.sku",
        )
        .bind(serde_json::to_string(chunk)?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn apply_staff(tx: &mut Transaction<'_, Sqlite>, changes: &[Change]) -> Result<(), CacheError> {
    for c in changes {
        let Some(s) = &c.staff else { continue };
        sqlx::query(
            "INSERT INTO staff (id, name, pin_hash, active, role) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, pin_hash = excluded.pin_hash, active = excluded.active,
               role = excluded.role",
        )
        .bind(s.staff_id.to_string())
        .bind(&s.name)
        .bind(&s.pin_hash)
        .bind(s.active)
        .bind(&s.role)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn apply_orders(tx: &mut Transaction<'_, Sqlite>, changes: &[Change]) -> Result<(), CacheError> {
    for c in changes {
        let Some(o) = &c.order else { continue };
        // A status this build does not know (a newer central store) leaves the last known one.
        // A cancellation made here and not yet answered stands until the central store answers it.
        let own = sqlx::query(
            "UPDATE orders SET status = CASE WHEN EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = orders.id
                     AND x.kind = 'order_cancelled' AND x.acked_at IS NULL) THEN status ELSE coalesce(?, status) END,
                 tracking_number = ?, central_flags = ?,
                 central_outcome = coalesce(central_outcome, CASE WHEN ? = '[]' THEN 'applied' ELSE 'applied_with_flags' END),
                 central_payment = coalesce(?, central_payment), central_email = coalesce(?, central_email)
             WHERE id = ?",
        )
        .bind(o.status.known().map(|s| s.code()))
        .bind(&o.tracking_number)
        .bind(serde_json::to_string(&o.flags)?)
        .bind(serde_json::to_string(&o.flags)?)
        .bind(o.payment.as_ref().map(serde_json::to_string).transpose()?)
        .bind(o.email.as_ref().map(serde_json::to_string).transpose()?)
        .bind(o.order_id.to_string())
        .execute(&mut **tx)
        .await?
        .rows_affected()
            > 0;
        if !own {
            other_desks_order(tx, o).await?;
            continue;
        }
        central_version(tx, o).await?;
        if let Some(into) = o.customer_id {
            follow_merge(tx, &o.order_id.to_string(), &into.to_string()).await?;
        }
    }
    Ok(())
}

/// Issue 20: an order placed at another desk of the store, kept for the customer panel. Its customer is
/// the one this desk knows by id or, like `upsert_customer`, by the same phone and name; else the
/// customer is learnt from the order, under the central store's id.
async fn other_desks_order(
    tx: &mut Transaction<'_, Sqlite>,
    o: &skranke_protocol::OrderStatusRow,
) -> Result<(), CacheError> {
    let (Some(order), Some(placed_at)) = (&o.order, o.placed_at) else {
        return Ok(());
    };
    let c = &order.customer;
    let central_id = o.customer_id.map(|id| id.to_string());
    let known: Option<String> = sqlx::query_scalar(
        "SELECT id FROM customers WHERE id = ?1 OR (phone = ?2 AND name = ?3 COLLATE NOCASE)
         ORDER BY id = ?1 DESC LIMIT 1",
    )
    .bind(&central_id)
    .bind(c.phone.e164())
    .bind(&c.name)
    .fetch_optional(&mut **tx)
    .await?;
    let customer_id = match known {
        Some(id) => id,
        None => {
            let id = central_id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
            sqlx::query(
                "INSERT INTO customers (id, name, phone, email, address_line1, address_line2, postcode, place,
                                        marketing_consent, created_at, updated_at, search_text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9, ?10)",
            )
            .bind(&id)
            .bind(&c.name)
            .bind(c.phone.e164())
            .bind(c.email.as_ref().map(|e| e.as_str().to_string()))
            .bind(&c.address.line1)
            .bind(&c.address.line2)
            .bind(&c.address.postcode)
            .bind(&c.address.place)
            .bind(placed_at.to_rfc3339())
            .bind(
                format!("{} {}", c.name, c.email.as_ref().map(|e| e.as_str()).unwrap_or_default())
                    .to_lowercase(),
            )
            .execute(&mut **tx)
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO store_orders (id, order_number, customer_id, placed_at_utc, status, total_ore,
                                   central_payment, central_email, body)
         VALUES (?, ?, ?, ?, coalesce(?, 'under_behandling'), ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = CASE WHEN ? IS NULL THEN store_orders.status ELSE excluded.status END,
           total_ore = excluded.total_ore, central_payment = coalesce(excluded.central_payment, store_orders.central_payment),
           central_email = coalesce(excluded.central_email, store_orders.central_email), body = excluded.body",
    )
    .bind(o.order_id.to_string())
    .bind(&o.order_number)
    .bind(&customer_id)
    .bind(placed_at.to_rfc3339())
    .bind(o.status.known().map(|s| s.code()))
    .bind(order.totals.total.ore())
    .bind(o.payment.as_ref().map(serde_json::to_string).transpose()?)
    .bind(o.email.as_ref().map(serde_json::to_string).transpose()?)
    .bind(serde_json::to_string(order)?)
    .bind(o.status.known().map(|s| s.code()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Issue 20: the central store merged this order's customer into another record. The desk follows:
/// the record it knew moves, with its orders and consent records, to the one kept; when the desk has
/// never seen that one, its own record takes the kept id.
async fn follow_merge(
    tx: &mut Transaction<'_, Sqlite>,
    order_id: &str,
    into: &str,
) -> Result<(), CacheError> {
    let from: Option<String> = sqlx::query_scalar("SELECT customer_id FROM orders WHERE id = ?")
        .bind(order_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(from) = from.filter(|f| f != into) else {
        return Ok(());
    };
    let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ?")
        .bind(into)
        .fetch_optional(&mut **tx)
        .await?;
    if known.is_none() {
        sqlx::query(
            "INSERT INTO customers (id, name, phone, email, address_line1, address_line2, postcode, place,
                                    marketing_consent, search_text, created_at, updated_at)
             SELECT ?, name, phone, email, address_line1, address_line2, postcode, place,
                    marketing_consent, search_text, created_at, updated_at
             FROM customers WHERE id = ?",
        )
        .bind(into)
        .bind(&from)
        .execute(&mut **tx)
        .await?;
    }
    for table in ["orders", "store_orders", "consent_records", "customer_notes"] {
        sqlx::query(&format!(
            "UPDATE {table} SET customer_id = ? WHERE customer_id = ?"
        ))
        .bind(into)
        .bind(&from)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("DELETE FROM customers WHERE id = ?")
        .bind(&from)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The central store's version of an order: kept, and shown unless a change made here waits for
/// its answer (then that answer decides, `order_change::answered`).
async fn central_version(
    tx: &mut Transaction<'_, Sqlite>,
    o: &skranke_protocol::OrderStatusRow,
) -> Result<(), CacheError> {
    let id = o.order_id.to_string();
    let Some(order) = &o.order else { return Ok(()) };
    let body = serde_json::to_string(order)?;
    let known = sqlx::query(
        "UPDATE orders SET central_version = ?, central_body = ? WHERE id = ?
         RETURNING version, EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = orders.id
             AND x.kind = 'order_changed' AND x.acked_at IS NULL) AS waiting",
    )
    .bind(i64::from(o.version))
    .bind(&body)
    .bind(&id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = known else { return Ok(()) };
    let shown: i64 = row.try_get("version")?;
    let waiting: bool = row.try_get("waiting")?;
    if !waiting && shown != i64::from(o.version) {
        crate::orders::write_version(tx, &id, i64::from(o.version), order).await?;
    }
    Ok(())
}
