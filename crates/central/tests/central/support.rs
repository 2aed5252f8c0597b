//! The test harness: a fresh database per test on the shared throwaway PostgreSQL (or DATABASE_URL's
//! server), the real router on a free port, and a plain HTTP client.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use skranke_central::feed_import::{import_products, Completeness};
use skranke_central::integrations::Integrations;
use skranke_central::mail::{MailConfig, Mailer};
use skranke_core::{Product, ShopPolicy, ValidOrder};
use skranke_fakepay::FakeConfig;
use skranke_payments::{KlarnaClient, KlarnaConfig, VippsClient, VippsConfig};
use skranke_protocol::{Mutation, MutationKind, OrderPlaced, PairRequest, PairResponse, PushRequest};
use sqlx::PgPool;
use uuid::Uuid;

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct TestServer {
    /// Dropped last: stops the test's own PostgreSQL.
    _postgres: skranke_testpg::TestServer,
    pub base: String,
    pub pool: PgPool,
    pub http: reqwest::Client,
    pub database_url: String,
    pub state: skranke_central::AppState,
    /// The fake providers' address, when started with them.
    pub fake: Option<String>,
}

/// The central store's clients, configured against the fake at `fake` with its demo credentials.
pub fn provider_integrations(fake: &str, central: &str, config: &FakeConfig) -> Integrations {
    let http = reqwest::Client::new();
    Integrations {
        vipps: Some(VippsClient::new(
            VippsConfig {
                base_url: fake.to_string(),
                client_id: config.vipps_client_id.clone(),
                client_secret: config.vipps_client_secret.clone(),
                subscription_key: config.vipps_subscription_key.clone(),
                merchant_serial_number: config.vipps_msn.clone(),
                webhook_secret: config.vipps_webhook_secret.clone(),
                push_expiry_minutes: 10,
            },
            http.clone(),
        )),
        klarna: Some(KlarnaClient::new(
            KlarnaConfig {
                base_url: fake.to_string(),
                username: config.klarna_username.clone(),
                password: config.klarna_password.clone(),
                status_update_url: format!("{central}/v1/webhooks/klarna/{KLARNA_SECRET}"),
                shop_url: "https://terjesen.no".into(),
            },
            http,
        )),
        klarna_webhook_secret: Some(KLARNA_SECRET.into()),
        mailer: None,
        policy: ShopPolicy::default(),
    }
}

pub const KLARNA_SECRET: &str = "klarna-test-secret";

pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(false, None).await
    }

    /// With Vipps and Klarna pointed at a fake of each (in this process), and mail at `smtp` if given.
    pub async fn start_with_providers(smtp: Option<u16>) -> TestServer {
        TestServer::start_with(true, smtp).await
    }

    async fn start_with(providers: bool, smtp: Option<u16>) -> TestServer {
        let postgres = skranke_testpg::TestServer::start().unwrap();
        let server = postgres.url.clone();
        let name = format!("t_{}", Uuid::new_v4().simple());
        let admin = PgPool::connect(&server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let database_url = skranke_testpg::with_database(&server, &name);
        let pool = skranke_central::connect(&database_url, 10).await.unwrap();
        skranke_central::migrate(&pool).await.unwrap();
        for (id, store) in [("OSL", "Skranke Oslo"), ("BRG", "Skranke Bergen")] {
            skranke_central::pairing::add_store(&pool, id, store)
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut integrations = Integrations::default();
        let mut fake = None;
        if providers {
            let fake_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let fake_url = format!("http://{}", fake_listener.local_addr().unwrap());
            let config = FakeConfig::demo(&fake_url, Some(format!("{base}/v1/webhooks/vipps")));
            integrations = provider_integrations(&fake_url, &base, &config);
            tokio::spawn(skranke_fakepay::serve(fake_listener, config));
            fake = Some(fake_url);
        }
        if let Some(port) = smtp {
            integrations.mailer = Some(
                Mailer::new(&MailConfig {
                    smtp_host: "127.0.0.1".into(),
                    smtp_port: port,
                    from: "Terjesen Butikk <butikk@terjesen.no>".into(),
                    starttls: false,
                    username: None,
                    password: None,
                })
                .unwrap(),
            );
        }
        let state = skranke_central::AppState::with_integrations(
            pool.clone(),
            Some(skranke_protocol::payload_sha256(ADMIN_TOKEN.as_bytes())),
            integrations,
        );
        let app = skranke_central::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestServer {
            _postgres: postgres,
            base,
            pool,
            http: reqwest::Client::new(),
            database_url,
            state,
            fake,
        }
    }

    /// Works every due payment job and mail now (what the background loop does every second).
    pub async fn work_outboxes(&self) -> usize {
        let now = Utc::now();
        skranke_central::payment_jobs::run_due_payment_jobs(&self.pool, &self.state.integrations, now)
            .await
            .unwrap()
            + skranke_central::mail::run_due_mail(&self.pool, &self.state.integrations, now)
                .await
                .unwrap()
    }

    /// Polls the providers about open requests as the background loop would at `now`.
    pub async fn poll_payments_at(&self, now: chrono::DateTime<Utc>) -> usize {
        skranke_central::payment_polling::poll_open_payments(&self.pool, &self.state.integrations, now)
            .await
            .unwrap()
    }

    /// The fake carries out the next request whose path contains `path`, and loses its answer.
    pub async fn lose_next_answer(&self, path: &str) {
        let url = format!("{}/_fake/lose-next", self.fake.as_ref().unwrap());
        let r = self.http.post(url).query(&[("path", path)]).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    /// Makes every waiting retry due at once, so a test does not wait for the backoff.
    pub async fn make_retries_due(&self) {
        sqlx::query(
            "UPDATE payment_jobs SET next_attempt_at = now() - interval '1 second' WHERE done_at IS NULL",
        )
        .execute(&self.pool)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE mail_outbox SET next_attempt_at = now() - interval '1 second' WHERE state = 'pending'",
        )
        .execute(&self.pool)
        .await
        .unwrap();
    }

    /// The fake providers' log.
    pub async fn fake_log(&self) -> serde_json::Value {
        let url = format!("{}/_fake/log", self.fake.as_ref().unwrap());
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }

    /// Plays the customer at the fake: `/_fake/vipps/{reference}/approve?...` and the like.
    pub async fn fake_control(&self, path: &str) -> serde_json::Value {
        let url = format!("{}/_fake/{path}", self.fake.as_ref().unwrap());
        let r = self.http.post(url).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn code(&self, store: &str) -> String {
        skranke_central::pairing::create_code(&self.pool, store, Duration::minutes(60), Utc::now())
            .await
            .unwrap()
    }

    pub async fn pair(&self, store: &str) -> PairResponse {
        let code = self.code(store).await;
        let reply = self
            .post_json(
                "/v1/pair",
                None,
                &PairRequest {
                    code,
                    device_name: "Kasse 1".into(),
                    previous_series: None,
                },
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        serde_json::from_value(reply.body).unwrap()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &impl Serialize) -> Reply {
        self.post_raw(path, token, serde_json::to_vec(body).unwrap())
            .await
    }

    /// Pushes `mutations` as `desk`, with its own token.
    pub async fn push(&self, desk: &PairResponse, mutations: Vec<Mutation>) -> Reply {
        self.post_json("/v1/push", Some(&desk.token), &push_body(desk, mutations))
            .await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Every row count a refused request must leave alone.
    pub async fn counts(&self) -> Vec<i64> {
        let mut all = Vec::new();
        for t in [
            "devices",
            "pairing_codes",
            "orders",
            "customers",
            "returns",
            "mutations",
            "order_status_history",
        ] {
            all.push(self.count(t).await);
        }
        all.push(
            sqlx::query_scalar("SELECT coalesce(sum(last_seq), 0)::bigint FROM devices")
                .fetch_one(&self.pool)
                .await
                .unwrap(),
        );
        all
    }

    pub async fn import(&self, products: &[Product]) {
        import_products(&self.pool, products, Completeness::Complete, Utc::now())
            .await
            .unwrap();
    }
}

async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::String(
        String::from_utf8_lossy(&bytes).into_owned(),
    ));
    Reply { status, body }
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn catalog(n: usize) -> Vec<Product> {
    skranke_demo::products(n, 7, Utc::now(), today()).collect()
}

/// An order the desk rules accept, for the given catalog lines (quantity 2 each).
pub fn valid_order(products: &[Product]) -> ValidOrder {
    valid_order_with(products, |_| {})
}

/// The same order with the draft changed first (another payment method, an e-mail address), so the
/// order is still one core accepted. Credit methods get an adult's fødselsnummer (P2, P3).
pub fn valid_order_with(
    products: &[Product],
    edit: impl FnOnce(&mut skranke_core::OrderDraft),
) -> ValidOrder {
    let mut draft = skranke_demo::phone_order(products, 2);
    edit(&mut draft);
    if skranke_core::PaymentMethod::from_code(&draft.payment_method).is_some_and(|m| m.is_credit())
        && draft.customer.fodselsnummer.is_empty()
    {
        draft.customer.fodselsnummer = "15839649859".into();
    }
    skranke_core::order::validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap()
}

/// An order paid with `method`, for the given catalog lines.
pub fn order_paid_with(products: &[Product], method: skranke_core::PaymentMethod) -> ValidOrder {
    valid_order_with(products, |d| d.payment_method = method.code().into())
}

/// A return core accepts for `order` with nothing returned before: `(line_no, quantity)` each, for
/// angrerett. Built through core, as a desk builds it.
pub fn valid_return(order: &ValidOrder, lines: &[(u32, u32)]) -> skranke_core::ValidReturn {
    let draft = skranke_core::ReturnDraft {
        lines: lines
            .iter()
            .map(
                |&(line_no, quantity)| skranke_core::return_request::ReturnLineDraft {
                    line_no,
                    quantity: i64::from(quantity),
                    reason: "angrerett".into(),
                },
            )
            .collect(),
        ..Default::default()
    };
    skranke_core::return_request::validate_return(&order.lines, &vec![0; order.lines.len()], &draft).unwrap()
}

/// An `order_placed` payload as a broken or hostile desk could send it: the JSON of a real one, edited
/// (a `ValidOrder` itself cannot be changed outside core).
pub fn tampered(placed: &OrderPlaced, edit: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut json = serde_json::to_value(placed).unwrap();
    edit(&mut json);
    json
}

pub fn order_placed(number: &str, order: &ValidOrder) -> OrderPlaced {
    OrderPlaced {
        order_id: Uuid::now_v7(),
        order_number: number.to_string(),
        customer_id: Uuid::now_v7(),
        placed_at_utc: at(),
        order: order.clone(),
        clock_offset_ms: None,
    }
}

pub fn at() -> DateTime<Utc> {
    today().and_hms_opt(9, 0, 0).unwrap().and_utc()
}

pub fn mutation(seq: i64, kind: MutationKind, payload: &impl Serialize) -> Mutation {
    Mutation::new(seq, Uuid::now_v7(), kind, serde_json::to_string(payload).unwrap()).unwrap()
}

/// A push request, serialised as the desk does: each payload's text exactly as hashed.
pub fn push_body(device: &PairResponse, mutations: Vec<Mutation>) -> PushRequest {
    PushRequest {
        device_id: device.device_id,
        mutations,
        queue: None,
        desk_time: None,
    }
}

/// The text of a PDF as pdftotext reads it (with its layout).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vedlegg.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}
