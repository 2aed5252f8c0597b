//! Payment requests (P5) against the fake Vipps and Klarna servers: what is sent, what comes back, and
//! that every webhook ends in the right state once.

use serde_json::Value;
use skranke_core::{Money, MvaRate, PaymentMethod, ValidOrder};
use skranke_payments::{PaymentRequest, ProviderError};
use skranke_protocol::{MutationKind, OrderPlaced, PaymentRequested, ReturnRegistered};
use uuid::Uuid;

use crate::support::*;

/// An order paid with `method`, with an e-mail address.
fn order_with(method: PaymentMethod) -> (Vec<skranke_core::Product>, ValidOrder) {
    let products = catalog(5);
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = method.code().into();
        d.customer.email = "kari@example.no".into();
    });
    (products, order)
}

async fn place(
    s: &TestServer,
    order: &ValidOrder,
    products: &[skranke_core::Product],
) -> (skranke_protocol::PairResponse, OrderPlaced) {
    s.import(products).await;
    let desk = s.pair("OSL").await;
    let placed = order_placed("OSL1-000001", order);
    let r = s
        .push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    (desk, placed)
}

async fn state_of(s: &TestServer, reference: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT state, detail FROM payments WHERE reference = $1")
        .bind(reference)
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

/// The order as a desk pulls it: its payment status travels in the orders stream.
async fn pulled_payment(s: &TestServer, desk: &skranke_protocol::PairResponse) -> Value {
    let r = s.get("/v1/pull?stream=orders&limit=100", Some(&desk.token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["changes"].as_array().unwrap().last().unwrap()["order"]["payment"].clone()
}

/// P5, F5: a Vipps push to a mobile number: the request has Vipps' shape; approval reserves; dispatch
/// captures; a return refunds once its goods are marked received.
#[tokio::test]
async fn vipps_push_reserve_capture_refund() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = order_with(PaymentMethod::Vipps);
    let (desk, placed) = place(&s, &order, &products).await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "requested");
    assert_eq!(pulled_payment(&s, &desk).await["text"], "venter på betaling");

    assert_eq!(s.work_outboxes().await, 1);
    let log = s.fake_log().await;
    let payment = &log["vipps"]["OSL1-000001-1"];
    let request = &payment["request"];
    assert_eq!(request["userFlow"], "PUSH_MESSAGE");
    assert_eq!(request["customerInteraction"], "CUSTOMER_NOT_PRESENT");
    assert_eq!(request["minimumUserAge"], 18);
    assert_eq!(request["customer"]["phoneNumber"], "4741234567");
    assert_eq!(
        request["amount"],
        serde_json::json!({"currency": "NOK", "value": order.totals.total.ore()})
    );
    assert_eq!(payment["pushes"], 1);
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "sent");

    let answer = s.fake_control("vipps/OSL1-000001-1/approve?user_age=30").await;
    assert_eq!(answer["webhook_statuses"], serde_json::json!([200]));
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "reserved");
    let pulled = pulled_payment(&s, &desk).await;
    assert_eq!(pulled["state"], "reserved");
    assert_eq!(pulled["text"], "reservert");

    // P1: taken when the parcel is sent.
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    s.work_outboxes().await;
    assert_eq!(
        s.fake_log().await["vipps"]["OSL1-000001-1"]["captured"],
        order.totals.total.ore()
    );
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "captured");

    // One of the two units of line 1 comes back: its price is refunded.
    let ret = ReturnRegistered {
        return_id: Uuid::now_v7(),
        order_id: placed.order_id,
        return_no: 1,
        created_at_utc: at(),
        ret: valid_return(&order, &[(1, 1)]),
    };
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::ReturnRegistered, &ret)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    // Paid back when the warehouse has the goods, once however often it is marked.
    assert_eq!(s.fake_log().await["vipps"]["OSL1-000001-1"]["refunded"], 0);
    for _ in 0..2 {
        skranke_central::return_receipt::mark_received(&s.pool, "OSL1-000001", 1, "test", chrono::Utc::now())
            .await
            .unwrap();
    }
    s.work_outboxes().await;
    assert_eq!(
        s.fake_log().await["vipps"]["OSL1-000001-1"]["refunded"],
        order.lines[0].unit_price.ore()
    );
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "refunded");

    // S2a: the rest comes back; with the last unit the shipping is paid back too, so the two refunds
    // add up to everything the customer paid.
    let rest = ReturnRegistered {
        return_id: Uuid::now_v7(),
        order_id: placed.order_id,
        return_no: 2,
        created_at_utc: at(),
        ret: valid_return(
            &order,
            &[(1, order.lines[0].quantity - 1), (2, order.lines[1].quantity)],
        ),
    };
    assert!(order.totals.shipping > Money::ZERO);
    let r = s
        .push(&desk, vec![mutation(3, MutationKind::ReturnRegistered, &rest)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    skranke_central::return_receipt::mark_received(&s.pool, "OSL1-000001", 2, "test", chrono::Utc::now())
        .await
        .unwrap();
    s.work_outboxes().await;
    assert_eq!(
        s.fake_log().await["vipps"]["OSL1-000001-1"]["refunded"],
        order.totals.total.ore()
    );
}

/// F5: a landline never reaches Vipps: the adapter refuses before any request, and a switch to Vipps
/// for a landline customer is refused by the central store.
#[tokio::test]
async fn a_landline_is_refused_before_any_request() {
    let s = TestServer::start_with_providers(None).await;
    // Placed with faktura: the desk refuses Vipps for a landline.
    let products = catalog(5);
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = "klarna_faktura".into();
        d.customer.phone = "22123456".into();
        d.customer.email = "kari@example.no".into();
    });
    let vipps = s.state.integrations.vipps.as_ref().unwrap();
    let refused = vipps
        .create(&PaymentRequest {
            reference: "OSL1-000009-1",
            order_number: "OSL1-000009",
            method: PaymentMethod::Vipps,
            order: &order,
            credit: &[],
        })
        .await;
    assert!(matches!(refused, Err(ProviderError::NotMobile(_))), "{refused:?}");
    assert_eq!(s.fake_log().await["requests"], serde_json::json!([]));

    // Staff try to switch the order to Vipps.
    let (desk, placed) = place(&s, &order, &products).await;
    let switch = PaymentRequested {
        order_id: placed.order_id,
        method: PaymentMethod::Vipps,
        requested_at_utc: at(),
    };
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::PaymentRequested, &switch)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    assert!(r.body["results"][0]["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("mobilnummer"));
    assert_eq!(s.count("payments").await, 1);
}

/// Vipps' `minimumUserAge: 18`: a 17-year-old's approval is refused in the app; the payment ends
/// declined, and the central store learns nothing about the age.
#[tokio::test]
async fn an_under_18_approval_is_refused_by_minimum_user_age() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = order_with(PaymentMethod::Vipps);
    let (desk, _) = place(&s, &order, &products).await;
    s.work_outboxes().await;
    let answer = s.fake_control("vipps/OSL1-000001-1/approve?user_age=17").await;
    assert_eq!(answer["state"], "ABORTED");
    let (state, detail) = state_of(&s, "OSL1-000001-1").await;
    assert_eq!(state, "declined");
    assert!(detail.unwrap().contains("aldersgrensen"));
    assert_eq!(pulled_payment(&s, &desk).await["text"], "avvist av kunden");
}

