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

/// `skranke-central serve` on its own port with `config` (TOML); killed when dropped.
struct Instance {
    child: std::process::Child,
    url: String,
}

impl Instance {
    fn start(database_url: &str, config: &std::path::Path) -> Instance {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_skranke-central"))
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("SKRANKE_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let url = stderr
            .lines()
            .map(Result::unwrap)
            .find_map(|line| line.find("http://").map(|at| line[at..].trim().to_string()))
            .expect("the server announces its address");
        Instance { child, url }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue 21 item 3: two instances behind one address share the database, and a desk gets its
/// budget once: requests spread over both are let in up to one burst, not one burst per instance.
#[tokio::test]
async fn the_rate_limit_holds_across_two_instances() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("central.toml");
    // One request a second after a burst of 10: at the speed of this loop the budget cannot refill
    // by more than a few requests, so two bursts' worth (20) can only come from two budgets.
    std::fs::write(
        &config,
        "[rate_limit]\ndevice_per_second = 1\ndevice_burst = 10\n",
    )
    .unwrap();
    let instances = [
        Instance::start(&s.database_url, &config),
        Instance::start(&s.database_url, &config),
    ];
    let mut ok = 0;
    let mut refused_by = None;
    for i in 0..40 {
        let instance = &instances[i % 2];
        let r = s
            .http
            .get(format!("{}/v1/changes", instance.url))
            .bearer_auth(&desk.token)
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            refused_by = Some(i % 2);
            break;
        }
        assert_eq!(r.status(), 200);
        ok += 1;
    }
    assert!(refused_by.is_some(), "never limited after {ok} requests");
    assert!(
        (10..15).contains(&ok),
        "one burst of 10 across both instances, not one each: {ok} let in"
    );
    // The other instance refuses too: it reads the same budget.
    let other = &instances[(refused_by.unwrap() + 1) % 2];
    let r = s
        .http
        .get(format!("{}/v1/changes", other.url))
        .bearer_auth(&desk.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}
