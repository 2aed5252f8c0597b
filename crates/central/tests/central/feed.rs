use std::fmt::Write as _;

use chrono::Utc;
use skranke_central::feed_import::{import_file, Completeness};
use skranke_core::{Availability, Product};
use skranke_protocol::Stream;

use crate::support::{catalog, TestServer};

/// Writes products as a Google Merchant Center TSV feed, with the columns Merchant adds that we ignore.
pub fn merchant_tsv(products: &[Product]) -> String {
    let mut out = String::from("id\ttitle\tdescription\tlink\tbrand\tgtin\tprice\tavailability\tavailability_date\tproduct_type\tcondition\n");
    for p in products {
        let (availability, date) = match p.availability {
            Availability::InStock => ("in_stock", String::new()),
            Availability::OrderedConfirmed { date } => ("backorder", format!("{date}T00:00:00+01:00")),
            Availability::OrderedUnconfirmed => ("backorder", String::new()),
            _ => ("out_of_stock", String::new()),
        };
        let price = p.price.ore();
        writeln!(
            out,
            "{}\t{}\tBeskrivelse\thttps://butikk.example/{}\t{}\t{}\t{}.{:02} NOK\t{availability}\t{date}\t{} > Annet\tnew",
            p.sku,
            p.name,
            p.sku,
            p.brand,
            p.eans.first().cloned().unwrap_or_default(),
            price / 100,
            price % 100,
            p.category,
        )
        .unwrap();
    }
    out
}

async fn stream_len(s: &TestServer, token: &str, stream: Stream, mut cursor: String) -> (usize, String) {
    let mut n = 0;
    loop {
        let r = s
            .get(
                &format!("/v1/pull?stream={}&cursor={cursor}&limit=5000", stream.code()),
                Some(token),
            )
            .await;
        assert_eq!(r.status, 200);
        n += r.body["changes"].as_array().unwrap().len();
        cursor = r.body["cursor"].as_str().unwrap().to_string();
        if r.body["has_more"] == false {
            return (n, cursor);
        }
    }
}

#[tokio::test]
async fn a_10k_merchant_feed_imports_and_a_reimport_writes_only_what_changed() {
    let s = TestServer::start().await;
    let mut products = catalog(10_000);
    // Merchant's availability has fewer statuses than A1: compare with what the feed can say.
    for p in &mut products {
        p.eans.truncate(1);
        p.availability = match p.availability {
            Availability::InStock
            | Availability::OrderedConfirmed { .. }
            | Availability::OrderedUnconfirmed => p.availability,
            _ => Availability::MustOrder,
        };
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.tsv");
    std::fs::write(&path, merchant_tsv(&products)).unwrap();
    let first = import_file(&s.pool, &path, Completeness::Complete, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (first.products_read, first.inserted, first.updated, first.deleted),
        (10_000, 10_000, 0, 0)
    );
    let stored: (i64, i64) =
        sqlx::query_as("SELECT count(*), sum(price_ore)::bigint FROM products WHERE NOT deleted")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        (10_000, products.iter().map(|p| p.price.ore()).sum::<i64>())
    );

    let desk = s.pair("OSL").await;
    let (n, cursor) = stream_len(&s, &desk.token, Stream::Catalog, "0.0".into()).await;
    assert_eq!(n, 10_000);

    // The same feed again: nothing changes, nothing travels.
    let same = import_file(&s.pool, &path, Completeness::Complete, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (same.inserted, same.updated, same.unchanged, same.deleted),
        (0, 0, 10_000, 0)
    );
    assert_eq!(
        stream_len(&s, &desk.token, Stream::Catalog, cursor.clone())
            .await
            .0,
        0
    );

    // 100 new prices, 50 products gone, 20 new ones.
    let mut next = products.clone();
    for p in next.iter_mut().take(100) {
        p.price = skranke_core::Money::from_ore(p.price.ore() + 500);
    }
    next.truncate(next.len() - 50);
    next.extend(catalog(10_020).into_iter().skip(10_000).map(|mut p| {
        p.sku = format!("NY-{}", p.sku);
        p.eans.clear();
        p.availability = Availability::InStock;
        p
    }));
    std::fs::write(&path, merchant_tsv(&next)).unwrap();
    let r = import_file(&s.pool, &path, Completeness::Complete, Utc::now())
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.deleted), (20, 100, 50));
    assert_eq!(r.unchanged, 9_850);
    assert_eq!(stream_len(&s, &desk.token, Stream::Catalog, cursor).await.0, 170);
}

#[tokio::test]
async fn a_local_inventory_feed_sets_a_stores_own_availability() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let oslo = s.pair("OSL").await;
    let bergen = s.pair("BRG").await;
    let (_, oslo_cursor) = stream_len(&s, &oslo.token, Stream::Availability, "0.0".into()).await;
    let (_, bergen_cursor) = stream_len(&s, &bergen.token, Stream::Availability, "0.0".into()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lokal.tsv");
    std::fs::write(
        &path,
        format!(
            "store_code\tid\tavailability\tquantity\nOSL\t{}\tout_of_stock\t0\n",
            products[0].sku
        ),
    )
    .unwrap();
    import_file(&s.pool, &path, Completeness::Complete, Utc::now())
        .await
        .unwrap();
    let r = s
        .get(
            &format!("/v1/pull?stream=availability&cursor={oslo_cursor}"),
            Some(&oslo.token),
        )
        .await;
    let changes = r.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["key"], format!("OSL/{}", products[0].sku));
    assert_eq!(changes[0]["availability"]["status"], "must_order");
    assert_eq!(changes[0]["availability"]["store_id"], "OSL");
    assert_eq!(
        stream_len(&s, &bergen.token, Stream::Availability, bergen_cursor)
            .await
            .0,
        0
    );

    // The next local feed for Oslo no longer lists it: the override is withdrawn (a tombstone).
    std::fs::write(&path, "store_code\tid\tavailability\n").unwrap();
    let _ = import_file(&s.pool, &path, Completeness::Complete, Utc::now()).await;
    std::fs::write(
        &path,
        format!(
            "store_code\tid\tavailability\nOSL\t{}\tin_stock\n",
            products[1].sku
        ),
    )
    .unwrap();
    import_file(&s.pool, &path, Completeness::Complete, Utc::now())
        .await
        .unwrap();
    let r = s
        .get(
            &format!(
                "/v1/pull?stream=availability&cursor={}",
                r.body["cursor"].as_str().unwrap()
            ),
            Some(&oslo.token),
        )
        .await;
    let changes = r.body["changes"].as_array().unwrap();
    let withdrawn = changes
        .iter()
        .find(|c| c["key"] == format!("OSL/{}", products[0].sku))
        .unwrap();
    assert_eq!(withdrawn["deleted"], true);
}
