//! The desk's use cases on a real data folder: import files, policy, validation errors, placing orders.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::sync::{Arc, Mutex};

use skranke_core::order::LineDraft;
use skranke_core::{Invalid, Money, OrderDraft};
use skranke_desk::{Desk, DeskError, ErrorCode};

mod support;
use support::{draft, now, person};

const JSONL: &str = r#"{"sku":"kaf-1","eans":["7000000000010"],"name":"Kaffe Fjellbrent 250 g","brand":"Friele","category":"Mat og drikke","price":"54,90","mva":15,"availability":"in_stock"}
{"sku":"UPC-1","eans":"0036000291452","name":"Importert termos","brand":"Stanley","category":"Friluft","price":349,"availability":"ordered_confirmed","supplier_date":"2026-12-04"}

{"sku":"TLT-1","eans":[],"name":"Telt Fjellheimen 3","brand":"Helsport","price":4999.5,"availability":"must_order"}
"#;

#[tokio::test]
async fn imports_json_lines_with_progress_and_keeps_leading_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let n = desk
        .import_file(&file, now(), move |done, total| {
            log.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(*seen.lock().unwrap(), vec![(3, 3)]);
    let upc = desk.search("0036000291452", 5, now()).await.unwrap();
    assert_eq!(upc[0].sku, "UPC-1");
    assert!(upc[0].exact);
    assert_eq!(
        upc[0].availability_text,
        "Varen er bestilt fra leverandør og leveringsdato er bekreftet."
    );
    assert_eq!(upc[0].as_of_text, "per 10:00", "A2: how old the availability is");
    let telt = desk.search("fjellh", 5, now()).await.unwrap();
    assert_eq!(telt[0].price_ore, 499_950);
    assert_eq!(
        desk.search("KAF-1", 5, now()).await.unwrap()[0].name,
        "Kaffe Fjellbrent 250 g"
    );
    assert_eq!(desk.cache().catalog_as_of().await.unwrap(), Some(now()));
}

#[tokio::test]
async fn a_bad_row_names_its_line_and_field_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL.replace("\"mva\":15", "\"mva\":8")).unwrap();
    let err = desk.import_file(&file, now(), |_, _| {}).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Import);
    assert_eq!(
        err.to_string(),
        "linje 1: mva: ukjent MVA-sats «8» (25, 15 eller 12)"
    );
    std::fs::write(&file, JSONL.replace("0036000291452", "0036000291453")).unwrap();
    let err = desk.import_file(&file, now(), |_, _| {}).await.unwrap_err();
    assert!(err.to_string().starts_with("linje 2: eans: EAN"), "{err}");
    std::fs::write(&file, JSONL.replace(",\"supplier_date\":\"2026-12-04\"", "")).unwrap();
    let err = desk.import_file(&file, now(), |_, _| {}).await.unwrap_err();
    assert_eq!(err.to_string(), "linje 2: supplier_date: må fylles ut");
    assert_eq!(desk.cache().product_count().await.unwrap(), 0);
}

#[tokio::test]
async fn validation_reports_every_field_with_a_norwegian_label() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let mut d = draft("FINNES-IKKE");
    d.customer.phone = "22 12 34 56".into(); // not a mobile: Vipps cannot reach it (F5, P5)
    let err = desk.check_draft(&d, now()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    let DeskError::Invalid(fields) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        fields[0].problem,
        Invalid::MobileRequired {
            method: "Vipps".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "Telefon (customer.phone): Vipps krever et norsk mobilnummer\n\
         Varelinje 1: varenummer (lines[0].sku): ukjent varenummer FINNES-IKKE"
    );
}

