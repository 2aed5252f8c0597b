//! Issue 20 item 3: two records of one customer, each with an order from its own desk and one with a
//! consent record, are merged on the central store: every order and consent moves to the record
//! kept, the one merged away is kept as it was, the audit log says who merged, each desk pulls its
//! order again with the customer it now belongs to, and a desk that sends the old record later is
//! mapped to the one kept.

use chrono::Utc;
use skranke_core::{ConsentChannel, ConsentPurpose, ConsentRecord};
use skranke_protocol::{ConsentRecorded, MutationKind};
use uuid::Uuid;

use crate::support::*;

async fn count(s: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&s.pool).await.unwrap()
}

#[tokio::test]
async fn a_merge_keeps_the_orders_of_both_sides_and_travels_to_the_desks() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let first = s.pair("OSL").await;
    let second = s.pair("OSL").await;
    let kari = valid_order(&products);
    let kari_again = valid_order_with(&products, |d| {
        d.customer.name = "Kari Nordmann".into();
        d.customer.phone = "900 00 001".into();
    });
    let a = order_placed(&format!("{}-000001", first.series), &kari);
    let b = order_placed(&format!("{}-000001", second.series), &kari_again);
    let r = s
        .push(&first, vec![mutation(1, MutationKind::OrderPlaced, &a)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let consent = ConsentRecorded {
        record_id: Uuid::now_v7(),
        customer_id: b.customer_id,
        record: ConsentRecord {
            purpose: ConsentPurpose::Marketing,
            given: true,
            at: Utc::now(),
            staff: "Ola".into(),
            channel: ConsentChannel::Telefon,
            text_version: 1,
            text: "Vil du ha tilbud og nyheter fra oss?".into(),
        },
    };
    let r = s
        .push(
            &second,
            vec![
                mutation(1, MutationKind::OrderPlaced, &b),
                mutation(2, MutationKind::ConsentRecorded, &consent),
            ],
        )
        .await;
    assert_eq!(r.body["results"][1]["outcome"], "applied", "{}", r.body);
    assert_eq!(count(&s, "SELECT count(*) FROM customers").await, 2);

    // Before: each desk's pull carries its order with its own customer.
    let before = s
        .get("/v1/pull?stream=orders&limit=100", Some(&second.token))
        .await;
    let cursor = before.body["cursor"].as_str().unwrap().to_string();

    let report = skranke_central::customer_merge::merge_customers(
        &s.pool,
        "OSL",
        b.customer_id,
        a.customer_id,
        "leder@kontor",
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.orders, report.consents), (1, 1));
    let owners: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT number, customer_id FROM orders ORDER BY number")
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert!(owners.iter().all(|(_, c)| *c == a.customer_id), "{owners:?}");
    assert_eq!(owners.len(), 2);
    let consent_owner: Uuid = sqlx::query_scalar("SELECT customer_id FROM consent_records")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(consent_owner, a.customer_id);
    assert_eq!(count(&s, "SELECT count(*) FROM customers").await, 1);
    let kept: serde_json::Value = sqlx::query_scalar("SELECT from_body FROM customer_merges")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        kept["phone"], "+4790000001",
        "the record merged away is kept as it was"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM central_audit WHERE action = 'kunder slått sammen' AND actor = 'leder@kontor'").await,
        1
    );

    // The second desk pulls its order again, now with the customer kept.
    let after = s
        .get(
            &format!("/v1/pull?stream=orders&limit=100&cursor={cursor}"),
            Some(&second.token),
        )
        .await;
    let changes = after.body["changes"].as_array().unwrap();
    let moved = changes
        .iter()
        .find(|c| c["order"]["order_number"] == b.order_number.as_str())
        .expect("the moved order is pulled again");
    assert_eq!(moved["order"]["customer_id"], a.customer_id.to_string());

    // The second desk was offline: its next order still names the record merged away.
    let late = order_placed(&format!("{}-000002", second.series), &kari_again);
    let late = skranke_protocol::OrderPlaced {
        customer_id: b.customer_id,
        ..late
    };
    let r = s
        .push(&second, vec![mutation(3, MutationKind::OrderPlaced, &late)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    assert_eq!(count(&s, "SELECT count(*) FROM customers").await, 1);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM orders WHERE customer_id = (SELECT into_id FROM customer_merges)"
        )
        .await,
        3
    );

    // Merged away once, the record is gone: merging it again is refused in words.
    let again = skranke_central::customer_merge::merge_customers(
        &s.pool,
        "OSL",
        b.customer_id,
        a.customer_id,
        "leder@kontor",
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(
        again.body.message.contains("Begge kundene"),
        "{}",
        again.body.message
    );
}
