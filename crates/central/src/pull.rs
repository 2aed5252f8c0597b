//! Pull: the rows of a stream changed after a cursor, oldest first, never skipping a row whose
//! transaction commits late.
//!
//! Each row carries the id of the transaction that last wrote it (`sync_txid`) and a sequence number
//! (`sync_seq`); the cursor is that pair. A reader only returns rows whose transaction id is below
//! `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running: every transaction
//! below it has ended, so no row can later appear behind the cursor. A plain sequence cursor would skip
//! a row whose transaction took its number first and committed last.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use skranke_protocol::{
    AvailabilityRow, Change, ChangesResponse, Cursor, EmailState, EmailStatus, ErrorCode, Flag, OrderState,
    OrderStatusRow, PaymentStateCode, PaymentStatus, ProductRow, PullResponse, Stream, MAX_PULL_LIMIT,
};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Row};

use crate::extract::Device;
use crate::ApiError;

/// The query string of `GET /v1/pull`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PullQuery {
    /// `catalog`, `availability`, `orders` or `staff`.
    #[param(inline)]
    pub stream: Stream,
    /// From the previous answer; leave out (or `0.0`) to start from the beginning.
    #[param(pattern = r"^[0-9]+\.[0-9]+(:[0-9]+\.[0-9]+)?$")]
    pub cursor: Option<String>,
    /// Changes per page, 1–10000 (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// The store to read; must be the device's own. Defaults to it.
    pub store: Option<String>,
}

/// The query string of `GET /v1/changes`: each stream's cursor (absent: from the beginning).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangesQuery {
    #[param(pattern = r"^[0-9]+\.[0-9]+$")]
    pub catalog: Option<String>,
    #[param(pattern = r"^[0-9]+\.[0-9]+(:[0-9]+\.[0-9]+)?$")]
    pub availability: Option<String>,
    #[param(pattern = r"^[0-9]+\.[0-9]+$")]
    pub orders: Option<String>,
    #[param(pattern = r"^[0-9]+\.[0-9]+$")]
    pub staff: Option<String>,
    /// Changes per stream page, 1–10000 (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// One page of each stream: an idle desk polls with one request.
pub(crate) async fn changes(
    pool: &PgPool,
    device: &Device,
    q: ChangesQuery,
) -> Result<ChangesResponse, ApiError> {
    // One connection for the four reads: sqlx checks a connection with a round trip to PostgreSQL
    // when it is handed out and when it goes back, two for each read if each took its own.
    let mut conn = pool.acquire().await?;
    let mut pages = Vec::with_capacity(4);
    for (stream, cursor) in [
        (Stream::Catalog, q.catalog),
        (Stream::Availability, q.availability),
        (Stream::Orders, q.orders),
        (Stream::Staff, q.staff),
    ] {
        let one = PullQuery {
            stream,
            cursor,
            limit: q.limit,
            store: None,
        };
        pages.push(pull(&mut conn, device, one).await?);
    }
    Ok(ChangesResponse { pages })
}

/// (transaction id, sequence number): compared as a pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    txid: u64,
    seq: i64,
}

/// A cursor: `txid.seq`, or `txid.seq:txid.seq` after a snapshot (issue 21) — the availability
/// stream's general rows up to the second position came in the snapshot file, the store's own rows
/// did not, so they are read from the first position and the general rows from the second.
fn parse_cursor(text: Option<&str>) -> Result<(Position, Option<Position>), ApiError> {
    let text = text.unwrap_or(Cursor::START);
    let (from, floor) = match text.split_once(':') {
        Some((from, floor)) => (from, Some(floor)),
        None => (text, None),
    };
    // The same `txid.seq` position as the order-event feed's.
    let position = |t: &str| -> Result<Position, ApiError> {
        let c = crate::integration_feed::FeedCursor::parse(t)?;
        Ok(Position {
            txid: c.txid,
            seq: c.seq,
        })
    };
    Ok((position(from)?, floor.map(position).transpose()?))
}

fn format_cursor(p: &Position, floor: Option<&Position>) -> Cursor {
    match floor {
        Some(f) if f > p => Cursor(format!("{}.{}:{}.{}", p.txid, p.seq, f.txid, f.seq)),
        _ => Cursor(format!("{}.{}", p.txid, p.seq)),
    }
}

