//! What the sync tests share: a catalog on the central store, desks, pairing, the central's orders.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part; tests panic to report

use std::path::Path;

use skranke_e2e::central_process::{CentralProcess, DeskProcess};

/// A catalog on the central store and an order file over its first products.
pub fn catalog_and_order(
    central: &CentralProcess,
    dir: &Path,
) -> (Vec<skranke_core::Product>, std::path::PathBuf) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<_> = skranke_demo::products(200, 11, chrono::Utc::now(), today).collect();
    import_products(central, dir, &products);
    let order = dir.join("ordre.json");
    let draft = skranke_demo::phone_order(products.iter().take(2), 1);
    std::fs::write(&order, serde_json::to_string(&draft).unwrap()).unwrap();
    (products, order)
}

/// `products` on the central store, through a feed file in the desk's own format.
pub fn import_products(central: &CentralProcess, dir: &Path, products: &[skranke_core::Product]) {
    let feed = dir.join("katalog.jsonl");
    let lines: Vec<String> = products
        .iter()
        .map(|p| {
            serde_json::json!({
                "sku": p.sku, "eans": p.eans, "name": p.name, "brand": p.brand, "category": p.category,
                "price": format!("{}.{:02}", p.price.ore() / 100, p.price.ore() % 100),
                "mva": p.mva_rate.percent().to_string(), "availability": p.availability.code(),
                "supplier_date": p.availability.supplier_date().map(|d| d.to_string()),
            })
            .to_string()
        })
        .collect();
    std::fs::write(&feed, lines.join("\n")).unwrap();
    central.ok(&["import-feed", feed.to_str().unwrap()]).unwrap();
}

pub fn desk(dir: &Path, name: &str) -> DeskProcess {
    DeskProcess {
        data_dir: dir.join(name),
    }
}

pub fn pair(central: &CentralProcess, desk: &DeskProcess, url: &str) -> String {
    let code = central.ok(&["pairing-code", "--store", "OSL"]).unwrap();
    desk.ok(&["sync", "pair", url, code.trim()]).unwrap()
}

pub async fn central_orders(central: &CentralProcess) -> Vec<(String, serde_json::Value)> {
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    let rows: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT number, body FROM orders ORDER BY number")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows
}

/// Waits for `check` to hold, asking again as soon as the last answer came; fails after `limit`.
pub async fn until<F, Fut>(what: &str, limit: std::time::Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        tokio::task::yield_now().await;
    }
}

/// A benchmark's setting: the `position`th plain argument, else the environment variable `env`,
/// else `default`.
pub fn arg<T: std::str::FromStr>(position: usize, env: &str, default: T) -> T {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(position)
        .or_else(|| std::env::var(env).ok())
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Milliseconds, for the tables.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
