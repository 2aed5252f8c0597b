//! `cargo xtask`: the project's automation in Rust.
//!
//! - `cargo xtask run`: runs the desk (until the window exists: the CLI demo on a demo catalog).
//! - `cargo xtask test`: installs what is missing, then format, lint, boundary check and every test.
//! - `cargo xtask check`: the fast loop on a warm build: format, lint, boundaries, the UI component
//!   tests and every Rust test except the end-to-end crate (no window, fuzzing or Schemathesis).
//! - `cargo xtask bench [cache|pdf|central|office|sync|window|load|package]`: benchmarks that print tables (`cargo
//!   xtask test` runs each at a small size, so none can rot).
//! - `cargo xtask bundle [--debug]`: the desk's Linux packages (.deb, .rpm) in
//!   `<target>/<profile>/bundle/`, built in release mode unless `--debug`.
//! - `cargo xtask codegen`: regenerates the window's TypeScript bindings from Rust.
//! - `cargo xtask check-boundaries`: the dependency rules of ARCHITECTURE.md.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("check") => check(),
        Some("bench") => bench(args.get(1).map(String::as_str), args.get(2..).unwrap_or_default()),
        Some("check-boundaries") => check_boundaries(),
        Some("bundle") => bundle(args.get(1).map(String::as_str) == Some("--debug")),
        Some("codegen") => codegen(),
        Some("fuzz") => fuzz(
            args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600),
            args.get(2).map(String::as_str),
        ),
        _ => Err(
            "usage: cargo xtask <run|test|check|bundle [--debug]|bench [cache|panel|pdf|central|office|sync|window|package|load [DESKS] [SECONDS]]|fuzz [SECONDS] [TARGET]|codegen|check-boundaries>"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The checkout `cargo xtask` was started in. A target folder shared by two checkouts holds one
/// `xtask` binary, built in whichever checkout built last, so the folder it was compiled in may be
/// another checkout (or gone): the checkout around the working folder comes first.
fn root() -> PathBuf {
    let here = std::env::current_dir().ok().and_then(|dir| {
        dir.ancestors()
            .find(|a| a.join("xtask/Cargo.toml").is_file() && a.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
    });
    here.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    })
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    with_updater_key(&mut cmd);
    cmd
}

/// The updater key `test` signs its packages with, once made: every cargo step of the run builds the
/// desk trusting it (the same value each time, or cargo rebuilds the desk between steps).
static UPDATER_TEST_KEY: std::sync::OnceLock<UpdaterKey> = std::sync::OnceLock::new();

#[derive(Debug)]
struct UpdaterKey {
    private_key: PathBuf,
    password: String,
    public_key: String,
}

fn with_updater_key(cmd: &mut Command) {
    if let Some(key) = UPDATER_TEST_KEY.get() {
        cmd.env("SKRANKE_UPDATER_PUBKEY", &key.public_key);
    }
}

/// The password of the throwaway test key (not a secret: the key signs only test packages).
const TEST_KEY_PASSWORD: &str = "skranke-test";

/// A throwaway updater key pair in `<target>/update-test/`, made by the lock file's `tauri signer`
/// the first time and kept, so the desk's build does not change between runs.
fn ensure_updater_test_key() -> Result<()> {
    let dir = target_dir().join("update-test");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let private_key = dir.join("updater.key");
    let public = dir.join("updater.key.pub");
    if !private_key.exists() || !public.exists() {
        let mut generate = Command::new(root().join("ui/node_modules/.bin/tauri"));
        generate
            .args([
                "signer",
                "generate",
                "--ci",
                "--force",
                "-p",
                TEST_KEY_PASSWORD,
                "-w",
            ])
            .arg(&private_key)
            .current_dir(root());
        status(generate, "tauri signer generate (a throwaway updater key)")?;
    }
    let public_key = std::fs::read_to_string(&public)
        .map_err(|e| format!("{}: {e}", public.display()))?
        .trim()
        .to_string();
    let _ = UPDATER_TEST_KEY.set(UpdaterKey {
        private_key,
        password: TEST_KEY_PASSWORD.into(),
        public_key,
    });
    Ok(())
}