/// P5, S2: a Klarna link for faktura: the KP session is TELESALES in NOK for Norway, every line has its
/// MVA, the lines add up per rate to the order's S2 figures, and the link goes out by SMS once.
#[tokio::test]
async fn a_klarna_link_carries_the_right_amounts_and_mva_per_line() {
    let s = TestServer::start_with_providers(None).await;
    // Prices that round differently per line than per rate: 3 × 0,99 at 25 % and food at 15 %.
    let mut products = catalog(5);
    products[0].price = Money::from_ore(99);
    products[0].mva_rate = MvaRate::General;
    products[1].price = Money::from_ore(333);
    products[1].mva_rate = MvaRate::Food;
    products[2].price = Money::from_ore(101);
    products[2].mva_rate = MvaRate::General;
    let order = order_paid_with(&products[..3], PaymentMethod::KlarnaFaktura);
    let (_, _) = place(&s, &order, &products).await;
    s.work_outboxes().await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "sent");

    let log = s.fake_log().await;
    let session = log["klarna"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    let kp = &session["kp_session"];
    assert_eq!(kp["acquiring_channel"], "TELESALES");
    assert_eq!(kp["purchase_country"], "NO");
    assert_eq!(kp["purchase_currency"], "NOK");
    assert_eq!(kp["locale"], "nb-NO");
    assert_eq!(kp["merchant_reference1"], "OSL1-000001");
    assert_eq!(kp["order_amount"], order.totals.total.ore());
    let lines = kp["order_lines"].as_array().unwrap();
    // S2a: one shipping line per rate the shipping takes.
    assert_eq!(
        lines.len(),
        order.lines.len() + order.totals.shipping_shares().len()
    );
    for (line, ours) in lines.iter().zip(&order.lines) {
        assert_eq!(line["unit_price"], ours.unit_price.ore());
        assert_eq!(line["quantity"], ours.quantity);
        assert_eq!(line["total_amount"], ours.line_total.ore());
        assert_eq!(line["tax_rate"], ours.mva_rate.basis_points());
    }
    // S2: per rate, the lines' MVA equals the MVA the confirmation prints.
    for mva in &order.totals.mva {
        let of_rate: i64 = lines
            .iter()
            .filter(|l| l["tax_rate"] == mva.rate.basis_points())
            .map(|l| l["total_tax_amount"].as_i64().unwrap())
            .sum();
        assert_eq!(of_rate, mva.mva.ore(), "{:?}", mva.rate);
    }
    let tax_total: i64 = order.totals.mva.iter().map(|m| m.mva.ore()).sum();
    assert_eq!(kp["order_tax_amount"], tax_total);
    // OptionsV1's enum spelling.
    assert_eq!(session["categories"], serde_json::json!(["PAY_LATER"]));
    assert_eq!(session["place_order_mode"], "PLACE_ORDER");
    assert_eq!(session["distributions"], serde_json::json!(["sms:+4741234567"]));
}

