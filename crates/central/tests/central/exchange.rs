//! Exchanges (R3 bytte): the goods coming back and the new order are applied together, and the
//! customer pays or gets back the difference only, never a full refund and a new payment.

use mail_parser::{MessageParser, MimeHeaders};
use skranke_core::exchange::{exchange_order, exchange_terms, seller_at_fault, Settlement};
use skranke_core::order::LineDraft;
use skranke_core::{Money, PaymentMethod, Product, ShopPolicy, ValidOrder, ValidReturn};
use skranke_e2e::smtp_sink::SmtpSink;
use skranke_protocol::{ExchangeRegistered, MutationKind, OrderPlaced, PairResponse};
use uuid::Uuid;

use crate::support::*;

/// A Vipps order of two lines, approved and sent (so captured), with an e-mail address.
async fn sent_order(s: &TestServer) -> (Vec<Product>, ValidOrder, PairResponse, OrderPlaced) {
    let products = catalog(6);
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = PaymentMethod::Vipps.code().into();
        d.customer.email = "kari@example.no".into();
    });
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let placed = order_placed("OSL1-000001", &order);
    let r = s
        .push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    s.fake_control("vipps/OSL1-000001-1/approve?user_age=30").await;
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
    (products, order, desk, placed)
}

/// One unit of line `line_no` back for `reason`, built through core as the desk builds it.
fn back(order: &ValidOrder, line_no: u32, reason: &str) -> ValidReturn {
    let draft = skranke_core::ReturnDraft {
        lines: vec![skranke_core::return_request::ReturnLineDraft {
            line_no,
            quantity: 1,
            reason: reason.into(),
        }],
        ..Default::default()
    };
    skranke_core::return_request::validate_return(&order.lines, &vec![0; order.lines.len()], &draft).unwrap()
}

/// The exchange as a desk makes it: core's new order and terms.
fn exchange(
    products: &[Product],
    placed: &OrderPlaced,
    ret: ValidReturn,
    new_sku: &str,
) -> ExchangeRegistered {
    let order = &placed.order;
    let new_order = exchange_order(
        order,
        &[LineDraft {
            discount: None,
            sku: new_sku.into(),
            quantity: 1,
        }],
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
        seller_at_fault(&ret),
    )
    .unwrap();
    let terms = exchange_terms(order, &vec![0; order.lines.len()], &ret, &new_order);
    ExchangeRegistered {
        order_id: placed.order_id,
        return_id: Uuid::now_v7(),
        return_no: 1,
        ret,
        new_order_id: Uuid::now_v7(),
        new_order_number: "OSL1-000002".into(),
        created_at_utc: at(),
        created_by: "Ola".into(),
        new_order,
        terms,
    }
}

async fn payments_of(s: &TestServer, number: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT p.state, p.amount_ore FROM payments p JOIN orders o ON o.id = p.order_id
         WHERE o.number = $1 ORDER BY p.attempt",
    )
    .bind(number)
    .fetch_all(&s.pool)
    .await
    .unwrap()
}

