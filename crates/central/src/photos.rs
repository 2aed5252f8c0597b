//! Photos of a claim, uploaded by a desk in chunks: resumable (the desk asks how far an upload came
//! and sends the rest), content-addressed within the store (a photo is named by its SHA-256, so a
//! retry never stores a second copy), at most 10 MB, JPEG only (the desk converts). Personal data:
//! exported and forgotten with the customer's claims (F8).

use chrono::{DateTime, Utc};
use skranke_protocol::{PhotoUpload, MAX_PHOTO_BYTES};
use sqlx::PgPool;

use crate::extract::Device;

/// Why a chunk was not taken.
#[derive(Debug)]
pub enum PhotoRefusal {
    /// The name is not a lower-case hex SHA-256, or the `Content-Range` is not `bytes a-b/n` with the
    /// body's length.
    BadRequest(String),
    TooLarge {
        total: u64,
    },
    /// The chunk does not start where the upload stands.
    Offset {
        received: u64,
    },
    /// Complete, but not what the name says, or not a JPEG: the upload is discarded.
    Mismatch(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for PhotoRefusal {
    fn from(e: sqlx::Error) -> PhotoRefusal {
        PhotoRefusal::Database(e)
    }
}

/// `bytes START-END/TOTAL` (END inclusive), as RFC 9110 writes a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRange {
    pub start: u64,
    pub end: u64,
    pub total: u64,
}

impl ChunkRange {
    pub fn parse(header: &str) -> Option<ChunkRange> {
        let rest = header.trim().strip_prefix("bytes ")?;
        let (range, total) = rest.split_once('/')?;
        let (start, end) = range.split_once('-')?;
        let r = ChunkRange {
            start: start.trim().parse().ok()?,
            end: end.trim().parse().ok()?,
            total: total.trim().parse().ok()?,
        };
        (r.start <= r.end && r.end < r.total).then_some(r)
    }
}

pub use skranke_core::claim::is_photo_name as valid_name;

/// How much of the photo `sha256` the store holds, if any.
pub async fn status(
    pool: &PgPool,
    device: &Device,
    sha256: &str,
) -> Result<Option<PhotoUpload>, sqlx::Error> {
    let row: Option<(i32, i32, bool)> = sqlx::query_as(
        "SELECT octet_length(data), total_bytes, complete FROM photos WHERE store_id = $1 AND sha256 = $2",
    )
    .bind(&device.store_id)
    .bind(sha256)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(received, total, complete)| PhotoUpload {
        received: u64::try_from(received).unwrap_or(0),
        total: u64::try_from(total).unwrap_or(0),
        complete,
    }))
}

/// Takes one chunk of the photo `sha256`. A photo already complete takes nothing and says so (a
/// retry after a lost answer); the last chunk completes it once the bytes hash to the name.
pub async fn put_chunk(
    pool: &PgPool,
    device: &Device,
    sha256: &str,
    range: Option<&str>,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<PhotoUpload, PhotoRefusal> {
    if !valid_name(sha256) {
        return Err(PhotoRefusal::BadRequest(
            "Bildets navn må være SHA-256 av innholdet (64 små heksadesimale tegn).".into(),
        ));
    }
    let r = range.and_then(ChunkRange::parse).ok_or_else(|| {
        PhotoRefusal::BadRequest("Content-Range må være «bytes start-slutt/størrelse».".into())
    })?;
    if r.total > MAX_PHOTO_BYTES {
        return Err(PhotoRefusal::TooLarge { total: r.total });
    }
    if r.end - r.start + 1 != bytes.len() as u64 {
        return Err(PhotoRefusal::BadRequest(format!(
            "Content-Range sier {} byte, men innholdet har {}.",
            r.end - r.start + 1,
            bytes.len()
        )));
    }
    let total = i32::try_from(r.total).unwrap_or(i32::MAX);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO photos (store_id, sha256, total_bytes, device_id, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id, sha256) DO NOTHING",
    )
    .bind(&device.store_id)
    .bind(sha256)
    .bind(total)
    .bind(device.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (received, stored_total, complete): (i32, i32, bool) = sqlx::query_as(
        "SELECT octet_length(data), total_bytes, complete FROM photos WHERE store_id = $1 AND sha256 = $2 FOR UPDATE",
    )
    .bind(&device.store_id)
    .bind(sha256)
    .fetch_one(&mut *tx)
    .await?;
    let received = u64::try_from(received).unwrap_or(0);
    if complete {
        tx.commit().await?;
        return Ok(PhotoUpload {
            received,
            total: received,
            complete: true,
        });
    }
    if i64::from(stored_total) != i64::from(total) {
        return Err(PhotoRefusal::BadRequest(format!(
            "Bildet ble påbegynt med størrelse {stored_total}, ikke {}.",
            r.total
        )));
    }
    if r.start != received {
        return Err(PhotoRefusal::Offset { received });
    }
    let now_held: i32 = sqlx::query_scalar(
        "UPDATE photos SET data = data || $3 WHERE store_id = $1 AND sha256 = $2 RETURNING octet_length(data)",
    )
    .bind(&device.store_id)
    .bind(sha256)
    .bind(bytes)
    .fetch_one(&mut *tx)
    .await?;
    let held = u64::try_from(now_held).unwrap_or(0);
    if held < r.total {
        tx.commit().await?;
        return Ok(PhotoUpload {
            received: held,
            total: r.total,
            complete: false,
        });
    }
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM photos WHERE store_id = $1 AND sha256 = $2")
        .bind(&device.store_id)
        .bind(sha256)
        .fetch_one(&mut *tx)
        .await?;
    let problem = if skranke_protocol::payload_sha256(&data) != sha256 {
        Some("Bildet som kom fram, har ikke den SHA-256 navnet sier: send det på nytt fra start.")
    } else if !data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("Sentralen tar bare JPEG-bilder (skranken gjør om PNG og HEIC).")
    } else {
        None
    };
    if let Some(problem) = problem {
        sqlx::query("DELETE FROM photos WHERE store_id = $1 AND sha256 = $2")
            .bind(&device.store_id)
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(PhotoRefusal::Mismatch(problem.into()));
    }
    sqlx::query("UPDATE photos SET complete = true, completed_at = $3 WHERE store_id = $1 AND sha256 = $2")
        .bind(&device.store_id)
        .bind(sha256)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PhotoUpload {
        received: held,
        total: r.total,
        complete: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_writes_them() {
        assert_eq!(
            ChunkRange::parse("bytes 0-99/1000"),
            Some(ChunkRange {
                start: 0,
                end: 99,
                total: 1000
            })
        );
        assert_eq!(ChunkRange::parse("bytes 900-999/1000").map(|r| r.end), Some(999));
        for bad in [
            "bytes 0-1000/1000",
            "bytes 5-4/10",
            "0-9/10",
            "bytes */10",
            "bytes a-b/c",
            "",
        ] {
            assert_eq!(ChunkRange::parse(bad), None, "{bad}");
        }
    }
}
