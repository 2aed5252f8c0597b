//! The providers' real state machines (P5), against fakes that model them: Klarna's page that lets the
//! customer try again, a replaced request paid after all, polling when no callback comes, answers lost
//! at each of Klarna's unkeyed steps, and Vipps' `success: false` and `TERMINATED`.

use chrono::{Duration, Utc};
use serde_json::Value;
use skranke_core::{PaymentMethod, ValidOrder};
use skranke_protocol::{MutationKind, OrderPlaced, PairResponse, PaymentRequested};

use crate::support::*;

struct Placed {
    s: TestServer,
    desk: PairResponse,
    placed: OrderPlaced,
    order: ValidOrder,
}

/// One order paid with `method`, placed through a paired desk, its request sent to the fake.
async fn placed_with(method: PaymentMethod) -> Placed {
    let s = TestServer::start_with_providers(None).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = method.code().into();
        d.customer.email = "kari@example.no".into();
    });
    let placed = order_placed("OSL1-000001", &order);
    let r = s
        .push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    Placed {
        s,
        desk,
        placed,
        order,
    }
}

impl Placed {
    async fn state(&self, reference: &str) -> (String, Option<String>) {
        sqlx::query_as("SELECT state, detail FROM payments WHERE reference = $1")
            .bind(reference)
            .fetch_one(&self.s.pool)
            .await
            .unwrap()
    }

    /// The payment as the desk pulls it with the order.
    async fn pulled(&self) -> Value {
        let r = self
            .s
            .get("/v1/pull?stream=orders&limit=100", Some(&self.desk.token))
            .await;
        r.body["changes"].as_array().unwrap().last().unwrap()["order"]["payment"].clone()
    }

    /// Staff ask for a new request with `method` (resend or switch), as mutation `seq`.
    async fn switch_to(&self, seq: i64, method: PaymentMethod) {
        let switch = PaymentRequested {
            order_id: self.placed.order_id,
            method,
            requested_at_utc: at(),
        };
        let r = self
            .s
            .push(
                &self.desk,
                vec![mutation(seq, MutationKind::PaymentRequested, &switch)],
            )
            .await;
        assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    }

    /// Klarna's HPP sessions for the order, oldest first by how the fake numbered them.
    async fn klarna_sessions(&self) -> Vec<Value> {
        let log = self.s.fake_log().await;
        log["klarna"].as_object().unwrap().values().cloned().collect()
    }

    /// The one Klarna session the customer was sent.
    async fn sent_session(&self) -> String {
        let sent: Vec<Value> = self
            .klarna_sessions()
            .await
            .into_iter()
            .filter(|s| !s["distributions"].as_array().unwrap().is_empty())
            .collect();
        assert_eq!(sent.len(), 1, "{sent:?}");
        sent[0]["session_id"].as_str().unwrap().to_string()
    }
}

/// P5: Klarna FAILED, ERROR and BACK are not final: the request stays open with a word for staff, and
/// the customer's retry on the same page is taken. Before, FAILED ended the request as declined, and
/// the retry that succeeded was dropped while the customer had paid.
#[tokio::test]
async fn a_klarna_page_that_failed_stays_open_and_the_retry_that_succeeds_is_taken() {
    let p = placed_with(PaymentMethod::KlarnaFaktura).await;
    p.s.work_outboxes().await;
    let session = p.sent_session().await;
    for outcome in ["fail", "error", "back"] {
        let answer = p.s.fake_control(&format!("klarna/{session}/{outcome}")).await;
        assert_eq!(answer["webhook_statuses"], serde_json::json!([200]));
        let (state, detail) = p.state("OSL1-000001-1").await;
        assert_eq!(state, "sent", "after {outcome}");
        assert!(detail.unwrap().contains("prøve igjen"), "after {outcome}");
    }
    assert_eq!(p.pulled().await["text"], "venter på betaling");
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(p.state("OSL1-000001-1").await.0, "reserved");
    assert_eq!(p.pulled().await["state"], "reserved");
}

/// P5: the customer cancels on Klarna's page: final, shown as the customer's decline.
#[tokio::test]
async fn a_cancelled_klarna_page_is_the_customers_decline() {
    let p = placed_with(PaymentMethod::KlarnaDelbetaling).await;
    p.s.work_outboxes().await;
    let session = p.sent_session().await;
    p.s.fake_control(&format!("klarna/{session}/cancel")).await;
    assert_eq!(p.state("OSL1-000001-1").await.0, "declined");
    assert_eq!(p.pulled().await["text"], "avvist av kunden");
}