/// A wrong item (feil vare) swapped for a cheaper one: no freight either way, no new payment, and
/// when the goods are received the original payment is refunded by the difference only. The
/// customer gets the exchange slip with both barcodes' texts and the settlement.
#[tokio::test]
async fn an_exchange_is_refunded_by_the_difference_only() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let (products, order, desk, placed) = sent_order(&s).await;
    sink.take();
    // The dearer of the two lines goes back, for the cheapest product not on the order.
    let line_no = if order.lines[0].unit_price >= order.lines[1].unit_price {
        1
    } else {
        2
    };
    let returned_price = order.lines[line_no as usize - 1].unit_price;
    let cheapest = products[2..].iter().min_by_key(|p| p.price).unwrap();
    assert!(
        cheapest.price < returned_price,
        "the demo catalog has a cheaper product"
    );
    let e = exchange(
        &products,
        &placed,
        back(&order, line_no, "feil_vare"),
        &cheapest.sku,
    );
    assert_eq!(
        e.new_order.totals.shipping,
        Money::ZERO,
        "no freight for a wrong item"
    );
    let difference = returned_price.ore() - cheapest.price.ore();
    assert_eq!(
        e.terms.settlement(),
        Settlement::CustomerGetsBack {
            amount: Money::from_ore(difference)
        }
    );
    // Sent twice (an answer lost): applied once.
    let m = mutation(2, MutationKind::ExchangeRegistered, &e);
    for _ in 0..2 {
        let r = s.push(&desk, vec![m.clone()]).await;
        assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    }
    s.work_outboxes().await;
    assert_eq!(s.count("orders").await, 2);
    assert_eq!(s.count("returns").await, 1);
    assert!(
        payments_of(&s, "OSL1-000002").await.is_empty(),
        "the new order is paid by the credit"
    );
    assert_eq!(s.fake_log().await["vipps"]["OSL1-000001-1"]["refunded"], 0);

    for _ in 0..2 {
        skranke_central::return_receipt::mark_received(
            &s.pool,
            "OSL1-000001",
            1,
            "lager",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    s.work_outboxes().await;
    let log = s.fake_log().await;
    assert_eq!(log["vipps"]["OSL1-000001-1"]["refunded"], difference, "{log}");
    assert!(log["vipps"].get("OSL1-000002-1").is_none(), "{log}");

    // Settled against the goods coming back, the new order is not cancelled from a desk.
    let cancel = skranke_protocol::OrderCancelled {
        order_id: e.new_order_id,
        reason: "Kunden angret".into(),
        cancelled_at_utc: at(),
        cancelled_by: Some("Ola".into()),
    };
    let r = s
        .push(&desk, vec![mutation(3, MutationKind::OrderCancelled, &cancel)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    assert!(
        r.body["results"][0]["rejection"]["message"]
            .as_str()
            .unwrap()
            .contains("er et bytte for varer fra ordre OSL1-000001"),
        "{}",
        r.body
    );

    // The back office links the two orders.
    let mut b = crate::office::leder(&s).await;
    let original = b.get("/kontor/ordrer/OSL1-000001").await;
    assert!(
        original.body.contains("Bytte: de nye varene sendes som ordre")
            && original.body.contains("href=\"/kontor/ordrer/OSL1-000002\""),
        "{}",
        original.body
    );
    let new = b.get("/kontor/ordrer/OSL1-000002").await;
    assert!(
        new.body.contains("denne ordren erstatter varer fra ordre"),
        "{}",
        new.body
    );

    let mails = sink.take();
    assert_eq!(mails.len(), 1);
    let message = MessageParser::default().parse(&mails[0].data).unwrap();
    assert_eq!(
        message.subject(),
        Some("Bytte: ordre OSL1-000002 erstatter varer fra OSL1-000001")
    );
    let attachment = message.attachments().next().unwrap();
    assert_eq!(attachment.attachment_name(), Some("bytteseddel-OSL1-000002.pdf"));
    let pdf = pdf_text(attachment.contents());
    for expected in [
        "Bytteseddel",
        "Retur OSL1-000001-R1",
        "Dette sender vi deg: ordre OSL1-000002",
        &cheapest.name,
        "Feil vare",
        "Vi dekker returfrakten",
        "Angrerett",
    ] {
        assert!(pdf.contains(expected), "{expected} in {pdf}");
    }
    assert!(
        pdf.contains(&format!("Du får {} tilbake", Money::from_ore(difference)).replace('\u{a0}', " ")),
        "{pdf}"
    );
}

/// A dearer model the customer wants (angrerett): one payment request for the difference, the
/// return label and the new parcel; the Vipps receipt sets the returned goods against the new ones,
/// and dispatch captures exactly that. The original payment is not touched.
#[tokio::test]
async fn a_dearer_exchange_asks_for_the_difference_only() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order, desk, placed) = sent_order(&s).await;
    let line_no = if order.lines[0].unit_price <= order.lines[1].unit_price {
        1
    } else {
        2
    };
    let returned_price = order.lines[line_no as usize - 1].unit_price;
    let dearest = products[2..].iter().max_by_key(|p| p.price).unwrap();
    assert!(
        dearest.price > returned_price,
        "the demo catalog has a dearer product"
    );
    let e = exchange(
        &products,
        &placed,
        back(&order, line_no, "angrerett"),
        &dearest.sku,
    );
    let Settlement::CustomerPays { amount } = e.terms.settlement() else {
        panic!("{:?}", e.terms)
    };
    assert_eq!(
        amount.ore(),
        dearest.price.ore() + e.new_order.totals.shipping.ore() + order.shipping.price.ore()
            - returned_price.ore()
    );
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::ExchangeRegistered, &e)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    assert_eq!(
        payments_of(&s, "OSL1-000002").await,
        vec![("sent".to_string(), amount.ore())]
    );
    let log = s.fake_log().await;
    let request = &log["vipps"]["OSL1-000002-1"]["request"];
    assert_eq!(request["amount"]["value"], amount.ore(), "{request}");
    let lines = request["receipt"]["orderLines"].as_array().unwrap();
    let signed: i64 = lines
        .iter()
        .map(|l| {
            let v = l["totalAmount"].as_i64().unwrap();
            if l["isReturn"] == true {
                -v
            } else {
                v
            }
        })
        .sum();
    assert_eq!(
        signed,
        amount.ore(),
        "the receipt adds up to the amount: {request}"
    );
    assert!(lines
        .iter()
        .any(|l| l["isReturn"] == true && l["totalAmount"] == returned_price.ore()));
    assert!(lines.iter().any(|l| l["name"] == "Returfrakt"), "{request}");
    assert_eq!(log["vipps"]["OSL1-000001-1"]["refunded"], 0);

    s.fake_control("vipps/OSL1-000002-1/approve?user_age=30").await;
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000002/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901235"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    s.work_outboxes().await;
    let log = s.fake_log().await;
    assert_eq!(log["vipps"]["OSL1-000002-1"]["captured"], amount.ore(), "{log}");
    // The goods coming back pay nothing back: they paid for the new ones.
    skranke_central::return_receipt::mark_received(&s.pool, "OSL1-000001", 1, "lager", chrono::Utc::now())
        .await
        .unwrap();
    s.work_outboxes().await;
    assert_eq!(s.fake_log().await["vipps"]["OSL1-000001-1"]["refunded"], 0);
}

/// A desk whose figures differ from the central store's (an old desk, a tampered payload) is
/// refused with both, and nothing of the exchange is stored.
#[tokio::test]
async fn an_exchange_with_other_figures_is_refused_whole() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order, desk, placed) = sent_order(&s).await;
    let mut e = exchange(&products, &placed, back(&order, 1, "angrerett"), &products[3].sku);
    e.terms.credit = Money::from_ore(e.terms.credit.ore() + 10_000);
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::ExchangeRegistered, &e)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    let message = r.body["results"][0]["rejection"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("regner byttet annerledes"), "{}", r.body);
    assert_eq!(s.count("orders").await, 1);
    assert_eq!(s.count("returns").await, 0);
}
