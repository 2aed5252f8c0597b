//! What sync keeps in the desk's file: the pairing's seq offset, acknowledgements (and P3's deletion
//! of the fødselsnummer), reopening after the central store lost entries, and staged pulls that
//! survive a restart and apply as one set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::Utc;
use skranke_cache::Cache;
use skranke_protocol::{
    Change, Cursor, MutationResult, Outcome, PairResponse, ProductRow, PullResponse, Stream,
};

mod support;

async fn open(dir: &std::path::Path) -> Cache {
    Cache::open(
        &dir.join("desk.sqlite3"),
        skranke_cache::FieldKey::from_hex(&"5a".repeat(32)).unwrap(),
    )
    .await
    .unwrap()
}

/// An order placed now, with a fødselsnummer when `with_fnr`.
async fn place(cache: &Cache, with_fnr: bool) -> String {
    let fnr = with_fnr.then_some("15839649859");
    support::place(cache, Utc::now(), "41234567", fnr).await
}

fn paired(series: &str) -> PairResponse {
    PairResponse {
        device_id: uuid::Uuid::now_v7(),
        store_id: "OSL".into(),
        store_name: "Skranke Oslo".into(),
        token: "t".repeat(64),
        series: series.into(),
    }
}

fn applied(seq: i64, mutation_id: &str) -> MutationResult {
    MutationResult {
        seq,
        mutation_id: uuid::Uuid::parse_str(mutation_id).unwrap(),
        outcome: Outcome::Applied,
        replayed: false,
        flags: Vec::new(),
        rejection: None,
    }
}

#[tokio::test]
async fn pairing_counts_pending_entries_from_one_and_an_ack_deletes_the_fodselsnummer() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let before = place(&cache, false).await;
    // The order and its audit entry.
    let first = cache.outbox_pending().await.unwrap();
    assert_eq!(first.len(), 2);
    let acks: Vec<_> = first.iter().map(|e| applied(e.seq, &e.mutation_id)).collect();
    cache.record_push(&acks, Utc::now()).await.unwrap();

    // Placed before pairing: numbered from the unpaired series, still pending.
    let offline = place(&cache, true).await;
    assert!(offline.starts_with('D') && before.starts_with('D'));
    cache
        .set_pairing("http://sentral:8080/", &paired("OSL1"), Utc::now())
        .await
        .unwrap();
    let pending = cache.outbox_pending().await.unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(
        (pending[0].seq, pending[0].wire_seq, pending[0].kind.as_str()),
        (3, 1, "order_placed"),
        "the new device's mutation 1"
    );
    let after = place(&cache, false).await;
    assert_eq!(after, "OSL1-000001");

    let stored = cache.order_by_number(&offline).await.unwrap().unwrap();
    assert!(stored.has_fodselsnummer);
    let pending = cache.outbox_pending().await.unwrap();
    let acks: Vec<_> = pending
        .iter()
        .map(|e| applied(e.wire_seq, &e.mutation_id))
        .collect();
    let report = cache.record_push(&acks, Utc::now()).await.unwrap();
    assert_eq!(report.acknowledged, 4);
    let stored = cache.order_by_number(&offline).await.unwrap().unwrap();
    assert!(
        !stored.has_fodselsnummer,
        "P3: gone once the central store has the order"
    );
    assert!(stored.synced);
    assert_eq!(stored.central_outcome.as_deref(), Some("applied"));
    assert_eq!(cache.sync_state().await.unwrap().pending, 0);

    // The central store was restored from a backup and expects mutation 2 again.
    assert_eq!(cache.reopen_outbox_from(2).await.unwrap(), 3);
    let again = cache.outbox_pending().await.unwrap();
    assert_eq!(again.len(), 3);
    assert_eq!(again[0].wire_seq, 2);
}

fn product_page(skus: std::ops::Range<u32>, cursor: &str, has_more: bool) -> PullResponse {
    PullResponse {
        stream: Stream::Catalog,
        changes: skus
            .map(|i| Change {
                staff: None,
                key: format!("SKU-{i:05}"),
                deleted: false,
                product: Some(ProductRow {
                    sku: format!("SKU-{i:05}"),
                    name: format!("Vare {i}"),
                    brand: "Merke".into(),
                    category: "Hage".into(),
                    price_ore: 10_000 + i64::from(i),
                    mva_percent: 25,
                    eans: Vec::new(),
                    supplier_direct: false,
                }),
                availability: None,
                order: None,
            })
            .collect(),
        cursor: Cursor(cursor.into()),
        has_more,
    }
}

