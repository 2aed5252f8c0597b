//! Staff who may log in at this desk, and their failed PIN attempts (the PIN check itself is the
//! desk's: argon2 is not storage).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Cache, CacheError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
    pub pin_hash: String,
    /// Issue 20: what they may give in discount on their own.
    pub role: skranke_core::discount::StaffRole,
}

/// Failed attempts so far, and until when the person is locked out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lockout {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Cache {
    /// Everyone who may log in, by name.
    pub async fn staff(&self) -> Result<Vec<StaffMember>, CacheError> {
        let rows = sqlx::query("SELECT id, name, pin_hash, role FROM staff WHERE active = 1 ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StaffMember {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    pin_hash: r.try_get("pin_hash")?,
                    // A role this build does not know gives no more than a seller's limit.
                    role: skranke_core::discount::StaffRole::parse(&r.try_get::<String, _>("role")?)
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Adds a demo person of an unpaired desk (once each; pairing removes them).
    pub async fn ensure_demo_staff(
        &self,
        id: &str,
        name: &str,
        pin_hash: &str,
        role: skranke_core::discount::StaffRole,
    ) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO staff (id, name, pin_hash, demo, role) SELECT ?, ?, ?, 1, ?
             WHERE NOT EXISTS (SELECT 1 FROM staff WHERE id = ? OR demo = 0)
               AND NOT EXISTS (SELECT 1 FROM device WHERE token IS NOT NULL)",
        )
        .bind(id)
        .bind(name)
        .bind(pin_hash)
        .bind(role.code())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn lockout(&self, staff_id: &str) -> Result<Lockout, CacheError> {
        let row = sqlx::query("SELECT failures, locked_until FROM staff_lockout WHERE staff_id = ?")
            .bind(staff_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(Lockout::default());
        };
        Ok(Lockout {
            failures: row.try_get("failures")?,
            locked_until: row
                .try_get::<Option<String>, _>("locked_until")?
                .map(|t| crate::orders::parse_time(&t))
                .transpose()?,
        })
    }

    /// Counts a wrong PIN; after `max` in a row the person is locked out until `now + lock`.
    pub async fn record_wrong_pin(
        &self,
        staff_id: &str,
        max: i64,
        lock: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Lockout, CacheError> {
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO staff_lockout (staff_id, failures) VALUES (?, 1)
             ON CONFLICT (staff_id) DO UPDATE SET failures = failures + 1 RETURNING failures",
        )
        .bind(staff_id)
        .fetch_one(&self.pool)
        .await?;
        if failures >= max {
            sqlx::query("UPDATE staff_lockout SET failures = 0, locked_until = ? WHERE staff_id = ?")
                .bind((now + lock).to_rfc3339())
                .bind(staff_id)
                .execute(&self.pool)
                .await?;
            return Ok(Lockout {
                failures,
                locked_until: Some(now + lock),
            });
        }
        Ok(Lockout {
            failures,
            locked_until: None,
        })
    }

    pub async fn clear_wrong_pins(&self, staff_id: &str) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM staff_lockout WHERE staff_id = ?")
            .bind(staff_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
