//! The documents as a reader, a scanner and a printer see them: text extracted with pdftotext, the
//! barcode read with zbarimg, pages rendered with pdftoppm.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod fixture;
mod tools;

use chrono::NaiveDate;
use skranke_core::{Money, ShopPolicy};
use skranke_pdf::{order_confirmation, return_slip, OrderDocument, ReturnDocument};
use tools::Pdf;

fn kr(m: Money) -> String {
    m.to_string().replace('\u{a0}', " ")
}

fn confirmation(lines: usize, payment: &str, fnr: &str) -> (skranke_core::ValidOrder, Pdf) {
    let policy = ShopPolicy::default();
    let order = fixture::order(lines, payment, fnr);
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &order,
        policy: &policy,
        payment_state: None,
    };
    let pdf = Pdf::new(&order_confirmation(&d).unwrap());
    (order, pdf)
}

/// S1: every item of a sales document, and the terms (P1, D9, D10, R1, R2) in Norwegian.
#[test]
fn s1_the_confirmation_carries_every_item() {
    let (order, pdf) = confirmation(4, "klarna_faktura", fixture::FNR);
    let text = pdf.text();
    let expected = [
        // Order number, date, seller, org.nr. with MVA, contact.
        "Ordrebekreftelse",
        fixture::ORDER_NUMBER,
        "23.11.2026",
        "Terjesen.no",
        "0150 OSLO",
        "Org.nr. 936 016 081 MVA",
        "butikk@terjesen.no",
        // Buyer and delivery address.
        "Kari Østby-Nordmann",
        "Kirkegata 15",
        "Leilighet H0203",
        "0153 OSLO",
        "+47 412 34 567",
        "kari.ostby@example.no",
        "Storgata 7",
        "9008 TROMSØ",
        // Lines: SKU, name, availability.
        "KJK-001729",
        "Moccamaster Kaffetrakter",
        "FRI-000311",
        "Åsnes Skarvet BC langrennsski",
        "Høie ullpledd «Fjellro» 130×170",
        "Varen er på lager.",
        "Varen må bestilles fra leverandør.",
        "Varen er bestilt fra leverandør og leveringsdato er bekreftet.",
        // Shipping, payment and its terms, delivery promise and reason.
        "Posten/Bring Servicepakke (hentested)",
        "Betaling: Klarna faktura",
        "forfaller 30 dager",
        "Forventet levering: mandag 7.12.2026–mandag 21.12.2026",
        "regn med 2–4 uker",
        // D9, D10, R1, R2.
        "14 dager på hentestedet",
        "300,00 kr",
        "350,00 kr pluss frakt tur/retur",
        "aldri kjøpere under 18 år",
        "innen 24 timer",
        "minst to måneder",
        "senest to år",
        "fem år",
        "forbrukerkjøpsloven § 27",
        "14 dagers angrerett",
        "mottar du varene 21.12.2026, er siste frist 04.01.2027",
    ];
    // Paragraphs wrap: compare with the whitespace of the page collapsed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for item in expected {
        assert!(flat.contains(item), "missing «{item}» in:\n{text}");
    }
    // Quantity, unit price and line total on one line.
    let line3 = text.lines().find(|l| l.contains("FRI-000311")).unwrap();
    assert!(
        line3.contains(" 3 ") && line3.contains("4 299,00 kr") && line3.contains("12 897,00 kr"),
        "{line3}"
    );
    // Totals and MVA per rate in NOK (S2).
    assert!(text.contains("Totalt å betale") && text.contains(&kr(order.totals.total)));
    for m in &order.totals.mva {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("herav MVA {} %", m.rate.percent())))
            .unwrap();
        assert!(
            line.contains(&kr(m.total_incl)) && line.contains(&kr(m.mva)),
            "{line}"
        );
    }
}

