//! Fake Vipps ePayment and Klarna (Payments, Hosted Payment Page, Order Management) servers that
//! answer in the providers' own shapes, plus `/_fake/...` controls that play the customer.
//!
//! They check what the real servers check where a mistake of ours would show (amounts in øre adding
//! up, MVA per line, reference format, a mobile number for a push, idempotency keys), keep a log of
//! every request for tests to count, and deliver webhooks synchronously from the control call, so a
//! test knows the central store has answered the webhook when the control call returns.

mod customer;
mod klarna;
mod vipps;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who the fake accepts, and where it sends webhooks.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub vipps_client_id: String,
    pub vipps_client_secret: String,
    pub vipps_subscription_key: String,
    pub vipps_msn: String,
    /// Where Vipps webhooks go (the central store's `/v1/webhooks/vipps`), if registered.
    pub vipps_webhook_url: Option<String>,
    pub vipps_webhook_secret: String,
    pub klarna_username: String,
    pub klarna_password: String,
    /// The fake's own address, for the links it hands out.
    pub public_url: String,
}

impl FakeConfig {
    /// The credentials tests and the demo use on both sides.
    pub fn demo(public_url: &str, vipps_webhook_url: Option<String>) -> FakeConfig {
        FakeConfig {
            vipps_client_id: "demo-client".into(),
            vipps_client_secret: "demo-secret".into(),
            vipps_subscription_key: "demo-subscription".into(),
            vipps_msn: "123456".into(),
            vipps_webhook_url,
            vipps_webhook_secret: "demo-webhook-secret".into(),
            klarna_username: "PK_demo".into(),
            klarna_password: "demo-password".into(),
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The answer's status.
    pub status: u16,
}

/// A Vipps payment as the fake holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FakeVippsPayment {
    pub reference: String,
    pub phone: String,
    pub amount: i64,
    pub minimum_user_age: Option<u32>,
    pub state: String,
    pub captured: i64,
    pub refunded: i64,
    /// Released by a cancel after authorisation (`aggregate.cancelledAmount`).
    pub cancelled: i64,
    /// The customer has opened the payment in the app and is approving it: Vipps refuses a cancel
    /// now ("Cannot cancel pending").
    pub authorizing: bool,
    /// Push messages sent to the phone: one per created payment, never two.
    pub pushes: u32,
    pub request: Value,
}

/// A Klarna HPP session and its KP session's body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FakeKlarnaSession {
    pub session_id: String,
    pub kp_session: Value,
    pub status_update_url: String,
    pub place_order_mode: String,
    pub categories: Vec<String>,
    pub status: String,
    pub order_id: Option<String>,
    pub captured: i64,
    pub refunded: i64,
    /// SMS and e-mails with the link: `sms:+4791234567` or `email:kari@example.no`.
    pub distributions: Vec<String>,
    /// When Klarna gives up on the session; after it, reading the session answers 404.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Klarna's order is cancelled (Order Management `cancel`).
    pub order_cancelled: bool,
    /// What `release-remaining-authorization` gave back after a capture of less than the order.
    #[serde(default)]
    pub released: i64,
    /// Captures and refunds as sent: `{"kind": "capture"|"refund", "body": ...}`.
    pub operations: Vec<Value>,
}

/// Everything the fake knows; `GET /_fake/log` returns it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct FakeLog {
    pub requests: Vec<LoggedRequest>,
    pub vipps: HashMap<String, FakeVippsPayment>,
    pub klarna_kp: HashMap<String, Value>,
    pub klarna: HashMap<String, FakeKlarnaSession>,
    /// Webhooks delivered: (url, body, the receiver's status).
    pub webhooks: Vec<(String, Value, u16)>,
    /// Paths whose next answer is lost: the fake acts, then answers 504 as a gateway that timed out.
    pub lose_next: Vec<String>,
    #[serde(skip)]
    idempotent: HashMap<String, (u16, Value)>,
}

