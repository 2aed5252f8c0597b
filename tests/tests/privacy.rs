//! Logs never hold personal data. A whole day at the desk runs across processes (pairing, a faktura
//! order with a fødselsnummer, a Vipps order approved and captured, a Klarna link completed, an
//! e-mail refused and sent again, a return, a status change, the customer's export and erasure),
//! with the central store logging at debug level for itself and its HTTP layer. Then the log is
//! searched for every way the customer's details could be written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::time::Duration;

use common::{catalog_and_order, desk, pair, until};
use skranke_e2e::central_process::CentralProcess;

const NAME: &str = "Ingrid Personvernsen";
const MOBILE: &str = "934 56 781";
const EMAIL: &str = "ingrid.personvernsen@example.no";
const BOUNCING: &str = "ingrid.finnes-ikke@example.no";
const STREET: &str = "Hemmeligveien 17";
const FNR: &str = "15839649859"; // Tenor synthetic, born 1996-03-15
/// Debug for the central store and its HTTP layer; the libraries that print raw traffic (the SMTP
/// transcript, TLS, connection pools) at their info level, as any production setting would have them.
const FILTER: &str = "debug,skranke_central=trace,tower_http=trace,hyper=info,hyper_util=info,h2=info,\
                      reqwest=info,rustls=info,sqlx=warn,lettre=info,tokio_postgres=info,mio=info";

/// Every entry of a zip as (name, text).
fn read_zip(path: &std::path::Path) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            (entry.name().to_string(), text)
        })
        .collect()
}