#[tokio::test]
async fn placed_orders_are_listed_shown_and_keep_the_fodselsnummer_apart() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();

    let mut d = draft("UPC-1");
    d.payment_method = "klarna_faktura".into();
    d.customer.fodselsnummer = "158396 49859".into(); // Tenor synthetic, born 1996-03-15
    let placed = desk
        .place_order(&person(&desk).await, uuid::Uuid::new_v4(), &d, now())
        .await
        .unwrap();
    assert!(!placed.already_placed);
    // D5 + D3: supplier date Friday 4 December, Tromsø (3–5 days transit), dispatch within 2.
    assert_eq!(placed.promise_text, "onsdag 9.12.2026–tirsdag 15.12.2026");
    assert_eq!(placed.total_ore, 2 * 34_900 + 9_900);

    let shown = desk.show_order(&placed.order_number).await.unwrap();
    assert!(shown.has_fodselsnummer);
    assert!(
        shown.order.fodselsnummer.is_none(),
        "P3: never read back into the order"
    );
    assert_eq!(shown.order.delivery_address.place, "TROMSØ");
    let list = desk.list_orders(Some("ola nordm"), 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].order_number, placed.order_number);
    let pending = desk.cache().outbox_pending().await.unwrap();
    assert_eq!(pending.len(), 2, "the order and its audit entry");
    assert!(
        pending.iter().all(|p| !p.payload.contains("15839649859")),
        "P3: not in what is sent either"
    );
    assert!(matches!(
        desk.show_order("X-000001").await,
        Err(DeskError::OrderNotFound(_))
    ));
}

#[tokio::test]
async fn policy_toml_in_the_data_folder_is_used_and_a_bad_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.toml"), "[pickup]\npickup_days = 7\n").unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    assert_eq!(desk.policy().pickup.pickup_days, 7);
    assert_eq!(
        desk.policy().pickup.unclaimed_fee_prepaid,
        Money::from_kroner(300)
    );
    drop(desk);
    std::fs::write(
        dir.path().join("policy.toml"),
        "[pickup]\npickup_days = \"sju\"\n",
    )
    .unwrap();
    let err = Desk::open(dir.path()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Policy);
    assert!(err.to_string().starts_with("ugyldig butikkpolicy"), "{err}");
}

#[tokio::test]
async fn customers_are_found_by_phone_name_or_email_and_not_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let mut kari = draft("X").customer;
    kari.name = "Kari Østby".into();
    kari.phone = "412 34 567".into();
    kari.email = "kari.ostby@example.no".into();
    let saved = desk
        .save_customer(&person(&desk).await, &kari, now())
        .await
        .unwrap();
    assert_eq!(saved.phone, "+4741234567");
    assert_eq!(saved.place, "TROMSØ");
    let ola = draft("X").customer;
    desk.save_customer(&person(&desk).await, &ola, now())
        .await
        .unwrap();

    for query in ["41234567", "+47 412 34", "Østby", "østby", "KARI.OSTBY@"] {
        let found = desk.find_customers(query).await.unwrap();
        assert_eq!(
            found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            [saved.id.as_str()],
            "{query}"
        );
    }
    // The same person again with a new address: the same customer, updated.
    kari.address.postcode = "0150".into();
    let again = desk
        .save_customer(&person(&desk).await, &kari, now())
        .await
        .unwrap();
    assert_eq!(again.id, saved.id);
    assert_eq!(again.place, "OSLO");
    assert_eq!(desk.find_customers("example.no").await.unwrap().len(), 2);

    kari.phone = "123".into();
    kari.address.postcode = "9999".into();
    let err = desk
        .save_customer(&person(&desk).await, &kari, now())
        .await
        .unwrap_err();
    let DeskError::Invalid(fields) = err else { panic!() };
    assert_eq!(
        fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
        ["customer.phone", "customer.address.postcode"]
    );
}

