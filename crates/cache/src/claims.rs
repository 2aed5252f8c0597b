//! Claims at the desk (R1, D10): the photos kept once by their SHA-256, the claim written with its
//! outbox entry in one transaction, and which photos still wait to be uploaded.

use chrono::{DateTime, Utc};
use skranke_core::claim::ValidClaim;
use skranke_protocol::{ClaimRegistered, MutationKind};
use sqlx::Row;
use uuid::Uuid;

use crate::outbox::enqueue_next;
use crate::{Cache, CacheError};

/// A claim on disk and queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedClaim {
    pub claim_no: i64,
    /// The claim id had been recorded before (a retry): nothing new was written.
    pub already_recorded: bool,
}

/// A photo the central store does not have all of yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPhoto {
    pub sha256: String,
    pub data: Vec<u8>,
}

impl Cache {
    /// Keeps a prepared photo (the same photo twice is kept once).
    pub async fn add_photo(
        &self,
        sha256: &str,
        jpeg: &[u8],
        width: u32,
        height: u32,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO photos (sha256, data, width, height, added_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(jpeg)
        .bind(i64::from(width))
        .bind(i64::from(height))
        .bind(now.to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many bytes the photos named weigh together (a claim holds at most 10 MB); a name the desk
    /// does not have is an error.
    pub async fn photo_bytes(&self, names: &[String]) -> Result<u64, CacheError> {
        let mut total = 0u64;
        for name in names {
            let len: Option<i64> = sqlx::query_scalar("SELECT length(data) FROM photos WHERE sha256 = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
            let len = len.ok_or_else(|| CacheError::PhotoMissing(name.clone()))?;
            total += u64::try_from(len).unwrap_or(0);
        }
        Ok(total)
    }

    /// One photo's bytes.
    pub async fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, CacheError> {
        Ok(sqlx::query_scalar("SELECT data FROM photos WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records `claim` on the order `order_id` with its `claim_registered` entry. Recording the same
    /// `claim_id` again returns the first result.
    pub async fn record_claim(
        &self,
        order_id: &str,
        claim_id: Uuid,
        claim: &ValidClaim,
        now: DateTime<Utc>,
    ) -> Result<RecordedClaim, CacheError> {
        let id = claim_id.to_string();
        let mut tx = self.write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT claim_no FROM claims WHERE id = ?")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(claim_no) = known {
            return Ok(RecordedClaim {
                claim_no,
                already_recorded: true,
            });
        }
        for name in &claim.photos {
            let have: Option<i64> = sqlx::query_scalar("SELECT 1 FROM photos WHERE sha256 = ?")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            if have.is_none() {
                return Err(CacheError::PhotoMissing(name.clone()));
            }
        }
        let claim_no: i64 =
            sqlx::query_scalar("SELECT coalesce(max(claim_no), 0) + 1 FROM claims WHERE order_id = ?")
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO claims (id, order_id, claim_no, body, created_at_utc) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(order_id)
        .bind(claim_no)
        .bind(serde_json::to_string(claim)?)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::to_string(&ClaimRegistered {
            claim_id,
            order_id: Uuid::parse_str(order_id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
            claim_no,
            created_at_utc: now,
            claim: claim.clone(),
        })?;
        enqueue_next(
            &mut tx,
            MutationKind::ClaimRegistered,
            Some(order_id),
            &payload,
            now,
        )
        .await?;
        let number: String = sqlx::query_scalar("SELECT order_number FROM orders WHERE id = ?")
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await?;
        let subject = format!("{number}: {} {claim_no}", claim.kind.text());
        crate::audit::append(&mut tx, &self.actor(), "reklamasjon registrert", &subject, now).await?;
        tx.commit().await?;
        Ok(RecordedClaim {
            claim_no,
            already_recorded: false,
        })
    }

    /// The claims of an order, oldest first.
    pub async fn claims_of(&self, order_id: &str) -> Result<Vec<(i64, ValidClaim)>, CacheError> {
        let rows = sqlx::query("SELECT claim_no, body FROM claims WHERE order_id = ? ORDER BY claim_no")
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("claim_no")?,
                    serde_json::from_str(&r.try_get::<String, _>("body")?)?,
                ))
            })
            .collect()
    }

    /// Photos named by a claim that the central store does not have all of yet.
    pub async fn photos_to_upload(&self) -> Result<Vec<PendingPhoto>, CacheError> {
        let rows = sqlx::query(
            "SELECT p.sha256, p.data FROM photos p
             WHERE p.uploaded_at IS NULL
               AND EXISTS (SELECT 1 FROM claims c, json_each(c.body, '$.photos') j WHERE j.value = p.sha256)
             ORDER BY p.added_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingPhoto {
                    sha256: r.try_get("sha256")?,
                    data: r.try_get("data")?,
                })
            })
            .collect()
    }

    pub async fn mark_photo_uploaded(&self, sha256: &str, now: DateTime<Utc>) -> Result<(), CacheError> {
        sqlx::query("UPDATE photos SET uploaded_at = ? WHERE sha256 = ?")
            .bind(now.to_rfc3339())
            .bind(sha256)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
