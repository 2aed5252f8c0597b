//! `cargo xtask bench central`: the server and a throwaway PostgreSQL, 200 simulated desks that pull
//! every few seconds and push orders, while the warehouse sends orders. Prints requests/s, push and
//! pull latency, and the size of an idle pull. A benchmark, not a test: it asserts nothing about time,
//! only that no request failed and every order pushed is on the server once.
//! The desks are paired once, the way a shop pairs them: within the published pairing limit (a burst
//! of 50, then 5 a second), waiting as a `429`'s `Retry-After` says; the table says how long it took.
//! `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs it small, as `cargo xtask test` does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use rand::Rng;
use skranke_core::{Product, ShopPolicy};
use skranke_protocol::{Mutation, MutationKind, OrderPlaced, PairRequest, PairResponse, PushRequest, Stream};
use uuid::Uuid;

/// (name, pull every, push every, share of the run): a shop's ordinary day, then ten times the load.
const SCENARIOS: [(&str, Duration, Duration, f64); 2] = [
    ("normal", Duration::from_secs(3), Duration::from_secs(5), 1.0),
    (
        "heavy",
        Duration::from_millis(1000),
        Duration::from_millis(500),
        0.5,
    ),
];

#[derive(Default)]
struct Samples {
    push: Vec<Duration>,
    pull: Vec<Duration>,
    errors: u64,
}

/// A paired desk and the last sequence number it pushed.
struct Desk {
    pairing: PairResponse,
    seq: i64,
}

fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("central", size);
    let desks_n: usize = size.pick(200, 5);
    let products_n: usize = size.pick(100_000, 1_000);
    let seconds: u64 = std::env::var("SKRANKE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(size.pick(60, 4));
    let postgres = skranke_testpg::TestServer::start().expect("PostgreSQL");
    // The server gets its own runtime (its own threads), as a separate process would.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (base, pool) = server_rt.block_on(async {
        let admin = sqlx::PgPool::connect(&postgres.url).await.unwrap();
        let name = format!("bench_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = skranke_testpg::with_database(&postgres.url, &name);
        let pool = skranke_central::connect(&url, 40).await.unwrap();
        skranke_central::migrate(&pool).await.unwrap();
        skranke_central::pairing::add_store(&pool, "OSL", "Skranke Oslo")
            .await
            .unwrap();
        let products: Vec<Product> = skranke_demo::products(products_n, 3, Utc::now(), today()).collect();
        let t = Instant::now();
        skranke_central::feed_import::import_products(
            &pool,
            &products,
            skranke_central::feed_import::Completeness::Complete,
            Utc::now(),
        )
        .await
        .unwrap();
        eprintln!(
            "imported {products_n} products in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let app = skranke_central::router(skranke_central::AppState::new(
            pool.clone(),
            Some(skranke_protocol::payload_sha256(b"bench-admin")),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, pool)
    });

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    client_rt.block_on(async {
        let t = Instant::now();
        let mut desks = pair_desks(&base, &pool, desks_n).await;
        println!(
            "paired {desks_n} desks in {:.1} s (the pairing limit: a burst of 50, then 5 a second)",
            t.elapsed().as_secs_f64()
        );
        println!();
        println!("| load | desks | pull every s | push every s | seconds | requests/s | pushes | push p50 ms | push p99 ms | pulls | pull p50 ms | pull p99 ms | errors |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let mut idle = (0, 0);
        let mut pushed = 0;
        for (name, pull_every, push_every, share) in SCENARIOS {
            let secs = (seconds as f64 * share).round().max(2.0) as u64;
            let run = scenario(&base, &pool, &mut desks, name, pull_every, push_every, secs).await;
            idle = run.idle;
            pushed += run.pushed;
        }
        let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.unwrap();
        let distinct: i64 = sqlx::query_scalar("SELECT count(DISTINCT number) FROM orders")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(orders as u64, pushed, "every order pushed is on the server");
        assert_eq!(distinct, orders, "no order twice");
        println!();
        println!("| idle pull (nothing changed) | bytes |");
        println!("|---|---:|");
        println!("| body | {} |", idle.0);
        println!("| response headers | {} |", idle.1);
        println!();
        println!(
            "orders on the server: {orders}; catalog {products_n} products; each pull round reads {} streams; the warehouse sends an order every 100 ms",
            Stream::ALL.len()
        );
    });
    drop(server_rt);
}

