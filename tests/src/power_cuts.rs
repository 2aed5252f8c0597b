//! Power-cut cycles (issue 21 item 4): a desk places orders on the power-cut VFS, the power goes at a
//! random write, and the desk opened again must hold every order it reported placed, pass SQLite's
//! integrity check, and have an outbox without a gap. Shared by the test (50 cycles) and the
//! benchmark (1,000).

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::{Rng, SeedableRng};
use skranke_desk::Desk;

/// What a run of cycles saw.
#[derive(Debug, Default)]
pub struct PowerCutReport {
    pub cycles: u32,
    /// Orders the desk said were placed, over all cycles.
    pub orders_reported: usize,
    /// Cycles in which the cut came while an order was being placed (the rest cut between orders).
    pub cuts_mid_order: u32,
    /// Orders the desk was placing when the power went: never reported, so free to be missing.
    pub orders_interrupted: u32,
    /// Time from opening after the cut to the checks passing, per cycle.
    pub reopen_times: Vec<Duration>,
}

/// Runs `cycles` power cuts on a desk in `dir` (created with a demo catalog of 50 products), the
/// moment of each drawn from `seed`. The first broken promise ends the run with what it was.
/// [`skranke_powercut::install`] must have been called before any SQLite file was opened.
pub async fn run(dir: &Path, cycles: u32, seed: u64) -> Result<PowerCutReport, String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let desk = Desk::open(dir).await.map_err(|e| format!("open: {e:?}"))?;
    desk.import_demo(50, now, |_, _| {})
        .await
        .map_err(|e| format!("import: {e:?}"))?;
    let today = skranke_desk::oslo_time(now).date();
    let products: Vec<_> = skranke_demo::products(50, 2026, now, today).collect();
    desk.close().await;

    let mut report = PowerCutReport::default();
    let mut reported: Vec<String> = Vec::new();
    let mut since_last_cut = 0;
    for cycle in 0..cycles {
        let started = Instant::now();
        let desk = Desk::open(dir)
            .await
            .map_err(|e| format!("cycle {cycle}: open after the cut: {e:?}"))?;
        // Every order is looked up by number after the last cut and every 50th; in between the
        // count and the last cycle's orders are (the cut can only have touched those, or the count).
        let look_up = if cycle % 50 == 0 { 0 } else { since_last_cut };
        check(&desk, &reported, look_up)
            .await
            .map_err(|e| format!("cycle {cycle} (seed {seed}): {e}"))?;
        report.reopen_times.push(started.elapsed());

        let who = desk.act_as_service("power-cut").map_err(|e| format!("{e:?}"))?;
        // Placing an order takes some 40 to 80 writes and one sync of the log: the cut comes from
        // the first write of the first order to a few orders in.
        skranke_powercut::cut_after(rng.gen_range(1..=300));
        since_last_cut = reported.len();
        for i in 0..20 {
            let draft = skranke_demo::phone_order(products.iter().skip((cycle as usize + i) % 50).take(1), 1);
            match desk.place_order(&who, uuid::Uuid::new_v4(), &draft, now).await {
                Ok(placed) => reported.push(placed.order_number),
                Err(_) if skranke_powercut::was_cut() => {
                    report.cuts_mid_order += 1;
                    report.orders_interrupted += 1;
                    break;
                }
                Err(e) => return Err(format!("cycle {cycle}: placing with power on: {e:?}")),
            }
        }
        if !skranke_powercut::was_cut() {
            skranke_powercut::cut_now();
        }
        desk.close().await;
        skranke_powercut::restore_power().map_err(|e| format!("cycle {cycle}: {e}"))?;
        report.cycles += 1;
    }
    let desk = Desk::open(dir).await.map_err(|e| format!("last open: {e:?}"))?;
    check(&desk, &reported, 0).await?;
    desk.close().await;
    report.orders_reported = reported.len();
    Ok(report)
}

/// The promises after a cut: the file is whole, as many orders are there as were reported (each of
/// `reported[look_up_from..]` by its number), and the outbox runs 1, 2, 3 ... without a gap.
async fn check(desk: &Desk, reported: &[String], look_up_from: usize) -> Result<(), String> {
    let health = desk.cache().health().await.map_err(|e| format!("{e:?}"))?;
    if !health.sound() {
        return Err(format!("integrity_check: {:?}", health.integrity));
    }
    if health.orders != reported.len() as i64 {
        return Err(format!(
            "{} orders in the cache, {} reported placed",
            health.orders,
            reported.len()
        ));
    }
    for number in &reported[look_up_from.min(reported.len())..] {
        desk.show_order(number)
            .await
            .map_err(|e| format!("order {number} reported placed is gone: {e:?}"))?;
    }
    let seqs: Vec<i64> = desk
        .cache()
        .outbox_pending()
        .await
        .map_err(|e| format!("{e:?}"))?
        .iter()
        .map(|e| e.wire_seq)
        .collect();
    let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
    if seqs != expected {
        return Err(format!("the outbox has a gap: {seqs:?}"));
    }
    Ok(())
}
