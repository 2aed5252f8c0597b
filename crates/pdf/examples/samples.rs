//! Writes the test fixture's documents to a folder, to look at: `cargo run -p skranke-pdf --example
//! samples -- OUT_DIR` (then `pdftoppm -r 80 -png OUT_DIR/*.pdf`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use chrono::NaiveDate;
use skranke_core::ShopPolicy;
use skranke_pdf::{
    cancellation, changed_order_confirmation, claim_confirmation, order_confirmation, return_slip,
    Cancellation, ClaimDocument, OrderDocument, ReturnDocument, Revision,
};
use skranke_pdf::{exchange_slip, ExchangeDocument};

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let policy = ShopPolicy::default();
    for (name, lines) in [("ordrebekreftelse-4", 4), ("ordrebekreftelse-250", 250)] {
        let order = fixture::order(lines, "klarna_faktura", fixture::FNR);
        let d = OrderDocument {
            order_number: fixture::ORDER_NUMBER,
            order: &order,
            policy: &policy,
            payment_state: None,
        };
        std::fs::write(out.join(format!("{name}.pdf")), order_confirmation(&d).unwrap()).unwrap();
        if lines == 4 {
            let ret = fixture::a_return(&order);
            let r = ReturnDocument {
                order: d,
                ret: &ret,
                refund: &skranke_core::refund_of_return(&order, &[], &ret),
                registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            };
            std::fs::write(out.join("returseddel.pdf"), return_slip(&r).unwrap()).unwrap();
            let new_order = fixture::order(2, "kort", "");
            let terms = skranke_core::exchange::ExchangeTerms {
                credit: r.refund.goods,
                new_total: new_order.totals.total,
                return_shipping: skranke_core::Money::ZERO,
            };
            let e = ExchangeDocument {
                new_order: OrderDocument {
                    order_number: "OSL1-000042",
                    order: &new_order,
                    policy: &policy,
                    payment_state: None,
                },
                original_number: fixture::ORDER_NUMBER,
                ret: &ret,
                return_no: 1,
                terms: &terms,
                registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            };
            std::fs::write(out.join("bytteseddel.pdf"), exchange_slip(&e).unwrap()).unwrap();
            let changes = vec![
                "Antall endret: Kaffetrakter, 1 → 2".to_string(),
                "Leveringsadresse: Storgata 1, 0150 OSLO → Strandkaien 2, 5013 BERGEN".to_string(),
                "Ny totalsum: 2 597,00 kr (var 1 348,00 kr)".to_string(),
            ];
            let revision = Revision {
                version: 2,
                changed_on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                changes: &changes,
            };
            std::fs::write(
                out.join("endret-ordrebekreftelse.pdf"),
                changed_order_confirmation(&d, &revision).unwrap(),
            )
            .unwrap();
            let k = Cancellation {
                cancelled_on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                reason: "Kunden fant varen billigere",
                payment: "Betalingsforespørselen er trukket tilbake: du skal ikke betale noe.",
            };
            std::fs::write(out.join("kansellering.pdf"), cancellation(&d, &k).unwrap()).unwrap();
            let claim = skranke_core::claim::validate_claim(
                &order.lines,
                &skranke_core::claim::ClaimDraft {
                    kind: "transportskade".into(),
                    lines: vec![skranke_core::claim::ClaimLineDraft {
                        line_no: 1,
                        quantity: 1,
                    }],
                    description: "Esken var knust, og glasskannen har en sprekk langs håndtaket.".into(),
                    discovered: "01.12.2026".into(),
                    received: "01.12.2026 14:30".into(),
                    meant_to_last_longer: false,
                    photos: vec!["a".repeat(64), "b".repeat(64)],
                },
                NaiveDate::from_ymd_opt(2026, 12, 2)
                    .unwrap()
                    .and_hms_opt(10, 0, 0)
                    .unwrap(),
                24,
            )
            .unwrap();
            let c = ClaimDocument {
                order: d,
                claim: &claim,
                claim_no: 1,
            };
            std::fs::write(out.join("reklamasjon.pdf"), claim_confirmation(&c).unwrap()).unwrap();
        }
    }
}
