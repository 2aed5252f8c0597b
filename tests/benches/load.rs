//! `cargo xtask bench load [DESKS] [SECONDS]`: many desks against one central store for a bounded
//! time, on loopback, while a fault proxy between them refuses, resets, delays and drops answers after
//! the server committed. Each desk is a real SQLite cache driven by the desk's own sync functions
//! (push, then pull of every stream, with the desk loop's backoff and jitter); the central store is
//! the release binary on a throwaway PostgreSQL. At the end the faults stop, every desk drains its
//! outbox, and every order placed is compared with the central store's: none may be missing or
//! doubled. A benchmark: it prints tables and fails only on a lost or duplicated order (or a run in
//! which no order was placed, which would prove nothing). `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs
//! a few desks for a few seconds with shorter spells, as `cargo xtask test` does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::{arg, ms};

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use skranke_cache::{Cache, FieldKey};
use skranke_core::{Availability, Product, ShopPolicy};
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::fault_proxy::{Fault, FaultProxy};
use skranke_sync::CentralClient;

/// The chance a desk places an order at a tick (one order per ~10 s per desk at full size).
const ORDER_CHANCE: f64 = 0.2;

/// How fast the run goes.
#[derive(Debug, Clone, Copy)]
struct Pace {
    /// How often a desk syncs when nothing is wrong: five times the real desk's 10 s at full size,
    /// to load the store.
    sync_every: Duration,
    /// The faults come in spells: this long of clean network, then a spell of one fault.
    clean_spell: Duration,
    fault_spell: Duration,
}

const FULL: Pace = Pace {
    sync_every: Duration::from_secs(2),
    clean_spell: Duration::from_secs(8),
    fault_spell: Duration::from_secs(4),
};
/// A few seconds still see a fault spell or two and enough orders to count.
const SMALL: Pace = Pace {
    sync_every: Duration::from_millis(250),
    clean_spell: Duration::from_millis(1500),
    fault_spell: Duration::from_secs(1),
};

#[derive(Default)]
struct DeskFigures {
    placed: Vec<String>,
    place_ms: Vec<f64>,
    /// Rounds that started and ended on a clean network.
    round_ms: Vec<f64>,
    /// Rounds that met a fault spell (a delay, or a fault that was retried).
    round_faulted_ms: Vec<f64>,
    rounds_failed: u64,
    /// From an order's commit on the desk to the central store's acknowledgement reaching the desk.
    ack_ms: Vec<f64>,
}

