//! `skranke order place`, `import` and `pdf` through the real binary on a real cache file: good input
//! places exactly one order (or return); each kind of bad input gets a clear Norwegian message naming
//! the field, a non-zero exit, and leaves the cache exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use skranke_cache::Cache;

/// A fixed "now": Monday 23 November 2026, 10:00 in Oslo.
const NOW: &str = "2026-11-23T09:00:00Z";

/// The CLI acting as the demo desk's person (name and PIN from the environment, as a script gives them).
fn skranke(dir: &Path, args: &[&str]) -> Output {
    skranke_as(dir, &[("SKRANKE_STAFF", "Demo"), ("SKRANKE_PIN", "1234")], args)
}

fn skranke_as(dir: &Path, identity: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skranke"))
        .env_remove("SKRANKE_STAFF")
        .env_remove("SKRANKE_PIN")
        .env_remove("SKRANKE_SERVICE")
        .envs(identity.iter().copied())
        .arg("--data-dir")
        .arg(dir)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .output()
        .unwrap()
}

struct Desk {
    dir: tempfile::TempDir,
    sku: String,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let out = skranke(dir.path(), &["demo-catalog", "-n", "300"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let search = skranke(dir.path(), &["search", "kaffetrakter"]);
        let stdout = String::from_utf8(search.stdout).unwrap();
        let sku = stdout.split_whitespace().next().unwrap().to_string();
        Desk { dir, sku }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn good_order(&self) -> Value {
        json!({
            "customer": {
                "name": "Kari Nordmann",
                "phone": "412 34 567",
                "email": "kari@example.no",
                "address": { "line1": "Storgata 1", "postcode": "0150" },
                "confirmed_15_or_older": true
            },
            "lines": [ { "sku": self.sku, "quantity": 2 } ],
            "shipping_method": "servicepakke",
            "payment_method": "kort"
        })
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Orders, lines, outbox entries, customers, the next order number and returns: all that must not move.
    fn state(&self) -> (i64, i64, i64, usize, i64, i64) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (key, _) = skranke_desk::field_key::load_or_create(self.path())
                .await
                .unwrap();
            let cache = Cache::open(&self.path().join("desk.sqlite3"), key).await.unwrap();
            let (o, l, x) = cache.counts().await.unwrap();
            let customers = cache.search_customers("a", 1000).await.unwrap().len();
            let next = cache.device().await.unwrap().next_number;
            let returns = cache.return_count().await.unwrap();
            cache.close().await;
            (o, l, x, customers, next, returns)
        })
    }

    /// Places `body`, expects a refusal whose stderr contains every `expected` text, and no change.
    fn refused(&self, name: &str, body: &[u8], expected: &[&str]) {
        let file = self.write(name, body);
        self.refused_command(name, &["order", "place", file.to_str().unwrap()], expected);
    }

    /// Runs `args`, expects a refusal whose stderr contains every `expected` text, and no change.
    fn refused_command(&self, name: &str, args: &[&str], expected: &[&str]) {
        let before = self.state();
        let out = skranke(self.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        for text in expected {
            assert!(stderr.contains(text), "{name}: expected «{text}» in:\n{stderr}");
        }
        assert!(
            stderr.len() < 2_000,
            "{name}: the message stays short even for huge input"
        );
        assert!(out.stdout.is_empty(), "{name}: nothing claims success");
        assert_eq!(self.state(), before, "{name}: the cache is unchanged");
    }
}

/// `order` with the field at `pointer` set to `value` (the field is added when missing).
fn with(mut order: Value, pointer: &str, value: Value) -> Vec<u8> {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    order.pointer_mut(parent).unwrap()[key] = value;
    serde_json::to_vec(&order).unwrap()
}

#[test]
fn a_good_order_is_placed_once_with_its_number_and_promise() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    let id = "0193a3c2-7b1e-7000-8000-000000000001";
    let first = skranke(
        desk.path(),
        &["order", "place", file.to_str().unwrap(), "--id", id],
    );
    let stdout = String::from_utf8(first.stdout).unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let number = stdout.split_whitespace().nth(1).unwrap().to_string();
    assert!(
        stdout.starts_with(&format!("Ordre {number} er plassert.")),
        "{stdout}"
    );
    assert!(stdout.contains("Levering: "), "{stdout}");
    // The same id again: the same order, nothing new.
    let again = skranke(
        desk.path(),
        &["order", "place", file.to_str().unwrap(), "--id", id],
    );
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.contains(&format!("Ordre {number} er plassert (var allerede plassert)")),
        "{again}"
    );
    assert_eq!(desk.state().0, 1);
    let list = String::from_utf8(skranke(desk.path(), &["order", "list", "41234567"]).stdout).unwrap();
    assert!(list.contains(&number) && list.contains("Kari Nordmann"), "{list}");
    let show = String::from_utf8(skranke(desk.path(), &["order", "show", &number]).stdout).unwrap();
    assert!(show.contains("herav MVA 25 %"), "{show}");
}

