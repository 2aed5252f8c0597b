//! Issue 18 item 4: the order events the shop's other systems get. A webhook receiver that fails,
//! answers too late and refuses again gets every event once it recovers, in order per order, each
//! signed; the pull API pages the same events with a token of its own and nothing else opens it.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use skranke_central::outbound_webhooks::{add_endpoint, add_pull_token, deliver_due, verify};
use skranke_protocol::{IntegrationEvent, IntegrationPage, MutationKind};

use crate::support::{catalog, mutation, order_placed, valid_order_with, TestServer, ADMIN_TOKEN};

/// What the receiver does with the n-th request: answer with a status, or answer only after the
/// sender has given up.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    Late,
}

#[derive(Default)]
struct Received {
    /// Every request that reached the receiver, in arrival order: (event, signature valid).
    requests: Vec<(IntegrationEvent, bool)>,
}

/// A receiver that answers `script` in turn, then 200 to everything.
async fn receiver(secret: Arc<Mutex<String>>, script: Vec<Answer>) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hendelser",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            let script = script.clone();
            let secret = secret.clone();
            async move {
                let signature = headers["skranke-signature"].to_str().unwrap().to_string();
                let valid = verify(&secret.lock().unwrap(), &signature, &body, Utc::now());
                let event: IntegrationEvent = serde_json::from_slice(&body).unwrap();
                assert_eq!(
                    headers["skranke-event-id"].to_str().unwrap(),
                    event.event_id.to_string()
                );
                log.lock().unwrap().requests.push((event, valid));
                let answer = script.lock().unwrap().next();
                match answer {
                    Some(Answer::Status(code)) => StatusCode::from_u16(code).unwrap(),
                    Some(Answer::Late) => {
                        // Longer than the sender waits: it has given up before this answer.
                        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
                        StatusCode::OK
                    }
                    None => StatusCode::OK,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hendelser", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// Two orders from a desk: both accepted (and their payments requested), the first sent, the
/// second cancelled.
async fn order_events(s: &TestServer) {
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let placed: Vec<_> = (1..=2)
        .map(|i| {
            let order = valid_order_with(&products[..1], |_| {});
            mutation(
                i,
                MutationKind::OrderPlaced,
                &order_placed(&format!("OSL1-{i:06}"), &order),
            )
        })
        .collect();
    assert_eq!(s.push(&desk, placed).await.status, 200);
    for (number, body) in [
        (
            "OSL1-000001",
            serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        ),
        ("OSL1-000002", serde_json::json!({"status": "kansellert"})),
    ] {
        let r = s
            .post_json(
                &format!("/v1/admin/orders/{number}/status"),
                Some(ADMIN_TOKEN),
                &body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

/// The feed as stored, in feed order: (event id, order, type).
async fn feed(s: &TestServer) -> Vec<(uuid::Uuid, String, String)> {
    sqlx::query_as("SELECT event_id, order_number, kind FROM integration_events ORDER BY txid, seq")
        .fetch_all(&s.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_and_slow_receiver_gets_every_event_in_order_once_it_recovers() {
    let s = TestServer::start().await;
    let secret = Arc::new(Mutex::new(String::new()));
    let (url, received) = receiver(
        secret.clone(),
        vec![
            Answer::Status(500),
            Answer::Status(500),
            Answer::Late,
            Answer::Status(503),
        ],
    )
    .await;
    let (_, made) = add_endpoint(&s.pool, &url, Utc::now()).await.unwrap();
    *secret.lock().unwrap() = made;
    order_events(&s).await;
    let stored = feed(&s).await;
    let kinds: Vec<&str> = stored.iter().map(|(_, _, k)| k.as_str()).collect();
    for kind in ["order.accepted", "order.payment", "order.sent", "order.cancelled"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }

    // The worker's rounds, with the clock moved past each backoff instead of waiting for it.
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(500))
        .build()
        .unwrap();
    let mut now = Utc::now();
    let mut delivered = 0;
    for _ in 0..20 {
        delivered += deliver_due(&s.pool, &http, now).await.unwrap();
        if delivered == stored.len() {
            break;
        }
        now += Duration::minutes(11);
    }
    assert_eq!(
        delivered,
        stored.len(),
        "every event delivered once the receiver recovered"
    );

    let requests = std::mem::take(&mut received.lock().unwrap().requests);
    assert!(
        requests.iter().all(|(_, valid)| *valid),
        "every delivery is signed with the secret"
    );
    assert!(
        requests.len() > stored.len(),
        "failed tries were sent again: {}",
        requests.len()
    );
    // De-duplicated on the event id, in the order first received: exactly the feed, so in order
    // per order too.
    let mut seen = std::collections::HashSet::new();
    let first_arrivals: Vec<(uuid::Uuid, String, String)> = requests
        .iter()
        .filter(|(e, _)| seen.insert(e.event_id))
        .map(|(e, _)| (e.event_id, e.order_number.clone(), e.event_type.clone()))
        .collect();
    assert_eq!(first_arrivals, stored);
    let sent = requests
        .iter()
        .find(|(e, _)| e.event_type == "order.sent")
        .unwrap();
    assert_eq!(sent.0.order["tracking_number"], "70712345678901234");
    assert_eq!(sent.0.order["status"], "sendt");

    // The delivery log says what went wrong, and it is on the back office's page.
    let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT error FROM webhook_attempts ORDER BY id")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    let errors: Vec<String> = errors.into_iter().flatten().collect();
    assert_eq!(
        errors,
        [
            "svarte 500 Internal Server Error",
            "svarte 500 Internal Server Error",
            "svarte ikke i tide",
            "svarte 503 Service Unavailable"
        ]
    );
    // Nothing more is due: another round sends nothing.
    assert_eq!(
        deliver_due(&s.pool, &http, now + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_pull_api_pages_the_events_with_its_own_token_only() {
    let s = TestServer::start().await;
    order_events(&s).await;
    let stored = feed(&s).await;
    let token = add_pull_token(&s.pool, "ERP", Utc::now()).await.unwrap();
    let desk = s.pair("OSL").await;
    for refused in [
        None,
        Some(desk.token.as_str()),
        Some(ADMIN_TOKEN),
        Some("skr_int_feil"),
    ] {
        let r = s.get("/v1/integration/orders", refused).await;
        assert_eq!(r.status, 401, "{refused:?}: {}", r.body);
    }
    let mut cursor = String::new();
    let mut got = Vec::new();
    loop {
        let path = if cursor.is_empty() {
            "/v1/integration/orders?limit=2".to_string()
        } else {
            format!("/v1/integration/orders?limit=2&cursor={cursor}")
        };
        let r = s.get(&path, Some(&token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page: IntegrationPage = serde_json::from_value(r.body).unwrap();
        if page.events.is_empty() {
            assert_eq!(page.next_cursor, cursor, "an empty page keeps the cursor");
            break;
        }
        got.extend(
            page.events
                .into_iter()
                .map(|e| (e.event_id, e.order_number, e.event_type)),
        );
        cursor = page.next_cursor;
    }
    assert_eq!(got, stored);
    assert_eq!(
        s.get("/v1/integration/orders?cursor=x", Some(&token))
            .await
            .status,
        400
    );
    assert_eq!(
        s.get("/v1/integration/orders?limit=0", Some(&token)).await.status,
        422
    );
    let revoked = sqlx::query("UPDATE integration_tokens SET revoked_at = now()")
        .execute(&s.pool)
        .await
        .unwrap();
    assert_eq!(revoked.rows_affected(), 1);
    assert_eq!(s.get("/v1/integration/orders", Some(&token)).await.status, 401);
}
