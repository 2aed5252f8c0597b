//! Catalog import and search against a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{NaiveDate, Utc};
use skranke_cache::Cache;
use skranke_core::{Availability, Money, MvaRate, Product};

fn product(sku: &str, name: &str, brand: &str, eans: &[&str]) -> Product {
    Product {
        sku: sku.into(),
        eans: eans.iter().map(|e| e.to_string()).collect(),
        name: name.into(),
        brand: brand.into(),
        category: "Kjøkken".into(),
        price: Money::from_ore(129_900),
        mva_rate: MvaRate::General,
        availability: Availability::InStock,
        availability_as_of: Some(Utc::now()),
        supplier_direct: false,
    }
}

async fn open() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(
        &dir.path().join("desk.sqlite3"),
        skranke_cache::FieldKey::generate(),
    )
    .await
    .unwrap();
    (dir, cache)
}

#[tokio::test]
async fn prefix_search_over_name_brand_sku_and_ean() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("KJK-1", "Kaffetrakter Classic", "Moccamaster", &["7000000000017"]),
            product("KJK-2", "Vannkoker Stål", "Wilfa", &["7000000000024"]),
            product("VRK-3", "Slagdrill 18 V", "Bosch", &["7000000000031"]),
        ])
        .await
        .unwrap();
    let skus =
        |hits: Vec<skranke_cache::ProductHit>| hits.into_iter().map(|h| h.product.sku).collect::<Vec<_>>();
    assert_eq!(
        skus(cache.search_products("kaffetr", 10).await.unwrap()),
        ["KJK-1"]
    );
    assert_eq!(
        skus(cache.search_products("mocca kaffe", 10).await.unwrap()),
        ["KJK-1"]
    );
    assert_eq!(skus(cache.search_products("WILF", 10).await.unwrap()), ["KJK-2"]);
    assert_eq!(skus(cache.search_products("vrk-3", 10).await.unwrap()), ["VRK-3"]);
    assert_eq!(
        skus(cache.search_products("700000000003", 10).await.unwrap()),
        ["VRK-3"]
    );
    assert!(
        cache
            .search_products("moccamaster bosch", 10)
            .await
            .unwrap()
            .is_empty(),
        "every word must match"
    );
    assert!(
        cache
            .search_products("\"*) OR NEAR(", 10)
            .await
            .unwrap()
            .is_empty(),
        "FTS syntax is inert"
    );
}