#[tokio::main]
async fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("load", size);
    let pace = size.pick(FULL, SMALL);
    let desks: usize = arg(1, "SKRANKE_LOAD_DESKS", size.pick(200, 4));
    let seconds: u64 = arg(2, "SKRANKE_LOAD_SECONDS", size.pick(600, 6));
    let seed: u64 = std::env::var("SKRANKE_LOAD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("load: {desks} desks, {seconds} s, seed {seed}");

    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (products, _) = common::catalog_and_order(&central, dir.path());
    let in_stock: Arc<Vec<Product>> = Arc::new(
        products
            .into_iter()
            .filter(|p| p.availability == Availability::InStock)
            .collect(),
    );
    let proxy = Arc::new(FaultProxy::start(central.addr).await.unwrap());

    // Pair every desk through the proxy while the network is clean.
    let t = Instant::now();
    let mut caches = Vec::with_capacity(desks);
    for i in 0..desks {
        let cache = Cache::open(
            &dir.path().join(format!("desk-{i}.sqlite3")),
            FieldKey::generate(),
        )
        .await
        .unwrap();
        let code = central.ok(&["pairing-code", "--store", "OSL"]).unwrap();
        let pairing = loop {
            match skranke_sync::pair(
                &cache,
                &proxy.url(),
                code.trim(),
                &format!("Skranke {i}"),
                Utc::now(),
            )
            .await
            {
                Ok(p) => break p,
                // Pairing is rate limited (5 a second after a burst of 50), as for a shop pairing by hand.
                Err(skranke_sync::SyncError::Refused {
                    retry_after: Some(wait),
                    ..
                }) => tokio::time::sleep(wait).await,
                Err(e) => panic!("pairing desk {i}: {e}"),
            }
        };
        caches.push((cache, pairing));
    }
    println!("paired {desks} desks in {:.1} s", t.elapsed().as_secs_f64());

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let spell = Arc::new(AtomicU64::new(0));
    let spells = tokio::spawn(fault_spells(proxy.clone(), deadline, seed, spell.clone(), pace));
    let mut tasks = Vec::new();
    for (i, (cache, pairing)) in caches.iter().cloned().enumerate() {
        let products = in_stock.clone();
        tasks.push(tokio::spawn(run_desk(
            cache,
            pairing,
            products,
            deadline,
            seed.wrapping_add(i as u64),
            spell.clone(),
            pace.sync_every,
        )));
    }
    let mut figures = Vec::new();
    for task in tasks {
        figures.push(task.await.unwrap());
    }
    let faults = spells.await.unwrap();

    // The faults stop; every desk sends what it still holds.
    proxy.set(Fault::None);
    let t = Instant::now();
    let mut left = 0;
    for (cache, pairing) in &caches {
        left += drain(cache, pairing).await;
    }
    let drain_time = t.elapsed();

    let on_central = common::central_orders(&central).await;
    let mut count: HashMap<&str, u32> = HashMap::new();
    for (number, _) in &on_central {
        *count.entry(number.as_str()).or_default() += 1;
    }
    let placed: Vec<&String> = figures.iter().flat_map(|f| &f.placed).collect();
    let missing: Vec<&&String> = placed
        .iter()
        .filter(|n| !count.contains_key(n.as_str()))
        .collect();
    let doubled: Vec<(&&str, &u32)> = count.iter().filter(|(_, n)| **n > 1).collect();
    let extra = on_central.len() as i64 - placed.len() as i64;

    let all = |pick: fn(&DeskFigures) -> &Vec<f64>| -> Vec<f64> {
        let mut v: Vec<f64> = figures.iter().flat_map(|f| pick(f).iter().copied()).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let rounds_failed: u64 = figures.iter().map(|f| f.rounds_failed).sum();
    let round_ms = all(|f| &f.round_ms);
    println!();
    println!("| what | count |");
    println!("|---|---:|");
    println!("| desks | {desks} |");
    println!("| duration | {seconds} s |");
    for (name, n) in &faults {
        println!("| fault spell: {name} | {n} |");
    }
    println!("| orders placed on the desks | {} |", placed.len());
    println!("| orders on the central store | {} |", on_central.len());
    println!("| orders missing on the central store | {} |", missing.len());
    println!(
        "| orders on the central store more than once | {} |",
        doubled.len()
    );
    println!(
        "| orders on the central store no desk placed | {} |",
        extra.max(0)
    );
    println!(
        "| sync rounds finished | {} |",
        round_ms.len() + figures.iter().map(|f| f.round_faulted_ms.len()).sum::<usize>()
    );
    println!("| sync rounds failed by a fault | {rounds_failed} |");
    println!("| entries still queued after the drain | {left} |");
    println!(
        "| drain after the faults stopped | {:.1} s |",
        drain_time.as_secs_f64()
    );
    println!();
    println!("| latency (ms) | n | p50 | p95 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    row(
        "place an order on the desk (SQLite commit)",
        &all(|f| &f.place_ms),
    );
    row(
        "sync round on a clean network: push + pull of every stream",
        &round_ms,
    );
    row(
        "sync round that met a fault spell (delays included)",
        &all(|f| &f.round_faulted_ms),
    );
    row("order committed on the desk → acknowledged", &all(|f| &f.ack_ms));

    assert!(!placed.is_empty(), "no order was placed: the run proves nothing");
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert!(doubled.is_empty(), "doubled: {doubled:?}");
    assert_eq!(extra, 0, "orders on the central store that no desk placed");
    assert_eq!(left, 0, "entries left unsent");
}

fn row(name: &str, sorted: &[f64]) {
    let at = |q: f64| {
        if sorted.is_empty() {
            return 0.0;
        }
        sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
    };
    println!(
        "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        sorted.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        sorted.last().copied().unwrap_or(0.0)
    );
}

/// Clean spells and fault spells in turn until the deadline; each change of fault cuts every open
/// connection, as a network that goes down does.
/// `spell` counts spells: odd while a fault is on, so a desk can tell whether a round met one.
async fn fault_spells(
    proxy: Arc<FaultProxy>,
    deadline: Instant,
    seed: u64,
    spell: Arc<AtomicU64>,
    pace: Pace,
) -> BTreeMap<&'static str, u32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut spells = BTreeMap::new();
    while Instant::now() < deadline {
        tokio::time::sleep(pace.clean_spell).await;
        let (name, fault) = match rng.gen_range(0..5) {
            0 => (
                "delay 50–500 ms",
                Fault::Delay(Duration::from_millis(rng.gen_range(50..500))),
            ),
            1 => ("refuse", Fault::Refuse),
            2 => ("reset", Fault::Reset),
            3 => ("drop the answer after commit", Fault::DropResponse),
            _ => ("cut the answer mid-body", Fault::CutResponse),
        };
        *spells.entry(name).or_default() += 1;
        spell.fetch_add(1, Ordering::SeqCst);
        proxy.set(fault);
        tokio::time::sleep(pace.fault_spell).await;
        proxy.set(Fault::None);
        spell.fetch_add(1, Ordering::SeqCst);
    }
    proxy.set(Fault::None);
    spells
}

