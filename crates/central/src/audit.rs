//! The central store's audit log: who changed an order's status, and when, chained by hash like the
//! desks' logs (`skranke_protocol::audit_hash`); and the check of every chain it holds.

use chrono::{DateTime, Utc};
use skranke_protocol::{audit_hash, AUDIT_GENESIS};
use sqlx::{PgConnection, PgPool};

/// Appends an entry in the caller's transaction. One writer at a time: the chain has no forks.
pub(crate) async fn append(
    tx: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // Any constant identifies the chain's lock; it is released with the transaction.
    sqlx::query("SELECT pg_advisory_xact_lock(7368616)")
        .execute(&mut *tx)
        .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM central_audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (seq, prev) = last.map_or((1, AUDIT_GENESIS.to_string()), |(s, h)| (s + 1, h));
    let at = now.to_rfc3339();
    let hash = audit_hash(seq, &at, None, actor, action, subject, &prev);
    sqlx::query(
        "INSERT INTO central_audit (seq, at, actor, action, subject, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(prev)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub central_entries: i64,
    /// The first entry of the central chain that does not hold, with why.
    pub central_broken: Option<(i64, String)>,
    /// Desk entries that arrived not continuing their desk's chain.
    pub desk_breaks: i64,
}

/// Recomputes the central chain from the first entry, and counts the desks' broken entries.
pub async fn verify(pool: &PgPool) -> Result<AuditReport, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT seq, at, actor, action, subject, prev_hash, hash FROM central_audit ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    let mut prev = AUDIT_GENESIS.to_string();
    let mut broken = None;
    for (i, (seq, at, actor, action, subject, prev_hash, hash)) in rows.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        let reason = if *seq != expected_seq {
            Some(format!("hendelse {expected_seq} mangler"))
        } else if *prev_hash != prev {
            Some("peker ikke til hendelsen før".to_string())
        } else if audit_hash(*seq, at, None, actor, action, subject, prev_hash) != *hash {
            Some("innholdet stemmer ikke med hashen".to_string())
        } else {
            None
        };
        if let Some(r) = reason {
            broken = Some((expected_seq.min(*seq), r));
            break;
        }
        prev = hash.clone();
    }
    let desk_breaks: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE NOT chain_ok")
        .fetch_one(pool)
        .await?;
    Ok(AuditReport {
        central_entries: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        central_broken: broken,
        desk_breaks,
    })
}
