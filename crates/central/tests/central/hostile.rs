use skranke_protocol::MutationKind;

use crate::support::{catalog, mutation, order_placed, push_body, tampered, valid_order, TestServer};

#[tokio::test]
async fn hostile_bodies_get_a_typed_4xx_and_write_nothing() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let code = s.code("OSL").await;
    let order = valid_order(&products[..1]);
    let good = serde_json::to_value(push_body(
        &desk,
        vec![mutation(
            1,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000001", &order),
        )],
    ))
    .unwrap();
    let before = s.counts().await;

    let huge = "Å".repeat(300_000);
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "push",
            "/v1/push",
            vec![b'['; 2 * 1024 * 1024],
            413,
            "payload_too_large",
        ),
        (
            "push",
            "/v1/push",
            b"{\"device_id\": ".to_vec(),
            400,
            "malformed_json",
        ),
        ("push", "/v1/push", b"not json".to_vec(), 400, "malformed_json"),
        ("push", "/v1/push", b"\xff\xfe{}".to_vec(), 400, "malformed_json"),
        (
            "push",
            "/v1/push",
            {
                let mut v = good.clone();
                v["extra"] = serde_json::json!(1);
                serde_json::to_vec(&v).unwrap()
            },
            422,
            "invalid_body",
        ),
        (
            "push",
            "/v1/push",
            {
                let mut v = good.clone();
                v["mutations"][0]["seq"] = serde_json::json!("one");
                serde_json::to_vec(&v).unwrap()
            },
            422,
            "invalid_body",
        ),
        (
            "push",
            "/v1/push",
            {
                let mut v = good.clone();
                v["mutations"][0]["kind"] = serde_json::json!("order_deleted");
                serde_json::to_vec(&v).unwrap()
            },
            422,
            "invalid_body",
        ),
        (
            "push",
            "/v1/push",
            serde_json::to_vec(&serde_json::json!([])).unwrap(),
            422,
            "invalid_body",
        ),
        (
            "pair",
            "/v1/pair",
            serde_json::to_vec(&serde_json::json!({"code": code, "device_name": huge})).unwrap(),
            422,
            "invalid_value",
        ),
        (
            "pair",
            "/v1/pair",
            serde_json::to_vec(&serde_json::json!({"code": code, "device_name": "Kasse\u{0}1"})).unwrap(),
            422,
            "invalid_value",
        ),
        (
            "pair",
            "/v1/pair",
            serde_json::to_vec(&serde_json::json!({"code": code, "device_name": 12})).unwrap(),
            422,
            "invalid_body",
        ),
        (
            "pair",
            "/v1/pair",
            serde_json::to_vec(&serde_json::json!({"code": code, "device_name": "K", "admin": true}))
                .unwrap(),
            422,
            "invalid_body",
        ),
    ];
    for (what, path, body, status, code) in cases {
        let token = (what == "push").then_some(desk.token.as_str());
        let r = s.post_raw(path, token, body).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code),
            "{path}: {}",
            r.body.to_string().chars().take(300).collect::<String>()
        );
        assert!(!r.body["message"].as_str().unwrap_or_default().is_empty());
        assert_eq!(s.counts().await, before, "{path} {code} wrote something");
    }

    // A query string of the wrong shape, and a cursor that is not ours.
    for q in [
        "stream=everything",
        "stream=catalog&cursor=abc",
        "stream=catalog&limit=-1",
        "stream=catalog&x=1",
    ] {
        let r = s.get(&format!("/v1/pull?{q}"), Some(&desk.token)).await;
        assert_eq!(r.status, 400, "{q}: {}", r.body);
        assert!(
            ["invalid_body", "invalid_cursor"].contains(&r.code()),
            "{q}: {}",
            r.body
        );
    }

    // A huge name inside an order is the order's problem: rejected, recorded, never a 5xx.
    let long = tampered(&order_placed("OSL1-000001", &order), |o| {
        o["order"]["customer"]["name"] = serde_json::json!("N".repeat(300_000));
    });
    let body = push_body(&desk, vec![mutation(1, MutationKind::OrderPlaced, &long)]);
    let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["results"][0]["rejection"]["code"], "invalid_payload");
    assert_eq!(s.count("orders").await, 0);
    // A NUL inside a payload cannot be stored by PostgreSQL: a rejection, not a 500.
    let nul = tampered(&order_placed("OSL1-000002", &order), |o| {
        o["order"]["note"] = serde_json::json!("før\u{0}etter");
    });
    let body = push_body(&desk, vec![mutation(2, MutationKind::OrderPlaced, &nul)]);
    let r = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][0]["outcome"], "rejected");

    let r = s.get("/v1/nowhere", None).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
}