#[tokio::test]
async fn the_form_previews_shows_payment_rules_and_keeps_its_draft_until_placed() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();

    // Half-filled: the cart is priced and promised already; every missing field is listed.
    let mut d = OrderDraft {
        lines: vec![LineDraft {
            discount: None,
            sku: "kaf-1".into(),
            quantity: 3,
        }],
        ..Default::default()
    };
    let p = desk.preview(&d, now()).await.unwrap();
    assert_eq!(p.lines[0].line_total_text, "164,70\u{a0}kr");
    assert_eq!(
        p.totals.total_text, "263,70\u{a0}kr",
        "with the first shipping method"
    );
    assert!(!p.ready);
    assert!(p
        .errors
        .iter()
        .any(|e| e.field == "customer.name" && e.label == "Kundens navn"));

    // P2 shown before staff try: a 15-year-old (synthetic number) may not pay by faktura.
    d.customer.fodselsnummer = "24921099912".into();
    let p = desk.preview(&d, now()).await.unwrap();
    let faktura = p
        .payment_options
        .iter()
        .find(|o| o.code == "klarna_faktura")
        .unwrap();
    assert_eq!(
        faktura.refusal.as_deref(),
        Some("kunden må være fylt 18 år for å betale med Klarna faktura")
    );
    assert!(faktura.needs_fodselsnummer);
    assert!(
        p.payment_options
            .iter()
            .find(|o| o.code == "vipps")
            .unwrap()
            .refusal
            .is_some(),
        "no mobile yet"
    );

    let id = uuid::Uuid::new_v4();
    let mut full = draft("KAF-1");
    desk.save_draft(id, &full, now()).await.unwrap();
    let reopened = Desk::open(dir.path()).await.unwrap();
    let saved = reopened.load_draft().await.unwrap().unwrap();
    assert_eq!(
        (saved.order_id, saved.draft.clone()),
        (id.to_string(), full.clone())
    );
    full.customer.email = String::new();
    assert!(reopened.preview(&full, now()).await.unwrap().ready);
    reopened
        .place_order(&person(&reopened).await, id, &full, now())
        .await
        .unwrap();
    assert_eq!(
        reopened.load_draft().await.unwrap(),
        None,
        "placing takes the draft with it"
    );
}

/// Staff log in with their own PIN: five wrong in a row lock that person out for five minutes, and
/// five idle minutes lock the desk. Logins are in the audit log.
#[tokio::test]
async fn pin_login_locks_out_after_five_wrong_and_after_idle_time() {
    use skranke_desk::staff::{DEMO_PIN, DEMO_STAFF_ID};
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let staff = desk.staff_list().await.unwrap();
    let names: Vec<&str> = staff.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Demo", "Demo leder"],
        "an unpaired desk has its demo seller and manager"
    );
    assert!(matches!(desk.active_session(now()), Err(DeskError::NotLoggedIn)));

    for left in (1..5).rev() {
        match desk.login(DEMO_STAFF_ID, "0000", now()).await {
            Err(DeskError::WrongPin(n)) => assert_eq!(n, left),
            other => panic!("{other:?}"),
        }
    }
    let locked = desk.login(DEMO_STAFF_ID, "0000", now()).await;
    assert!(matches!(locked, Err(DeskError::LockedOut(_))), "{locked:?}");
    // Locked: even the right PIN is refused until the five minutes are over.
    let still = desk
        .login(DEMO_STAFF_ID, DEMO_PIN, now() + chrono::Duration::minutes(4))
        .await;
    assert!(matches!(still, Err(DeskError::LockedOut(_))), "{still:?}");
    let later = now() + chrono::Duration::minutes(6);
    let session = desk.login(DEMO_STAFF_ID, DEMO_PIN, later).await.unwrap();
    assert_eq!(session.name, "Demo");
    assert!(desk.active_session(later + chrono::Duration::minutes(4)).is_ok());
    // Idle for more than five minutes after the last action: locked.
    assert!(matches!(
        desk.active_session(later + chrono::Duration::minutes(10)),
        Err(DeskError::NotLoggedIn)
    ));
    assert_eq!(desk.verify_audit_log().await.unwrap(), 1, "the login");
}

/// D6: a catalog row marked `supplier_direct` is imported as such; the cart shows the D6 text on its
/// line and promises the supplier's time; the placed confirmation carries the text (pdftotext).
#[tokio::test]
async fn d6_a_supplier_direct_product_from_the_catalog_file_to_the_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    let sofa = r#"{"sku":"SOFA-1","name":"Sofa Fjord 3-seter","brand":"Bolia","price":"12990","availability":"in_stock","supplier_direct":"ja"}"#;
    std::fs::write(&file, format!("{JSONL}{sofa}\n")).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    // A bad yes/no names its line and field.
    let bad = dir.path().join("feil.jsonl");
    std::fs::write(&bad, sofa.replace("\"ja\"", "\"kanskje\"")).unwrap();
    let err = desk.import_file(&bad, now(), |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("supplier_direct"), "{err}");

    let mut d = draft("SOFA-1");
    d.lines.push(LineDraft {
        discount: None,
        sku: "KAF-1".into(),
        quantity: 1,
    });
    let preview = desk.preview(&d, now()).await.unwrap();
    assert_eq!(
        preview.lines[0].supplier_text.as_deref(),
        Some("Leveres direkte fra leverandør, som kontakter deg.")
    );
    assert_eq!(preview.lines[1].supplier_text, None);
    assert!(!preview.lines[0].promise_text.is_empty());
    let placed = desk
        .place_order(&person(&desk).await, uuid::Uuid::new_v4(), &d, now())
        .await
        .unwrap();
    let pdf = desk
        .confirmation_pdf(&person(&desk).await, &placed.order_number, now())
        .await
        .unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Leveres direkte fra leverandør, som kontakter deg."),
        "{text}"
    );
}

