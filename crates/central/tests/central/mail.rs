//! The customer's e-mails (R3): one confirmation with the PDF per accepted order, through an SMTP
//! server that refuses the first tries; a bounce shown to the desk and a corrected resend; the
//! "sent" note with the tracking number.

use mail_parser::{MessageParser, MimeHeaders};
use skranke_protocol::{ConfirmationResent, MutationKind, QuoteSent};

use crate::support::*;
use skranke_e2e::smtp_sink::SmtpSink;

async fn email_on_order(s: &TestServer) -> (Option<String>, Option<String>, Option<String>) {
    sqlx::query_as("SELECT email_state, email_to, email_detail FROM orders")
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_confirmation_with_the_pdf_also_when_the_server_refuses_the_first_tries() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..2], |d| {
        d.payment_method = "vipps".into();
        d.customer.email = "kari@example.no".into();
    });
    let placed = order_placed("OSL1-000001", &order);
    let m = mutation(1, MutationKind::OrderPlaced, &placed);
    // Pushed twice (the desk lost the first answer): still one order, one mail.
    for _ in 0..2 {
        let r = s.push(&desk, vec![m.clone()]).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    sink.refuse_next(2);
    s.work_outboxes().await;
    assert_eq!(email_on_order(&s).await.0.as_deref(), Some("pending"));
    s.make_retries_due().await;
    s.work_outboxes().await;
    s.make_retries_due().await;
    s.work_outboxes().await;
    assert_eq!(sink.refused(), 2);
    let received = sink.take();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["kari@example.no".to_string()]);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.subject(), Some("Ordrebekreftelse OSL1-000001"));
    assert_eq!(
        message.to().unwrap().first().unwrap().address(),
        Some("kari@example.no")
    );
    assert!(message.body_text(0).unwrap().contains("angre kjøpet"));
    let attachment = message.attachments().next().unwrap();
    assert_eq!(
        attachment.attachment_name(),
        Some("ordrebekreftelse-OSL1-000001.pdf")
    );
    let text = pdf_text(attachment.contents());
    assert!(text.contains("OSL1-000001"), "{text}");
    assert!(text.contains("Kari Nordmann"));
    assert!(text.contains("Angreskjema"), "{text}");
    assert!(text.contains("venter på betaling"), "{text}");
    assert_eq!(email_on_order(&s).await.0.as_deref(), Some("sent"));

    // Nothing more goes out, however often the worker runs.
    s.make_retries_due().await;
    s.work_outboxes().await;
    assert!(sink.take().is_empty());

    // D8: "Sendt" sends a short mail with the tracking number.
    let sent = s
        .post_json(
            "/v1/admin/orders/OSL1-000001/status",
            Some(ADMIN_TOKEN),
            &serde_json::json!({"status": "sendt", "tracking_number": "70712345678901234"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    s.work_outboxes().await;
    let received = sink.take();
    assert_eq!(received.len(), 1);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(message.subject(), Some("Ordre OSL1-000001 er sendt"));
    assert!(message.body_text(0).unwrap().contains("70712345678901234"));
}

#[tokio::test]
async fn a_bounced_address_is_shown_and_a_corrected_resend_goes_out() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..1], |d| {
        d.customer.email = "kari.finnes-ikke@example.no".into()
    });
    let placed = order_placed("OSL1-000001", &order);
    s.push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    s.work_outboxes().await;
    assert!(sink.take().is_empty());
    let (state, to, detail) = email_on_order(&s).await;
    assert_eq!(state.as_deref(), Some("bounced"));
    assert_eq!(to.as_deref(), Some("kari.finnes-ikke@example.no"));
    assert!(detail.unwrap().contains("550"));
    // The desk pulls it.
    let r = s.get("/v1/pull?stream=orders", Some(&desk.token)).await;
    let email = &r.body["changes"][0]["order"]["email"];
    assert_eq!(email["state"], "bounced");

    let resend = ConfirmationResent {
        order_id: placed.order_id,
        email: Some("kari@example.no".into()),
        requested_at_utc: at(),
    };
    let r = s
        .push(
            &desk,
            vec![mutation(2, MutationKind::ConfirmationResent, &resend)],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    let received = sink.take();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["kari@example.no".to_string()]);
    let (state, to, _) = email_on_order(&s).await;
    assert_eq!(
        (state.as_deref(), to.as_deref()),
        (Some("sent"), Some("kari@example.no"))
    );
}

/// Issue 20 item 6: a quote the desk sends goes out once per send, with its PDF; a quote from another
/// desk's series or to an address that is none is refused in words; a second send is a second mail.
#[tokio::test]
async fn a_quote_is_mailed_with_its_pdf_once_per_send() {
    let sink = SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let quote = valid_order_with(&products[..2], |d| d.customer.email = "kari@example.no".into());
    let made_on = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let sent = |number: String, email: &str| QuoteSent {
        quote_id: uuid::Uuid::now_v7(),
        quote_number: number,
        email: email.into(),
        made_on,
        valid_through: made_on + chrono::Days::new(13),
        quote: quote.clone(),
        requested_at_utc: chrono::Utc::now(),
    };
    let good = sent(format!("{}-T00001", desk.series), "kari@example.no");
    let pushes = vec![
        mutation(
            1,
            MutationKind::QuoteSent,
            &sent("ANNEN1-T00001".into(), "kari@example.no"),
        ),
        mutation(
            2,
            MutationKind::QuoteSent,
            &sent(format!("{}-T00002", desk.series), "kari@"),
        ),
        mutation(3, MutationKind::QuoteSent, &good),
    ];
    let r = s.push(&desk, pushes.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "rejected", "{}", r.body);
    assert!(
        results[0]["rejection"]["message"]
            .as_str()
            .unwrap()
            .contains("ikke fra denne skrankens nummerserie"),
        "{}",
        r.body
    );
    assert!(results[1]["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("ikke en gyldig e-postadresse"));
    assert_eq!(results[2]["outcome"], "applied", "{}", r.body);
    // The desk lost the answer and pushes again: still one mail.
    let again = s.push(&desk, pushes).await;
    assert_eq!(again.status, 200, "{}", again.body);

    s.work_outboxes().await;
    let received = sink.take();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["kari@example.no".to_string()]);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    let number = good.quote_number.clone();
    assert_eq!(message.subject(), Some(format!("Tilbud {number}").as_str()));
    let body = message.body_text(0).unwrap();
    assert!(body.contains("til og med 16.12.2026"), "{body}");
    assert!(body.contains(&quote.totals.total.to_string()), "{body}");
    let attachment = message.attachments().next().unwrap();
    assert_eq!(
        attachment.attachment_name(),
        Some(format!("tilbud-{number}.pdf").as_str())
    );
    let text = pdf_text(attachment.contents());
    assert!(text.contains("Tilbudsnummer"), "{text}");
    assert!(text.contains(&number), "{text}");
    assert!(!text.contains("Angreskjema"), "a quote is not a sale: {text}");

    // Staff send it again (the customer lost it): a second mail, its own Message-ID.
    let resend = QuoteSent {
        requested_at_utc: chrono::Utc::now(),
        ..good.clone()
    };
    let r = s
        .push(&desk, vec![mutation(4, MutationKind::QuoteSent, &resend)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    let second = sink.take();
    assert_eq!(second.len(), 1);
    let again = MessageParser::default().parse(&second[0].data).unwrap();
    assert_ne!(again.message_id(), message.message_id());
    let quotes: i64 = sqlx::query_scalar("SELECT count(*) FROM quotes")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(quotes, 1, "the quote is kept once");
}
