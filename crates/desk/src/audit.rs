//! Checking the desk's audit log (the entries are written by the cache with each action).

use crate::{Desk, DeskError};

impl Desk {
    /// The number of entries when the hash chain is whole; otherwise the first broken entry.
    pub async fn verify_audit_log(&self) -> Result<i64, DeskError> {
        match self.cache().verify_audit_log().await? {
            skranke_cache::AuditCheck::Intact { entries } => Ok(entries),
            skranke_cache::AuditCheck::Broken { seq, reason } => Err(DeskError::AuditBroken { seq, reason }),
        }
    }
}
