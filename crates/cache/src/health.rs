//! What a support person may know about a cache without reading anyone's data: its schema, whether
//! SQLite finds it whole, and how much it holds.

use crate::{Cache, CacheError};

/// The shape and soundness of the file, in counts only: nothing here names a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheHealth {
    /// The newest migration applied (its number, e.g. 10 for `0010_consent.sql`).
    pub schema_version: i64,
    /// `PRAGMA integrity_check`'s answer: `["ok"]` for a sound file, else what it found.
    pub integrity: Vec<String>,
    pub orders: i64,
    pub products: i64,
    pub returns: i64,
    /// Outbox entries the central store has not acknowledged.
    pub unsent: i64,
    /// Whether a draft is saved (its content is not read).
    pub has_draft: bool,
}

impl CacheHealth {
    pub fn sound(&self) -> bool {
        self.integrity == ["ok"]
    }
}

impl Cache {
    /// Checks the whole file. Reads every page, so it takes a moment on a large catalog: for the
    /// support bundle, not for every start.
    pub async fn health(&self) -> Result<CacheHealth, CacheError> {
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        let count =
            |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.pool).await };
        Ok(CacheHealth {
            schema_version: count("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success")
                .await?,
            integrity,
            orders: count("SELECT count(*) FROM orders").await?,
            products: count("SELECT count(*) FROM products").await?,
            returns: count("SELECT count(*) FROM returns").await?,
            unsent: count("SELECT count(*) FROM outbox WHERE acked_at IS NULL").await?,
            has_draft: count("SELECT count(*) FROM draft").await? > 0,
        })
    }
}