#[tokio::test]
async fn every_streams_position_is_read_at_once_in_the_order_of_all_streams() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    cache
        .stage_page(&product_page(0..10, "7.10", true), None)
        .await
        .unwrap();
    let mut staff = product_page(0..0, "5.2", true);
    staff.stream = Stream::Staff;
    cache.stage_page(&staff, None).await.unwrap();

    let all = cache.stream_positions().await.unwrap();
    for (stream, position) in Stream::ALL.iter().zip(&all) {
        assert_eq!(
            *position,
            cache.stream_position(*stream).await.unwrap(),
            "{stream:?}"
        );
    }
    assert_eq!(all[0].resume_from, Cursor("7.10".into()));
    assert_eq!((all[0].staged_pages, all[0].staged_changes), (1, 10));
    assert_eq!(all[3].resume_from, Cursor("5.2".into()));
    assert_eq!(
        all[1].resume_from,
        Cursor::start(),
        "availability was never pulled"
    );
}

#[tokio::test]
async fn a_pulled_set_survives_a_restart_and_is_applied_whole() {
    let dir = tempfile::tempdir().unwrap();
    {
        let cache = open(dir.path()).await;
        cache
            .stage_page(&product_page(0..100, "7.100", true), None)
            .await
            .unwrap();
        cache
            .stage_page(&product_page(100..200, "7.200", true), None)
            .await
            .unwrap();
        // Nothing shows before the set is complete.
        assert_eq!(cache.product_count().await.unwrap(), 0);
        cache.close().await;
    }
    // After a restart the pull resumes past the staged pages.
    let cache = open(dir.path()).await;
    let position = cache.stream_position(Stream::Catalog).await.unwrap();
    assert_eq!(position.resume_from, Cursor("7.200".into()));
    assert_eq!(position.cursor, Cursor::start());
    assert_eq!((position.staged_pages, position.staged_changes), (2, 200));
    cache
        .stage_page(&product_page(200..250, "8.3", false), None)
        .await
        .unwrap();
    assert_eq!(
        cache.apply_staged(Stream::Catalog, Utc::now()).await.unwrap(),
        250
    );
    assert_eq!(cache.product_count().await.unwrap(), 250);
    let position = cache.stream_position(Stream::Catalog).await.unwrap();
    assert_eq!((position.cursor.0.as_str(), position.staged_pages), ("8.3", 0));
    // Pulled without availability yet: "Ubekreftet" (A1), never a guess.
    let p = cache.product_by_code("SKU-00001").await.unwrap().unwrap();
    assert_eq!(p.availability.code(), "unconfirmed");

    // A tombstone removes the product from search.
    let mut tomb = product_page(1..2, "9.1", false);
    tomb.changes[0].deleted = true;
    tomb.changes[0].product = None;
    cache.stage_page(&tomb, None).await.unwrap();
    cache.apply_staged(Stream::Catalog, Utc::now()).await.unwrap();
    assert!(cache.product_by_code("SKU-00001").await.unwrap().is_none());
    assert!(cache
        .search_products("Vare 1", 5)
        .await
        .unwrap()
        .iter()
        .all(|h| h.product.sku != "SKU-00001"));
}

#[tokio::test]
async fn a_customer_saved_on_its_own_is_queued_for_the_central_store() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let draft = skranke_demo::phone_order(std::iter::empty(), 1).customer;
    let customer = skranke_core::order::validate_customer(&draft).unwrap();
    let saved = cache.save_customer(&customer, Utc::now()).await.unwrap();
    let pending = cache.outbox_pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].kind, "customer_upserted");
    let payload: skranke_protocol::CustomerUpserted = serde_json::from_str(&pending[0].payload).unwrap();
    assert_eq!(payload.customer_id.to_string(), saved.id);
    assert_eq!(payload.customer, customer);
    // The next order takes the next seq: no gap, no reuse.
    place(&cache, false).await;
    let seqs: Vec<i64> = cache
        .outbox_pending()
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 3], "the customer, the order, its audit entry");
}
