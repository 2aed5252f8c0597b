//! A desk's cache file copied off the machine does not reveal a fødselsnummer (or the draft being
//! typed) without the key, which stays in the keyring or the key file outside the data folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, Utc};
use skranke_core::order::{AddressDraft, CustomerDraft, LineDraft};
use skranke_core::OrderDraft;
use skranke_desk::field_key::{self, KeyLocation};
use skranke_desk::{Desk, ErrorCode};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

const PLACED_FNR: &str = "15839649859"; // Tenor synthetic, born 1996-03-15
const DRAFT_FNR: &str = "24921099912";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn faktura(fnr: &str) -> OrderDraft {
    OrderDraft {
        customer: CustomerDraft {
            confirmed_15_or_older: true,
            name: "Kari Nordmann".into(),
            phone: "+47 412 34 567".into(),
            email: "kari@example.no".into(),
            fodselsnummer: fnr.into(),
            address: AddressDraft {
                line1: "Storgata 1".into(),
                postcode: "0155".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: vec![LineDraft {
            discount: None,
            sku: "kaf-1".into(),
            quantity: 1,
        }],
        shipping_method: "servicepakke".into(),
        payment_method: "klarna_faktura".into(),
        ..Default::default()
    }
}

/// Every way the number could be written, in the bytes of every file of the database.
fn reveals(dir: &std::path::Path, fnr: &str) -> Vec<String> {
    let spaced = format!("{} {}", &fnr[..6], &fnr[6..]);
    let utf16: Vec<u8> = fnr.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("desk.sqlite3")
        {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for needle in [fnr.as_bytes(), spaced.as_bytes(), &utf16[..]] {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn a_stolen_desk_file_does_not_reveal_a_fodselsnummer_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("skranke");
    let desk = Desk::open(&data).await.unwrap();
    let file = data.join("katalog.jsonl");
    std::fs::write(
        &file,
        r#"{"sku":"kaf-1","eans":["7000000000010"],"name":"Kaffe Fjellbrent 250 g","brand":"Friele","price":"54,90","mva":15,"availability":"in_stock"}"#,
    )
    .unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();

    // One faktura order placed (its fødselsnummer kept until the central store has it, P3) and the
    // next one half typed in the draft.
    let placed = desk
        .place_order(
            &desk.act_as_service("test").unwrap(),
            uuid::Uuid::new_v4(),
            &faktura(PLACED_FNR),
            now(),
        )
        .await
        .unwrap();
    let draft_id = uuid::Uuid::new_v4();
    desk.save_draft(draft_id, &faktura(DRAFT_FNR), now())
        .await
        .unwrap();
    assert_eq!(
        desk.cache()
            .fodselsnummer_of(&placed.order_number)
            .await
            .unwrap()
            .as_deref(),
        Some(PLACED_FNR),
        "the desk itself, with its key, reads it"
    );
    desk.cache().clone().close().await;

    // The key is not in the data folder: in the keyring, or a 0600 file elsewhere.
    let (key, location) = field_key::load_or_create(&data).await.unwrap();
    if let KeyLocation::File(path) = &location {
        assert!(
            !path.starts_with(&data),
            "{} is outside {}",
            path.display(),
            data.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    let key_hex = key.to_hex();

    // The thief copies the data folder, and only that.
    let stolen = dir.path().join("stjålet");
    std::fs::create_dir_all(&stolen).unwrap();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(key_hex.len()).any(|w| w == key_hex.as_bytes()),
                "the key is not in {}",
                path.display()
            );
            std::fs::write(stolen.join(path.file_name().unwrap()), &bytes).unwrap();
        }
    }
    for fnr in [PLACED_FNR, DRAFT_FNR] {
        assert_eq!(
            reveals(&stolen, fnr),
            Vec::<String>::new(),
            "{fnr} in the raw bytes"
        );
    }

    // Read with SQL: the columns hold sealed values, not the numbers.
    let mut conn = SqliteConnectOptions::new()
        .filename(stolen.join("desk.sqlite3"))
        .connect()
        .await
        .unwrap();
    let sealed: String = sqlx::query_scalar("SELECT fodselsnummer FROM order_identity")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        sealed.starts_with("v1.") && !sealed.contains(PLACED_FNR),
        "{sealed}"
    );
    let draft = sqlx::query("SELECT order_id, body FROM draft")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let body: String = draft.get("body");
    assert!(
        !body.contains(DRAFT_FNR) && !body.contains("Kari"),
        "the draft is sealed whole"
    );
    drop(conn);

    // Opened as a desk on another machine (no key there): refused with a clear message, and no new
    // key is made for it.
    let err = Desk::open(&stolen).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FieldKey, "{err}");
    assert!(err.to_string().contains("finnes verken i nøkkelringen"), "{err}");
    // Opened with any other key: refused, nothing written under a second key.
    let other = skranke_cache::Cache::open(&stolen.join("desk.sqlite3"), skranke_cache::FieldKey::generate())
        .await
        .unwrap_err();
    assert!(
        other.to_string().contains("kryptert med en annen nøkkel"),
        "{other}"
    );
    // And a guessed key does not open the sealed value even with the check skipped.
    let guessed = skranke_cache::FieldKey::generate();
    let order_id: String = draft.get("order_id");
    assert!(guessed.open(&sealed, &order_id).is_err());
    assert!(guessed.open(&body, &order_id).is_err());

    // The owner, with the key, still has everything.
    let desk = Desk::open(&data).await.unwrap();
    assert_eq!(
        desk.cache()
            .fodselsnummer_of(&placed.order_number)
            .await
            .unwrap()
            .as_deref(),
        Some(PLACED_FNR)
    );
    let restored = desk.load_draft().await.unwrap().expect("the draft");
    assert_eq!(restored.order_id, draft_id.to_string());
    assert_eq!(restored.draft.customer.fodselsnummer, DRAFT_FNR);
}