async fn one<T>(central: &CentralProcess, sql: &str) -> Option<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let pool = sqlx::PgPool::connect(&central.database_url).await.unwrap();
    let v = sqlx::query_scalar(sql).fetch_optional(&pool).await.unwrap();
    pool.close().await;
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn no_log_line_holds_a_customers_personal_data_after_a_full_day() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("central.log");
    let http = reqwest::Client::new();
    let sink = skranke_e2e::smtp_sink::SmtpSink::start().unwrap();
    let smtp = sink.port;
    let fake_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = format!("http://{}", fake_listener.local_addr().unwrap());
    let fake_for_config = fake.clone();
    let central = CentralProcess::start_logged(
        move |addr| {
            Some(format!(
                r#"
[vipps]
base_url = "{fake_for_config}"
client_id = "demo-client"
client_secret = "demo-secret"
subscription_key = "demo-subscription"
merchant_serial_number = "123456"
webhook_secret = "demo-webhook-secret"

[klarna]
base_url = "{fake_for_config}"
username = "PK_demo"
password = "demo-password"
status_update_url = "http://{addr}/v1/webhooks/klarna/klarna-hemmelighet-0123456789"
shop_url = "https://terjesen.no"

[mail]
smtp_host = "127.0.0.1"
smtp_port = {smtp}
from = "Terjesen Butikk <butikk@terjesen.no>"
starttls = false
"#
            ))
        },
        Some((log.clone(), FILTER.to_string())),
    )
    .unwrap();
    let webhook = format!("{}/v1/webhooks/vipps", central.url());
    let config = skranke_fakepay::FakeConfig::demo(&fake, Some(webhook));
    tokio::spawn(skranke_fakepay::serve(fake_listener, config));

    let (_, order_file) = catalog_and_order(&central, dir.path());
    let mut draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&order_file).unwrap()).unwrap();
    draft["customer"]["name"] = NAME.into();
    draft["customer"]["phone"] = MOBILE.into();
    draft["customer"]["email"] = EMAIL.into();
    draft["customer"]["address"]["line1"] = STREET.into();
    let write = |name: &str, method: &str, email: &str, fnr: &str| {
        let mut d = draft.clone();
        d["payment_method"] = method.into();
        d["customer"]["email"] = email.into();
        d["customer"]["fodselsnummer"] = fnr.into();
        let path = dir.path().join(name);
        std::fs::write(&path, d.to_string()).unwrap();
        path
    };
    let faktura = write("faktura.json", "klarna_faktura", EMAIL, FNR);
    let vipps = write("vipps.json", "vipps", BOUNCING, "");

    let desk = desk(dir.path(), "desk");
    pair(&central, &desk, &central.url());
    desk.ok(&["sync", "now"]).unwrap();
    desk.ok(&["order", "place", faktura.to_str().unwrap()]).unwrap();
    desk.ok(&["order", "place", vipps.to_str().unwrap()]).unwrap();
    desk.ok(&["sync", "now"]).unwrap();

    // Both payment requests reach the providers; the customer pays both.
    until("both requests sent", Duration::from_secs(30), || async {
        one::<i64>(&central, "SELECT count(*) FROM payments WHERE state = 'sent'").await == Some(2)
    })
    .await;
    let session: String = one(
        &central,
        "SELECT provider_id FROM payments WHERE provider = 'klarna'",
    )
    .await
    .unwrap();
    for control in [
        format!("{fake}/_fake/vipps/OSL1-000002-1/approve?user_age=40"),
        format!("{fake}/_fake/klarna/{session}/complete"),
    ] {
        let r = http.post(&control).send().await.unwrap();
        assert!(r.status().is_success(), "{control}: {}", r.status());
    }
    until("both paid or reserved", Duration::from_secs(30), || async {
        one::<i64>(
            &central,
            "SELECT count(*) FROM payments WHERE state IN ('reserved', 'captured')",
        )
        .await
            == Some(2)
    })
    .await;
    // One confirmation sent, one refused by the mail server; corrected and sent again.
    until("the mails", Duration::from_secs(30), || async {
        one::<i64>(
            &central,
            "SELECT count(*) FROM mail_outbox WHERE state <> 'pending'",
        )
        .await
            == Some(2)
    })
    .await;
    desk.ok(&["sync", "now"]).unwrap();
    desk.ok(&["order", "resend-email", "OSL1-000002", "--email", EMAIL])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    until("the corrected mail", Duration::from_secs(30), || async {
        one::<i64>(&central, "SELECT count(*) FROM mail_outbox WHERE state = 'sent'").await == Some(2)
    })
    .await;

    // Shipped (the Vipps reservation captured), a return (refunded once received), documents printed.
    central
        .ok(&[
            "order",
            "set-status",
            "OSL1-000002",
            "sendt",
            "--tracking",
            "70701234567890",
        ])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    desk.ok(&["pdf", "confirmation", "OSL1-000001"]).unwrap();
    desk.ok(&["pdf", "return", "OSL1-000002", "--line", "1:1:angrerett"])
        .unwrap();
    desk.ok(&["sync", "now"]).unwrap();
    // The warehouse has the goods: the refund follows.
    central
        .ok(&["order", "receive-return", "OSL1-000002", "1"])
        .unwrap();
    until("the refund", Duration::from_secs(30), || async {
        one::<i64>(&central, "SELECT count(*) FROM payments WHERE refunded_ore > 0").await == Some(1)
    })
    .await;

    until("the shipping note", Duration::from_secs(30), || async {
        one::<i64>(&central, "SELECT count(*) FROM mail_outbox WHERE state = 'sent'").await == Some(3)
    })
    .await;

    // Issue 17 item 4: the support bundle, made while the desk still holds the customer, carries the
    // desk's log and state and none of them.
    let bundles = dir.path().join("pakker");
    let said = desk
        .ok(&["support-bundle", "--out", bundles.to_str().unwrap()])
        .unwrap();
    assert!(said.contains("databasen er hel"), "{said}");
    let bundle = std::fs::read_dir(&bundles)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bundle_text = read_zip(&bundle);

    // The customer asks what is held, then to be forgotten (F8), at the desk and centrally.
    let export = desk.ok(&["customer", "export", MOBILE]).unwrap();
    assert!(export.contains(NAME) && export.contains(STREET), "{export}");
    central.ok(&["customer", "export", MOBILE]).unwrap();
    desk.ok(&["customer", "forget", MOBILE, "--yes"]).unwrap();
    central.ok(&["customer", "forget", MOBILE, "--yes"]).unwrap();
    assert_eq!(sink.take().len(), 3, "two confirmations and the shipping note");
    drop(central);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines = text.lines().count();
    // The log is a real one: requests, webhooks and the workers are in it.
    for expected in [
        "/v1/push",
        "/v1/webhooks/vipps",
        "/v1/webhooks/klarna",
        "lytter på",
    ] {
        assert!(text.contains(expected), "the log has {expected} ({lines} lines)");
    }
    let digits = MOBILE.replace(' ', "");
    let needles = [
        NAME.to_string(),
        "Personvernsen".into(),
        "personvernsen".into(),
        EMAIL.into(),
        BOUNCING.into(),
        "finnes-ikke".into(),
        STREET.into(),
        "Hemmeligveien".into(),
        MOBILE.into(),
        digits.clone(),
        format!("+47{digits}"),
        format!("47{digits}"),
        FNR.into(),
        format!("{} {}", &FNR[..6], &FNR[6..]),
        "klarna-hemmelighet".into(),
    ];
    let found: Vec<String> = text
        .lines()
        .filter_map(|line| {
            needles
                .iter()
                .find(|n| line.contains(n.as_str()))
                .map(|n| format!("«{n}» in: {line}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "{} of {lines} log lines hold personal data:\n{}",
        found.len(),
        found.join("\n")
    );

    // The bundle is a real one: the desk's state and its log, in which the orders were placed.
    let names: Vec<&str> = bundle_text.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"om-skranken.txt") && names.contains(&"status.json"),
        "{names:?}"
    );
    let logged = bundle_text
        .iter()
        .filter(|(n, _)| n.starts_with("logg/"))
        .map(|(_, t)| t.as_str())
        .collect::<String>();
    assert!(
        logged.contains("ordre plassert") && logged.contains("OSL1-000002"),
        "{names:?}: {logged}"
    );
    let status = &bundle_text.iter().find(|(n, _)| n == "status.json").unwrap().1;
    let status: serde_json::Value = serde_json::from_str(status).unwrap();
    assert_eq!(status["integrity_check"], serde_json::json!(["ok"]));
    assert_eq!(status["orders"], 2);
    assert!(status["schema_version"].as_i64().unwrap() >= 10, "{status}");
    let in_bundle: Vec<String> = bundle_text
        .iter()
        .flat_map(|(name, text)| {
            text.lines()
                .filter_map(|line| {
                    needles
                        .iter()
                        .find(|n| line.contains(n.as_str()))
                        .map(|n| format!("«{n}» in {name}: {line}"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        in_bundle.is_empty(),
        "the support bundle holds personal data:\n{}",
        in_bundle.join("\n")
    );

    // The desk writes no log of its own beside its database and documents.
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(&desk.data_dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !(name.starts_with("desk.sqlite3") || name == "dokumenter") {
            stray.push(name);
        }
    }
    assert!(stray.is_empty(), "unexpected files in the data folder: {stray:?}");
}
