//! The desk's real window under Xvfb, driven through WebDriver like a person at the keyboard.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use fantoccini::key::Key;
use skranke_e2e::{Error, Window};

/// One window at a time: two WebKit instances on two cores make each slower, not the suite faster.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn press(w: &Window, testid: &str, key: Key) -> Result<(), Error> {
    w.by_id(testid).await?.send_keys(&key.to_string()).await?;
    Ok(())
}

/// A phone order from an empty desk to a placed order found again after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_phone_order_end_to_end() -> Result<(), Error> {
    let _one = ONE_AT_A_TIME.lock().await;
    let data = tempfile::tempdir()?;
    let w = Window::start(data.path(), &[]).await?;

    // First start: the empty catalog offers the demo catalog, with progress.
    let import = w.by_id("import-demo").await?;
    w.screenshot("01-first-start").await?;
    import.click().await?;
    w.by_id("product-search").await?;

    // Search by text, Enter adds the first hit.
    w.type_into("product-search", "kaffetrakter").await?;
    w.by_id("search-results").await?;
    w.screenshot("02-search").await?;
    press(&w, "product-search", Key::Enter).await?;
    w.by_id("cart-line-0").await?;

    // Scan an EAN: the digits and Enter, as a barcode scanner types them.
    let ean = skranke_demo::ean13(2 * 41);
    w.type_into("product-search", &format!("{ean}{}", Key::Enter))
        .await?;
    w.by_id("cart-line-1").await?;

    // Change a quantity.
    let qty = w.by_id("qty-0").await?;
    qty.clear().await?;
    qty.send_keys("3").await?;

    // A new customer; the postcode fills in the place offline.
    w.type_into("customer.name", "Kari Nordmann").await?;
    w.type_into("customer.phone", "412 34 567").await?;
    w.type_into("customer.email", "kari@example.no").await?;
    w.type_into("customer.address.line1", "Storgata 1").await?;
    w.type_into("customer.address.postcode", "0150").await?;
    w.wait_text("poststed", "OSLO").await?;

    // Faktura for a 15-year-old (synthetic number): refused before placing, P2.
    w.by_id("pay-klarna_faktura").await?.click().await?;
    w.type_into("customer.fodselsnummer", "24921099912").await?;
    w.wait_text("refusal-klarna_faktura", "kunden må være fylt 18 år")
        .await?;
    w.screenshot("03-faktura-under-18").await?;

    // Vipps instead; place the order.
    w.by_id("pay-vipps").await?.click().await?;
    w.wait_text("readback", "Betaling: Vipps").await?;
    w.draft_saved().await?;
    w.screenshot("04-ready").await?;
    w.by_id("place-order").await?.click().await?;
    let number = w.by_id("placed-number").await?.text().await?;
    assert!(number.contains("-0000"), "an order number: {number}");
    w.screenshot("05-placed").await?;
    w.close().await?;

    // Restart: the order is in Ordrer.
    let w = Window::start(data.path(), &[]).await?;
    w.by_id("nav-ordrer").await?.click().await?;
    w.wait_text("orders-table", &number).await?;
    w.screenshot("06-orders").await?;
    w.find("[data-testid='orders-table'] tbody tr td")
        .await?
        .click()
        .await?;
    w.wait_text("order-detail", "Kari Nordmann").await?;
    // R3: more than bought is refused next to the line; one unit is registered with its slip.
    let qty = w.by_id("return-qty-1").await?;
    qty.clear().await?;
    qty.send_keys("5").await?;
    w.by_id("register-return").await?.click().await?;
    w.wait_text("return-error-1", "kan ikke returnere 5: kjøpt 1")
        .await?;
    qty.clear().await?;
    qty.send_keys("1").await?;
    w.type_into("return-description", "Angret kjøpet").await?;
    w.by_id("register-return").await?.click().await?;
    w.wait_text("return-result", "Retur 1 er registrert").await?;
    assert!(data
        .path()
        .join("dokumenter")
        .join(format!("{number}-retur-1.pdf"))
        .exists());
    w.screenshot("07-order-detail").await?;
    w.by_id("nav-innstillinger").await?.click().await?;
    w.wait_text("data-dir", &data.path().display().to_string())
        .await?;
    w.screenshot("08-settings").await?;
    w.close().await?;
    Ok(())
}

/// Killed while a draft is typed: the draft is there after the restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_draft_survives_a_kill() -> Result<(), Error> {
    let _one = ONE_AT_A_TIME.lock().await;
    let data = tempfile::tempdir()?;
    let w = Window::start(data.path(), &[("SKRANKE_DEMO", "1")]).await?;
    // Demo mode imports the demo catalog by itself.
    w.by_id("product-search").await?;
    w.type_into("product-search", &format!("kaffetrakter{}", Key::Enter))
        .await?;
    w.by_id("cart-line-0").await?;
    w.type_into("customer.name", "Ola Halvvei").await?;
    w.type_into("customer.phone", "98765432").await?;
    w.draft_saved().await?;
    w.kill_app().await?;

    let w = Window::start(data.path(), &[]).await?;
    w.wait_text("draft-status", "Utkast hentet fram").await?;
    let name = w.by_id("customer.name").await?.prop("value").await?;
    assert_eq!(name.as_deref(), Some("Ola Halvvei"));
    assert_eq!(
        w.by_id("customer.phone").await?.prop("value").await?.as_deref(),
        Some("98765432")
    );
    w.by_id("cart-line-0").await?;
    w.screenshot("09-draft-restored").await?;
    w.close().await?;
    Ok(())
}
