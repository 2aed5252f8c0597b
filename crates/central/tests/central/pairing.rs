use chrono::{Duration, Utc};
use skranke_protocol::PairRequest;

use crate::support::TestServer;

fn req(code: &str) -> PairRequest {
    PairRequest {
        code: code.to_string(),
        device_name: "Kasse 2".into(),
        previous_series: None,
    }
}

#[tokio::test]
async fn a_code_pairs_once_and_gives_a_token_store_and_series() {
    let s = TestServer::start().await;
    let code = s.code("OSL").await;
    // Staff may type it in lower case without the dash.
    let typed = code.replace('-', "").to_lowercase();
    let first = s.post_json("/v1/pair", None, &req(&typed)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["store_id"], "OSL");
    assert_eq!(first.body["store_name"], "Skranke Oslo");
    assert_eq!(first.body["series"], "OSL1");
    let token = first.body["token"].as_str().unwrap().to_string();

    // The token is stored hashed only.
    let stored: String = sqlx::query_scalar("SELECT token_sha256 FROM devices")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, skranke_protocol::payload_sha256(token.as_bytes()));

    // The token works.
    let body = serde_json::json!({"device_id": first.body["device_id"], "mutations": []});
    let pushed = s.post_json("/v1/push", Some(&token), &body).await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    assert_eq!(pushed.body["last_seq"], 0);

    let before = s.counts().await;
    let again = s.post_json("/v1/pair", None, &req(&code)).await;
    assert_eq!((again.status, again.code()), (410, "pairing_code_used"));
    assert_eq!(s.counts().await, before, "a reused code writes nothing");

    let second = s.pair("OSL").await;
    assert_eq!(
        second.series, "OSL2",
        "each device of a store gets its own series"
    );
    let bergen = s.pair("BRG").await;
    assert_eq!(bergen.series, "BRG1");
}

#[tokio::test]
async fn bad_and_expired_codes_are_refused_and_write_nothing() {
    let s = TestServer::start().await;
    let expired = skranke_central::pairing::create_code(
        &s.pool,
        "OSL",
        Duration::minutes(60),
        Utc::now() - Duration::minutes(61),
    )
    .await
    .unwrap();
    let before = s.counts().await;

    let r = s.post_json("/v1/pair", None, &req(&expired)).await;
    assert_eq!((r.status, r.code()), (410, "pairing_code_expired"), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("utløpt"));

    for bad in ["ABCDE-FGHJK", "", "x".repeat(10_000).as_str()] {
        let r = s.post_json("/v1/pair", None, &req(bad)).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "pairing_code_invalid"),
            "{bad:.20}: {}",
            r.body
        );
    }
    assert_eq!(s.counts().await, before);

    // An unknown store gets no code.
    let err = s.code_result("TRD").await;
    assert!(err.contains("TRD"), "{err}");
}

impl TestServer {
    async fn code_result(&self, store: &str) -> String {
        match skranke_central::pairing::create_code(&self.pool, store, Duration::minutes(5), Utc::now()).await
        {
            Ok(code) => code,
            Err(e) => e.body.message,
        }
    }
}

/// Orders placed before pairing carry the desk's unpaired series; pairing brings it along, and only
/// that desk may use it.
#[tokio::test]
async fn the_series_used_before_pairing_stays_the_desks_own() {
    use skranke_protocol::MutationKind;

    use crate::support::{catalog, mutation, order_placed, push_body, valid_order};

    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let mut r = req(&s.code("OSL").await);
    r.previous_series = Some("DAB12C".into());
    let paired = s.post_json("/v1/pair", None, &r).await;
    assert_eq!(paired.status, 201, "{}", paired.body);
    let desk: skranke_protocol::PairResponse = serde_json::from_value(paired.body).unwrap();

    let order = valid_order(&products[..1]);
    let body = push_body(
        &desk,
        vec![
            mutation(
                1,
                MutationKind::OrderPlaced,
                &order_placed("DAB12C-000001", &order),
            ),
            mutation(2, MutationKind::OrderPlaced, &order_placed("OSL1-000001", &order)),
            mutation(
                3,
                MutationKind::OrderPlaced,
                &order_placed("DAB12-000001", &order),
            ),
        ],
    );
    let pushed = s.post_json("/v1/push", Some(&desk.token), &body).await;
    assert_eq!(pushed.body["results"][0]["outcome"], "applied", "{}", pushed.body);
    assert_eq!(pushed.body["results"][1]["outcome"], "applied");
    assert_eq!(pushed.body["results"][2]["rejection"]["code"], "wrong_series");

    // Another desk cannot bring the same series, nor another store's.
    let before = s.counts().await;
    for previous in ["DAB12C", "OSL1"] {
        let mut r = req(&s.code("BRG").await);
        r.previous_series = Some(previous.into());
        let refused = s.post_json("/v1/pair", None, &r).await;
        assert_eq!(refused.status, 409, "{previous}: {}", refused.body);
    }
    let after = s.counts().await;
    assert_eq!(after[0], before[0], "no device was added");
}
