use std::process::Command;

use skranke_protocol::{MutationKind, PairRequest};

use crate::support::{catalog, mutation, order_placed, push_body, valid_order, TestServer};

fn central(s: &TestServer, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_skranke-central"))
        .args(args)
        .env("DATABASE_URL", &s.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn operator_commands_pair_import_and_set_status() {
    let s = TestServer::start().await;
    let (ok, out, err) = central(&s, &["store", "add", "trd", "Skranke Trondheim"]);
    assert!(ok, "{err}");
    assert!(out.contains("TRD"));

    let (ok, code, err) = central(&s, &["pairing-code", "--store", "TRD"]);
    assert!(ok, "{err}");
    assert!(err.contains("én gang"));
    let r = s
        .post_json(
            "/v1/pair",
            None,
            &PairRequest {
                code: code.trim().into(),
                device_name: "Kasse 1".into(),
                previous_series: None,
            },
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["series"], "TRD1");

    let (ok, _, err) = central(&s, &["pairing-code", "--store", "XYZ"]);
    assert!(!ok);
    assert!(err.contains("Butikken XYZ finnes ikke"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.xml");
    let products = catalog(3);
    let items: String = products
        .iter()
        .map(|p| {
            format!(
                "<item><g:id>{}</g:id><g:title>{}</g:title><g:price>{}.{:02} NOK</g:price><g:availability>in_stock</g:availability></item>\n",
                p.sku,
                p.name.replace('&', "&amp;"),
                p.price.ore() / 100,
                p.price.ore() % 100
            )
        })
        .collect();
    std::fs::write(
        &feed,
        format!("<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\n{items}</channel></rss>"),
    )
    .unwrap();
    let (ok, out, err) = central(&s, &["import-feed", feed.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("Lest 3 varer: 3 nye"), "{out}");

    let desk = s.pair("OSL").await;
    let mut in_stock = products.clone();
    for p in &mut in_stock {
        p.availability = skranke_core::Availability::InStock;
    }
    let order = valid_order(&in_stock[..1]);
    let body = push_body(
        &desk,
        vec![mutation(
            1,
            MutationKind::OrderPlaced,
            &order_placed("OSL1-000001", &order),
        )],
    );
    assert_eq!(
        s.post_json("/v1/push", Some(&desk.token), &body).await.status,
        200
    );

    let (ok, _, err) = central(&s, &["order", "set-status", "OSL1-000001", "sendt"]);
    assert!(!ok);
    assert!(err.contains("sporingsnummer"), "{err}");
    let (ok, out, err) = central(
        &s,
        &[
            "order",
            "set-status",
            "OSL1-000001",
            "sendt",
            "--tracking",
            "70712345",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "OSL1-000001: Sendt (sporing 70712345)");
    let r = s.get("/v1/pull?stream=orders", Some(&desk.token)).await;
    assert_eq!(r.body["changes"][0]["order"]["status"], "sendt");
    assert_eq!(r.body["changes"][0]["order"]["tracking_number"], "70712345");
    // Who ran the command is recorded, in the history and in the audit log.
    let history: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM order_status_history WHERE set_by LIKE 'kommandolinjen (%)'",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!(history, 1);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM central_audit WHERE actor LIKE 'kommandolinjen (%)'")
            .fetch_one(&s.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}