#[tokio::test]
async fn norwegian_letters_are_their_own_letters() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("A-1", "Ullpledd Blå", "Røros Tweed", &[]),
            product("A-2", "Pledd Bla", "Roros", &[]),
            product("A-3", "Kjøkkenkrakk Ærlig", "Åsnes", &[]),
        ])
        .await
        .unwrap();
    let skus =
        |hits: Vec<skranke_cache::ProductHit>| hits.into_iter().map(|h| h.product.sku).collect::<Vec<_>>();
    assert_eq!(skus(cache.search_products("blå", 10).await.unwrap()), ["A-1"]);
    assert_eq!(skus(cache.search_products("BLÅ", 10).await.unwrap()), ["A-1"]);
    assert_eq!(skus(cache.search_products("bla", 10).await.unwrap()), ["A-2"]);
    assert_eq!(skus(cache.search_products("rør", 10).await.unwrap()), ["A-1"]);
    assert_eq!(
        skus(cache.search_products("kjøkk", 10).await.unwrap()),
        ["A-3"],
        "names, not the category"
    );
    assert_eq!(skus(cache.search_products("ærl ås", 10).await.unwrap()), ["A-3"]);
    assert!(cache.search_products("kjokk", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn scanner_ean_and_sku_are_exact_and_first() {
    let (_dir, cache) = open().await;
    let products: Vec<Product> =
        skranke_demo::products(500, 3, Utc::now(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).collect();
    cache.import_products(&products).await.unwrap();
    let target = &products[321];
    let hits = cache.search_products(&target.eans[0], 10).await.unwrap();
    assert!(hits[0].exact);
    assert_eq!(hits[0].product, *target, "every field round-trips");
    assert_eq!(
        cache
            .product_by_code(&target.sku.to_lowercase())
            .await
            .unwrap()
            .unwrap()
            .sku,
        target.sku
    );
    assert_eq!(cache.product_by_code("7099999999999").await.unwrap(), None);
}

#[tokio::test]
async fn reimport_replaces_fields_eans_and_index() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[product("X-1", "Gammelt navn", "Merke", &["7000000000017"])])
        .await
        .unwrap();
    let mut changed = product("X-1", "Nytt navn", "Merke", &["7000000000024"]);
    changed.price = Money::from_ore(99_900);
    changed.availability = Availability::OrderedConfirmed {
        date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
    };
    let stats = cache.import_products(&[changed.clone()]).await.unwrap();
    assert_eq!(stats.products, 1);
    assert_eq!(cache.product_count().await.unwrap(), 1);
    assert!(cache.search_products("gammelt", 10).await.unwrap().is_empty());
    assert_eq!(
        cache.search_products("nytt", 10).await.unwrap()[0].product,
        changed
    );
    assert_eq!(
        cache.product_by_code("7000000000017").await.unwrap(),
        None,
        "the old EAN is gone"
    );
    assert_eq!(
        cache.product_by_code("7000000000024").await.unwrap().unwrap().sku,
        "X-1"
    );
}

/// The desk numbers new products itself (issue 21's import): a batch mixing products already there,
/// new ones and one SKU twice keeps ids apart and lets the later row of a SKU win.
#[tokio::test]
async fn a_batch_mixing_new_existing_and_repeated_skus() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("A-1", "Kaffetrakter", "Moccamaster", &["7000000000017"]),
            product("B-2", "Vannkoker", "Bosch", &["7000000000024"]),
        ])
        .await
        .unwrap();
    let stats = cache
        .import_products(&[
            product("C-3", "Brødrister", "Philips", &["7000000000031"]),
            product("A-1", "Kaffetrakter gammel", "Moccamaster", &["7000000000017"]),
            product("D-4", "Mikrobølgeovn", "Samsung", &["7000000000048"]),
            product("A-1", "Kaffetrakter ny", "Moccamaster", &["7000000000055"]),
        ])
        .await
        .unwrap();
    assert_eq!(stats.products, 3, "A-1 twice is one product");
    assert_eq!(cache.product_count().await.unwrap(), 4);
    for (code, sku) in [
        ("7000000000024", "B-2"),
        ("7000000000031", "C-3"),
        ("7000000000048", "D-4"),
        ("7000000000055", "A-1"),
    ] {
        assert_eq!(
            cache.product_by_code(code).await.unwrap().unwrap().sku,
            sku,
            "{code}"
        );
    }
    assert_eq!(cache.product_by_code("7000000000017").await.unwrap(), None);
    let hits = cache.search_products("kaffetrakter", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].product.name, "Kaffetrakter ny");
    assert!(cache.search_products("gammel", 10).await.unwrap().is_empty());
    assert_eq!(
        cache.search_products("mikro", 10).await.unwrap()[0].product.sku,
        "D-4"
    );
    assert_eq!(
        cache.search_products("vannkoker", 10).await.unwrap()[0]
            .product
            .sku,
        "B-2"
    );
}

/// The search index is written once per batch at its end (issue 21): a product that comes twice in
/// one batch, statements apart, is indexed once under its last name, whether it was there before or
/// new in the batch.
#[tokio::test]
async fn a_product_twice_in_a_long_batch_is_indexed_once_by_its_last_name() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[product("A-1", "Kaffetrakter gammel", "Moccamaster", &[])])
        .await
        .unwrap();
    let mut batch = vec![
        product("A-1", "Kaffetrakter mellom", "Moccamaster", &[]),
        product("N-1", "Vannkoker først", "Wilfa", &[]),
    ];
    batch.extend((0..2_500).map(|i| product(&format!("F-{i}"), &format!("Fyll {i}"), "Fyllmerke", &[])));
    batch.push(product("A-1", "Kaffetrakter sist", "Moccamaster", &[]));
    batch.push(product("N-1", "Vannkoker sist", "Wilfa", &[]));
    cache.import_products(&batch).await.unwrap();

    let names =
        |hits: Vec<skranke_cache::ProductHit>| hits.into_iter().map(|h| h.product.name).collect::<Vec<_>>();
    assert_eq!(
        names(cache.search_products("kaffetrakter", 10).await.unwrap()),
        ["Kaffetrakter sist"]
    );
    assert_eq!(
        names(cache.search_products("vannkoker", 10).await.unwrap()),
        ["Vannkoker sist"]
    );
    for old in ["gammel", "mellom", "først"] {
        assert!(cache.search_products(old, 10).await.unwrap().is_empty(), "{old}");
    }
    assert_eq!(
        names(cache.search_products("fyll 2499", 10).await.unwrap()),
        ["Fyll 2499"]
    );
}