/// The CLI acts as a named person (their PIN checked, with the window's lockout) or as a named service,
/// and the audit log says who; with neither, nothing that changes data runs.
#[test]
fn the_cli_acts_as_a_named_staff_member_and_the_audit_log_says_who() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    let place = ["order", "place", file.to_str().unwrap()];

    let before = desk.state();
    let nobody = skranke_as(desk.path(), &[], &place);
    let stderr = String::from_utf8_lossy(&nobody.stderr);
    assert_eq!(nobody.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Oppgi hvem du er: --staff NAVN"), "{stderr}");
    let wrong = skranke_as(
        desk.path(),
        &[("SKRANKE_STAFF", "demo"), ("SKRANKE_PIN", "9999")],
        &place,
    );
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("Feil PIN. 4 forsøk igjen"), "{stderr}");
    let stranger = skranke_as(
        desk.path(),
        &[("SKRANKE_STAFF", "Ola"), ("SKRANKE_PIN", "1234")],
        &place,
    );
    let stderr = String::from_utf8_lossy(&stranger.stderr);
    assert!(stderr.contains("«Ola» står ikke i listen"), "{stderr}");
    assert_eq!(desk.state(), before, "nothing placed without a person");

    // The name is matched without regard to case; the log records the name from the staff list.
    let placed = skranke_as(
        desk.path(),
        &[("SKRANKE_STAFF", "demo"), ("SKRANKE_PIN", "1234")],
        &place,
    );
    assert!(
        placed.status.success(),
        "{}",
        String::from_utf8_lossy(&placed.stderr)
    );
    let number = String::from_utf8(placed.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let export = skranke_as(
        desk.path(),
        &[("SKRANKE_SERVICE", "nattjobb")],
        &[
            "customer",
            "export",
            "41234567",
            "--output",
            desk.path().join("ut.json").to_str().unwrap(),
        ],
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );

    let log = String::from_utf8(skranke_as(desk.path(), &[], &["audit", "show"]).stdout).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Demo") && l.contains("ordre lagt inn") && l.contains(&number)),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("tjeneste nattjobb") && l.contains("kundedata eksportert")),
        "{log}"
    );
    assert!(
        !log.contains("kommandolinjen"),
        "every entry names a person or a service: {log}"
    );
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let desk = Desk::new();
    let good = desk.good_order();
    let faktura = with(good.clone(), "/payment_method", json!("klarna_faktura"));
    let faktura: Value = serde_json::from_slice(&faktura).unwrap();

    desk.refused(
        "bad-fnr.json",
        &with(faktura.clone(), "/customer/fodselsnummer", json!("12345678910")),
        &["Fødselsnummer (customer.fodselsnummer): fødselsnummeret har feil kontrollsiffer"],
    );
    desk.refused(
        "no-such-postcode.json",
        &with(good.clone(), "/customer/address/postcode", json!("0000")),
        &["Postnummer (customer.address.postcode): postnummer 0000 finnes ikke"],
    );
    desk.refused(
        "box-only-postcode.json",
        &with(good.clone(), "/customer/address/postcode", json!("0001")),
        &["postnummer 0001 (OSLO) gjelder bare postbokser, ikke gateadresser"],
    );
    // Born 2010-12-24 (a synthetic Tenor number): 15 on the fixed day.
    desk.refused(
        "under-18-faktura.json",
        &with(faktura, "/customer/fodselsnummer", json!("24921099912")),
        &["kunden må være fylt 18 år for å betale med Klarna faktura"],
    );
    desk.refused(
        "quantity-0.json",
        &with(good.clone(), "/lines/0/quantity", json!(0)),
        &["Varelinje 1: antall (lines[0].quantity): antall må være minst 1"],
    );
    desk.refused(
        "quantity-minus-1.json",
        &with(good.clone(), "/lines/0/quantity", json!(-1)),
        &["antall må være minst 1"],
    );
    desk.refused(
        "unknown-sku.json",
        &with(good.clone(), "/lines/0/sku", json!("FINNES-IKKE-1")),
        &["Varelinje 1: varenummer (lines[0].sku): ukjent varenummer FINNES-IKKE-1"],
    );
    desk.refused(
        "ten-megabytes.json",
        &with(good.clone(), "/customer/name", json!("Å".repeat(5 * 1024 * 1024))),
        &["Kundens navn (customer.name): er for lang (maks 100 tegn)"],
    );
    let mut not_utf8 = serde_json::to_vec(&good).unwrap();
    not_utf8.splice(20..20, [0xff, 0xfe, 0xc3]);
    desk.refused("not-utf8.json", &not_utf8, &["ikke gyldig UTF-8"]);
    desk.refused(
        "not-json.json",
        b"{\"customer\": {\"name\": \"Kari\",",
        &["not-json.json: JSON-teksten slutter for tidlig (linje 1, kolonne"],
    );
    let mut unknown_field = good.clone();
    unknown_field["rabatt"] = json!(50);
    desk.refused(
        "unknown-field.json",
        &serde_json::to_vec(&unknown_field).unwrap(),
        &["unknown field `rabatt`"],
    );
}

