//! Issue 18: the back office in a real browser (headless Chromium through chromedriver), against the
//! central store as its own process and desks as their own processes. A leder (the first from the
//! command line) logs in, sees the order a desk pushed, marks it sent with a tracking number (the
//! desk shows "Sendt" after its sync), adds a staff member who then logs in on the desk (and the new
//! order appears in the list without a reload, while a search is being typed), makes a pairing code
//! a second desk uses, uploads and applies a feed, exports a customer, sees a webhook receiver that
//! is down in the delivery log, adds a lager user, logs out.
//! Every page is checked with axe-core (no serious or critical violations), walked with the Tab key,
//! and photographed at 1366×768 and at a tablet's width.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::io::Write;

use fantoccini::Locator;
use skranke_e2e::browser::Browser;
use skranke_e2e::central_process::{workspace_binary, CentralProcess, DeskProcess};
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

/// The order number in what `skranke order place` printed.
fn order_number(placed: &str) -> String {
    placed
        .split_whitespace()
        .find(|w| w.starts_with("OSL"))
        .unwrap()
        .trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .to_string()
}

/// A desk command as a person: `--staff NAME` with the PIN, not the scripts' service identity.
fn as_staff(desk: &DeskProcess, name: &str, pin: &str, args: &[&str]) -> std::process::Output {
    let mut full = vec!["--staff", name];
    full.extend_from_slice(args);
    desk.command(&full)
        .env_remove("SKRANKE_SERVICE")
        .env("SKRANKE_PIN", pin)
        .output()
        .unwrap()
}

/// Axe finds nothing serious, every link, button and field is reached with Tab, and the page is
/// photographed as `office-<name>`.
async fn check_page(b: &Browser, name: &str, keyboard: bool) -> Result<(), Error> {
    let violations = b.accessibility_violations().await?;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
    if keyboard {
        let missed = b.unreachable_by_keyboard().await?;
        assert!(missed.is_empty(), "{name}: not reached with Tab: {missed:?}");
    }
    b.screenshot(&format!("office-{name}")).await?;
    Ok(())
}

async fn text_of(b: &Browser, testid: &str) -> Result<String, Error> {
    Ok(b.by_id(testid).await?.text().await?)
}

