//! The fault campaign, short: 200 cycles of orders placed while the network between desk and central
//! store drops, delays, resets and loses answers after the central store committed; the desk killed
//! mid-order and mid-sync; the central store killed and restarted every 10 cycles; PostgreSQL crashed
//! every 40. Every order on the desk ends on the central store exactly once, with the same content,
//! and every stream converges. `cargo xtask bench faults` runs it at the size of issue 21.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // tests: a panic is the failure report

mod common;
mod fault_campaign;

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_lost_or_duplicated_under_faults_kills_and_restarts() {
    let report = fault_campaign::run(fault_campaign::Size {
        cycles: 200,
        desk_kills: 1,
        central_restarts: 20,
        postgres_crashes: 5,
        central_restart_every: 10,
        postgres_crash_every: 40,
        order_kill_one_in: 10,
    })
    .await;
    report.print();
    assert!(report.desk_kills >= 1 && report.central_restarts >= 20 && report.postgres_crashes >= 5);
}