/// The version the update test moves the installed desk to.
const NEXT_TEST_VERSION: &str = "0.1.1";

/// The desk as version N+1 for the update test and the package benchmark: the same build as version
/// N's (`build`), with the version raised through `TAURI_CONFIG` (only the desktop crate recompiles),
/// bundled and signed, kept in `<target>/update-test/<profile>/<version>/`. Made before version N's
/// own build, so what stays in `<target>/<profile>` is version N.
fn build_next_version(build_args: &[&str], debug: bool) -> Result<()> {
    let config = format!("{{\"version\":\"{NEXT_TEST_VERSION}\"}}");
    let mut build = cargo();
    build.args(build_args).env("TAURI_CONFIG", &config);
    status(
        build,
        &format!("cargo build (the desk as version {NEXT_TEST_VERSION}, for the update test)"),
    )?;
    let profile = if debug { "debug" } else { "release" };
    let deb_dir = target_dir().join(profile).join("bundle/deb");
    let _ = std::fs::remove_dir_all(&deb_dir);
    if !debug {
        strip_release_binary()?;
    }
    let mut tauri = bundler(debug, "deb", Some(NEXT_TEST_VERSION));
    tauri.env("TAURI_CONFIG", &config);
    status(tauri, &format!("tauri bundle (.deb {NEXT_TEST_VERSION}, signed)"))?;
    let kept = next_version_dir(profile);
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).map_err(|e| format!("{}: {e}", kept.display()))?;
    for entry in std::fs::read_dir(&deb_dir).map_err(|e| format!("{}: {e}", deb_dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".deb") || name.ends_with(".deb.sig") {
            std::fs::rename(&path, kept.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    Ok(())
}

/// Where [`build_next_version`] keeps version N+1's package for `profile`.
fn next_version_dir(profile: &str) -> PathBuf {
    target_dir()
        .join("update-test")
        .join(profile)
        .join(NEXT_TEST_VERSION)
}

/// What the tests run, built with one package selection (see `test`).
const BUILD_FOR_TESTS: &[&str] = &["build", "--workspace", "--locked", "--bins", "--examples"];

fn status(mut cmd: Command, what: &str) -> Result<()> {
    eprintln!("xtask: {what}");
    let started = std::time::Instant::now();
    let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    // Each step's time, so a change to the test command can say what it costs.
    eprintln!("xtask: {what}: {:.1} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Debian packages the window needs to build and run (Tauri 2 on WebKitGTK).
const WINDOW_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    // The desk's key store talks to the Secret Service over D-Bus (keyring).
    "libdbus-1-dev",
    "file",
];
/// What the window's end-to-end tests need besides: a virtual display and WebKit's WebDriver.
/// dbus-daemon: the one-desk-per-folder test gives its window a session bus of its own.
const E2E_PACKAGES: &[&str] = &[
    // The updater installs a .deb with `sudo dpkg -i` when there is no pkexec (the update test).
    "sudo",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "python3",
    "python3-venv",
    "dbus-daemon",
    // A print scheduler of the tests' own (issue 17 item 5): cupsd and its clients.
    "cups-daemon",
    "cups-client",
    // The back office's pages in a real browser (issue 18): headless Chromium and its driver.
    "chromium",
    "chromium-driver",
];

/// Runs the desk: the window, on the embedded SQLite default, starting with the demo catalog when the
/// catalog is empty. `cargo xtask run cli ARGS` runs the headless CLI instead.
fn run(extra: &[String]) -> Result<()> {
    ensure_system_packages(WINDOW_PACKAGES)?;
    if extra.first().map(String::as_str) == Some("cli") {
        let mut cmd = cargo();
        cmd.args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "skranke-cli",
            "--bin",
            "skranke",
            "--",
        ])
        .args(&extra[1..]);
        return status(cmd, "skranke");
    }
    build_ui()?;
    let mut cmd = cargo();
    cmd.args(["run", "--release", "-p", "skranke-desktop"])
        .env("SKRANKE_DEMO", "1");
    status(cmd, "skranke-desktop")
}

/// `npm ci` from the lock file, then the production build Tauri embeds.
fn build_ui() -> Result<()> {
    let ui = root().join("ui");
    if !Command::new("npm")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
    {
        return Err("npm is missing: install Node.js 20 and npm".into());
    }
    let mut ci = Command::new("npm");
    ci.args(["ci", "--no-audit", "--no-fund"]).current_dir(&ui);
    status(ci, "npm ci (ui)")?;
    let mut build = Command::new("npm");
    build.args(["run", "build"]).current_dir(&ui);
    status(build, "npm run build (ui)")
}

fn codegen() -> Result<()> {
    build_ui()?;
    let mut cmd = cargo();
    cmd.args([
        "test",
        "-p",
        "skranke-desktop",
        "--lib",
        "typescript_bindings_are_fresh",
    ])
    .env("SKRANKE_UPDATE_BINDINGS", "1");
    status(cmd, "regenerate ui/src/lib/bindings.ts")
}

/// The loop while working: what `test` runs, without the end-to-end crate (window, processes,
/// Schemathesis), the benchmarks and fuzzing. Assumes the machine has what `test` installs.
fn check() -> Result<()> {
    let start = std::time::Instant::now();
    build_ui()?;
    let mut vitest = Command::new("npm");
    vitest.args(["test"]).current_dir(root().join("ui"));
    status(vitest, "UI component tests (vitest)")?;
    lint()?;
    let mut tests = cargo();
    tests.args(["test", "--workspace", "--locked", "--exclude", "skranke-e2e"]);
    status(tests, "cargo test --workspace (without skranke-e2e)")?;
    eprintln!("xtask: check passed in {:.0?}", start.elapsed());
    Ok(())
}

/// Format, clippy with warnings as errors, and the boundary rules.
fn lint() -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    status(fmt, "cargo fmt --check")?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    status(clippy, "cargo clippy -D warnings")?;
    check_boundaries()
}