/// R3: the angreskjema is on its own last page, the seller's details filled in.
#[test]
fn r3_the_angreskjema_has_its_own_page_with_every_field() {
    let (_, pdf) = confirmation(4, "kort", "");
    let last = pdf.page_text(pdf.pages());
    for field in [
        "Angreskjema",
        "Fyll ut og returner dette skjemaet dersom du ønsker å gå fra avtalen.",
        "Utfylt skjema sendes til:",
        "Terjesen.no – Retur",
        "E-post: butikk@terjesen.no",
        "Jeg/vi underretter herved om at jeg/vi ønsker å gå fra min/vår avtale om kjøp av følgende:",
        "varer (spesifiser på linjene nedenfor)",
        "Avtalen ble inngått den (dato) (*):",
        "Varen ble mottatt den (dato) (**):",
        "Forbrukerens/forbrukernes navn:",
        "Forbrukerens/forbrukernes adresse:",
        "Underskrift (kun dersom papirskjema benyttes):",
        fixture::ORDER_NUMBER,
    ] {
        assert!(
            last.contains(field),
            "missing «{field}» on the last page:\n{last}"
        );
    }
    assert!(
        !last.contains("Varenr") && !last.contains("Totalt"),
        "the form stands alone"
    );
}

/// P3: the fødselsnummer never appears, even when the order has one.
#[test]
fn p3_no_fodselsnummer_in_any_document() {
    let (order, pdf) = confirmation(4, "klarna_faktura", fixture::FNR);
    assert!(order.fodselsnummer.is_some(), "the order does carry one");
    let policy = ShopPolicy::default();
    let ret = fixture::a_return(&order);
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &order,
        policy: &policy,
        payment_state: None,
    };
    let slip = Pdf::new(
        &return_slip(&ReturnDocument {
            order: d,
            ret: &ret,
            refund: &skranke_core::refund_of_return(&order, &[], &ret),
            registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        })
        .unwrap(),
    );
    for text in [pdf.text(), slip.text()] {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(!digits.contains(fixture::FNR), "fødselsnummer printed");
        assert!(
            !text.contains("158396") && !text.contains("49859"),
            "part of the fødselsnummer printed"
        );
    }
}

/// The order number as Code 128 decodes back with a scanner's software.
#[test]
fn the_barcode_decodes_to_the_order_number() {
    let (_, pdf) = confirmation(4, "kort", "");
    assert_eq!(pdf.barcodes(), vec![fixture::ORDER_NUMBER.to_string()]);
}

/// A 250-line order: repeated headers, "Side x av y", no line split, totals once at the end, sum = total.
#[test]
fn a_250_line_order_paginates() {
    let (order, pdf) = confirmation(250, "kort", "");
    let pages = pdf.pages();
    assert!(pages >= 10, "{pages} pages");
    let mut skus_seen = 0;
    let mut sum = 0i64;
    let mut totals_on = Vec::new();
    for p in 1..=pages {
        let text = pdf.page_text(p);
        assert!(
            text.contains(&format!("Side {p} av {pages}")),
            "page {p} has no page number"
        );
        let line_rows: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with(['K', 'M', 'F', 'H']) && l.contains("-0"))
            .collect();
        let notes = text.lines().filter(|l| l.contains("Levering: ")).count();
        assert_eq!(
            line_rows.len(),
            notes,
            "page {p}: a line is split from its availability note"
        );
        if !line_rows.is_empty() {
            for header in ["Varenr", "Vare", "Antall", "Pris", "Sum"] {
                assert!(text.contains(header), "page {p} lacks the column header {header}");
            }
        }
        for row in &line_rows {
            // The last amount on the row is the line total.
            let amount = row
                .rsplit("  ")
                .find(|s| s.trim().ends_with("kr"))
                .unwrap()
                .trim();
            sum += Money::parse_kroner(amount.trim_end_matches("kr").trim())
                .unwrap()
                .ore();
        }
        skus_seen += line_rows.len();
        if text.contains("Totalt å betale") {
            totals_on.push(p);
        }
    }
    assert_eq!(skus_seen, 250);
    assert_eq!(
        sum,
        order.totals.goods.ore(),
        "sum of the printed lines = the goods total"
    );
    assert_eq!(totals_on.len(), 1, "totals once");
    assert!(totals_on[0] >= pages - 2, "totals after the last line");
    assert!(pdf.page_text(pages).contains("Angreskjema"));
}