/// P5, one order of events: staff switch from Vipps to Klarna, and the customer approves the old
/// Vipps push before its withdrawal reaches Vipps. The old reservation is released at Vipps; the new
/// request goes on and is the one the order shows.
#[tokio::test]
async fn a_replaced_request_paid_before_the_new_one_is_released() {
    let p = placed_with(PaymentMethod::Vipps).await;
    p.s.work_outboxes().await;
    p.switch_to(2, PaymentMethod::KlarnaFaktura).await;
    // Paid late: before the worker has withdrawn it.
    p.s.fake_control("vipps/OSL1-000001-1/approve?user_age=40").await;
    p.s.work_outboxes().await;
    let old = &p.s.fake_log().await["vipps"]["OSL1-000001-1"];
    assert_eq!(old["cancelled"], p.order.totals.total.ore(), "{old}");
    assert_eq!(old["captured"], 0);
    assert_eq!(p.state("OSL1-000001-1").await.0, "cancelled");
    assert_eq!(p.state("OSL1-000001-2").await.0, "sent");
    let pulled = p.pulled().await;
    assert_eq!(pulled["method"], "klarna_faktura");
    assert_eq!(pulled["state"], "sent");
    let session = p.sent_session().await;
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(p.state("OSL1-000001-2").await.0, "reserved");
}

/// P5, the other order: the customer is approving the old Vipps push when staff switch (Vipps refuses
/// the withdrawal: "Cannot cancel pending"), pays the new Klarna request, and then finishes the old
/// approval. The old one is released; the new one stays reserved.
#[tokio::test]
async fn a_replaced_request_paid_after_the_new_one_is_released() {
    let p = placed_with(PaymentMethod::Vipps).await;
    p.s.work_outboxes().await;
    p.s.fake_control("vipps/OSL1-000001-1/open").await;
    p.switch_to(2, PaymentMethod::KlarnaFaktura).await;
    p.s.work_outboxes().await;
    assert_eq!(
        p.state("OSL1-000001-1").await.0,
        "sent",
        "the withdrawal was refused"
    );
    let session = p.sent_session().await;
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(p.state("OSL1-000001-2").await.0, "reserved");

    p.s.fake_control("vipps/OSL1-000001-1/approve?user_age=40").await;
    p.s.work_outboxes().await;
    let old = &p.s.fake_log().await["vipps"]["OSL1-000001-1"];
    assert_eq!(old["cancelled"], p.order.totals.total.ore(), "{old}");
    assert_eq!(p.state("OSL1-000001-1").await.0, "cancelled");
    assert_eq!(p.state("OSL1-000001-2").await.0, "reserved");
    assert_eq!(p.pulled().await["state"], "reserved");
}

/// P5: a card payment on Klarna's page is taken at once; if it was replaced, it is refunded in full.
#[tokio::test]
async fn a_replaced_card_payment_taken_late_is_refunded_in_full() {
    let p = placed_with(PaymentMethod::Kort).await;
    p.s.work_outboxes().await;
    let session = p.sent_session().await;
    p.switch_to(2, PaymentMethod::Vipps).await;
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(p.state("OSL1-000001-1").await.0, "captured");
    p.s.work_outboxes().await;
    let log = p.s.fake_log().await;
    let card = &log["klarna"][&session];
    assert_eq!(card["captured"], p.order.totals.total.ore());
    assert_eq!(card["refunded"], p.order.totals.total.ore());
    assert_eq!(p.state("OSL1-000001-1").await.0, "refunded");
    assert_eq!(p.state("OSL1-000001-2").await.0, "sent");
    assert_eq!(p.pulled().await["method"], "vipps");
}