/// What one load level left behind: the idle pull's (body, header) bytes and the orders pushed.
struct ScenarioRun {
    idle: (usize, usize),
    pushed: u64,
}

/// Pairs `n` desks through `POST /v1/pair`, as a shop does: when the pairing limit answers `429`,
/// waits as its `Retry-After` says and tries the same code again.
async fn pair_desks(base: &str, pool: &sqlx::PgPool, n: usize) -> Vec<Desk> {
    let http = reqwest::Client::new();
    let mut desks = Vec::with_capacity(n);
    for i in 0..n {
        let code =
            skranke_central::pairing::create_code(pool, "OSL", chrono::Duration::minutes(5), Utc::now())
                .await
                .unwrap();
        let pairing = loop {
            let r = http
                .post(format!("{base}/v1/pair"))
                .json(&PairRequest {
                    code: code.clone(),
                    device_name: format!("Kasse {i}"),
                    previous_series: None,
                })
                .send()
                .await
                .unwrap();
            if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
                let wait: u64 = r
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .expect("a 429 says when to try again");
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            assert!(r.status().is_success(), "pairing desk {i}: {}", r.status());
            break r.json::<PairResponse>().await.unwrap();
        };
        desks.push(Desk { pairing, seq: 0 });
    }
    desks
}

/// One load level with the paired desks, each starting at the current heads of every stream.
async fn scenario(
    base: &str,
    pool: &sqlx::PgPool,
    desks: &mut Vec<Desk>,
    name: &str,
    pull_every: Duration,
    push_every: Duration,
    seconds: u64,
) -> ScenarioRun {
    let base = base.to_string();
    let products: Vec<Product> = skranke_demo::products(200, 3, Utc::now(), today()).collect();
    let http = reqwest::Client::new();
    // Every desk starts with the catalog already loaded: its cursors are the current heads.
    let mut heads = Vec::new();
    for stream in Stream::ALL {
        heads.push(head(&http, &base, &desks[0].pairing.token, stream).await);
    }
    // An idle pull, measured on the wire (body and headers).
    let idle = http
        .get(format!("{base}/v1/pull?stream=catalog&cursor={}", heads[0]))
        .bearer_auth(&desks[0].pairing.token)
        .send()
        .await
        .unwrap();
    let header_bytes: usize = idle
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let idle_body = idle.bytes().await.unwrap().len();

    let samples = Arc::new(Mutex::new(Samples::default()));
    let stop = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let desk_count = desks.len();
    let mut tasks = Vec::new();
    for desk in desks.drain(..) {
        let (http, base, samples, heads, products) = (
            reqwest::Client::new(),
            base.clone(),
            samples.clone(),
            heads.clone(),
            products.clone(),
        );
        tasks.push(tokio::spawn(async move {
            run_desk(
                http,
                base,
                desk,
                heads,
                products,
                samples,
                stop,
                (pull_every, push_every),
            )
            .await
        }));
    }
    // The warehouse sends an order every 100 ms, so the orders stream is never quiet.
    let warehouse = {
        let (http, base, pool) = (http.clone(), base.clone(), pool.clone());
        tokio::spawn(async move {
            while Instant::now() < stop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let number: Option<String> = sqlx::query_scalar(
                    "SELECT number FROM orders WHERE status = 'under_behandling' ORDER BY random() LIMIT 1",
                )
                .fetch_optional(&pool)
                .await
                .unwrap();
                if let Some(n) = number {
                    let _ = http
                        .post(format!("{base}/v1/admin/orders/{n}/status"))
                        .bearer_auth("bench-admin")
                        .json(&serde_json::json!({"status": "sendt", "tracking_number": "70700000001"}))
                        .send()
                        .await;
                }
            }
        })
    };
    for t in tasks {
        desks.push(t.await.unwrap());
    }
    warehouse.await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let mut s = std::mem::take(&mut *samples.lock().unwrap());
    s.push.sort();
    s.pull.sort();
    let total = s.push.len() + s.pull.len();
    assert_eq!(s.errors, 0, "failed requests under the {name} load");
    println!(
        "| {name} | {desk_count} | {:.1} | {:.1} | {elapsed:.0} | {:.0} | {} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {} |",
        pull_every.as_secs_f64(),
        push_every.as_secs_f64(),
        total as f64 / elapsed,
        s.push.len(),
        ms(pct(&s.push, 0.50)),
        ms(pct(&s.push, 0.99)),
        s.pull.len(),
        ms(pct(&s.pull, 0.50)),
        ms(pct(&s.pull, 0.99)),
        s.errors,
    );
    ScenarioRun {
        idle: (idle_body, header_bytes),
        pushed: s.push.len() as u64,
    }
}