#[test]
fn a_bad_catalog_row_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "sku;eans;name;brand;category;price;mva;availability;supplier_date\n\
               KAF-1;7000000000010;Kaffe Fjellbrent 250 g;Friele;Mat og drikke;54,90;15;in_stock;\n\
               KAF-2;7000000000027;Kaffe Mørk 500 g;Evergood;Mat og drikke;12,3,4;15;in_stock;\n";
    let file = dir.path().join("katalog.csv");
    std::fs::write(&file, csv).unwrap();
    let out = skranke(dir.path(), &["import", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("linje 3: price: ugyldig beløp «12,3,4»"),
        "{stderr}"
    );
    let search = skranke(dir.path(), &["search", "kaffe"]);
    assert_eq!(String::from_utf8(search.stdout).unwrap().trim(), "Ingen treff.");

    let good = csv.replace("12,3,4", "\"89,00\"");
    std::fs::write(&file, good).unwrap();
    let out = skranke(dir.path(), &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let search = String::from_utf8(skranke(dir.path(), &["search", "mørk"]).stdout).unwrap();
    assert!(
        search.contains("KAF-2") && search.contains("89,00 kr"),
        "{search}"
    );
}

/// The README's example order file works as printed there.
#[test]
fn the_readme_example_order_is_placed() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("```json\n").unwrap() + "```json\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    assert!(skranke(dir.path(), &["demo-catalog", "-n", "2000"])
        .status
        .success());
    let file = dir.path().join("ordre.json");
    std::fs::write(&file, example).unwrap();
    let out = skranke(dir.path(), &["order", "place", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("er plassert."));
}

/// R3: a return is recorded once with its slip; more than bought, a negative quantity, an unknown order
/// and a second return of the same line are refused in Norwegian and change nothing.
#[test]
fn returns_are_recorded_once_and_never_exceed_what_was_bought() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    let out = skranke(desk.path(), &["order", "place", file.to_str().unwrap()]);
    let number = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();

    desk.refused_command(
        "more than bought",
        &["pdf", "return", &number, "--line", "1:3:angrerett"],
        &["Returlinje 1: antall (return_lines[0].quantity): kan ikke returnere 3: kjøpt 2, allerede returnert 0"],
    );
    desk.refused_command(
        "negative",
        &["pdf", "return", &number, "--line", "1:-1:angrerett"],
        &["antall må være minst 1"],
    );
    desk.refused_command(
        "unknown order",
        &["pdf", "return", "FINNES-000001", "--line", "1:1:angrerett"],
        &["ingen ordre med nummer FINNES-000001"],
    );
    desk.refused_command(
        "unknown line",
        &["pdf", "return", &number, "--line", "7:1:angrerett"],
        &["ordren har ingen linje 7"],
    );
    desk.refused_command(
        "unknown reason",
        &["pdf", "return", &number, "--line", "1:1:angret"],
        &["ukjent returårsak «angret»"],
    );

    let before = desk.state();
    let out = skranke(
        desk.path(),
        &[
            "pdf",
            "return",
            &number,
            "--line",
            "1:2:angrerett",
            "--received",
            "2026-11-26",
            "--description",
            "Angret kjøpet",
        ],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(&format!("Retur 1 av ordre {number} registrert.")),
        "{stdout}"
    );
    let after = desk.state();
    assert_eq!(
        (after.2, after.5),
        (before.2 + 2, before.5 + 1),
        "one return and its audit entry in the outbox, one return"
    );
    let slip = desk
        .path()
        .join("dokumenter")
        .join(format!("{number}-retur-1.pdf"));
    let text = Command::new("pdftotext").arg(&slip).arg("-").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Returseddel") && text.contains(&number) && text.contains("Angret kjøpet"),
        "{text}"
    );

    desk.refused_command(
        "second return",
        &["pdf", "return", &number, "--line", "1:1:angrerett"],
        &["linje 1 er allerede returnert i sin helhet"],
    );

    let out = skranke(desk.path(), &["pdf", "confirmation", &number]);
    assert!(out.status.success());
    assert!(desk
        .path()
        .join("dokumenter")
        .join(format!("{number}-ordrebekreftelse.pdf"))
        .exists());
}