/// P5: no callback comes (Vipps' webhooks are best effort; Klarna sends none on expiry). Polling asks
/// the provider and marks each request by what it says: an approval, and two expiries.
#[tokio::test]
async fn polling_finds_what_no_callback_told() {
    let vipps = placed_with(PaymentMethod::Vipps).await;
    vipps.s.work_outboxes().await;
    let pulled = vipps.pulled().await;
    let expires: chrono::DateTime<Utc> = serde_json::from_value(pulled["expires_at"].clone()).unwrap();
    let left = expires - Utc::now();
    assert!(
        left > Duration::minutes(9) && left <= Duration::minutes(10),
        "{left}"
    );
    vipps
        .s
        .fake_control("vipps/OSL1-000001-1/expire?callback=none")
        .await;
    assert_eq!(vipps.state("OSL1-000001-1").await.0, "sent");
    // Not yet due: the first question is 30 s after sending.
    assert_eq!(vipps.s.poll_payments_at(Utc::now()).await, 0);
    assert_eq!(
        vipps.s.poll_payments_at(Utc::now() + Duration::seconds(31)).await,
        1
    );
    assert_eq!(vipps.state("OSL1-000001-1").await.0, "expired");
    assert_eq!(vipps.pulled().await["expires_at"], Value::Null);

    let klarna = placed_with(PaymentMethod::KlarnaFaktura).await;
    klarna.s.work_outboxes().await;
    let session = klarna.sent_session().await;
    let expires: chrono::DateTime<Utc> =
        serde_json::from_value(klarna.pulled().await["expires_at"].clone()).unwrap();
    assert!(
        expires - Utc::now() > Duration::minutes(170),
        "Klarna's own expires_at"
    );
    klarna.s.fake_control(&format!("klarna/{session}/expire")).await;
    klarna.s.poll_payments_at(Utc::now() + Duration::minutes(3)).await;
    assert_eq!(klarna.state("OSL1-000001-1").await.0, "expired");

    let approved = placed_with(PaymentMethod::Vipps).await;
    approved.s.work_outboxes().await;
    approved
        .s
        .fake_control("vipps/OSL1-000001-1/approve?user_age=40&callback=none")
        .await;
    approved
        .s
        .poll_payments_at(Utc::now() + Duration::minutes(1))
        .await;
    assert_eq!(approved.state("OSL1-000001-1").await.0, "reserved");
}

/// Klarna's Payments and HPP calls take no idempotency key. An answer lost at each step (the fake
/// acts, then answers 504) still ends with one page sent to the customer and one SMS.
#[tokio::test]
async fn a_lost_answer_at_each_klarna_step_sends_one_page_and_one_sms() {
    for (step, path) in [
        ("kp", "/payments/v1/sessions"),
        ("hpp", "/hpp/v1/sessions"),
        ("distribution", "/distribution"),
    ] {
        let p = placed_with(PaymentMethod::KlarnaFaktura).await;
        p.s.lose_next_answer(path).await;
        p.s.work_outboxes().await;
        p.s.make_retries_due().await;
        p.s.work_outboxes().await;
        let sessions = p.klarna_sessions().await;
        let sms: usize = sessions
            .iter()
            .map(|s| s["distributions"].as_array().unwrap().len())
            .sum();
        assert_eq!(sms, 1, "{step}: one SMS");
        p.sent_session().await;
        let log = p.s.fake_log().await;
        let kp_sessions = log["klarna_kp"].as_object().unwrap().len();
        // A lost KP answer leaves one session nobody sees (it expires); a lost page answer one page
        // nobody was sent. Neither is ever sent, so the customer has one link.
        let expected = match step {
            "kp" => (2, 1),
            "hpp" => (1, 2),
            _ => (1, 1),
        };
        assert_eq!((kp_sessions, sessions.len()), expected, "{step}");
        let (state, detail) = p.state("OSL1-000001-1").await;
        assert_eq!(state, "sent", "{step}");
        if step == "distribution" {
            assert!(detail.unwrap().contains("trolig sendt"), "staff are told to ask");
        }
    }
}

/// Vipps' `success` is the event's outcome: a CAPTURED with `success: false` is a failed capture and
/// leaves the payment reserved.
#[tokio::test]
async fn a_vipps_capture_with_success_false_is_not_a_capture() {
    let p = placed_with(PaymentMethod::Vipps).await;
    p.s.work_outboxes().await;
    p.s.fake_control("vipps/OSL1-000001-1/approve?user_age=40").await;
    let answer =
        p.s.fake_control("vipps/OSL1-000001-1/webhook?name=CAPTURED&success=false")
            .await;
    assert_eq!(answer["webhook_statuses"], serde_json::json!([200]));
    assert_eq!(p.state("OSL1-000001-1").await.0, "reserved");
    assert_eq!(p.pulled().await["state"], "reserved");
}

/// Vipps `TERMINATED` is the shop's own cancellation before approval, not the customer's decline.
#[tokio::test]
async fn vipps_terminated_is_shown_as_cancelled_by_the_shop() {
    let p = placed_with(PaymentMethod::Vipps).await;
    p.s.work_outboxes().await;
    // The order is switched and back: the first push is withdrawn (TERMINATED at Vipps).
    p.switch_to(2, PaymentMethod::Vipps).await;
    p.s.work_outboxes().await;
    assert_eq!(
        p.s.fake_log().await["vipps"]["OSL1-000001-1"]["state"],
        "TERMINATED"
    );
    assert_eq!(p.state("OSL1-000001-1").await.0, "cancelled");
    let texts: Vec<String> = sqlx::query_scalar("SELECT state FROM payments ORDER BY attempt")
        .fetch_all(&p.s.pool)
        .await
        .unwrap();
    assert_eq!(texts, ["cancelled", "sent"]);
    assert_eq!(
        skranke_protocol::PaymentStateCode::Cancelled.text(),
        "kansellert av butikken"
    );
}

