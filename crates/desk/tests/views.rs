//! The desk's views: what every shell shows, decided once here (the window and the CLI only present).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use skranke_core::{OrderDraft, ReturnReason};
use skranke_desk::views::{OrderDetailView, OrderSummaryView};
use skranke_desk::{Desk, SyncStatus};

mod support;
use support::{draft, now, person};

const CATALOG: &str = r#"{"sku":"KAF-1","eans":["7000000000010"],"name":"Kaffe Fjellbrent 250 g","brand":"Friele","category":"Mat og drikke","price":"54,90","mva":15,"availability":"in_stock"}
"#;

async fn desk() -> (tempfile::TempDir, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, CATALOG).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    (dir, desk)
}

#[tokio::test]
async fn the_read_back_sentence_and_the_default_shipping_come_from_the_desk() {
    let (_dir, desk) = desk().await;
    let p = desk.preview(&draft("KAF-1"), now()).await.unwrap();
    assert_eq!(p.default_shipping_method, "servicepakke");
    assert!(
        p.read_back.starts_with("Ola Nordmann: 2 varer, totalt "),
        "{}",
        p.read_back
    );
    assert!(p.read_back.contains(&p.totals.total_text), "{}", p.read_back);
    assert!(p.read_back.contains(" Betaling: Vipps. "), "{}", p.read_back);
    assert!(
        p.read_back.contains("Levering til Fjellveien 3, 9008 TROMSØ."),
        "{}",
        p.read_back
    );
    assert!(
        p.read_back
            .ends_with(&format!("Forventet levering: {}.", p.promise_text)),
        "{}",
        p.read_back
    );
    // An empty cart has nothing to read back.
    let empty = desk.preview(&OrderDraft::default(), now()).await.unwrap();
    assert_eq!(empty.read_back, "");
}

#[tokio::test]
async fn payment_methods_are_named_alike_everywhere() {
    let (_dir, desk) = desk().await;
    let p = desk.preview(&draft("KAF-1"), now()).await.unwrap();
    let names: Vec<&str> = p.payment_options.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Klarna faktura", "Klarna delbetaling", "Kort", "Vipps"]);
    assert!(p.read_back.contains("Betaling: Vipps."));
}

#[tokio::test]
async fn the_order_detail_offers_the_desks_lists_and_shows_the_phone_as_staff_read_it() {
    let (_dir, desk) = desk().await;
    let who = person(&desk).await;
    let placed = desk
        .place_order(&who, uuid::Uuid::new_v4(), &draft("KAF-1"), now())
        .await
        .unwrap();
    let detail = OrderDetailView::from(desk.show_order(&placed.order_number).await.unwrap());
    assert_eq!(detail.customer_lines[1], "987 65 432");
    assert_eq!(detail.status_text, "Under behandling");
    let reasons: Vec<&str> = detail.return_reasons.iter().map(|r| r.code.as_str()).collect();
    let core: Vec<&str> = ReturnReason::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(
        reasons, core,
        "R3: the form offers core's reasons, angrerett first"
    );
    assert_eq!(detail.return_reasons[1].name, "Reklamasjon / mangel");
    let methods: Vec<&str> = detail.payment_methods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        methods,
        [
            "Vipps",
            "Kort (lenke fra Klarna)",
            "Klarna faktura",
            "Klarna delbetaling"
        ]
    );
    let summary = OrderSummaryView::from(desk.list_orders(None, 10).await.unwrap().remove(0));
    assert_eq!(summary.customer_phone, "987 65 432");
}

/// A stand-alone desk that was never paired has nothing wrong: the headline says it is not connected,
/// and "Siste feil" stays empty. Once paired, a failed round is an error again.
#[tokio::test]
async fn an_unpaired_desk_shows_no_error() {
    let (_dir, desk) = desk().await;
    let live = SyncStatus {
        not_paired: true,
        last_error: Some("Skranken er ikke paret med en sentral".into()),
        ..SyncStatus::default()
    };
    let view = desk.sync_view(Some(&live), now()).await.unwrap();
    assert_eq!(view.error, None);
    assert!(
        view.headline.starts_with("Ikke koblet til sentralen"),
        "{}",
        view.headline
    );
    let failing = SyncStatus {
        last_error: Some("sentralen svarer ikke".into()),
        ..SyncStatus::default()
    };
    let view = desk.sync_view(Some(&failing), now()).await.unwrap();
    assert_eq!(view.error.as_deref(), Some("sentralen svarer ikke"));
}