async fn head(http: &reqwest::Client, base: &str, token: &str, stream: Stream) -> String {
    let mut cursor = "0.0".to_string();
    loop {
        let r: serde_json::Value = http
            .get(format!(
                "{base}/v1/pull?stream={}&cursor={cursor}&limit=5000",
                stream.code()
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        cursor = r["cursor"].as_str().unwrap().to_string();
        if r["has_more"] == false {
            return cursor;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_desk(
    http: reqwest::Client,
    base: String,
    mut desk: Desk,
    mut cursors: Vec<String>,
    products: Vec<Product>,
    samples: Arc<Mutex<Samples>>,
    stop: Instant,
    (pull_every, push_every): (Duration, Duration),
) -> Desk {
    let (mut next_pull, mut next_push) = {
        let mut rng = rand::thread_rng();
        (
            Instant::now() + pull_every.mul_f64(rng.gen()),
            Instant::now() + push_every.mul_f64(rng.gen()),
        )
    };
    while Instant::now() < stop {
        let wake = next_pull.min(next_push);
        tokio::time::sleep_until(wake.into()).await;
        if Instant::now() >= stop {
            break;
        }
        if next_pull <= Instant::now() {
            for (i, stream) in Stream::ALL.iter().enumerate() {
                let t = Instant::now();
                let r = http
                    .get(format!(
                        "{base}/v1/pull?stream={}&cursor={}",
                        stream.code(),
                        cursors[i]
                    ))
                    .bearer_auth(&desk.pairing.token)
                    .send()
                    .await;
                let ok = match r {
                    Ok(r) if r.status().is_success() => match r.json::<serde_json::Value>().await {
                        Ok(v) => {
                            cursors[i] = v["cursor"].as_str().unwrap_or(&cursors[i]).to_string();
                            true
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                let mut s = samples.lock().unwrap();
                s.pull.push(t.elapsed());
                s.errors += u64::from(!ok);
            }
            next_pull += pull_every;
        }
        if next_push <= Instant::now() {
            desk.seq += 1;
            let lines: Vec<Product> = {
                let mut rng = rand::thread_rng();
                (0..rng.gen_range(1..4))
                    .map(|_| products[rng.gen_range(0..products.len())].clone())
                    .collect()
            };
            let body = PushRequest {
                device_id: desk.pairing.device_id,
                mutations: vec![order_mutation(desk.seq, &desk.pairing.series, &lines)],
                queue: None,
                desk_time: None,
            };
            let t = Instant::now();
            let r = http
                .post(format!("{base}/v1/push"))
                .bearer_auth(&desk.pairing.token)
                .json(&body)
                .send()
                .await;
            let ok = matches!(&r, Ok(r) if r.status().is_success());
            let mut s = samples.lock().unwrap();
            s.push.push(t.elapsed());
            s.errors += u64::from(!ok);
            next_push += push_every;
        }
    }
    desk
}

fn order_mutation(seq: i64, series: &str, lines: &[Product]) -> Mutation {
    let draft = skranke_demo::phone_order(lines, 1);
    let order = skranke_core::order::validate_order(
        &draft,
        |sku| lines.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    let payload = OrderPlaced {
        order_id: Uuid::now_v7(),
        order_number: format!("{series}-{seq:06}"),
        customer_id: Uuid::now_v7(),
        placed_at_utc: Utc::now(),
        order,
        clock_offset_ms: None,
    };
    Mutation::new(
        seq,
        Uuid::now_v7(),
        MutationKind::OrderPlaced,
        serde_json::to_string(&payload).unwrap(),
    )
    .unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
