use skranke_protocol::MutationKind;

use crate::support::{catalog, mutation, order_placed, push_body, valid_order, TestServer, ADMIN_TOKEN};

#[tokio::test]
async fn a_device_pushes_and_pulls_only_for_itself_and_its_store() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let oslo = s.pair("OSL").await;
    let bergen = s.pair("BRG").await;
    let order = valid_order(&products[..1]);
    let bergen_order = order_placed("BRG1-000001", &order);
    let r = s
        .push(
            &bergen,
            vec![mutation(1, MutationKind::OrderPlaced, &bergen_order)],
        )
        .await;
    assert_eq!(r.status, 200);
    let before = s.counts().await;

    // Oslo's token, Bergen's device id.
    let forged = push_body(
        &bergen,
        vec![mutation(
            2,
            MutationKind::OrderPlaced,
            &order_placed("BRG1-000002", &order),
        )],
    );
    let r = s.post_json("/v1/push", Some(&oslo.token), &forged).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.body);
    assert_eq!(s.counts().await, before);

    // Oslo asks for Bergen's orders.
    let r = s.get("/v1/pull?stream=orders&store=BRG", Some(&oslo.token)).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    // Its own stream does not contain them either.
    let r = s.get("/v1/pull?stream=orders", Some(&oslo.token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 0);
    let r = s.get("/v1/pull?stream=orders", Some(&bergen.token)).await;
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 1);

    // Oslo cancels Bergen's order by id: the order is unknown to Oslo.
    let cancel = skranke_protocol::OrderCancelled {
        order_id: bergen_order.order_id,
        reason: "x".into(),
        cancelled_at_utc: chrono::Utc::now(),
        cancelled_by: None,
    };
    let r = s
        .push(&oslo, vec![mutation(1, MutationKind::OrderCancelled, &cancel)])
        .await;
    assert_eq!(r.body["results"][0]["rejection"]["code"], "unknown_order");
    let status: String = sqlx::query_scalar("SELECT status FROM orders")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(status, "under_behandling");
}

#[tokio::test]
async fn missing_and_forged_tokens_get_401_and_write_nothing() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let body = push_body(
        &desk,
        vec![mutation(
            1,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000001", &valid_order(&products[..1])),
        )],
    );
    let before = s.counts().await;
    // The real token with its last character changed (to one it is not: a token ending in "0" once
    // made this forgery the real thing).
    let last = if desk.token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &desk.token[..desk.token.len() - 1]);
    assert_ne!(forged, desk.token);
    for token in [None, Some(""), Some(forged.as_str()), Some(ADMIN_TOKEN)] {
        let r = s.post_json("/v1/push", token, &body).await;
        assert_eq!((r.status, r.code()), (401, "unauthorized"), "{token:?}");
        assert!(r.body["message"].as_str().unwrap().contains("paret"));
        let r = s.get("/v1/pull?stream=catalog", token).await;
        assert_eq!((r.status, r.code()), (401, "unauthorized"));
    }
    // A device token is not an admin token.
    let r = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(&desk.token),
            &serde_json::json!({"status": "levert"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (401, "unauthorized"));
    assert_eq!(s.counts().await, before);
}

/// No browser is a client: answers carry nosniff, no-store and DENY, and a request from a web page's
/// origin gets no CORS permission (a preflight is not answered with one either).
#[tokio::test]
async fn answers_carry_security_headers_and_no_cors() {
    let s = TestServer::start().await;
    let r = s
        .http
        .get(format!("{}/v1/health", s.base))
        .header("origin", "https://ondsinnet.example")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.get("access-control-allow-origin").is_none());
    let preflight = s
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/push", s.base))
        .header("origin", "https://ondsinnet.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
    assert!(!preflight.status().is_success());
}

/// A revoked desk (stolen, retired) is refused from its next request; the other desk goes on.
#[tokio::test]
async fn a_revoked_device_is_refused() {
    let s = TestServer::start().await;
    let first = s.pair("OSL").await;
    let second = s.pair("OSL").await;
    assert_eq!(s.get("/v1/changes", Some(&first.token)).await.status, 200);
    let name = skranke_central::pairing::revoke_device(&s.pool, &first.series, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(name, "Kasse 1");
    let refused = s.get("/v1/changes", Some(&first.token)).await;
    assert_eq!((refused.status, refused.code()), (401, "unauthorized"));
    assert_eq!(s.get("/v1/changes", Some(&second.token)).await.status, 200);
    assert!(
        skranke_central::pairing::revoke_device(&s.pool, "XYZ9", chrono::Utc::now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_device_over_its_rate_limit_gets_429_with_retry_after_and_the_others_go_on() {
    let s = TestServer::start().await;
    let noisy = s.pair("OSL").await;
    let quiet = s.pair("OSL").await;
    let url = format!("{}/v1/changes", s.base);
    let mut limited = None;
    let mut ok = 0;
    for _ in 0..400 {
        let r = s.http.get(&url).bearer_auth(&noisy.token).send().await.unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), 200);
        ok += 1;
    }
    let r = limited.expect("the limit was never reached");
    assert!(ok >= 100, "the burst of 100 is served first ({ok})");
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("For mange forespørsler"));
    // Another desk of the same store is not slowed by it.
    let other = s.get("/v1/changes", Some(&quiet.token)).await;
    assert_eq!(other.status, 200, "{}", other.body);
}
