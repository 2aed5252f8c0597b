//! Importing the catalog into the central store: a Google Merchant feed, a local inventory feed (per
//! store availability), or the desk's CSV / JSON lines. Only rows that changed are written, so only
//! they travel to the desks.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use skranke_core::Product;
use sqlx::PgPool;

/// What an import did (or, previewed, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub products_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Products no longer in a complete feed, now tombstones.
    pub deleted: u64,
    pub availability_changed: u64,
    /// A few of the products behind each count, for a person to check before applying.
    #[serde(default)]
    pub examples: ImportExamples,
}

/// Up to [`EXAMPLES`] SKUs per kind of change.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportExamples {
    pub inserted: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
}

/// How many SKUs an import report names per kind of change.
pub const EXAMPLES: usize = 10;

/// Whether an import is kept or only looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Apply,
    /// Everything is done in a transaction that is rolled back: the counts are exactly what applying
    /// would do against the catalog as it is now.
    Preview,
}

async fn finish(tx: sqlx::Transaction<'_, sqlx::Postgres>, outcome: Outcome) -> Result<(), sqlx::Error> {
    match outcome {
        Outcome::Apply => tx.commit().await,
        Outcome::Preview => tx.rollback().await,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] skranke_catalog::CatalogError),
    #[error("databasefeil: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
}

/// How the file's products relate to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// The file is the whole catalog: products missing from it are deleted (tombstoned).
    Complete,
    /// The file updates some products; the rest are left alone.
    Partial,
}

/// Reads `path` (format from its name and first line) and applies it in one transaction.
pub async fn import_file(
    pool: &PgPool,
    path: &Path,
    completeness: Completeness,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    run_file(pool, path, completeness, now, Outcome::Apply).await
}

/// What [`import_file`] would do with `path` now, changing nothing.
pub async fn preview_file(
    pool: &PgPool,
    path: &Path,
    completeness: Completeness,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    run_file(pool, path, completeness, now, Outcome::Preview).await
}