#[derive(Debug, Clone)]
struct Fake {
    config: Arc<FakeConfig>,
    log: Arc<Mutex<FakeLog>>,
    http: reqwest::Client,
}

impl Fake {
    fn log(&self) -> MutexGuard<'_, FakeLog> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The fake's routes.
pub fn router(config: FakeConfig) -> Router {
    let fake = Fake {
        config: Arc::new(config),
        log: Arc::new(Mutex::new(FakeLog::default())),
        http: reqwest::Client::new(),
    };
    Router::new()
        .route("/accesstoken/get", post(vipps::token))
        .route("/epayment/v1/payments", post(vipps::create))
        .route("/epayment/v1/payments/{reference}", get(vipps::get))
        .route("/epayment/v1/payments/{reference}/{action}", post(vipps::modify))
        .route("/payments/v1/sessions", post(klarna::kp_create))
        .route("/hpp/v1/sessions", post(klarna::hpp_create))
        .route(
            "/hpp/v1/sessions/{id}",
            delete(klarna::hpp_disable).get(klarna::hpp_read),
        )
        .route("/hpp/v1/sessions/{id}/distribution", post(klarna::distribute))
        .route(
            "/ordermanagement/v1/orders/{id}/{action}",
            post(klarna::order_modify),
        )
        .route("/_fake/log", get(fake_log))
        .route("/_fake/lose-next", post(lose_next))
        .route(
            "/_fake/vipps/{reference}/webhook",
            post(customer::vipps_webhook_only),
        )
        .route(
            "/_fake/vipps/{reference}/{outcome}",
            post(customer::vipps_outcome),
        )
        .route("/_fake/klarna/{id}/{outcome}", post(customer::klarna_outcome))
        .with_state(fake)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn reply(
    fake: &Fake,
    method: &str,
    path: &str,
    key: Option<&str>,
    (status, body): (StatusCode, Value),
) -> Response {
    let (status, body) = {
        let mut log = fake.log();
        let lost = log.lose_next.iter().position(|p| path.contains(p.as_str()));
        let answer = match lost {
            // The work is done; only the answer is lost on the way back.
            Some(i) => {
                log.lose_next.remove(i);
                (StatusCode::GATEWAY_TIMEOUT, Value::Null)
            }
            None => (status, body),
        };
        log.requests.push(LoggedRequest {
            method: method.into(),
            path: path.into(),
            idempotency_key: key.map(str::to_string),
            status: answer.0.as_u16(),
        });
        answer
    };
    if body.is_null() {
        return status.into_response();
    }
    (status, Json(body)).into_response()
}

/// Runs `f` once per idempotency key: a retry with the same key gets the first answer.
fn idempotent(
    fake: &Fake,
    key: Option<&str>,
    scope: &str,
    f: impl FnOnce(&mut FakeLog) -> (StatusCode, Value),
) -> (StatusCode, Value) {
    let mut log = fake.log();
    let Some(key) = key else {
        return f(&mut log);
    };
    let full = format!("{scope}:{key}");
    if let Some((status, body)) = log.idempotent.get(&full) {
        return (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            body.clone(),
        );
    }
    let answer = f(&mut log);
    if answer.0.is_success() {
        log.idempotent.insert(full, (answer.0.as_u16(), answer.1.clone()));
    }
    answer
}

async fn fake_log(State(fake): State<Fake>) -> Json<FakeLog> {
    Json(fake.log().clone())
}

#[derive(Debug, Deserialize)]
struct LoseNext {
    /// A part of the path, such as `/payments/v1/sessions` or `/distribution`.
    path: String,
}

/// The next request whose path contains `path` is carried out and its answer lost.
async fn lose_next(
    State(fake): State<Fake>,
    axum::extract::Query(q): axum::extract::Query<LoseNext>,
) -> StatusCode {
    fake.log().lose_next.push(q.path);
    StatusCode::NO_CONTENT
}

/// Serves the fake on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, config: FakeConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}
