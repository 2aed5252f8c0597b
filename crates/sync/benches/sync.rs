//! `cargo xtask bench sync`: a fresh desk's first sync of 100k products from the central store
//! (PostgreSQL and the server on loopback), a push of 1,000 orders queued offline, and an idle poll.
//! A benchmark: it prints a table and asserts nothing about time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use chrono::{NaiveDate, Utc};
use skranke_cache::Cache;
use skranke_core::{Availability, Product, ShopPolicy};
use skranke_sync::CentralClient;

const PRODUCTS: usize = 100_000;
const ORDERS: usize = 1_000;

#[tokio::main]
async fn main() {
    let postgres = skranke_testpg::TestServer::start().expect("PostgreSQL");
    let admin = sqlx::PgPool::connect(&postgres.url).await.unwrap();
    sqlx::query("CREATE DATABASE bench_sync")
        .execute(&admin)
        .await
        .unwrap();
    let url = skranke_testpg::with_database(&postgres.url, "bench_sync");
    let pool = skranke_central::connect(&url, 20).await.unwrap();
    skranke_central::migrate(&pool).await.unwrap();
    skranke_central::pairing::add_store(&pool, "OSL", "Skranke Oslo")
        .await
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<Product> = skranke_demo::products(PRODUCTS, 9, Utc::now(), today).collect();
    skranke_central::feed_import::import_products(
        &pool,
        &products,
        skranke_central::feed_import::Completeness::Complete,
        Utc::now(),
    )
    .await
    .unwrap();
    let app = skranke_central::router(skranke_central::AppState::new(pool.clone(), None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(
        &dir.path().join("desk.sqlite3"),
        skranke_cache::FieldKey::generate(),
    )
    .await
    .unwrap();
    let code = skranke_central::pairing::create_code(&pool, "OSL", chrono::Duration::minutes(5), Utc::now())
        .await
        .unwrap();
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
    assert_eq!(on_desk as usize, PRODUCTS, "{pulled:?}");

    // 2. 1,000 orders placed while offline, then pushed.
    let sample: Vec<&Product> = products
        .iter()
        .filter(|p| p.availability == Availability::InStock)
        .take(300)
        .collect();
    for i in 0..ORDERS {
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
    let t = Instant::now();
    let pushed = skranke_sync::push_outbox(&cache, &client, device_id)
        .await
        .unwrap();
    let push = t.elapsed();
    assert_eq!(pushed.acknowledged as usize, ORDERS);

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
    let raw = reqwest::Client::new()
        .get(format!("{base}/v1/changes"))
        .query(&[
            ("catalog", &cursors[0]),
            ("availability", &cursors[1]),
            ("orders", &cursors[2]),
        ])
        .bearer_auth(&pairing.token)
        .send()
        .await
        .unwrap();
    let headers: usize = raw
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let body = raw.bytes().await.unwrap().len();

    println!();
    println!("| step | result | target |");
    println!("|---|---:|---:|");
    println!(
        "| first sync of {PRODUCTS} products into an empty desk (3 streams, end to end) | {:.2} s | ≤ 4 s |",
        initial.as_secs_f64()
    );
    println!(
        "| push of {ORDERS} orders queued offline | {:.2} s | ≤ 3 s |",
        push.as_secs_f64()
    );
    println!("| idle poll: requests | 1 | 1 |");
    println!("| idle poll: bytes (body + response headers) | {body} + {headers} | < 1 KB |");
    println!(
        "| idle poll: time | {:.1} ms | |",
        idle_time.as_secs_f64() * 1000.0
    );
}
