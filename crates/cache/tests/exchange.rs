//! An exchange at the desk (R3 bytte): the return and the new order are written together with one
//! outbox entry, under the next number of the desk's series; a second click records nothing new,
//! and the goods cannot come back twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::Utc;
use skranke_cache::{Cache, CacheError, NewExchange};
use skranke_core::exchange::{exchange_order, exchange_terms, seller_at_fault};
use skranke_core::order::LineDraft;
use skranke_core::return_request::{validate_return, ReturnLineDraft};
use skranke_core::{ReturnDraft, ShopPolicy, ValidOrder, ValidReturn};
use skranke_protocol::ExchangeRegistered;
use uuid::Uuid;

mod support;

async fn open(dir: &std::path::Path) -> Cache {
    Cache::open(
        &dir.join("desk.sqlite3"),
        skranke_cache::FieldKey::from_hex(&"5a".repeat(32)).unwrap(),
    )
    .await
    .unwrap()
}

fn back(order: &ValidOrder) -> ValidReturn {
    let draft = ReturnDraft {
        lines: vec![ReturnLineDraft {
            line_no: 1,
            quantity: i64::from(order.lines[0].quantity),
            reason: "feil_vare".into(),
        }],
        ..Default::default()
    };
    validate_return(&order.lines, &vec![0; order.lines.len()], &draft).unwrap()
}

#[tokio::test]
async fn an_exchange_is_one_transaction_with_one_outbox_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = open(dir.path()).await;
    let number = support::place(&cache, Utc::now(), "41234567", None).await;
    let original = cache.order_by_number(&number).await.unwrap().unwrap();
    let today = Utc::now().date_naive();
    let products: Vec<_> = skranke_demo::products(10, 1, Utc::now(), today).collect();
    let ret = back(&original.order);
    let new_order = exchange_order(
        &original.order,
        &[LineDraft {
            discount: None,
            sku: products[7].sku.clone(),
            quantity: 1,
        }],
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today.and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
        seller_at_fault(&ret),
    )
    .unwrap();
    let terms = exchange_terms(&original.order, &[0, 0, 0], &ret, &new_order);
    let (before_orders, _, before_outbox) = cache.counts().await.unwrap();
    let e = NewExchange {
        original_order_id: &original.order_id,
        return_id: Uuid::now_v7(),
        new_order_id: Uuid::now_v7(),
        ret: &ret,
        new_order: &new_order,
        terms: &terms,
    };
    let first = cache.record_exchange(e, Utc::now()).await.unwrap();
    assert!(!first.already_recorded);
    assert_eq!(first.return_no, 1);
    assert_ne!(first.new_order_number, number);
    let again = cache.record_exchange(e, Utc::now()).await.unwrap();
    assert!(again.already_recorded);
    assert_eq!(again.new_order_number, first.new_order_number);
    let (orders, _, outbox) = cache.counts().await.unwrap();
    // The exchange and its audit entry.
    assert_eq!((orders, outbox), (before_orders + 1, before_outbox + 2));

    let new = cache
        .order_by_number(&first.new_order_number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.order.lines.len(), 1);
    assert_eq!(new.order.customer, original.order.customer);
    let stored = cache.exchange_of(&new.order_id).await.unwrap().unwrap();
    assert_eq!(stored.original_number, number);
    assert_eq!(stored.terms, terms);
    assert_eq!(
        cache.returned_quantities(&original.order_id).await.unwrap()[0],
        original.order.lines[0].quantity
    );

    let pending = cache.outbox_pending().await.unwrap();
    let entries: Vec<_> = pending
        .iter()
        .filter(|x| x.kind == "exchange_registered")
        .collect();
    assert_eq!(entries.len(), 1);
    let entry = entries[0];
    let payload: ExchangeRegistered = serde_json::from_str(&entry.payload).unwrap();
    assert_eq!(payload.new_order_number, first.new_order_number);
    assert_eq!(payload.terms, terms);
    assert_eq!(payload.ret, ret);

    // The same goods cannot come back in a second exchange: nothing of it is written.
    let second = NewExchange {
        return_id: Uuid::now_v7(),
        new_order_id: Uuid::now_v7(),
        ..e
    };
    let refused = cache.record_exchange(second, Utc::now()).await.unwrap_err();
    assert!(matches!(refused, CacheError::ReturnExceeds(_)), "{refused:?}");
    assert_eq!(cache.counts().await.unwrap().0, before_orders + 1);
}