/// R3, S2a on Klarna's invoice: the capture at dispatch carries the order's lines, and a partial
/// return's refund the returned lines, each adding up to its amount with the MVA core computes.
#[tokio::test]
async fn klarna_capture_and_refund_carry_their_lines() {
    let p = placed_with(PaymentMethod::KlarnaFaktura).await;
    p.s.work_outboxes().await;
    let session = p.sent_session().await;
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    let sent =
        p.s.post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    p.s.work_outboxes().await;
    let ret = skranke_protocol::ReturnRegistered {
        return_id: uuid::Uuid::now_v7(),
        order_id: p.placed.order_id,
        return_no: 1,
        created_at_utc: at(),
        ret: valid_return(&p.order, &[(1, 1)]),
    };
    let r =
        p.s.push(&p.desk, vec![mutation(2, MutationKind::ReturnRegistered, &ret)])
            .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    p.s.work_outboxes().await;
    let waiting = p.s.fake_log().await;
    assert_eq!(
        waiting["klarna"][&session]["operations"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing is paid back before the goods are in"
    );
    skranke_central::return_receipt::mark_received(&p.s.pool, "OSL1-000001", 1, "test", Utc::now())
        .await
        .unwrap();
    p.s.work_outboxes().await;

    let log = p.s.fake_log().await;
    let operations = log["klarna"][&session]["operations"].as_array().unwrap().clone();
    assert_eq!(operations.len(), 2, "{operations:?}");
    let sum = |body: &Value, field: &str| -> i64 {
        body["order_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l[field].as_i64().unwrap())
            .sum()
    };
    let capture = &operations[0]["body"];
    assert_eq!(operations[0]["kind"], "capture");
    assert_eq!(capture["captured_amount"], p.order.totals.total.ore());
    assert_eq!(sum(capture, "total_amount"), p.order.totals.total.ore());
    let tax: i64 = p.order.totals.mva.iter().map(|m| m.mva.ore()).sum();
    assert_eq!(sum(capture, "total_tax_amount"), tax);

    let refund = &operations[1]["body"];
    assert_eq!(operations[1]["kind"], "refund");
    let expected = skranke_core::refund_of_return(&p.order, &[], &ret.ret);
    assert_eq!(refund["refunded_amount"], expected.total.ore());
    let lines = refund["order_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "one unit of line 1, no shipping");
    assert_eq!(lines[0]["reference"], p.order.lines[0].sku);
    assert_eq!(lines[0]["quantity"], 1);
    let refund_tax: i64 = expected.mva.iter().map(|m| m.mva.ore()).sum();
    assert_eq!(sum(refund, "total_tax_amount"), refund_tax);
}

/// P5: a Klarna order made cheaper after the customer paid (one unit fewer) is captured at its new
/// total when sent, and the rest of the authorisation is released at once
/// (`release-remaining-authorization`), not left to run out; the payment stays captured.
#[tokio::test]
async fn a_klarna_order_captured_in_part_releases_the_rest() {
    use skranke_core::order_change::{validate_change, ChangeDraft};
    let p = placed_with(PaymentMethod::KlarnaFaktura).await;
    p.s.work_outboxes().await;
    let session = p.sent_session().await;
    p.s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(p.state("OSL1-000001-1").await.0, "reserved");

    let products = catalog(5);
    let mut draft = ChangeDraft::of(&p.order);
    draft.lines[0].quantity = 1;
    let cheaper = validate_change(
        &p.order,
        &draft,
        |sku| products.iter().find(|x| x.sku == sku).cloned(),
        today().and_hms_opt(12, 0, 0).unwrap(),
        &skranke_core::ShopPolicy::default(),
    )
    .unwrap();
    let changed = skranke_protocol::OrderChanged {
        order_id: p.placed.order_id,
        base_version: 1,
        version: 2,
        changed_at_utc: at(),
        changed_by: "Kari".into(),
        reprice: false,
        order: cheaper.clone(),
    };
    let r =
        p.s.push(&p.desk, vec![mutation(2, MutationKind::OrderChanged, &changed)])
            .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let sent =
        p.s.post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    p.s.work_outboxes().await;
    let klarna = &p.s.fake_log().await["klarna"][&session];
    assert_eq!(klarna["captured"], cheaper.totals.total.ore(), "{klarna}");
    assert_eq!(
        klarna["released"],
        p.order.totals.total.ore() - cheaper.totals.total.ore(),
        "{klarna}"
    );
    let kinds: Vec<&str> = klarna["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["capture", "release"]);
    assert_eq!(p.state("OSL1-000001-1").await.0, "captured");
}
