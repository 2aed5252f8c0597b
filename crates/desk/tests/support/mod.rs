//! What the desk's test binaries share: the time they act at, a complete phone order, and the demo
//! desk's logged-in person.
#![allow(dead_code)] // each test binary takes what it needs

use chrono::{DateTime, Utc};
use skranke_core::order::{AddressDraft, CustomerDraft, LineDraft};
use skranke_core::OrderDraft;
use skranke_desk::Desk;

/// The demo desk's person, as the window's logged-in staff member.
pub async fn person(desk: &Desk) -> skranke_desk::Acting {
    desk.act_as_staff(
        skranke_desk::staff::DEMO_STAFF_NAME,
        skranke_desk::staff::DEMO_PIN,
        now(),
    )
    .await
    .unwrap()
}

pub fn now() -> DateTime<Utc> {
    // Monday 23 November 2026, 10:00 in Oslo.
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A complete order of two of `sku` for Ola Nordmann in Tromsø, paid with Vipps.
pub fn draft(sku: &str) -> OrderDraft {
    OrderDraft {
        customer: CustomerDraft {
            confirmed_15_or_older: true,
            name: "Ola Nordmann".into(),
            phone: "+47 987 65 432".into(),
            email: "ola@example.no".into(),
            address: AddressDraft {
                line1: "Fjellveien 3".into(),
                postcode: "9008".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: vec![LineDraft {
            discount: None,
            sku: sku.into(),
            quantity: 2,
        }],
        shipping_method: "servicepakke".into(),
        payment_method: "vipps".into(),
        ..Default::default()
    }
}
