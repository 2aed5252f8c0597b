//! `cargo xtask bench faults`: the fault campaign at the size issue 21 asks for — at least 1,000
//! desk kills (mid-order and mid-sync), 100 central-store restarts and 100 PostgreSQL crashes — and
//! its table, with the short campaign's figures (what `cargo xtask test` runs) beside it. A
//! benchmark: it fails on the first order lost, duplicated or different, never on a time.
//! `SKRANKE_BENCH_SMOKE=1` runs it small.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/fault_campaign/mod.rs"]
mod fault_campaign;

#[tokio::main]
async fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("faults", size);
    let started = std::time::Instant::now();
    let report = fault_campaign::run(size.pick(
        fault_campaign::Size {
            cycles: 0,
            desk_kills: 1_000,
            central_restarts: 100,
            postgres_crashes: 100,
            central_restart_every: 10,
            postgres_crash_every: 10,
            order_kill_one_in: 2,
        },
        fault_campaign::Size {
            cycles: 10,
            desk_kills: 2,
            central_restarts: 2,
            postgres_crashes: 1,
            central_restart_every: 5,
            postgres_crash_every: 5,
            order_kill_one_in: 2,
        },
    ))
    .await;
    report.print();
    println!("| minutes | {:.1} |", started.elapsed().as_secs_f64() / 60.0);
    println!();
    println!(
        "Before issue 21 (the test's campaign): 62 desk kills, 20 central-store restarts, 5 PostgreSQL crashes. This run: {} desk kills, {} restarts, {} crashes, seed {}.",
        report.desk_kills, report.central_restarts, report.postgres_crashes, report.seed
    );
}