/// The window names a document by what it is; the desk resolves it inside its documents folder. A
/// name that leads anywhere else (a folder, `..`, an absolute path, a link out of the folder) is
/// refused as not found, and nothing is opened.
#[tokio::test]
async fn a_document_outside_the_documents_folder_is_refused() {
    use skranke_desk::DocumentRef;
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    let who = person(&desk).await;
    let placed = desk
        .place_order(&who, uuid::Uuid::new_v4(), &draft("KAF-1"), now())
        .await
        .unwrap();
    let pdf = desk
        .confirmation_pdf(&who, &placed.order_number, now())
        .await
        .unwrap();
    let confirmation = DocumentRef::Confirmation {
        order_number: placed.order_number.clone(),
    };
    assert_eq!(
        desk.document_path(&confirmation).unwrap(),
        pdf.canonicalize().unwrap()
    );

    std::fs::write(dir.path().join("hemmelig.txt"), "x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("hemmelig.txt"),
        desk.documents_dir().join("lenke.json"),
    )
    .unwrap();
    let outside = [
        DocumentRef::CustomerExport {
            file_name: "../hemmelig.txt".into(),
        },
        DocumentRef::CustomerExport {
            file_name: "../desk.sqlite3".into(),
        },
        DocumentRef::CustomerExport {
            file_name: dir.path().join("hemmelig.txt").display().to_string(),
        },
        DocumentRef::CustomerExport {
            file_name: "lenke.json".into(),
        },
        DocumentRef::CustomerExport {
            file_name: "..".into(),
        },
        DocumentRef::Confirmation {
            order_number: "../../hemmelig".into(),
        },
        DocumentRef::ReturnSlip {
            order_number: placed.order_number.clone(),
            return_no: 7,
        },
    ];
    for document in outside {
        let err = desk.document_path(&document).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound, "{document:?}: {err}");
        let opened = desk.open_document(&who, &document, now()).await;
        assert!(
            matches!(opened, Err(DeskError::DocumentNotFound(_))),
            "{document:?}"
        );
    }
    // A path the window might have sent is not even a document reference.
    let from_window = serde_json::from_str::<DocumentRef>(r#"{"path": "/etc/passwd"}"#);
    assert!(from_window.is_err());
}

/// Issue 17 item 2: an update is offered only to a paired desk with no unsent work older than a
/// minute.
#[tokio::test]
async fn an_update_waits_while_an_order_older_than_a_minute_is_unsent() {
    use skranke_desk::desk_update::UpdateReadiness;
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    assert_eq!(
        desk.update_readiness(now()).await.unwrap(),
        UpdateReadiness::NotPaired
    );
    assert!(desk.update_source().await.unwrap().is_none());
    // An order placed before pairing stays in the outbox until the central store has it.
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    desk.place_order(&person(&desk).await, uuid::Uuid::new_v4(), &draft("UPC-1"), now())
        .await
        .unwrap();

    let paired = skranke_protocol::PairResponse {
        device_id: uuid::Uuid::now_v7(),
        store_id: "OSL".into(),
        store_name: "Skranke Oslo".into(),
        token: "t".repeat(64),
        series: "OSL1".into(),
    };
    desk.cache()
        .set_pairing("http://sentral:8080/", &paired, now())
        .await
        .unwrap();
    let source = desk.update_source().await.unwrap().unwrap();
    assert!(
        source
            .endpoint
            .starts_with("http://sentral:8080/v1/desk-updates/{{target}}/"),
        "{source:?}"
    );
    assert_eq!(source.token, "t".repeat(64));
    // Just placed: it may still reach the central store on its own.
    let soon = now() + chrono::Duration::seconds(59);
    assert_eq!(desk.update_readiness(soon).await.unwrap(), UpdateReadiness::Quiet);
    let later = now() + chrono::Duration::seconds(61);
    assert_eq!(
        desk.update_readiness(later).await.unwrap(),
        UpdateReadiness::UnsentWork { oldest: now() }
    );
}

