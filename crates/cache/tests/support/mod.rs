//! What the cache's test binaries share: placing an order the way the desk does (through core's
//! validation), straight into the cache.
#![allow(dead_code)] // each test binary takes what it needs

use chrono::{DateTime, Utc};
use skranke_cache::Cache;
use skranke_core::ShopPolicy;

/// Imports a small demo catalog and places one order of its first product at `placed`, for the
/// customer with `phone`; with `fodselsnummer`, paid by Klarna faktura (P3: a fødselsnummer is taken
/// for credit only). Returns the order number.
pub async fn place(cache: &Cache, placed: DateTime<Utc>, phone: &str, fodselsnummer: Option<&str>) -> String {
    let today = placed.date_naive();
    let products: Vec<_> = skranke_demo::products(10, 1, placed, today).collect();
    cache.import_products(&products).await.unwrap();
    let mut draft = skranke_demo::phone_order(products.iter().take(1), 1);
    draft.customer.phone = phone.into();
    if let Some(fnr) = fodselsnummer {
        draft.customer.fodselsnummer = fnr.into();
        draft.payment_method = "klarna_faktura".into();
    }
    let order = skranke_core::order::validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today.and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    assert_eq!(order.fodselsnummer.is_some(), fodselsnummer.is_some());
    cache
        .place_order(uuid::Uuid::new_v4(), &order, placed)
        .await
        .unwrap()
        .order_number
}