/// Issue 21: whole words are tried first, then the last word as a prefix, then every word as one;
/// whole-word matches come first, and unfinished words still find what they start.
#[tokio::test]
async fn whole_words_first_and_unfinished_words_still_find() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("A-1", "Kaffetrakter Sort", "Moccamaster", &[]),
            product("B-1", "Kaffe Sort", "Friele", &[]),
            product("C-1", "Kaffeboks Sortert", "Rosti", &[]),
            product("D-1", "Vannkoker Hvit", "Bosch", &[]),
        ])
        .await
        .unwrap();
    let skus =
        |hits: Vec<skranke_cache::ProductHit>| hits.into_iter().map(|h| h.product.sku).collect::<Vec<_>>();
    assert_eq!(
        skus(cache.search_products("kaffe sort", 10).await.unwrap()),
        ["B-1", "A-1", "C-1"],
        "both words whole first; then a whole word ranks above the start of one"
    );
    assert_eq!(
        skus(cache.search_products("kaffet sor", 10).await.unwrap()),
        ["A-1"]
    );
    assert_eq!(
        skus(cache.search_products("vannkoker", 10).await.unwrap()),
        ["D-1"]
    );
    assert!(cache.search_products("kaffe hvit", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_match_in_the_name_ranks_above_one_in_the_brand() {
    let (_dir, cache) = open().await;
    let by_brand = product("E-1", "Espressomaskin Stål", "Kaffekompaniet", &[]);
    let by_name = product("K-1", "Kaffe Mørkbrent", "Friele", &[]);
    cache.import_products(&[by_brand, by_name]).await.unwrap();
    let hits = cache.search_products("kaffe", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.product.sku.as_str()).collect::<Vec<_>>(),
        ["K-1", "E-1"]
    );
}

#[tokio::test]
async fn the_start_of_a_sku_lists_by_article_number() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("HAG-0102", "Spade", "Fiskars", &[]),
            product("HAG-0101", "Rive", "Fiskars", &[]),
            product("HAG-0200", "Grill", "Weber", &[]),
        ])
        .await
        .unwrap();
    let hits = cache.search_products("hag-01", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.product.sku.as_str()).collect::<Vec<_>>(),
        ["HAG-0101", "HAG-0102"]
    );
}

#[tokio::test]
async fn a_broad_query_still_fills_the_page() {
    let (_dir, cache) = open().await;
    let products: Vec<Product> = skranke_demo::products(
        3_000,
        5,
        Utc::now(),
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .collect();
    cache.import_products(&products).await.unwrap();
    let hits = cache.search_products("ka", 25).await.unwrap();
    assert_eq!(hits.len(), 25);
    assert!(hits.iter().all(|h| !h.exact));
    // One letter is not searched by name: the window asks for a second.
    assert!(cache.search_products("k", 25).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_last_word_of_one_letter_keeps_the_matches_with_a_word_starting_so() {
    let (_dir, cache) = open().await;
    cache
        .import_products(&[
            product("A-1", "Bosch Kaffetrakter Sort", "Bosch", &[]),
            product("B-1", "Bosch Vannkoker Hvit", "Bosch", &[]),
            product("C-1", "Bosch Kjøkkenvekt", "Bosch", &[]),
            product("D-1", "Friele Kaffe", "Friele", &[]),
        ])
        .await
        .unwrap();
    let skus = |hits: Vec<skranke_cache::ProductHit>| {
        let mut skus: Vec<String> = hits.into_iter().map(|h| h.product.sku).collect();
        skus.sort();
        skus
    };
    // "bosch k": the finished word finds all of Bosch, the letter keeps those with a word on k.
    assert_eq!(
        skus(cache.search_products("bosch k", 10).await.unwrap()),
        ["A-1", "C-1"]
    );
    assert_eq!(skus(cache.search_products("Bosch V", 10).await.unwrap()), ["B-1"]);
    assert_eq!(
        skus(cache.search_products("bosch s", 10).await.unwrap()),
        ["A-1"],
        "any word of the name, not only the next one"
    );
    assert!(cache.search_products("bosch f", 10).await.unwrap().is_empty());
    assert_eq!(
        skus(cache.search_products("friele k", 10).await.unwrap()),
        ["D-1"]
    );
}
