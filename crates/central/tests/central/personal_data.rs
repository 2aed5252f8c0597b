//! F8 on the central store: a customer's export holds their sales with payments and history; forget
//! deletes the sales past the bokføringsloven retention with everything hanging on them, keeps newer
//! sales whole, erases the register entry, leaves other customers alone and is in the audit chain.

use chrono::{DateTime, NaiveDate, Utc};
use skranke_protocol::MutationKind;

use crate::support::*;

const KARI: &str = "+4741234567";

#[tokio::test]
async fn f8_export_and_forget_keep_only_sales_inside_the_retention() {
    let s = TestServer::start().await;
    let products = catalog(20);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let kari = valid_order(&products[..2]);
    let ola = valid_order_with(&products[..2], |d| d.customer.phone = "98765432".into());

    let placed = |number: &str, order: &skranke_core::ValidOrder, at: &str| {
        let mut p = order_placed(number, order);
        p.placed_at_utc = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc);
        p
    };
    let first = desk.series.clone();
    let (old, other, recent) = (
        format!("{first}-000001"),
        format!("{first}-000002"),
        format!("{first}-000003"),
    );
    let r = s
        .push(
            &desk,
            vec![
                mutation(
                    1,
                    MutationKind::OrderPlaced,
                    &placed(&old, &kari, "2019-06-03T10:00:00Z"),
                ),
                mutation(
                    2,
                    MutationKind::OrderPlaced,
                    &placed(&other, &ola, "2019-06-03T11:00:00Z"),
                ),
                mutation(
                    3,
                    MutationKind::OrderPlaced,
                    &placed(&recent, &kari, "2026-11-23T09:00:00Z"),
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let status = skranke_protocol::SetStatusRequest {
        status: skranke_core::OrderStatus::Sendt,
        tracking_number: Some("70701234567890".into()),
    };
    skranke_central::order_status::set_status(&s.pool, &old, &status, "test", Utc::now())
        .await
        .unwrap();

    let export = skranke_central::personal_data::customer_export(&s.pool, KARI)
        .await
        .unwrap();
    let orders = export["ordrer"].as_array().unwrap();
    let numbers: Vec<&str> = orders
        .iter()
        .map(|o| o["ordrenummer"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [old.as_str(), recent.as_str()]);
    assert_eq!(orders[0]["status"], "sendt");
    assert_eq!(orders[0]["sporingsnummer"], "70701234567890");
    let history = orders[0]["statushistorikk"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["status"], "sendt", "{history:?}");
    assert_eq!(orders[0]["betalinger"][0]["metode"], kari.payment_method.code());
    assert_eq!(orders[0]["oppbevares_til"], "2024-12-31");
    assert_eq!(orders[1]["oppbevares_til"], "2031-12-31");
    assert!(!export["kunderegister"].as_array().unwrap().is_empty());

    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let report = skranke_central::personal_data::forget_customer(&s.pool, KARI, today, "test", Utc::now())
        .await
        .unwrap();
    assert_eq!(report.orders_erased, std::slice::from_ref(&old));
    assert_eq!(
        report.orders_kept,
        [(recent.clone(), NaiveDate::from_ymd_opt(2031, 12, 31).unwrap())]
    );
    assert!(report.customers_erased >= 1);

    let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM orders ORDER BY number")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        numbers,
        [other.clone(), recent.clone()],
        "the other customer's old sale stays"
    );
    for table in ["payments", "mail_outbox", "order_status_history"] {
        let left: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} t JOIN orders o ON o.id = t.order_id"
        ))
        .fetch_one(&s.pool)
        .await
        .unwrap();
        assert_eq!(
            left,
            s.count(table).await,
            "{table}: nothing left of the erased sale"
        );
    }
    let register: Vec<serde_json::Value> = sqlx::query_scalar("SELECT body FROM customers")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert!(register.iter().all(|b| b["phone"] != KARI), "{register:?}");
    assert!(register.iter().any(|b| b["phone"] == "+4798765432"));
    let export = skranke_central::personal_data::customer_export(&s.pool, KARI)
        .await
        .unwrap();
    assert_eq!(export["ordrer"].as_array().unwrap().len(), 1);
    assert!(export["kunderegister"].as_array().unwrap().is_empty());

    let audit = skranke_central::audit::verify(&s.pool).await.unwrap();
    assert!(audit.central_broken.is_none(), "{audit:?}");
    let last: (String, String) =
        sqlx::query_as("SELECT action, subject FROM central_audit ORDER BY seq DESC LIMIT 1")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(
        last,
        ("kunde slettet (F8)".into(), "1 ordre slettet, 1 beholdt".into())
    );
}

/// F7: consent records arrive in their own mutations after the order that introduces the customer,
/// are stored once each as they were made, appear in the customer's export, go with the person on
/// forget, and a record for a customer of another store is refused.
#[tokio::test]
async fn f7_consent_records_are_stored_exported_and_forgotten() {
    let s = TestServer::start().await;
    let products = catalog(20);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let order = valid_order(&products[..2]);
    let placed = order_placed(&format!("{}-000001", desk.series), &order);
    let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
    let text = skranke_core::ConsentText::marketing(&skranke_core::ShopPolicy::default().consent);
    let given = skranke_protocol::ConsentRecorded {
        record_id: uuid::Uuid::now_v7(),
        customer_id: placed.customer_id,
        record: skranke_core::ConsentRecord::given(&text, at("2026-11-23T09:01:00Z"), "Kari"),
    };
    let withdrawn = skranke_protocol::ConsentRecorded {
        record_id: uuid::Uuid::now_v7(),
        customer_id: placed.customer_id,
        record: skranke_core::ConsentRecord::withdrawn(at("2026-11-24T10:00:00Z"), "Per"),
    };
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::OrderPlaced, &placed),
                mutation(2, MutationKind::ConsentRecorded, &given),
                mutation(3, MutationKind::ConsentRecorded, &withdrawn),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for i in 0..3 {
        assert_eq!(r.body["results"][i]["outcome"], "applied", "{}", r.body);
    }
    assert_eq!(s.count("consent_records").await, 2);

    // Another store's desk cannot record consent for this store's customer.
    let bergen = s.pair("BRG").await;
    let foreign = skranke_protocol::ConsentRecorded {
        record_id: uuid::Uuid::now_v7(),
        ..given.clone()
    };
    let r = s
        .push(
            &bergen,
            vec![mutation(1, MutationKind::ConsentRecorded, &foreign)],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    assert_eq!(s.count("consent_records").await, 2);

    let export = skranke_central::personal_data::customer_export(&s.pool, KARI)
        .await
        .unwrap();
    let consents = export["samtykker"].as_array().unwrap();
    assert_eq!(consents.len(), 2, "{export}");
    assert_eq!(consents[0]["gitt"], true);
    assert_eq!(consents[0]["tekst"], text.text.as_str());
    assert_eq!(consents[0]["tekstversjon"], text.version);
    assert_eq!(consents[0]["registrert_av"], "Kari");
    assert_eq!(consents[0]["kanal"], "telefon");
    assert_eq!(consents[1]["gitt"], false);
    assert_eq!(consents[1]["registrert_av"], "Per");

    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    skranke_central::personal_data::forget_customer(&s.pool, KARI, today, "test", Utc::now())
        .await
        .unwrap();
    assert_eq!(s.count("consent_records").await, 0, "F8: they go with the person");
}
