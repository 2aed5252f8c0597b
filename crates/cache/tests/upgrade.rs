//! Upgrades keep everything: the cache a desk of an earlier release left behind (committed under
//! `tests/fixtures/<release>`, written by `examples/upgrade_fixture.rs` before that release's successor
//! changed the schema) opens in this build with its orders, unsent outbox, sealed fødselsnummer,
//! draft and audit chain, and its order series goes on without reusing a number.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod support;

use chrono::{DateTime, Utc};
use skranke_cache::{AuditCheck, Cache, FieldKey, OrderFilter};

/// A copy of the fixture in a temporary folder, so the committed file is never changed.
async fn open_copy(release: &str) -> (tempfile::TempDir, Cache) {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(release);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache.sqlite");
    std::fs::copy(fixture.join("cache.sqlite"), &file).unwrap();
    let key = FieldKey::from_hex(std::fs::read_to_string(fixture.join("key.hex")).unwrap().trim()).unwrap();
    let cache = Cache::open(&file, key).await.unwrap();
    (dir, cache)
}

#[tokio::test]
async fn the_cache_of_release_2026_12_opens_with_nothing_lost() {
    let (_dir, cache) = open_copy("release-2026-12").await;
    let orders = cache
        .list_orders(&OrderFilter {
            text: None,
            limit: 10,
        })
        .await
        .unwrap();
    let mut numbers: Vec<String> = orders.iter().map(|o| o.order_number.clone()).collect();
    numbers.sort();
    assert_eq!(numbers, ["DBADE0-000001", "DBADE0-000002"]);
    // P3: the sealed fødselsnummer still opens with the desk's key.
    assert_eq!(
        cache.fodselsnummer_of("DBADE0-000002").await.unwrap().as_deref(),
        Some("15839649859")
    );
    assert_eq!(cache.fodselsnummer_of("DBADE0-000001").await.unwrap(), None);
    // The orders were never sent: their mutations wait in the outbox, in a gap-free series.
    let pending = cache.outbox_pending().await.unwrap();
    let placed = pending.iter().filter(|e| e.kind == "order_placed").count();
    assert_eq!(placed, 2, "{pending:?}");
    let seqs: Vec<i64> = pending.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=i64::try_from(seqs.len()).unwrap()).collect::<Vec<_>>());
    // The order typed half-way.
    let (draft_id, body) = cache.load_draft().await.unwrap().unwrap();
    assert_eq!(draft_id, "0193a1b2-0000-7000-8000-000000000001");
    assert!(body.contains("Kari Nordmann"), "{body}");
    assert!(matches!(
        cache.verify_audit_log().await.unwrap(),
        AuditCheck::Intact { .. }
    ));

    // The series goes on: the next order is 000003, and its mutation follows the last seq.
    let next = support::place(
        &cache,
        DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        "41234567",
        None,
    )
    .await;
    assert_eq!(next, "DBADE0-000003");
    let after = cache.outbox_pending().await.unwrap();
    assert!(after.iter().map(|e| e.seq).max() > seqs.last().copied());
    assert!(matches!(
        cache.verify_audit_log().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

/// A cache a newer desk wrote (it has a migration this build does not know) is refused with a message,
/// and the file is left as it was.
#[tokio::test]
async fn a_cache_from_a_newer_desk_is_refused_and_left_untouched() {
    let (dir, cache) = open_copy("release-2026-12").await;
    cache.close().await;
    let file = dir.path().join("cache.sqlite");
    let newer = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (9999, 'from a newer desk', CURRENT_TIMESTAMP, 1, x'00', 0)",
    )
    .execute(&newer)
    .await
    .unwrap();
    newer.close().await;
    let before = std::fs::read(&file).unwrap();

    let key = FieldKey::generate();
    let Err(refused) = Cache::open(&file, key).await else {
        panic!("a cache from a newer desk was opened");
    };
    assert!(
        matches!(refused, skranke_cache::CacheError::NewerCache { version: 9999 }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("nyere versjon av Skranke"),
        "{refused}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), before, "the file is not changed");
}