async fn run_file(
    pool: &PgPool,
    path: &Path,
    completeness: Completeness,
    now: DateTime<Utc>,
    outcome: Outcome,
) -> Result<ImportReport, ImportError> {
    let head = read_head(path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let first_line = head.lines().next().unwrap_or_default();
    let columns: Vec<&str> = first_line.split('\t').map(str::trim).collect();
    if columns.contains(&"store_code") {
        return import_local_inventory(pool, path, now, outcome).await;
    }
    let merchant = ext == "xml" || ext == "tsv" || head.trim_start().starts_with('<') || columns.len() > 1;
    let products = if merchant {
        skranke_catalog::read_merchant_feed(path, now)?
    } else {
        let mut all = Vec::new();
        skranke_catalog::read_catalog::<skranke_catalog::CatalogError>(path, now, 10_000, |batch| {
            all.extend(batch);
            Ok(())
        })?;
        all
    };
    write_products(pool, &products, completeness, now, outcome).await
}

fn read_head(path: &Path) -> Result<String, ImportError> {
    use std::io::Read;
    let mut buf = vec![0u8; 4096];
    let mut file = std::fs::File::open(path).map_err(|e| skranke_catalog::CatalogError::Io {
        context: format!("kan ikke åpne {}", path.display()),
        source: e,
    })?;
    let n = file
        .read(&mut buf)
        .map_err(|e| skranke_catalog::CatalogError::Io {
            context: format!("kan ikke lese {}", path.display()),
            source: e,
        })?;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Upserts products and their availability; a row is written only when a field differs.
pub async fn import_products(
    pool: &PgPool,
    products: &[Product],
    completeness: Completeness,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    write_products(pool, products, completeness, now, Outcome::Apply).await
}

async fn write_products(
    pool: &PgPool,
    products: &[Product],
    completeness: Completeness,
    now: DateTime<Utc>,
    outcome: Outcome,
) -> Result<ImportReport, ImportError> {
    let mut seen = std::collections::HashSet::new();
    for p in products {
        if !seen.insert(p.sku.as_str()) {
            return Err(ImportError::Invalid(format!(
                "varenummeret {} står to ganger i filen",
                p.sku
            )));
        }
    }
    let mut report = ImportReport {
        products_read: products.len() as u64,
        ..ImportReport::default()
    };
    let mut tx = pool.begin().await?;
    for chunk in products.chunks(5000) {
        let skus: Vec<&str> = chunk.iter().map(|p| p.sku.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|p| p.name.as_str()).collect();
        let brands: Vec<&str> = chunk.iter().map(|p| p.brand.as_str()).collect();
        let categories: Vec<&str> = chunk.iter().map(|p| p.category.as_str()).collect();
        let prices: Vec<i64> = chunk.iter().map(|p| p.price.ore()).collect();
        let mva: Vec<i16> = chunk
            .iter()
            .map(|p| i16::try_from(p.mva_rate.percent()).unwrap_or(25))
            .collect();
        // One text per product: PostgreSQL cannot unnest an array of arrays of different lengths.
        let eans: Vec<String> = chunk.iter().map(|p| p.eans.join(" ")).collect();
        let direct: Vec<bool> = chunk.iter().map(|p| p.supplier_direct).collect();
        let written: Vec<(String, bool)> = sqlx::query_as(
            "INSERT INTO products (sku, name, brand, category, price_ore, mva_percent, eans, supplier_direct, deleted, updated_at)
             SELECT sku, name, brand, category, price, mva, coalesce(string_to_array(nullif(eans, ''), ' '), '{}'), direct, false, $8
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::smallint[], $7::text[], $9::boolean[])
                  AS t (sku, name, brand, category, price, mva, eans, direct)
             ON CONFLICT (sku) DO UPDATE SET
                 name = excluded.name, brand = excluded.brand, category = excluded.category,
                 price_ore = excluded.price_ore, mva_percent = excluded.mva_percent,
                 eans = excluded.eans, supplier_direct = excluded.supplier_direct, deleted = false,
                 updated_at = excluded.updated_at
             WHERE (products.name, products.brand, products.category, products.price_ore, products.mva_percent,
                    products.eans, products.supplier_direct, products.deleted)
                   IS DISTINCT FROM
                   (excluded.name, excluded.brand, excluded.category, excluded.price_ore, excluded.mva_percent,
                    excluded.eans, excluded.supplier_direct, false)
             RETURNING sku, xmax = 0",
        )
        .bind(&skus)
        .bind(&names)
        .bind(&brands)
        .bind(&categories)
        .bind(&prices)
        .bind(&mva)
        .bind(&eans)
        .bind(now)
        .bind(&direct)
        .fetch_all(&mut *tx)
        .await?;
        let new = written.iter().filter(|(_, inserted)| *inserted).count() as u64;
        report.inserted += new;
        report.updated += written.len() as u64 - new;
        for (sku, inserted) in written {
            let list = if inserted {
                &mut report.examples.inserted
            } else {
                &mut report.examples.updated
            };
            if list.len() < EXAMPLES {
                list.push(sku);
            }
        }

        let codes: Vec<&str> = chunk.iter().map(|p| p.availability.code()).collect();
        let dates: Vec<Option<NaiveDate>> = chunk.iter().map(supplier_date).collect();
        let changed = sqlx::query(
            "INSERT INTO availability (sku, status, supplier_date, as_of, deleted)
             SELECT sku, status, date, $4, false
             FROM unnest($1::text[], $2::text[], $3::date[]) AS t (sku, status, date)
             ON CONFLICT (sku) DO UPDATE SET
                 status = excluded.status, supplier_date = excluded.supplier_date, as_of = excluded.as_of,
                 deleted = false
             WHERE (availability.status, availability.supplier_date, availability.deleted)
                   IS DISTINCT FROM (excluded.status, excluded.supplier_date, false)",
        )
        .bind(&skus)
        .bind(&codes)
        .bind(&dates)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        report.availability_changed += changed.rows_affected();
    }
    report.unchanged = report.products_read - report.inserted - report.updated;
    if completeness == Completeness::Complete {
        let all: Vec<&str> = products.iter().map(|p| p.sku.as_str()).collect();
        let gone: Vec<String> = sqlx::query_scalar(
            "UPDATE products SET deleted = true, updated_at = $2 WHERE NOT deleted AND sku <> ALL($1::text[])
             RETURNING sku",
        )
        .bind(&all)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        report.deleted = gone.len() as u64;
        report.examples.deleted = gone.into_iter().take(EXAMPLES).collect();
        sqlx::query("UPDATE availability SET deleted = true WHERE NOT deleted AND sku <> ALL($1::text[])")
            .bind(&all)
            .execute(&mut *tx)
            .await?;
    }
    finish(tx, outcome).await?;
    Ok(report)
}

fn supplier_date(p: &Product) -> Option<NaiveDate> {
    match p.availability {
        skranke_core::Availability::OrderedConfirmed { date } => Some(date),
        _ => None,
    }
}

/// A Merchant local inventory feed (TSV: store_code, id, availability[, availability_date]): each
/// store's own availability. Per store in the file, the file is complete: a product of that store
/// missing from it falls back to the general availability (its override becomes a tombstone).
async fn import_local_inventory(
    pool: &PgPool,
    path: &Path,
    now: DateTime<Utc>,
    outcome: Outcome,
) -> Result<ImportReport, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| skranke_catalog::CatalogError::Io {
        context: format!("kan ikke lese {}", path.display()),
        source: e,
    })?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(|h| h.trim().trim_start_matches("g:").to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(store_col), Some(id_col), Some(av_col)) = (col("store_code"), col("id"), col("availability"))
    else {
        return Err(ImportError::Invalid(
            "lokal lagerfil trenger kolonnene store_code, id og availability".into(),
        ));
    };
    let date_col = col("availability_date");
    let mut rows: Vec<(String, String, String, Option<NaiveDate>)> = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        let get = |c: usize| f.get(c).copied().unwrap_or_default();
        let line_no = i + 2;
        let date = date_col
            .map(get)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(&d.chars().take(10).collect::<String>(), "%Y-%m-%d")
                    .map_err(|_| ImportError::Invalid(format!("linje {line_no}: ugyldig availability_date")))
            })
            .transpose()?;
        let status = match get(av_col).to_ascii_lowercase().replace(' ', "_").as_str() {
            "in_stock" | "limited_availability" => "in_stock",
            "out_of_stock" => "must_order",
            "backorder" | "preorder" if date.is_some() => "ordered_confirmed",
            "backorder" | "preorder" => "ordered_unconfirmed",
            "on_display_to_order" => "must_order",
            other => {
                return Err(ImportError::Invalid(format!(
                    "linje {line_no}: ukjent tilgjengelighet «{}»",
                    other.chars().take(40).collect::<String>()
                )))
            }
        };
        rows.push((
            get(store_col).to_uppercase(),
            get(id_col).to_uppercase(),
            status.to_string(),
            date,
        ));
    }
    let stores: Vec<String> = {
        let mut s: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        s.sort();
        s.dedup();
        s
    };
    let mut tx = pool.begin().await?;
    let known: Vec<String> = sqlx::query_scalar("SELECT id FROM stores WHERE id = ANY($1)")
        .bind(&stores)
        .fetch_all(&mut *tx)
        .await?;
    if let Some(unknown) = stores.iter().find(|s| !known.contains(s)) {
        return Err(ImportError::Invalid(format!("ukjent butikk {unknown}")));
    }
    let store_ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let skus: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    let dates: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.3).collect();
    let changed = sqlx::query(
        "INSERT INTO store_availability (store_id, sku, status, supplier_date, as_of, deleted)
         SELECT t.store_id, t.sku, t.status, t.date, $5, false
         FROM unnest($1::text[], $2::text[], $3::text[], $4::date[]) AS t (store_id, sku, status, date)
         JOIN products p ON p.sku = t.sku
         ON CONFLICT (store_id, sku) DO UPDATE SET
             status = excluded.status, supplier_date = excluded.supplier_date, as_of = excluded.as_of, deleted = false
         WHERE (store_availability.status, store_availability.supplier_date, store_availability.deleted)
               IS DISTINCT FROM (excluded.status, excluded.supplier_date, false)",
    )
    .bind(&store_ids)
    .bind(&skus)
    .bind(&statuses)
    .bind(&dates)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query(
        "UPDATE store_availability s SET deleted = true
         WHERE NOT deleted AND store_id = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS t (store_id, sku)
                           WHERE t.store_id = s.store_id AND t.sku = s.sku)",
    )
    .bind(&stores)
    .bind(&store_ids)
    .bind(&skus)
    .execute(&mut *tx)
    .await?;
    finish(tx, outcome).await?;
    Ok(ImportReport {
        products_read: rows.len() as u64,
        availability_changed: changed.rows_affected() + gone.rows_affected(),
        ..ImportReport::default()
    })
}
