//! Changing and cancelling a placed order from a desk (D8, P5): a new version judged against the one
//! that stands, the payment following the new amount, and the customer told by e-mail with the
//! changed confirmation or the cancellation as PDF.

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use skranke_core::order::LineDraft;
use skranke_core::order_change::{validate_change, ChangeDraft};
use skranke_core::{PaymentMethod, Product, ShopPolicy, ValidOrder};
use skranke_e2e::smtp_sink::SmtpSink;
use skranke_protocol::{MutationKind, OrderCancelled, OrderChanged, OrderPlaced, PairResponse};

use crate::support::*;

fn setup(method: PaymentMethod) -> (Vec<Product>, ValidOrder) {
    let products = catalog(5);
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = method.code().into();
        d.customer.email = "kari@example.no".into();
    });
    (products, order)
}

async fn place(s: &TestServer, products: &[Product], order: &ValidOrder) -> (PairResponse, OrderPlaced) {
    s.import(products).await;
    let desk = s.pair("OSL").await;
    let placed = order_placed("OSL1-000001", order);
    let r = s
        .push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    (desk, placed)
}

/// A change as a desk makes it: through core, from `base` (the version it holds).
fn change(
    products: &[Product],
    placed: &OrderPlaced,
    base: &ValidOrder,
    base_version: u32,
    edit: impl FnOnce(&mut ChangeDraft),
) -> OrderChanged {
    let mut draft = ChangeDraft::of(base);
    edit(&mut draft);
    let order = validate_change(
        base,
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(12, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap();
    OrderChanged {
        order_id: placed.order_id,
        base_version,
        version: base_version + 1,
        changed_at_utc: at(),
        changed_by: "Kari Skranke".into(),
        reprice: draft.reprice,
        order,
    }
}

fn add_line(sku: &str) -> impl FnOnce(&mut ChangeDraft) + '_ {
    move |d| {
        d.lines.push(LineDraft {
            discount: None,
            sku: sku.into(),
            quantity: 1,
        })
    }
}

async fn standing(s: &TestServer) -> (i32, i64, ValidOrder) {
    let (version, total, body): (i32, i64, sqlx::types::Json<ValidOrder>) =
        sqlx::query_as("SELECT version, total_ore, body FROM orders")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    (version, total, body.0)
}

async fn payments(s: &TestServer) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT reference, state, amount_ore FROM payments ORDER BY attempt")
        .fetch_all(&s.pool)
        .await
        .unwrap()
}

/// An unpaid Vipps order gets a line added: version 2 stands (version 1 kept), the open request is
/// withdrawn and a new one sent for the new total, the desks pull the new version, and the customer
/// gets one "Endret ordrebekreftelse" with what changed.
#[tokio::test]
async fn a_change_before_dispatch_is_a_new_version_with_a_new_request_and_one_mail() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let (products, order) = setup(PaymentMethod::Vipps);
    let (desk, placed) = place(&s, &products, &order).await;
    s.work_outboxes().await;
    sink.take();
    assert_eq!(payments(&s).await[0].1, "sent");

    let changed = change(&products, &placed, &order, 1, add_line(&products[3].sku));
    let m = mutation(2, MutationKind::OrderChanged, &changed);
    // Sent twice (an answer lost): applied once.
    for _ in 0..2 {
        let r = s.push(&desk, vec![m.clone()]).await;
        assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    }
    let (version, total, body) = standing(&s).await;
    assert_eq!(version, 2);
    assert_eq!(total, changed.order.totals.total.ore());
    assert_eq!(body, changed.order);
    assert!(total > order.totals.total.ore());
    let versions: Vec<i32> = sqlx::query_scalar("SELECT version FROM order_versions ORDER BY version")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(versions, vec![1, 2]);

    s.work_outboxes().await;
    let p = payments(&s).await;
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].1, "cancelled", "the old request is withdrawn: {p:?}");
    assert_eq!(p[1].2, total, "the new request is for the new total: {p:?}");
    assert_eq!(p[1].1, "sent");

    let pulled = s.get("/v1/pull?stream=orders&limit=100", Some(&desk.token)).await;
    let row: &Value = pulled.body["changes"].as_array().unwrap().last().unwrap();
    assert_eq!(row["order"]["version"], 2, "{row}");
    assert_eq!(row["order"]["order"]["totals"]["total"], total);

    let mails = sink.take();
    assert_eq!(mails.len(), 1);
    let message = MessageParser::default().parse(&mails[0].data).unwrap();
    assert_eq!(
        message.subject(),
        Some("Endret ordrebekreftelse OSL1-000001 (versjon 2)")
    );
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains(&format!("Lagt til: 1 × {}", products[3].name)),
        "{text}"
    );
    let attachment = message.attachments().next().unwrap();
    assert_eq!(
        attachment.attachment_name(),
        Some("ordrebekreftelse-OSL1-000001-v2.pdf")
    );
    let pdf = pdf_text(attachment.contents());
    assert!(pdf.contains("Endret ordrebekreftelse"), "{pdf}");
    assert!(pdf.contains("Versjon 2"), "{pdf}");
    assert!(pdf.contains(&products[3].name), "{pdf}");
    assert!(pdf.contains("Angreskjema"), "{pdf}");
    assert!(pdf.contains("Ny totalsum"), "{pdf}");
}