pub(crate) async fn pull(
    conn: &mut PgConnection,
    device: &Device,
    q: PullQuery,
) -> Result<PullResponse, ApiError> {
    if let Some(store) = &q.store {
        if !store.eq_ignore_ascii_case(&device.store_id) {
            return Err(ApiError::forbidden("En skranke kan bare lese sin egen butikk."));
        }
    }
    let (from, floor) = parse_cursor(q.cursor.as_deref())?;
    if floor.is_some() && q.stream != Stream::Availability {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            ErrorCode::InvalidValue,
            "Bare tilgjengelighet har markør med to posisjoner.".to_string(),
        ));
    }
    // The general availability rows start at the floor when there is one.
    let general_from = floor
        .clone()
        .filter(|f| *f > from)
        .unwrap_or_else(|| from.clone());
    let limit = match q.limit {
        None => 1000,
        Some(n @ 1..=MAX_PULL_LIMIT) => n,
        Some(n) => {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                ErrorCode::InvalidValue,
                format!("limit={n}: må være 1–{MAX_PULL_LIMIT}."),
            ))
        }
    };
    let fetch = i64::from(limit) + 1;
    // The xid8 travels as text: sqlx has no xid8 type, PostgreSQL casts text to xid8.
    let txid = from.txid.to_string();
    let rows: Vec<PgRow> = match q.stream {
        Stream::Catalog => sqlx::query(
            "SELECT sku AS key, deleted, sync_txid::text AS txid, sync_seq, name, brand, category, price_ore,
                        mva_percent, eans, supplier_direct
                 FROM products
                 WHERE (sync_txid, sync_seq) > ($1::xid8, $2)
                   AND sync_txid < pg_snapshot_xmin(pg_current_snapshot())
                 ORDER BY sync_txid, sync_seq LIMIT $3",
        )
        .bind(&txid)
        .bind(from.seq)
        .bind(fetch)
        .fetch_all(&mut *conn)
        .await?,
        Stream::Orders => {
            // Issue 20: an order placed at another desk of the store carries its body from version 1,
            // so the customer panel shows it; the desk that placed it already holds version 1.
            sqlx::query(
                "SELECT id::text AS key, false AS deleted, sync_txid::text AS txid, sync_seq, id, number, status,
                        tracking_number, flags, updated_at, placed_at, payment_method, payment_state, payment_detail,
                        payment_expires_at, email_state, email_to, email_detail, version, customer_id,
                        CASE WHEN version > 1 OR device_id <> $5 THEN body END AS body
                 FROM orders
                 WHERE store_id = $4 AND (sync_txid, sync_seq) > ($1::xid8, $2)
                   AND sync_txid < pg_snapshot_xmin(pg_current_snapshot())
                 ORDER BY sync_txid, sync_seq LIMIT $3",
            )
            .bind(&txid)
            .bind(from.seq)
            .bind(fetch)
            .bind(&device.store_id)
            .bind(device.id)
            .fetch_all(&mut *conn)
            .await?
        }
        Stream::Availability | Stream::Staff => {
            // The store's own rows: $4 is the device's store.
            let sql = match q.stream {
                Stream::Availability => {
                    "SELECT c.*, c.sync_txid::text AS txid FROM (
                         SELECT sku AS key, sku, NULL::text AS store_id, status, supplier_date, as_of, deleted,
                                NULL::integer AS units, sync_txid, sync_seq
                         FROM availability WHERE (sync_txid, sync_seq) > ($5::xid8, $6)
                         UNION ALL
                         SELECT store_id || '/' || sku, sku, store_id, status, supplier_date, as_of, deleted,
                                units, sync_txid, sync_seq
                         FROM store_availability WHERE store_id = $4 AND (sync_txid, sync_seq) > ($1::xid8, $2)
                     ) c
                     WHERE sync_txid < pg_snapshot_xmin(pg_current_snapshot())
                     ORDER BY sync_txid, sync_seq LIMIT $3"
                }
                _ => {
                    "SELECT id::text AS key, false AS deleted, sync_txid::text AS txid, sync_seq, id, name, pin_argon2, active, role
                     FROM staff
                     WHERE store_id = $4 AND (sync_txid, sync_seq) > ($1::xid8, $2)
                       AND sync_txid < pg_snapshot_xmin(pg_current_snapshot())
                     ORDER BY sync_txid, sync_seq LIMIT $3"
                }
            };
            let query = sqlx::query(sql)
                .bind(&txid)
                .bind(from.seq)
                .bind(fetch)
                .bind(&device.store_id);
            let query = match q.stream {
                Stream::Availability => query.bind(general_from.txid.to_string()).bind(general_from.seq),
                _ => query,
            };
            query.fetch_all(&mut *conn).await?
        }
    };
    let has_more = rows.len() > limit as usize;
    let mut cursor = from;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.iter().take(limit as usize) {
        let txid: String = row.try_get("txid")?;
        cursor = Position {
            txid: txid.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            seq: row.try_get("sync_seq")?,
        };
        changes.push(change(q.stream, row)?);
    }
    // Caught up past the store's own rows: every row still to come has a transaction id above
    // today's oldest running one, so above the floor too, and the cursor can jump to it.
    let floor = floor.filter(|_| has_more);
    let cursor = match floor.as_ref() {
        None if cursor < general_from => general_from,
        _ => cursor,
    };
    Ok(PullResponse {
        stream: q.stream,
        changes,
        cursor: format_cursor(&cursor, floor.as_ref()),
        has_more,
    })
}

