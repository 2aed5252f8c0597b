//! The catalog snapshot (issue 21 item 1): the whole catalog with its general availability as one
//! gzip file of JSON lines, and the cursors of both streams it stands at, so a new desk fetches one
//! file in a few requests instead of pulling a million changes page by page.
//!
//! The cursors follow pull's rule: a row is behind a cursor only if its transaction id is below the
//! oldest transaction still running when the file was read, and the file is read in one
//! repeatable-read transaction, so every row behind the cursor is in the file and every later change
//! is pulled after it. A row both in the file and pulled again is applied twice, which changes nothing.

use std::io::Write;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use flate2::write::GzEncoder;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use skranke_protocol::{Cursor, SnapshotAvailability, SnapshotOffer, SnapshotProduct};
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// A snapshot younger than this is offered as it is; the changes since come by pull.
pub const MAX_AGE: Duration = Duration::hours(6);
/// Most bytes one range answer carries: a desk fetches a big file in a few requests, each short
/// enough that a cut costs little.
pub const MAX_RANGE_BYTES: u64 = 16 * 1024 * 1024;
/// Serialises building across instances: only one builds, the others wait and take its file.
const BUILD_LOCK: i64 = 0x736b_7261_6e6b_6531;

/// The newest snapshot younger than [`MAX_AGE`], built now if there is none.
pub async fn offer(pool: &PgPool, now: DateTime<Utc>) -> Result<SnapshotOffer, sqlx::Error> {
    if let Some(found) = newest(pool, now).await? {
        return Ok(found);
    }
    let mut lock = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(BUILD_LOCK)
        .execute(&mut *lock)
        .await?;
    // Another instance may have built one while this one waited for the lock.
    let offer = match newest(pool, now).await? {
        Some(found) => found,
        None => build(pool, now).await?,
    };
    lock.commit().await?;
    Ok(offer)
}

async fn newest(pool: &PgPool, now: DateTime<Utc>) -> Result<Option<SnapshotOffer>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, created_at, catalog_cursor, availability_cursor, products, sha256, octet_length(data) AS bytes
         FROM catalog_snapshots WHERE created_at > $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(now - MAX_AGE)
    .fetch_optional(pool)
    .await?;
    row.map(|r| -> Result<SnapshotOffer, sqlx::Error> {
        let id: Uuid = r.try_get("id")?;
        Ok(SnapshotOffer {
            id,
            created_at: r.try_get("created_at")?,
            url: format!("/v1/snapshots/catalog/{id}"),
            catalog_cursor: Cursor(r.try_get("catalog_cursor")?),
            availability_cursor: Cursor(r.try_get("availability_cursor")?),
            products: u64::try_from(r.try_get::<i64, _>("products")?).unwrap_or(0),
            bytes: u64::try_from(r.try_get::<i32, _>("bytes")?).unwrap_or(0),
            sha256: r.try_get("sha256")?,
        })
    })
    .transpose()
}

