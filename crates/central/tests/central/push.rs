use chrono::Utc;
use skranke_protocol::{MutationKind, OrderCancelled, PushResponse, ReturnRegistered};
use uuid::Uuid;

use crate::support::{
    at, catalog, mutation, order_placed, push_body, tampered, valid_order, valid_return, TestServer,
    ADMIN_TOKEN,
};

#[tokio::test]
async fn the_same_mutation_three_times_makes_one_order() {
    let s = TestServer::start().await;
    let products = catalog(20);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..2]);
    let m = mutation(1, MutationKind::OrderPlaced, &order_placed("OSL1-000001", &order));
    let body = push_body(&desk, vec![m]);

    let mut replies = Vec::new();
    for _ in 0..3 {
        let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        replies.push(serde_json::from_value::<PushResponse>(r.body).unwrap());
    }
    assert_eq!(s.count("orders").await, 1);
    assert_eq!(s.count("mutations").await, 1);
    assert_eq!(replies[0].results[0].outcome, skranke_protocol::Outcome::Applied);
    assert!(!replies[0].results[0].replayed);
    for r in &replies[1..] {
        assert!(r.results[0].replayed, "a replay answers the stored result");
        assert_eq!(r.results[0].outcome, replies[0].results[0].outcome);
        assert_eq!(r.last_seq, 1);
    }
    // The stored order is the quoted one, under the desk's number.
    let (number, total, status): (String, i64, String) =
        sqlx::query_as("SELECT number, total_ore, status FROM orders")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(number, "OSL1-000001");
    assert_eq!(total, order.totals.total.ore());
    assert_eq!(status, "under_behandling");
}

#[tokio::test]
async fn a_gap_is_refused_with_the_expected_seq_and_writes_nothing() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]);
    let before = s.counts().await;

    let gap = push_body(
        &desk,
        vec![mutation(
            2,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000002", &order),
        )],
    );
    let r = s.post_json("/v1/push", Some(&desk.token), &gap).await;
    assert_eq!((r.status, r.code()), (409, "seq_gap"), "{}", r.body);
    assert_eq!(r.body["expected_seq"], 1);
    assert_eq!(s.counts().await, before);

    let holes = push_body(
        &desk,
        vec![
            mutation(1, MutationKind::OrderPlaced, &order_placed("OSL1-000001", &order)),
            mutation(3, MutationKind::OrderPlaced, &order_placed("OSL1-000003", &order)),
        ],
    );
    let r = s.post_json("/v1/push", Some(&desk.token), &holes).await;
    assert_eq!((r.status, r.code()), (422, "batch_not_contiguous"));
    assert_eq!(s.counts().await, before);

    // Resending from the expected seq works, and the gap closes.
    let ok = push_body(
        &desk,
        vec![
            mutation(1, MutationKind::OrderPlaced, &order_placed("OSL1-000001", &order)),
            mutation(2, MutationKind::OrderPlaced, &order_placed("OSL1-000002", &order)),
        ],
    );
    let r = s.post_json("/v1/push", Some(&desk.token), &ok).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["last_seq"], 2);
    assert_eq!(s.count("orders").await, 2);
}

#[tokio::test]
async fn a_seq_reused_with_other_content_is_refused() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]);
    let first = push_body(
        &desk,
        vec![mutation(
            1,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000001", &order),
        )],
    );
    assert_eq!(
        s.post_json("/v1/push", Some(&desk.token), &first).await.status,
        200
    );
    let before = s.counts().await;
    // A desk restored from an old copy numbers a different order 1 again.
    let other = push_body(
        &desk,
        vec![mutation(
            1,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000001", &order),
        )],
    );
    let r = s.post_json("/v1/push", Some(&desk.token), &other).await;
    assert_eq!((r.status, r.code()), (409, "seq_reused"), "{}", r.body);
    assert_eq!(s.counts().await, before);

    // A payload changed on the way does not match its hash.
    let mut bent = mutation(2, MutationKind::OrderPlaced, &order_placed("OSL1-000002", &order));
    bent.payload_sha256 = "0".repeat(64);
    let r = s.push(&desk, vec![bent]).await;
    assert_eq!((r.status, r.code()), (422, "payload_hash_mismatch"));
    assert_eq!(s.counts().await, before);
}

