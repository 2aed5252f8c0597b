//! F8 on the desk: a customer's data exported, then forgotten: sales past the bokføringsloven
//! retention deleted, newer sales kept without their fødselsnummer, the register entry and the draft
//! gone, other customers untouched, the audit chain whole.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, NaiveDate, Utc};
use skranke_cache::{Cache, FieldKey};
use skranke_core::ShopPolicy;
use skranke_protocol::{MutationResult, Outcome};

mod support;
use support::place;

const KARI: &str = "+4741234567";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

async fn acknowledge_all(cache: &Cache) {
    let acks: Vec<_> = cache
        .outbox_pending()
        .await
        .unwrap()
        .iter()
        .map(|e| MutationResult {
            seq: e.wire_seq,
            mutation_id: uuid::Uuid::parse_str(&e.mutation_id).unwrap(),
            outcome: Outcome::Applied,
            replayed: false,
            flags: Vec::new(),
            rejection: None,
        })
        .collect();
    cache.record_push(&acks, Utc::now()).await.unwrap();
}

#[tokio::test]
async fn f8_export_then_forget_keeps_only_what_the_law_requires() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("desk.sqlite3"), FieldKey::generate())
        .await
        .unwrap();
    let old = place(&cache, at("2019-06-03T10:00:00Z"), "41234567", None).await;
    let other = place(&cache, at("2019-06-03T11:00:00Z"), "98765432", None).await;
    // A claim on the old sale, with a photo (issue 19): personal data like the sale itself.
    let stored = cache.order_by_number(&old).await.unwrap().unwrap();
    let photo = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    let photo_name = "c".repeat(64);
    cache
        .add_photo(&photo_name, &photo, 10, 10, Utc::now())
        .await
        .unwrap();
    let claim = skranke_core::claim::validate_claim(
        &stored.order.lines,
        &skranke_core::claim::ClaimDraft {
            kind: "reklamasjon".into(),
            lines: vec![skranke_core::claim::ClaimLineDraft {
                line_no: 1,
                quantity: 1,
            }],
            description: "Sømmen har gått opp".into(),
            discovered: "01.07.2019".into(),
            received: "10.06.2019".into(),
            photos: vec![photo_name.clone()],
            ..Default::default()
        },
        NaiveDate::from_ymd_opt(2019, 7, 2)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap(),
        24,
    )
    .unwrap();
    cache
        .record_claim(&stored.order_id, uuid::Uuid::new_v4(), &claim, Utc::now())
        .await
        .unwrap();
    acknowledge_all(&cache).await;
    let old_unsent = place(&cache, at("2019-07-01T10:00:00Z"), "41234567", None).await;
    let recent = place(
        &cache,
        at("2026-11-23T09:00:00Z"),
        "412 34 567",
        Some("15839649859"),
    )
    .await;
    let draft = r#"{"customer":{"name":"Kari","phone":"+47 41 23 45 67"}}"#;
    cache.save_draft("utkast", draft, Utc::now()).await.unwrap();

    // Shown: the register entry, her three sales (not the other customer's), the fødselsnummer held.
    let export = cache.customer_export(KARI).await.unwrap();
    let orders = export["ordrer"].as_array().unwrap();
    let numbers: Vec<&str> = orders
        .iter()
        .map(|o| o["ordrenummer"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [old.as_str(), old_unsent.as_str(), recent.as_str()]);
    assert_eq!(export["kunderegister"].as_array().unwrap().len(), 1);
    assert_eq!(export["kunderegister"][0]["telefon"], KARI);
    assert_eq!(orders[2]["fødselsnummer"], "15839649859");
    assert_eq!(orders[2]["oppbevares_til"], "2031-12-31");
    assert_eq!(orders[0]["oppbevares_til"], "2024-12-31");
    assert_eq!(orders[0]["ordre"]["customer"]["phone"], KARI);
    assert_eq!(
        orders[0]["reklamasjoner"][0]["reklamasjon"]["description"],
        "Sømmen har gått opp"
    );

    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let report = cache.forget_customer(KARI, today, Utc::now()).await.unwrap();
    assert_eq!(report.orders_erased, std::slice::from_ref(&old));
    assert_eq!(
        report.orders_unsent,
        std::slice::from_ref(&old_unsent),
        "not on the central store yet"
    );
    assert_eq!(
        report.orders_kept,
        [(recent.clone(), NaiveDate::from_ymd_opt(2031, 12, 31).unwrap())]
    );
    assert_eq!(report.fodselsnumre_deleted, 1);
    assert_eq!(report.customers_erased, 1);
    assert!(report.draft_discarded);

    assert!(
        cache.order_by_number(&old).await.unwrap().is_none(),
        "past retention: deleted"
    );
    assert_eq!(
        cache.photo(&photo_name).await.unwrap(),
        None,
        "the claim's photo went with it"
    );
    assert!(cache.claims_of(&stored.order_id).await.unwrap().is_empty());
    let kept = cache.order_by_number(&recent).await.unwrap().unwrap();
    assert_eq!(
        kept.order.customer.phone.e164(),
        KARI,
        "the sales record itself is kept whole"
    );
    assert!(!kept.has_fodselsnummer);
    assert_eq!(cache.fodselsnummer_of(&recent).await.unwrap(), None);
    assert!(cache.load_draft().await.unwrap().is_none());
    assert!(cache.search_customers("4123", 10).await.unwrap().is_empty());
    assert_eq!(cache.search_customers("98765432", 10).await.unwrap().len(), 1);
    assert!(cache.order_by_number(&other).await.unwrap().is_some());
    let payloads: Vec<String> = cache
        .outbox_pending()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.payload)
        .collect();
    assert!(payloads.iter().all(|p| !p.contains(&old)), "{payloads:?}");
    let export = cache.customer_export(KARI).await.unwrap();
    assert!(export["kunderegister"].as_array().unwrap().is_empty());
    assert_eq!(export["ordrer"].as_array().unwrap().len(), 2);

    // The file no longer holds the erased sale's body anywhere (secure_delete zeroes freed pages).
    cache.clone().close().await;
    let bytes = std::fs::read(dir.path().join("desk.sqlite3")).unwrap();
    let needle = format!("\"order_number\":\"{old}\"");
    assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()));

    let cache = Cache::open(&dir.path().join("desk.sqlite3"), FieldKey::generate()).await;
    assert!(cache.is_err(), "and another key still does not open it");
}