/// The audit log: every order and reprint is recorded with who and when; editing an entry directly in
/// the SQLite file (after dropping the triggers that refuse it, as someone with the file could) is
/// found by `skranke audit verify`, which names the entry.
#[test]
fn an_edited_audit_entry_is_detected_by_verify() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    for _ in 0..2 {
        assert!(skranke(desk.path(), &["order", "place", file.to_str().unwrap()])
            .status
            .success());
    }
    let list = String::from_utf8(skranke(desk.path(), &["order", "list"]).stdout).unwrap();
    let first = list
        .split_whitespace()
        .find(|w| w.contains("-000001"))
        .unwrap()
        .to_string();
    assert!(skranke(desk.path(), &["pdf", "confirmation", &first])
        .status
        .success());

    let ok = skranke(desk.path(), &["audit", "verify"]);
    let stdout = String::from_utf8(ok.stdout).unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(
        stdout.contains("Revisjonsloggen er i orden: 3 hendelser"),
        "{stdout}"
    );

    let db = desk.path().join("desk.sqlite3");
    let sqlite = |sql: &str| Command::new("sqlite3").arg(&db).arg(sql).output().unwrap();
    let entries = String::from_utf8(
        sqlite("SELECT seq, staff_name, action, subject FROM audit_log ORDER BY seq").stdout,
    )
    .unwrap();
    assert!(entries.contains("1|Demo|ordre lagt inn|"), "{entries}");
    assert!(entries.contains("|ordrebekreftelse skrevet ut|"), "{entries}");
    // The triggers refuse a plain edit.
    let refused = sqlite("UPDATE audit_log SET staff_name = 'Noen andre' WHERE seq = 2");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("revisjonsloggen kan ikke endres"));
    // Without them, the edit goes in, and the chain shows it.
    let edited = sqlite(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET staff_name = 'Noen andre' WHERE seq = 2;",
    );
    assert!(
        edited.status.success(),
        "{}",
        String::from_utf8_lossy(&edited.stderr)
    );
    let broken = skranke(desk.path(), &["audit", "verify"]);
    assert!(!broken.status.success());
    let stderr = String::from_utf8(broken.stderr).unwrap();
    assert!(
        stderr.contains("revisjonsloggen er endret: hendelse 2 innholdet stemmer ikke med hashen"),
        "{stderr}"
    );
}

