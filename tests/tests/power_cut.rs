//! Issue 21 item 4: power cuts, not just kills. The desk's cache runs on a SQLite VFS that loses
//! every write not yet synced when the power goes, at a random write; opened again, every order the
//! desk reported placed is there, the file passes `integrity_check` and the outbox has no gap. The
//! benchmark (`cargo xtask bench powercut`) runs 1,000 cycles.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use rand::Rng;

/// One test function: the VFS and its power switch are global to the process.
#[tokio::test(flavor = "multi_thread")]
async fn every_order_reported_placed_survives_fifty_power_cuts() {
    skranke_powercut::install().unwrap();
    a_cut_loses_what_was_not_synced_and_keeps_what_was().await;
    let dir = tempfile::tempdir().unwrap();
    let seed: u64 = rand::thread_rng().gen();
    eprintln!("power-cut seed {seed}");
    let report = skranke_e2e::power_cuts::run(&dir.path().join("skranke"), 50, seed)
        .await
        .unwrap();
    eprintln!(
        "{} orders kept over {} cuts ({} mid-order)",
        report.orders_reported, report.cycles, report.cuts_mid_order
    );
    assert_eq!(report.cycles, 50);
    // The cuts land both mid-order and between orders, and orders were placed and kept across cuts.
    assert!(report.cuts_mid_order > 0, "{report:?}");
    assert!(report.orders_reported > 0, "{report:?}");
}

/// The VFS does what it claims: a write not synced is gone after a cut, a synced one stays. Without
/// this, the cycles could pass on a VFS that never dropped anything.
async fn a_cut_loses_what_was_not_synced_and_keeps_what_was() {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite");
    let options = |sync| {
        SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
    };
    let mut conn = options(SqliteSynchronous::Full).connect().await.unwrap();
    sqlx::query("CREATE TABLE t (v INTEGER)")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    // synchronous=OFF: commits are written but never synced, as a desk without FULL would do.
    let mut conn = options(SqliteSynchronous::Off).connect().await.unwrap();
    sqlx::query("INSERT INTO t VALUES (2)")
        .execute(&mut conn)
        .await
        .unwrap();
    skranke_powercut::cut_now();
    // Closing fails (its checkpoint cannot write); what counts is that it is closed before the power
    // comes back.
    let _ = conn.close().await;
    skranke_powercut::restore_power().unwrap();

    let mut conn = options(SqliteSynchronous::Full).connect().await.unwrap();
    let values: Vec<i64> = sqlx::query_scalar("SELECT v FROM t ORDER BY v")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(values, vec![1], "the synced row stays, the unsynced one is gone");
    conn.close().await.unwrap();
}
