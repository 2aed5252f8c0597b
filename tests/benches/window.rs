//! `cargo xtask bench window` (release builds, under Xvfb): cold start to an interactive search box,
//! resident memory of the desk with all its WebKit processes after placing 10 orders, beside an
//! empty Tauri 2 window measured in the same run, and search in the window at a million products
//! (issue 21): each keystroke to the painted results, read from the page's own performance measures
//! (`skranke:søk`), beside the desk's search of the same texts without the window in the same run. Prints a table; fails when a step does not happen
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

    let catalog = size.pick(1_000_000, 5_000);
    let search = search_at_size(data.path(), catalog, size.pick(20, 3)).await?;

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
    search.print(catalog);
    println!();
    println!("Targets: cold start ≤ 1.5 s; memory ≤ 1.3× the empty window; keystroke to painted results p99 ≤ 16 ms (one frame) at 1,000,000 products.");
    Ok(())
}

/// The window's search measured on a desk holding `catalog` products.
struct SearchFigures {
    import: Duration,
    /// From the input event to the desk's answer arriving in the page (the IPC call and the search).
    answer: Vec<f64>,
    /// To the results in the DOM (Svelte's update).
    dom: Vec<f64>,
    /// To just after the frame showing them is painted.
    keystrokes: Vec<f64>,
    /// A trivial change in the same page to its painted frame: what this display costs any page.
    frame: Vec<f64>,
    desk_search: Vec<f64>,
}

impl SearchFigures {
    fn print(&self, catalog: usize) {
        let (p50, p99, max) = (
            percentile(&self.keystrokes, 50.0),
            percentile(&self.keystrokes, 99.0),
            percentile(&self.keystrokes, 100.0),
        );
        let (d50, d99) = (
            percentile(&self.desk_search, 50.0),
            percentile(&self.desk_search, 99.0),
        );
        println!(
            "Search in the window at {catalog} products (catalog imported in {:.1} s; {} keystrokes typed through WebDriver, \
             one at a time, each measured in the page from the input event to just after the frame showing its results)",
            self.import.as_secs_f64(),
            self.keystrokes.len()
        );
        println!();
        println!("| measure | p50 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|");
        for (what, values) in [
            (
                "· keystroke to the answer in the page (IPC and search)",
                &self.answer,
            ),
            ("· keystroke to results in the DOM", &self.dom),
        ] {
            println!(
                "| {what} | {:.2} | {:.2} | {:.2} |",
                percentile(values, 50.0),
                percentile(values, 99.0),
                percentile(values, 100.0)
            );
        }
        println!("| keystroke to painted results (window) | {p50:.2} | {p99:.2} | {max:.2} |");
        println!(
            "| reference: the desk's search of the same texts, no window | {d50:.2} | {d99:.2} | {:.2} |",
            percentile(&self.desk_search, 100.0)
        );
        println!(
            "| reference: a trivial change in the same page to its painted frame (this display's frame clock) | {:.2} | {:.2} | {:.2} |",
            percentile(&self.frame, 50.0),
            percentile(&self.frame, 99.0),
            percentile(&self.frame, 100.0)
        );
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What staff type: a brand and the start of a product word, and an article number, from products
/// spread over the catalog.
fn typed_texts(catalog: usize, count: usize) -> Vec<String> {
    let now = chrono::Utc::now();
    let picks: Vec<usize> = (0..count).map(|i| i * (catalog / count.max(1)) + 7).collect();
    let mut texts = Vec::new();
    for (i, p) in skranke_demo::products(catalog, 2026, now, now.date_naive()).enumerate() {
        if !picks.contains(&i) {
            continue;
        }
        if texts.len() % 2 == 0 {
            let mut words = p.name.split_whitespace();
            let brand = words.next().unwrap_or_default();
            let noun: String = words.next().unwrap_or_default().chars().take(6).collect();
            texts.push(format!("{brand} {noun}").to_lowercase());
        } else {
            texts.push(p.sku.to_string());
        }
    }
    texts
}

/// Imports the catalog into the desk's own file, then types into the window's search box one key at
/// a time, each after the previous one's results were painted, and reads the page's measures.
async fn search_at_size(
    data_dir: &std::path::Path,
    catalog: usize,
    texts: usize,
) -> Result<SearchFigures, Error> {
    let t = Instant::now();
    let desk = skranke_desk::Desk::open(data_dir).await?;
    desk.import_demo(catalog, chrono::Utc::now(), |_, _| {}).await?;
    desk.close().await;
    let import = t.elapsed();
    let texts = typed_texts(catalog, texts);

    let w = Window::start(data_dir, &[]).await?;
    w.log_in("Demo", "1234").await?;
    let field = w.by_id("product-search").await?;
    let mut typed = 0usize;
    for text in &texts {
        for ch in text.chars() {
            field.send_keys(&ch.to_string()).await?;
            typed += 1;
            // Resolves once the page has recorded this keystroke's measure (an outcome, not a time).
            w.client
                .execute_async(
                    "const [n, done] = arguments; \
                     const count = () => performance.getEntriesByName('skranke:søk', 'measure').length; \
                     if (count() >= n) { done(count()); return; } \
                     const seen = new PerformanceObserver(() => { if (count() >= n) { seen.disconnect(); done(count()); } }); \
                     seen.observe({ entryTypes: ['measure'] });",
                    vec![serde_json::json!(typed)],
                )
                .await?;
        }
        // Escape empties the box without a search of its own.
        field.send_keys("\u{e00c}").await?;
    }
    let mut steps = Vec::new();
    for name in ["skranke:søk-svar", "skranke:søk-dom", "skranke:søk"] {
        let measured = w
            .client
            .execute(
                "return performance.getEntriesByName(arguments[0], 'measure').map((m) => m.duration);",
                vec![serde_json::json!(name)],
            )
            .await?;
        let durations: Vec<f64> = serde_json::from_value(measured)?;
        if durations.len() != typed {
            return Err(format!("{typed} keystrokes typed, {} measured as {name}", durations.len()).into());
        }
        steps.push(durations);
    }
    // The floor this display sets: a trivial change in the same page to its painted frame, timed
    // the same way (requestAnimationFrame, then a message once the frame is out).
    let frames = w
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             const spot = document.createElement('span'); document.body.appendChild(spot); \
             const times = []; \
             const next = () => { \
               if (times.length === 40) { spot.remove(); done(times); return; } \
               const start = performance.now(); spot.textContent = String(times.length); \
               requestAnimationFrame(() => { const c = new MessageChannel(); \
                 c.port1.onmessage = () => { times.push(performance.now() - start); next(); }; \
                 c.port2.postMessage(null); }); \
             }; \
             next();",
            vec![],
        )
        .await?;
    let frame: Vec<f64> = serde_json::from_value(frames)?;
    w.close().await?;
    let [answer, dom, keystrokes]: [Vec<f64>; 3] = steps.try_into().map_err(|_| "three measures")?;

    // The reference: the same texts, every prefix as typed, through the desk's search without a window.
    let desk = skranke_desk::Desk::open(data_dir).await?;
    let mut desk_search = Vec::new();
    for text in &texts {
        for end in text.char_indices().map(|(i, c)| i + c.len_utf8()) {
            let t = Instant::now();
            desk.search(&text[..end], 30, chrono::Utc::now()).await?;
            desk_search.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    desk.close().await;
    Ok(SearchFigures {
        import,
        answer,
        dom,
        keystrokes,
        frame,
        desk_search,
    })
}
