//! The desk's own updates through `tauri-plugin-updater` (issue 17 item 2): asked of the paired
//! central store with the desk's token, downloaded and verified against the key this build trusts,
//! kept in the data folder, and installed at the next start.

use std::sync::Mutex;

use serde::Serialize;
use skranke_desk::desk_update::{self, StagedUpdate, UpdateReadiness};
use skranke_desk::{Desk, DeskError};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_updater::UpdaterExt;

use crate::{Result, UiError};

/// The updater's public key this build trusts: `SKRANKE_UPDATER_PUBKEY` when it was compiled (the
/// content of the `.pub` file `tauri signer generate` wrote; `cargo xtask test` sets a throwaway
/// one). A build without a key never updates: it could verify nothing.
pub const UPDATER_PUBKEY: Option<&str> = option_env!("SKRANKE_UPDATER_PUBKEY");

/// The updater plugin with this build's key.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new()
        .pubkey(UPDATER_PUBKEY.unwrap_or_default())
        .build()
}

/// The update found by the last check, until staff accept it.
#[derive(Default)]
pub struct OfferedUpdate(Mutex<Option<tauri_plugin_updater::Update>>);

impl std::fmt::Debug for OfferedUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The plugin's Update is not Debug; its version is what matters.
        let version = self
            .0
            .lock()
            .ok()
            .and_then(|u| u.as_ref().map(|u| u.version.clone()));
        f.debug_tuple("OfferedUpdate").field(&version).finish()
    }
}

/// A newer (or, for a store held back, older) version staff may install.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    pub notes: Option<String>,
}

/// What a check found: an offer, or why there is none, in Norwegian.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateCheckView {
    pub offer: Option<UpdateOffer>,
    pub message: String,
}

fn current_version<R: Runtime>(app: &AppHandle<R>) -> String {
    app.package_info().version.to_string()
}

/// The version this window runs (the package's, which the updater compares).
#[tauri::command]
#[specta::specta]
pub fn app_version(app: AppHandle) -> String {
    current_version(&app)
}

/// Asks the central store whether this desk should move to another version. Only when quiet: the
/// window calls it when no order is being typed; unsent work older than a minute holds it back.
#[tauri::command]
#[specta::specta]
pub async fn check_update(
    app: AppHandle,
    desk: State<'_, Desk>,
    offered: State<'_, OfferedUpdate>,
) -> Result<UpdateCheckView> {
    let running = current_version(&app);
    let none = |message: String| UpdateCheckView { offer: None, message };
    if UPDATER_PUBKEY.is_none() {
        return Ok(none(format!(
            "Denne utgaven ({running}) er bygget uten oppdateringsnøkkel og oppdateres ikke automatisk."
        )));
    }
    match desk.update_readiness(desk.now()).await? {
        UpdateReadiness::NotPaired => {
            return Ok(none(
                "Skranken er ikke paret med sentralen: ingen oppdateringer å hente.".into(),
            ));
        }
        UpdateReadiness::UnsentWork { .. } => {
            return Ok(none(
                "Venter med oppdateringen til ordrene som ikke er sendt, har nådd sentralen.".into(),
            ));
        }
        UpdateReadiness::Quiet => {}
    }
    let Some(source) = desk.update_source().await? else {
        return Ok(none("Skranken er ikke paret med sentralen.".into()));
    };
    let endpoint = tauri::Url::parse(&source.endpoint).map_err(|e| {
        tracing::warn!(error = %e, "sentralens adresse kan ikke brukes for oppdateringer");
        DeskError::Update("Sentralens adresse er ikke gyldig: par skranken på nytt.".into())
    })?;
    let updater = app
        .updater_builder()
        .endpoints(vec![endpoint])
        .and_then(|b| b.header("Authorization", format!("Bearer {}", source.token)))
        .map(|b| b.version_comparator(central_decides))
        .and_then(|b| b.build())
        .map_err(|e| {
            tracing::warn!(error = %e, "oppdateringen kan ikke settes opp");
            DeskError::Update("Oppdateringen kan ikke settes opp (se loggen).".into())
        })?;
    let found = updater.check().await.map_err(|e| {
        tracing::warn!(error = %e, "spørsmålet om oppdatering feilet");
        DeskError::Update("Fikk ikke spurt sentralen om oppdateringer. Prøv igjen senere.".into())
    })?;
    let offer = found.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        current_version: running.clone(),
        notes: u.body.clone(),
    });
    *offered.0.lock().map_err(|_| poisoned())? = found;
    Ok(match offer {
        Some(offer) => {
            tracing::info!(version = %offer.version, "oppdatering tilbudt");
            UpdateCheckView {
                message: format!("Versjon {} er klar (denne er {running}).", offer.version),
                offer: Some(offer),
            }
        }
        None => none(format!("Skranken har versjonen den skal ha ({running}).")),
    })
}

