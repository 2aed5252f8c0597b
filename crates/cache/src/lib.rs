//! The desk's local SQLite cache: catalog and search, customers, orders, the outbox, the device's
//! order-number series and what sync keeps (pairing, acknowledgements, cursors, staged pages). Durable: when `place_order` returns, the order survives a crash or a power cut.

mod audit;
mod backup;
mod catalog;
mod claims;
mod consent;
mod customer_notes;
mod customer_orders;
mod customers;
mod desk_settings;
mod device;
mod draft;
mod error;
mod exchanges;
mod followups;
mod health;
mod order_change;
mod orders;
mod outbox;
mod pairing;
mod personal_data;
mod pull_apply;
mod quotes;
mod returns;
mod sealed;
mod snapshot;
mod staff;

#[cfg(test)]
mod crash_tests;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audit::{Actor, AuditCheck, AuditEntry};
pub use catalog::{ImportStats, ProductHit};
pub use claims::{PendingPhoto, RecordedClaim};
pub use customer_notes::CustomerNote;
pub use customer_orders::CustomerOrder;
pub use customers::CustomerRecord;
pub use device::DeviceInfo;
pub use error::CacheError;
pub use exchanges::{NewExchange, RecordedExchange, StoredExchange};
pub use health::CacheHealth;
pub use order_change::{SavedChange, VersionRecord};
pub use orders::{OrderFilter, OrderSummary, PlacedOrder, StoredOrder};
pub use outbox::{AckReport, OutboxEntry};
pub use pairing::{AttentionRow, Pairing, SyncState};
pub use personal_data::ForgetReport;
pub use pull_apply::StreamPosition;
pub use quotes::StoredQuote;
pub use returns::RecordedReturn;
pub use sealed::FieldKey;
pub use snapshot::SnapshotDownload;
pub use staff::{Lockout, StaffMember};

/// An open cache file. Cheap to clone (a pool of connections).
#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    /// Who the audit log records for the next actions (the logged-in person, or the command line).
    actor: std::sync::Arc<std::sync::Mutex<Actor>>,
    /// Seals the personal fields; kept outside the file (see `sealed`).
    key: FieldKey,
}

/// How every writing transaction begins. A deferred `BEGIN` that reads first and writes later cannot
/// wait for a second process's write (SQLite answers "database is locked" at once, whatever the busy
/// timeout); `IMMEDIATE` takes the write lock up front, so the window and the CLI on one data folder
/// queue behind each other for up to the busy timeout instead.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

impl Cache {
    /// A transaction that will write: it holds the write lock from its first statement.
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with(BEGIN_WRITE).await
    }

    /// Opens (creating and migrating when needed) the cache at `path`, its personal fields sealed with
    /// `key`. WAL, `synchronous=FULL` and foreign keys are set on every connection, so a committed
    /// transaction is on disk; `secure_delete` overwrites what is deleted, so a forgotten customer or
    /// a plain-text value that was sealed does not linger in free pages.
    pub async fn open(path: &Path, key: FieldKey) -> Result<Cache, CacheError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .after_release(|conn, _| Box::pin(async move { still_outside_a_transaction(conn).await }))
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/cache").run(&pool).await?;
        let cache = Cache {
            pool,
            actor: std::sync::Arc::new(std::sync::Mutex::new(Actor::command_line())),
            key,
        };
        cache.ensure_device().await?;
        cache.check_field_key().await?;
        cache.seal_plain_rows().await?;
        Ok(cache)
    }

    /// For a desk whose key is lost: the sealed values (fødselsnumre of orders not yet acknowledged,
    /// and the draft) cannot be read by anyone any more, so they are deleted and `key` is recorded in
    /// one transaction. Orders, their outbox and everything else stay as they are. Returns how many
    /// sealed values were deleted.
    pub async fn replace_lost_key(path: &Path, key: &FieldKey) -> Result<u64, CacheError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/cache").run(&pool).await?;
        let mut tx = pool.begin_with(BEGIN_WRITE).await?;
        let mut dropped = sqlx::query("DELETE FROM order_identity")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        dropped += sqlx::query("DELETE FROM draft")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "INSERT INTO field_key (id, key_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id",
        )
        .bind(key.id())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        pool.close().await;
        Ok(dropped)
    }

    /// The key's id is recorded on first open; a later open with another key is refused.
    async fn check_field_key(&self) -> Result<(), CacheError> {
        let found = self.key.id();
        sqlx::query("INSERT INTO field_key (id, key_id) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")
            .bind(&found)
            .execute(&self.pool)
            .await?;
        let expected: String = sqlx::query_scalar("SELECT key_id FROM field_key WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        if expected == found {
            Ok(())
        } else {
            Err(CacheError::WrongFieldKey { expected, found })
        }
    }

    /// Seals what a desk from before sealing stored in plain text.
    async fn seal_plain_rows(&self) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        let plain: Vec<(String, String)> =
            sqlx::query_as("SELECT order_id, fodselsnummer FROM order_identity")
                .fetch_all(&mut *tx)
                .await?;
        for (order_id, value) in plain.into_iter().filter(|(_, v)| !sealed::is_sealed(v)) {
            sqlx::query("UPDATE order_identity SET fodselsnummer = ? WHERE order_id = ?")
                .bind(self.key.seal(&value, &order_id)?)
                .bind(&order_id)
                .execute(&mut *tx)
                .await?;
        }
        let draft: Option<(String, String)> = sqlx::query_as("SELECT order_id, body FROM draft WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((order_id, body)) = draft.filter(|(_, b)| !sealed::is_sealed(b)) {
            sqlx::query("UPDATE draft SET body = ? WHERE id = 1")
                .bind(self.key.seal(&body, &order_id)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The id of the key a cache file was sealed under, read without opening it for use (and without
    /// creating it): `None` for no file, or a file from before sealing.
    pub async fn recorded_key_id(path: &Path) -> Result<Option<String>, CacheError> {
        if !path.exists() {
            return Ok(None);
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let has_table: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'field_key'")
                .fetch_optional(&pool)
                .await?;
        let id = match has_table {
            Some(_) => {
                sqlx::query_scalar("SELECT key_id FROM field_key WHERE id = 1")
                    .fetch_optional(&pool)
                    .await?
            }
            None => None,
        };
        pool.close().await;
        Ok(id)
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

/// Keeps a connection in the pool only if it is outside any transaction. When a write fails with a
/// full disk SQLite rolls the transaction back itself; sqlx's own `ROLLBACK` then fails and leaves it
/// counting one transaction open, so every later `BEGIN IMMEDIATE` on that connection would be
/// refused. Such a connection is closed instead, and the next one starts clean (issue 21).
async fn still_outside_a_transaction(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection, Database, TransactionManager};
    // The ping waits for the rollback the dropped transaction queued.
    conn.ping().await?;
    Ok(<sqlx::Sqlite as Database>::TransactionManager::get_transaction_depth(conn) == 0)
}
