//! Reading and checking the desk's audit log (the entries are written by the cache with each action).

use crate::{oslo_time, Desk, DeskError};

/// One line of the audit log as staff and support read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLineView {
    pub seq: i64,
    pub at_text: String,
    pub who: String,
    pub action: String,
    pub subject: String,
}

impl Desk {
    /// The newest `limit` entries, newest first, with who acted.
    pub async fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLineView>, DeskError> {
        Ok(self
            .cache()
            .audit_entries(limit)
            .await?
            .into_iter()
            .map(|e| AuditLineView {
                seq: e.seq,
                at_text: oslo_time(e.at).format("%d.%m.%Y %H:%M:%S").to_string(),
                who: e.staff_name,
                action: e.action,
                subject: e.subject,
            })
            .collect())
    }

    /// The number of entries when the hash chain is whole; otherwise the first broken entry.
    pub async fn verify_audit_log(&self) -> Result<i64, DeskError> {
        match self.cache().verify_audit_log().await? {
            skranke_cache::AuditCheck::Intact { entries } => Ok(entries),
            skranke_cache::AuditCheck::Broken { seq, reason } => Err(DeskError::AuditBroken { seq, reason }),
        }
    }
}