/// F7: a yes on a call is a record with the text read aloud, queued for the central store after the
/// order; a second yes adds nothing; an unticked box withdraws nothing; a withdrawal is its own record;
/// the export shows both, and forget deletes them with the person.
#[tokio::test]
async fn f7_consent_is_recorded_queued_withdrawn_exported_and_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("desk.sqlite3"), FieldKey::generate())
        .await
        .unwrap();
    cache.set_actor(skranke_cache::Actor {
        staff_id: Some("s1".into()),
        name: "Kari Selger".into(),
    });
    let placed = at("2026-11-23T09:00:00Z");
    let today = placed.date_naive();
    let products: Vec<_> = skranke_demo::products(10, 1, placed, today).collect();
    cache.import_products(&products).await.unwrap();
    let policy = ShopPolicy::default();
    let order_with = |consent: bool| {
        let mut draft = skranke_demo::phone_order(products.iter().take(1), 1);
        draft.customer.marketing_consent = consent;
        skranke_core::order::validate_order(
            &draft,
            |sku| products.iter().find(|p| p.sku == sku).cloned(),
            today.and_hms_opt(10, 0, 0).unwrap(),
            &policy,
        )
        .unwrap()
    };
    let first = cache
        .place_order(uuid::Uuid::new_v4(), &order_with(true), placed)
        .await
        .unwrap();
    let customer = cache.search_customers("41234567", 1).await.unwrap().remove(0);
    assert!(customer.marketing_consent);
    let records = cache.consent_records(&customer.id).await.unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].given);
    assert_eq!(records[0].staff, "Kari Selger");
    assert_eq!(records[0].text, policy.consent.marketing_text);
    assert_eq!(records[0].text_version, policy.consent.marketing_text_version);
    // Queued right after the order that introduces the customer.
    let pending = cache.outbox_pending().await.unwrap();
    let kinds: Vec<&str> = pending.iter().map(|e| e.kind.as_str()).collect();
    let order_at = kinds.iter().position(|k| *k == "order_placed").unwrap();
    assert_eq!(kinds[order_at + 1], "consent_recorded", "{kinds:?}");
    assert!(pending[order_at + 1].payload.contains("Vil du ha tilbud"));
    // The order carries who placed it (F6's "by whom").
    let stored = cache.order_by_number(&first.order_number).await.unwrap().unwrap();
    assert_eq!(stored.order.placed_by.as_deref(), Some("Kari Selger"));

    // Ticked again on the next call: already given, nothing new. Unticked: nothing withdrawn.
    for consent in [true, false] {
        cache
            .place_order(uuid::Uuid::new_v4(), &order_with(consent), placed)
            .await
            .unwrap();
    }
    assert_eq!(cache.consent_records(&customer.id).await.unwrap().len(), 1);
    assert!(cache.search_customers("41234567", 1).await.unwrap()[0].marketing_consent);

    let withdrawn = skranke_core::ConsentRecord::withdrawn(at("2026-11-24T08:00:00Z"), "Per");
    cache
        .record_consent(&customer.id, &withdrawn, Utc::now())
        .await
        .unwrap();
    assert!(!cache.search_customers("41234567", 1).await.unwrap()[0].marketing_consent);
    let export = cache.customer_export(KARI).await.unwrap();
    let consents = export["kunderegister"][0]["samtykker"].as_array().unwrap();
    assert_eq!(consents.len(), 2, "{export}");
    assert_eq!(consents[0]["gitt"], true);
    assert_eq!(consents[0]["tekst"], policy.consent.marketing_text.as_str());
    assert_eq!(consents[1]["gitt"], false);
    assert_eq!(consents[1]["registrert_av"], "Per");
    assert_eq!(consents[1]["kanal"], "telefon");

    cache
        .forget_customer(KARI, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), Utc::now())
        .await
        .unwrap();
    assert!(cache.consent_records(&customer.id).await.unwrap().is_empty());
}
