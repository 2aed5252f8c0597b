//! `cargo xtask bench panel`: the customer at a glance (issue 20) for a customer with 500 orders, on a
//! desk with 1,000,000 products and 200,000 orders, through the desk's own call (what the window
//! asks). Printed beside it, as the reference to read it against on this machine: a plain indexed
//! lookup of one order by its number. Prints a table; asserts what must hold for the figures to
//! mean anything (the panel counts the customer's orders right), never a time.
//! `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs it small, as `cargo xtask test` does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark binary

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use skranke_benchmark::Size;
use skranke_core::order::{AddressDraft, CustomerDraft, LineDraft};
use skranke_desk::Desk;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let size = Size::from_env();
    let products = size.pick(1_000_000, 2_000);
    let orders = size.pick(200_000, 2_000);
    let hers = size.pick(500, 50);
    let customers = orders / 5;
    let asks = size.pick(200, 20);
    skranke_benchmark::print_provenance("panel", size);

    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let now = Utc::now();
    let started = Instant::now();
    desk.import_demo(products, now, |_, _| {}).await.unwrap();
    let import = started.elapsed();

    // One real order for Kari, through the desk: her customer row and a valid body to copy.
    let hit = desk.search("kaffetrakter", 1, now).await.unwrap();
    let draft = skranke_core::OrderDraft {
        customer: CustomerDraft {
            name: "Kari Nordmann".into(),
            phone: "412 34 567".into(),
            confirmed_15_or_older: true,
            address: AddressDraft {
                line1: "Storgata 1".into(),
                postcode: "0150".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: vec![LineDraft {
            discount: None,
            sku: hit[0].sku.clone(),
            quantity: 1,
        }],
        shipping_method: "servicepakke".into(),
        payment_method: "kort".into(),
        ..Default::default()
    };
    let who = desk.act_as_staff("Demo", "1234", now).await.unwrap();
    let placed = desk
        .place_order(&who, uuid::Uuid::new_v4(), &draft, now)
        .await
        .unwrap();

    // The rest of the store's history, written straight into the file in one transaction: the
    // panel reads rows, and placing 200,000 orders one fsync at a time would take the benchmark's
    // whole budget before it measured anything.
    let mut db = SqliteConnectOptions::new()
        .filename(dir.path().join("desk.sqlite3"))
        .connect()
        .await
        .unwrap();
    let template =
        sqlx::query("SELECT customer_id, body, payment_method, shipping_code, total_ore FROM orders LIMIT 1")
            .fetch_one(&mut db)
            .await
            .unwrap();
    let kari: String = template.get("customer_id");
    let body: String = template.get("body");
    let total: i64 = template.get("total_ore");
    let seeded = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for c in 0..customers {
        sqlx::query(
            "INSERT INTO customers (id, name, phone, address_line1, postcode, place, created_at, updated_at, search_text)
             VALUES (?1, ?2, ?3, 'Gate 1', '0150', 'OSLO', ?4, ?4, lower(?2))",
        )
        .bind(format!("seed-customer-{c}"))
        .bind(format!("Kunde {c}"))
        .bind(format!("+479{c:07}"))
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    for n in 1..orders {
        // Every fifth of the first `hers` × 5 orders is Kari's (with the one placed above, `hers` in
        // all); the rest spread over everyone.
        let customer = if n % 5 == 0 && n / 5 < hers {
            kari.clone()
        } else {
            format!("seed-customer-{}", n % customers)
        };
        let at = now - Days::minutes(i64::try_from(n).unwrap());
        sqlx::query(
            "INSERT INTO orders (id, order_number, customer_id, placed_at_utc, payment_method, shipping_code, total_ore,
                                 customer_name, customer_phone, search_text, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'Kunde', '+4790000000', ?2, ?8)",
        )
        .bind(format!("seed-order-{n}"))
        .bind(format!("SEED-{n:07}"))
        .bind(&customer)
        .bind(at.to_rfc3339())
        .bind(template.get::<String, _>("payment_method"))
        .bind(template.get::<String, _>("shipping_code"))
        .bind(total)
        .bind(&body)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE").execute(&mut db).await.unwrap();
    let seeding = seeded.elapsed();

    let mut panel = Vec::with_capacity(asks);
    let mut lookup = Vec::with_capacity(asks);
    for i in 0..asks {
        let t = Instant::now();
        let view = desk.customer_panel(&kari).await.unwrap();
        panel.push(t.elapsed());
        // The figures mean something only if the panel found all of her orders.
        let expected = u32::try_from(hers).unwrap();
        assert_eq!(view.order_count, expected);
        assert_eq!(view.orders.len(), 20.min(expected as usize));
        let number = format!("SEED-{:07}", 1 + (i * 7919) % (orders - 1));
        let t = Instant::now();
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM orders WHERE order_number = ?")
            .bind(&number)
            .fetch_optional(&mut db)
            .await
            .unwrap();
        lookup.push(t.elapsed());
        assert!(found.is_some(), "{number}");
    }
    let _ = placed;
    println!(
        "{products} products imported in {:.1} s; {orders} orders over {customers} customers seeded in {:.1} s\n",
        import.as_secs_f64(),
        seeding.as_secs_f64()
    );
    println!("| what | her orders | asks | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    let max = |s: &[Duration]| s.iter().max().copied().unwrap_or_default();
    println!(
        "| customer panel (desk call) | {hers} | {asks} | {} | {} | {} |",
        ms(percentile(&mut panel, 0.5)),
        ms(percentile(&mut panel, 0.99)),
        ms(max(&panel))
    );
    println!(
        "| reference: one order by number (indexed) | - | {asks} | {} | {} | {} |",
        ms(percentile(&mut lookup, 0.5)),
        ms(percentile(&mut lookup, 0.99)),
        ms(max(&lookup))
    );
    println!("\nTarget: the panel opens in ≤ 50 ms p99 for a customer with 500 orders (issue 20).");
}
