//! When a new version of the desk may be offered, where the desk asks for it, and the downloaded
//! update waiting in the data folder for the next start (issue 17 item 2).
//!
//! The signature checks and the installing are the updater plugin's (in the window's shell); what is
//! here decides and stores, and needs no window.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};

use crate::{Desk, DeskError};

/// The folder in the data folder where a downloaded update waits for the next start.
pub const STAGED_DIR: &str = "oppdatering";
const PACKAGE_FILE: &str = "pakke";
/// Written last: an update is staged when this file is there, so a crash mid-download leaves
/// nothing that looks complete.
const MANIFEST_FILE: &str = "manifest.json";

/// Unsent work older than this keeps the desk from offering an update: the staff member may be
/// waiting for it to reach the central store, and a restart is not what they need then.
const UNSENT_WORK_LIMIT: Duration = Duration::minutes(1);

/// Whether staff may be asked to update now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateReadiness {
    /// Nothing waits: the update may be offered.
    Quiet,
    /// Not paired: there is no central store to ask.
    NotPaired,
    /// The outbox holds work the central store has not had for more than a minute.
    UnsentWork { oldest: DateTime<Utc> },
}

/// Where and how the desk asks its central store for a newer version.
#[derive(Clone)]
pub struct UpdateSource {
    /// The update endpoint, with the updater's `{{target}}`, `{{arch}}`, `{{current_version}}` and
    /// `{{bundle_type}}` placeholders.
    pub endpoint: String,
    /// The desk's bearer token: the central store serves packages to its desks only.
    pub token: String,
}

impl std::fmt::Debug for UpdateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateSource")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// The update endpoint of a central store at `central_url`.
pub fn update_endpoint(central_url: &str) -> String {
    format!(
        "{}/v1/desk-updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}?bundle_type={{{{bundle_type}}}}",
        central_url.trim_end_matches('/')
    )
}

impl Desk {
    /// Whether an update may be offered at `now`: paired, and no unsent work older than a minute.
    /// (Whether an order is being typed is the window's to know: it asks only when none is.)
    pub async fn update_readiness(&self, now: DateTime<Utc>) -> Result<UpdateReadiness, DeskError> {
        let state = self.cache().sync_state().await?;
        if state.paired.is_none() {
            return Ok(UpdateReadiness::NotPaired);
        }
        Ok(match state.oldest_pending_at {
            Some(oldest) if now - oldest > UNSENT_WORK_LIMIT => UpdateReadiness::UnsentWork { oldest },
            _ => UpdateReadiness::Quiet,
        })
    }

    /// The central store this desk is paired with, as an update source.
    pub async fn update_source(&self) -> Result<Option<UpdateSource>, DeskError> {
        Ok(self.cache().pairing().await?.map(|p| UpdateSource {
            endpoint: update_endpoint(&p.central_url),
            token: p.token,
        }))
    }
}

/// A downloaded, verified update waiting in `data_dir` for the next start.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedUpdate {
    pub package: Vec<u8>,
    /// The central store's answer as it came (the updater rebuilds the update from it offline and
    /// checks the package against it again before installing).
    pub manifest: serde_json::Value,
}

fn staged_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(STAGED_DIR)
}

/// Keeps `update` for the next start, replacing any update kept before.
pub fn stage_update(data_dir: &Path, update: &StagedUpdate) -> Result<(), DeskError> {
    let dir = staged_dir(data_dir);
    discard_staged_update(data_dir)?;
    std::fs::create_dir_all(&dir).map_err(DeskError::io(format!("kan ikke lage {}", dir.display())))?;
    let manifest = serde_json::to_vec(&update.manifest).map_err(|e| DeskError::Io {
        context: "oppdateringens beskrivelse".into(),
        source: std::io::Error::other(e),
    })?;
    write_durably(&dir.join(PACKAGE_FILE), &update.package)?;
    write_durably(&dir.join(MANIFEST_FILE), &manifest)
}

/// The update kept by [`stage_update`], if a complete one is there.
pub fn staged_update(data_dir: &Path) -> Result<Option<StagedUpdate>, DeskError> {
    let dir = staged_dir(data_dir);
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = match std::fs::read(&manifest_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(DeskError::io(format!(
                "kan ikke lese {}",
                manifest_path.display()
            ))(e))
        }
    };
    let manifest = serde_json::from_slice(&manifest).map_err(|e| DeskError::Io {
        context: format!("{} er ikke gyldig", manifest_path.display()),
        source: std::io::Error::other(e),
    })?;
    let package_path = dir.join(PACKAGE_FILE);
    let package = std::fs::read(&package_path)
        .map_err(DeskError::io(format!("kan ikke lese {}", package_path.display())))?;
    Ok(Some(StagedUpdate { package, manifest }))
}

/// Removes a kept update (installed, refused, or replaced).
pub fn discard_staged_update(data_dir: &Path) -> Result<(), DeskError> {
    let dir = staged_dir(data_dir);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(DeskError::io(format!("kan ikke slette {}", dir.display()))(e))
        }
        _ => Ok(()),
    }
}

/// Writes through a temporary file and renames, so a power cut leaves the old file or the new one.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), DeskError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let context = || format!("kan ikke skrive {}", path.display());
    let mut file = std::fs::File::create(&tmp).map_err(DeskError::io(context()))?;
    file.write_all(bytes).map_err(DeskError::io(context()))?;
    file.sync_all().map_err(DeskError::io(context()))?;
    std::fs::rename(&tmp, path).map_err(DeskError::io(context()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_endpoint_keeps_the_updaters_placeholders() {
        assert_eq!(
            update_endpoint("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/v1/desk-updates/{{target}}/{{arch}}/{{current_version}}?bundle_type={{bundle_type}}"
        );
    }

    #[test]
    fn a_staged_update_is_read_back_and_discarded() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(staged_update(dir.path()).unwrap(), None);
        let update = StagedUpdate {
            package: vec![1, 2, 3],
            manifest: serde_json::json!({"version": "0.1.1"}),
        };
        stage_update(dir.path(), &update).unwrap();
        assert_eq!(staged_update(dir.path()).unwrap(), Some(update));
        discard_staged_update(dir.path()).unwrap();
        assert_eq!(staged_update(dir.path()).unwrap(), None);
        assert!(!dir.path().join(STAGED_DIR).exists());
    }

    #[test]
    fn a_package_without_its_manifest_is_not_an_update() {
        // A crash between the two writes: the package alone is not taken for a complete download.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(STAGED_DIR)).unwrap();
        std::fs::write(dir.path().join(STAGED_DIR).join(PACKAGE_FILE), b"half").unwrap();
        assert_eq!(staged_update(dir.path()).unwrap(), None);
    }
}
