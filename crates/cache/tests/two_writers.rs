//! One desk per cache, and when there are two (the window and the CLI on the same data folder, issue
//! 17 item 3): SQLite serialises their writes, and every write that takes a number or a seq takes the
//! write lock with its first statement, so two processes never race on the order series or the
//! outbox sequence. Two caches on one file, placing orders at the same time, prove it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;

use chrono::{DateTime, Duration, Utc};
use skranke_cache::{AuditCheck, Cache, FieldKey};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_on_one_file_never_share_a_number_or_a_seq() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache.sqlite");
    let key = FieldKey::generate();
    let hex = key.to_hex();
    let window = Cache::open(&file, key).await.unwrap();
    let cli = Cache::open(&file, FieldKey::from_hex(&hex).unwrap())
        .await
        .unwrap();
    let start = DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let each = 20;
    let run = |cache: Cache, phone: &'static str| async move {
        let mut numbers = Vec::new();
        for i in 0..each {
            numbers.push(support::place(&cache, start + Duration::seconds(i), phone, None).await);
        }
        (cache, numbers)
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run(window, "41234567")),
        tokio::spawn(run(cli, "98765432"))
    );
    let ((window, mut numbers), (_cli, theirs)) = (a.unwrap(), b.unwrap());
    numbers.extend(theirs);
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 2 * each as usize, "{numbers:?}");
    let pending = window.outbox_pending().await.unwrap();
    let seqs: Vec<i64> = pending.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(seqs.len()).unwrap()).collect::<Vec<_>>(),
        "gap-free, no repeat"
    );
    assert_eq!(
        pending.iter().filter(|e| e.kind == "order_placed").count(),
        2 * each as usize
    );
    assert!(matches!(
        window.verify_audit_log().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}
