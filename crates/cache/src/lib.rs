//! The desk's local SQLite cache: catalog and search, customers, orders, the outbox, the device's
//! order-number series and what sync keeps (pairing, acknowledgements, cursors, staged pages). Durable: when `place_order` returns, the order survives a crash or a power cut.

mod audit;
mod catalog;
mod customers;
mod device;
mod draft;
mod error;
mod followups;
mod orders;
mod outbox;
mod pairing;
mod pull_apply;
mod returns;
mod staff;

#[cfg(test)]
mod crash_tests;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audit::{Actor, AuditCheck};
pub use catalog::{ImportStats, ProductHit};
pub use customers::CustomerRecord;
pub use device::DeviceInfo;
pub use error::CacheError;
pub use orders::{OrderFilter, OrderSummary, PlacedOrder, StoredOrder};
pub use outbox::{AckReport, OutboxEntry};
pub use pairing::{AttentionRow, Pairing, SyncState};
pub use pull_apply::StreamPosition;
pub use returns::RecordedReturn;
pub use staff::{Lockout, StaffMember};

/// An open cache file. Cheap to clone (a pool of connections).
#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    /// Who the audit log records for the next actions (the logged-in person, or the command line).
    actor: std::sync::Arc<std::sync::Mutex<Actor>>,
}

impl Cache {
    /// Opens (creating and migrating when needed) the cache at `path`. WAL, `synchronous=FULL` and
    /// foreign keys are set on every connection, so a committed transaction is on disk.
    pub async fn open(path: &Path) -> Result<Cache, CacheError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/cache").run(&pool).await?;
        let cache = Cache {
            pool,
            actor: std::sync::Arc::new(std::sync::Mutex::new(Actor::command_line())),
        };
        cache.ensure_device().await?;
        Ok(cache)
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// Hex SHA-256 of a payload: the outbox carries it so the central store can tell a replay from a
/// different mutation under the same id.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
