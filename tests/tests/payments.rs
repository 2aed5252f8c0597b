//! A payment request across processes (P5): an order placed offline sends its Vipps request after the
//! desk reconnects, exactly once, with the fault proxy dropping the answer to the desk's first push and
//! to the central store's first call to Vipps; the customer approves and the desk shows "reservert".

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::time::Duration;

use common::{catalog_and_order, central_orders, desk, pair, until};
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::fault_proxy::{Fault, FaultProxy};

async fn fake_log(http: &reqwest::Client, fake: &str) -> serde_json::Value {
    http.get(format!("{fake}/_fake/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn payment_state(central: &CentralProcess, reference: &str) -> Option<String> {
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    let state = sqlx::query_scalar("SELECT state FROM payments WHERE reference = $1")
        .bind(reference)
        .fetch_optional(&pool)
        .await
        .unwrap();
    pool.close().await;
    state
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_vipps_order_is_requested_once_after_reconnect_and_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();

    // The fake Vipps/Klarna, with a fault proxy between the central store and it.
    let fake_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_addr = fake_listener.local_addr().unwrap();
    let fake = format!("http://{fake_addr}");
    let vipps_proxy = FaultProxy::start(fake_addr).await.unwrap();
    let vipps_url = vipps_proxy.url();
    let central_addr = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = central_addr.clone();
    let central = CentralProcess::start_with_config(move |addr| {
        *seen.lock().unwrap() = Some(addr);
        Some(format!(
            r#"
[vipps]
base_url = "{vipps_url}"
client_id = "demo-client"
client_secret = "demo-secret"
subscription_key = "demo-subscription"
merchant_serial_number = "123456"
webhook_secret = "demo-webhook-secret"
"#
        ))
    })
    .unwrap();
    let webhook = format!(
        "http://{}/v1/webhooks/vipps",
        central_addr.lock().unwrap().unwrap()
    );
    let config = skranke_fakepay::FakeConfig::demo(&fake, Some(webhook));
    tokio::spawn(skranke_fakepay::serve(fake_listener, config));

    let (_, order_file) = catalog_and_order(&central, dir.path());
    let mut draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&order_file).unwrap()).unwrap();
    draft["payment_method"] = "vipps".into();
    std::fs::write(&order_file, draft.to_string()).unwrap();
    let desk_proxy = FaultProxy::start(central.addr).await.unwrap();
    let desk = desk(dir.path(), "desk");
    pair(&central, &desk, &desk_proxy.url());
    desk.ok(&["sync", "now"]).unwrap();

    // A first order online: the central store has its Vipps access token after this, so the faults
    // below hit the payment request itself.
    desk.ok(&["order", "place", order_file.to_str().unwrap()])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    until("the first order's request", Duration::from_secs(30), || async {
        payment_state(&central, "OSL1-000001-1").await.as_deref() == Some("sent")
    })
    .await;

    // Offline: the order is placed; the payment waits with it.
    desk_proxy.set(Fault::Refuse);
    let placed = desk
        .ok(&["order", "place", order_file.to_str().unwrap()])
        .unwrap();
    assert!(placed.contains("OSL1-000002"), "{placed}");
    let shown = desk.ok(&["order", "show", "OSL1-000002"]).unwrap();
    assert!(
        shown.contains("Vipps: venter på betaling (forespørselen sendes når skranken er tilkoblet)"),
        "{shown}"
    );

    // Back, but the answer to the first push is lost after the central store committed it, and the
    // central store's first call to Vipps loses its answer too.
    vipps_proxy.set(Fault::DropResponse);
    desk_proxy.set(Fault::DropResponse);
    assert!(!desk.command(&["sync", "now"]).output().unwrap().status.success());
    until("the first call to Vipps", Duration::from_secs(30), || async {
        fake_log(&http, &fake).await["requests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "/epayment/v1/payments" && r["idempotency_key"] == "OSL1-000002-1")
    })
    .await;
    vipps_proxy.set(Fault::None);
    desk_proxy.set(Fault::None);
    let synced = desk.ok(&["sync", "now"]).unwrap();
    assert!(synced.contains("Kvittert av sentralen: 2"), "{synced}"); // the order and its audit entry
    assert_eq!(central_orders(&central).await.len(), 2);

    // The central store retries (same idempotency key) until Vipps' answer arrives.
    until("the request to be sent", Duration::from_secs(60), || async {
        payment_state(&central, "OSL1-000002-1").await.as_deref() == Some("sent")
    })
    .await;
    let log = fake_log(&http, &fake).await;
    assert_eq!(log["vipps"].as_object().unwrap().len(), 2, "{log}");
    assert_eq!(log["vipps"]["OSL1-000002-1"]["pushes"], 1);
    let creates: Vec<&serde_json::Value> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/epayment/v1/payments" && r["idempotency_key"] == "OSL1-000002-1")
        .collect();
    // The first call's answer was lost; the retry carried the same key, and Vipps pushed once.
    assert!(creates.len() >= 2, "{log}");

    desk.ok(&["sync", "now"]).unwrap();
    let shown = desk.ok(&["order", "show", "OSL1-000002"]).unwrap();
    assert!(shown.contains("Betaling: Vipps: venter på betaling"), "{shown}");

    // The customer approves in Vipps; the desk shows it reserved.
    let answer: serde_json::Value = http
        .post(format!("{fake}/_fake/vipps/OSL1-000002-1/approve?user_age=35"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["webhook_statuses"], serde_json::json!([200]));
    desk.ok(&["sync", "now"]).unwrap();
    let shown = desk.ok(&["order", "show", "OSL1-000002"]).unwrap();
    assert!(shown.contains("Betaling: Vipps: reservert"), "{shown}");
}

/// R3: the confirmation goes out by e-mail once the central store has the order; an address the mail
/// server refuses is shown on the desk, and a corrected resend reaches the customer.
#[tokio::test(flavor = "multi_thread")]
async fn a_bounced_confirmation_is_shown_on_the_desk_and_a_corrected_resend_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let sink = skranke_e2e::smtp_sink::SmtpSink::start().unwrap();
    let port = sink.port;
    let central = CentralProcess::start_with_config(move |_| {
        Some(format!(
            "[mail]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nfrom = \"Terjesen Butikk <butikk@terjesen.no>\"\nstarttls = false\n"
        ))
    })
    .unwrap();
    let (_, order_file) = catalog_and_order(&central, dir.path());
    let mut draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&order_file).unwrap()).unwrap();
    draft["customer"]["email"] = "kari.finnes-ikke@example.no".into();
    std::fs::write(&order_file, draft.to_string()).unwrap();
    let desk = desk(dir.path(), "desk");
    pair(&central, &desk, &central.url());
    desk.ok(&["sync", "now"]).unwrap();
    desk.ok(&["order", "place", order_file.to_str().unwrap()])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();

    let email_state = || async {
        let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
        let state: Option<String> = sqlx::query_scalar("SELECT email_state FROM orders")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        state
    };
    until("the mail server's refusal", Duration::from_secs(30), || async {
        email_state().await.as_deref() == Some("bounced")
    })
    .await;
    desk.ok(&["sync", "now"]).unwrap();
    let shown = desk.ok(&["order", "show", "OSL1-000001"]).unwrap();
    assert!(
        shown.contains("E-post: E-posten til kari.finnes-ikke@example.no kom i retur")
            && shown.contains("550"),
        "{shown}"
    );
    assert!(sink.take().is_empty());

    desk.ok(&[
        "order",
        "resend-email",
        "OSL1-000001",
        "--email",
        "kari@example.no",
    ])
    .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    until("the corrected mail", Duration::from_secs(30), || async {
        email_state().await.as_deref() == Some("sent")
    })
    .await;
    let received = sink.take();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["kari@example.no".to_string()]);
    desk.ok(&["sync", "now"]).unwrap();
    let shown = desk.ok(&["order", "show", "OSL1-000001"]).unwrap();
    assert!(
        shown.contains("E-post: Ordrebekreftelsen er sendt til kari@example.no."),
        "{shown}"
    );
}
