//! S2, S2a, D7a: for any basket, the MVA per rate the confirmation prints (`ValidOrder::totals.mva`)
//! equals the MVA of the lines sent to the payment providers (Klarna's `order_lines`, Vipps' receipt),
//! to the øre; an order sold without MVA (Svalbard) sends no tax at all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report
use chrono::NaiveDate;
use proptest::prelude::*;
use skranke_core::order::{validate_order, AddressDraft, CustomerDraft, LineDraft};
use skranke_core::policy::{ShippingKind, ShippingMethod};
use skranke_core::return_request::{validate_return, ReturnLineDraft};
use skranke_core::{
    refund_of_return, Availability, Money, MvaRate, OrderDraft, PaymentMethod, Product, ReturnDraft,
    ShopPolicy,
};
use skranke_payments::klarna_session_body as session_body;
use skranke_payments::{refund_lines, vipps_payment_body, PaymentRequest};

fn product(i: usize, price: i64, rate: usize) -> Product {
    Product {
        sku: format!("SKU-{i}"),
        eans: vec![],
        name: format!("Vare {i}"),
        brand: "Merke".into(),
        category: "Kategori".into(),
        price: Money::from_ore(price),
        mva_rate: MvaRate::ALL[rate],
        availability: Availability::InStock,
        availability_as_of: None,
        supplier_direct: false,
    }
}

