//! Crash tests: a child process (this test binary, run again) places an order and is killed with
//! SIGKILL, right after `place_order` returned or in the middle of its transaction.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{NaiveDate, Utc};
use skranke_core::order::validate_order;
use skranke_core::ShopPolicy;

use crate::Cache;

const CHILD_DB: &str = "SKRANKE_CRASH_CHILD_DB";
const PAUSE_AT: &str = "SKRANKE_CRASH_PAUSE_AT";
/// What the child does after placing the order, then waits to be killed: `change` (a line added)
/// or `exchange` (one unit back as the wrong item, another product out).
const THEN: &str = "SKRANKE_CRASH_THEN";

/// In a child started by a crash test, stops at `point`: says so on stdout and waits to be killed.
pub(crate) fn pause_if_asked(point: &str) {
    if std::env::var(PAUSE_AT).ok().as_deref() == Some(point) {
        println!("PAUSED {point}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn place_one(cache: &Cache) -> String {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<_> = skranke_demo::products(50, 1, Utc::now(), today).collect();
    cache.import_products(&products).await.unwrap();
    let draft = skranke_demo::phone_order(products.iter().take(3), 2);
    let placed_at = today.and_hms_opt(10, 0, 0).unwrap();
    let order = validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        placed_at,
        &ShopPolicy::default(),
    )
    .unwrap();
    let placed = cache
        .place_order(uuid::Uuid::new_v4(), &order, Utc::now())
        .await
        .unwrap();
    placed.order_number
}

/// Adds a fourth line to the order `number`, as the desk does: judged by core, saved in one go.
async fn change_one(cache: &Cache, number: &str) -> u32 {
    let stored = cache.order_by_number(number).await.unwrap().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<_> = skranke_demo::products(50, 1, Utc::now(), today).collect();
    let mut draft = skranke_core::order_change::ChangeDraft::of(&stored.order);
    draft.lines.push(skranke_core::order::LineDraft {
        discount: None,
        sku: products[10].sku.clone(),
        quantity: 1,
    });
    let changed = skranke_core::order_change::validate_change(
        &stored.order,
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today.and_hms_opt(11, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    let changes = skranke_core::order_change::describe_change(&stored.order, &changed);
    cache
        .change_order(
            &stored.order_id,
            stored.version,
            &changed,
            &changes,
            false,
            Utc::now(),
        )
        .await
        .unwrap()
        .version
}

/// Exchanges one unit of line 1 of `number` (the wrong item) for another product, as the desk does;
/// answers the new order's number.
async fn exchange_one(cache: &Cache, number: &str) -> String {
    use skranke_core::exchange::{exchange_order, exchange_terms, seller_at_fault};
    let stored = cache.order_by_number(number).await.unwrap().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let products: Vec<_> = skranke_demo::products(50, 1, Utc::now(), today).collect();
    let ret = skranke_core::return_request::validate_return(
        &stored.order.lines,
        &[0, 0, 0],
        &skranke_core::ReturnDraft {
            lines: vec![skranke_core::return_request::ReturnLineDraft {
                line_no: 1,
                quantity: 1,
                reason: "feil_vare".into(),
            }],
            ..Default::default()
        },
    )
    .unwrap();
    let new_order = exchange_order(
        &stored.order,
        &[skranke_core::order::LineDraft {
            discount: None,
            sku: products[20].sku.clone(),
            quantity: 1,
        }],
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today.and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
        seller_at_fault(&ret),
    )
    .unwrap();
    let terms = exchange_terms(&stored.order, &[0, 0, 0], &ret, &new_order);
    cache
        .record_exchange(
            crate::NewExchange {
                original_order_id: &stored.order_id,
                return_id: uuid::Uuid::new_v4(),
                new_order_id: uuid::Uuid::new_v4(),
                ret: &ret,
                new_order: &new_order,
                terms: &terms,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .new_order_number
}

/// Not a test of its own: the body of the child process. Without the environment variable it returns.
#[test]
fn crash_child() {
    let Ok(db) = std::env::var(CHILD_DB) else { return };
    runtime().block_on(async {
        let cache = Cache::open(Path::new(&db), test_key()).await.unwrap();
        let number = place_one(&cache).await;
        println!("PLACED {number}");
        let _ = std::io::stdout().flush();
        match std::env::var(THEN).as_deref() {
            Ok("change") => println!("CHANGED {}", change_one(&cache, &number).await),
            Ok("exchange") => println!("EXCHANGED {}", exchange_one(&cache, &number).await),
            _ => {}
        }
        let _ = std::io::stdout().flush();
        // Wait to be killed, holding the pool open: nothing after place_order may be needed for durability.
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    });
}

/// Runs the child and kills it with SIGKILL once it printed `marker`; returns the rest of that line.
fn run_child_until(db: &Path, pause_at: Option<&str>, marker: &str) -> String {
    run_child(db, pause_at, None, marker)
}

fn run_child(db: &Path, pause_at: Option<&str>, then: Option<&str>, marker: &str) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "crash_tests::crash_child",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_DB, db)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    if let Some(p) = pause_at {
        cmd.env(PAUSE_AT, p);
    }
    if let Some(then) = then {
        cmd.env(THEN, then);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        // libtest writes "test name ... " before the test's own output, on the same line.
        if let Some(at) = line.find(marker) {
            seen = Some(line[at..].to_string());
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the child must have been killed, not have finished"
    );
    seen.unwrap_or_else(|| panic!("child never printed {marker}"))
}

#[test]
fn order_survives_sigkill_right_after_place_order_returned() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let line = run_child_until(&db, None, "PLACED ");
    let number = line.trim_start_matches("PLACED ").to_string();
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        let stored = cache
            .order_by_number(&number)
            .await
            .unwrap()
            .expect("the order is on disk");
        assert_eq!(stored.order.lines.len(), 3);
        // The order and its audit entry, committed together.
        assert_eq!(cache.counts().await.unwrap(), (1, 3, 2));
        let pending = cache.outbox_pending().await.unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[1].kind, "audit_recorded");
        assert!(matches!(
            cache.verify_audit_log().await.unwrap(),
            crate::AuditCheck::Intact { entries: 1 }
        ));
        // What the desk queued is what the central store reads, under the hash both compute.
        let entry = &pending[0];
        let placed: skranke_protocol::OrderPlaced = serde_json::from_str(&entry.payload).unwrap();
        assert_eq!(placed.order_number, number);
        assert_eq!(placed.order, stored.order);
        assert_eq!(entry.kind, skranke_protocol::MutationKind::OrderPlaced.code());
        assert_eq!(
            entry.payload_sha256,
            skranke_protocol::payload_sha256(entry.payload.as_bytes())
        );
    });
}

