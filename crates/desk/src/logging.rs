//! The desk's own log: one file a day in the OS log folder, two weeks kept, for whoever supports the
//! desk. It holds what happened (started, synced, a command failed with which code, an order number
//! placed) and never whom it happened to: no name, phone, e-mail, address or fødselsnummer is passed
//! to it, and error messages, which may quote what staff typed, are logged by their code only.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

use crate::DeskError;

/// Days of log kept: long enough to reach back past a weekend and a holiday week.
const DAYS_KEPT: usize = 14;
/// The log file names: `skranke.2026-12-02.log`.
pub const LOG_PREFIX: &str = "skranke";
pub const LOG_SUFFIX: &str = "log";

/// Our crates at info; the libraries that could print traffic (HTTP, SQL) only when they warn.
const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,hyper_util=warn,reqwest=warn,rustls=warn,\
                              h2=warn,zbus=warn,tao=warn,wry=warn,tauri=warn";

/// Where the log goes unless told: `SKRANKE_LOG_DIR`, else the folder Tauri calls the app's log
/// folder (`$XDG_DATA_HOME/no.skranke.desk/logs` on Linux, `%LOCALAPPDATA%\no.skranke.desk\logs` on
/// Windows), so the window and the CLI write to the same place.
pub fn default_log_dir() -> PathBuf {
    match std::env::var_os("SKRANKE_LOG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => log_dir_under(dirs::data_local_dir().unwrap_or_else(|| PathBuf::from("."))),
    }
}

fn log_dir_under(base: PathBuf) -> PathBuf {
    #[cfg(target_os = "macos")]
    {
        let _ = base;
        dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("Library/Logs/no.skranke.desk")
    }
    #[cfg(not(target_os = "macos"))]
    {
        base.join("no.skranke.desk").join("logs")
    }
}

/// Keeps the log writing; dropping it flushes what is buffered.
#[must_use = "the log stops when this is dropped"]
#[derive(Debug)]
pub struct LogGuard {
    _worker: WorkerGuard,
}

/// Starts logging to `dir` for the rest of the process (`SKRANKE_LOG` overrides the filter). A second
/// call in one process keeps the first logger.
pub fn start(dir: &Path) -> Result<LogGuard, DeskError> {
    std::fs::create_dir_all(dir).map_err(DeskError::io(format!(
        "kan ikke lage loggmappen {}",
        dir.display()
    )))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(DAYS_KEPT)
        .build(dir)
        .map_err(|e| DeskError::Io {
            context: format!("kan ikke skrive loggen i {}", dir.display()),
            source: std::io::Error::other(e.to_string()),
        })?;
    let (writer, worker) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("SKRANKE_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(LogGuard { _worker: worker })
}

/// The log files in `dir`, oldest first.
pub fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(LOG_PREFIX) && n.ends_with(LOG_SUFFIX))
        })
        .collect();
    files.sort();
    files
}
