//! Issue 21 item 6: full disks. The desk's data folder on a small file system of its own that
//! fills up; the central store's tables on one (a PostgreSQL tablespace on a small tmpfs).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use chrono::Utc;
use common::catalog_and_order;
use skranke_desk::{Desk, DeskError, ErrorCode};
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::small_disk::SmallDisk;

/// A phone order of the first of `products`.
fn order_of(products: &[skranke_core::Product]) -> skranke_core::OrderDraft {
    skranke_demo::phone_order(products.iter().take(1), 1)
}

/// The desk fills its disk mid-day: it places orders until SQLite has no room, and the one that does
/// not fit is refused in Norwegian with its own code. Nothing placed before is damaged: the file is
/// whole, every order is there, and the outbox has no gap. With room again the refused order (the
/// same id, as the window keeps it) is placed once, and the draft saves again.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_on_the_desk_refuses_in_norwegian_and_damages_nothing() {
    let disk = SmallDisk::mount(24 << 20).unwrap();
    let dir = disk.path().join("skranke");
    let now = Utc::now();
    let desk = Desk::open(&dir).await.unwrap();
    desk.import_demo(50, now, |_, _| {}).await.unwrap();
    let today = skranke_desk::oslo_time(now).date();
    let products: Vec<_> = skranke_demo::products(50, 2026, now, today).collect();
    let who = desk.act_as_service("e2e").unwrap();
    let draft = order_of(&products);
    let mut placed = vec![
        desk.place_order(&who, uuid::Uuid::new_v4(), &draft, now)
            .await
            .unwrap()
            .order_number,
    ];

    disk.fill().unwrap();
    // The write-ahead log may have room left from before; the orders that fit there are placed.
    let mut refused = None;
    for _ in 0..5_000 {
        let id = uuid::Uuid::new_v4();
        match desk.place_order(&who, id, &draft, now).await {
            Ok(p) => placed.push(p.order_number),
            Err(e) => {
                refused = Some((id, e));
                break;
            }
        }
    }
    let (refused_id, e) = refused.expect("the disk fills up");
    assert_eq!(e.code(), ErrorCode::DiskFull, "{e:?}");
    assert_eq!(
        e.to_string(),
        "Disken er full: ingenting ble lagret. Frigjør plass på disken (eller ring IT) og prøv igjen."
    );
    let draft_saved = desk.save_draft(refused_id, &draft, now).await;
    assert!(
        matches!(&draft_saved, Err(e) if e.code() == ErrorCode::DiskFull),
        "{draft_saved:?}"
    );

    disk.free().unwrap();
    desk.save_draft(refused_id, &draft, now).await.unwrap();
    let again = desk.place_order(&who, refused_id, &draft, now).await.unwrap();
    assert!(!again.already_placed, "it was never placed");
    placed.push(again.order_number);
    drop(desk);

    // Opened again, as after the day: whole, every order there once, the outbox without a gap.
    let desk = Desk::open(&dir).await.unwrap();
    let health = desk.cache().health().await.unwrap();
    assert!(health.sound(), "{:?}", health.integrity);
    assert_eq!(health.orders, placed.len() as i64);
    for number in &placed {
        desk.show_order(number).await.unwrap();
    }
    let seqs: Vec<i64> = desk
        .cache()
        .outbox_pending()
        .await
        .unwrap()
        .iter()
        .map(|e| e.wire_seq)
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap in the outbox: {seqs:?}"
    );
    assert_eq!(seqs.first(), Some(&1));
    assert!(placed.len() >= 2);
}

/// The central store's disk fills up: a push is refused with 503 and `Retry-After`, nothing is
/// written, and the desk keeps its outbox. With room again the order arrives, once.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_on_the_central_store_answers_503_and_the_desk_keeps_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (products, _) = catalog_and_order(&central, dir.path());
    let desk = Desk::open(&dir.path().join("desk")).await.unwrap();
    let code = central.ok(&["pairing-code", "--store", "OSL"]).unwrap();
    desk.pair(&central.url(), code.trim(), "Skranke 1", Utc::now())
        .await
        .unwrap();
    desk.sync_now(|_, _| {}).await.unwrap();

    // The store's tables move to a small disk of their own (PostgreSQL's own log stays where it
    // is: a full disk there stops the server, which is a crash, not this test).
    let disk = SmallDisk::mount(64 << 20).unwrap();
    disk.give_to("postgres").unwrap();
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    for sql in [
        format!("CREATE TABLESPACE small LOCATION '{}'", disk.path().display()),
        "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE small".to_string(),
        "ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE small".to_string(),
    ] {
        sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
    }
    disk.fill().unwrap();

    let who = desk.act_as_service("e2e").unwrap();
    let placed = desk
        .place_order(&who, uuid::Uuid::new_v4(), &order_of(&products), Utc::now())
        .await
        .unwrap();
    let refused = desk.sync_now(|_, _| {}).await.unwrap_err();
    match &refused {
        DeskError::Sync(skranke_sync::SyncError::Refused {
            status,
            body,
            retry_after,
        }) => {
            assert_eq!(*status, 503);
            assert_eq!(*retry_after, Some(std::time::Duration::from_secs(60)));
            assert!(body.message.contains("disken er full"), "{}", body.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        refused.to_string().contains("Skranken beholder ordrene"),
        "{refused}"
    );
    let state = desk.sync_state().await.unwrap();
    assert_eq!(state.pending, 1, "the order waits in the outbox");
    let on_central: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(on_central, 0, "nothing written");

    disk.free().unwrap();
    desk.sync_now(|_, _| {}).await.unwrap();
    assert_eq!(desk.sync_state().await.unwrap().pending, 0);
    let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM orders")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(numbers, vec![placed.order_number]);
    pool.close().await;
}