/// R3: the return slip carries order number, customer, lines with quantities and reasons, description,
/// the withdrawal deadline for angrerett, the return address and instructions; its barcode decodes.
#[test]
fn r3_the_return_slip_has_every_field() {
    let policy = ShopPolicy::default();
    let order = fixture::order(4, "kort", "");
    let ret = fixture::a_return(&order);
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &order,
        policy: &policy,
        payment_state: None,
    };
    let pdf = Pdf::new(
        &return_slip(&ReturnDocument {
            order: d,
            ret: &ret,
            refund: &skranke_core::refund_of_return(&order, &[], &ret),
            registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        })
        .unwrap(),
    );
    let text = pdf.text();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for item in [
        "Returseddel",
        fixture::ORDER_NUMBER,
        "Kari Østby-Nordmann",
        "Kirkegata 15",
        "0153 OSLO",
        "+47 412 34 567",
        "Bestilt 23.11.2026",
        "Mottatt 17.12.2026",
        "Angrerett",
        "Transportskade",
        "Skiene kom med knekt tupp",
        "Siste frist for å bruke angreretten er 31.12.2026",
        "Returadresse",
        "Terjesen.no – Retur",
        "Slik returnerer du",
        "merk pakken med ordrenummer",
    ] {
        assert!(flat.contains(item), "missing «{item}» in:\n{text}");
    }
    let ski = text.lines().find(|l| l.contains("FRI-000311")).unwrap();
    assert!(ski.contains(" 1 ") && ski.contains("Transportskade"), "{ski}");
    assert!(!text.contains("HJM-000777"), "only the lines being returned");
    assert_eq!(pdf.barcodes(), vec![fixture::ORDER_NUMBER.to_string()]);
}

/// S2a: the slip prints what the return pays back. A part of the order: the goods only. The return
/// that brings the rest back: the goods and the shipping, with the MVA per rate of the refund.
#[test]
fn s2a_the_return_slip_prints_the_refund_and_the_shipping_with_the_last_return() {
    let policy = ShopPolicy::default();
    let order = fixture::order(4, "kort", "");
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &order,
        policy: &policy,
        payment_state: None,
    };
    let first = fixture::a_return(&order);
    let part = skranke_core::refund_of_return(&order, &[], &first);
    let slip = |ret: &skranke_core::ValidReturn, refund: &skranke_core::Refund| {
        let pdf = Pdf::new(
            &return_slip(&ReturnDocument {
                order: d,
                ret,
                refund,
                registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            })
            .unwrap(),
        );
        pdf.text().split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let text = slip(&first, &part);
    assert!(
        text.contains(&format!("Tilbakebetales {}", kr(part.total))),
        "{text}"
    );
    assert!(
        !text.contains("Frakt"),
        "a part of the order: no shipping back\n{text}"
    );

    // The rest of every line comes back.
    let returned: Vec<u32> = (1..=order.lines.len() as u32)
        .map(|n| {
            first
                .lines
                .iter()
                .filter(|l| l.line_no == n)
                .map(|l| l.quantity)
                .sum()
        })
        .collect();
    let draft = skranke_core::ReturnDraft {
        lines: order
            .lines
            .iter()
            .zip(1u32..)
            .filter(|(l, n)| l.quantity > returned[*n as usize - 1])
            .map(|(l, n)| skranke_core::return_request::ReturnLineDraft {
                line_no: n,
                quantity: i64::from(l.quantity - returned[n as usize - 1]),
                reason: "angrerett".into(),
            })
            .collect(),
        ..Default::default()
    };
    let rest = skranke_core::return_request::validate_return(&order.lines, &returned, &draft).unwrap();
    let last = skranke_core::refund_of_return(&order, std::slice::from_ref(&first), &rest);
    assert_eq!(last.shipping, order.totals.shipping);
    let text = slip(&rest, &last);
    for item in [
        format!("Frakt (hele ordren er returnert) {}", kr(last.shipping)),
        format!("Tilbakebetales {}", kr(last.total)),
    ] {
        assert!(text.contains(&item), "missing «{item}» in:\n{text}");
    }
    for m in &last.mva {
        let item = format!(
            "herav MVA {} % av {} {}",
            m.rate.percent(),
            kr(m.total_incl),
            kr(m.mva)
        );
        assert!(text.contains(&item), "missing «{item}» in:\n{text}");
    }
    assert_eq!(part.total + last.total, order.totals.total);
}

