//! Issue 17 item 2: the installed desk updates itself from its central store. Version N (the tests'
//! build) and N+1 (the same build with the version raised, `cargo xtask test` makes both, signed with
//! a throwaway key the desk was built to trust) are real .deb packages; N is installed with dpkg, N+1
//! published on a throwaway central store, offered in the window, downloaded, refused while tampered,
//! and installed by the desk at its next start.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::dpkg::{install, installed_version, Installed};
use skranke_e2e::{Error, Window, PATIENCE};

const INSTALLED: &str = "/usr/bin/skranke-desktop";
const NEXT: &str = "0.1.1";

fn target_dir() -> PathBuf {
    skranke_e2e::app_binary()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Version N's .deb (the tests' build, bundled and signed by `cargo xtask test`).
fn deb_n() -> PathBuf {
    let dir = target_dir().join("debug/bundle/deb");
    let found = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run cargo xtask test)", dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("no .deb built (run cargo xtask test)");
    assert!(
        signature_of(&found).exists(),
        "{} is not signed: cargo xtask test signs it with a throwaway key",
        found.display()
    );
    found
}

/// Version N+1's .deb, which `cargo xtask test` keeps in `<target>/update-test/debug/<version>/`.
fn deb_next() -> PathBuf {
    let path = target_dir()
        .join("update-test/debug")
        .join(NEXT)
        .join(format!("Skranke_{NEXT}_amd64.deb"));
    assert!(
        path.exists() && signature_of(&path).exists(),
        "{} (and its .sig) is not built: run cargo xtask test",
        path.display()
    );
    path
}

fn signature_of(deb: &Path) -> PathBuf {
    deb.with_file_name(format!("{}.sig", deb.file_name().unwrap().to_str().unwrap()))
}

/// Runs SQL on the central store's database (the operator's hands, or an attacker's).
fn sql(central: &CentralProcess, statement: &str) {
    let out = Command::new("psql")
        .args([
            &central.database_url,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The demo catalog (as the demo desk has it) and a person at each store, on the central store.
fn stock_central(central: &CentralProcess, dir: &Path) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<_> = skranke_demo::products(500, 2026, Utc::now(), today).collect();
    common::import_products(central, dir, &products);
    for store in ["OSL", "BRG"] {
        central
            .ok(&["staff", "add", "--store", store, "--name", "Kari", "--pin", PIN])
            .unwrap();
    }
}

const PIN: &str = "4821";

/// A desk data folder paired with `store` of `central`, with its catalog and staff pulled.
async fn paired_desk(central: &CentralProcess, dir: &Path, store: &str) {
    let desk = skranke_desk::Desk::open(dir).await.unwrap();
    let code = central.ok(&["pairing-code", "--store", store]).unwrap();
    desk.pair(&central.url(), code.trim(), "Kasse 1", Utc::now())
        .await
        .unwrap();
    desk.sync_now(|_, _| {}).await.unwrap();
    desk.cache().clone().close().await;
}

/// Waits until `check` holds, asking again as soon as the last answer came.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(started.elapsed() < PATIENCE * 4, "gave up waiting for {what}");
        tokio::task::yield_now().await;
    }
}

/// Whether any process of process group `group` is alive (from /proc, as `pgrep -g` reads it).
fn group_alive(group: u32) -> bool {
    std::fs::read_dir("/proc").is_ok_and(|entries| {
        entries.filter_map(|e| e.ok()).any(|e| {
            std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
                // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its ')'.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(2).map(str::to_string))
                    .is_some_and(|pgrp| pgrp == group.to_string())
                    && !stat
                        .rsplit_once(')')
                        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
        })
    })
}