#[tokio::test]
async fn business_rejections_are_recorded_and_still_advance_seq() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]);
    let wrong_total = tampered(&order_placed("OSL1-000002", &order), |o| {
        o["order"]["totals"]["total"] = serde_json::to_value(skranke_core::Money::from_ore(1)).unwrap();
    });
    let body = push_body(
        &desk,
        vec![
            // Not this device's series.
            mutation(1, MutationKind::OrderPlaced, &order_placed("BRG1-000001", &order)),
            // Totals that do not add up.
            mutation(2, MutationKind::OrderPlaced, &wrong_total),
            // Not an order at all.
            mutation(
                3,
                MutationKind::OrderPlaced,
                &serde_json::json!({"hello": "world"}),
            ),
            mutation(4, MutationKind::OrderPlaced, &order_placed("OSL1-000004", &order)),
        ],
    );
    let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let reply: PushResponse = serde_json::from_value(r.body).unwrap();
    let codes: Vec<_> = reply
        .results
        .iter()
        .map(|r| (r.outcome, r.rejection.as_ref().map(|j| j.code)))
        .collect();
    use skranke_protocol::{Outcome::*, RejectionCode::*};
    assert_eq!(
        codes,
        vec![
            (Rejected, Some(WrongSeries)),
            (Rejected, Some(InvalidPayload)),
            (Rejected, Some(InvalidPayload)),
            (Applied, None)
        ]
    );
    assert!(reply.results[1]
        .rejection
        .as_ref()
        .unwrap()
        .message
        .contains("Ordresummen"));
    assert_eq!(reply.last_seq, 4, "the queue never jams");
    assert_eq!(s.count("orders").await, 1);
    assert_eq!(s.count("mutations").await, 4);
}

#[tokio::test]
async fn price_change_and_sell_out_are_accepted_and_flagged_at_the_quoted_price() {
    let s = TestServer::start().await;
    let mut products = catalog(30);
    // Two products in stock when the desk quotes.
    let in_stock: Vec<usize> = products
        .iter()
        .enumerate()
        .filter(|(_, p)| p.availability == skranke_core::Availability::InStock)
        .map(|(i, _)| i)
        .take(2)
        .collect();
    s.import(&products).await;
    let quoted = vec![products[in_stock[0]].clone(), products[in_stock[1]].clone()];
    let order = valid_order(&quoted);

    // Meanwhile the central store raises one price and sells the other out.
    let (a, b) = (in_stock[0], in_stock[1]);
    let old_price = products[a].price;
    products[a].price = skranke_core::Money::from_ore(old_price.ore() + 10_000);
    products[b].availability = skranke_core::Availability::MustOrder;
    s.import(&products).await;

    let desk = s.pair("OSL").await;
    let r = s
        .push(
            &desk,
            vec![mutation(
                1,
                MutationKind::OrderPlaced,
                &order_placed("OSL1-000001", &order),
            )],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let reply: PushResponse = serde_json::from_value(r.body).unwrap();
    let result = &reply.results[0];
    assert_eq!(result.outcome, skranke_protocol::Outcome::AppliedWithFlags);
    assert_eq!(
        result.flags,
        vec![
            skranke_protocol::Flag::PriceChanged {
                line_no: 1,
                sku: products[a].sku.clone(),
                quoted_ore: old_price.ore(),
                current_ore: old_price.ore() + 10_000,
            },
            skranke_protocol::Flag::BackOrdered {
                line_no: 2,
                sku: products[b].sku.clone(),
                availability: "must_order".into(),
            },
        ]
    );
    let total: i64 = sqlx::query_scalar("SELECT total_ore FROM orders")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        total,
        order.totals.total.ore(),
        "the quoted price is the contract"
    );

    // The flags travel to the desk with the order's status.
    let pulled = s.get("/v1/pull?stream=orders", Some(&desk.token)).await;
    assert_eq!(
        pulled.body["changes"][0]["order"]["flags"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        pulled.body["changes"][0]["order"]["status_text"],
        "Under behandling"
    );
}

#[tokio::test]
async fn cancellation_before_dispatch_is_applied_and_after_dispatch_refused() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]);
    let first = order_placed("OSL1-000001", &order);
    let second = order_placed("OSL1-000002", &order);
    let cancel = |id: Uuid| OrderCancelled {
        order_id: id,
        reason: "Kunden ringte".into(),
        cancelled_at_utc: Utc::now(),
        cancelled_by: None,
    };
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &first),
                mutation(2, MutationKind::OrderPlaced, &second),
                mutation(3, MutationKind::OrderCancelled, &cancel(first.order_id)),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][2]["outcome"], "applied");

    // The second order is sent, with tracking, through the admin endpoint.
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000002/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["status_text"], "Sendt");

    let r = s
        .push(
            &desk,
            vec![mutation(
                4,
                MutationKind::OrderCancelled,
                &cancel(second.order_id),
            )],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected");
    assert_eq!(r.body["results"][0]["rejection"]["code"], "cancel_after_dispatch");
    assert_eq!(r.body["last_seq"], 4);
    let statuses: Vec<(String, String)> = sqlx::query_as("SELECT number, status FROM orders ORDER BY number")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        statuses,
        vec![
            ("OSL1-000001".into(), "kansellert".into()),
            ("OSL1-000002".into(), "sendt".into())
        ]
    );

    // A sent order can be delivered, never go back.
    let back = s
        .post_json(
            "/v1/admin/orders/OSL1-000002/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "under_behandling"}),
        )
        .await;
    assert_eq!((back.status, back.code()), (409, "invalid_status_change"));
    let cancelled = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "123"}),
        )
        .await;
    assert_eq!(
        cancelled.status, 409,
        "a cancelled order is not sent: {}",
        cancelled.body
    );
}

