//! The order form (D1–D7, F1–F6, P1–P5, S2): any JSON either is refused with field errors or gives an
//! order whose totals add up.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use skranke_core::order::{validate_order, OrderDraft, Product};
use skranke_core::{Availability, Money, MvaRate, ShopPolicy};

fn catalog() -> &'static [Product] {
    static CATALOG: OnceLock<Vec<Product>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        (0..5)
            .map(|i| Product {
                sku: format!("SKU-{i}"),
                eans: Vec::new(),
                name: format!("Vare {i}"),
                brand: "Merke".into(),
                category: "Kategori".into(),
                price: Money::from_ore(99 + i64::from(i) * 12_345),
                mva_rate: if i == 3 { MvaRate::Food } else { MvaRate::General },
                availability: Availability::InStock,
                availability_as_of: None,
                supplier_direct: false,
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(draft) = serde_json::from_slice::<OrderDraft>(data) else {
        return;
    };
    let placed = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap_or_default();
    let policy = ShopPolicy::default();
    if let Ok(order) = validate_order(
        &draft,
        |sku| catalog().iter().find(|p| p.sku == sku).cloned(),
        placed,
        &policy,
    ) {
        let lines: Money = order.lines.iter().map(|l| l.line_total).sum();
        assert_eq!(order.totals.goods, lines);
        assert_eq!(order.totals.total, order.totals.goods + order.totals.shipping);
        assert!(order.totals.total >= Money::ZERO);
    }
});
