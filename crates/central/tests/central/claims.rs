//! Claims (R1, D10) with their photos on the central store: judged again under this store's policy,
//! refused on an order not sent, shown in the back office with the photos that arrived, exported
//! with the customer (F8) and forgotten with their order, photos included.

use chrono::{DateTime, NaiveDate, Utc};
use skranke_core::claim::{validate_claim, ClaimDraft, ClaimLineDraft};
use skranke_protocol::{ClaimRegistered, MutationKind};

use crate::support::*;

const KARI: &str = "+4741234567";

fn jpeg(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..3000u32).map(|i| (i as u8).wrapping_mul(seed)));
    bytes
}

async fn upload(s: &TestServer, token: &str, bytes: &[u8]) -> String {
    let name = skranke_protocol::payload_sha256(bytes);
    let r = s
        .http
        .put(format!("{}/v1/photos/{name}", s.base))
        .bearer_auth(token)
        .header(
            "content-range",
            format!("bytes 0-{}/{}", bytes.len() - 1, bytes.len()),
        )
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    name
}

fn claim(
    order: &skranke_core::ValidOrder,
    received: &str,
    reported: &str,
    photos: Vec<String>,
) -> skranke_core::claim::ValidClaim {
    let reported = chrono::NaiveDateTime::parse_from_str(reported, "%Y-%m-%d %H:%M").unwrap();
    validate_claim(
        &order.lines,
        &ClaimDraft {
            kind: "transportskade".into(),
            lines: vec![ClaimLineDraft {
                line_no: 1,
                quantity: 1,
            }],
            description: "Esken var knust og glasset sprukket".into(),
            discovered: received.split(' ').next().unwrap().into(),
            received: received.into(),
            meant_to_last_longer: false,
            photos,
        },
        reported,
        24,
    )
    .unwrap()
}

fn registered(
    order_id: uuid::Uuid,
    claim_no: i64,
    claim: skranke_core::claim::ValidClaim,
) -> ClaimRegistered {
    ClaimRegistered {
        claim_id: uuid::Uuid::now_v7(),
        order_id,
        claim_no,
        created_at_utc: at(),
        claim,
    }
}

#[tokio::test]
async fn a_transport_damage_claim_with_two_photos_is_judged_shown_exported_and_forgotten() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..2]);
    let mut placed = order_placed("OSL1-000001", &order);
    placed.placed_at_utc = DateTime::parse_from_rfc3339("2019-06-03T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let unsent = order_placed("OSL1-000002", &order);
    s.push(
        &desk,
        vec![
            mutation(1, MutationKind::OrderPlaced, &placed),
            mutation(2, MutationKind::OrderPlaced, &unsent),
        ],
    )
    .await;
    let sent = skranke_protocol::SetStatusRequest {
        status: skranke_core::OrderStatus::Sendt,
        tracking_number: Some("70701234567890".into()),
    };
    skranke_central::order_status::set_status(&s.pool, "OSL1-000001", &sent, "test", Utc::now())
        .await
        .unwrap();

    let photos = vec![
        upload(&s, &desk.token, &jpeg(3)).await,
        upload(&s, &desk.token, &jpeg(5)).await,
    ];
    let in_time = claim(&order, "01.12.2026 14:30", "2026-12-02 10:00", photos.clone());
    let on_unsent = claim(&order, "01.12.2026 14:30", "2026-12-02 10:00", vec![]);
    let r = s
        .push(
            &desk,
            vec![
                mutation(
                    3,
                    MutationKind::ClaimRegistered,
                    &registered(placed.order_id, 1, in_time),
                ),
                mutation(
                    4,
                    MutationKind::ClaimRegistered,
                    &registered(unsent.order_id, 1, on_unsent),
                ),
            ],
        )
        .await;
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "applied", "{}", r.body);
    assert_eq!(results[1]["outcome"], "rejected");
    assert!(results[1]["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("ikke sendt"));
    let (verdict, text): (String, String) = sqlx::query_as("SELECT verdict, verdict_text FROM claims")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(verdict, "in_time");
    assert!(text.contains("01.12.2026 kl. 14:30"), "{text}");

    // F8: exported with the order, photos included.
    let export = skranke_central::personal_data::customer_export(&s.pool, KARI)
        .await
        .unwrap();
    let claims = export["ordrer"][0]["reklamasjoner"].as_array().unwrap();
    assert_eq!(claims.len(), 1, "{export}");
    assert_eq!(claims[0]["bilder"].as_array().unwrap().len(), 2);

    // Forgotten with the (old) sale: the claim and both photos go.
    let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    skranke_central::personal_data::forget_customer(&s.pool, KARI, today, "test", Utc::now())
        .await
        .unwrap();
    assert_eq!(s.count("claims").await, 0);
    assert_eq!(s.count("photos").await, 0);
}

#[tokio::test]
async fn the_back_office_shows_a_claim_with_the_photos_that_arrived() {
    let s = TestServer::start().await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..2]);
    let placed = order_placed("OSL1-000001", &order);
    s.push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    let sent = skranke_protocol::SetStatusRequest {
        status: skranke_core::OrderStatus::Sendt,
        tracking_number: Some("70701234567890".into()),
    };
    skranke_central::order_status::set_status(&s.pool, "OSL1-000001", &sent, "test", Utc::now())
        .await
        .unwrap();
    let arrived = upload(&s, &desk.token, &jpeg(7)).await;
    let missing = skranke_protocol::payload_sha256(&jpeg(9));
    // Reported two days after receipt: no longer transport damage, still a claim (R1).
    let late = claim(
        &order,
        "01.12.2026 08:00",
        "2026-12-03 09:00",
        vec![arrived.clone(), missing],
    );
    let r = s
        .push(
            &desk,
            vec![mutation(
                2,
                MutationKind::ClaimRegistered,
                &registered(placed.order_id, 1, late),
            )],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);

    let mut b = crate::office::leder(&s).await;
    let page = b.get("/kontor/ordrer/OSL1-000001").await.body;
    assert!(page.contains("Reklamasjoner"), "{page}");
    assert!(page.contains("Fristen for å melde transportskade"), "{page}");
    assert!(page.contains("1 av 2 bilder er kommet fram."), "{page}");
    assert!(page.contains(&format!("/kontor/bilder/{arrived}")), "{page}");
    let image = s
        .http
        .get(format!("{}/kontor/bilder/{arrived}", s.base))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    assert_eq!(image.bytes().await.unwrap().to_vec(), jpeg(7));
}

