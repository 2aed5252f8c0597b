//! Harnesses for tests across processes: the fault proxy and the central store as a process
//! (`fault_proxy`, `central_process`), and below, the desk's real window: starts tauri-driver (which starts WebKitWebDriver and the built
//! `skranke-desktop` binary) on free ports, with the desk's data in a folder of the test's own, and
//! gives a WebDriver client. Run under Xvfb: `cargo xtask test` does.

pub mod balancer;
pub mod browser;
pub mod central_process;
pub mod cpu_time;
pub mod dpkg;
pub mod fault_proxy;
pub mod power_cuts;
pub mod print_server;
pub mod small_disk;
pub mod smtp_sink;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// How long any one thing in the window may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The built desktop binary: `SKRANKE_DESKTOP_BIN`, else `<target>/debug/skranke-desktop`.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SKRANKE_DESKTOP_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug/skranke-desktop")
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let installed = home.join(".cargo/bin/tauri-driver");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// A WebDriver session with the driver on `port`. A driver needs a moment to listen: try until it
/// answers (or PATIENCE is over).
pub(crate) async fn connect(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
) -> Result<Client, Error> {
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    loop {
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps.clone());
        // A driver that accepted the request answers once the window has loaded its page; a window
        // that never does would leave the request, and the test, waiting for ever.
        match within(
            "a WebDriver session (the window loading its page)",
            builder.connect(&url),
        )
        .await?
        {
            Ok(c) => return Ok(c),
            Err(e) if started.elapsed() > PATIENCE => return Err(format!("no WebDriver session: {e}").into()),
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

/// Waits up to PATIENCE for the element `locator` finds, saying what was awaited if it does not
/// come: a bare `WaitTimeout` leaves a failed run unexplained.
pub(crate) async fn wait_for(client: &Client, locator: Locator<'_>, what: &str) -> Result<Element, Error> {
    within(what, client.wait().at_most(PATIENCE).for_element(locator))
        .await?
        .map_err(|e| format!("waited {PATIENCE:?} for {what}: {e}").into())
}

/// Awaits one step in a window or browser, failing the test if it has no answer within PATIENCE
/// and a little: WebDriver's own waits poll with a deadline, but a single command to a window
/// that hangs is never answered, and a hung test run says nothing about what went wrong.
pub(crate) async fn within<T>(what: &str, step: impl std::future::Future<Output = T>) -> Result<T, Error> {
    let limit = PATIENCE + Duration::from_secs(5);
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| format!("no answer from the window in {limit:?} while waiting for {what}").into())
}

pub(crate) fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One running window with its driver.
#[allow(missing_debug_implementations)] // fantoccini's Client is not Debug
pub struct Window {
    pub client: Client,
    driver: Child,
}

impl Window {
    /// Starts the window on `data_dir` (extra environment for the app in `env`).
    pub async fn start(data_dir: &Path, env: &[(&str, &str)]) -> Result<Window, Error> {
        Window::start_binary(&app_binary(), data_dir, env).await
    }

    /// Starts the window of the binary `app` (an installed package's) on `data_dir`.
    pub async fn start_binary(app: &Path, data_dir: &Path, env: &[(&str, &str)]) -> Result<Window, Error> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err("no DISPLAY: run the window tests under Xvfb (cargo xtask test does)".into());
        }
        if !app.exists() {
            return Err(format!("{} is not built (cargo build -p skranke-desktop)", app.display()).into());
        }
        let (port, native) = (free_port()?, free_port()?);
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("SKRANKE_DATA_DIR", data_dir)
            // The log beside the data folder: each test has its own, and a restart on the same
            // folder finds it again.
            .env("SKRANKE_LOG_DIR", data_dir.with_extension("logg"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = cmd.spawn().map_err(|e| {
            format!("tauri-driver could not start ({e}): cargo install tauri-driver --locked")
        })?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        let client = connect(port, caps).await?;
        Ok(Window { client, driver })
    }

    /// The element matching `css`, waiting until it exists.
    pub async fn find(&self, css: &str) -> Result<Element, Error> {
        wait_for(&self.client, Locator::Css(css), &format!("`{css}`")).await
    }

    /// Waits until an element with `data-testid` holds text containing `text`.
    pub async fn wait_text(&self, testid: &str, text: &str) -> Result<Element, Error> {
        let xpath = format!(
            "//*[@data-testid='{testid}'][contains(normalize-space(.), {})]",
            xpath_literal(text)
        );
        wait_for(
            &self.client,
            Locator::XPath(&xpath),
            &format!("«{text}» in `{testid}`"),
        )
        .await
    }

    /// Clicks the first element matching `css`, finding it again if the screen re-rendered it between
    /// the find and the click (a list refreshed by a sync replaces its rows).
    pub async fn click_first(&self, css: &str) -> Result<(), Error> {
        let started = std::time::Instant::now();
        loop {
            let element = self.find(css).await?;
            match element.click().await {
                Ok(()) => return Ok(()),
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        && started.elapsed() < PATIENCE => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// On Ny ordre: types a one-line card order (the first coffee maker) for `name`, `phone` at `street`
    /// in Oslo, as staff would, places it and returns its number.
    pub async fn place_card_order(&self, name: &str, phone: &str, street: &str) -> Result<String, Error> {
        self.type_into("product-search", "kaffetrakter\u{e007}").await?;
        self.by_id("cart-line-0").await?;
        self.type_into("customer.name", name).await?;
        self.type_into("customer.phone", phone).await?;
        self.type_into("customer.address.line1", street).await?;
        self.type_into("customer.address.postcode", "0150").await?;
        self.wait_text("poststed", "OSLO").await?;
        self.by_id("pay-kort").await?.click().await?;
        self.by_id("confirm-15").await?.click().await?;
        self.wait_text("readback", "Betaling: Kort").await?;
        self.by_id("place-order").await?.click().await?;
        Ok(self
            .by_id("placed-number")
            .await?
            .text()
            .await?
            .trim()
            .to_string())
    }

    pub async fn by_id(&self, testid: &str) -> Result<Element, Error> {
        self.find(&format!("[data-testid='{testid}']")).await
    }

    /// Whether an element with `data-testid` is on screen now, without waiting.
    pub async fn shows(&self, testid: &str) -> Result<bool, Error> {
        let found = self
            .client
            .find_all(Locator::Css(&format!("[data-testid='{testid}']")))
            .await?;
        Ok(!found.is_empty())
    }

    /// Types into the field with `data-testid`.
    pub async fn type_into(&self, testid: &str, text: &str) -> Result<(), Error> {
        self.by_id(testid).await?.send_keys(text).await?;
        Ok(())
    }

    /// Logs `name` in with `pin` at the login screen, and waits until the header names them.
    pub async fn log_in(&self, name: &str, pin: &str) -> Result<(), Error> {
        self.by_id(&format!("login-staff-{name}")).await?.click().await?;
        self.type_into("login-pin", &format!("{pin}\u{e007}")).await?;
        self.wait_text("session", name).await?;
        Ok(())
    }

    /// Waits until the draft on screen has been saved to disk.
    pub async fn draft_saved(&self) -> Result<(), Error> {
        let xpath = "//*[@data-testid='new-order-screen'][@data-saved-version=@data-edit-version][@data-saved-version!='0']";
        within(
            "the draft saved",
            self.client
                .wait()
                .at_most(PATIENCE)
                .for_element(Locator::XPath(xpath)),
        )
        .await??;
        Ok(())
    }

    /// Saves a screenshot as a test artefact in `<target>/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, Error> {
        let dir = app_binary()
            .parent()
            .and_then(Path::parent)
            .map(|t| t.join("e2e-screenshots"))
            .unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        // WebKit's screenshot is the last painted frame: wait for two frames so what the DOM holds
        // now (a scroll, a new message) is on it.
        let two_frames = self.client.execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            vec![],
        );
        within("two painted frames", two_frames).await??;
        std::fs::write(&path, within("a screenshot", self.client.screenshot()).await??)?;
        Ok(path)
    }

    /// Closes the window the way a person does.
    pub async fn close(mut self) -> Result<(), Error> {
        within("the window to close", self.client.clone().close()).await??;
        stop(&mut self.driver).await;
        Ok(())
    }

    /// Kills the desk's process with SIGKILL, as a crash or a power cut would, and ends the driver.
    pub async fn kill_app(mut self) -> Result<(), Error> {
        let app = app_binary();
        let status = std::process::Command::new("pkill")
            .arg("-KILL")
            .arg("-f")
            .arg(app.as_os_str())
            .status()?;
        if !status.success() {
            return Err("the app process was not found to kill".into());
        }
        let _ = within("the killed window's session to end", self.client.clone().close()).await;
        stop(&mut self.driver).await;
        Ok(())
    }
}

/// A test that failed drops its window without closing it: end the driver (and with it
/// WebKitWebDriver and the app) as `stop` does, so the next test starts alone.
impl Drop for Window {
    fn drop(&mut self) {
        terminate(&self.driver);
    }
}

/// SIGTERM, then wait: SIGKILL would orphan WebKitWebDriver and hang whoever reads its output.
async fn stop(driver: &mut Child) {
    terminate(driver);
    let _ = tokio::time::timeout(PATIENCE, driver.wait()).await;
}

/// Sends SIGTERM to a driver not yet waited for.
fn terminate(driver: &Child) {
    if let Some(pid) = driver.id() {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
    }
}

fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("concat('{}')", text.replace('\'', "', \"'\", '"))
    }
}
