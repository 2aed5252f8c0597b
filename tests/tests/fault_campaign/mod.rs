//! The fault campaign, shared by the test (short) and the benchmark (issue 21 item 5: ≥ 1,000 desk
//! kills, ≥ 100 central-store restarts and ≥ 100 PostgreSQL crashes): orders are placed while the
//! network between desk and central store drops, delays, resets and loses answers after the central
//! store committed; the desk process is killed mid-order and mid-sync; the central store is killed
//! and restarted; PostgreSQL crashes and recovers. At the end every order on the desk (each one it
//! reported placed, and any a kill left placed but unreported) is on the central store exactly
//! once, with the same content, and every stream has converged.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // tests panic to report

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::fault_proxy::{Fault, FaultProxy};

use crate::common::{catalog_and_order, central_orders, desk, pair};

/// How big a campaign is: it runs at least `cycles` cycles, and on until each minimum is reached.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub cycles: usize,
    /// Desk processes killed (SIGKILL) mid-order or mid-sync.
    pub desk_kills: usize,
    pub central_restarts: usize,
    pub postgres_crashes: usize,
    /// Every how many cycles the central store is killed and restarted.
    pub central_restart_every: usize,
    /// Every how many cycles PostgreSQL crashes.
    pub postgres_crash_every: usize,
    /// Of the kills, one in this many lands on `order place` rather than `sync now`.
    pub order_kill_one_in: u32,
}

/// What a campaign did; the caller prints it.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub rows: Vec<(String, String)>,
    pub desk_kills: usize,
    pub central_restarts: usize,
    pub postgres_crashes: usize,
}

impl Report {
    pub fn print(&self) {
        println!();
        println!("| what | count |");
        println!("|---|---:|");
        for (what, n) in &self.rows {
            println!("| {what} | {n} |");
        }
    }
}