/// Every test, from a fresh machine: system packages, toolchain components, the UI, format, lint,
/// boundaries, Rust tests, UI component tests, and the window end to end under Xvfb.
fn test() -> Result<()> {
    // poppler-utils and zbar-tools read the generated PDFs as a reader and a scanner would;
    // postgresql gives the central store's tests their throwaway clusters (skranke-testpg);
    // sqlite3 lets the audit test edit the desk's file as someone with the file would;
    // libheif-examples decodes an iPhone's HEIC claim photo (and encodes the tests' own).
    let packages: Vec<&str> = [
        WINDOW_PACKAGES,
        E2E_PACKAGES,
        &[
            "poppler-utils",
            "zbar-tools",
            "postgresql",
            "sqlite3",
            "libheif-examples",
        ],
    ]
    .concat();
    ensure_system_packages(&packages)?;
    ensure_rust_components()?;
    build_ui()?;
    // Before any cargo step: they all build the desk trusting this key.
    ensure_updater_test_key()?;
    let mut vitest = Command::new("npm");
    vitest.args(["test"]).current_dir(root().join("ui"));
    status(vitest, "UI component tests (vitest)")?;
    lint()?;
    build_next_version(BUILD_FOR_TESTS, true)?;
    // One package selection, the whole workspace, for every build and test run below: cargo then
    // resolves one feature set and compiles the dependency graph once. (A `-p` subset or an
    // `--exclude` resolves features of its own and rebuilds much of the graph: on 2 cores that cost
    // more than the tests.)
    let mut build = cargo();
    build.args(BUILD_FOR_TESTS);
    status(
        build,
        "cargo build --workspace --bins --examples (what the end-to-end tests run)",
    )?;
    // The packages from that same build: the install test puts the .deb on this machine.
    make_bundles(true)?;
    let driver = ensure_tauri_driver()?;
    let schemathesis = ensure_schemathesis()?;
    // Every test of every crate, the window's under Xvfb; one at a time, because the end-to-end
    // tests start windows, servers and PostgreSQL clusters of their own.
    let mut tests = under_xvfb();
    tests
        .args(["test", "--workspace", "--locked", "--", "--test-threads=1"])
        .env("TAURI_DRIVER", &driver)
        .env("SKRANKE_SCHEMATHESIS", schemathesis);
    status(tests, "cargo test --workspace (the window end to end under Xvfb)")?;
    // Every benchmark at its small size, with the same selection (so it reuses what the tests
    // built): one that no longer runs fails here. Each is named: `--benches` would also build every
    // library and binary as a benchmark.
    let mut benches = under_xvfb();
    benches.args(["test", "--workspace", "--locked"]);
    for bench in BENCHMARKS {
        benches.args(["--bench", bench]);
    }
    benches
        .env("SKRANKE_BENCH_SMOKE", "1")
        .env("TAURI_DRIVER", &driver)
        .env(
            "SKRANKE_EMPTY_WINDOW_BIN",
            target_dir().join("debug/examples/empty_window"),
        );
    status(benches, "benchmarks at small size")?;
    // Every parser and decoder under libFuzzer, briefly; `cargo xtask fuzz` runs them longer.
    fuzz(FUZZ_SECONDS_IN_TEST, None)
}

