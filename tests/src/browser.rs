//! A real browser for the back office's pages: Debian's Chromium, headless, driven through
//! chromedriver by the same WebDriver client as the desk's window.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use fantoccini::{Client, Locator};
use tokio::process::{Child, Command};

use crate::{free_port, Error, PATIENCE};

/// A headless Chromium with its driver; both end when this is dropped.
#[allow(missing_debug_implementations)] // fantoccini's Client is not Debug
pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium of `width`×`height`.
    pub async fn start(width: u32, height: u32) -> Result<Browser, Error> {
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("chromedriver could not start ({e}): apt-get install chromium-driver"))?;
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        // The flags the machine notes give: no sandbox as root, and none of the background traffic
        // a closed network refuses.
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let client = crate::connect(port, caps).await?;
        Ok(Browser {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    /// The element with `data-testid`, waiting until it exists.
    pub async fn by_id(&self, testid: &str) -> Result<fantoccini::elements::Element, Error> {
        let css = format!("[data-testid='{testid}']");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&css))
            .await
            .map_err(|e| format!("waited {PATIENCE:?} for `{css}`: {e}").into())
    }

    /// Saves a screenshot in `<target>/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, Error> {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    pub async fn close(self) -> Result<(), Error> {
        self.client.close().await?;
        Ok(())
    }
}

fn screenshot_dir() -> PathBuf {
    crate::app_binary()
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("e2e-screenshots"))
        .unwrap_or_default()
}
