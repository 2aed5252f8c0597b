//! A real browser for the back office's pages: Debian's Chromium, headless, driven through
//! chromedriver by the same WebDriver client as the desk's window.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use tokio::process::{Child, Command};

use crate::{free_port, wait_for, Error};

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
            // Its own process group, so that Chromium, which it starts, ends with it (Drop).
            .process_group(0)
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
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--lang=nb-NO",
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
        wait_for(&self.client, Locator::Css(&css), &format!("`{css}`")).await
    }

    /// Saves a screenshot in `<target>/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, Error> {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// axe-core (the copy npm installed under `ui/`) run in the page: its serious and critical
    /// violations, each as `rule: help (elements)`.
    pub async fn accessibility_violations(&self) -> Result<Vec<String>, Error> {
        let axe = std::fs::read_to_string(axe_source()).map_err(|e| {
            format!("axe-core is missing ({e}): run `npm ci` in ui/ (`cargo xtask test` does)")
        })?;
        let script = format!(
            "{axe}\n;const done = arguments[arguments.length - 1];\n\
             axe.run(document, {{ resultTypes: ['violations'] }}).then((r) => done(r.violations\n\
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')\n\
               .map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')')));"
        );
        let found = self.client.execute_async(&script, Vec::new()).await?;
        Ok(serde_json::from_value(found)?)
    }

    /// Walks the page with the Tab key from the top and returns the interactive elements (links,
    /// buttons, fields) it never reached, described by their text or name.
    pub async fn unreachable_by_keyboard(&self) -> Result<Vec<String>, Error> {
        let count = self
            .client
            .execute(
                "const all = Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea'))\n\
                   .filter((e) => e.getClientRects().length > 0);\n\
                 all.forEach((e, i) => { e.dataset.kb = String(i); });\n\
                 document.activeElement && document.activeElement.blur();\n\
                 return all.length;",
                Vec::new(),
            )
            .await?
            .as_u64()
            .unwrap_or(0);
        let mut reached = std::collections::HashSet::new();
        // A date field takes a stop per part (day, month, year): up to three presses per element,
        // and a few for the browser's own stops; done as soon as every element was reached.
        for _ in 0..count * 3 + 5 {
            if reached.len() as u64 == count {
                break;
            }
            // A key press of the keyboard itself (sending keys to an element would type into a
            // file field as a file name).
            let tab = KeyActions::new("tastatur".into())
                .then(KeyAction::Down { value: '\u{e004}' })
                .then(KeyAction::Up { value: '\u{e004}' });
            self.client.perform_actions(tab).await?;
            if let Some(i) = self
                .client
                .execute(
                    "return document.activeElement && document.activeElement.dataset.kb || null;",
                    Vec::new(),
                )
                .await?
                .as_str()
            {
                reached.insert(i.to_string());
            }
        }
        let missing = self
            .client
            .execute(
                // A radio group is one Tab stop (the arrow keys choose within it): reached when
                // any of its buttons was.
                "const reached = arguments[0];\n\
                 const all = Array.from(document.querySelectorAll('[data-kb]'));\n\
                 const group = (e) => e.type === 'radio' && all.some((o) => o.type === 'radio' && o.name === e.name && reached.includes(o.dataset.kb));\n\
                 return all.filter((e) => !reached.includes(e.dataset.kb) && !group(e))\n\
                   .map((e) => e.tagName + ' ' + (e.textContent.trim() || e.name || e.id));",
                vec![serde_json::json!(reached.into_iter().collect::<Vec<_>>())],
            )
            .await?;
        Ok(serde_json::from_value(missing)?)
    }

    pub async fn close(self) -> Result<(), Error> {
        self.client.clone().close().await?;
        Ok(())
    }
}

/// A test that fails before `close` would leave Chromium running after its driver is killed: the
/// whole group goes.
impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self._driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
    }
}

fn axe_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js")
}

fn screenshot_dir() -> PathBuf {
    crate::app_binary()
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("e2e-screenshots"))
        .unwrap_or_default()
}