/// The desk's packages: the UI, the workspace's binaries (`--workspace`, the selection every other
/// build uses, so after `cargo xtask test` a debug bundle compiles nothing), then Tauri's bundler over
/// what is built (`tauri bundle`, from the lock file's `@tauri-apps/cli`).
fn bundle(debug: bool) -> Result<()> {
    ensure_system_packages(WINDOW_PACKAGES)?;
    build_ui()?;
    let mut build = cargo();
    build.args(["build", "--workspace", "--locked", "--bins"]);
    if !debug {
        build.arg("--release");
    }
    status(build, "cargo build (the desk to package)")?;
    make_bundles(debug)
}

/// `tauri bundle` over the binaries already built.
fn make_bundles(debug: bool) -> Result<()> {
    if !debug {
        strip_release_binary()?;
    }
    status(bundler(debug, "deb,rpm", None), "tauri bundle (.deb, .rpm)")
}

/// A release desk binary keeps its line tables for profiling (the workspace's release profile), which
/// are six sevenths of its size; a shop's package does not need them. Stripped in place before
/// `tauri bundle` (symbols stay; cargo still counts the binary as built).
fn strip_release_binary() -> Result<()> {
    let binary = target_dir().join("release/skranke-desktop");
    let mut strip = Command::new("objcopy");
    strip.arg("--strip-debug").arg(&binary);
    status(strip, "objcopy --strip-debug (the desk's release binary)")
}

