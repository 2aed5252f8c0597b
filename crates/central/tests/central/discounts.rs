//! Issue 20 item 4: the central store judges a desk's discounts again, against the roles it keeps: above
//! the asker's limit without a manager of the same store approving, the order is refused in
//! Norwegian, naming the limit; approved by a manager, it is taken, and its price before the discount
//! is what the price-change flag compares.

use chrono::Utc;
use skranke_core::discount::{DiscountApproval, DiscountDraft, DiscountKind, StaffRole};
use skranke_protocol::MutationKind;

use crate::support::*;

#[tokio::test]
async fn a_discount_above_the_limit_without_a_managers_approval_is_refused_centrally_too() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let kari = skranke_central::staff::set_staff(&s.pool, "OSL", "Kari", "4821", Utc::now())
        .await
        .unwrap();
    let leder = skranke_central::staff::set_staff(&s.pool, "OSL", "Liv", "7777", Utc::now())
        .await
        .unwrap();
    skranke_central::staff::set_staff_role(&s.pool, "OSL", "Liv", StaffRole::Leder, Utc::now())
        .await
        .unwrap();
    let bergen = skranke_central::staff::set_staff(&s.pool, "BRG", "Bjørn", "1111", Utc::now())
        .await
        .unwrap();
    skranke_central::staff::set_staff_role(&s.pool, "BRG", "Bjørn", StaffRole::Leder, Utc::now())
        .await
        .unwrap();
    let desk = s.pair("OSL").await;

    // 40 % off the first line: far above a seller's 10 % or 200 kr.
    let discounted = valid_order_with(&products, |d| {
        d.lines[0].discount = Some(DiscountDraft {
            kind: DiscountKind::Percent { basis_points: 4000 },
            reason: "goodwill".into(),
        });
    });
    let stamped = |approver: Option<(uuid::Uuid, &str)>| {
        discounted.clone().discounts_by(DiscountApproval {
            asked_by_id: kari.to_string(),
            asked_by: "Kari".into(),
            approved_by_id: approver.map(|(id, _)| id.to_string()),
            approved_by: approver.map(|(_, name)| name.to_string()),
        })
    };
    let attempts = [
        ("OSL1-000001", stamped(None)),
        // A manager of another store approves nothing here.
        ("OSL1-000002", stamped(Some((bergen, "Bjørn")))),
        // A seller's approval is no approval: their limit is the same.
        ("OSL1-000003", stamped(Some((kari, "Kari")))),
        ("OSL1-000004", stamped(Some((leder, "Liv")))),
    ];
    let mutations = attempts
        .iter()
        .enumerate()
        .map(|(i, (number, order))| {
            mutation(
                i64::try_from(i).unwrap() + 1,
                MutationKind::OrderPlaced,
                &order_placed(number, order),
            )
        })
        .collect();
    let r = s.push(&desk, mutations).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.body["results"].as_array().unwrap();
    for refused in &results[..3] {
        assert_eq!(refused["outcome"], "rejected", "{}", r.body);
        assert_eq!(refused["rejection"]["code"], "discount_not_approved");
    }
    let text = |i: usize| {
        results[i]["rejection"]["message"]
            .as_str()
            .unwrap()
            .replace('\u{a0}', " ")
    };
    assert!(
        text(0).contains("i rabatt er over grensen din (10 % eller 200,00 kr)"),
        "{}",
        text(0)
    );
    assert!(
        text(1).contains("Bjørn, som ikke er ansatt i butikken OSL"),
        "{}",
        text(1)
    );
    assert!(
        text(2).contains("over grensen til den som godkjente også"),
        "{}",
        text(2)
    );
    assert_eq!(results[3]["outcome"], "applied", "{}", r.body);

    let stored: Vec<(String, serde_json::Value)> = sqlx::query_as("SELECT number, body FROM orders")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, "OSL1-000004");
    assert_eq!(stored[0].1["discount_approval"]["approved_by"], "Liv");
    let line = &stored[0].1["lines"][0];
    assert_eq!(
        line["discount"]["listed_unit_price"].as_i64().unwrap() * 60 / 100,
        line["unit_price"].as_i64().unwrap()
    );

    // Within the seller's own limit nobody approves, and a discounted line is not a price change.
    let small = valid_order_with(&products, |d| {
        d.lines[0].discount = Some(DiscountDraft {
            kind: DiscountKind::Amount { ore: 2_000 },
            reason: "skadet_emballasje".into(),
        });
    })
    .discounts_by(DiscountApproval {
        asked_by_id: kari.to_string(),
        asked_by: "Kari".into(),
        approved_by_id: None,
        approved_by: None,
    });
    let r = s
        .push(
            &desk,
            vec![mutation(
                5,
                MutationKind::OrderPlaced,
                &order_placed("OSL1-000005", &small),
            )],
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "applied", "{}", r.body);

    // A discount with no one answering for it is not an order the store takes.
    let mut anonymous = serde_json::to_value(&small).unwrap();
    anonymous.as_object_mut().unwrap().remove("discount_approval");
    let mut placed = serde_json::to_value(order_placed("OSL1-000006", &small)).unwrap();
    placed["order"] = anonymous;
    let r = s
        .push(&desk, vec![mutation(6, MutationKind::OrderPlaced, &placed)])
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "rejected", "{}", r.body);
    assert!(r.body["results"][0]["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("hvem som ga dem"));
}
