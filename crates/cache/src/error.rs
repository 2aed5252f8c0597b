//! The cache's one error type.

/// Why a cache operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    #[error("databasefeil: {0}")]
    Database(#[source] sqlx::Error),
    /// The disk the data folder is on is full (issue 21 item 6): nothing of this step was written,
    /// and what was written before is whole (SQLite rolls the transaction back).
    #[error("Disken er full: ingenting ble lagret. Frigjør plass på disken (eller ring IT) og prøv igjen.")]
    DiskFull,
    #[error("databasen kunne ikke oppgraderes: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// The data folder was written by a newer desk: this one does not know its schema, and opens it
    /// not at all rather than write into it.
    #[error("datamappen er laget av en nyere versjon av Skranke (databaseversjon {version}). Oppdater skranken før du åpner den her; ingenting er endret.")]
    NewerCache { version: i64 },
    #[error("lagret data kunne ikke leses: {0}")]
    Corrupt(String),
    #[error("ordren finnes ikke: {0}")]
    OrderNotFound(String),
    /// The order changed since staff opened it (another window, or the central store's version).
    #[error("ordren er endret i mellomtiden (nå versjon {version}): åpne den på nytt")]
    OrderMovedOn { version: u32 },
    /// A claim names a photo the desk does not have (removed, or never added).
    #[error("et bilde mangler på skranken ({0}): legg det til på nytt")]
    PhotoMissing(String),
    #[error("kunden finnes ikke: {0}")]
    CustomerNotFound(String),
    /// R3, judged by core inside the recording transaction.
    #[error("{0}")]
    ReturnExceeds(#[from] skranke_core::ReturnExceedsOrder),
    #[error("nøkkelen for personopplysninger: {0}")]
    FieldKey(String),
    /// The cache was sealed under another key than the one the key store gave (a copied file, or a
    /// key store that was wiped). Nothing is written under a second key.
    #[error("databasen er kryptert med en annen nøkkel enn den denne maskinen har (nøkkel {expected}, fant {found})")]
    WrongFieldKey { expected: String, found: String },
}

impl From<sqlx::Error> for CacheError {
    fn from(e: sqlx::Error) -> Self {
        if is_disk_full(&e) {
            CacheError::DiskFull
        } else {
            CacheError::Database(e)
        }
    }
}

/// SQLITE_FULL (13, in the low byte of an extended code), or the OS's "no space left" (ENOSPC)
/// from a file SQLite or sqlx wrote.
fn is_disk_full(e: &sqlx::Error) -> bool {
    const SQLITE_FULL: i64 = 13;
    const ENOSPC: i32 = 28;
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| c & 0xff == SQLITE_FULL),
        sqlx::Error::Io(io) => io.raw_os_error() == Some(ENOSPC),
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for CacheError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            // Applied here, unknown to this build: a newer desk wrote it (sqlx checks this before it
            // applies anything).
            sqlx::migrate::MigrateError::VersionMissing(version) => CacheError::NewerCache { version },
            other => CacheError::Migrate(other),
        }
    }
}

impl From<serde_json::Error> for CacheError {
    fn from(e: serde_json::Error) -> Self {
        CacheError::Corrupt(e.to_string())
    }
}
