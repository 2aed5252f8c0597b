//! Backup and restore of the cache file (issue 17 item 7): a consistent copy taken while the desk
//! runs, and, for a copy put back, a new identity so the restored desk never reuses a number.

use std::path::Path;

use crate::{Cache, CacheError};

impl Cache {
    /// Writes a consistent copy of the whole file to `target` (which must not exist) with SQLite's
    /// `VACUUM INTO`: one read transaction, so orders placed meanwhile are either wholly in or out.
    pub async fn backup_into(&self, target: &Path) -> Result<(), CacheError> {
        sqlx::query("VACUUM INTO ?")
            .bind(target.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// For a cache put back from a backup: the old desk may have placed orders after the copy was
    /// taken, under numbers this file does not know, and it may still be running with the pairing's
    /// token. So the restored desk becomes a new device: a new device id, a new unpaired series
    /// (`D` + 5 characters, from 1), and no pairing; it must be paired again, and the pairing then
    /// gives it a series of its own. Orders and the outbox stay: entries not acknowledged are sent
    /// after the new pairing, as for any desk paired after placing orders. Returns the new series.
    pub async fn take_new_identity_after_restore(&self) -> Result<String, CacheError> {
        let id = uuid::Uuid::new_v4();
        let prefix = crate::device::unpaired_series(&id);
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE device SET
                 device_id = ?, series_prefix = ?, next_number = 1,
                 central_url = NULL, token = NULL, store_id = NULL, store_name = NULL, paired_at = NULL
             WHERE id = 1",
        )
        .bind(id.to_string())
        .bind(&prefix)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sync_staging").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM sync_cursor").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(prefix)
    }
}
