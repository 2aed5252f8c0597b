//! `cargo xtask bench package` (release builds, under Xvfb, as root or with `sudo -n`): the desk's
//! packages as a shop gets them. Sizes of the .deb and .rpm, the size installed, the installed
//! desk's cold start, and an update on loopback: the manifest and the package from a real central
//! store, the signature check the desk makes, and `dpkg -i` of version N+1 over N. Prints a table;
//! fails when a step does not happen, never on a time. `SKRANKE_BENCH_SMOKE=1` runs it small on the
//! debug packages `cargo xtask test` makes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark binary

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::dpkg::{install, Installed};
use skranke_e2e::{Error, Window};

const INSTALLED: &str = "/usr/bin/skranke-desktop";

/// `<target>/<profile>` of the desk binary the run measures.
fn profile_dir() -> PathBuf {
    skranke_e2e::app_binary().parent().unwrap().to_path_buf()
}

fn only_file(dir: &Path, ending: &str) -> Result<PathBuf, Error> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e} (cargo xtask bench package builds it)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_str().is_some_and(|s| s.ends_with(ending)))
        .ok_or_else(|| format!("no {ending} in {}", dir.display()).into())
}

/// Bytes of the regular files the installed package put on disk.
fn installed_bytes() -> Result<u64, Error> {
    let out = Command::new("dpkg").args(["-L", "skranke"]).output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| std::fs::symlink_metadata(l).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum())
}

/// The desk's check of a package against the updater key it trusts (what `tauri-plugin-updater`
/// does: minisign over the bytes, with the trusted comment).
fn verify(package: &[u8], signature_b64: &str, public_key_b64: &str) -> Result<(), Error> {
    let text = |b64: &str| -> Result<String, Error> {
        Ok(String::from_utf8(
            base64::engine::general_purpose::STANDARD.decode(b64.trim())?,
        )?)
    };
    let key = minisign_verify::PublicKey::decode(&text(public_key_b64)?)?;
    let signature = minisign_verify::Signature::decode(&text(signature_b64)?)?;
    key.verify(package, &signature, true)?;
    Ok(())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("package", size);
    let (start_runs, update_runs) = size.pick((5, 3), (1, 1));
    let profile = profile_dir();
    let deb = only_file(&profile.join("bundle/deb"), ".deb")?;
    let rpm = only_file(&profile.join("bundle/rpm"), ".rpm")?;
    let next_dir = std::env::var_os("SKRANKE_NEXT_VERSION_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| profile.parent().unwrap().join("update-test/debug/0.1.1"));
    let next = only_file(&next_dir, ".deb")?;
    let public_key = std::fs::read_to_string(profile.parent().unwrap().join("update-test/updater.key.pub"))?;

    // Install N.
    let t = Instant::now();
    install(&deb)?;
    let install_n = t.elapsed();
    let installed = Installed;
    let installed_size = installed_bytes()?;

    // Cold start of the installed desk: a fresh process to the login screen with its staff list (the
    // demo desk has a seller and a manager, so nobody is picked for the PIN yet), after one start that
    // warms the disk cache.
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("skranke");
    {
        let desk = skranke_desk::Desk::open(&data).await?;
        desk.import_demo(500, Utc::now(), |_, _| {}).await?;
        desk.cache().clone().close().await;
    }
    let w = Window::start_binary(Path::new(INSTALLED), &data, &[]).await?;
    w.find("[data-testid='login-staff-Demo']").await?;
    w.close().await?;
    let mut starts = Vec::new();
    for _ in 0..start_runs {
        let t = Instant::now();
        let w = Window::start_binary(Path::new(INSTALLED), &data, &[]).await?;
        w.find("[data-testid='login-staff-Demo']").await?;
        starts.push(t.elapsed());
        w.close().await?;
    }

    // An update on loopback: a real central store with N+1 published, asked as a paired desk asks.
    let central = CentralProcess::start()?;
    central.ok(&["release", "add", next.to_str().unwrap()])?;
    let paired = dir.path().join("paret");
    let token = {
        let desk = skranke_desk::Desk::open(&paired).await?;
        let code = central.ok(&["pairing-code", "--store", "OSL"])?;
        desk.pair(&central.url(), code.trim(), "Kasse 1", Utc::now())
            .await?;
        desk.cache().pairing().await?.ok_or("not paired")?.token
    };
    let http = reqwest::Client::new();
    let (mut downloads, mut checks, mut installs) = (Vec::new(), Vec::new(), Vec::new());
    let mut package_bytes = 0;
    for _ in 0..update_runs {
        let t = Instant::now();
        let manifest: serde_json::Value = http
            .get(format!(
                "{}/v1/desk-updates/linux/x86_64/0.1.0?bundle_type=deb",
                central.url()
            ))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let package = http
            .get(manifest["url"].as_str().ok_or("no url in the manifest")?)
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        downloads.push(t.elapsed());
        package_bytes = package.len() as u64;
        let t = Instant::now();
        verify(
            &package,
            manifest["signature"].as_str().ok_or("no signature")?,
            &public_key,
        )?;
        checks.push(t.elapsed());
        let file = dir.path().join("package.deb");
        std::fs::write(&file, &package)?;
        let t = Instant::now();
        install(&file)?;
        installs.push(t.elapsed());
        // Back to N for the next round (not measured).
        install(&deb)?;
    }
    drop(installed);

    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    println!(
        "Package benchmark ({})",
        profile.file_name().unwrap().to_string_lossy()
    );
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| {} | {:.1} MiB |",
        name(&deb),
        mb(std::fs::metadata(&deb)?.len())
    );
    println!(
        "| {} | {:.1} MiB |",
        name(&rpm),
        mb(std::fs::metadata(&rpm)?.len())
    );
    println!(
        "| installed (files of the .deb) | {:.1} MiB |",
        mb(installed_size)
    );
    println!("| dpkg -i of version N | {:.0} ms |", ms(install_n));
    println!(
        "| cold start of the installed desk to the login list, median of {start_runs} | {:.0} ms |",
        ms(median(starts.clone()))
    );
    println!(
        "| cold start, worst of {start_runs} | {:.0} ms |",
        ms(*starts.iter().max().unwrap())
    );
    println!(
        "| update: manifest + package ({:.1} MiB) on loopback, median of {update_runs} | {:.0} ms |",
        mb(package_bytes),
        ms(median(downloads))
    );
    println!("| update: signature check | {:.0} ms |", ms(median(checks)));
    println!(
        "| update: dpkg -i of N+1 over N | {:.0} ms |",
        ms(median(installs))
    );
    Ok(())
}