/// `tauri bundle` over what is built. Signed for the updater (a `.sig` beside each package) when a
/// key is at hand: `TAURI_SIGNING_PRIVATE_KEY` (a path or the key) and
/// `TAURI_SIGNING_PRIVATE_KEY_PASSWORD` from the environment for a release, the throwaway key in
/// `test`. The desk must be built trusting the same key (`SKRANKE_UPDATER_PUBKEY`).
fn bundler(debug: bool, bundles: &str, version: Option<&str>) -> Command {
    let mut tauri = Command::new(root().join("ui/node_modules/.bin/tauri"));
    tauri
        .args(["bundle", "--bundles", bundles, "--ci"])
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir());
    if debug {
        tauri.arg("--debug");
    }
    // Members of the JSON object `--config` merges over tauri.conf.json.
    let mut config: Vec<String> = version
        .map(|v| format!("\"version\":\"{v}\""))
        .into_iter()
        .collect();
    if let Some(key) = UPDATER_TEST_KEY.get() {
        tauri
            .env("TAURI_SIGNING_PRIVATE_KEY", &key.private_key)
            .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", &key.password);
        config.push(format!(
            "\"plugins\":{{\"updater\":{{\"pubkey\":\"{}\"}}}}",
            key.public_key
        ));
    }
    if UPDATER_TEST_KEY.get().is_some() || std::env::var_os("TAURI_SIGNING_PRIVATE_KEY").is_some() {
        config.push("\"bundle\":{\"createUpdaterArtifacts\":true}".into());
    }
    if !config.is_empty() {
        tauri.args(["--config", &format!("{{{}}}", config.join(","))]);
    }
    tauri
}

/// The benchmarks `cargo xtask test` runs at small size.
const BENCHMARKS: &[&str] = &[
    "cache",
    "pdf",
    "central",
    "office",
    "sync",
    "window",
    "load",
    "package",
    "customer_panel",
    "powercut",
    "faults",
    "chain",
];

/// Seconds each fuzz target runs in `cargo xtask test`.
const FUZZ_SECONDS_IN_TEST: u32 = 15;

/// The libFuzzer targets in `fuzz/` (cargo fuzz).
const FUZZ_TARGETS: &[&str] = &[
    "fodselsnummer",
    "phone",
    "postcode_address",
    "order_form",
    "catalog_file",
    "merchant_feed",
    "wire_types",
    "shop_policy",
    "sealed",
];

/// Runs every fuzz target (or `only`) for `seconds` each, with nightly Rust and cargo-fuzz, which it
/// installs when missing. A crash fails the run and leaves its input in `fuzz/artifacts/`.
fn fuzz(seconds: u32, only: Option<&str>) -> Result<()> {
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_nightly {
        let mut install = Command::new("rustup");
        install.args(["toolchain", "install", "nightly", "--profile", "minimal"]);
        status(install, "rustup toolchain install nightly (for cargo fuzz)")?;
    }
    let has_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_fuzz {
        let mut install = cargo();
        install.args(["install", "cargo-fuzz", "--locked"]);
        status(install, "cargo install cargo-fuzz")?;
    }
    let targets: Vec<&str> = match only {
        Some(t) => vec![t],
        None => FUZZ_TARGETS.to_vec(),
    };
    for target in targets {
        let mut run = Command::new("cargo");
        run.args([
            "+nightly",
            "fuzz",
            "run",
            target,
            "--",
            &format!("-max_total_time={seconds}"),
        ])
        .current_dir(root().join("fuzz"))
        // The fuzz crate has its own target folder: nightly and sanitizer builds do not mix.
        .env_remove("CARGO_TARGET_DIR");
        status(run, &format!("fuzz {target} for {seconds} s"))?;
    }
    Ok(())
}

/// `cargo` under a virtual display of the size the desks have (1366×768), for the window's tests.
fn under_xvfb() -> Command {
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1366x768x24"])
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root());
    cmd
}

