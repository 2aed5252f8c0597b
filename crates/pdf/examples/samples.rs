//! Writes the test fixture's documents to a folder, to look at: `cargo run -p skranke-pdf --example
//! samples -- OUT_DIR` (then `pdftoppm -r 80 -png OUT_DIR/*.pdf`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use chrono::NaiveDate;
use skranke_core::ShopPolicy;
use skranke_pdf::{order_confirmation, return_slip, OrderDocument, ReturnDocument};

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
        }
    }
}
