//! Layout regressions: pages rendered with pdftoppm are compared with committed reference renderings,
//! with a tolerance for anti-aliasing. `SKRANKE_UPDATE_REFERENCES=1` writes new references after a
//! deliberate layout change (look at them before committing).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod fixture;
mod tools;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use skranke_core::ShopPolicy;
use skranke_pdf::{order_confirmation, return_slip, OrderDocument, ReturnDocument};
use tools::Pdf;

const DPI: u32 = 40;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn grey_pixels(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let grey = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| px[0])
        .collect();
    (info.width, info.height, grey)
}

fn compare(pdf: &Pdf, page: usize, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rendered = pdf.render(page, DPI, dir.path());
    let reference = reference_dir().join(format!("{name}.png"));
    if std::env::var_os("SKRANKE_UPDATE_REFERENCES").is_some() {
        std::fs::create_dir_all(reference_dir()).unwrap();
        std::fs::copy(&rendered, &reference).unwrap();
    }
    let (w1, h1, a) = grey_pixels(&rendered);
    let (w2, h2, b) = grey_pixels(&reference);
    assert_eq!((w1, h1), (w2, h2), "{name}: page size changed");
    let diffs: Vec<u32> = a.iter().zip(&b).map(|(x, y)| u32::from(x.abs_diff(*y))).collect();
    let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
    let strong = diffs.iter().filter(|d| **d > 64).count() as f64 / diffs.len() as f64;
    assert!(
        mean < 1.5 && strong < 0.004,
        "{name}: differs from the reference (mean {mean:.2}, {:.2} % strong): layout regression?",
        strong * 100.0
    );
}

#[test]
fn renderings_match_the_references() {
    let policy = ShopPolicy::default();
    let order = fixture::order(4, "klarna_faktura", fixture::FNR);
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &order,
        policy: &policy,
        payment_state: None,
    };
    let confirmation = Pdf::new(&order_confirmation(&d).unwrap());
    compare(&confirmation, 1, "confirmation-page1");
    compare(&confirmation, confirmation.pages(), "confirmation-angreskjema");
    let ret = fixture::a_return(&order);
    let slip = Pdf::new(
        &return_slip(&ReturnDocument {
            order: d,
            ret: &ret,
            refund: &skranke_core::refund_of_return(&order, &[], &ret),
            registered: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        })
        .unwrap(),
    );
    compare(&slip, 1, "return-slip");
}

/// The comparison itself fails on a changed layout: a page with a line moved is not "the same".
#[test]
fn a_moved_block_is_caught() {
    let policy = ShopPolicy::default();
    let catalog = fixture::products(4);
    let mut draft = fixture::draft_of(&catalog, "klarna_faktura", fixture::FNR);
    draft.customer.name = "Ola Nordmann med et mye lengre navn enn før, og en adresse til".into();
    if let Some(delivery) = draft.delivery_address.as_mut() {
        delivery.line2 = "c/o Ekstra linje som flytter alt under".into();
    }
    let other = fixture::validated(&catalog, &draft);
    let d = OrderDocument {
        order_number: fixture::ORDER_NUMBER,
        order: &other,
        policy: &policy,
        payment_state: None,
    };
    let changed = Pdf::new(&order_confirmation(&d).unwrap());
    let result = std::panic::catch_unwind(|| compare_no_update(&changed, 1, "confirmation-page1"));
    assert!(
        result.is_err(),
        "a different layout must not pass as the reference"
    );
}

fn compare_no_update(pdf: &Pdf, page: usize, name: &str) {
    if std::env::var_os("SKRANKE_UPDATE_REFERENCES").is_some() {
        panic!("not compared while updating");
    }
    compare(pdf, page, name);
}
