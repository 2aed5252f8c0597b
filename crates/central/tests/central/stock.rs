//! Issue 20 item 5: units held while the customer pays. The last unit ordered from two desks goes to
//! the first; the second's line is back-ordered and flagged in the push's answer (at once when the desk
//! is online, when the order arrives when it was not). The held unit shows as "må bestilles" in the
//! store's availability stream; it is free again when the payment request expires, and sold when
//! the customer pays.

use chrono::Utc;
use serde_json::Value;
use skranke_core::PaymentMethod;
use skranke_protocol::MutationKind;

use crate::support::*;

async fn status(s: &TestServer, sku: &str) -> String {
    sqlx::query_scalar("SELECT status FROM store_availability WHERE store_id = 'OSL' AND sku = $1")
        .bind(sku)
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

async fn units_left(s: &TestServer, sku: &str) -> Option<i32> {
    sqlx::query_scalar("SELECT units FROM store_availability WHERE store_id = 'OSL' AND sku = $1")
        .bind(sku)
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

async fn units(s: &TestServer, sku: &str) -> i32 {
    sqlx::query_scalar("SELECT units FROM stock WHERE store_id = 'OSL' AND sku = $1")
        .bind(sku)
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

async fn holds(s: &TestServer) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT o.number, h.released_why FROM stock_holds h JOIN orders o ON o.id = h.order_id ORDER BY o.number",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_last_unit_goes_to_one_desk_and_is_freed_on_expiry_and_sold_on_payment() {
    let s = TestServer::start_with_providers(None).await;
    let products = catalog(3);
    s.import(&products).await;
    let sku = products[0].sku.clone();
    skranke_central::stock::set_stock(&s.pool, "OSL", &sku, 1, Utc::now())
        .await
        .unwrap();
    assert_eq!(status(&s, &sku).await, "in_stock");
    let first = s.pair("OSL").await;
    let second = s.pair("OSL").await;
    let one_unit = |method: PaymentMethod| {
        valid_order_with(&products[..1], |d| {
            d.lines[0].quantity = 1;
            d.payment_method = method.code().into();
            d.customer.email = "kari@example.no".into();
        })
    };
    let a = order_placed(
        &format!("{}-000001", first.series),
        &one_unit(PaymentMethod::Vipps),
    );
    let b = order_placed(
        &format!("{}-000001", second.series),
        &one_unit(PaymentMethod::Vipps),
    );
    // Both desks push at the same moment: the stock row's lock serves them in turn.
    let (ra, rb) = tokio::join!(
        s.push(&first, vec![mutation(1, MutationKind::OrderPlaced, &a)]),
        s.push(&second, vec![mutation(1, MutationKind::OrderPlaced, &b)])
    );
    let outcomes: Vec<&Value> = [&ra, &rb].iter().map(|r| &r.body["results"][0]).collect();
    let flagged: Vec<&&Value> = outcomes
        .iter()
        .filter(|o| o["outcome"] == "applied_with_flags")
        .collect();
    assert_eq!(flagged.len(), 1, "one desk gets the unit: {outcomes:?}");
    let flag = &flagged[0]["flags"][0];
    assert_eq!(flag["code"], "back_ordered", "{flag}");
    assert_eq!(flag["availability"], "must_order");
    assert_eq!(holds(&s).await.len(), 1);
    let holder = holds(&s).await[0].0.clone();
    let (winner, loser) = if holder == a.order_number {
        (&first, &second)
    } else {
        (&second, &first)
    };
    assert_eq!(
        status(&s, &sku).await,
        "must_order",
        "the held unit is not available"
    );
    // The other desk sees it in the availability it pulls.
    let pulled = s
        .get("/v1/pull?stream=availability&limit=1000", Some(&loser.token))
        .await;
    let row = pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["availability"]["sku"] == sku.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["availability"]["status"], "must_order", "{row}");
    assert_eq!(row["availability"]["units"], 0, "none left to sell: {row}");
    let _ = winner;

    // The customer never pays: the request expires and the unit is free again.
    s.work_outboxes().await;
    s.fake_control(&format!("vipps/{holder}-1/expire")).await;
    assert_eq!(holds(&s).await[0].1.as_deref(), Some("utløpt"));
    assert_eq!(status(&s, &sku).await, "in_stock");
    assert_eq!(units(&s, &sku).await, 1, "an expired hold sells nothing");
    assert_eq!(
        units_left(&s, &sku).await,
        Some(1),
        "the desks see the unit again"
    );

    // The next customer pays: the unit is sold.
    let c = order_placed(
        &format!("{}-000002", first.series),
        &one_unit(PaymentMethod::Vipps),
    );
    let r = s
        .push(&first, vec![mutation(2, MutationKind::OrderPlaced, &c)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    s.fake_control(&format!("vipps/{}-1/approve?user_age=40", c.order_number))
        .await;
    let ended = holds(&s).await;
    let paid = ended.iter().find(|h| h.0 == c.order_number).unwrap();
    assert_eq!(paid.1.as_deref(), Some("betalt"));
    assert_eq!(units(&s, &sku).await, 0);
    assert_eq!(status(&s, &sku).await, "must_order");

    // Sent again under a new seq (a desk paired again), the paid order holds nothing twice.
    let r = s
        .push(&first, vec![mutation(3, MutationKind::OrderPlaced, &c)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    assert_eq!(holds(&s).await.len(), 2);
}

/// A hold never outlives its order: cancelled before the customer paid, the unit is free again.
#[tokio::test]
async fn a_cancelled_order_frees_its_hold() {
    let s = TestServer::start_with_providers(None).await;
    let products = catalog(2);
    s.import(&products).await;
    let sku = products[0].sku.clone();
    skranke_central::stock::set_stock(&s.pool, "OSL", &sku, 2, Utc::now())
        .await
        .unwrap();
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |d| {
        d.lines[0].quantity = 2;
        d.payment_method = "vipps".into();
    });
    let placed = order_placed(&format!("{}-000001", desk.series), &order);
    s.push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(status(&s, &sku).await, "must_order");
    let cancel = skranke_protocol::OrderCancelled {
        order_id: placed.order_id,
        reason: "Kunden angret".into(),
        cancelled_at_utc: Utc::now(),
        cancelled_by: Some("Kari".into()),
    };
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::OrderCancelled, &cancel)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    assert_eq!(holds(&s).await[0].1.as_deref(), Some("kansellert"));
    assert_eq!(status(&s, &sku).await, "in_stock");
    assert_eq!(units(&s, &sku).await, 2);
}