#[tokio::test]
async fn returns_are_checked_against_what_was_bought() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]); // quantity 2
    let placed = order_placed("OSL1-000001", &order);
    let ret = |qty: u32| ReturnRegistered {
        return_id: Uuid::now_v7(),
        order_id: placed.order_id,
        return_no: 1,
        created_at_utc: at(),
        ret: valid_return(&order, &[(1, qty)]),
    };
    let mut second = ret(2);
    second.return_no = 2;
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &placed),
                mutation(2, MutationKind::ReturnRegistered, &ret(1)),
                mutation(3, MutationKind::ReturnRegistered, &second),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][1]["outcome"], "applied");
    assert_eq!(r.body["results"][2]["rejection"]["code"], "return_exceeds_order");
    assert_eq!(s.count("returns").await, 1);
}

/// R3: one return payload with two lines for the same order line (2 + 2 of 3 bought), as a tampered or
/// broken desk could send it: core's judge counts them together, so it is refused and not recorded.
/// (The central store's own copy of the rule judged each line alone and took it.)
#[tokio::test]
async fn one_return_with_two_lines_for_the_same_order_line_is_judged_as_their_sum() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let draft = skranke_demo::phone_order(&products[..1], 3);
    let order = skranke_core::order::validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        crate::support::today().and_hms_opt(10, 0, 0).unwrap(),
        &skranke_core::ShopPolicy::default(),
    )
    .unwrap();
    assert_eq!(order.lines[0].quantity, 3);
    let placed = order_placed("OSL1-000001", &order);
    let line = |quantity: u32| {
        serde_json::json!({"line_no": 1, "sku": products[0].sku, "name": products[0].name,
                           "quantity": quantity, "reason": "angrerett"})
    };
    // Built as JSON: core would never produce it.
    let payload = serde_json::json!({
        "return_id": Uuid::now_v7(), "order_id": placed.order_id, "return_no": 1,
        "created_at_utc": at(),
        "return": {"lines": [line(2), line(2)], "description": "", "received": null},
    });
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &placed),
                mutation(2, MutationKind::ReturnRegistered, &payload),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    assert_eq!(r.body["results"][1]["outcome"], "rejected", "{}", r.body);
    assert_eq!(r.body["results"][1]["rejection"]["code"], "return_exceeds_order");
    assert_eq!(
        s.count("returns").await,
        0,
        "nothing recorded, so nothing refunded"
    );
}