#[test]
fn crash_mid_transaction_leaves_no_partial_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    run_child_until(&db, Some("MID-TRANSACTION"), "PAUSED MID-TRANSACTION");
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        assert_eq!(
            cache.counts().await.unwrap(),
            (0, 0, 0),
            "no order, no line, no outbox entry"
        );
        assert_eq!(
            cache.search_customers("Kari", 10).await.unwrap().len(),
            0,
            "no customer either"
        );
        assert_eq!(
            cache.device().await.unwrap().next_number,
            1,
            "the number was not used up"
        );
        // The catalog batch committed before the order began is still there.
        assert_eq!(cache.product_count().await.unwrap(), 50);
    });
}

/// SIGKILL in the middle of a change: the order is the version it was, whole: body, lines, outbox
/// and audit chain as before the change began.
#[test]
fn crash_mid_change_leaves_the_old_version_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let line = run_child(&db, Some("MID-CHANGE"), Some("change"), "PAUSED MID-CHANGE");
    assert!(line.starts_with("PAUSED MID-CHANGE"));
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        let orders = cache.list_orders(&crate::OrderFilter::default()).await.unwrap();
        let stored = cache
            .order_by_number(&orders[0].order_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, 1);
        assert_eq!(stored.order.lines.len(), 3);
        assert_eq!(orders[0].total, stored.order.totals.total);
        assert!(!stored.change_pending);
        assert_eq!(
            cache.counts().await.unwrap(),
            (1, 3, 2),
            "no new line, no outbox entry"
        );
        assert!(cache.order_versions(&stored.order_id).await.unwrap().is_empty());
        assert!(matches!(
            cache.verify_audit_log().await.unwrap(),
            crate::AuditCheck::Intact { entries: 1 }
        ));
    });
}

/// SIGKILL right after a change returned: version 2 is on disk whole and queued.
#[test]
fn a_change_survives_sigkill_once_saved() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let line = run_child(&db, None, Some("change"), "CHANGED ");
    assert_eq!(line.trim(), "CHANGED 2");
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        let orders = cache.list_orders(&crate::OrderFilter::default()).await.unwrap();
        let stored = cache
            .order_by_number(&orders[0].order_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, 2);
        assert_eq!(stored.order.lines.len(), 4);
        assert!(stored.change_pending);
        assert_eq!(cache.counts().await.unwrap(), (1, 4, 4));
        let pending = cache.outbox_pending().await.unwrap();
        let changed: skranke_protocol::OrderChanged = serde_json::from_str(&pending[2].payload).unwrap();
        assert_eq!((changed.base_version, changed.version), (1, 2));
        assert_eq!(changed.order, stored.order);
        let versions = cache.order_versions(&stored.order_id).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].state, "local");
    });
}

/// SIGKILL in the middle of an exchange: neither half is on disk (no return, no new order, no
/// number used, no outbox entry); the original order is as it was.
#[test]
fn crash_mid_exchange_leaves_neither_half() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    run_child(&db, Some("MID-EXCHANGE"), Some("exchange"), "PAUSED MID-EXCHANGE");
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        assert_eq!(cache.counts().await.unwrap(), (1, 3, 2), "only the placed order");
        let orders = cache.list_orders(&crate::OrderFilter::default()).await.unwrap();
        let stored = cache
            .order_by_number(&orders[0].order_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cache.returned_quantities(&stored.order_id).await.unwrap(),
            vec![0, 0, 0]
        );
        assert_eq!(cache.device().await.unwrap().next_number, 2, "no number used up");
    });
}

/// SIGKILL right after an exchange returned: the return, the new order and the one outbox entry
/// are on disk together.
#[test]
fn an_exchange_survives_sigkill_once_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let line = run_child(&db, None, Some("exchange"), "EXCHANGED ");
    let new_number = line.trim_start_matches("EXCHANGED ").trim().to_string();
    runtime().block_on(async {
        let cache = Cache::open(&db, test_key()).await.unwrap();
        let new = cache
            .order_by_number(&new_number)
            .await
            .unwrap()
            .expect("the new order is on disk");
        let exchange = cache.exchange_of(&new.order_id).await.unwrap().unwrap();
        let original = cache
            .order_by_number(&exchange.original_number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cache.returned_quantities(&original.order_id).await.unwrap(),
            vec![1, 0, 0]
        );
        let kinds: Vec<String> = cache
            .outbox_pending()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| *k == "exchange_registered").count(),
            1,
            "{kinds:?}"
        );
        assert!(matches!(
            cache.verify_audit_log().await.unwrap(),
            crate::AuditCheck::Intact { entries: 2 }
        ));
    });
}

/// The parent and the child it kills open one file, so they share one key.
fn test_key() -> crate::FieldKey {
    crate::FieldKey::from_hex(&"5a".repeat(32)).unwrap()
}