/// Reads the catalog at one moment and stores it as a new snapshot; older ones but the previous
/// (a desk may be half-way through it) are deleted.
pub async fn build(pool: &PgPool, now: DateTime<Utc>) -> Result<SnapshotOffer, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let mut cursors = Vec::with_capacity(2);
    for table in ["products", "availability"] {
        let last: Option<(String, i64)> = sqlx::query_as(&format!(
            "SELECT sync_txid::text, sync_seq FROM {table}
             WHERE sync_txid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY sync_txid DESC, sync_seq DESC LIMIT 1"
        ))
        .fetch_optional(&mut *tx)
        .await?;
        cursors.push(last.map_or_else(Cursor::start, |(t, s)| Cursor(format!("{t}.{s}"))));
    }
    let mut gz = GzEncoder::new(Vec::with_capacity(64 << 20), flate2::Compression::fast());
    let mut products: i64 = 0;
    let mut line = Vec::with_capacity(512);
    {
        let mut rows = sqlx::query(
            "SELECT p.sku, p.name, p.brand, p.category, p.price_ore, p.mva_percent, p.eans, p.supplier_direct,
                    a.status, a.supplier_date, a.as_of
             FROM products p LEFT JOIN availability a ON a.sku = p.sku AND NOT a.deleted
             WHERE NOT p.deleted
             ORDER BY p.sku",
        )
        .fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let status: Option<String> = row.try_get("status")?;
            let availability = match status {
                Some(status) => Some(SnapshotAvailability {
                    status,
                    supplier_date: row.try_get::<Option<NaiveDate>, _>("supplier_date")?,
                    as_of: row.try_get("as_of")?,
                }),
                None => None,
            };
            let item = SnapshotProduct {
                product: crate::pull::product_row(row.try_get("sku")?, &row)?,
                availability,
            };
            line.clear();
            serde_json::to_writer(&mut line, &item).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            line.push(b'\n');
            gz.write_all(&line).map_err(sqlx::Error::Io)?;
            products += 1;
        }
    }
    tx.commit().await?;
    let data = gz.finish().map_err(sqlx::Error::Io)?;
    let sha256 = hex::encode(Sha256::digest(&data));
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO catalog_snapshots (id, created_at, catalog_cursor, availability_cursor, products, sha256, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(now)
    .bind(&cursors[0].0)
    .bind(&cursors[1].0)
    .bind(products)
    .bind(&sha256)
    .bind(&data)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM catalog_snapshots WHERE id NOT IN
           (SELECT id FROM catalog_snapshots ORDER BY created_at DESC LIMIT 2)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(%id, products, bytes = data.len(), "katalogutdrag laget");
    Ok(SnapshotOffer {
        id,
        created_at: now,
        url: format!("/v1/snapshots/catalog/{id}"),
        catalog_cursor: cursors[0].clone(),
        availability_cursor: cursors[1].clone(),
        products: u64::try_from(products).unwrap_or(0),
        bytes: data.len() as u64,
        sha256,
    })
}

/// A byte range of a snapshot's file.
#[derive(Debug)]
pub struct Slice {
    pub bytes: Vec<u8>,
    pub start: u64,
    pub total: u64,
}

/// Bytes `start..=end` (to the end of the file when `end` is absent), at most [`MAX_RANGE_BYTES`].
/// `None`: no such snapshot. `Err(total)` in the inner result: the range starts past the end.
pub async fn slice(
    pool: &PgPool,
    id: Uuid,
    start: u64,
    end: Option<u64>,
) -> Result<Option<Result<Slice, u64>>, sqlx::Error> {
    let total: Option<i32> =
        sqlx::query_scalar("SELECT octet_length(data) FROM catalog_snapshots WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some(total) = total.map(|t| u64::try_from(t).unwrap_or(0)) else {
        return Ok(None);
    };
    if start >= total && total > 0 {
        return Ok(Some(Err(total)));
    }
    let last = end
        .unwrap_or(u64::MAX)
        .min(total.saturating_sub(1))
        .min(start + MAX_RANGE_BYTES - 1);
    let length = (last + 1).saturating_sub(start);
    // substring counts from 1; with EXTERNAL storage PostgreSQL reads only the chunks it needs.
    let bytes: Vec<u8> = sqlx::query_scalar(
        "SELECT substring(data FROM $2::integer FOR $3::integer) FROM catalog_snapshots WHERE id = $1",
    )
    .bind(id)
    .bind(i64::try_from(start + 1).unwrap_or(i64::MAX))
    .bind(i64::try_from(length).unwrap_or(0))
    .fetch_one(pool)
    .await?;
    Ok(Some(Ok(Slice { bytes, start, total })))
}

/// Parses a `Range` header of one range in bytes: `bytes=a-b` or `bytes=a-`. A suffix range
/// (`bytes=-n`) or several ranges are not asked for by desks; `None` makes the answer the whole file.
pub fn parse_range(header: &str) -> Option<(u64, Option<u64>)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let start = a.trim().parse().ok()?;
    let end = match b.trim() {
        "" => None,
        b => Some(b.parse().ok()?),
    };
    match end {
        Some(e) if e < start => None,
        _ => Some((start, end)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn one_byte_range_is_read_and_others_mean_the_whole_file() {
        assert_eq!(parse_range("bytes=0-"), Some((0, None)));
        assert_eq!(parse_range("bytes=100-199"), Some((100, Some(199))));
        assert_eq!(parse_range(" bytes=5-5"), Some((5, Some(5))));
        assert_eq!(parse_range("bytes=-500"), None);
        assert_eq!(parse_range("bytes=0-1,5-9"), None);
        assert_eq!(parse_range("bytes=9-5"), None);
        assert_eq!(parse_range("items=0-5"), None);
    }
}