#[tokio::test]
async fn a_customer_saved_at_the_desk_is_stored_for_its_store() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let customer =
        skranke_core::order::validate_customer(&skranke_demo::phone_order(std::iter::empty(), 1).customer)
            .unwrap();
    let id = Uuid::now_v7();
    let upsert = skranke_protocol::CustomerUpserted {
        customer_id: id,
        customer: customer.clone(),
        updated_at_utc: Utc::now(),
    };
    let r = s
        .push(&desk, vec![mutation(1, MutationKind::CustomerUpserted, &upsert)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let (store, name): (String, String) =
        sqlx::query_as("SELECT store_id, body->>'name' FROM customers WHERE id = $1")
            .bind(id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!((store.as_str(), name.as_str()), ("OSL", customer.name.as_str()));

    // Another store's desk cannot overwrite it.
    let bergen = s.pair("BRG").await;
    let r = s
        .push(
            &bergen,
            vec![mutation(1, MutationKind::CustomerUpserted, &upsert)],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
}

/// A desk that has not been upgraded still syncs: its order carries none of the fields added since
/// (S2a's shipping split, F6's age record, F7's consent text, D6) and its shipping MVA all at 25 %, as
/// it confirmed to the customer. The
/// central store applies it as it was priced; an order whose figures fit neither rule is refused.
#[tokio::test]
async fn an_order_from_a_desk_older_than_s2a_is_applied_as_it_was_priced() {
    let s = TestServer::start().await;
    let products = catalog(20);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..2]);
    let legacy = skranke_core::order::totals_before_s2a(&order.lines, order.totals.shipping);
    let mut payload = serde_json::to_value(order_placed("OSL1-000001", &order)).unwrap();
    payload["order"]["totals"] = serde_json::to_value(&legacy).unwrap();
    assert!(payload["order"]["totals"].get("shipping_by_rate").is_none());
    // Nor the F6 age record, nor anything else added since.
    payload["order"].as_object_mut().unwrap().remove("age_check");
    for field in ["placed_by", "age_check"] {
        assert!(payload["order"].get(field).is_none(), "{field}");
    }
    assert!(payload["order"]["customer"]
        .get("marketing_consent_text")
        .is_none());
    assert!(payload["order"]["lines"][0].get("supplier_direct").is_none());
    let old =
        skranke_protocol::Mutation::new(1, Uuid::now_v7(), MutationKind::OrderPlaced, payload.to_string())
            .unwrap();
    // The same shape with figures that are neither S2a's nor the older rule's.
    let mut forged = serde_json::to_value(order_placed("OSL1-000002", &order)).unwrap();
    forged["order"]["totals"]["mva"][0]["mva"] = serde_json::json!(1);
    let forged =
        skranke_protocol::Mutation::new(2, Uuid::now_v7(), MutationKind::OrderPlaced, forged.to_string())
            .unwrap();
    let r = s.push(&desk, vec![old, forged]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    assert_eq!(r.body["results"][1]["outcome"], "rejected", "{}", r.body);
    let total: i64 = sqlx::query_scalar("SELECT total_ore FROM orders WHERE number = 'OSL1-000001'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(total, order.totals.total.ore());
}

/// Issue 21 item 7: a push says what the desk's clock reads. An order stamped by that clock while it
/// was three hours slow is flagged for the back office with how far off; one the desk stamped with
/// the central store's time (the offset it added travels with the order) is not.
#[tokio::test]
async fn an_order_stamped_by_a_wrong_desk_clock_is_flagged() {
    let s = TestServer::start().await;
    let products = catalog(20);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..1]);
    let three_hours = chrono::Duration::hours(3);
    let offline = order_placed("OSL1-000001", &order);
    let corrected = skranke_protocol::OrderPlaced {
        clock_offset_ms: Some(three_hours.num_milliseconds()),
        ..order_placed("OSL1-000002", &order)
    };
    let right_clock = order_placed("OSL1-000003", &order);
    let mut body = push_body(
        &desk,
        vec![
            mutation(1, MutationKind::OrderPlaced, &offline),
            mutation(2, MutationKind::OrderPlaced, &corrected),
        ],
    );
    body.desk_time = Some(Utc::now() - three_hours);
    let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Later, with the clock put right: nothing to flag.
    let mut body = push_body(&desk, vec![mutation(3, MutationKind::OrderPlaced, &right_clock)]);
    body.desk_time = Some(Utc::now());
    let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let flagged: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT number, desk_clock_error_seconds FROM orders ORDER BY number")
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert_eq!(flagged.len(), 3);
    let error = flagged[0].1.expect("the offline order is flagged");
    assert!(
        (3 * 3600 - 5..=3 * 3600 + 5).contains(&error),
        "three hours slow: {error} s"
    );
    assert_eq!(flagged[1].1, None, "stamped with the central store's time");
    assert_eq!(flagged[2].1, None, "the clock was right");

    let mut b = crate::office::leder(&s).await;
    let page = b.get("/kontor/ordrer/OSL1-000001").await.body;
    assert!(
        page.contains("Skrankens klokke gikk 3 t 0 min for sakte da ordren ble lagt inn"),
        "{page}"
    );
    let page = b.get("/kontor/ordrer/OSL1-000002").await.body;
    assert!(!page.contains("desk-clock-flag"), "{page}");
}