/// One desk: a sync round every tick (backing off with full jitter after a failure, as the desk's
/// loop does), an order now and then.
async fn run_desk(
    cache: Cache,
    pairing: skranke_cache::Pairing,
    products: Arc<Vec<Product>>,
    deadline: Instant,
    seed: u64,
    spell: Arc<AtomicU64>,
    sync_every: Duration,
) -> DeskFigures {
    let mut rng = StdRng::seed_from_u64(seed);
    let client = CentralClient::new(&pairing.central_url, Some(pairing.token.clone())).unwrap();
    let device_id = uuid::Uuid::parse_str(&pairing.device_id).unwrap();
    let mut figures = DeskFigures::default();
    let mut waiting: Vec<Instant> = Vec::new();
    let mut failures = 0u32;
    // Desks start spread over one tick, as desks in a shop do.
    tokio::time::sleep(sync_every.mul_f64(rng.gen())).await;
    while Instant::now() < deadline {
        if rng.gen_bool(ORDER_CHANCE) {
            let a = &products[rng.gen_range(0..products.len())];
            let b = &products[rng.gen_range(0..products.len())];
            let draft = skranke_demo::phone_order([a, b], rng.gen_range(1..3));
            let order = skranke_core::order::validate_order(
                &draft,
                |sku| [a, b].into_iter().find(|p| p.sku == sku).cloned(),
                skranke_desk::oslo_time(Utc::now()),
                &ShopPolicy::default(),
            )
            .unwrap();
            let t = Instant::now();
            let placed = cache
                .place_order(uuid::Uuid::new_v4(), &order, Utc::now())
                .await
                .unwrap();
            figures.place_ms.push(ms(t.elapsed()));
            figures.placed.push(placed.order_number);
            waiting.push(Instant::now());
        }
        let t = Instant::now();
        let spell_at_start = spell.load(Ordering::SeqCst);
        let result = match skranke_sync::push_outbox(&cache, &client, device_id).await {
            Ok(_) => {
                // Everything queued before this push is acknowledged now.
                let done = Instant::now();
                for at in waiting.drain(..) {
                    figures.ack_ms.push(ms(done - at));
                }
                skranke_sync::pull_all(&cache, &client, |_, _| {})
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        };
        let pause = match result {
            Ok(()) => {
                let clean =
                    spell_at_start.is_multiple_of(2) && spell.load(Ordering::SeqCst) == spell_at_start;
                if clean && failures == 0 {
                    figures.round_ms.push(ms(t.elapsed()));
                } else {
                    figures.round_faulted_ms.push(ms(t.elapsed()));
                }
                failures = 0;
                sync_every
            }
            Err(_) => {
                figures.rounds_failed += 1;
                failures += 1;
                let exponential = Duration::from_secs(1) * 2u32.pow(failures.min(5) - 1);
                exponential.mul_f64(rng.gen())
            }
        };
        tokio::time::sleep(pause).await;
    }
    figures
}

/// Pushes until the outbox is empty (or gives up after a minute of trying); returns what is left.
async fn drain(cache: &Cache, pairing: &skranke_cache::Pairing) -> usize {
    let client = CentralClient::new(&pairing.central_url, Some(pairing.token.clone())).unwrap();
    let device_id = uuid::Uuid::parse_str(&pairing.device_id).unwrap();
    let give_up = Instant::now() + Duration::from_secs(60);
    let mut wait = Duration::from_millis(50);
    while Instant::now() < give_up {
        if skranke_sync::push_outbox(cache, &client, device_id).await.is_ok() {
            break;
        }
        // Back off as the desk would, rather than spin on a central store that is not ready.
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
    cache.outbox_pending().await.unwrap().len()
}