/// S2, S2a: a Vipps push carries the order as its receipt (ePayment's `receipt`), which the fake checks
/// against Order Management's schema; per rate, its MVA is the MVA the confirmation prints, and the
/// shipping, split over a 25 %/15 % basket, is marked as shipping.
#[tokio::test]
async fn a_vipps_request_carries_the_receipt_with_the_confirmations_mva() {
    let s = TestServer::start_with_providers(None).await;
    let mut products = catalog(5);
    products[0].price = Money::from_ore(99);
    products[0].mva_rate = MvaRate::General;
    products[1].price = Money::from_ore(333);
    products[1].mva_rate = MvaRate::Food;
    let order = order_paid_with(&products[..2], PaymentMethod::Vipps);
    let (_, _) = place(&s, &order, &products).await;
    s.work_outboxes().await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "sent");

    let log = s.fake_log().await;
    let request = &log["vipps"]["OSL1-000001-1"]["request"];
    assert_eq!(request["amount"]["value"], order.totals.total.ore());
    let receipt = &request["receipt"];
    assert_eq!(receipt["bottomLine"]["currency"], "NOK");
    assert_eq!(receipt["bottomLine"]["receiptNumber"], "OSL1-000001");
    let lines = receipt["orderLines"].as_array().unwrap();
    let shipping_shares = order.totals.shipping_shares();
    assert_eq!(shipping_shares.len(), 2, "the basket has two rates");
    assert_eq!(lines.len(), order.lines.len() + shipping_shares.len());
    for (line, ours) in lines.iter().zip(&order.lines) {
        assert_eq!(line["id"], ours.sku);
        assert_eq!(line["totalAmount"], ours.line_total.ore());
        assert_eq!(line["taxRate"], ours.mva_rate.basis_points());
        assert_eq!(line["unitInfo"]["quantity"], ours.quantity.to_string());
        assert_eq!(line["isShipping"], false);
    }
    for (line, share) in lines[order.lines.len()..].iter().zip(&shipping_shares) {
        assert_eq!(line["isShipping"], true);
        assert_eq!(line["totalAmount"], share.amount.ore());
        assert_eq!(line["taxRate"], share.rate.basis_points());
    }
    for mva in &order.totals.mva {
        let of_rate: i64 = lines
            .iter()
            .filter(|l| l["taxRate"] == mva.rate.basis_points())
            .map(|l| l["totalTaxAmount"].as_i64().unwrap())
            .sum();
        assert_eq!(of_rate, mva.mva.ore(), "{:?}", mva.rate);
    }
}