async fn wait_for_text(b: &Browser, testid: &str, expected: &str) -> Result<(), Error> {
    let xpath = format!("//*[@data-testid='{testid}'][contains(normalize-space(.), '{expected}')]");
    b.client
        .wait()
        .at_most(skranke_e2e::PATIENCE)
        .for_element(Locator::XPath(&xpath))
        .await
        .map_err(|e| format!("waited for {testid} to say «{expected}»: {e}"))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_back_office_runs_the_shop_in_a_browser() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let central = CentralProcess::start()?;
    let (products, order_file) = common::catalog_and_order(&central, dir.path());
    // A receiver that is down: the events wait for it, and the page's log says why.
    central.ok(&["webhook", "add", "http://127.0.0.1:9/hendelser"])?;
    let desk = common::desk(dir.path(), "kasse");
    common::pair(&central, &desk, &central.url());
    desk.ok(&["sync", "now"])?;
    let number = order_number(&desk.ok(&["order", "place", order_file.to_str().unwrap()])?);
    desk.ok(&["sync", "now"])?;
    add_user(&central, "leder", "Lise Leder", "riktig-passord-1");
    let base = central.url();

    let b = Browser::start(1366, 768).await?;
    b.client.goto(&format!("{base}/kontor/logg-inn")).await?;
    b.by_id("login").await?;
    check_page(&b, "01-login", true).await?;
    log_in(&b, &base, "Lise Leder", "riktig-passord-1").await?;
    let table = text_of(&b, "orders").await?;
    assert!(table.contains(&number), "{number} not in {table}");
    check_page(&b, "02-orders", true).await?;

    // The order: sent with a tracking number; the desk shows "Sendt" after its next sync.
    b.client.find(Locator::LinkText(&number)).await?.click().await?;
    b.by_id("order-lines").await?;
    check_page(&b, "03-order", true).await?;
    b.by_id("tracking").await?.send_keys("70712345678901234").await?;
    b.by_id("mark-sent").await?.click().await?;
    wait_for_text(&b, "order-state", "Sendt").await?;
    let notice = text_of(&b, "order-notice").await?;
    assert!(
        notice.contains("markert som sendt") && notice.contains("gi sporingsnummeret på telefon"),
        "{notice}"
    );
    check_page(&b, "04-order-sent", false).await?;
    desk.ok(&["sync", "now"])?;
    let shown = desk.ok(&["order", "show", &number])?;
    assert!(
        shown.contains("Sendt") && shown.contains("70712345678901234"),
        "{shown}"
    );

    // Plukkliste: the page that makes the PDF.
    b.client
        .find(Locator::LinkText("Plukkliste"))
        .await?
        .click()
        .await?;
    b.by_id("pick-list").await?;
    check_page(&b, "05-pick-list", true).await?;

    // Ansatte: Kari gets a PIN; after a sync she logs in on the desk with it.
    b.client.find(Locator::LinkText("Ansatte")).await?.click().await?;
    b.by_id("staff-name").await?.send_keys("Kari Nordmann").await?;
    b.by_id("staff-pin").await?.send_keys("4821").await?;
    b.by_id("add-staff").await?.click().await?;
    b.by_id("staff-notice").await?;
    check_page(&b, "06-staff", true).await?;
    desk.ok(&["sync", "now"])?;
    let wrong = as_staff(
        &desk,
        "Kari Nordmann",
        "1111",
        &["order", "place", order_file.to_str().unwrap()],
    );
    assert!(!wrong.status.success(), "a wrong PIN places nothing");

    // Live: while someone types a search on the list, Kari's order arrives and shows without a
    // reload, and what was typed stays.
    b.client.find(Locator::LinkText("Ordrer")).await?.click().await?;
    b.by_id("orders").await?;
    b.by_id("order-search")
        .await?
        .send_keys("Kari i ferd med")
        .await?;
    let placed = as_staff(
        &desk,
        "Kari Nordmann",
        "4821",
        &["order", "place", order_file.to_str().unwrap()],
    );
    assert!(
        placed.status.success(),
        "{}",
        String::from_utf8_lossy(&placed.stderr)
    );
    let second = order_number(&String::from_utf8_lossy(&placed.stdout));
    desk.ok(&["sync", "now"])?;
    wait_for_text(&b, "orders", &second).await?;
    let typed = b.by_id("order-search").await?.prop("value").await?;
    assert_eq!(
        typed.as_deref(),
        Some("Kari i ferd med"),
        "typed text survives the refresh"
    );

    // Skranker: a pairing code a second desk uses; the page then lists both desks.
    b.client
        .find(Locator::LinkText("Skranker"))
        .await?
        .click()
        .await?;
    b.by_id("make-pairing-code").await?.click().await?;
    let code = text_of(&b, "pairing-code").await?;
    check_page(&b, "07-desks-code", true).await?;
    let second_desk = common::desk(dir.path(), "kasse2");
    second_desk.ok(&["sync", "pair", &base, code.trim()])?;
    b.client
        .find(Locator::LinkText("Skranker"))
        .await?
        .click()
        .await?;
    b.by_id("desks").await?;
    let rows = b
        .client
        .find_all(Locator::Css("[data-testid='desk-row']"))
        .await?;
    assert_eq!(rows.len(), 2);

    // Katalog: a feed uploaded, previewed, applied.
    let mut changed = products[..3].to_vec();
    changed[0].price = skranke_core::Money::from_ore(changed[0].price.ore() + 5_000);
    let feed = dir.path().join("endringer.jsonl");
    std::fs::write(
        &feed,
        changed
            .iter()
            .map(|p| {
                serde_json::json!({
                    "sku": p.sku, "eans": p.eans, "name": p.name, "brand": p.brand, "category": p.category,
                    "price": format!("{}.{:02}", p.price.ore() / 100, p.price.ore() % 100),
                    "mva": p.mva_rate.percent().to_string(), "availability": p.availability.code(),
                    "supplier_date": p.availability.supplier_date().map(|d| d.to_string()),
                })
                .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    b.client.find(Locator::LinkText("Katalog")).await?.click().await?;
    check_page(&b, "08-catalog", true).await?;
    b.by_id("feed-file")
        .await?
        .send_keys(feed.to_str().unwrap())
        .await?;
    b.client
        .find(Locator::Css("input[name='omfang'][value='delvis']"))
        .await?
        .click()
        .await?;
    b.by_id("upload-feed").await?.click().await?;
    assert_eq!(text_of(&b, "feed-updated").await?, "1");
    check_page(&b, "09-catalog-preview", true).await?;
    b.by_id("apply-feed").await?.click().await?;
    wait_for_text(&b, "feed-state", "brukt").await?;

    // Personvern: everything about the customer of the first order.
    let phone = common::central_orders(&central).await[0].1["customer"]["phone"]
        .as_str()
        .unwrap()
        .to_string();
    b.client
        .find(Locator::LinkText("Personvern"))
        .await?
        .click()
        .await?;
    b.by_id("export-phone").await?.send_keys(&phone).await?;
    b.by_id("export").await?.click().await?;
    let exported = text_of(&b, "export-json").await?;
    assert!(exported.contains(&number), "{exported}");
    check_page(&b, "10-privacy-export", true).await?;

    b.client
        .find(Locator::LinkText("Revisjon"))
        .await?
        .click()
        .await?;
    wait_for_text(&b, "central-chain", "I orden").await?;
    check_page(&b, "11-audit", true).await?;

    b.client
        .find(Locator::LinkText("Integrasjoner"))
        .await?
        .click()
        .await?;
    // The background worker tries at once and then backs off; the page shows each try.
    let deadline = std::time::Instant::now() + skranke_e2e::PATIENCE;
    while !b.client.source().await?.contains("kunne ikke nås") {
        assert!(
            std::time::Instant::now() < deadline,
            "no failed delivery in the log"
        );
        b.client.refresh().await?;
    }
    check_page(&b, "12-integrations", true).await?;

    b.client.find(Locator::LinkText("Brukere")).await?.click().await?;
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
    check_page(&b, "13-users", true).await?;
    b.by_id("logout").await?.click().await?;
    b.by_id("login").await?;
    // After logout the orders page is the login form again.
    b.client.goto(&format!("{base}/kontor/ordrer")).await?;
    b.by_id("login").await?;
    b.close().await?;

    // At a tablet's width: every page the leder has, then the lager user's (no leder menu).
    let tablet = Browser::start(768, 1024).await?;
    log_in(&tablet, &base, "Lise Leder", "riktig-passord-1").await?;
    for (path, testid, name) in [
        ("/kontor/ordrer", "orders", "tablet-orders"),
        (
            &*format!("/kontor/ordrer/{number}"),
            "order-lines",
            "tablet-order",
        ),
        ("/kontor/plukkliste", "pick-list", "tablet-pick-list"),
        ("/kontor/skranker", "desks", "tablet-desks"),
        ("/kontor/ansatte", "staff", "tablet-staff"),
        ("/kontor/katalog", "feed-history", "tablet-catalog"),
        ("/kontor/personvern", "export", "tablet-privacy"),
        ("/kontor/revisjon", "central-chain", "tablet-audit"),
        ("/kontor/integrasjoner", "webhook-log", "tablet-integrations"),
        ("/kontor/brukere", "users", "tablet-users"),
    ] {
        tablet.client.goto(&format!("{base}{path}")).await?;
        tablet.by_id(testid).await?;
        check_page(&tablet, name, false).await?;
    }
    tablet.by_id("logout").await?.click().await?;
    log_in(&tablet, &base, "Lars Lager", "riktig-passord-2").await?;
    assert!(text_of(&tablet, "orders").await?.contains(&number));
    assert!(tablet
        .client
        .find_all(Locator::LinkText("Brukere"))
        .await?
        .is_empty());
    assert!(tablet
        .client
        .find_all(Locator::LinkText("Skranker"))
        .await?
        .is_empty());
    tablet.screenshot("office-tablet-lager").await?;
    tablet.close().await?;
    Ok(())
}
