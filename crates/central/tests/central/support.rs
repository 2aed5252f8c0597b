//! The test harness: a fresh database per test on the shared throwaway PostgreSQL (or DATABASE_URL's
//! server), the real router on a free port, and a plain HTTP client.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use skranke_central::feed_import::{import_products, Completeness};
use skranke_core::{Product, ShopPolicy, ValidOrder};
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
}

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
        let app = skranke_central::router(skranke_central::AppState {
            pool: pool.clone(),
            admin_token_sha256: Some(skranke_protocol::payload_sha256(ADMIN_TOKEN.as_bytes())),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestServer {
            _postgres: postgres,
            base,
            pool,
            http: reqwest::Client::new(),
            database_url,
        }
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
    let draft = skranke_demo::phone_order(products, 2);
    skranke_core::order::validate_order(
        &draft,
        |sku| products.iter().find(|p| p.sku == sku).cloned(),
        today().and_hms_opt(10, 0, 0).unwrap(),
        &ShopPolicy::default(),
    )
    .unwrap()
}

pub fn order_placed(number: &str, order: &ValidOrder) -> OrderPlaced {
    OrderPlaced {
        order_id: Uuid::now_v7(),
        order_number: number.to_string(),
        customer_id: Uuid::now_v7(),
        placed_at_utc: at(),
        order: order.clone(),
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
    }
}
