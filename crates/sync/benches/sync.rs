//! `cargo xtask bench sync`: a fresh desk's first sync of 100k products from the central store
//! (PostgreSQL and the server on loopback), a push of 1,000 orders queued offline, and an idle poll.
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
    let products_n: usize = size.pick(100_000, 2_000);
    let orders_n: usize = size.pick(1_000, 50);
    let central = Central::start(products_n).await;
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

    // 1. The first sync of an empty desk: every stream, end to end.
    let t = Instant::now();
    let pulled = skranke_sync::pull_all(&cache, &client, |_, _| {}).await.unwrap();
    let initial = t.elapsed();
    let on_desk = cache.product_count().await.unwrap();
    assert_eq!(on_desk as usize, products_n, "{pulled:?}");

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

    println!("| step | result | target |");
    println!("|---|---:|---:|");
    println!(
        "| first sync of {products_n} products into an empty desk (every stream, end to end) | {:.2} s | ≤ 4 s (100k) |",
        initial.as_secs_f64()
    );
    println!(
        "| push of {orders_n} orders queued offline ({queued} mutations: orders and audit entries) | {:.2} s | ≤ 3 s (1,000) |",
        push.as_secs_f64()
    );
    println!("| idle poll: requests | 1 | 1 |");
    println!("| idle poll: bytes (body + response headers) | {body} + {headers} | < 1 KB |");
    println!(
        "| idle poll: time | {:.1} ms | |",
        idle_time.as_secs_f64() * 1000.0
    );
}