/// Two desks change the same order from version 1: the first stands; the second is refused with
/// why (never applied over the first, never dropped silently) and the version that stands travels
/// to the desks; made again from version 2, it is applied as version 3.
#[tokio::test]
async fn the_second_of_two_changes_from_one_version_is_judged_against_the_first() {
    let s = TestServer::start().await;
    let (products, order) = setup(PaymentMethod::Kort);
    let (first_desk, placed) = place(&s, &products, &order).await;
    let second_desk = s.pair("OSL").await;

    let a = change(&products, &placed, &order, 1, add_line(&products[3].sku));
    let r = s
        .push(&first_desk, vec![mutation(2, MutationKind::OrderChanged, &a)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);

    let b = change(&products, &placed, &order, 1, |d| {
        d.delivery_address.line1 = "Strandkaien 2".into();
        d.delivery_address.postcode = "5013".into();
    });
    let r = s
        .push(&second_desk, vec![mutation(1, MutationKind::OrderChanged, &b)])
        .await;
    let result = &r.body["results"][0];
    assert_eq!(result["outcome"], "rejected", "{}", r.body);
    assert_eq!(result["rejection"]["code"], "change_conflict");
    let message = result["rejection"]["message"].as_str().unwrap();
    assert!(message.contains("versjon 2"), "{message}");
    let (version, _, body) = standing(&s).await;
    assert_eq!((version, &body), (2, &a.order));

    // The second desk learns the version that stands and makes its change again from it.
    let pulled = s
        .get("/v1/pull?stream=orders&limit=100", Some(&second_desk.token))
        .await;
    let row = pulled.body["changes"].as_array().unwrap().last().unwrap()["order"].clone();
    let v2: ValidOrder = serde_json::from_value(row["order"].clone()).unwrap();
    assert_eq!(v2, a.order);
    let again = change(&products, &placed, &v2, 2, |d| {
        d.delivery_address.line1 = "Strandkaien 2".into();
        d.delivery_address.postcode = "5013".into();
    });
    let r = s
        .push(
            &second_desk,
            vec![mutation(2, MutationKind::OrderChanged, &again)],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let (version, _, body) = standing(&s).await;
    assert_eq!(version, 3);
    assert_eq!(body.lines.len(), 3, "the first desk's line is still there");
    assert_eq!(body.delivery_address.place, "BERGEN");
}

/// D8: once the warehouse marked the order sent, a change that arrives is refused with what to tell
/// the customer, and the order stays as sent; so is a cancellation.
#[tokio::test]
async fn a_change_arriving_after_sendt_is_refused_with_what_to_tell_the_customer() {
    let s = TestServer::start().await;
    let (products, order) = setup(PaymentMethod::Kort);
    let (desk, placed) = place(&s, &products, &order).await;
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let late = change(&products, &placed, &order, 1, add_line(&products[3].sku));
    let cancel = OrderCancelled {
        order_id: placed.order_id,
        reason: "Kunden angret".into(),
        cancelled_at_utc: at(),
        cancelled_by: Some("Kari Skranke".into()),
    };
    let r = s
        .push(
            &desk,
            vec![
                mutation(2, MutationKind::OrderChanged, &late),
                mutation(3, MutationKind::OrderCancelled, &cancel),
            ],
        )
        .await;
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(
        results[0]["rejection"]["code"], "change_after_dispatch",
        "{}",
        r.body
    );
    let message = results[0]["rejection"]["message"].as_str().unwrap();
    assert!(message.contains("Si til kunden"), "{message}");
    assert!(message.contains("returneres"), "{message}");
    assert_eq!(results[1]["rejection"]["code"], "cancel_after_dispatch");
    let (version, _, body) = standing(&s).await;
    assert_eq!((version, body), (1, order));
    assert_eq!(s.count("order_versions").await, 0);
}

/// P5: a reserved payment cannot grow (refused, order unchanged); made cheaper, the capture at
/// dispatch takes only the new total.
#[tokio::test]
async fn a_reserved_payment_never_grows_and_a_cheaper_order_captures_less() {
    let s = TestServer::start_with_providers(None).await;
    let (products, order) = setup(PaymentMethod::Vipps);
    let (desk, placed) = place(&s, &products, &order).await;
    s.work_outboxes().await;
    s.fake_control("vipps/OSL1-000001-1/approve?user_age=30").await;
    assert_eq!(payments(&s).await[0].1, "reserved");

    let dearer = change(&products, &placed, &order, 1, add_line(&products[3].sku));
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::OrderChanged, &dearer)])
        .await;
    assert_eq!(
        r.body["results"][0]["rejection"]["code"], "payment_settled",
        "{}",
        r.body
    );
    assert!(r.body["results"][0]["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("egen ordre"));
    assert_eq!(standing(&s).await.0, 1);

    let cheaper = change(&products, &placed, &order, 1, |d| d.lines[0].quantity = 1);
    let r = s
        .push(&desk, vec![mutation(3, MutationKind::OrderChanged, &cheaper)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    assert_eq!(
        payments(&s).await.len(),
        1,
        "no new request for a reserved payment"
    );
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    s.work_outboxes().await;
    let log = s.fake_log().await;
    assert_eq!(
        log["vipps"]["OSL1-000001-1"]["captured"],
        cheaper.order.totals.total.ore(),
        "{log}"
    );
    assert!(cheaper.order.totals.total < order.totals.total);
    // The rest of the reservation is given back at once (Vipps' cancel after a partial capture),
    // and the payment stays captured.
    assert_eq!(
        log["vipps"]["OSL1-000001-1"]["cancelled"],
        order.totals.total.ore() - cheaper.order.totals.total.ore(),
        "{log}"
    );
    assert_eq!(payments(&s).await[0].1, "captured");
}

/// A desk's cancellation records why and who, releases the payment, and mails the customer a
/// cancellation with its PDF.
#[tokio::test]
async fn a_cancellation_from_the_desk_is_mailed_with_its_pdf() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let (products, order) = setup(PaymentMethod::Vipps);
    let (desk, placed) = place(&s, &products, &order).await;
    s.work_outboxes().await;
    sink.take();
    let cancel = OrderCancelled {
        order_id: placed.order_id,
        reason: "Kunden fant varen billigere".into(),
        cancelled_at_utc: at(),
        cancelled_by: Some("Kari Skranke".into()),
    };
    let r = s
        .push(&desk, vec![mutation(2, MutationKind::OrderCancelled, &cancel)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    let (reason, by): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT cancel_reason, cancelled_by FROM orders")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("Kunden fant varen billigere"));
    assert_eq!(by.as_deref(), Some("Kari Skranke"));
    s.work_outboxes().await;
    assert_eq!(payments(&s).await[0].1, "cancelled");
    let mails = sink.take();
    assert_eq!(mails.len(), 1);
    let message = MessageParser::default().parse(&mails[0].data).unwrap();
    assert_eq!(message.subject(), Some("Ordre OSL1-000001 er kansellert"));
    let pdf = pdf_text(message.attachments().next().unwrap().contents());
    assert!(pdf.contains("Kansellering"), "{pdf}");
    assert!(pdf.contains("Ordre OSL1-000001 er kansellert"), "{pdf}");
    assert!(pdf.contains("Kunden fant varen billigere"), "{pdf}");
    assert!(pdf.contains("du skal ikke betale"), "{pdf}");
}

/// A change cannot alter the sale itself: another customer, or a locked price moved without
/// re-pricing, is refused.
#[tokio::test]
async fn a_change_that_alters_the_sale_is_refused() {
    let s = TestServer::start().await;
    let (products, order) = setup(PaymentMethod::Kort);
    let (desk, placed) = place(&s, &products, &order).await;
    let other = valid_order_with(&products[..2], |d| d.customer.name = "Ola Annen".into());
    let mut forged = change(&products, &placed, &order, 1, |_| {});
    forged.order = other;
    let mut cheaper_products = products.clone();
    cheaper_products[0].price = skranke_core::Money::from_ore(100);
    let mut sneaky = change(&cheaper_products, &placed, &order, 1, |d| d.reprice = true);
    sneaky.reprice = false;
    let r = s
        .push(
            &desk,
            vec![
                mutation(2, MutationKind::OrderChanged, &forged),
                mutation(3, MutationKind::OrderChanged, &sneaky),
            ],
        )
        .await;
    for result in r.body["results"].as_array().unwrap() {
        assert_eq!(result["rejection"]["code"], "invalid_payload", "{}", r.body);
    }
    assert_eq!(standing(&s).await.0, 1);
}