/// Issue 20 item 3: before a second record of a person is made, the one stored is shown first, with
/// why; the customer an order would update anyway (same phone and name) is not called a duplicate.
#[tokio::test]
async fn a_customer_who_exists_is_shown_before_a_second_record_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let mut kari = draft("X").customer;
    kari.name = "Kari Ødegård".into();
    kari.phone = "412 34 567".into();
    kari.email = "kari@example.no".into();
    kari.address.line1 = "Storgata 1".into();
    kari.address.postcode = "0150".into();
    let saved = desk
        .save_customer(&person(&desk).await, &kari, now())
        .await
        .unwrap();
    let ola = draft("X").customer;
    desk.save_customer(&person(&desk).await, &ola, now())
        .await
        .unwrap();

    // A note for whoever takes her next call shows in her panel, newest first, with who and when.
    let who = person(&desk).await;
    desk.add_customer_note(&who, &saved.id, "vil ha faktura til firma", now())
        .await
        .unwrap();
    let panel = desk
        .add_customer_note(&who, &saved.id, "ring etter 16", now())
        .await
        .unwrap();
    let notes: Vec<&str> = panel.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(notes, ["ring etter 16", "vil ha faktura til firma"]);
    assert!(
        panel.notes[0].by_text.starts_with("Demo, 23.11.2026"),
        "{}",
        panel.notes[0].by_text
    );
    assert!(desk
        .add_customer_note(&who, &saved.id, "  ", now())
        .await
        .is_err());

    // Herself, as an order would update her: nothing to warn about.
    assert!(desk.duplicate_customers(&kari).await.unwrap().is_empty());

    let mut typed = kari.clone();
    typed.name = "Kari Oedegaard".into();
    typed.phone = "900 00 001".into();
    typed.email = String::new();
    typed.address.line1 = "Storgt. 1".into();
    let found = desk.duplicate_customers(&typed).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].customer.id, saved.id);
    assert_eq!(found[0].reason, "Samme navn og adresse (skrevet litt ulikt)");

    typed.email = "KARI@example.no".into();
    assert_eq!(
        desk.duplicate_customers(&typed).await.unwrap()[0].reason,
        "Samme e-postadresse"
    );
    typed.phone = "41234567".into();
    typed.email = String::new();
    typed.address.line1 = "Annen vei 2".into();
    // Same phone, another name: the same number is the strongest reason.
    typed.name = "K. Ødegård".into();
    assert_eq!(
        desk.duplicate_customers(&typed).await.unwrap()[0].reason,
        "Samme telefonnummer"
    );

    // Another Kari at another number in the same town is not her.
    let mut other = typed.clone();
    other.name = "Kari Hansen".into();
    other.phone = "900 00 002".into();
    other.address.line1 = "Storgata 1".into();
    assert!(desk.duplicate_customers(&other).await.unwrap().is_empty());
}

