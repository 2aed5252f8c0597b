//! Power-cut benchmark (issue 21 item 4): 1,000 cycles (10 with `SKRANKE_BENCH_SMOKE`, or
//! `SKRANKE_POWER_CUTS`) of a desk losing
//! power at a random write, each followed by the checks of the test; prints a table for
//! RELIABILITY.md. A broken promise ends the run with the cycle and the seed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup: a panic is the failure report

use std::time::{Duration, Instant};

use rand::Rng;

fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("powercut", size);
    let cycles: u32 = std::env::var("SKRANKE_POWER_CUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(size.pick(1_000, 10));
    let seed: u64 = std::env::var("SKRANKE_POWER_CUT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    skranke_powercut::install().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let report = runtime
        .block_on(skranke_e2e::power_cuts::run(
            &dir.path().join("skranke"),
            cycles,
            seed,
        ))
        .unwrap_or_else(|e| panic!("a promise broke (seed {seed}): {e}"));
    let total = started.elapsed();
    let mut reopen = report.reopen_times.clone();
    reopen.sort();
    let p = |q: f64| {
        reopen
            .get(((reopen.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    println!("power cuts (seed {seed}), {:.0} s in all", total.as_secs_f64());
    // The run stops at the first lost order, failed integrity check or outbox gap, so a table
    // printed is one with none: those columns say what was checked after every cut.
    println!("| cycles | orders reported placed | lost | cuts mid-order | cuts between orders | integrity failures | outbox gaps | reopen+check p50 | p99 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | 0 | {} | {} | 0 | 0 | {} | {} |",
        report.cycles,
        report.orders_reported,
        report.cuts_mid_order,
        report.cycles - report.cuts_mid_order,
        ms(p(0.5)),
        ms(p(0.99)),
    );
}