/// Accepts the offered version `version` and waits for the refusal, which must say it was refused.
async fn refused(w: &Window, version: &str) -> Result<String, Error> {
    w.wait_text("update-version", version).await?;
    w.by_id("update-accept").await?.click().await?;
    let error = w.by_id("update-error").await?.text().await?;
    assert!(
        error.contains("ble avvist") && error.contains("fortsetter på 0.1.0"),
        "{error}"
    );
    Ok(error)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_desk_takes_the_next_version_from_its_central_store_at_the_next_start(
) -> Result<(), Error> {
    let (n, next) = (deb_n(), deb_next());
    let central = CentralProcess::start()?;
    central.ok(&["store", "add", "BRG", "Skranke Bergen"])?;
    let dir = tempfile::tempdir()?;
    stock_central(&central, dir.path());
    let published = central.ok(&["release", "add", next.to_str().unwrap()])?;
    assert!(
        published.contains(&format!("Versjon {NEXT} er publisert for linux-x86_64 (deb)")),
        "{published}"
    );
    central.ok(&["release", "add", n.to_str().unwrap()])?;
    central.ok(&["release", "pin", "--store", "BRG", "0.1.0"])?;

    let data = dir.path().join("oslo");
    paired_desk(&central, &data, "OSL").await;
    // Bergen's desk is held at 0.1.0.
    let bergen_data = dir.path().join("bergen");
    paired_desk(&central, &bergen_data, "BRG").await;

    install(&n)?;
    let installed = Installed;
    assert_eq!(installed_version(), "0.1.0");

    // Bergen asks and is told it runs what it should.
    let w = Window::start_binary(Path::new(INSTALLED), &bergen_data, &[]).await?;
    w.log_in("Kari", PIN).await?;
    w.by_id("nav-innstillinger").await?.click().await?;
    w.wait_text("app-version", "0.1.0").await?;
    w.by_id("update-check").await?.click().await?;
    w.wait_text("update-message", "har versjonen den skal ha (0.1.0)")
        .await?;
    assert!(!w.shows("update-offer").await?);
    w.close().await?;

    let w = Window::start_binary(Path::new(INSTALLED), &data, &[]).await?;
    w.log_in("Kari", PIN).await?;
    // Nothing is being typed and nothing waits to be sent: the new version is offered at once.
    w.wait_text("update-version", NEXT).await?;
    w.screenshot("23-update-offer").await?;
    // An order placed, and the next one half typed, before staff answer the offer.
    let number = w
        .place_card_order("Ulla Oppdatert", "41234567", "Versjonsveien 2")
        .await?;
    w.by_id("new-order").await?.click().await?;
    w.type_into("customer.name", "Dora Utkast").await?;
    w.draft_saved().await?;

    // The package is changed on the central store (one byte): the desk refuses it.
    let flip = "UPDATE desk_releases SET package = set_byte(package, 4096, get_byte(package, 4096) # 1) WHERE version = '0.1.1'";
    sql(&central, flip);
    refused(&w, NEXT).await?;
    w.screenshot("24-update-refused").await?;
    assert!(!data.join(skranke_desk::desk_update::STAGED_DIR).exists());
    // The manifest is changed: it announces 0.1.2 with 0.1.1's package and signature.
    sql(&central, flip);
    sql(
        &central,
        "UPDATE desk_releases SET version = '0.1.2' WHERE version = '0.1.1'",
    );
    w.by_id("update-error-ok").await?.click().await?;
    w.by_id("nav-innstillinger").await?.click().await?;
    w.by_id("update-check").await?.click().await?;
    refused(&w, "0.1.2").await?;
    assert!(!data.join(skranke_desk::desk_update::STAGED_DIR).exists());

    // Put right, it is offered, downloaded and kept for the next start.
    sql(
        &central,
        "UPDATE desk_releases SET version = '0.1.1' WHERE version = '0.1.2'",
    );
    w.by_id("update-error-ok").await?.click().await?;
    w.by_id("update-check").await?.click().await?;
    w.wait_text("update-version", NEXT).await?;
    w.by_id("update-accept").await?.click().await?;
    w.wait_text("update-staged", &format!("Versjon {NEXT} er lastet ned"))
        .await?;
    assert!(data
        .join(skranke_desk::desk_update::STAGED_DIR)
        .join("manifest.json")
        .exists());
    assert_eq!(
        installed_version(),
        "0.1.0",
        "nothing is installed while the desk runs"
    );
    w.close().await?;

    // The next start installs it and starts the new version in its place. Started as staff start it
    // (no WebDriver: the process replaces itself), in a process group of its own to stop it after.
    let log_dir = data.with_extension("logg");
    let mut start = tokio::process::Command::new(INSTALLED);
    start
        .env("SKRANKE_DATA_DIR", &data)
        .env("SKRANKE_LOG_DIR", &log_dir)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    let mut first = start.spawn()?;
    let group = first.id().unwrap();
    let exited = tokio::time::timeout(PATIENCE * 4, first.wait()).await??;
    assert!(
        exited.success(),
        "the start that installs exits to hand over: {exited}"
    );
    assert_eq!(installed_version(), NEXT);
    assert!(!data.join(skranke_desk::desk_update::STAGED_DIR).exists());
    until("version 0.1.1 to start and write its log", || {
        log_text(&log_dir).contains(&format!("version={NEXT}"))
    })
    .await;
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{group}")])
        .status();
    until("the new version to stop", || !group_alive(group)).await;

    // Version N+1 with the same orders, draft and pairing.
    let w = Window::start_binary(Path::new(INSTALLED), &data, &[]).await?;
    w.log_in("Kari", PIN).await?;
    w.wait_text("draft-status", "Utkast hentet fram").await?;
    let name = w.by_id("customer.name").await?.prop("value").await?;
    assert_eq!(
        name.as_deref(),
        Some("Dora Utkast"),
        "the draft survives the update"
    );
    w.by_id("nav-innstillinger").await?.click().await?;
    w.wait_text("app-version", NEXT).await?;
    w.wait_text("pairing-text", "Skranke Oslo").await?;
    w.by_id("nav-ordrer").await?.click().await?;
    w.wait_text("orders-table", &number).await?;
    w.close().await?;
    drop(installed);
    Ok(())
}

fn log_text(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}