/// An order of `basket` (price in øre, MVA rate index, quantity) with shipping at `shipping` øre, paid by
/// card, delivered in Oslo or (D7a) Longyearbyen under a policy that sells there without MVA.
fn order_of(basket: &[(i64, usize, i64)], shipping: i64, svalbard: bool) -> skranke_core::ValidOrder {
    let products: Vec<Product> = basket
        .iter()
        .enumerate()
        .map(|(i, (p, r, _))| product(i, *p, *r))
        .collect();
    let mut policy = ShopPolicy {
        shipping_methods: vec![ShippingMethod {
            code: "frakt".into(),
            name: "Posten/Bring".into(),
            price: Money::from_ore(shipping),
            kind: ShippingKind::Home,
        }],
        ..ShopPolicy::default()
    };
    policy.delivery.svalbard = skranke_core::policy::OutsideMvaPolicy::WithoutMva;
    let postcode = if svalbard { "9170" } else { "0150" };
    let draft = OrderDraft {
        customer: CustomerDraft {
            confirmed_15_or_older: true,
            name: "Kari Nordmann".into(),
            phone: "41234567".into(),
            address: AddressDraft {
                line1: "Storgata 1".into(),
                postcode: postcode.into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: basket
            .iter()
            .enumerate()
            .map(|(i, (_, _, q))| LineDraft {
                discount: None,
                sku: format!("SKU-{i}"),
                quantity: *q,
            })
            .collect(),
        shipping_method: "frakt".into(),
        payment_method: "kort".into(),
        ..Default::default()
    };
    let placed = NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        placed,
        &policy,
    )
    .unwrap()
}

proptest! {
    #[test]
    fn s2a_payment_lines_carry_the_confirmations_mva(
        basket in proptest::collection::vec((1i64..5_000_000, 0usize..3, 1i64..20), 1..12),
        shipping in 0i64..100_000,
        svalbard in any::<bool>(),
    ) {
        let order = order_of(&basket, shipping, svalbard);
        let request = PaymentRequest {
            reference: "OSL1-000001-1",
            order_number: "OSL1-000001",
            method: PaymentMethod::Kort,
            order: &order,
            credit: &[],
        };
        let body = session_body(&request);
        let lines = body["order_lines"].as_array().unwrap();
        let amount: i64 = lines.iter().map(|l| l["total_amount"].as_i64().unwrap()).sum();
        prop_assert_eq!(amount, order.totals.total.ore());
        prop_assert_eq!(body["order_amount"].as_i64(), Some(order.totals.total.ore()));
        for mva in &order.totals.mva {
            let of_rate: i64 = lines
                .iter()
                .filter(|l| l["tax_rate"] == mva.rate.basis_points())
                .map(|l| l["total_tax_amount"].as_i64().unwrap())
                .sum();
            prop_assert_eq!(of_rate, mva.mva.ore(), "{:?}", mva.rate);
            let base: i64 = lines
                .iter()
                .filter(|l| l["tax_rate"] == mva.rate.basis_points())
                .map(|l| l["total_amount"].as_i64().unwrap())
                .sum();
            prop_assert_eq!(base, mva.total_incl.ore());
        }
        prop_assert_eq!(order.totals.mva.is_empty(), svalbard);
        if svalbard {
            prop_assert!(lines.iter().all(|l| l["tax_rate"] == 0 && l["total_tax_amount"] == 0));
        }
        let tax: i64 = order.totals.mva.iter().map(|m| m.mva.ore()).sum();
        prop_assert_eq!(body["order_tax_amount"].as_i64(), Some(tax));
        // The shipping lines carry only the goods' rates (S2a).
        for l in lines.iter().filter(|l| l["type"] == "shipping_fee" && !svalbard) {
            prop_assert!(order.lines.iter().any(|o| l["tax_rate"] == o.mva_rate.basis_points()));
        }
        // The same figures on Vipps' receipt (Order Management's `Receipt` inside the ePayment body).
        let vipps = vipps_payment_body(&request);
        prop_assert_eq!(vipps["amount"]["value"].as_i64(), Some(order.totals.total.ore()));
        let receipt = vipps["receipt"]["orderLines"].as_array().unwrap();
        prop_assert_eq!(receipt.len(), lines.len());
        let sum = |field: &str, rate: Option<i64>| -> i64 {
            receipt
                .iter()
                .filter(|l| rate.is_none_or(|r| l["taxRate"] == r))
                .map(|l| l[field].as_i64().unwrap())
                .sum()
        };
        prop_assert_eq!(sum("totalAmount", None), order.totals.total.ore());
        prop_assert_eq!(sum("totalTaxAmount", None), tax);
        for mva in &order.totals.mva {
            let rate = Some(mva.rate.basis_points());
            prop_assert_eq!(sum("totalTaxAmount", rate), mva.mva.ore(), "{:?}", mva.rate);
            prop_assert_eq!(sum("totalAmountExcludingTax", rate), mva.total_incl.ore() - mva.mva.ore());
        }
        for l in receipt {
            prop_assert_eq!(
                l["totalAmount"].as_i64().unwrap(),
                l["totalAmountExcludingTax"].as_i64().unwrap() + l["totalTaxAmount"].as_i64().unwrap()
            );
        }
        let shipping: i64 = receipt
            .iter()
            .filter(|l| l["isShipping"] == true)
            .map(|l| l["totalAmount"].as_i64().unwrap())
            .sum();
        prop_assert_eq!(shipping, order.totals.shipping.ore());
    }
}

proptest! {
    /// R3, S2a: a basket returned in two parts: each refund's lines (Klarna's `order_lines` on the
    /// refund) add up to what core pays back, with core's MVA per rate; together they pay back the
    /// whole order, shipping included once.
    #[test]
    fn refund_lines_carry_the_refunds_mva(
        basket in proptest::collection::vec((1i64..2_000_000, 0usize..3, 1i64..6), 1..8),
        first_part in proptest::collection::vec(0.0f64..=1.0, 8),
        shipping in 0i64..50_000,
    ) {
        let order = order_of(&basket, shipping, false);
        // Each line split between the two returns.
        let first: Vec<u32> = order
            .lines
            .iter()
            .zip(&first_part)
            .map(|(l, f)| (f64::from(l.quantity) * f).floor() as u32)
            .collect();
        let part = |counts: Vec<(u32, u32)>| ReturnDraft {
            lines: counts
                .into_iter()
                .filter(|(_, q)| *q > 0)
                .map(|(n, q)| ReturnLineDraft { line_no: n, quantity: i64::from(q), reason: "angrerett".into() })
                .collect(),
            ..Default::default()
        };
        let one = part(first.iter().enumerate().map(|(i, q)| (i as u32 + 1, *q)).collect());
        let two = part(order.lines.iter().zip(&first).enumerate().map(|(i, (l, q))| (i as u32 + 1, l.quantity - q)).collect());
        let mut earlier = Vec::new();
        let mut paid_back = 0;
        for draft in [one, two] {
            if draft.lines.is_empty() {
                continue;
            }
            let returned = skranke_core::return_request::returned_per_line(order.lines.len(), &earlier);
            let ret = validate_return(&order.lines, &returned, &draft).unwrap();
            let refund = refund_of_return(&order, &earlier, &ret);
            let lines = refund_lines(&order, &ret, &refund);
            let total: i64 = lines.iter().map(|l| l.total.ore()).sum();
            prop_assert_eq!(total, refund.total.ore());
            for mva in &refund.mva {
                let of_rate: i64 = lines
                    .iter()
                    .filter(|l| l.tax_rate == mva.rate.basis_points())
                    .map(|l| l.tax.ore())
                    .sum();
                prop_assert_eq!(of_rate, mva.mva.ore(), "{:?}", mva.rate);
            }
            paid_back += total;
            earlier.push(ret);
        }
        prop_assert_eq!(paid_back, order.totals.total.ore());
    }
}
