//! `cargo xtask bench sync`: a fresh desk's first sync of 1M products from the central store
//! (PostgreSQL and the server on loopback) through the catalog snapshot, beside the page-by-page pull
//! it replaces (a second desk, same catalog); a push of 1,000 orders queued offline; an idle poll.
//! A benchmark: it prints a table and asserts that each step did what it says (every product on the
//! desk, every order on the central store, nothing in an idle poll), never a time.
//! `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs it small, as `cargo xtask test` does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use chrono::Utc;
use skranke_cache::Cache;
use skranke_core::{Availability, Product, ShopPolicy};
use skranke_sync::CentralClient;

#[path = "../tests/support/mod.rs"]
mod support;
use support::{today, Central};

#[tokio::main]
async fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("sync", size);
    let products_n: usize = std::env::var("SKRANKE_BENCH_PRODUCTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| size.pick(1_000_000, 2_000));
    let orders_n: usize = size.pick(1_000, 50);
    let t = Instant::now();
    let central = Central::start(products_n).await;
    let seeded = t.elapsed();
    let (pool, base, products) = (&central.pool, central.base.clone(), &central.products);
    let today = today();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(
        &dir.path().join("desk.sqlite3"),
        skranke_cache::FieldKey::generate(),
    )
    .await
    .unwrap();
    let code = central.code().await;
    let pairing = skranke_sync::pair(&cache, &base, &code, "Benk", Utc::now())
        .await
        .unwrap();
    let client = CentralClient::new(&base, Some(pairing.token.clone())).unwrap();
    let device_id = uuid::Uuid::parse_str(&pairing.device_id).unwrap();

    // 1. The first sync of an empty desk: every stream, end to end. The central store builds its
    // snapshot ahead (every six hours, or when the first new desk asks): timed on its own.
    let t = Instant::now();
    let offer = skranke_central::snapshot::build(pool, Utc::now()).await.unwrap();
    let build = t.elapsed();
    let t = Instant::now();
    let mut downloaded = None;
    let mut first_searchable = None;
    let imported = skranke_sync::first_catalog_from_snapshot(&cache, &client, |p| match p.phase {
        skranke_sync::SnapshotPhase::Download => downloaded = Some(t.elapsed()),
        skranke_sync::SnapshotPhase::Import => {
            first_searchable.get_or_insert(t.elapsed());
        }
    })
    .await
    .unwrap();
    let imported_at = t.elapsed();
    let pulled = skranke_sync::pull_all(&cache, &client, |_, _| {}).await.unwrap();
    let initial = t.elapsed();
    assert_eq!(imported, Some(products_n as u64));
    let on_desk = cache.product_count().await.unwrap();
    assert_eq!(on_desk as usize, products_n, "{pulled:?}");
    let probe = &products[products_n / 2];
    let found = cache.search_products(&probe.eans[0], 1).await.unwrap();
    assert_eq!(found[0].product.sku, probe.sku, "the catalog is searchable");
    assert_eq!(
        found[0].product.availability, probe.availability,
        "with its availability"
    );

    // The reference: the page-by-page pull the snapshot replaces, by a second desk of the same store.
    let paged_dir = tempfile::tempdir().unwrap();
    let paged = Cache::open(
        &paged_dir.path().join("desk.sqlite3"),
        skranke_cache::FieldKey::generate(),
    )
    .await
    .unwrap();
    let paged_code = central.code().await;
    let paged_pairing = skranke_sync::pair(&paged, &base, &paged_code, "Benk 2", Utc::now())
        .await
        .unwrap();
    let paged_client = CentralClient::new(&base, Some(paged_pairing.token.clone())).unwrap();
    let t = Instant::now();
    skranke_sync::pull_all(&paged, &paged_client, |_, _| {})
        .await
        .unwrap();
    let paged_time = t.elapsed();
    assert_eq!(paged.product_count().await.unwrap() as usize, products_n);
    paged.close().await;
    drop(paged_dir);

    // 2. Orders placed while offline, then pushed. Each order queues more than one mutation (the
    // order and its audit entry): the table counts both, and the central store's orders.
    let sample: Vec<&Product> = products
        .iter()
        .filter(|p| p.availability == Availability::InStock)
        .take(300)
        .collect();
    for i in 0..orders_n {
        let lines = [sample[i % sample.len()], sample[(i * 7 + 1) % sample.len()]];
        let draft = skranke_demo::phone_order(lines, 1);
        let order = skranke_core::order::validate_order(
            &draft,
            |sku| lines.iter().find(|p| p.sku == sku).map(|p| (*p).clone()),
            today.and_hms_opt(10, 0, 0).unwrap(),
            &ShopPolicy::default(),
        )
        .unwrap();
        cache
            .place_order(uuid::Uuid::new_v4(), &order, Utc::now())
            .await
            .unwrap();
    }
    let queued = cache.outbox_pending().await.unwrap().len();
    let t = Instant::now();
    let pushed = skranke_sync::push_outbox(&cache, &client, device_id)
        .await
        .unwrap();
    let push = t.elapsed();
    assert_eq!(
        pushed.acknowledged as usize, queued,
        "every queued mutation acknowledged"
    );
    assert!(cache.outbox_pending().await.unwrap().is_empty());
    let on_central: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        on_central as usize, orders_n,
        "every order on the central store, once"
    );

    // 3. An idle poll: once the orders' statuses are in, nothing changes.
    skranke_sync::pull_all(&cache, &client, |_, _| {}).await.unwrap();
    let mut cursors = Vec::new();
    for stream in skranke_protocol::Stream::ALL {
        cursors.push(cache.stream_position(stream).await.unwrap().cursor.0);
    }
    let t = Instant::now();
    let idle = skranke_sync::pull_all(&cache, &client, |_, _| {}).await.unwrap();
    let idle_time = t.elapsed();
    assert!(idle.iter().all(|(_, n)| *n == 0));
    let query: Vec<(&str, &String)> = skranke_protocol::Stream::ALL
        .iter()
        .map(|s| s.code())
        .zip(&cursors)
        .collect();
    let raw = reqwest::Client::new()
        .get(format!("{base}/v1/changes"))
        .query(&query)
        .bearer_auth(&pairing.token)
        .send()
        .await
        .unwrap();
    assert!(raw.status().is_success(), "{}", raw.status());
    let headers: usize = raw
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let bytes = raw.bytes().await.unwrap();
    let body = bytes.len();
    let idle_pages: skranke_protocol::ChangesResponse = serde_json::from_slice(&bytes).unwrap();
    assert!(
        idle_pages
            .pages
            .iter()
            .all(|p| p.changes.is_empty() && !p.has_more),
        "an idle poll carries no changes"
    );

    let secs =
        |d: Option<std::time::Duration>| d.map_or("–".to_string(), |d| format!("{:.2} s", d.as_secs_f64()));
    println!("| step | result | reference in this run | target |");
    println!("|---|---:|---:|---:|");
    println!(
        "| central store seeded with {products_n} products (feed import) | {:.1} s | | |",
        seeded.as_secs_f64()
    );
    println!(
        "| snapshot built on the central store ({} MB gzip; ahead of the desks, every 6 h) | {:.2} s | | |",
        offer.bytes / 1_000_000,
        build.as_secs_f64()
    );
    println!(
        "| first sync of {products_n} products into an empty desk (snapshot + pull since, end to end) | {:.2} s | page-by-page pull: {:.2} s | ≤ 15 s (1M) |",
        initial.as_secs_f64(),
        paged_time.as_secs_f64()
    );
    println!(
        "| · of which the file fetched (every range) | {} | | |",
        secs(downloaded)
    );
    println!(
        "| · first products searchable on the desk | {} | page-by-page: {:.2} s (all at the end) | |",
        secs(first_searchable),
        paged_time.as_secs_f64()
    );
    println!(
        "| · all imported / pull since the snapshot | {} / {:.2} s | | |",
        secs(Some(imported_at)),
        (initial - imported_at).as_secs_f64()
    );
    println!(
        "| push of {orders_n} orders queued offline ({queued} mutations: orders and audit entries) | {:.2} s | | ≤ 3 s (1,000) |",
        push.as_secs_f64()
    );
    println!("| idle poll: requests | 1 | | 1 |");
    println!("| idle poll: bytes (body + response headers) | {body} + {headers} | | < 1 KB |");
    println!(
        "| idle poll: time | {:.1} ms | | |",
        idle_time.as_secs_f64() * 1000.0
    );
}
