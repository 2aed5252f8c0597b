//! The desk's sync against the real central store and PostgreSQL, each in its own process, with the
//! network between them in a fault proxy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::{catalog_and_order, central_orders, desk, pair};
use skranke_e2e::central_process::CentralProcess;
use skranke_e2e::fault_proxy::{Fault, FaultProxy};

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_order_arrives_a_status_comes_back_and_a_price_change_pulls_in() {
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (products, order_file) = catalog_and_order(&central, dir.path());
    let proxy = FaultProxy::start(central.addr).await.unwrap();
    let desk = desk(dir.path(), "desk");
    let paired = pair(&central, &desk, &proxy.url());
    assert!(
        paired.contains("Skranke Oslo") && paired.contains("OSL1"),
        "{paired}"
    );
    let first = desk.ok(&["sync", "now"]).unwrap();
    assert!(first.contains("katalog 200"), "{first}");

    // The network goes; the order is still placed, and waits.
    proxy.set(Fault::Refuse);
    let placed = desk
        .ok(&["order", "place", order_file.to_str().unwrap()])
        .unwrap();
    assert!(placed.contains("OSL1-000001"), "{placed}");
    let refused = desk.command(&["sync", "now"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Ingen kontakt med sentralen"));
    assert!(desk.ok(&["sync", "status"]).unwrap().contains("Ikke sendt: 1"));
    assert!(central_orders(&central).await.is_empty());

    // The network returns.
    proxy.set(Fault::None);
    let synced = desk.ok(&["sync", "now"]).unwrap();
    assert!(synced.contains("Kvittert av sentralen: 2"), "{synced}"); // the order and its audit entry
    assert!(desk.ok(&["sync", "status"]).unwrap().contains("Ikke sendt: 0"));
    let on_central = central_orders(&central).await;
    assert_eq!(on_central.len(), 1);
    assert_eq!(on_central[0].0, "OSL1-000001");

    // Sent centrally; the desk sees it.
    central
        .ok(&[
            "order",
            "set-status",
            "OSL1-000001",
            "sendt",
            "--tracking",
            "70712345678",
        ])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    let shown = desk.ok(&["order", "show", "OSL1-000001"]).unwrap();
    assert!(shown.contains("Sendt"), "{shown}");
    assert!(shown.contains("70712345678"), "{shown}");

    // A new price on the central store reaches the desk's search.
    let sku = &products[5].sku;
    let feed = dir.path().join("pris.jsonl");
    std::fs::write(
        &feed,
        serde_json::json!({"sku": sku, "name": products[5].name, "price": "12345.00", "availability": "in_stock"})
            .to_string(),
    )
    .unwrap();
    central
        .ok(&["import-feed", "--partial", feed.to_str().unwrap()])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    let found = desk.ok(&["search", sku]).unwrap();
    assert!(found.contains("12 345,00"), "{found}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desks_of_one_store_take_orders_offline_and_nothing_collides() {
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (_, order_file) = catalog_and_order(&central, dir.path());
    let proxy = FaultProxy::start(central.addr).await.unwrap();
    let desks = [desk(dir.path(), "a"), desk(dir.path(), "b")];
    for d in &desks {
        pair(&central, d, &proxy.url());
        d.ok(&["sync", "now"]).unwrap();
    }
    proxy.set(Fault::Refuse);
    // Both place ten orders at the same time, offline.
    let handles: Vec<_> = desks
        .iter()
        .cloned()
        .map(|d| {
            let file = order_file.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| d.ok(&["order", "place", file.to_str().unwrap()]).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outputs: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert_eq!(outputs.len(), 20);
    proxy.set(Fault::None);
    for d in &desks {
        d.ok(&["sync", "now"]).unwrap();
    }
    let on_central = central_orders(&central).await;
    let numbers: Vec<&str> = on_central.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(numbers.len(), 20, "{numbers:?}");
    let mut unique = numbers.clone();
    unique.dedup();
    assert_eq!(unique.len(), 20, "no number twice");
    assert_eq!(numbers.iter().filter(|n| n.starts_with("OSL1-")).count(), 10);
    assert_eq!(numbers.iter().filter(|n| n.starts_with("OSL2-")).count(), 10);
}

/// Issue 17 item 6: the cache a desk of the previous release left behind (the upgrade fixture, with two
/// orders placed before the desk was ever paired, one with a sealed fødselsnummer) opens in this build,
/// pairs, and sends both orders; the series then goes on in the store's numbers.
#[tokio::test(flavor = "multi_thread")]
async fn the_cache_of_the_previous_release_pairs_and_sends_what_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (_, order_file) = catalog_and_order(&central, dir.path());
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/cache/tests/fixtures/release-2026-12");
    let old = desk(dir.path(), "forrige-versjon");
    std::fs::create_dir_all(&old.data_dir).unwrap();
    std::fs::copy(fixture.join("cache.sqlite"), old.data_dir.join("desk.sqlite3")).unwrap();
    let key = std::fs::read_to_string(fixture.join("key.hex")).unwrap();
    skranke_desk::field_key::install(
        &old.data_dir,
        &skranke_cache::FieldKey::from_hex(key.trim()).unwrap(),
    )
    .unwrap();

    let before = old.ok(&["sync", "status"]).unwrap();
    assert!(before.contains("Ikke sendt: 2"), "{before}");
    pair(&central, &old, &central.url());
    let synced = old.ok(&["sync", "now"]).unwrap();
    assert!(synced.contains("Kvittert av sentralen: "), "{synced}");
    assert!(old.ok(&["sync", "status"]).unwrap().contains("Ikke sendt: 0"));
    let on_central = central_orders(&central).await;
    let numbers: Vec<&str> = on_central.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(numbers, ["DBADE0-000001", "DBADE0-000002"]);

    // Paired, the desk numbers in its store's series from here on.
    let placed = old.ok(&["order", "place", order_file.to_str().unwrap()]).unwrap();
    assert!(placed.contains("OSL1-000001"), "{placed}");
    old.ok(&["sync", "now"]).unwrap();
    assert_eq!(central_orders(&central).await.len(), 3);
}

/// Issue 19: a transport-damage claim with two photos (a JPEG and a PNG) is registered at the desk
/// from the command line; the next sync sends the claim and uploads both photos, made into JPEGs;
/// another sync sends nothing again.
#[tokio::test(flavor = "multi_thread")]
async fn a_claim_and_its_photos_reach_the_central_store_once() {
    use image::{DynamicImage, ImageBuffer, Rgb};
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (_, order_file) = catalog_and_order(&central, dir.path());
    let desk = desk(dir.path(), "desk");
    pair(&central, &desk, &central.url());
    desk.ok(&["sync", "now"]).unwrap();
    desk.ok(&["order", "place", order_file.to_str().unwrap()])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    central
        .ok(&[
            "order",
            "set-status",
            "OSL1-000001",
            "sendt",
            "--tracking",
            "70712345678",
        ])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();

    let picture = DynamicImage::ImageRgb8(ImageBuffer::from_fn(3000, 2000, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    }));
    let jpeg = dir.path().join("skade-1.jpg");
    let png = dir.path().join("skade-2.png");
    picture.save(&jpeg).unwrap();
    picture
        .resize(800, 800, image::imageops::FilterType::Nearest)
        .save(&png)
        .unwrap();
    let received = (chrono::Utc::now() - chrono::Duration::hours(3))
        .with_timezone(&chrono_tz::Europe::Oslo)
        .format("%d.%m.%Y %H:%M")
        .to_string();
    let out = desk
        .ok(&[
            "order",
            "claim",
            "OSL1-000001",
            "--kind",
            "transportskade",
            "--line",
            "1:1",
            "--description",
            "Esken var knust",
            "--discovered",
            &received[..10],
            "--received",
            &received,
            "--photo",
            jpeg.to_str().unwrap(),
            "--photo",
            png.to_str().unwrap(),
        ])
        .unwrap();
    assert!(
        out.contains("Reklamasjon 1 på OSL1-000001 er registrert"),
        "{out}"
    );
    assert!(out.contains("Transportskaden er meldt i tide"), "{out}");
    let pdf = desk
        .data_dir
        .join("dokumenter")
        .join("OSL1-000001-reklamasjon-1.pdf");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for needed in [
        "Transportskade",
        "OSL1-000001",
        "Esken var knust",
        "meldt i tide",
        "2 bilder",
        "forbrukerkjøpsloven",
    ] {
        assert!(
            text.contains(needed),
            "«{needed}» missing from the claim PDF:\n{text}"
        );
    }

    desk.ok(&["sync", "now"]).unwrap();
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    let claims: Vec<(String, String)> = sqlx::query_as("SELECT kind, verdict FROM claims")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        claims,
        vec![("transportskade".to_string(), "in_time".to_string())]
    );
    let photos: Vec<(bool, Vec<u8>)> = sqlx::query_as("SELECT complete, data FROM photos ORDER BY sha256")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(photos.len(), 2);
    for (complete, data) in &photos {
        assert!(complete);
        assert!(data.starts_with(&[0xFF, 0xD8, 0xFF]), "stored as JPEG");
        let img = image::load_from_memory(data).unwrap();
        assert!(img.width().max(img.height()) <= 2000);
    }
    desk.ok(&["sync", "now"]).unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM photos")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 2, "sent once");
}