/// D6: a product the supplier delivers carries the D6 text on its line of the confirmation, and its
/// promise is the supplier's, not the shop's "sendes innen 2 virkedager".
#[test]
fn d6_a_supplier_direct_line_on_the_confirmation() {
    let policy = ShopPolicy::default();
    let mut catalog = fixture::products(2);
    catalog[0].supplier_direct = true;
    let order = fixture::order_of(&catalog, "kort", "");
    assert!(order.lines[0].supplier_direct);
    let pdf = Pdf::new(
        &order_confirmation(&OrderDocument {
            order_number: fixture::ORDER_NUMBER,
            order: &order,
            policy: &policy,
            payment_state: None,
        })
        .unwrap(),
    );
    let text = pdf.text();
    let line = text
        .lines()
        .skip_while(|l| !l.contains(&order.lines[0].name[..10]))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        line.contains("Leveres direkte fra leverandør, som kontakter deg."),
        "{line}\n---\n{text}"
    );
    let other = text
        .lines()
        .skip_while(|l| !l.contains(&order.lines[1].name[..10]))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!other.contains("Leveres direkte"), "{other}");
    assert!(order.lines[0]
        .promise
        .reasons
        .iter()
        .all(|r| !r.text().contains("sendes innen")));
}

fn pick_line(i: usize, ean: Option<&str>) -> skranke_pdf::PickLine {
    skranke_pdf::PickLine {
        sku: format!("SKU-{i:04}"),
        name: format!("Vare nummer {i} med et ganske langt navn som må kortes ned på listen"),
        quantity: (i % 4 + 1) as u32,
        location: if i.is_multiple_of(2) {
            "Hovedlager"
        } else {
            "Fjernlager"
        }
        .into(),
        ean: ean.map(str::to_string),
        orders: vec![format!("OSL1-{i:06}"), "OSL1-000999".into()],
    }
}

/// Issue 18: the pick list names every product with its quantity and place, and each EAN-13
/// decodes with a scanner's software to the product's EAN.
#[test]
fn the_pick_list_carries_quantities_places_and_scannable_eans() {
    let eans = ["7040012345679", "7040098765439", "5901234123457"];
    let lines: Vec<_> = eans
        .iter()
        .enumerate()
        .map(|(i, e)| pick_line(i + 1, Some(e)))
        .chain(std::iter::once(pick_line(4, None)))
        .collect();
    let made = NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(14, 5, 0)
        .unwrap();
    let bytes = skranke_pdf::pick_list(&skranke_pdf::PickList {
        store: "OSL – Skranke Oslo",
        made,
        orders: 5,
        lines: &lines,
    })
    .unwrap();
    let pdf = Pdf::new(&bytes);
    let text = pdf.text();
    for needle in [
        "Plukkliste",
        "OSL – Skranke Oslo",
        "Laget 03.12.2026 kl. 14.05 · 5 ordre(r) · 4 vare(r)",
        "SKU-0001",
        "Hovedlager",
        "Fjernlager",
        "ingen EAN",
        "Ordre OSL1-000002, OSL1-000999",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    let mut read = pdf.barcodes();
    read.sort();
    let mut expected: Vec<String> = eans.iter().map(|e| e.to_string()).collect();
    expected.sort();
    assert_eq!(read, expected);
}

/// A long pick list continues on following pages with its header and "Side x av y"; an empty one
/// says there is nothing to pack.
#[test]
fn a_long_pick_list_paginates_and_an_empty_one_says_so() {
    let lines: Vec<_> = (1..=40).map(|i| pick_line(i, Some("7040012345679"))).collect();
    let made = NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let pdf = Pdf::new(
        &skranke_pdf::pick_list(&skranke_pdf::PickList {
            store: "BRG",
            made,
            orders: 40,
            lines: &lines,
        })
        .unwrap(),
    );
    let pages = pdf.pages();
    assert!(pages >= 3, "{pages}");
    for page in 1..=pages {
        let text = pdf.page_text(page);
        assert!(text.contains(&format!("Side {page} av {pages}")), "{text}");
        assert!(text.contains("Antall"), "headings on page {page}");
    }
    assert!(pdf.page_text(2).contains("(forts.)"));
    assert!(pdf.text().contains("SKU-0040"));
    let empty = Pdf::new(
        &skranke_pdf::pick_list(&skranke_pdf::PickList {
            store: "BRG",
            made,
            orders: 0,
            lines: &[],
        })
        .unwrap(),
    );
    assert!(empty.text().contains("Ingen ordrer venter på å bli pakket."));
}
