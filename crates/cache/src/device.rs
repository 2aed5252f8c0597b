//! The device's identity and its order-number series.

use sqlx::Row;

use crate::{Cache, CacheError};

/// Who this desk is, as far as numbering goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub device_id: String,
    pub series_prefix: String,
    pub next_number: i64,
}

/// The series of a desk not paired yet: `D` + 5 characters of its device id.
pub(crate) fn unpaired_series(device_id: &uuid::Uuid) -> String {
    format!("D{}", &device_id.simple().to_string()[..5].to_uppercase())
}

impl Cache {
    /// A fresh desk gets its own device id and, until it is paired with a central store, a series named
    /// after that id (`D` + 5 characters), so two unpaired desks never print the same number.
    pub(crate) async fn ensure_device(&self) -> Result<(), CacheError> {
        let id = uuid::Uuid::new_v4();
        let prefix = unpaired_series(&id);
        sqlx::query(
            "INSERT INTO device (id, device_id, series_prefix, next_number, next_seq) VALUES (1, ?, ?, 1, 1)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(prefix)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn device(&self) -> Result<DeviceInfo, CacheError> {
        let row = sqlx::query("SELECT device_id, series_prefix, next_number FROM device WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(DeviceInfo {
            device_id: row.try_get("device_id")?,
            series_prefix: row.try_get("series_prefix")?,
            next_number: row.try_get("next_number")?,
        })
    }

    /// Sets the series new orders are numbered from (pairing gives it). Numbers already placed keep
    /// theirs; a series only moves forward.
    pub async fn set_series(&self, prefix: &str, next_number: i64) -> Result<(), CacheError> {
        sqlx::query(
            "UPDATE device SET series_prefix = ?1,
                next_number = CASE WHEN series_prefix = ?1 THEN max(next_number, ?2) ELSE max(?2, 1) END
             WHERE id = 1",
        )
        .bind(prefix)
        .bind(next_number)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