#[test]
fn f8_a_customer_is_exported_and_forgotten_from_the_command_line() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    assert!(skranke(desk.path(), &["order", "place", file.to_str().unwrap()])
        .status
        .success());

    let out = skranke(desk.path(), &["customer", "export", "41 23 45 67"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let export: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(export["telefon"], "+4741234567");
    assert_eq!(export["kunderegister"][0]["navn"], "Kari Nordmann");
    assert_eq!(
        export["ordrer"][0]["ordre"]["customer"]["email"],
        "kari@example.no"
    );

    let bad = skranke(desk.path(), &["customer", "export", "123"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("telefonnummer må være et norsk nummer med 8 sifre"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );

    let unconfirmed = skranke(desk.path(), &["customer", "forget", "41234567"]);
    assert_eq!(unconfirmed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
    let again: Value =
        serde_json::from_slice(&skranke(desk.path(), &["customer", "export", "41234567"]).stdout).unwrap();
    assert_eq!(again, export, "nothing deleted without --yes");

    let out = skranke(desk.path(), &["customer", "forget", "41234567", "--yes"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("Kunderegisteret: 1 oppføring(er) slettet."),
        "{stdout}"
    );
    assert!(stdout.contains("beholdes til 31.12.2031"), "{stdout}");
    let after: Value =
        serde_json::from_slice(&skranke(desk.path(), &["customer", "export", "41234567"]).stdout).unwrap();
    assert!(after["kunderegister"].as_array().unwrap().is_empty());
    assert_eq!(
        after["ordrer"].as_array().unwrap().len(),
        1,
        "the sale is kept (bokføringsloven)"
    );
    assert!(skranke(desk.path(), &["audit", "verify"]).status.success());
}

#[test]
fn a_lost_key_refuses_the_desk_until_a_new_one_is_made_and_the_orders_stay() {
    let desk = Desk::new();
    let keys = tempfile::tempdir().unwrap();
    let (first, lost) = (keys.path().join("første"), keys.path().join("ny"));
    let with_keys = |dir: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_skranke"))
            .arg("--data-dir")
            .arg(desk.path())
            .arg("--now")
            .arg(NOW)
            .args(args)
            .env("SKRANKE_KEY_DIR", dir)
            .env("SKRANKE_SERVICE", "test")
            .output()
            .unwrap()
    };
    // The desk from `Desk::new` has its key elsewhere; start over in a folder of its own.
    std::fs::remove_file(desk.path().join("desk.sqlite3")).unwrap();
    let _ = std::fs::remove_file(desk.path().join("desk.sqlite3-wal"));
    let _ = std::fs::remove_file(desk.path().join("desk.sqlite3-shm"));
    assert!(with_keys(&first, &["demo-catalog", "-n", "300"]).status.success());
    let mut order = desk.good_order();
    order["payment_method"] = json!("klarna_faktura");
    order["customer"]["fodselsnummer"] = json!("15839649859");
    let file = desk.write("faktura.json", &serde_json::to_vec(&order).unwrap());
    let placed = with_keys(&first, &["order", "place", file.to_str().unwrap()]);
    assert!(
        placed.status.success(),
        "{}",
        String::from_utf8_lossy(&placed.stderr)
    );

    // The key is gone (another key folder): refused, with the way out, and no key is made.
    let refused = with_keys(&lost, &["order", "list"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr.contains("finnes verken i nøkkelringen") && stderr.contains("skranke key reset --yes"),
        "{stderr}"
    );
    assert!(!lost.exists() || std::fs::read_dir(&lost).unwrap().count() == 0);
    assert_eq!(
        with_keys(&lost, &["key", "reset"]).status.code(),
        Some(2),
        "not without --yes"
    );

    let reset = with_keys(&lost, &["key", "reset", "--yes"]);
    let stdout = String::from_utf8_lossy(&reset.stdout);
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert!(
        stdout.contains("1 krypterte verdier kunne ikke leses og er slettet"),
        "{stdout}"
    );
    let list = with_keys(&lost, &["order", "list"]);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("-000001"),
        "the order is still there"
    );
    assert!(with_keys(&lost, &["audit", "verify"]).status.success());
    // The first key no longer fits; it is not used by mistake.
    assert_eq!(with_keys(&first, &["order", "list"]).status.code(), Some(1));
}

/// D8: a state reads the same at the command line as in the window: both show the desk's view of the
/// order, so an order the central store marked delivered says "Levert", not the stored `levert`.
#[test]
fn the_cli_shows_the_same_state_text_as_the_window() {
    let desk = Desk::new();
    let file = desk.write("good.json", &serde_json::to_vec(&desk.good_order()).unwrap());
    assert!(skranke(desk.path(), &["order", "place", file.to_str().unwrap()])
        .status
        .success());
    let db = desk.path().join("desk.sqlite3");
    // As the pull from the central store writes it (the stored code).
    let updated = Command::new("sqlite3")
        .arg(&db)
        .arg("UPDATE orders SET status = 'levert'")
        .output()
        .unwrap();
    assert!(
        updated.status.success(),
        "{}",
        String::from_utf8_lossy(&updated.stderr)
    );
    let list = String::from_utf8(skranke(desk.path(), &["order", "list"]).stdout).unwrap();
    let number = list
        .split_whitespace()
        .find(|w| w.contains("-000001"))
        .unwrap()
        .to_string();
    let shown = String::from_utf8(skranke(desk.path(), &["order", "show", &number]).stdout).unwrap();

    // The window's view of the same order, from the same desk file.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let window = runtime.block_on(async {
        let desk = skranke_desk::Desk::open(desk.path()).await.unwrap();
        let detail = skranke_desk::views::OrderDetailView::from(desk.show_order(&number).await.unwrap());
        let summary =
            skranke_desk::views::OrderSummaryView::from(desk.list_orders(None, 10).await.unwrap().remove(0));
        (detail.status_text, summary.status_text)
    });
    assert_eq!(window.0, "Levert");
    assert_eq!(window.1, "Levert");
    assert!(shown.contains(&format!("Status: {}", window.0)), "{shown}");
    assert!(list.contains(&window.1), "{list}");
    assert!(
        !shown.contains("levert") && !list.contains("levert"),
        "{shown}\n{list}"
    );
}