/// tauri-driver (the WebDriver server for Tauri windows), installed with cargo when missing.
fn ensure_tauri_driver() -> Result<PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    let driver = PathBuf::from(&home).join(".cargo/bin/tauri-driver");
    if !driver.exists() {
        let mut install = cargo();
        install.args(["install", "tauri-driver", "--locked", "--version", "^2"]);
        status(install, "cargo install tauri-driver")?;
    }
    Ok(driver)
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` in the checkout.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The Schemathesis version the API test runs, from PyPI.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Schemathesis in a venv under the user's cache folder, installed from PyPI when missing; returns
/// its command.
fn ensure_schemathesis() -> Result<PathBuf> {
    let home = std::env::var("HOME").unwrap_or_default();
    let venv = PathBuf::from(home).join(".cache/skranke-schemathesis");
    let bin = venv.join("bin/schemathesis");
    let marker = venv.join(SCHEMATHESIS);
    if bin.exists() && marker.exists() {
        return Ok(bin);
    }
    let mut create = Command::new("python3");
    create.args(["-m", "venv", "--clear"]).arg(&venv);
    status(create, "python3 -m venv (for Schemathesis)")?;
    let mut install = Command::new(venv.join("bin/pip"));
    install.args(["install", "--quiet", SCHEMATHESIS]);
    status(install, "pip install schemathesis")?;
    std::fs::write(&marker, b"").map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(bin)
}

fn bench(which: Option<&str>, extra: &[String]) -> Result<()> {
    match which {
        Some("cache") => bench_cache(),
        Some("panel") => bench_panel(),
        None => bench_cache()
            .and_then(|()| bench_panel())
            .and_then(|()| bench_pdf())
            .and_then(|()| bench_central())
            .and_then(|()| bench_office())
            .and_then(|()| bench_sync())
            .and_then(|()| bench_window()),
        Some("pdf") => bench_pdf(),
        Some("central") => bench_central(),
        Some("office") => bench_office(),
        Some("sync") => bench_sync(),
        Some("window") => bench_window(),
        Some("load") => bench_load(extra),
        Some("package") => bench_package(),
        Some("powercut") => bench_powercut(),
        Some("faults") => bench_faults(),
        Some("chain") => bench_chain(extra),
        Some(other) => Err(format!(
            "unknown benchmark {other} (known: cache, panel, pdf, central, office, sync, window, load, package, powercut, faults, chain)"
        )),
    }
}

/// The central store and a throwaway PostgreSQL under 200 simulated desks (release build).
fn bench_central() -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-central", "--bench", "central"]);
    status(cmd, "bench central")
}

/// The back office's order list with a million orders (release build).
fn bench_office() -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-central", "--bench", "office"]);
    status(cmd, "bench office")
}

/// A fresh desk's first sync of 100k products, a push of 1,000 queued orders, an idle poll.
fn bench_sync() -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-sync", "--bench", "sync"]);
    status(cmd, "bench sync")
}

/// 200 desks (or DESKS) for 10 minutes (or SECONDS) against the release build of the central store,
/// through the fault proxy: lost and duplicated orders, and latency percentiles.
fn bench_load(extra: &[String]) -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "skranke-central"]);
    status(build, "release build of the central store")?;
    let target = target_dir();
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "load", "--"])
        .args(extra)
        .env("SKRANKE_BIN_DIR", target.join("release"));
    status(cmd, "bench load")
}

fn bench_cache() -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-cache", "--bench", "cache"]);
    status(cmd, "bench cache")
}

/// The customer at a glance on a desk with a million products and 200,000 orders (release build).
fn bench_panel() -> Result<()> {
    let mut cmd = cargo();
    cmd.args([
        "bench",
        "--locked",
        "-p",
        "skranke-desk",
        "--bench",
        "customer_panel",
    ]);
    status(cmd, "bench panel")
}

/// 1,000 power cuts of a desk's cache at a random write, each checked after (release build).
fn bench_powercut() -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "powercut"]);
    status(cmd, "bench powercut")
}

/// 200 stores × 10 desks on two central-store instances (release) behind one address (issue 21).
fn bench_chain(extra: &[String]) -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "skranke-central"]);
    status(build, "release build of the central store")?;
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "chain", "--"])
        .args(extra)
        .env("SKRANKE_BIN_DIR", target_dir().join("release"));
    status(cmd, "bench chain")
}

/// The fault campaign at full size (issue 21 item 5): the debug binaries the tests use, as the
/// short campaign in `cargo xtask test` does.
fn bench_faults() -> Result<()> {
    ensure_system_packages(&["postgresql"])?;
    let mut build = cargo();
    build.args(["build", "--locked", "-p", "skranke-central", "-p", "skranke-cli"]);
    status(build, "build the binaries the campaign drives")?;
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "faults"]);
    status(cmd, "bench faults")
}

/// The window in release builds under Xvfb: cold start and memory beside an empty Tauri window.
fn bench_window() -> Result<()> {
    ensure_system_packages(&[WINDOW_PACKAGES, E2E_PACKAGES].concat())?;
    build_ui()?;
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "skranke-desktop",
        "--bin",
        "skranke-desktop",
        "--example",
        "empty_window",
    ]);
    status(build, "release build of the window and an empty window")?;
    let target = target_dir();
    let home = std::env::var("HOME").unwrap_or_default();
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1366x768x24"])
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "window"])
        .current_dir(root())
        .env("SKRANKE_DESKTOP_BIN", target.join("release/skranke-desktop"))
        .env(
            "SKRANKE_EMPTY_WINDOW_BIN",
            target.join("release/examples/empty_window"),
        )
        .env(
            "TAURI_DRIVER",
            PathBuf::from(home).join(".cargo/bin/tauri-driver"),
        );
    status(cmd, "bench window")
}

/// The release packages: their sizes, the installed size, the installed desk's cold start, and an
/// update's download and install on loopback (version N and N+1 built and signed as `test` does,
/// in release mode). Installs and removes the package, so it runs as root or with `sudo -n`.
fn bench_package() -> Result<()> {
    ensure_system_packages(&[WINDOW_PACKAGES, E2E_PACKAGES, &["postgresql"]].concat())?;
    build_ui()?;
    ensure_updater_test_key()?;
    let release: &[&str] = &["build", "--workspace", "--locked", "--bins", "--release"];
    build_next_version(release, false)?;
    let mut build = cargo();
    build.args(release);
    status(build, "release build (version N)")?;
    strip_release_binary()?;
    status(
        bundler(false, "deb,rpm", None),
        "tauri bundle (.deb, .rpm, signed)",
    )?;
    let target = target_dir();
    let home = std::env::var("HOME").unwrap_or_default();
    let mut cmd = under_xvfb();
    cmd.args(["bench", "--locked", "-p", "skranke-e2e", "--bench", "package"])
        .env("SKRANKE_DESKTOP_BIN", target.join("release/skranke-desktop"))
        .env("SKRANKE_BIN_DIR", target.join("release"))
        .env("SKRANKE_NEXT_VERSION_DIR", next_version_dir("release"))
        .env(
            "TAURI_DRIVER",
            PathBuf::from(home).join(".cargo/bin/tauri-driver"),
        );
    status(cmd, "bench package")
}

/// skranke-pdf beside WeasyPrint (from PyPI, in a venv under ~/.cache), in the same run.
fn bench_pdf() -> Result<()> {
    ensure_system_packages(&[
        "python3-venv",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "fonts-dejavu-core",
    ])?;
    let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_string())?;
    let venv = PathBuf::from(home).join(".cache/skranke-weasyprint");
    let python = venv.join("bin/python");
    if !python.exists() {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "venv"]).arg(&venv);
        status(cmd, "python3 -m venv (for WeasyPrint)")?;
    }
    let has_weasyprint = Command::new(&python)
        .args(["-c", "import weasyprint"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_weasyprint {
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip", "install", "--quiet", "weasyprint"]);
        status(cmd, "pip install weasyprint")?;
    }
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "skranke-pdf", "--bench", "pdf"])
        .env("SKRANKE_WEASYPRINT_PYTHON", &python);
    status(cmd, "bench pdf")
}

/// Installs Debian packages that are missing, with apt-get (through sudo when not root).
fn ensure_system_packages(packages: &[&str]) -> Result<()> {
    if !Path::new("/usr/bin/dpkg-query").exists() {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; make sure these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            let out = Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !is_root {
            cmd.args(["-n", "apt-get"]);
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        status(cmd, &format!("apt-get {}", args.join(" ")))
    };
    apt(&["update", "-qq"])
        .and_then(|()| apt(&[&["install", "-y", "-qq", "--no-install-recommends"][..], &missing].concat()))
        .map_err(|e| {
            format!(
                "{e}\nxtask: could not install {}; install them yourself (as root: apt-get install {})",
                missing.join(" "),
                missing.join(" ")
            )
        })
}

fn ensure_rust_components() -> Result<()> {
    for (tool, component) in [("rustfmt", "rustfmt"), ("cargo-clippy", "clippy")] {
        let present = Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !present {
            let mut cmd = Command::new("rustup");
            cmd.args(["component", "add", component]);
            status(cmd, &format!("rustup component add {component}"))?;
        }
    }
    Ok(())
}

/// ARCHITECTURE.md's rules that a manifest shows: which crate may know which outside crate.
fn check_boundaries() -> Result<()> {
    // Which crate (by its folder) may use which dependency directly.
    let rules: &[(&str, &[&str])] = &[
        ("sqlx", &["cache", "central"]),
        ("printpdf", &["pdf"]),
        ("tauri", &["src-tauri"]),
        ("axum", &["central", "fakepay"]),
        // central: its outbound webhooks only (ARCHITECTURE.md).
        ("reqwest", &["sync", "payments", "fakepay", "central"]),
        ("lettre", &["central"]),
        (
            "tokio",
            &[
                "cache",
                "desk",
                "cli",
                "sync",
                "central",
                "payments",
                "fakepay",
                "src-tauri",
                "tests",
            ],
        ),
        // The shells present the desk's views; the stored rows stay below the desk.
        ("skranke-cache", &["desk", "sync", "tests"]),
    ];
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root().join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let mut problems = Vec::new();
    for package in metadata.workspace_packages() {
        let dir = package
            .manifest_path
            .parent()
            .and_then(|d| d.file_name())
            .unwrap_or_default();
        let normal = package
            .dependencies
            .iter()
            .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal);
        for dep in normal {
            for (name, allowed) in rules {
                if dep.name == *name && !allowed.contains(&dir) {
                    problems.push(format!(
                        "{dir} depends on {name}, which only {} may use",
                        allowed.join(", ")
                    ));
                }
            }
        }
    }
    problems.extend(source_rules()?);
    if problems.is_empty() {
        eprintln!("xtask: crate boundaries hold");
        Ok(())
    } else {
        Err(format!("crate boundaries broken:\n  {}", problems.join("\n  ")))
    }
}

/// Rules about what code says, not what it depends on: core is the only judge of an order and a
/// return (no other crate defines a judging function), and the shells never name a stored row (they
/// print the desk's views).
fn source_rules() -> Result<Vec<String>> {
    let judges = [
        "fn validate_order",
        "fn validate_return",
        "fn check_within_order",
        "fn check_order",
        "fn check_return",
        "fn returned_per_line",
    ];
    let stored_rows = ["StoredOrder", "OrderSummary {", "CustomerRecord", "AuditEntry"];
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri/src"] {
        rust_files(&root().join(dir), &mut files)?;
    }
    for file in files {
        let relative = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{relative}: {e}"))?;
        if !relative.starts_with("crates/core/") && !relative.contains("/tests/") {
            for judge in judges.iter().filter(|j| text.contains(*j)) {
                problems.push(format!(
                    "{relative} defines `{judge}`: only skranke-core judges orders and returns"
                ));
            }
        }
        let shell = relative.starts_with("crates/cli/src/") || relative.starts_with("src-tauri/src/");
        if shell {
            for row in stored_rows.iter().filter(|r| text.contains(*r)) {
                problems.push(format!(
                    "{relative} names the stored row `{row}`: shells print the desk's views"
                ));
            }
        }
    }
    Ok(problems)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            if !path.ends_with("target") {
                rust_files(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
