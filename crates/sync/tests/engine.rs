//! The desk's sync against a real central store (its router on loopback, on a throwaway PostgreSQL):
//! pairing, pushing once, pulling statuses, the loop's watch channel and a desk the store forgot.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::Utc;
use skranke_cache::{Cache, FieldKey};
use skranke_core::{Product, ShopPolicy};
use skranke_protocol::ErrorCode;
use skranke_sync::{CentralClient, SyncError};

mod support;
use support::{today, Central};

async fn desk(dir: &tempfile::TempDir) -> Cache {
    Cache::open(&dir.path().join("desk.sqlite3"), FieldKey::generate())
        .await
        .unwrap()
}

/// Places an order of the first product straight into the cache (as the desk does when offline).
async fn place(cache: &Cache, products: &[Product]) -> String {
    let draft = skranke_demo::phone_order(&products[..1], 1);
    let order = skranke_core::order::validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    cache
        .place_order(uuid::Uuid::new_v4(), &order, Utc::now())
        .await
        .unwrap()
        .order_number
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_right_one_pairs_the_desk_with_its_series() {
    let central = Central::start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let wrong = skranke_sync::pair(&cache, &central.base, "FEIL-KODE", "Skranke 1", Utc::now()).await;
    assert!(
        matches!(
            &wrong,
            Err(SyncError::Refused {
                status: 400..=499,
                ..
            })
        ),
        "{wrong:?}"
    );
    assert!(cache.pairing().await.unwrap().is_none(), "nothing stored");

    let code = central.code().await;
    let pairing = skranke_sync::pair(&cache, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    assert_eq!(pairing.store_id, "OSL");
    assert!(pairing.series.starts_with("OSL"), "{}", pairing.series);
    let state = cache.sync_state().await.unwrap();
    assert_eq!(state.paired.map(|p| p.series), Some(pairing.series));
}

/// An order placed before the desk could reach the store goes once, however often it is pushed, and
/// the status the store sets comes back with the next pull.
#[tokio::test]
async fn an_order_placed_offline_is_pushed_once_and_its_status_comes_back() {
    let central = Central::start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    let pairing = skranke_sync::pair(&cache, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    skranke_sync::sync_once(&cache).await.unwrap();
    let number = place(&cache, &central.products).await;
    assert_eq!(cache.sync_state().await.unwrap().pending, 1);

    let client = CentralClient::new(&central.base, Some(pairing.token.clone())).unwrap();
    let device = uuid::Uuid::parse_str(&pairing.device_id).unwrap();
    let first = skranke_sync::push_outbox(&cache, &client, device).await.unwrap();
    assert!(first.acknowledged >= 1, "{first:?}");
    let again = skranke_sync::push_outbox(&cache, &client, device).await.unwrap();
    assert_eq!(again.acknowledged, 0, "nothing left to send");
    assert_eq!(central.orders().await, 1);
    assert_eq!(cache.sync_state().await.unwrap().pending, 0);

    skranke_central::order_status::set_status(
        &central.pool,
        &number,
        &skranke_protocol::SetStatusRequest {
            status: skranke_core::OrderStatus::Sendt,
            tracking_number: Some("70712345678".into()),
        },
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    skranke_sync::pull_all(&cache, &client, |_, _| {}).await.unwrap();
    let stored = cache.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(stored.status, skranke_protocol::OrderState::Sendt);
    assert_eq!(stored.tracking_number.as_deref(), Some("70712345678"));
}

/// The running loop tells whoever watches (the window's shell) when its state changes: after a wake,
/// a status arrives that is online with the order sent.
#[tokio::test]
async fn the_loop_reports_its_state_on_the_watch_channel() {
    let central = Central::start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    skranke_sync::pair(&cache, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    place(&cache, &central.products).await;
    let mut handle = skranke_sync::spawn(cache.clone(), skranke_sync::CentralClock::default());
    handle.wake();
    loop {
        let status = handle.changed().await.expect("the loop runs");
        assert_eq!(status.last_error, None, "{status:?}");
        if status.online && status.pending == 0 && status.progress.is_none() {
            assert!(status.paired);
            assert_eq!(status.store_name.as_deref(), Some("Skranke Oslo"));
            break;
        }
    }
    assert_eq!(central.orders().await, 1);
}

/// A desk the store no longer accepts (revoked, or the store restored from a copy) is told to pair
/// again, not left retrying quietly.
#[tokio::test]
async fn a_desk_the_store_revoked_needs_pairing() {
    let central = Central::start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    skranke_sync::pair(&cache, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    sqlx::query("UPDATE devices SET revoked_at = now()")
        .execute(&central.pool)
        .await
        .unwrap();
    let err = skranke_sync::sync_once(&cache).await.unwrap_err();
    assert!(err.needs_pairing(), "{err:?}");
    assert!(
        matches!(&err, SyncError::Refused { body, .. } if body.code == ErrorCode::Unauthorized),
        "{err:?}"
    );
}

/// Issue 20: a customer who ordered at another desk of the store is found here with that order in
/// their panel's history (offline, from the cache), and a product the store counts shows the units
/// left to sell, less the one that order took.
#[tokio::test]
async fn another_desks_order_and_the_units_left_arrive_with_the_pull() {
    let central = Central::start(20).await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (desk(&dir_a).await, desk(&dir_b).await);
    for (cache, name) in [(&a, "Skranke 1"), (&b, "Skranke 2")] {
        let code = central.code().await;
        skranke_sync::pair(cache, &central.base, &code, name, Utc::now())
            .await
            .unwrap();
    }
    let counted = &central.products[0];
    skranke_central::stock::set_stock(&central.pool, "OSL", &counted.sku, 3, Utc::now())
        .await
        .unwrap();
    skranke_sync::sync_once(&b).await.unwrap();
    let units_left = |cache: Cache| async move {
        let hits = cache.search_products(&counted.sku, 1).await.unwrap();
        (hits[0].product.sku.clone(), hits[0].units_left)
    };
    assert_eq!(units_left(b.clone()).await, (counted.sku.clone(), Some(3)));
    assert_eq!(
        b.search_products(&central.products[1].sku, 1).await.unwrap()[0].units_left,
        None,
        "a product the store does not count has no number"
    );

    let number = place(&a, &central.products).await;
    skranke_sync::sync_once(&a).await.unwrap();
    assert_eq!(a.sync_state().await.unwrap().pending, 0);
    skranke_sync::sync_once(&b).await.unwrap();

    assert_eq!(
        units_left(b.clone()).await.1,
        Some(2),
        "one unit went to desk A's order"
    );
    let found = b.search_customers("41234567", 5).await.unwrap();
    assert_eq!(found.len(), 1, "the customer is known here now: {found:?}");
    let (orders, count) = b.customer_orders(&found[0].id, 10).await.unwrap();
    assert_eq!(count, 1);
    assert_eq!(orders[0].order_number, number);
    assert!(orders[0].other_desk);
    let placed = a.order_by_number(&number).await.unwrap().unwrap();
    assert_eq!(orders[0].total, placed.order.totals.total);
    assert_eq!(
        b.customer_total(&found[0].id).await.unwrap(),
        placed.order.totals.total
    );
    assert_eq!(
        b.store_order(&number)
            .await
            .unwrap()
            .map(|o| o.lines[0].sku.clone()),
        Some(counted.sku.clone()),
        "the order's lines are here, for a reorder"
    );
    assert!(
        b.order_by_number(&number).await.unwrap().is_none(),
        "not one of desk B's own orders"
    );

    // Desk A's own copy is not doubled as another desk's.
    let a_customer = a.search_customers("41234567", 5).await.unwrap()[0].id.clone();
    let (own, own_count) = a.customer_orders(&a_customer, 10).await.unwrap();
    assert_eq!((own_count, own[0].other_desk), (1, false));

    // A status set on the central store reaches desk B's copy too.
    skranke_central::order_status::set_status(
        &central.pool,
        &number,
        &skranke_protocol::SetStatusRequest {
            status: skranke_core::OrderStatus::Sendt,
            tracking_number: Some("70712345678".into()),
        },
        "test",
        Utc::now(),
    )
    .await
    .unwrap();
    skranke_sync::sync_once(&b).await.unwrap();
    let (orders, _) = b.customer_orders(&found[0].id, 10).await.unwrap();
    assert_eq!(orders[0].status, skranke_protocol::OrderState::Sendt);
}

/// Issue 21 item 7: every answer carries the central store's time. A desk whose clock is three hours
/// slow reads it, records how far off it is with the round, and from then on stamps with the
/// central store's time; the offset it added travels with the order.
#[tokio::test]
async fn a_desk_three_hours_slow_reads_the_central_time_and_stamps_with_it() {
    let three_hours = chrono::Duration::hours(3);
    let central = Central::start_shifted(20, three_hours).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    skranke_sync::pair(&cache, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    let clock = skranke_sync::CentralClock::default();
    assert_eq!(
        clock.now(Utc::now()).timestamp() / 60,
        Utc::now().timestamp() / 60
    );
    skranke_sync::sync_once_with_progress(&cache, &clock, |_, _| {})
        .await
        .unwrap();

    let reading = clock.reading().expect("read from the answers");
    let close = |a: chrono::Duration, b: chrono::Duration| (a - b).abs() < chrono::Duration::seconds(3);
    assert!(close(reading.offset, three_hours), "{reading:?}");
    assert!(reading.is_wrong());
    let state = cache.sync_state().await.unwrap();
    let recorded = chrono::Duration::milliseconds(state.clock_offset_ms.expect("recorded"));
    assert!(close(recorded, three_hours), "{recorded:?}");

    let local = Utc::now();
    let stamp = clock.now(local);
    assert!(close(stamp - local, three_hours));
    let offset = clock.offset_of(stamp).expect("in use while fresh");
    let draft = skranke_demo::phone_order(&central.products[..1], 1);
    let order = skranke_core::order::validate_order(
        &draft,
        |sku| central.products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    cache
        .place_order_with_clock(
            uuid::Uuid::new_v4(),
            &order,
            stamp,
            Some(offset.num_milliseconds()),
        )
        .await
        .unwrap();
    skranke_sync::sync_once_with_progress(&cache, &clock, |_, _| {})
        .await
        .unwrap();
    // (This fake's own clock is right, only its `Date` is shifted: what the central store makes of
    // the offset is the central crate's test.)
    let placed_at: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT placed_at FROM orders")
        .fetch_one(&central.pool)
        .await
        .unwrap();
    assert!(
        close(placed_at - Utc::now(), three_hours),
        "stamped with the central store's time: {placed_at}"
    );
}

/// Issue 21 item 1: a new desk takes the catalog from the central store's snapshot. The download is
/// cut half-way; the next round asks only for the rest (`Range: bytes=<half>-`), checks the file,
/// imports it, and pulls from the snapshot's cursors: a price changed after the snapshot was made
/// and the store's own stock count (not in the snapshot) both arrive, and nothing is missing.
#[tokio::test]
async fn a_new_desk_starts_from_the_snapshot_and_a_cut_download_resumes() {
    let central = Central::start(3_000).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    let pairing = skranke_sync::pair(&cache, &central.base, &code, "Ny skranke", Utc::now())
        .await
        .unwrap();
    let client = CentralClient::new(&central.base, Some(pairing.token.clone())).unwrap();

    // The store counts one product before the snapshot is made: its row is not in the file.
    let counted = &central.products[10];
    skranke_central::stock::set_stock(&central.pool, "OSL", &counted.sku, 7, Utc::now())
        .await
        .unwrap();
    let offer = client.snapshot_offer().await.unwrap().unwrap();
    assert_eq!(offer.products, 3_000);
    // A price changes after the snapshot: it must come by pull.
    let mut repriced = central.products[20].clone();
    repriced.price = skranke_core::Money::from_ore(repriced.price.ore() + 10_000);
    skranke_central::feed_import::import_products(
        &central.pool,
        std::slice::from_ref(&repriced),
        skranke_central::feed_import::Completeness::Partial,
        Utc::now(),
    )
    .await
    .unwrap();

    // The first half arrives, then the line is cut.
    let whole = client.snapshot_range(&offer.url, 0).await.unwrap().unwrap();
    assert_eq!(whole.len() as u64, offer.bytes);
    let half = whole.len() / 2;
    cache.begin_snapshot(&offer).await.unwrap();
    cache
        .append_snapshot_part(offer.id, 0, &whole[..half])
        .await
        .unwrap();
    central.requests.lock().unwrap().clear();

    skranke_sync::sync_once_with_progress(&cache, &skranke_sync::CentralClock::default(), |_, _| {})
        .await
        .unwrap();
    let seen: Vec<Option<String>> = central
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/v1/snapshots/catalog/"))
        .map(|(_, range)| range.clone())
        .collect();
    assert_eq!(
        seen,
        vec![Some(format!("bytes={half}-"))],
        "only the rest was fetched"
    );
    assert_eq!(
        cache.snapshot_download().await.unwrap(),
        None,
        "the download is done with"
    );

    assert_eq!(cache.product_count().await.unwrap(), 3_000);
    let desk_repriced = cache.product_by_code(&repriced.sku).await.unwrap().unwrap();
    assert_eq!(
        desk_repriced.price, repriced.price,
        "the change after the snapshot was pulled"
    );
    let hit = cache.search_products(&counted.sku, 1).await.unwrap();
    assert_eq!(hit[0].units_left, Some(7), "the store's own count came by pull");
    for p in central.products.iter().step_by(97) {
        let on_desk = cache.product_by_code(&p.eans[0]).await.unwrap().unwrap();
        assert_eq!(on_desk.sku, p.sku);
        if p.sku != repriced.sku {
            assert_eq!(on_desk.price, p.price);
            assert_eq!(on_desk.availability, p.availability, "{}", p.sku);
        }
    }
    // The next round pulls nothing: the cursors stand where the snapshot and the pull left them.
    let again = skranke_sync::sync_once(&cache).await.unwrap();
    assert!(again.pulled.iter().all(|(_, n)| *n == 0), "{:?}", again.pulled);
}

/// A snapshot file that does not match the offer's SHA-256 is thrown away, never imported.
#[tokio::test]
async fn a_damaged_snapshot_is_thrown_away() {
    let central = Central::start(500).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = desk(&dir).await;
    let code = central.code().await;
    let pairing = skranke_sync::pair(&cache, &central.base, &code, "Ny skranke", Utc::now())
        .await
        .unwrap();
    let client = CentralClient::new(&central.base, Some(pairing.token.clone())).unwrap();
    let offer = client.snapshot_offer().await.unwrap().unwrap();
    let mut file = client.snapshot_range(&offer.url, 0).await.unwrap().unwrap();
    let middle = file.len() / 2;
    file[middle] ^= 0x55;
    cache.begin_snapshot(&offer).await.unwrap();
    cache.append_snapshot_part(offer.id, 0, &file).await.unwrap();
    let refused = skranke_sync::first_catalog_from_snapshot(&cache, &client, |_| {}).await;
    assert!(
        matches!(&refused, Err(SyncError::Protocol(m)) if m.contains("skadet")),
        "{refused:?}"
    );
    assert_eq!(cache.product_count().await.unwrap(), 0, "nothing imported");
    assert_eq!(cache.snapshot_download().await.unwrap(), None);
    // The next try fetches it whole and takes it in.
    let n = skranke_sync::first_catalog_from_snapshot(&cache, &client, |_| {})
        .await
        .unwrap();
    assert_eq!(n, Some(500));
    assert_eq!(cache.product_count().await.unwrap(), 500);
}

/// A fresh desk's series is six random hex digits: among thousands of desks two can draw the same.
/// A desk that has numbered no orders in it claims nothing at pairing, so a twin series does not
/// stop it; a desk with orders in it still brings them along.
#[tokio::test]
async fn a_fresh_desk_pairs_even_when_another_desk_claimed_its_random_series() {
    let central = Central::start(20).await;
    let dir = tempfile::tempdir().unwrap();
    let key = FieldKey::generate();
    let first = Cache::open(&dir.path().join("desk.sqlite3"), key.clone())
        .await
        .unwrap();
    first.close().await;
    // The twin: the same fresh file, so the same random series.
    let twin_dir = tempfile::tempdir().unwrap();
    for file in ["desk.sqlite3", "desk.sqlite3-wal"] {
        if dir.path().join(file).exists() {
            std::fs::copy(dir.path().join(file), twin_dir.path().join(file)).unwrap();
        }
    }
    let first = Cache::open(&dir.path().join("desk.sqlite3"), key.clone())
        .await
        .unwrap();
    let twin = Cache::open(&twin_dir.path().join("desk.sqlite3"), key)
        .await
        .unwrap();
    assert_eq!(
        first.device().await.unwrap().series_prefix,
        twin.device().await.unwrap().series_prefix
    );
    // The first desk places an order offline, then pairs: its series is claimed with the order.
    let number = place(&first, &central.products).await;
    let code = central.code().await;
    skranke_sync::pair(&first, &central.base, &code, "Skranke 1", Utc::now())
        .await
        .unwrap();
    skranke_sync::sync_once(&first).await.unwrap();
    let on_central: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE number = $1")
        .bind(&number)
        .fetch_one(&central.pool)
        .await
        .unwrap();
    assert_eq!(on_central, 1, "the order placed before pairing is accepted");
    // The twin has no orders in the series: it pairs all the same, with a series of its own.
    let code = central.code().await;
    let twin_pairing = skranke_sync::pair(&twin, &central.base, &code, "Skranke 2", Utc::now())
        .await
        .unwrap();
    let first_pairing = first.pairing().await.unwrap().unwrap();
    assert_ne!(twin_pairing.series, first_pairing.series);
}