/// Expiry, a decline and a duplicated webhook each end in the right state, once.
#[tokio::test]
async fn expiry_decline_and_a_duplicate_webhook_each_end_once() {
    let s = TestServer::start_with_providers(None).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let methods = [
        PaymentMethod::Vipps,
        PaymentMethod::KlarnaDelbetaling,
        PaymentMethod::Vipps,
        PaymentMethod::Kort,
    ];
    let mut mutations = Vec::new();
    for (i, method) in methods.iter().enumerate() {
        let order = order_paid_with(&products[..1], *method);
        let placed = order_placed(&format!("OSL1-00000{}", i + 1), &order);
        mutations.push(mutation(
            i64::try_from(i).unwrap() + 1,
            MutationKind::OrderPlaced,
            &placed,
        ));
    }
    let r = s.push(&desk, mutations).await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.work_outboxes().await;
    let log = s.fake_log().await;
    let klarna_session = |n: &str| -> String {
        log["klarna"]
            .as_object()
            .unwrap()
            .values()
            .find(|k| k["kp_session"]["merchant_reference1"] == n)
            .unwrap()["session_id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    s.fake_control("vipps/OSL1-000001-1/expire").await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "expired");

    s.fake_control(&format!("klarna/{}/cancel", klarna_session("OSL1-000002")))
        .await;
    assert_eq!(state_of(&s, "OSL1-000002-1").await.0, "declined");

    let answer = s
        .fake_control("vipps/OSL1-000003-1/approve?user_age=40&duplicate=true")
        .await;
    assert_eq!(answer["webhook_statuses"], serde_json::json!([200, 200]));
    assert_eq!(state_of(&s, "OSL1-000003-1").await.0, "reserved");

    // Card through Klarna's page is taken at once (P1), also with the status update delivered twice.
    let answer = s
        .fake_control(&format!(
            "klarna/{}/complete?duplicate=true",
            klarna_session("OSL1-000004")
        ))
        .await;
    assert_eq!(answer["webhook_statuses"], serde_json::json!([200, 200]));
    assert_eq!(state_of(&s, "OSL1-000004-1").await.0, "captured");

    // Each delivery recorded once; nothing else moved.
    let events: i64 = s.count("provider_events").await;
    assert_eq!(events, 4);
    // A forged Vipps webhook is refused and changes nothing.
    let forged = s
        .post_json(
            "/v1/webhooks/vipps",
            None,
            &serde_json::json!({"msn": "123456", "reference": "OSL1-000001-1", "pspReference": "x",
                                "name": "AUTHORIZED", "amount": {"currency": "NOK", "value": 1},
                                "timestamp": "2026-11-22T05:00:00Z", "success": true}),
        )
        .await;
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "expired");
    let wrong_secret = s
        .post_json("/v1/webhooks/klarna/gjettet", None, &serde_json::json!({}))
        .await;
    assert_eq!(wrong_secret.status, 401);
}

/// P5: staff switch method while the request is open: the old one is withdrawn at the provider, the new
/// one sent; once reserved, another switch is refused.
#[tokio::test]
async fn switching_method_withdraws_the_open_request_and_is_refused_once_reserved() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = order_with(PaymentMethod::Vipps);
    let (desk, placed) = place(&s, &order, &products).await;
    s.work_outboxes().await;
    let switch = |method| PaymentRequested {
        order_id: placed.order_id,
        method,
        requested_at_utc: at(),
    };
    let r = s
        .push(
            &desk,
            vec![mutation(
                2,
                MutationKind::PaymentRequested,
                &switch(PaymentMethod::KlarnaFaktura),
            )],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "cancelled");
    assert_eq!(
        s.fake_log().await["vipps"]["OSL1-000001-1"]["state"],
        "TERMINATED"
    );
    assert_eq!(state_of(&s, "OSL1-000001-2").await.0, "sent");
    let pulled = pulled_payment(&s, &desk).await;
    assert_eq!(pulled["method"], "klarna_faktura");

    let log = s.fake_log().await;
    let session = log["klarna"].as_object().unwrap().keys().next().unwrap().clone();
    s.fake_control(&format!("klarna/{session}/complete")).await;
    assert_eq!(state_of(&s, "OSL1-000001-2").await.0, "reserved");
    let r = s
        .push(
            &desk,
            vec![mutation(
                3,
                MutationKind::PaymentRequested,
                &switch(PaymentMethod::Vipps),
            )],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    assert_eq!(r.body["results"][0]["rejection"]["code"], "payment_settled");
}

/// A provider that does not answer: the job is retried with the same idempotency key, and the
/// customer gets one push.
#[tokio::test]
async fn a_retried_request_reaches_the_customer_once() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = order_with(PaymentMethod::Vipps);
    place(&s, &order, &products).await;
    // The job ran, but its answer was lost: run the same job again as if the commit never happened.
    s.work_outboxes().await;
    sqlx::query("UPDATE payment_jobs SET done_at = NULL, next_attempt_at = now() - interval '1 second'")
        .execute(&s.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE payments SET state = 'requested'")
        .execute(&s.pool)
        .await
        .unwrap();
    s.work_outboxes().await;
    let log = s.fake_log().await;
    assert_eq!(log["vipps"].as_object().unwrap().len(), 1);
    assert_eq!(log["vipps"]["OSL1-000001-1"]["pushes"], 1);
    let creates: Vec<&Value> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/epayment/v1/payments")
        .collect();
    assert_eq!(creates.len(), 2);
    assert!(creates.iter().all(|r| r["idempotency_key"] == "OSL1-000001-1"));
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "sent");
}

/// An order cancelled before dispatch (by the back office, the command line or the desk) gives the
/// customer's money back: a reservation is released at the provider, nothing is captured.
#[tokio::test]
async fn cancelling_before_dispatch_releases_the_reservation() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = order_with(PaymentMethod::Vipps);
    place(&s, &order, &products).await;
    s.work_outboxes().await;
    s.fake_control("vipps/OSL1-000001-1/approve?user_age=30").await;
    assert_eq!(state_of(&s, "OSL1-000001-1").await.0, "reserved");

    let cancelled = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "kansellert"}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    s.work_outboxes().await;
    let log = s.fake_log().await;
    assert_eq!(
        log["vipps"]["OSL1-000001-1"]["cancelled"],
        order.totals.total.ore(),
        "{log}"
    );
    assert_eq!(log["vipps"]["OSL1-000001-1"]["captured"], 0, "{log}");
}
