//! `cargo xtask bench pdf`: milliseconds per order confirmation for 10 and 250 lines, and WeasyPrint
//! rendering an HTML page with the same content in the same run. Prints a table; asserts that each
//! render is a whole PDF, never a time. `--smoke` (or `SKRANKE_BENCH_SMOKE=1`) runs it small, as
//! `cargo xtask test` does; without WeasyPrint (not installed there) the table says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark binary

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use skranke_core::{ShopPolicy, ValidOrder};
use skranke_pdf::{order_confirmation, OrderDocument};

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn time_pdf(order: &ValidOrder, policy: &ShopPolicy, runs: usize) -> (f64, usize) {
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order,
        policy,
        payment_state: None,
    };
    let bytes = order_confirmation(&d).unwrap(); // warm-up: the fonts are parsed once per process
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF"),
        "a whole PDF"
    );
    let samples = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(order_confirmation(&d).unwrap());
            t.elapsed()
        })
        .collect();
    (median(samples), bytes.len())
}

/// The same content as the PDF: header, parties, lines, totals, terms, angreskjema.
fn html(order: &ValidOrder, policy: &ShopPolicy) -> String {
    let mut rows = String::new();
    for l in &order.lines {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}<br><small>{} Levering: {}</small></td><td class=r>{}</td><td class=r>{}</td><td class=r>{}</td></tr>",
            l.sku, l.name, l.availability.text(), l.promise.text(), l.quantity, l.unit_price, l.line_total
        );
    }
    let mva: String = order
        .totals
        .mva
        .iter()
        .map(|m| {
            format!(
                "<p class=r>herav MVA {} % av {}: {}</p>",
                m.rate.percent(),
                m.total_incl,
                m.mva
            )
        })
        .collect();
    let terms = "<h3>Betaling</h3><p>Klarna faktura: fakturaen sendes på e-post når pakken sendes, og forfaller 30 dager etter.</p>\
        <h3>Levering</h3><p>Posten/Bring Servicepakke. Ordren din ekspederes vanligvis innen to virkedager.</p>\
        <h3>Henting og uavhentede pakker</h3><p>Pakken venter 14 dager på hentestedet. Uavhentet: 300,00 kr; ikke forhåndsbetalt 350,00 kr pluss frakt tur/retur.</p>\
        <h3>Transportskade</h3><p>Skader må meldes innen 24 timer.</p>\
        <h3>Reklamasjon</h3><p>Minst to måneder fra du oppdaget mangelen, senest to år, fem år for varer ment å vare vesentlig lenger.</p>\
        <h3>Angrerett</h3><p>14 dagers angrerett fra dagen etter at du mottok varene.</p>";
    let form = "<div style='page-break-before: always'><h1>Angreskjema</h1><p>Fyll ut og returner dette skjemaet dersom du ønsker å gå fra avtalen.</p>\
        <p>Jeg/vi underretter herved om at jeg/vi ønsker å gå fra min/vår avtale om kjøp av følgende: ____</p>\
        <p>Avtalen ble inngått den: ____</p><p>Varen ble mottatt den: ____</p><p>Navn: ____</p><p>Adresse: ____</p><p>Dato: ____</p><p>Underskrift: ____</p></div>";
    format!(
        "<!doctype html><html lang=nb><meta charset=utf-8><style>@page {{ size: A4; margin: 18mm }} body {{ font-family: 'DejaVu Sans'; font-size: 9pt }} \
         table {{ width: 100%; border-collapse: collapse }} thead {{ display: table-header-group; background: #e6e6e6 }} tr {{ page-break-inside: avoid }} \
         td, th {{ border-bottom: 0.3pt solid #ccc; padding: 2pt }} .r {{ text-align: right }} small {{ color: #555 }}</style>\
         <h1>Ordrebekreftelse</h1><p>{seller}<br>{org}<br>Ordrenummer {number}</p><p>{customer}</p>\
         <table><thead><tr><th>Varenr</th><th>Vare</th><th>Antall</th><th>Pris</th><th>Sum</th></tr></thead>{rows}</table>\
         <p class=r>Totalt å betale {total}</p>{mva}{terms}{form}</html>",
        seller = policy.seller.name,
        org = policy.org_nr_line(),
        number = fixture::ORDER_NUMBER,
        customer = order.customer.name,
        total = order.totals.total,
    )
}

fn weasyprint_ms(order: &ValidOrder, policy: &ShopPolicy, runs: usize) -> Result<f64, String> {
    let python = std::env::var("SKRANKE_WEASYPRINT_PYTHON").map_err(|_| {
        "WeasyPrint not installed for this run; cargo xtask bench pdf installs it".to_string()
    })?;
    let dir = std::env::temp_dir().join(format!("skranke-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let page = dir.join("order.html");
    std::fs::write(&page, html(order, policy)).map_err(|e| e.to_string())?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/weasyprint_render.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&page)
        .arg(runs.to_string())
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("{e}"))
}

fn main() {
    let size = skranke_benchmark::Size::from_env();
    skranke_benchmark::print_provenance("pdf", size);
    let policy = ShopPolicy::default();
    println!("skranke-pdf benchmark (median of repeated renders in one process, fonts parsed once)");
    println!();
    println!("| order lines | PDF KB | skranke-pdf ms | WeasyPrint ms | ratio |");
    println!("|---:|---:|---:|---:|---:|");
    let rounds = size.pick([(10, 200, 20), (250, 20, 3)], [(10, 10, 2), (250, 2, 1)]);
    for (lines, runs, weasy_runs) in rounds {
        let order = fixture::order(lines, "kort", "");
        let (ms, size) = time_pdf(&order, &policy, runs);
        let (weasy, ratio) = match weasyprint_ms(&order, &policy, weasy_runs) {
            Ok(w) => (format!("{w:.1}"), format!("{:.0}×", w / ms)),
            Err(e) => (format!("n/a ({e})"), "–".into()),
        };
        println!(
            "| {lines} | {:.0} | {ms:.2} | {weasy} | {ratio} |",
            size as f64 / 1024.0
        );
    }
    println!();
    println!("Targets: ≤ 10 ms median for 10 lines; ≥ 50× faster than WeasyPrint.");
}
