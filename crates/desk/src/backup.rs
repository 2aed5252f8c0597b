//! `skranke backup FILE` and `skranke restore FILE` (issue 17 item 7): a consistent copy of the cache
//! while the desk runs, with its key in a file of its own beside it, and the way back onto a new
//! machine without ever reusing an order number.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::staff::Acting;
use crate::{field_key, Desk, DeskError, CACHE_FILE};

/// The key file written beside a backup: `kasse1.skranke` → `kasse1.skranke.key`. Kept apart from
/// the backup (another stick, the password manager) a lost backup reveals no fødselsnummer.
pub fn key_file_of(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Where the window writes backups: the user's Documents folder, else beside the data folder; never
/// inside it (a copy on the same folder does not survive what it is for).
pub fn default_backup_dir(data_dir: &Path) -> PathBuf {
    dirs::document_dir()
        .or_else(|| data_dir.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("Skranke sikkerhetskopier")
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub file: PathBuf,
    pub key_file: PathBuf,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub orders: i64,
    /// Outbox entries the central store never acknowledged: sent after the desk is paired again.
    pub unsent: i64,
    /// The restored desk's new series (until pairing gives it one from the central store).
    pub series: String,
    /// Sealed values dropped because the backup's key was not given.
    pub dropped_sealed: u64,
}

fn exists_error(path: &Path, what: &str) -> DeskError {
    DeskError::Io {
        context: format!("{} finnes allerede", path.display()),
        source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, what.to_string()),
    }
}

impl Desk {
    /// Writes a consistent copy of the cache to `file` and the key to `file.key`; neither may exist.
    pub async fn backup(
        &self,
        who: &Acting,
        file: &Path,
        now: DateTime<Utc>,
    ) -> Result<BackupReport, DeskError> {
        self.as_actor(who);
        let key_file = key_file_of(file);
        for path in [file, key_file.as_path()] {
            if path.exists() {
                return Err(exists_error(
                    path,
                    "velg et nytt filnavn: en sikkerhetskopi skrives ikke over",
                ));
            }
        }
        self.cache().backup_into(file).await?;
        field_key::export(self.data_dir(), &key_file).await?;
        self.cache()
            .record_audit("sikkerhetskopi tatt", &file.display().to_string(), now)
            .await?;
        tracing::info!("sikkerhetskopi tatt");
        Ok(BackupReport {
            file: file.to_path_buf(),
            key_file,
        })
    }
}

/// Puts a backup back as the desk in `data_dir`, which must not hold a desk yet. The key comes from
/// `key` (default: the backup's `.key` file); without one, `without_key` lets the restore go on and
/// drops the sealed values no one can read. The restored desk gets a new identity and must be paired
/// again: see `Cache::take_new_identity_after_restore` for why the series cannot simply continue.
pub async fn restore(
    backup: &Path,
    key: Option<&Path>,
    without_key: bool,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> Result<RestoreReport, DeskError> {
    let target = data_dir.join(CACHE_FILE);
    if target.exists() {
        return Err(exists_error(
            &target,
            "datamappen har allerede en skranke; gjenopprett i en tom datamappe",
        ));
    }
    let recorded = skranke_cache::Cache::recorded_key_id(backup).await?;
    let key_path = key.map_or_else(|| key_file_of(backup), Path::to_path_buf);
    let key = field_key::read_exported(&key_path)?;
    match (&key, &recorded) {
        (Some(key), Some(id)) if key.id() != *id => {
            return Err(DeskError::FieldKey(format!(
                "nøkkelfilen {} hører ikke til denne sikkerhetskopien (den trenger nøkkel {id})",
                key_path.display()
            )))
        }
        (None, Some(id)) if !without_key => {
            return Err(DeskError::FieldKey(format!(
                "nøkkelfilen {} (nøkkel {id}) mangler. Uten den kan fødselsnumre som ikke er sendt og \
                 utkastet ikke leses; gjenopprett likevel med --uten-nokkel, så slettes de.",
                key_path.display()
            )))
        }
        _ => {}
    }
    std::fs::create_dir_all(data_dir)
        .map_err(DeskError::io(format!("kan ikke lage {}", data_dir.display())))?;
    // Copied beside and renamed into place, so a cut copy is never taken for a desk.
    let partial = data_dir.join(format!("{CACHE_FILE}.gjenoppretter"));
    let io = || {
        DeskError::io(format!(
            "kan ikke kopiere {} til {}",
            backup.display(),
            target.display()
        ))
    };
    std::fs::copy(backup, &partial).map_err(io())?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io())?;
    std::fs::rename(&partial, &target).map_err(io())?;
    let dropped_sealed = match &key {
        Some(key) => {
            field_key::install(data_dir, key)?;
            0
        }
        None if recorded.is_some() => field_key::replace_lost_key(data_dir).await?.1,
        None => 0,
    };
    let desk = Desk::open(data_dir).await?;
    let series = desk.cache().take_new_identity_after_restore().await?;
    let health = desk.cache().health().await?;
    desk.cache()
        .record_audit(
            "gjenopprettet fra sikkerhetskopi",
            &backup.display().to_string(),
            now,
        )
        .await?;
    tracing::info!(series = %series, orders = health.orders, "gjenopprettet fra sikkerhetskopi");
    desk.cache().clone().close().await;
    Ok(RestoreReport {
        orders: health.orders,
        unsent: health.unsent,
        series,
        dropped_sealed,
    })
}