/// Runs one campaign of at least `size`; panics on the first order lost, duplicated or different.
pub async fn run(size: Size) -> Report {
    let seed: u64 = std::env::var("SKRANKE_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("fault campaign seed {seed} (SKRANKE_FAULT_SEED={seed} repeats it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut central = CentralProcess::start().unwrap();
    let (products, order_file) = catalog_and_order(&central, dir.path());
    let price_feed = dir.path().join("priser.jsonl");
    let proxy = FaultProxy::start(central.addr).await.unwrap();
    let desk = desk(dir.path(), "desk");
    pair(&central, &desk, &proxy.url());
    desk.ok(&["sync", "now"]).unwrap();

    let mut placed: Vec<String> = Vec::new();
    // Issue 19: changes and cancellations in the mix, made at the desk whatever the network does.
    let mut cancelled: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let (mut changes, mut cancellations) = (0, 0);
    let mut faults: BTreeMap<&str, u32> = BTreeMap::new();
    let (mut syncs_killed, mut syncs_finished, mut syncs_failed, mut postgres_crashes) = (0, 0, 0, 0);
    let (mut orders_killed, mut orders_unreported) = (0, 0);
    let mut cycle = 0;
    loop {
        cycle += 1;
        let done = cycle > size.cycles
            && syncs_killed + orders_killed >= size.desk_kills
            && central.starts as usize > size.central_restarts
            && postgres_crashes >= size.postgres_crashes;
        if done {
            break;
        }
        let (name, fault) = match rng.gen_range(0..6) {
            0 => ("none", Fault::None),
            1 => (
                "delay",
                Fault::Delay(Duration::from_millis(rng.gen_range(20..200))),
            ),
            2 => ("refuse", Fault::Refuse),
            3 => ("reset", Fault::Reset),
            4 => ("drop response after commit", Fault::DropResponse),
            _ => ("cut response", Fault::CutResponse),
        };
        *faults.entry(name).or_default() += 1;
        proxy.set(fault);

        // Now and then the desk is killed while it places the order: the order is then either
        // placed whole (and must reach the central store once) or not at all.
        if rng.gen_ratio(1, size.order_kill_one_in) {
            let mut child = tokio::process::Command::from(desk.command(&[
                "order",
                "place",
                order_file.to_str().unwrap(),
            ]))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
            let kill_after = Duration::from_millis(rng.gen_range(0..150));
            match tokio::time::timeout(kill_after, child.wait()).await {
                Ok(_) => {
                    let out = child.wait_with_output().await.unwrap();
                    assert!(out.status.success(), "order place failed without a kill");
                    let out = String::from_utf8_lossy(&out.stdout).into_owned();
                    let number = out
                        .split_whitespace()
                        .nth(1)
                        .expect("«Ordre <nummer> er plassert.»");
                    placed.push(number.to_string());
                }
                Err(_) => {
                    child.start_kill().unwrap(); // SIGKILL
                    child.wait().await.unwrap();
                    orders_killed += 1;
                }
            }
        } else {
            let out = desk
                .ok(&["order", "place", order_file.to_str().unwrap()])
                .unwrap();
            let number = out
                .split_whitespace()
                .nth(1)
                .expect("«Ordre <nummer> er plassert.»")
                .to_string();
            placed.push(number);
        }

        // Now and then the customer rings back: a line added to an earlier order, or it is cancelled.
        let earlier: Vec<&String> = placed.iter().filter(|n| !cancelled.contains(*n)).collect();
        if let Some(target) = (!earlier.is_empty()).then(|| earlier[rng.gen_range(0..earlier.len())].clone())
        {
            match rng.gen_range(0..10) {
                0..=2 => {
                    let sku = &products[rng.gen_range(0..products.len())].sku;
                    let out = desk.ok(&["order", "change", &target, "--add", sku]).unwrap();
                    assert!(out.contains("lagret"), "{out}");
                    changes += 1;
                }
                3 => {
                    desk.ok(&["order", "cancel", &target, "--reason", "Kunden ringte"])
                        .unwrap();
                    cancelled.insert(target);
                    cancellations += 1;
                }
                _ => {}
            }
        }

        // A sync that may be killed at any moment: mid-push, mid-pull, or not at all.
        let mut child = tokio::process::Command::from(desk.command(&["sync", "now"]))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let kill_after = Duration::from_millis(rng.gen_range(0..120));
        match tokio::time::timeout(kill_after, child.wait()).await {
            Ok(status) if status.as_ref().is_ok_and(|s| s.success()) => syncs_finished += 1,
            Ok(_) => syncs_failed += 1,
            Err(_) => {
                child.start_kill().unwrap(); // SIGKILL
                child.wait().await.unwrap();
                syncs_killed += 1;
            }
        }

        // The central store changes prices now and then, so pulls carry changes to be cut short.
        if cycle % 5 == 0 {
            let lines: Vec<String> = products
                .iter()
                .skip(rng.gen_range(0..100))
                .take(50)
                .map(|p| {
                    serde_json::json!({"sku": p.sku, "name": p.name, "price": format!("{}.00", rng.gen_range(10..5000)), "availability": "in_stock"})
                        .to_string()
                })
                .collect();
            std::fs::write(&price_feed, lines.join("\n")).unwrap();
            let _ = central.command(&["import-feed", "--partial", price_feed.to_str().unwrap()]);
        }
        if cycle % size.central_restart_every == 0 {
            central.kill_server();
            central.start_server().unwrap();
        }
        if cycle % size.postgres_crash_every == size.postgres_crash_every / 2 {
            central
                .postgres
                .cluster()
                .expect("a throwaway cluster")
                .crash_and_restart()
                .unwrap();
            postgres_crashes += 1;
        }
    }

    // The faults end; the desk catches up.
    proxy.set(Fault::None);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds <= 20, "the desk did not converge in 20 rounds");
        let out = desk.command(&["sync", "now"]).output().unwrap();
        if out.status.success() && desk.ok(&["sync", "status"]).unwrap().contains("Ikke sendt: 0") {
            break;
        }
    }
    let last = desk.ok(&["sync", "now"]).unwrap();
    assert!(
        last.contains(
            "Kvittert av sentralen: 0. Hentet: katalog 0, tilgjengelighet 0, ordrestatus 0, personale 0."
        ),
        "every stream has converged: {last}"
    );

    // Every order the desk reported is on the central store once, as the desk has it.
    let on_central = central_orders(&central).await;
    let (key, _) = skranke_desk::field_key::load_or_create(&desk.data_dir)
        .await
        .unwrap();
    let cache = skranke_cache::Cache::open(&desk.data_dir.join("desk.sqlite3"), key)
        .await
        .unwrap();
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    let central_versions: BTreeMap<String, (i32, String)> =
        sqlx::query_as::<_, (String, i32, String)>("SELECT number, version, status FROM orders")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(n, v, s)| (n, (v, s)))
            .collect();
    // Every order on the desk counts, also one a kill left placed before it was reported.
    let on_desk: Vec<String> = cache
        .list_orders(&skranke_cache::OrderFilter {
            text: None,
            limit: u32::MAX,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.order_number)
        .collect();
    for number in &placed {
        assert!(
            on_desk.contains(number),
            "{number} was reported placed and is not on the desk"
        );
    }
    for number in &on_desk {
        if !placed.contains(number) {
            placed.push(number.clone());
            orders_unreported += 1;
        }
    }
    let mut missing = Vec::new();
    for number in &placed {
        let stored = cache.order_by_number(number).await.unwrap().expect("on the desk");
        // The final version of each order is the same on both sides, and so is a cancellation.
        if let Some((version, status)) = central_versions.get(number) {
            assert_eq!(
                i64::from(stored.version),
                i64::from(*version),
                "{number}: versions differ"
            );
            assert!(!stored.change_pending, "{number}: a change never answered");
            assert_eq!(
                stored.followup_message, None,
                "{number}: refused: {:?}",
                stored.followup_message
            );
            assert_eq!(
                status == "kansellert",
                cancelled.contains(number),
                "{number}: cancelled on one side only ({status})"
            );
        }
        match on_central
            .iter()
            .filter(|(n, _)| n == number)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [(_, body)] => assert_eq!(
                body,
                &serde_json::to_value(&stored.order).unwrap(),
                "{number} differs between desk and central store"
            ),
            [] => missing.push(number.clone()),
            more => panic!("{number} is on the central store {} times", more.len()),
        }
    }
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert_eq!(on_central.len(), placed.len(), "nothing the desk did not place");
    // The catalog converged too: every price on the desk is the central store's.
    let central_prices: Vec<(String, i64)> =
        sqlx::query_as("SELECT sku, price_ore FROM products WHERE NOT deleted ORDER BY sku")
            .fetch_all(&pool)
            .await
            .unwrap();
    let skus: Vec<String> = central_prices.iter().map(|(s, _)| s.clone()).collect();
    let on_desk = cache.products_by_sku(&skus).await.unwrap();
    for (sku, price) in &central_prices {
        assert_eq!(on_desk.get(sku).map(|p| p.price.ore()), Some(*price), "{sku}");
    }

    let mut rows: Vec<(String, String)> = vec![("cycles".into(), (cycle - 1).to_string())];
    for (name, n) in &faults {
        rows.push((format!("fault: {name}"), n.to_string()));
    }
    let central_restarts = central.starts as usize - 1;
    for (what, n) in [
        ("desk killed mid-order (SIGKILL)", orders_killed),
        (
            "· of those, orders placed before the kill (never reported)",
            orders_unreported,
        ),
        ("desk killed mid-sync (SIGKILL)", syncs_killed),
        ("desk syncs failed by a fault", syncs_failed),
        ("desk syncs finished", syncs_finished),
        ("central store restarts (SIGKILL)", central_restarts),
        ("PostgreSQL crashes (immediate stop)", postgres_crashes),
        ("orders on the desk", placed.len()),
        ("changes made at the desk", changes),
        ("cancellations made at the desk", cancellations),
        ("orders on the central store", on_central.len()),
        ("lost / duplicated / different", 0),
        ("rounds to converge", rounds),
    ] {
        rows.push((what.to_string(), n.to_string()));
    }
    Report {
        seed,
        rows,
        desk_kills: orders_killed + syncs_killed,
        central_restarts,
        postgres_crashes,
    }
}