/// Any version the central store names is taken: it decides (a pinned store may be sent back to an
/// older version); the signature, with the version signed into it, is what the desk checks.
fn central_decides(current: semver::Version, remote: tauri_plugin_updater::RemoteRelease) -> bool {
    remote.version != current
}

fn poisoned() -> UiError {
    DeskError::Update("oppdateringen er i en ugyldig tilstand; start skranken på nytt".into()).into()
}

/// Downloads the offered update, checks its signature, and keeps it for the next start. A package
/// that does not match its signature is refused here and nothing is kept.
#[tauri::command]
#[specta::specta]
pub async fn accept_update(
    app: AppHandle,
    desk: State<'_, Desk>,
    offered: State<'_, OfferedUpdate>,
) -> Result<String> {
    let update = offered
        .0
        .lock()
        .map_err(|_| poisoned())?
        .take()
        .ok_or_else(|| DeskError::Update("Ingen oppdatering er tilbudt: se etter på nytt.".into()))?;
    let running = current_version(&app);
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| refused(&e, &update.version, &running))?;
    desk_update::stage_update(
        desk.data_dir(),
        &StagedUpdate {
            package: bytes,
            manifest: update.raw_json.clone(),
        },
    )?;
    tracing::info!(version = %update.version, "oppdatering lastet ned; installeres ved neste start");
    Ok(update.version)
}

fn refused(e: &tauri_plugin_updater::Error, version: &str, running: &str) -> UiError {
    use tauri_plugin_updater::Error;
    tracing::warn!(error = %e, version, "oppdateringen ble ikke tatt imot");
    let message = match e {
        // The library's own words are in the log; staff read what to do.
        Error::Network(_) | Error::Reqwest(_) => format!(
            "Fikk ikke lastet ned versjon {version}: sentralen svarte ikke. Skranken fortsetter på \
             {running}; prøv igjen senere."
        ),
        _ => format!(
            "Oppdateringen til {version} ble avvist: pakken stemmer ikke med signaturen. \
             Skranken fortsetter på {running}. Si fra til den som drifter sentralen."
        ),
    };
    DeskError::Update(message).into()
}

/// Why the update kept for this start was not installed, for the window to say once.
#[derive(Debug, Default)]
pub struct UpdateNotice(pub Mutex<Option<String>>);

/// What happened to the update kept for this start, if anything went wrong.
#[tauri::command]
#[specta::specta]
pub fn update_notice(notice: State<'_, UpdateNotice>) -> Option<String> {
    notice.0.lock().ok().and_then(|mut n| n.take())
}

/// At start, before the cache is opened: installs an update kept by [`accept_update`] and starts
/// the new version. The package is checked against its signature again (the file sat on disk); a
/// refused one is deleted. Returns only when nothing was installed, with what the window should say
/// if something went wrong.
pub fn install_staged_update<R: Runtime>(app: &AppHandle<R>, data_dir: &std::path::Path) -> Option<String> {
    let staged = match desk_update::staged_update(data_dir) {
        Ok(Some(staged)) => staged,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "den nedlastede oppdateringen kan ikke leses");
            let _ = desk_update::discard_staged_update(data_dir);
            return None;
        }
    };
    let running = current_version(app);
    // No request is made: the update is rebuilt from the kept manifest. The builder still wants an
    // address.
    let outcome = tauri::Url::parse("https://localhost/")
        .map_err(tauri_plugin_updater::Error::from)
        .and_then(|placeholder| app.updater_builder().endpoints(vec![placeholder]))
        .map(|b| b.version_comparator(central_decides))
        .and_then(|b| b.build())
        .and_then(|updater| updater.restore_update(staged.manifest.clone()))
        .and_then(|update| match update {
            Some(update) => update.install(&staged.package).map(|()| Some(update.version)),
            None => Ok(None),
        });
    let _ = desk_update::discard_staged_update(data_dir);
    match outcome {
        Ok(Some(version)) => {
            tracing::info!(%version, "oppdatering installert; starter den nye versjonen");
            app.restart();
        }
        Ok(None) => {
            tracing::info!("den nedlastede oppdateringen er allerede installert");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "den nedlastede oppdateringen ble ikke installert");
            Some(format!(
                "Oppdateringen som var lastet ned, ble ikke installert (se loggen). Skranken fortsetter på {running}."
            ))
        }
    }
}
