use skranke_protocol::{PullResponse, Stream};

use crate::support::{catalog, TestServer};

async fn pull(s: &TestServer, token: &str, stream: Stream, cursor: &str, limit: u32) -> PullResponse {
    let r = s
        .get(
            &format!("/v1/pull?stream={}&cursor={cursor}&limit={limit}", stream.code()),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

/// Reads a stream to its end from `cursor`; returns the keys seen and the new cursor.
async fn drain(s: &TestServer, token: &str, stream: Stream, mut cursor: String) -> (Vec<String>, String) {
    let mut keys = Vec::new();
    loop {
        let page = pull(s, token, stream, &cursor, 100).await;
        keys.extend(page.changes.iter().map(|c| c.key.clone()));
        cursor = page.cursor.0;
        if !page.has_more {
            return (keys, cursor);
        }
    }
}

/// Two writers take their sequence numbers in one order and commit in the other. A reader that pulls
/// between the two commits must still see both rows afterwards; a plain `seq > cursor` reader does not.
#[tokio::test]
async fn rows_committed_out_of_sequence_order_are_never_skipped() {
    let s = TestServer::start().await;
    let products = catalog(4);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let (_, start) = drain(&s, &desk.token, Stream::Catalog, "0.0".into()).await;
    let naive_start: i64 = sqlx::query_scalar("SELECT max(sync_seq) FROM products")
        .fetch_one(&s.pool)
        .await
        .unwrap();

    let mut first = s.pool.begin().await.unwrap();
    let mut second = s.pool.begin().await.unwrap();
    let a = products[0].sku.clone();
    let b = products[1].sku.clone();
    let seq_a: i64 = sqlx::query_scalar(
        "UPDATE products SET price_ore = price_ore + 100 WHERE sku = $1 RETURNING sync_seq",
    )
    .bind(&a)
    .fetch_one(&mut *first)
    .await
    .unwrap();
    let seq_b: i64 = sqlx::query_scalar(
        "UPDATE products SET price_ore = price_ore + 100 WHERE sku = $1 RETURNING sync_seq",
    )
    .bind(&b)
    .fetch_one(&mut *second)
    .await
    .unwrap();
    assert!(seq_a < seq_b, "the first writer took the lower number");
    second.commit().await.unwrap();

    // Between the commits: the reader pulls, and so does a naive reader on sync_seq alone.
    let (between, cursor) = drain(&s, &desk.token, Stream::Catalog, start).await;
    let naive_between: Vec<(String, i64)> =
        sqlx::query_as("SELECT sku, sync_seq FROM products WHERE sync_seq > $1 ORDER BY sync_seq")
            .bind(naive_start)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert_eq!(
        naive_between,
        vec![(b.clone(), seq_b)],
        "the naive reader sees only the later number"
    );
    let naive_cursor = seq_b;

    first.commit().await.unwrap();
    let (after, _) = drain(&s, &desk.token, Stream::Catalog, cursor).await;
    let naive_after: Vec<String> =
        sqlx::query_scalar("SELECT sku FROM products WHERE sync_seq > $1 ORDER BY sync_seq")
            .bind(naive_cursor)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert!(naive_after.is_empty(), "the naive reader skipped {a} for good");

    let mut seen: Vec<String> = between.into_iter().chain(after).collect();
    seen.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(seen, expected, "our reader saw both rows, each once");
}

#[tokio::test]
async fn pages_follow_the_cursor_and_an_idle_pull_is_tiny() {
    let s = TestServer::start().await;
    let products = catalog(250);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let mut cursor = "0.0".to_string();
    let mut keys = Vec::new();
    let mut pages = 0;
    loop {
        let page = pull(&s, &desk.token, Stream::Catalog, &cursor, 100).await;
        pages += 1;
        assert!(page.changes.len() <= 100);
        keys.extend(page.changes.iter().map(|c| c.key.clone()));
        cursor = page.cursor.0;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(pages, 3);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 250);
    let first = pull(&s, &desk.token, Stream::Catalog, "0.0", 1).await;
    let p = first.changes[0].product.as_ref().unwrap();
    let source = products.iter().find(|x| x.sku == p.sku).unwrap();
    assert_eq!(
        (p.price_ore, &p.name, &p.eans),
        (source.price.ore(), &source.name, &source.eans)
    );

    // Nothing changed: the same cursor back, in well under a kilobyte.
    let url = format!("{}/v1/pull?stream=catalog&cursor={cursor}", s.base);
    let bytes = s
        .http
        .get(&url)
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let idle: PullResponse = serde_json::from_slice(&bytes).unwrap();
    assert!(idle.changes.is_empty() && !idle.has_more);
    assert_eq!(idle.cursor.0, cursor);
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());

    // The whole idle poll of all three streams is one request, still under a kilobyte.
    let heads: Vec<String> = {
        let mut v = vec![cursor.clone()];
        for stream in ["availability", "orders"] {
            let r = s
                .get(&format!("/v1/pull?stream={stream}&limit=5000"), Some(&desk.token))
                .await;
            v.push(r.body["cursor"].as_str().unwrap().to_string());
        }
        v
    };
    let url = format!(
        "{}/v1/changes?catalog={}&availability={}&orders={}",
        s.base, heads[0], heads[1], heads[2]
    );
    let bytes = s
        .http
        .get(&url)
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let all: skranke_protocol::ChangesResponse = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(all.pages.len(), skranke_protocol::Stream::ALL.len());
    assert!(all.pages.iter().all(|p| p.changes.is_empty() && !p.has_more));
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
}

#[tokio::test]
async fn deletions_travel_as_tombstones() {
    let s = TestServer::start().await;
    let products = catalog(10);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let (_, cursor) = drain(&s, &desk.token, Stream::Catalog, "0.0".into()).await;
    let (_, av_cursor) = drain(&s, &desk.token, Stream::Availability, "0.0".into()).await;

    // The next complete feed lacks the last product.
    s.import(&products[..9]).await;
    let page = pull(&s, &desk.token, Stream::Catalog, &cursor, 100).await;
    let tombstone_cursor = page.cursor.0.clone();
    assert_eq!(page.changes.len(), 1);
    let gone = &page.changes[0];
    assert_eq!(gone.key, products[9].sku);
    assert!(gone.deleted && gone.product.is_none());
    let page = pull(&s, &desk.token, Stream::Availability, &av_cursor, 100).await;
    assert_eq!(page.changes.len(), 1);
    assert!(page.changes[0].deleted);

    // It comes back when the feed has it again.
    s.import(&products).await;
    let again = pull(&s, &desk.token, Stream::Catalog, &tombstone_cursor, 100).await;
    assert_eq!(again.changes.len(), 1, "only the product that came back");
    assert_eq!(again.changes[0].key, products[9].sku);
    assert!(!again.changes[0].deleted && again.changes[0].product.is_some());
}