/// Issue 19 item 5: the customer gets every claim's confirmation by e-mail, each with its own PDF:
/// what is claimed, the dates and this store's verdict on time.
#[tokio::test]
async fn each_claim_is_confirmed_to_the_customer_by_mail_with_its_pdf() {
    use mail_parser::{MessageParser, MimeHeaders};
    let sink = skranke_e2e::smtp_sink::SmtpSink::start().unwrap();
    let s = TestServer::start_with_providers(Some(sink.port)).await;
    let products = catalog(5);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order_with(&products[..2], |d| d.customer.email = "kari@example.no".into());
    let placed = order_placed("OSL1-000001", &order);
    s.push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    let sent = skranke_protocol::SetStatusRequest {
        status: skranke_core::OrderStatus::Sendt,
        tracking_number: Some("70701234567890".into()),
    };
    skranke_central::order_status::set_status(&s.pool, "OSL1-000001", &sent, "test", Utc::now())
        .await
        .unwrap();
    s.work_outboxes().await;
    sink.take();

    let first = registered(
        placed.order_id,
        1,
        claim(&order, "01.12.2026 14:30", "2026-12-02 10:00", vec![]),
    );
    let late = registered(
        placed.order_id,
        2,
        claim(&order, "01.12.2026 14:30", "2026-12-03 09:00", vec![]),
    );
    let m = mutation(2, MutationKind::ClaimRegistered, &first);
    // Sent twice (an answer lost): one mail.
    for _ in 0..2 {
        let r = s.push(&desk, vec![m.clone()]).await;
        assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    }
    let r = s
        .push(&desk, vec![mutation(3, MutationKind::ClaimRegistered, &late)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);
    s.work_outboxes().await;
    let mails = sink.take();
    assert_eq!(mails.len(), 2);
    for (mail, (no, verdict)) in mails
        .iter()
        .zip([(1, "meldt i tide"), (2, "kan fortsatt meldes som reklamasjon")])
    {
        let message = MessageParser::default().parse(&mail.data).unwrap();
        assert_eq!(
            message.subject(),
            Some(format!("Transportskade på ordre OSL1-000001 (nr. {no})").as_str())
        );
        let attachment = message.attachments().next().unwrap();
        assert_eq!(
            attachment.attachment_name(),
            Some(format!("reklamasjon-OSL1-000001-{no}.pdf").as_str())
        );
        let pdf = pdf_text(attachment.contents());
        assert!(pdf.contains(&format!("nr. {no}")), "{pdf}");
        assert!(pdf.contains("Esken var knust"), "{pdf}");
        assert!(pdf.contains("01.12.2026 kl. 14:30"), "{pdf}");
        assert!(pdf.replace('\n', " ").contains(verdict), "{verdict} in {pdf}");
        assert!(pdf.contains("forbrukerkjøpsloven § 27"), "{pdf}");
    }
}