/// Issue 20 item 4: a seller's discount above their own limit is refused, naming the limit, until a
/// manager types their PIN on the same desk; a wrong PIN is no approval and counts toward the
/// manager's lockout; the order records who asked and who approved, MVA follows the discounted price,
/// and the audit log says it all.
#[tokio::test]
async fn a_discount_above_the_sellers_limit_is_placed_only_with_a_managers_pin() {
    use skranke_core::discount::{DiscountDraft, DiscountKind};
    use skranke_desk::discounts::ManagerApproval;
    use skranke_desk::staff::{DEMO_MANAGER_ID, DEMO_MANAGER_PIN};

    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    let seller = person(&desk).await;

    // Two tents at 4 999,50 kr: 15 % is 1 499,86 kr; the seller's limit is 10 % (999,90 kr).
    let mut d = draft("TLT-1");
    d.lines[0].discount = Some(DiscountDraft {
        kind: DiscountKind::Percent { basis_points: 1500 },
        reason: "prismatch".into(),
    });
    let preview = desk.preview(&d, now()).await.unwrap();
    assert_eq!(
        preview.lines[0]
            .discount_text
            .as_deref()
            .map(|t| t.replace('\u{a0}', " ")),
        Some("15 % rabatt (Prismatch): −1 499,86 kr, før 9 999,00 kr".into())
    );
    // The customer hears it with the total.
    assert!(
        preview
            .read_back
            .replace('\u{a0}', " ")
            .contains("totalt 8 598,14 kr (rabatt i alt: 1 499,86 kr)"),
        "{}",
        preview.read_back
    );
    let id = uuid::Uuid::new_v4();
    let refused = desk.place_order(&seller, id, &d, now()).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DiscountNeedsApproval);
    assert!(
        refused
            .to_string()
            .replace('\u{a0}', " ")
            .contains("1 499,86 kr i rabatt er over grensen din (10 % eller 200,00 kr)"),
        "{refused}"
    );
    assert!(desk.list_orders(None, 10).await.unwrap().is_empty());

    let wrong = ManagerApproval {
        staff_id: DEMO_MANAGER_ID.into(),
        pin: "0000".into(),
    };
    let again = desk
        .place_order_approved(&seller, id, &d, Some(&wrong), now())
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::WrongPin);
    assert!(desk.list_orders(None, 10).await.unwrap().is_empty());

    let approved = ManagerApproval {
        staff_id: DEMO_MANAGER_ID.into(),
        pin: DEMO_MANAGER_PIN.into(),
    };
    let placed = desk
        .place_order_approved(&seller, id, &d, Some(&approved), now())
        .await
        .unwrap();
    // 2 × 4 249,57 + 99,00 shipping.
    assert_eq!(placed.total_ore, 2 * 424_957 + 9_900);
    let shown = desk.show_order(&placed.order_number).await.unwrap();
    let line = &shown.order.lines[0];
    assert_eq!(line.unit_price, Money::from_ore(424_957));
    assert_eq!(
        line.discount.as_ref().unwrap().listed_unit_price,
        Money::from_ore(499_950)
    );
    let by = shown.order.discount_approval.clone().unwrap();
    assert_eq!(
        (by.asked_by.as_str(), by.approved_by.as_deref()),
        ("Demo", Some("Demo leder"))
    );
    // S2 on what the customer pays: 25 % of 8 499,14 + 99,00 is 1 719,63.
    assert_eq!(shown.order.totals.mva[0].mva, Money::from_ore(171_963));
    let audit = desk.cache().audit_entries(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "rabatt")
        .expect("a discount is audited");
    assert_eq!(
        entry.subject.replace('\u{a0}', " "),
        format!(
            "{}: 1 499,86 kr (Prismatch), gitt av Demo, godkjent av Demo leder",
            placed.order_number
        )
    );

    // Within the limit, no one needs to approve, and no approver is recorded.
    let mut small = draft("KAF-1");
    small.lines[0].discount = Some(DiscountDraft {
        kind: DiscountKind::UnitPrice { ore: 4_990 },
        reason: "skadet_emballasje".into(),
    });
    let placed = desk
        .place_order(&seller, uuid::Uuid::new_v4(), &small, now())
        .await
        .unwrap();
    let shown = desk.show_order(&placed.order_number).await.unwrap();
    assert_eq!(shown.order.discount_approval.clone().unwrap().approved_by, None);
}

