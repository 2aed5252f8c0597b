//! Staff reach their store's desks as argon2 hashes (never the PIN, never another store's), and the
//! desks' audit entries are stored with whether they continue the chain.

use chrono::Utc;
use skranke_protocol::{audit_hash, AuditRecorded, MutationKind, AUDIT_GENESIS};

use crate::support::*;

#[tokio::test]
async fn staff_travel_as_hashes_to_their_own_store_only() {
    let s = TestServer::start().await;
    skranke_central::staff::set_staff(&s.pool, "OSL", "Kari", "4821", Utc::now())
        .await
        .unwrap();
    skranke_central::staff::set_staff(&s.pool, "BRG", "Bjørn", "1111", Utc::now())
        .await
        .unwrap();
    for bad in ["12", "abcd", "123456789"] {
        assert!(
            skranke_central::staff::set_staff(&s.pool, "OSL", "Ola", bad, Utc::now())
                .await
                .is_err()
        );
    }
    let oslo = s.pair("OSL").await;
    let r = s.get("/v1/pull?stream=staff", Some(&oslo.token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changes = r.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    let staff = &changes[0]["staff"];
    assert_eq!(staff["name"], "Kari");
    assert!(staff["pin_hash"].as_str().unwrap().starts_with("$argon2id$"));
    assert!(!r.body.to_string().contains("4821"));

    skranke_central::staff::deactivate_staff(&s.pool, "OSL", "Kari", Utc::now())
        .await
        .unwrap();
    let again = s
        .get(
            &format!(
                "/v1/pull?stream=staff&cursor={}",
                r.body["cursor"].as_str().unwrap()
            ),
            Some(&oslo.token),
        )
        .await;
    assert_eq!(again.body["changes"][0]["staff"]["active"], false);
}

fn entry(seq: i64, prev: &str, name: &str) -> AuditRecorded {
    let at = Utc::now();
    let hash = audit_hash(
        seq,
        &at.to_rfc3339(),
        None,
        name,
        "ordre lagt inn",
        "OSL1-000001",
        prev,
    );
    AuditRecorded {
        seq,
        at_utc: at,
        staff_id: None,
        staff_name: name.into(),
        action: "ordre lagt inn".into(),
        subject: "OSL1-000001".into(),
        prev_hash: prev.into(),
        hash,
    }
}

#[tokio::test]
async fn audit_entries_are_checked_against_the_chain() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let first = entry(1, AUDIT_GENESIS, "Kari");
    let second = entry(2, &first.hash, "Kari");
    // Third: edited on the desk after it was hashed.
    let mut third = entry(3, &second.hash, "Kari");
    third.staff_name = "Noen andre".into();
    let r = s
        .push(
            &desk,
            vec![
                mutation(1, MutationKind::AuditRecorded, &first),
                mutation(2, MutationKind::AuditRecorded, &second),
                mutation(3, MutationKind::AuditRecorded, &third),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ok: Vec<(i64, bool)> = sqlx::query_as("SELECT seq, chain_ok FROM audit_log ORDER BY seq")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(ok, vec![(1, true), (2, true), (3, false)]);
}

/// Status changes are in the central store's own chain; an entry edited in PostgreSQL (after
/// disabling the trigger that refuses it) is found by `audit::verify`.
#[tokio::test]
async fn a_status_change_is_audited_and_an_edit_is_found() {
    let s = TestServer::start().await;
    let products = catalog(3);
    s.import(&products).await;
    let desk = s.pair("OSL").await;
    let placed = order_placed("OSL1-000001", &valid_order(&products[..1]));
    s.push(&desk, vec![mutation(1, MutationKind::OrderPlaced, &placed)])
        .await;
    for (status, tracking) in [("sendt", Some("70712345678")), ("levert", None)] {
        let r = s
            .post_json(
                "/v1/admin/orders/OSL1-000001/status",
                Some(ADMIN_TOKEN),
                &serde_json::json!({"status": status, "tracking_number": tracking}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let report = skranke_central::audit::verify(&s.pool).await.unwrap();
    assert_eq!((report.central_entries, report.central_broken.clone()), (2, None));
    let (actor, subject): (String, String) =
        sqlx::query_as("SELECT actor, subject FROM central_audit WHERE seq = 1")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(actor, "admin-http");
    assert!(
        subject.contains("OSL1-000001: Sendt (sporingsnummer 70712345678)"),
        "{subject}"
    );

    let refused = sqlx::query("UPDATE central_audit SET actor = 'noen' WHERE seq = 1")
        .execute(&s.pool)
        .await;
    assert!(refused.is_err(), "append-only");
    sqlx::query("ALTER TABLE central_audit DISABLE TRIGGER central_audit_append_only")
        .execute(&s.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE central_audit SET actor = 'noen' WHERE seq = 1")
        .execute(&s.pool)
        .await
        .unwrap();
    let report = skranke_central::audit::verify(&s.pool).await.unwrap();
    assert_eq!(
        report.central_broken,
        Some((1, "innholdet stemmer ikke med hashen".to_string()))
    );
}
