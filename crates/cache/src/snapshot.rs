//! A catalog snapshot on its way in (issue 21 item 1): the file's parts as they arrive, then its
//! products in batches, each batch committed (search finds what is in), then the streams' cursors.

use chrono::{DateTime, Utc};
use skranke_core::{Availability, Money, MvaRate, Product};
use skranke_protocol::{Cursor, SnapshotOffer, SnapshotProduct, Stream};
use sqlx::QueryBuilder;

use crate::catalog::upsert_products;
use crate::{Cache, CacheError};

/// Where a snapshot being fetched stands on the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDownload {
    pub offer: SnapshotOffer,
    /// Bytes of the file on the desk.
    pub received: u64,
    /// Lines of the file already in the catalog.
    pub imported: u64,
}

impl Cache {
    /// The snapshot being fetched, if any.
    pub async fn snapshot_download(&self) -> Result<Option<SnapshotDownload>, CacheError> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT d.offer, d.imported, coalesce((SELECT sum(length(p.data)) FROM snapshot_parts p WHERE p.id = d.id), 0)
             FROM snapshot_download d LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(offer, imported, received)| {
            Ok(SnapshotDownload {
                offer: serde_json::from_str(&offer)?,
                received: u64::try_from(received).unwrap_or(0),
                imported: u64::try_from(imported).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Starts fetching `offer`, dropping any other snapshot half fetched.
    pub async fn begin_snapshot(&self, offer: &SnapshotOffer) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM snapshot_download")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO snapshot_download (id, offer) VALUES (?, ?)")
            .bind(offer.id.to_string())
            .bind(serde_json::to_string(offer)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the part of the file that starts at byte `start`.
    pub async fn append_snapshot_part(
        &self,
        id: uuid::Uuid,
        start: u64,
        data: &[u8],
    ) -> Result<(), CacheError> {
        sqlx::query("INSERT INTO snapshot_parts (id, start, data) VALUES (?, ?, ?)")
            .bind(id.to_string())
            .bind(i64::try_from(start).unwrap_or(i64::MAX))
            .bind(data)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The file as far as it has come.
    pub async fn snapshot_file(&self, id: uuid::Uuid) -> Result<Vec<u8>, CacheError> {
        let parts: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM snapshot_parts WHERE id = ? ORDER BY start")
                .bind(id.to_string())
                .fetch_all(&self.pool)
                .await?;
        Ok(parts.concat())
    }

    /// Drops the snapshot being fetched (its file was damaged, or the offer is gone).
    pub async fn discard_snapshot(&self) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM snapshot_download")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts one batch of the file's lines into the catalog, and counts them as imported, in one
    /// transaction: search finds them from the commit on, and a cut import goes on after them.
    pub async fn import_snapshot_batch(
        &self,
        id: uuid::Uuid,
        lines: &[SnapshotProduct],
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let products: Vec<Product> = lines.iter().map(|l| product_of(l, now)).collect();
        let mut tx = self.write().await?;
        upsert_products(&mut tx, &products).await?;
        let general: Vec<(&str, &skranke_protocol::SnapshotAvailability)> = lines
            .iter()
            .filter_map(|l| l.availability.as_ref().map(|a| (l.product.sku.as_str(), a)))
            .collect();
        for chunk in general.chunks(5_000) {
            let mut q =
                QueryBuilder::new("INSERT INTO availability_general (sku, status, supplier_date, as_of) ");
            q.push_values(chunk, |mut row, (sku, a)| {
                row.push_bind(*sku)
                    .push_bind(&a.status)
                    .push_bind(a.supplier_date.map(|d| d.to_string()))
                    .push_bind(a.as_of.to_rfc3339());
            });
            q.push(
                " ON CONFLICT (sku) DO UPDATE SET status = excluded.status,
                  supplier_date = excluded.supplier_date, as_of = excluded.as_of",
            );
            q.build().execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE snapshot_download SET imported = imported + ? WHERE id = ?")
            .bind(i64::try_from(lines.len()).unwrap_or(0))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The whole file is in: the catalog stream goes on from the snapshot's cursor, the availability
    /// stream from the beginning for the store's own rows and from the snapshot's cursor for the
    /// general ones (`0.0:<cursor>`), and the download is dropped.
    pub async fn finish_snapshot(&self, offer: &SnapshotOffer, now: DateTime<Utc>) -> Result<(), CacheError> {
        let availability = if offer.availability_cursor.0 == Cursor::START {
            Cursor::start()
        } else {
            Cursor(format!("{}:{}", Cursor::START, offer.availability_cursor.0))
        };
        let mut tx = self.write().await?;
        for (stream, cursor) in [
            (Stream::Catalog, &offer.catalog_cursor),
            (Stream::Availability, &availability),
        ] {
            sqlx::query(
                "INSERT INTO sync_cursor (stream, cursor, staged_cursor, applied_at) VALUES (?, ?, NULL, ?)
                 ON CONFLICT (stream) DO UPDATE SET cursor = excluded.cursor, staged_cursor = NULL,
                   applied_at = excluded.applied_at",
            )
            .bind(stream.code())
            .bind(&cursor.0)
            .bind(now.to_rfc3339())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sync_staging WHERE stream = ?")
                .bind(stream.code())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO catalog_meta (key, value) VALUES ('as_of', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(offer.created_at.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM snapshot_download")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn product_of(line: &SnapshotProduct, now: DateTime<Utc>) -> Product {
    let p = &line.product;
    let (availability, as_of) = match &line.availability {
        Some(a) => (
            Availability::from_code(&a.status, a.supplier_date).unwrap_or(Availability::Unconfirmed),
            a.as_of,
        ),
        None => (Availability::Unconfirmed, now),
    };
    Product {
        sku: p.sku.clone(),
        eans: p.eans.clone(),
        name: p.name.clone(),
        brand: p.brand.clone(),
        category: p.category.clone(),
        price: Money::from_ore(p.price_ore),
        mva_rate: MvaRate::from_percent(u32::from(p.mva_percent)).unwrap_or(MvaRate::General),
        availability,
        availability_as_of: Some(as_of),
        supplier_direct: p.supplier_direct,
    }
}