/// Issue 20 item 6: a draft saved as a quote holds its prices through its last day: turned into an
/// order then, at the quoted price even though the catalog's went up, and only once; an expired quote
/// becomes an order at today's price, and the form says so. The quote's PDF says how long it holds.
#[tokio::test]
async fn a_quote_keeps_its_prices_until_it_expires_and_becomes_one_order() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    let seller = person(&desk).await;

    let mut asked = draft("TLT-1");
    asked.payment_method = String::new();
    let quote = desk
        .save_quote(&seller, uuid::Uuid::new_v4(), &asked, now())
        .await
        .unwrap();
    assert!(quote.number.contains("-T00001"), "{}", quote.number);
    assert!(
        quote.validity_text.contains("til og med 07.12.2026"),
        "{}",
        quote.validity_text
    );
    let second = desk
        .save_quote(&seller, uuid::Uuid::new_v4(), &asked, now())
        .await
        .unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", &quote.document, "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\u{a0}', " ");
    assert!(text.contains("Tilbudsnummer"), "{text}");
    assert!(text.contains("Tilbudet gjelder til og med 07.12.2026"), "{text}");
    assert!(
        !text.contains("Angreskjema"),
        "a quote is not a sales document: {text}"
    );

    // By e-mail: a wrong address is refused at its field; an empty one means the customer's.
    let wrong = desk.send_quote(&seller, &quote.number, "ola@", now()).await;
    assert!(
        matches!(&wrong, Err(DeskError::Invalid(e)) if e[0].field == "quote_email"),
        "{wrong:?}"
    );
    assert!(quote.sent_text.is_empty());
    let sent = desk.send_quote(&seller, &quote.number, "", now()).await.unwrap();
    assert!(
        sent.sent_text.contains("til ola@example.no"),
        "{}",
        sent.sent_text
    );
    let queued: Vec<_> = desk
        .cache()
        .outbox_pending()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "quote_sent")
        .collect();
    assert_eq!(queued.len(), 1, "one mail waits in the outbox");
    let payload: skranke_protocol::QuoteSent = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(
        (payload.quote_number.as_str(), payload.email.as_str()),
        (quote.number.as_str(), "ola@example.no")
    );
    assert_eq!(payload.valid_through.to_string(), "2026-12-07");
    assert_eq!(payload.quote.totals.total.to_string(), quote.total_text);

    // The tent goes up from 4 999,50 to 5 999,00 kr.
    std::fs::write(&file, JSONL.replace("4999.5", "5999")).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();

    let in_time = now() + chrono::Duration::days(14);
    let opened = desk.open_quote(&quote.number, in_time).await.unwrap();
    assert_eq!(opened.draft.quote_number, quote.number);
    let mut order = opened.draft;
    order.payment_method = "vipps".into();
    let preview = desk.preview(&order, in_time).await.unwrap();
    assert!(preview.quote_text.unwrap().contains("prisene i tilbudet står"));
    let placed = desk
        .place_order(&seller, uuid::Uuid::new_v4(), &order, in_time)
        .await
        .unwrap();
    let shown = desk.show_order(&placed.order_number).await.unwrap();
    assert_eq!(shown.order.lines[0].unit_price, Money::from_ore(499_950));
    assert_eq!(shown.order.quote_number.as_deref(), Some(quote.number.as_str()));
    let again = desk.open_quote(&quote.number, in_time).await.unwrap_err();
    assert!(
        again.to_string().contains("allerede gjort om til ordre"),
        "{again}"
    );

    // The day after the last: today's price, and the form says so.
    let late = now() + chrono::Duration::days(15);
    let opened = desk.open_quote(&second.number, late).await.unwrap();
    assert!(opened.quote.expired);
    let mut order = opened.draft;
    order.payment_method = "vipps".into();
    let preview = desk.preview(&order, late).await.unwrap();
    assert!(preview.quote_text.unwrap().contains("dagens priser"));
    let placed = desk
        .place_order(&seller, uuid::Uuid::new_v4(), &order, late)
        .await
        .unwrap();
    let shown = desk.show_order(&placed.order_number).await.unwrap();
    assert_eq!(shown.order.lines[0].unit_price, Money::from_ore(599_900));
}

