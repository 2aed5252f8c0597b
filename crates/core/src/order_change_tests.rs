use super::*;
use crate::order::{validate_order, CustomerDraft, OrderDraft};
use crate::{Availability, MvaRate};
use chrono::{NaiveDate, NaiveTime};

/// Today's catalog; `price_of` lets a test move a price after the order was placed.
fn catalog(sku: &str, kaffe_price: i64) -> Option<Product> {
    let (price, rate, availability) = match sku {
        "KAFFE-1" => (kaffe_price, MvaRate::Food, Availability::InStock),
        "DRILL-9" => (124_900, MvaRate::General, Availability::InStock),
        "LAMPE-3" => (49_900, MvaRate::General, Availability::MustOrder),
        _ => return None,
    };
    Some(Product {
        sku: sku.into(),
        eans: vec![],
        name: format!("Vare {sku}"),
        brand: String::new(),
        category: String::new(),
        price: Money::from_ore(price),
        mva_rate: rate,
        availability,
        availability_as_of: None,
        supplier_direct: false,
    })
}

fn at(day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
}

fn placed() -> ValidOrder {
    let draft = OrderDraft {
        customer: CustomerDraft {
            name: "Kari Nordmann".into(),
            phone: "41234567".into(),
            email: "kari@example.no".into(),
            confirmed_15_or_older: true,
            address: AddressDraft {
                line1: "Storgata 1".into(),
                postcode: "0150".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: vec![
            LineDraft {
                discount: None,
                sku: "KAFFE-1".into(),
                quantity: 2,
            },
            LineDraft {
                discount: None,
                sku: "DRILL-9".into(),
                quantity: 1,
            },
        ],
        shipping_method: "servicepakke".into(),
        payment_method: "kort".into(),
        ..Default::default()
    };
    validate_order(&draft, |s| catalog(s, 12_490), at(23, 10), &ShopPolicy::default()).unwrap()
}

fn change(
    order: &ValidOrder,
    edit: impl FnOnce(&mut ChangeDraft),
    kaffe_today: i64,
) -> Result<ValidOrder, Vec<FieldError>> {
    let mut d = ChangeDraft::of(order);
    edit(&mut d);
    validate_change(
        order,
        &d,
        |s| catalog(s, kaffe_today),
        at(24, 9),
        &ShopPolicy::default(),
    )
}

#[test]
fn an_unchanged_draft_changes_nothing_but_the_promise_date() {
    let order = placed();
    let same = change(&order, |_| {}, 12_490).unwrap();
    assert_eq!(same.lines.len(), 2);
    assert_eq!(same.totals, order.totals);
    assert_eq!(
        same.placed_at, order.placed_at,
        "the order keeps the day it was placed"
    );
    assert_eq!(describe_change(&order, &same), vec![]);
}

/// Price lock: the coffee went up after the call; the line on the order keeps the quoted price, even
/// when its quantity changes. A new line takes today's price.
#[test]
fn lines_already_on_the_order_keep_their_quoted_price() {
    let order = placed();
    let changed = change(
        &order,
        |d| {
            d.lines[0].quantity = 3;
            d.lines.push(LineDraft {
                discount: None,
                sku: "LAMPE-3".into(),
                quantity: 1,
            });
        },
        15_990,
    )
    .unwrap();
    assert_eq!(changed.lines[0].unit_price, Money::from_ore(12_490), "price lock");
    assert_eq!(changed.lines[0].line_total, Money::from_ore(3 * 12_490));
    assert_eq!(
        changed.lines[2].unit_price,
        Money::from_ore(49_900),
        "new line at today's price"
    );
    assert_eq!(
        changed.totals.total,
        Money::from_ore(3 * 12_490 + 124_900 + 49_900 + 9_900)
    );
    // D5: the added must-order lamp makes the slowest promise.
    assert_eq!(changed.promise, changed.lines[2].promise);
    assert_eq!(
        describe_change(&order, &changed),
        vec![
            ChangeItem::QuantityChanged {
                name: "Vare KAFFE-1".into(),
                from: 2,
                to: 3
            },
            ChangeItem::LineAdded {
                name: "Vare LAMPE-3".into(),
                quantity: 1,
                unit_price_ore: 49_900
            },
            ChangeItem::Total {
                from_ore: order.totals.total.ore(),
                to_ore: changed.totals.total.ore()
            },
        ]
    );
}

/// Re-pricing on purpose: every line gets today's price and the read-back says which moved.
#[test]
fn repricing_gives_todays_prices_and_says_what_moved() {
    let order = placed();
    let repriced = change(&order, |d| d.reprice = true, 11_990).unwrap();
    assert_eq!(repriced.lines[0].unit_price, Money::from_ore(11_990));
    assert_eq!(repriced.lines[1].unit_price, Money::from_ore(124_900));
    let items = describe_change(&order, &repriced);
    assert_eq!(
        items[0],
        ChangeItem::PriceChanged {
            name: "Vare KAFFE-1".into(),
            from_ore: 12_490,
            to_ore: 11_990
        }
    );
    assert_eq!(
        items[0].text(),
        "Ny pris (dagens): Vare KAFFE-1, 124,90\u{a0}kr → 119,90\u{a0}kr"
    );
    assert!(matches!(items.last(), Some(ChangeItem::Total { .. })));
}

/// The shipping price is locked with the order too; a new method costs today's price.
#[test]
fn shipping_keeps_its_price_unless_changed_or_repriced() {
    let order = placed();
    let mut dearer = ShopPolicy::default();
    dearer.shipping_methods[0].price = Money::from_kroner(129);
    let d = ChangeDraft::of(&order);
    let kept = validate_change(&order, &d, |s| catalog(s, 12_490), at(24, 9), &dearer).unwrap();
    assert_eq!(kept.shipping.price, Money::from_kroner(99));
    let repriced = ChangeDraft {
        reprice: true,
        ..d.clone()
    };
    let new = validate_change(&order, &repriced, |s| catalog(s, 12_490), at(24, 9), &dearer).unwrap();
    assert_eq!(new.shipping.price, Money::from_kroner(129));
    let home = ChangeDraft {
        shipping_method: "hjemlevering".into(),
        ..d
    };
    let new = validate_change(&order, &home, |s| catalog(s, 12_490), at(24, 9), &dearer).unwrap();
    assert_eq!(new.shipping.price, Money::from_kroner(149));
    assert_eq!(
        describe_change(&order, &new)[0].text(),
        "Fraktmåte: Posten/Bring Servicepakke (hentested) (99,00\u{a0}kr) → Posten/Bring levering hjem (149,00\u{a0}kr)"
    );
}

/// A product gone from the catalog stays on the order at its price; it cannot be added anew.
#[test]
fn a_discontinued_line_stays_but_cannot_be_added() {
    let order = placed();
    let gone = |s: &str| if s == "DRILL-9" { None } else { catalog(s, 12_490) };
    let d = ChangeDraft::of(&order);
    let kept = validate_change(&order, &d, gone, at(24, 9), &ShopPolicy::default()).unwrap();
    assert_eq!(kept.lines[1].unit_price, Money::from_ore(124_900));
    let mut other = placed();
    other.0.lines.truncate(1);
    let mut add = ChangeDraft::of(&other);
    add.lines.push(LineDraft {
        discount: None,
        sku: "DRILL-9".into(),
        quantity: 1,
    });
    let errors = validate_change(&other, &add, gone, at(24, 9), &ShopPolicy::default()).unwrap_err();
    assert_eq!(errors[0].field, "lines[1].sku");
}

#[test]
fn a_new_address_is_judged_and_read_back() {
    let order = placed();
    let moved = change(
        &order,
        |d| {
            d.delivery_address.line1 = "Strandkaien 2".into();
            d.delivery_address.postcode = "5013".into();
        },
        12_490,
    )
    .unwrap();
    assert_eq!(moved.delivery_address.place, "BERGEN");
    assert_eq!(
        moved.customer.address.postcode, "0150",
        "the customer's own address stays"
    );
    assert_eq!(
        describe_change(&order, &moved),
        vec![ChangeItem::DeliveryAddress {
            from: "Storgata 1, 0150 OSLO".into(),
            to: "Strandkaien 2, 5013 BERGEN".into()
        }]
    );
    let errors = change(&order, |d| d.delivery_address.postcode = "9999".into(), 12_490).unwrap_err();
    assert_eq!(errors[0].field, "delivery_address.postcode");
    let errors = change(&order, |d| d.lines.clear(), 12_490).unwrap_err();
    assert_eq!(errors[0].field, "lines");
}

/// A switch of payment method is judged as at the order (P2–P5): credit needs a fødselsnummer, which
/// a change does not carry; Vipps needs a mobile.
#[test]
fn a_new_payment_method_is_judged_like_at_the_order() {
    let order = placed();
    let vipps = change(&order, |d| d.payment_method = "vipps".into(), 12_490).unwrap();
    assert_eq!(vipps.payment_method, PaymentMethod::Vipps);
    let errors = change(&order, |d| d.payment_method = "klarna_faktura".into(), 12_490).unwrap_err();
    assert_eq!(errors[0].field, "customer.fodselsnummer");
}

/// D8: only while "Under behandling".
#[test]
fn a_sent_or_cancelled_order_cannot_change() {
    assert_eq!(may_change(OrderStatus::UnderBehandling), Ok(()));
    let sent = may_change(OrderStatus::Sendt).unwrap_err();
    assert!(sent.to_string().contains("er sendt"), "{sent}");
    assert!(sent.to_string().contains("returneres"), "{sent}");
    assert!(may_change(OrderStatus::Levert).is_err());
    assert_eq!(may_change(OrderStatus::Kansellert), Err(ChangeRefused::Cancelled));
}

#[test]
fn the_payment_follows_the_new_amount() {
    let kr = Money::from_kroner;
    use PaymentState as S;
    // Unpaid: a new request for the new amount, up or down; same amount, same method: nothing.
    assert_eq!(
        payment_follow(kr(100), kr(150), false, Some(S::Sent)),
        Ok(PaymentFollow::NewRequest)
    );
    assert_eq!(
        payment_follow(kr(100), kr(50), false, Some(S::Requested)),
        Ok(PaymentFollow::NewRequest)
    );
    assert_eq!(
        payment_follow(kr(100), kr(100), true, Some(S::Sent)),
        Ok(PaymentFollow::NewRequest)
    );
    assert_eq!(
        payment_follow(kr(100), kr(100), false, Some(S::Sent)),
        Ok(PaymentFollow::Unchanged)
    );
    // An ended request is sent again by staff, for the order's amount then.
    assert_eq!(
        payment_follow(kr(100), kr(150), false, Some(S::Expired)),
        Ok(PaymentFollow::Unchanged)
    );
    assert_eq!(
        payment_follow(kr(100), kr(150), false, None),
        Ok(PaymentFollow::Unchanged)
    );
    // Reserved: take less at dispatch; taken: pay the difference back.
    assert_eq!(
        payment_follow(kr(100), kr(60), false, Some(S::Reserved)),
        Ok(PaymentFollow::CaptureLess { give_back: kr(40) })
    );
    assert_eq!(
        payment_follow(kr(100), kr(60), false, Some(S::Captured)),
        Ok(PaymentFollow::Refund { amount: kr(40) })
    );
    assert_eq!(
        payment_follow(kr(100), kr(100), false, Some(S::Captured)),
        Ok(PaymentFollow::Unchanged)
    );
    // Paid: never dearer, never another method.
    let more = payment_follow(kr(100), kr(101), false, Some(S::Reserved)).unwrap_err();
    assert!(more.to_string().contains("egen ordre"), "{more}");
    assert_eq!(
        payment_follow(kr(100), kr(100), true, Some(S::Captured)),
        Err(PaymentChangeRefused::MethodAfterPayment { state: S::Captured })
    );
}

/// D7a: a line of an order sold without MVA keeps its net price when the order changes.
#[test]
fn an_order_outside_the_mva_area_keeps_its_net_prices() {
    let mut policy = ShopPolicy::default();
    policy.delivery.svalbard = crate::policy::OutsideMvaPolicy::WithoutMva;
    let draft = OrderDraft {
        customer: CustomerDraft {
            name: "Ola Svalbard".into(),
            phone: "41234567".into(),
            confirmed_15_or_older: true,
            address: AddressDraft {
                line1: "Vei 230 1".into(),
                postcode: "9170".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        lines: vec![LineDraft {
            discount: None,
            sku: "DRILL-9".into(),
            quantity: 1,
        }],
        shipping_method: "servicepakke".into(),
        payment_method: "kort".into(),
        ..Default::default()
    };
    let order = validate_order(&draft, |s| catalog(s, 12_490), at(23, 10), &policy).unwrap();
    assert_eq!(order.lines[0].unit_price, Money::from_ore(99_920));
    let mut d = ChangeDraft::of(&order);
    d.lines[0].quantity = 2;
    let changed = validate_change(&order, &d, |s| catalog(s, 12_490), at(24, 9), &policy).unwrap();
    assert_eq!(changed.lines[0].unit_price, Money::from_ore(99_920));
    assert!(changed.totals.mva.is_empty());
}
