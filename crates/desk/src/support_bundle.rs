//! Innstillinger → "Lag feilsøkingspakke": one zip a support person can be sent, with the desk's logs,
//! its version, its sync state, its schema and an integrity check of the cache, and no customer data
//! (the log holds none, and of the cache only counts are taken).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::staff::Acting;
use crate::{oslo_time, Desk, DeskError};

/// The folder in the data folder the window writes bundles to.
pub const BUNDLE_DIR: &str = "feilsøkingspakker";

/// What went into a bundle, for the window to say.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SupportBundleView {
    pub path: String,
    pub log_files: u32,
    /// Whether SQLite found the cache whole.
    pub cache_sound: bool,
}

/// The facts in `status.json`: identifiers of the desk and the shop, counts and times, no person.
#[derive(Debug, Serialize)]
struct Status {
    version: &'static str,
    os: &'static str,
    arch: &'static str,
    made_at: DateTime<Utc>,
    data_dir: String,
    schema_version: i64,
    integrity_check: Vec<String>,
    orders: i64,
    products: i64,
    returns: i64,
    outbox_unsent: i64,
    has_draft: bool,
    series: String,
    device_id: String,
    paired_store: Option<String>,
    central_url: Option<String>,
    orders_waiting_to_sync: u32,
    oldest_waiting_since: Option<DateTime<Utc>>,
    last_good_sync_at: Option<DateTime<Utc>>,
}

impl Desk {
    /// Writes a support bundle into `out_dir` and records it in the audit log.
    pub async fn write_support_bundle(
        &self,
        who: &Acting,
        log_dir: &Path,
        out_dir: &Path,
        now: DateTime<Utc>,
    ) -> Result<SupportBundleView, DeskError> {
        self.as_actor(who);
        let health = self.cache().health().await?;
        let sync = self.cache().sync_state().await?;
        let device = self.cache().device().await?;
        let status = Status {
            version: env!("CARGO_PKG_VERSION"),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            made_at: now,
            data_dir: self.data_dir().display().to_string(),
            schema_version: health.schema_version,
            integrity_check: health.integrity.clone(),
            orders: health.orders,
            products: health.products,
            returns: health.returns,
            outbox_unsent: health.unsent,
            has_draft: health.has_draft,
            series: device.series_prefix.clone(),
            device_id: device.device_id.clone(),
            paired_store: sync.paired.as_ref().map(|p| p.store_name.clone()),
            central_url: sync.paired.as_ref().map(|p| p.central_url.clone()),
            orders_waiting_to_sync: sync.pending,
            oldest_waiting_since: sync.oldest_pending_at,
            last_good_sync_at: sync.last_good_sync_at,
        };
        let logs = crate::logging::log_files(log_dir);
        std::fs::create_dir_all(out_dir)
            .map_err(DeskError::io(format!("kan ikke lage {}", out_dir.display())))?;
        let name = format!(
            "skranke-feilsoking-{}.zip",
            oslo_time(now).format("%Y%m%d-%H%M%S")
        );
        let path = out_dir.join(name);
        write_zip(&path, &status, &summary(&status, health.sound()), &logs)?;
        self.cache()
            .record_audit("feilsøkingspakke laget", &path.display().to_string(), now)
            .await?;
        tracing::info!(
            log_files = logs.len(),
            sound = health.sound(),
            "feilsøkingspakke laget"
        );
        Ok(SupportBundleView {
            path: path.display().to_string(),
            log_files: u32::try_from(logs.len()).unwrap_or(u32::MAX),
            cache_sound: health.sound(),
        })
    }
}

/// The same facts in Norwegian, for the person who opens the zip first.
fn summary(s: &Status, sound: bool) -> String {
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or("aldri".to_string(), |t| {
            oslo_time(t).format("%d.%m.%Y %H:%M").to_string()
        })
    };
    format!(
        "Skranke {version} ({os}, {arch})\n\
         Laget: {made}\n\
         Datamappe: {dir}\n\
         Skjemaversjon: {schema}\n\
         Integritetssjekk: {integrity}\n\
         Ordre: {orders}, returer: {returns}, produkter: {products}, utkast: {draft}\n\
         Ordreserie: {series}\n\
         Butikk: {store}\n\
         Sentralt system: {central}\n\
         Venter på synkronisering: {waiting}\n\
         Sist synkronisert: {last}\n",
        version = s.version,
        os = s.os,
        arch = s.arch,
        made = time(Some(s.made_at)),
        dir = s.data_dir,
        schema = s.schema_version,
        integrity = if sound {
            "ok".to_string()
        } else {
            s.integrity_check.join("; ")
        },
        orders = s.orders,
        returns = s.returns,
        products = s.products,
        draft = if s.has_draft { "ja" } else { "nei" },
        series = s.series,
        store = s.paired_store.as_deref().unwrap_or("ikke paret"),
        central = s.central_url.as_deref().unwrap_or("–"),
        waiting = match s.oldest_waiting_since {
            Some(t) if s.orders_waiting_to_sync > 0 =>
                format!("{} (eldste fra {})", s.orders_waiting_to_sync, time(Some(t))),
            _ => s.orders_waiting_to_sync.to_string(),
        },
        last = time(s.last_good_sync_at),
    )
}

fn write_zip(path: &Path, status: &Status, summary: &str, logs: &[PathBuf]) -> Result<(), DeskError> {
    let failed = |e: zip::result::ZipError| DeskError::Io {
        context: format!("kan ikke skrive {}", path.display()),
        source: std::io::Error::other(e.to_string()),
    };
    let io = || DeskError::io(format!("kan ikke skrive {}", path.display()));
    // Written beside and renamed into place: a half-written zip is never mistaken for a bundle.
    let partial = path.with_extension("zip.delvis");
    let file = std::fs::File::create(&partial).map_err(io())?;
    let mut zip = zip::ZipWriter::new(file);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("om-skranken.txt", options).map_err(failed)?;
    zip.write_all(summary.as_bytes()).map_err(io())?;
    zip.start_file("status.json", options).map_err(failed)?;
    let json = serde_json::to_vec_pretty(status).map_err(|e| DeskError::Io {
        context: "kan ikke skrive status.json".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    zip.write_all(&json).map_err(io())?;
    for log in logs {
        let Some(name) = log.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // Today's file is being written to: what is there now is what goes in.
        let bytes = std::fs::read(log).map_err(DeskError::io(format!("kan ikke lese {}", log.display())))?;
        zip.start_file(format!("logg/{name}"), options).map_err(failed)?;
        zip.write_all(&bytes).map_err(io())?;
    }
    let file = zip.finish().map_err(failed)?;
    file.sync_all().map_err(io())?;
    std::fs::rename(&partial, path).map_err(io())?;
    Ok(())
}