/// Issue 20 item 7: a company buys on faktura with its org.nr. (F9), no fødselsnummer and no age
/// asked; part payment is refused for it; a wrong org.nr. is refused at its field; the confirmation
/// names the company, its org.nr. and the buyer's reference.
#[tokio::test]
async fn a_company_buys_on_faktura_without_a_fodselsnummer_and_the_confirmation_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(dir.path()).await.unwrap();
    let file = dir.path().join("katalog.jsonl");
    std::fs::write(&file, JSONL).unwrap();
    desk.import_file(&file, now(), |_, _| {}).await.unwrap();
    let seller = person(&desk).await;

    let mut d = draft("TLT-1");
    d.customer.confirmed_15_or_older = false;
    d.payment_method = "klarna_faktura".into();
    d.customer.company = skranke_core::order::CompanyDraft {
        org_nr: "923 609 017".into(),
        name: "Fjellutstyr AS".into(),
        invoice_email: "faktura@fjellutstyr.no".into(),
        reference: "PO-4711".into(),
    };
    let refused = desk.check_draft(&d, now()).await.unwrap_err();
    let DeskError::Invalid(errors) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(
        errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["customer.company.org_nr"],
        "{errors:?}"
    );
    d.customer.company.org_nr = "923 609 016".into();
    d.payment_method = "klarna_delbetaling".into();
    let DeskError::Invalid(errors) = desk.check_draft(&d, now()).await.unwrap_err() else {
        panic!()
    };
    assert!(
        matches!(errors[0].problem, Invalid::PartPaymentNotForCompanies),
        "{errors:?}"
    );

    d.payment_method = "klarna_faktura".into();
    let placed = desk
        .place_order(&seller, uuid::Uuid::new_v4(), &d, now())
        .await
        .unwrap();
    let shown = desk.show_order(&placed.order_number).await.unwrap();
    let company = shown.order.customer.company.clone().unwrap();
    assert_eq!(company.org_nr.to_string(), "923 609 016");
    assert!(!shown.has_fodselsnummer);
    let pdf = desk
        .confirmation_pdf(&seller, &placed.order_number, now())
        .await
        .unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for wanted in [
        "Fjellutstyr AS",
        "Org.nr. 923 609 016",
        "Kontakt: Ola Nordmann",
        "Deres referanse: PO-4711",
        "Faktura til faktura@fjellutstyr.no",
    ] {
        assert!(text.contains(wanted), "{wanted}: {text}");
    }
    std::fs::copy(
        &pdf,
        std::env::temp_dir().join("skranke-company-confirmation.pdf"),
    )
    .unwrap();
}

/// Issue 21 item 7: the last good sync found this PC's clock three hours slow. The desk, opened
/// again, goes by the central store's time while that reading is fresh, the order records the
/// offset it added, and staff are told to have the clock put right.
#[tokio::test]
async fn a_clock_three_hours_slow_is_shown_and_corrected_with_the_central_time() {
    let dir = tempfile::tempdir().unwrap();
    let three_hours = chrono::Duration::hours(3);
    {
        let desk = Desk::open(dir.path()).await.unwrap();
        let file = dir.path().join("katalog.jsonl");
        std::fs::write(&file, JSONL).unwrap();
        desk.import_file(&file, now(), |_, _| {}).await.unwrap();
        desk.cache()
            .record_clock_offset(three_hours.num_milliseconds(), now() + three_hours)
            .await
            .unwrap();
    }
    let desk = Desk::open(dir.path()).await.unwrap();
    let stamp = desk.clock().now(now());
    assert_eq!(stamp, now() + three_hours, "the central store's time");
    let placed = desk
        .place_order(&person(&desk).await, uuid::Uuid::new_v4(), &draft("UPC-1"), stamp)
        .await
        .unwrap();
    let pending = desk.cache().outbox_pending().await.unwrap();
    let order: skranke_protocol::OrderPlaced = pending
        .iter()
        .find(|p| p.kind == "order_placed")
        .map(|p| serde_json::from_str(&p.payload).unwrap())
        .unwrap();
    assert_eq!(order.order_number, placed.order_number);
    assert_eq!(order.placed_at_utc, stamp);
    assert_eq!(order.clock_offset_ms, Some(three_hours.num_milliseconds()));

    let view = desk.sync_view(None, stamp).await.unwrap();
    let warning = view.clock_warning.expect("staff are told");
    assert!(
        warning.starts_with("Klokka på denne PC-en går 3 t 0 min for sakte."),
        "{warning}"
    );
    assert!(warning.contains("Be IT rette klokka."), "{warning}");

    // Ten minutes on with no answer since: the desk no longer knows, and records no offset.
    let later = now() + chrono::Duration::minutes(10);
    assert_eq!(desk.clock().now(later), later);
    assert_eq!(desk.clock().offset_of(later), None);
}
