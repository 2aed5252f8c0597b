//! Issue 18: the back office in a real browser (headless Chromium through chromedriver), against the
//! central store as its own process: the first leder from the command line logs in, sees the order a
//! desk pushed, adds a lager user on the Brukere page, and logs out; at a desktop and a tablet width.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::io::Write;

use fantoccini::Locator;
use skranke_e2e::browser::Browser;
use skranke_e2e::central_process::{workspace_binary, CentralProcess};
use skranke_e2e::Error;

/// `skranke-central user add`, the password on standard input.
fn add_user(central: &CentralProcess, role: &str, name: &str, password: &str) {
    let mut child = std::process::Command::new(workspace_binary("skranke-central"))
        .args(["user", "add", "--role", role, name])
        .env("DATABASE_URL", &central.database_url)
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn log_in(b: &Browser, base: &str, name: &str, password: &str) -> Result<(), Error> {
    b.client.goto(&format!("{base}/kontor/ordrer")).await?;
    // Not logged in: the page is the login form.
    b.by_id("login").await?;
    b.client.find(Locator::Id("name")).await?.send_keys(name).await?;
    b.client
        .find(Locator::Id("password"))
        .await?
        .send_keys(&format!("{password}\u{e007}"))
        .await?;
    b.by_id("office-user").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leder_logs_in_sees_the_desks_order_and_adds_a_lager_user() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let central = CentralProcess::start()?;
    let (_, order_file) = common::catalog_and_order(&central, dir.path());
    let desk = common::desk(dir.path(), "kasse");
    common::pair(&central, &desk, &central.url());
    desk.ok(&["sync", "now"])?;
    let placed = desk.ok(&["order", "place", order_file.to_str().unwrap()])?;
    let number = placed
        .split_whitespace()
        .find(|w| w.starts_with("OSL1-"))
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .to_string();
    desk.ok(&["sync", "now"])?;
    add_user(&central, "leder", "Lise Leder", "riktig-passord-1");
    let base = central.url();

    let b = Browser::start(1366, 768).await?;
    b.client.goto(&format!("{base}/kontor/logg-inn")).await?;
    b.by_id("login").await?;
    b.screenshot("office-01-login").await?;
    log_in(&b, &base, "Lise Leder", "riktig-passord-1").await?;
    let table = b.by_id("orders").await?.text().await?;
    assert!(table.contains(&number), "{number} not in {table}");
    b.screenshot("office-02-orders").await?;

    b.client.find(Locator::LinkText("Brukere")).await?.click().await?;
    b.by_id("users").await?;
    b.client
        .find(Locator::Id("new-name"))
        .await?
        .send_keys("Lars Lager")
        .await?;
    b.client
        .find(Locator::Id("new-password"))
        .await?
        .send_keys("riktig-passord-2")
        .await?;
    b.by_id("add-user").await?.click().await?;
    b.client
        .wait()
        .at_most(skranke_e2e::PATIENCE)
        .for_element(Locator::XPath(
            "//*[@data-testid='users']//td[normalize-space(.)='Lars Lager']",
        ))
        .await?;
    b.screenshot("office-03-users").await?;
    b.by_id("logout").await?.click().await?;
    b.by_id("login").await?;
    // After logout the orders page is the login form again.
    b.client.goto(&format!("{base}/kontor/ordrer")).await?;
    b.by_id("login").await?;
    b.close().await?;

    // The new lager user, at a tablet's width: the orders, and no Brukere link.
    let tablet = Browser::start(768, 1024).await?;
    log_in(&tablet, &base, "Lars Lager", "riktig-passord-2").await?;
    let table = tablet.by_id("orders").await?.text().await?;
    assert!(table.contains(&number));
    assert!(tablet
        .client
        .find_all(Locator::LinkText("Brukere"))
        .await?
        .is_empty());
    tablet.screenshot("office-04-orders-tablet").await?;
    tablet.close().await?;
    Ok(())
}