fn change(stream: Stream, row: &PgRow) -> Result<Change, sqlx::Error> {
    let key: String = row.try_get("key")?;
    let deleted: bool = row.try_get("deleted")?;
    let mut change = Change {
        key,
        deleted,
        product: None,
        availability: None,
        order: None,
        staff: None,
    };
    if deleted {
        return Ok(change);
    }
    match stream {
        Stream::Catalog => {
            change.product = Some(product_row(change.key.clone(), row)?);
        }
        Stream::Availability => {
            change.availability = Some(AvailabilityRow {
                sku: row.try_get("sku")?,
                store_id: row.try_get("store_id")?,
                status: row.try_get("status")?,
                supplier_date: row.try_get::<Option<NaiveDate>, _>("supplier_date")?,
                as_of: row.try_get::<DateTime<Utc>, _>("as_of")?,
                units: row
                    .try_get::<Option<i32>, _>("units")?
                    .map(|u| u32::try_from(u).unwrap_or(0)),
            });
        }
        Stream::Staff => {
            change.staff = Some(skranke_protocol::StaffRow {
                staff_id: row.try_get("id")?,
                name: row.try_get("name")?,
                pin_hash: row.try_get("pin_argon2")?,
                active: row.try_get("active")?,
                role: row.try_get("role")?,
            });
        }
        Stream::Orders => {
            let status: String = row.try_get("status")?;
            let flags: Json<Vec<Flag>> = row.try_get("flags")?;
            change.order = Some(OrderStatusRow {
                order_id: row.try_get("id")?,
                order_number: row.try_get("number")?,
                status_text: OrderState::from_code(&status).text().to_string(),
                status: OrderState::from_code(&status),
                tracking_number: row.try_get("tracking_number")?,
                flags: flags.0,
                updated_at: row.try_get("updated_at")?,
                payment: payment_status(row)?,
                email: row
                    .try_get::<Option<String>, _>("email_state")?
                    .map(|state| -> Result<EmailStatus, sqlx::Error> {
                        Ok(EmailStatus {
                            state: EmailState::from_code(&state),
                            recipient: row.try_get("email_to")?,
                            detail: row.try_get("email_detail")?,
                        })
                    })
                    .transpose()?,
                version: u32::try_from(row.try_get::<i32, _>("version")?).unwrap_or(1),
                order: row
                    .try_get::<Option<Json<skranke_core::ValidOrder>>, _>("body")?
                    .map(|b| b.0),
                customer_id: row.try_get("customer_id")?,
                placed_at: row.try_get("placed_at")?,
            });
        }
    }
    Ok(change)
}

/// A product as the desks get it, from a row with the `products` columns (the SKU given apart: pull
/// selects it as the change's key).
pub(crate) fn product_row(sku: String, row: &PgRow) -> Result<ProductRow, sqlx::Error> {
    let mva: i16 = row.try_get("mva_percent")?;
    Ok(ProductRow {
        sku,
        name: row.try_get("name")?,
        brand: row.try_get("brand")?,
        category: row.try_get("category")?,
        price_ore: row.try_get("price_ore")?,
        mva_percent: u8::try_from(mva).unwrap_or(25),
        eans: row.try_get("eans")?,
        supplier_direct: row.try_get("supplier_direct")?,
    })
}

fn payment_status(row: &PgRow) -> Result<Option<PaymentStatus>, sqlx::Error> {
    let method: Option<String> = row.try_get("payment_method")?;
    let state: Option<String> = row.try_get("payment_state")?;
    Ok(match (method, state) {
        (Some(method), Some(state)) => {
            let state = skranke_core::payment_state::PaymentState::from_code(&state)
                .map_or(PaymentStateCode::Unknown, PaymentStateCode::from);
            Some(PaymentStatus {
                method,
                text: state.text().to_string(),
                state,
                detail: row.try_get("payment_detail")?,
                expires_at: row.try_get("payment_expires_at")?,
            })
        }
        _ => None,
    })
}
