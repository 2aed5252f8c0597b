//! S2, S2a, D7a: for any basket, the MVA per rate the confirmation prints (`ValidOrder::totals.mva`)
//! equals the MVA of the lines sent to the payment providers (Klarna's `order_lines`, Vipps' receipt),
//! to the øre; an order sold without MVA (Svalbard) sends no tax at all.

use chrono::NaiveDate;
use proptest::prelude::*;
use skranke_core::order::{validate_order, AddressDraft, CustomerDraft, LineDraft};
use skranke_core::policy::{ShippingKind, ShippingMethod};
use skranke_core::{Availability, Money, MvaRate, OrderDraft, PaymentMethod, Product, ShopPolicy};
use skranke_payments::klarna_session_body as session_body;
use skranke_payments::{vipps_payment_body, PaymentRequest};

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

proptest! {
    #[test]
    fn s2a_payment_lines_carry_the_confirmations_mva(
        basket in proptest::collection::vec((1i64..5_000_000, 0usize..3, 1i64..20), 1..12),
        shipping in 0i64..100_000,
        svalbard in any::<bool>(),
    ) {
        let products: Vec<Product> =
            basket.iter().enumerate().map(|(i, (p, r, _))| product(i, *p, *r)).collect();
        let mut policy = ShopPolicy {
            shipping_methods: vec![ShippingMethod {
                code: "frakt".into(),
                name: "Posten/Bring".into(),
                price: Money::from_ore(shipping),
                kind: ShippingKind::Home,
            }],
            ..ShopPolicy::default()
        };
        // D7a: Longyearbyen under a policy that sells there without MVA.
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
                .map(|(i, (_, _, q))| LineDraft { sku: format!("SKU-{i}"), quantity: *q })
                .collect(),
            shipping_method: "frakt".into(),
            payment_method: "kort".into(),
            ..Default::default()
        };
        let placed = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(10, 0, 0).unwrap();
        let order = validate_order(
            &draft,
            |sku| products.iter().find(|p| p.sku == sku).cloned(),
            placed,
            &policy,
        )
        .unwrap();
        let request = PaymentRequest {
            reference: "OSL1-000001-1",
            order_number: "OSL1-000001",
            method: PaymentMethod::Kort,
            order: &order,
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
