//! `cargo xtask bench window` (release builds, under Xvfb): cold start to an interactive search box,
//! and resident memory of the desk with all its WebKit processes after placing 10 orders, beside an
//! empty Tauri 2 window measured in the same run. Prints a table; fails when a step does not happen
//! (the window does not start, an order is not placed), never on a time. `--smoke` (or
//! `SKRANKE_BENCH_SMOKE=1`) runs it small on the debug builds, as `cargo xtask test` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark binary

use std::time::{Duration, Instant};

use skranke_e2e::{Error, Window};

/// Resident set size (KB) of `pid` and every process below it.
fn tree_rss_kb(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            if std::env::var_os("SKRANKE_BENCH_VERBOSE").is_some() {
                let name = status.lines().next().unwrap_or_default().to_string();
                let rss = status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .unwrap_or_default()
                    .to_string();
                eprintln!("  {p} {name} {rss}");
            }
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")) {
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

fn pid_of(binary: &std::path::Path) -> Option<u32> {
    let out = std::process::Command::new("pgrep")
        .arg("-n")
        .arg("-f")
        .arg(binary.as_os_str())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Waits until the tree's memory stops growing (WebKit starts its helpers lazily).
fn settled_rss(pid: u32) -> u64 {
    let mut last = 0;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(250));
        let now = tree_rss_kb(pid);
        if now > 0 && now.abs_diff(last) < 512 {
            return now;
        }
        last = now;
    }
    last
}

async fn place_order(w: &Window, i: usize) -> Result<(), Error> {
    w.place_card_order(
        &format!("Kunde {i}"),
        &format!("4{:07}", 1_000_000 + i),
        "Storgata 1",
    )
    .await?;
    w.by_id("new-order").await?.click().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("window", size);
    let (start_runs, orders) = size.pick((5, 10), (2, 2));
    let app = skranke_e2e::app_binary();
    let data = tempfile::tempdir()?;

    // Warm the disk cache once, so "cold" means a fresh process, not a fresh disk.
    let w = Window::start(data.path(), &[("SKRANKE_DEMO", "1")]).await?;
    w.log_in("Demo", "1234").await?;
    w.by_id("product-search").await?;
    w.close().await?;

    let mut starts = Vec::new();
    for _ in 0..start_runs {
        let t = Instant::now();
        let w = Window::start(data.path(), &[]).await?;
        // Ready for the first key: the login screen lists who may log in (a seller and a manager).
        w.find("[data-testid='login-staff-Demo']").await?;
        starts.push(t.elapsed());
        w.close().await?;
    }
    starts.sort();

    let w = Window::start(data.path(), &[]).await?;
    w.log_in("Demo", "1234").await?;
    for i in 0..orders {
        place_order(&w, i).await?;
    }
    let pid = pid_of(&app).ok_or("desk process not found")?;
    let desk_kb = settled_rss(pid);
    w.close().await?;

    let empty_bin = std::env::var_os("SKRANKE_EMPTY_WINDOW_BIN")
        .ok_or("SKRANKE_EMPTY_WINDOW_BIN not set (run cargo xtask bench window)")?;
    let mut empty = std::process::Command::new(&empty_bin).spawn()?;
    let empty_kb = settled_rss(empty.id());
    let _ = empty.kill();
    let _ = empty.wait();

    if desk_kb == 0 || empty_kb == 0 {
        return Err("no memory figure: a window process was not found".into());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("Window benchmark (Xvfb 1366×768, WebKitGTK; start = WebDriver session to the login screen's staff list)");
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| cold start, median of {start_runs} | {:.0} ms |",
        ms(starts[start_runs / 2])
    );
    println!(
        "| cold start, worst of {start_runs} | {:.0} ms |",
        ms(starts[start_runs - 1])
    );
    println!(
        "| desk RSS with WebKit processes, after {orders} orders | {:.0} MB |",
        desk_kb as f64 / 1024.0
    );
    println!(
        "| empty Tauri 2 window RSS, same run | {:.0} MB |",
        empty_kb as f64 / 1024.0
    );
    println!("| ratio | {:.2}× |", desk_kb as f64 / empty_kb.max(1) as f64);
    println!();
    println!("Targets: cold start ≤ 1.5 s; memory ≤ 1.3× the empty window.");
    Ok(())
}
