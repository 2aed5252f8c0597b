//! Issue 17 item 1: the desk as a shop installs it. The .deb that `cargo xtask bundle` (and the test
//! command, from the same build) makes is installed with dpkg, the installed binary is started under
//! Xvfb and takes an order, and the package is removed: the data folder is the shop's and stays.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};

use skranke_e2e::dpkg::{dpkg, Installed};
use skranke_e2e::{Error, Window};

/// The newest .deb in `<target>/debug/bundle/deb` (or `SKRANKE_DEB`).
fn built_deb() -> PathBuf {
    if let Some(p) = std::env::var_os("SKRANKE_DEB") {
        return PathBuf::from(p);
    }
    let bin = skranke_e2e::app_binary();
    let dir = bin.parent().unwrap().join("bundle/deb");
    let mut debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run cargo xtask bundle --debug)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    debs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    debs.pop()
        .expect("no .deb built (run cargo xtask bundle --debug)")
}

const INSTALLED: &str = "/usr/bin/skranke-desktop";

#[tokio::test(flavor = "multi_thread")]
async fn the_deb_installs_takes_an_order_and_leaves_the_data_when_removed() -> Result<(), Error> {
    let deb = built_deb();
    let data = tempfile::tempdir()?;
    {
        use chrono::Utc;
        let desk = skranke_desk::Desk::open(data.path()).await?;
        desk.import_demo(500, Utc::now(), |_, _| {}).await?;
        desk.cache().clone().close().await;
    }

    let out = dpkg(&["-i", deb.to_str().unwrap()])?;
    let installed = Installed;
    assert!(
        out.status.success(),
        "dpkg -i: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&dpkg(&["-L", "skranke"])?.stdout).into_owned();
    for path in [INSTALLED, "/usr/share/applications/Skranke.desktop"] {
        assert!(
            listed.contains(path) && Path::new(path).exists(),
            "{path} not installed: {listed}"
        );
    }
    let entry = std::fs::read_to_string("/usr/share/applications/Skranke.desktop")?;
    assert!(
        entry.contains("GenericName=Ordreskranke") && entry.contains("Exec=skranke-desktop"),
        "{entry}"
    );

    let w = Window::start_binary(Path::new(INSTALLED), data.path(), &[]).await?;
    w.log_in("Demo", "1234").await?;
    let number = w
        .place_card_order("Ida Installert", "41234567", "Pakkeveien 1")
        .await?;
    w.screenshot("21-installed-package").await?;
    w.close().await?;

    drop(installed);
    assert!(!Path::new(INSTALLED).exists(), "dpkg -r left {INSTALLED}");
    let status = String::from_utf8_lossy(&dpkg(&["-s", "skranke"])?.stdout).into_owned();
    assert!(!status.contains("Status: install ok installed"), "{status}");
    // The shop's data is not the package's: the order is still there.
    let desk = skranke_desk::Desk::open(data.path()).await?;
    let order = desk.show_order(number.as_str()).await?;
    assert_eq!(order.order_number, number.as_str());
    Ok(())
}
