//! The desk's audit log: who did what and when, appended in the transaction of the action itself,
//! each entry chained to the one before by its hash, and queued for the central store.

use chrono::{DateTime, Utc};
use skranke_protocol::{audit_hash, AuditRecorded, MutationKind, AUDIT_GENESIS};
use sqlx::{Row, Sqlite, Transaction};

use crate::outbox::enqueue_next;
use crate::{Cache, CacheError};

/// Who is acting at the desk: a logged-in person, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: Option<String>,
    pub name: String,
}

impl Actor {
    /// The desk's command line, run by an operator on the machine.
    pub fn command_line() -> Actor {
        Actor {
            staff_id: None,
            name: "kommandolinjen".into(),
        }
    }
}

/// One entry of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub staff_name: String,
    pub action: String,
    pub subject: String,
}

/// Where the chain broke, as `verify_audit_log` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}

/// Appends an entry for `action` on `subject` by the cache's current actor, in `tx`.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Sqlite>,
    actor: &Actor,
    action: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, AUDIT_GENESIS.to_string()),
    };
    let at = now.to_rfc3339();
    let hash = audit_hash(
        seq,
        &at,
        actor.staff_id.as_deref(),
        &actor.name,
        action,
        subject,
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, staff_id, staff_name, action, subject, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(&at)
    .bind(&actor.staff_id)
    .bind(&actor.name)
    .bind(action)
    .bind(subject)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    let payload = serde_json::to_string(&AuditRecorded {
        seq,
        at_utc: now,
        staff_id: actor
            .staff_id
            .as_deref()
            .and_then(|s| uuid::Uuid::parse_str(s).ok()),
        staff_name: actor.name.clone(),
        action: action.to_string(),
        subject: subject.to_string(),
        prev_hash,
        hash,
    })?;
    enqueue_next(tx, MutationKind::AuditRecorded, None, &payload, now).await
}

impl Cache {
    /// Who the next entries are recorded for.
    pub fn set_actor(&self, actor: Actor) {
        *self.actor.lock().unwrap_or_else(|p| p.into_inner()) = actor;
    }

    pub fn actor(&self) -> Actor {
        self.actor.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records an action that changes nothing else (a reprint, a login), in its own transaction.
    pub async fn record_audit(
        &self,
        action: &str,
        subject: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = self.write().await?;
        append(&mut tx, &self.actor(), action, subject, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, CacheError> {
        let rows = sqlx::query(
            "SELECT seq, at, staff_name, action, subject FROM audit_log ORDER BY seq DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let at: String = row.try_get("at")?;
                Ok(AuditEntry {
                    seq: row.try_get("seq")?,
                    at: DateTime::parse_from_rfc3339(&at)
                        .map_err(|e| CacheError::Corrupt(format!("audit_log.at {at}: {e}")))?
                        .with_timezone(&Utc),
                    staff_name: row.try_get("staff_name")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                })
            })
            .collect()
    }

    /// Recomputes the chain from the first entry: a changed, removed or inserted entry breaks it.
    pub async fn verify_audit_log(&self) -> Result<AuditCheck, CacheError> {
        let rows = sqlx::query(
            "SELECT seq, at, staff_id, staff_name, action, subject, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev = AUDIT_GENESIS.to_string();
        let mut expected_seq = 1;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            if seq != expected_seq {
                return Ok(AuditCheck::Broken {
                    seq: expected_seq,
                    reason: format!("hendelse {expected_seq} mangler"),
                });
            }
            let stored_prev: String = row.try_get("prev_hash")?;
            if stored_prev != prev {
                return Ok(AuditCheck::Broken {
                    seq,
                    reason: "peker ikke til hendelsen før".into(),
                });
            }
            let staff_id: Option<String> = row.try_get("staff_id")?;
            let hash = audit_hash(
                seq,
                &row.try_get::<String, _>("at")?,
                staff_id.as_deref(),
                &row.try_get::<String, _>("staff_name")?,
                &row.try_get::<String, _>("action")?,
                &row.try_get::<String, _>("subject")?,
                &stored_prev,
            );
            let stored: String = row.try_get("hash")?;
            if hash != stored {
                return Ok(AuditCheck::Broken {
                    seq,
                    reason: "innholdet stemmer ikke med hashen".into(),
                });
            }
            prev = stored;
            expected_seq += 1;
        }
        Ok(AuditCheck::Intact {
            entries: expected_seq - 1,
        })
    }
}
