//! Fake Vipps ePayment and Klarna (Payments, Hosted Payment Page, Order Management) servers that
//! answer in the providers' own shapes, plus `/_fake/...` controls that play the customer.
//!
//! They check what the real servers check where a mistake of ours would show (amounts in øre adding
//! up, MVA per line, reference format, a mobile number for a push, idempotency keys), keep a log of
//! every request for tests to count, and deliver webhooks synchronously from the control call, so a
//! test knows the central store has answered the webhook when the control call returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use skranke_payments::sign_vipps_webhook;

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
        .route("/accesstoken/get", post(vipps_token))
        .route("/epayment/v1/payments", post(vipps_create))
        .route("/epayment/v1/payments/{reference}", get(vipps_get))
        .route("/epayment/v1/payments/{reference}/{action}", post(vipps_modify))
        .route("/payments/v1/sessions", post(klarna_kp_create))
        .route("/hpp/v1/sessions", post(klarna_hpp_create))
        .route("/hpp/v1/sessions/{id}", delete(klarna_hpp_disable))
        .route("/hpp/v1/sessions/{id}/distribution", post(klarna_distribute))
        .route(
            "/ordermanagement/v1/orders/{id}/{action}",
            post(klarna_order_modify),
        )
        .route("/_fake/log", get(fake_log))
        .route("/_fake/vipps/{reference}/{outcome}", post(fake_vipps_outcome))
        .route("/_fake/klarna/{id}/{outcome}", post(fake_klarna_outcome))
        .with_state(fake)
}

/// Vipps' error shape (RFC 7807 problem details).
fn problem(status: StatusCode, title: &str, detail: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors", "title": title,
               "status": status.as_u16(), "detail": detail, "instance": "/", "traceId": uuid::Uuid::new_v4().to_string()}),
    )
}

/// Klarna's error shape.
fn klarna_error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"error_code": code, "error_messages": [message], "correlation_id": uuid::Uuid::new_v4().to_string()}),
    )
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
    fake.log().requests.push(LoggedRequest {
        method: method.into(),
        path: path.into(),
        idempotency_key: key.map(str::to_string),
        status: status.as_u16(),
    });
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

fn vipps_authorised(fake: &Fake, headers: &HeaderMap) -> bool {
    header(headers, "authorization") == Some("Bearer fake-vipps-token")
        && header(headers, "ocp-apim-subscription-key") == Some(fake.config.vipps_subscription_key.as_str())
        && header(headers, "merchant-serial-number") == Some(fake.config.vipps_msn.as_str())
}

/// What Vipps answers a modifying call without a valid token or without an Idempotency-Key.
fn vipps_refusal(fake: &Fake, headers: &HeaderMap, key: Option<&str>) -> Option<(StatusCode, Value)> {
    if !vipps_authorised(fake, headers) {
        return Some(problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Missing or wrong access token",
        ));
    }
    key.is_none().then(|| {
        problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Idempotency-Key header is required",
        )
    })
}

async fn vipps_token(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    let ok = header(&headers, "client_id") == Some(fake.config.vipps_client_id.as_str())
        && header(&headers, "client_secret") == Some(fake.config.vipps_client_secret.as_str());
    let answer = if ok {
        (
            StatusCode::OK,
            json!({"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599",
                   "access_token": "fake-vipps-token"}),
        )
    } else {
        problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid client_id or client_secret",
        )
    };
    reply(&fake, "POST", "/accesstoken/get", None, answer)
}

fn reference_ok(reference: &str) -> bool {
    (8..=64).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `47` followed by a Norwegian mobile number (4xxxxxxx or 9xxxxxxx).
fn norwegian_mobile(msisdn: &str) -> bool {
    msisdn.len() == 10
        && msisdn.starts_with("47")
        && msisdn.bytes().all(|b| b.is_ascii_digit())
        && matches!(msisdn.as_bytes()[2], b'4' | b'9')
}

async fn vipps_create(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let key = header(&headers, "idempotency-key").map(str::to_string);
    let answer = if let Some(refused) = vipps_refusal(&fake, &headers, key.as_deref()) {
        refused
    } else {
        idempotent(&fake, key.as_deref(), "vipps-create", |log| {
            vipps_create_in(log, &body)
        })
    };
    reply(&fake, "POST", "/epayment/v1/payments", key.as_deref(), answer)
}

fn vipps_create_in(log: &mut FakeLog, body: &Value) -> (StatusCode, Value) {
    let reference = body["reference"].as_str().unwrap_or_default().to_string();
    let amount = body["amount"]["value"].as_i64().unwrap_or(0);
    let phone = body["customer"]["phoneNumber"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !reference_ok(&reference) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "reference must match ^[a-zA-Z0-9-]{8,64}$",
        );
    }
    if body["amount"]["currency"] != "NOK" || amount <= 0 {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "amount.value must be a positive number of øre in NOK",
        );
    }
    if body["userFlow"] == "PUSH_MESSAGE" && !norwegian_mobile(&phone) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "customer.phoneNumber must be a mobile number for PUSH_MESSAGE",
        );
    }
    if log.vipps.contains_key(&reference) {
        return problem(
            StatusCode::CONFLICT,
            "Conflict",
            "reference has already been used",
        );
    }
    log.vipps.insert(
        reference.clone(),
        FakeVippsPayment {
            reference: reference.clone(),
            phone,
            amount,
            minimum_user_age: body["minimumUserAge"]
                .as_u64()
                .and_then(|a| u32::try_from(a).ok()),
            state: "CREATED".into(),
            captured: 0,
            refunded: 0,
            pushes: 1,
            request: body.clone(),
        },
    );
    // PUSH_MESSAGE: no redirectUrl.
    (StatusCode::CREATED, json!({"reference": reference}))
}

fn vipps_view(p: &FakeVippsPayment) -> Value {
    json!({"reference": p.reference, "state": p.state, "amount": {"currency": "NOK", "value": p.amount},
           "aggregate": {"authorizedAmount": {"currency": "NOK", "value": if p.state == "AUTHORIZED" { p.amount } else { 0 }},
                         "capturedAmount": {"currency": "NOK", "value": p.captured},
                         "refundedAmount": {"currency": "NOK", "value": p.refunded},
                         "cancelledAmount": {"currency": "NOK", "value": 0}},
           "paymentMethod": {"type": "WALLET"}, "pspReference": format!("psp-{}", p.reference)})
}

async fn vipps_get(State(fake): State<Fake>, headers: HeaderMap, Path(reference): Path<String>) -> Response {
    let answer = if !vipps_authorised(&fake, &headers) {
        problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Missing or wrong access token",
        )
    } else {
        match fake.log().vipps.get(&reference) {
            Some(p) => (StatusCode::OK, vipps_view(p)),
            None => problem(
                StatusCode::NOT_FOUND,
                "Not Found",
                "No payment with this reference",
            ),
        }
    };
    reply(
        &fake,
        "GET",
        &format!("/epayment/v1/payments/{reference}"),
        None,
        answer,
    )
}

async fn vipps_modify(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((reference, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "idempotency-key").map(str::to_string);
    let path = format!("/epayment/v1/payments/{reference}/{action}");
    let mut event = None;
    let answer = if let Some(refused) = vipps_refusal(&fake, &headers, key.as_deref()) {
        refused
    } else {
        idempotent(&fake, key.as_deref(), &path, |log| {
            let Some(p) = log.vipps.get_mut(&reference) else {
                return problem(
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    "No payment with this reference",
                );
            };
            let amount = body["modificationAmount"]["value"].as_i64().unwrap_or(0);
            match action.as_str() {
                "capture" if p.state == "AUTHORIZED" && amount > 0 && p.captured + amount <= p.amount => {
                    p.captured += amount;
                    event = Some(("CAPTURED", amount));
                }
                "refund" if amount > 0 && p.refunded + amount <= p.captured => {
                    p.refunded += amount;
                    event = Some(("REFUNDED", amount));
                }
                "cancel" if p.captured == 0 && matches!(p.state.as_str(), "CREATED" | "AUTHORIZED") => {
                    p.state = "TERMINATED".into();
                    event = Some(("CANCELLED", p.amount));
                }
                "capture" | "refund" | "cancel" => {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        "Bad Request",
                        &format!("Cannot {action} a payment in state {}", p.state),
                    )
                }
                _ => return problem(StatusCode::NOT_FOUND, "Not Found", "Unknown operation"),
            }
            (StatusCode::OK, vipps_view(p))
        })
    };
    let response = reply(&fake, "POST", &path, key.as_deref(), answer);
    if let Some((name, amount)) = event {
        // After the answer, as Vipps does: the caller may hold locks until it has its answer.
        tokio::spawn(async move { send_vipps_webhook(&fake, &reference, name, amount, false).await });
    }
    response
}

async fn send_vipps_webhook(fake: &Fake, reference: &str, name: &str, amount: i64, twice: bool) -> Vec<u16> {
    let Some(url) = fake.config.vipps_webhook_url.clone() else {
        return Vec::new();
    };
    let body = json!({
        "msn": fake.config.vipps_msn, "reference": reference,
        "pspReference": format!("psp-{reference}-{name}"), "name": name,
        "amount": {"currency": "NOK", "value": amount},
        "timestamp": chrono::Utc::now().to_rfc3339(), "idempotencyKey": null, "success": true,
    });
    let bytes = body.to_string().into_bytes();
    let (host, path) = split_url(&url);
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let signature = sign_vipps_webhook(&fake.config.vipps_webhook_secret, &path, &host, &date, &bytes);
    let mut statuses = Vec::new();
    for _ in 0..if twice { 2 } else { 1 } {
        let status = fake
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("x-ms-date", &signature.date)
            .header("x-ms-content-sha256", &signature.content_sha256)
            .header("authorization", &signature.authorization)
            .body(bytes.clone())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        fake.log().webhooks.push((url.clone(), body.clone(), status));
        statuses.push(status);
    }
    statuses
}

/// `http://host:port/path?q` → (`host:port`, `/path?q`).
fn split_url(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

fn klarna_authorised(fake: &Fake, headers: &HeaderMap) -> bool {
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            fake.config.klarna_username, fake.config.klarna_password
        ))
    );
    header(headers, "authorization") == Some(expected.as_str())
}

/// What Klarna checks in a KP session's amounts: each line's total, each line's tax within an øre of
/// its own rate, and the order's sums.
fn klarna_check_amounts(body: &Value) -> Result<(), String> {
    if body["purchase_country"] != "NO" || body["purchase_currency"] != "NOK" {
        return Err("purchase_country must be NO and purchase_currency NOK".into());
    }
    let lines = body["order_lines"].as_array().ok_or("order_lines is required")?;
    let (mut amount, mut tax) = (0i64, 0i64);
    for (i, l) in lines.iter().enumerate() {
        let total = l["total_amount"]
            .as_i64()
            .ok_or(format!("order_lines[{i}].total_amount"))?;
        let unit = l["unit_price"].as_i64().unwrap_or(0);
        let quantity = l["quantity"].as_i64().unwrap_or(0);
        let discount = l["total_discount_amount"].as_i64().unwrap_or(0);
        if unit * quantity - discount != total {
            return Err(format!("order_lines[{i}].total_amount"));
        }
        let rate = i128::from(l["tax_rate"].as_i64().unwrap_or(0));
        let line_tax = l["total_tax_amount"].as_i64().unwrap_or(0);
        let excl = (2 * i128::from(total) * 10_000 + 10_000 + rate) / (2 * (10_000 + rate));
        if (i128::from(total) - excl - i128::from(line_tax)).abs() > 1 {
            return Err(format!("order_lines[{i}].total_tax_amount"));
        }
        amount += total;
        tax += line_tax;
    }
    if body["order_amount"].as_i64() != Some(amount) {
        return Err("order_amount".into());
    }
    if body["order_tax_amount"].as_i64() != Some(tax) {
        return Err("order_tax_amount".into());
    }
    Ok(())
}

async fn klarna_kp_create(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let key = header(&headers, "klarna-idempotency-key").map(str::to_string);
    let answer = if !klarna_authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        idempotent(&fake, key.as_deref(), "kp", |log| {
            match klarna_check_amounts(&body) {
                Err(field) => klarna_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_VALUE",
                    &format!("Bad value: {field}"),
                ),
                Ok(()) => {
                    let id = uuid::Uuid::new_v4().to_string();
                    log.klarna_kp.insert(id.clone(), body.clone());
                    (
                        StatusCode::OK,
                        json!({"session_id": id, "client_token": "fake-client-token",
                           "payment_method_categories": [{"identifier": "pay_later", "name": "Betal om 30 dager"},
                                                         {"identifier": "pay_over_time", "name": "Delbetaling"},
                                                         {"identifier": "pay_now", "name": "Betal nå"}]}),
                    )
                }
            }
        })
    };
    reply(&fake, "POST", "/payments/v1/sessions", key.as_deref(), answer)
}

async fn klarna_hpp_create(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "klarna-idempotency-key").map(str::to_string);
    let public = fake.config.public_url.clone();
    let answer = if !klarna_authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        idempotent(&fake, key.as_deref(), "hpp", |log| {
            let kp_url = body["payment_session_url"].as_str().unwrap_or_default();
            let kp_id = kp_url.rsplit('/').next().unwrap_or_default();
            let Some(kp) = log.klarna_kp.get(kp_id).cloned() else {
                return klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", "payment_session_url");
            };
            let Some(status_update) = body["merchant_urls"]["status_update"].as_str() else {
                return klarna_error(
                    StatusCode::BAD_REQUEST,
                    "BAD_VALUE",
                    "merchant_urls.status_update",
                );
            };
            let id = uuid::Uuid::new_v4().to_string();
            log.klarna.insert(
                id.clone(),
                FakeKlarnaSession {
                    session_id: id.clone(),
                    kp_session: kp,
                    status_update_url: status_update.to_string(),
                    place_order_mode: body["options"]["place_order_mode"]
                        .as_str()
                        .unwrap_or("NONE")
                        .into(),
                    categories: body["options"]["payment_method_categories"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
                        .unwrap_or_default(),
                    status: "WAITING".into(),
                    order_id: None,
                    captured: 0,
                    refunded: 0,
                    distributions: Vec::new(),
                },
            );
            (
                StatusCode::CREATED,
                json!({"session_id": id, "session_url": format!("{public}/hpp/v1/sessions/{id}"),
                       "redirect_url": format!("{public}/betal/{id}"),
                       "qr_code_url": format!("{public}/betal/{id}/qr"),
                       "distribution_url": format!("{public}/hpp/v1/sessions/{id}/distribution"),
                       "expires_at": (chrono::Utc::now() + chrono::Duration::hours(47)).to_rfc3339(),
                       "distribution_module": {"token": "fake", "standalone_url": format!("{public}/betal/{id}")}}),
            )
        })
    };
    reply(&fake, "POST", "/hpp/v1/sessions", key.as_deref(), answer)
}

async fn klarna_distribute(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "klarna-idempotency-key").map(str::to_string);
    let answer = if !klarna_authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        idempotent(&fake, key.as_deref(), "distribute", |log| {
            let Some(session) = log.klarna.get_mut(&id) else {
                return klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Session not found");
            };
            let contact = &body["contact_information"];
            let to = match body["method"].as_str() {
                Some("sms") if contact["phone_country"] == "NO" => {
                    contact["phone"].as_str().map(|p| format!("sms:{p}"))
                }
                Some("email") => contact["email"]
                    .as_str()
                    .filter(|e| e.contains('@'))
                    .map(|e| format!("email:{e}")),
                _ => None,
            };
            match to {
                Some(to) => {
                    session.distributions.push(to);
                    (StatusCode::OK, Value::Null)
                }
                None => klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", "contact_information"),
            }
        })
    };
    reply(
        &fake,
        "POST",
        &format!("/hpp/v1/sessions/{id}/distribution"),
        key.as_deref(),
        answer,
    )
}

async fn klarna_hpp_disable(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = if !klarna_authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        match fake.log().klarna.get_mut(&id) {
            Some(s) if s.status != "COMPLETED" => {
                s.status = "DISABLED".into();
                (StatusCode::NO_CONTENT, Value::Null)
            }
            Some(_) => klarna_error(StatusCode::BAD_REQUEST, "NOT_ALLOWED", "Session is completed"),
            None => klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Session not found"),
        }
    };
    reply(&fake, "DELETE", &format!("/hpp/v1/sessions/{id}"), None, answer)
}

async fn klarna_order_modify(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((order_id, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "klarna-idempotency-key").map(str::to_string);
    let path = format!("/ordermanagement/v1/orders/{order_id}/{action}");
    let answer = if !klarna_authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        idempotent(&fake, key.as_deref(), &path, |log| {
            let Some(s) = log
                .klarna
                .values_mut()
                .find(|s| s.order_id.as_deref() == Some(order_id.as_str()))
            else {
                return klarna_error(StatusCode::NOT_FOUND, "NO_SUCH_ORDER", "Order not found");
            };
            let total = s.kp_session["order_amount"].as_i64().unwrap_or(0);
            match action.as_str() {
                "captures" => {
                    let amount = body["captured_amount"].as_i64().unwrap_or(0);
                    if amount <= 0 || s.captured + amount > total {
                        return klarna_error(
                            StatusCode::FORBIDDEN,
                            "CAPTURE_NOT_ALLOWED",
                            "Amount exceeds remaining",
                        );
                    }
                    s.captured += amount;
                }
                "refunds" => {
                    let amount = body["refunded_amount"].as_i64().unwrap_or(0);
                    if amount <= 0 || s.refunded + amount > s.captured {
                        return klarna_error(
                            StatusCode::FORBIDDEN,
                            "REFUND_NOT_ALLOWED",
                            "Amount exceeds captured",
                        );
                    }
                    s.refunded += amount;
                }
                _ => return klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Unknown operation"),
            }
            (StatusCode::CREATED, Value::Null)
        })
    };
    reply(&fake, "POST", &path, key.as_deref(), answer)
}

async fn fake_log(State(fake): State<Fake>) -> Json<FakeLog> {
    Json(fake.log().clone())
}

#[derive(Debug, Deserialize)]
struct OutcomeQuery {
    /// The customer's age, for `approve` (Vipps refuses under `minimumUserAge`).
    user_age: Option<u32>,
    /// Deliver the webhook twice, as providers do on a timeout.
    #[serde(default)]
    duplicate: bool,
}

/// Plays the customer: `approve`, `decline` or `expire` a Vipps payment. Answers the statuses the
/// central store gave the webhook.
async fn fake_vipps_outcome(
    State(fake): State<Fake>,
    Path((reference, outcome)): Path<(String, String)>,
    Query(q): Query<OutcomeQuery>,
) -> Response {
    let event = {
        let mut log = fake.log();
        let Some(p) = log.vipps.get_mut(&reference) else {
            return (StatusCode::NOT_FOUND, "no such payment").into_response();
        };
        if p.state != "CREATED" {
            return (StatusCode::CONFLICT, format!("payment is {}", p.state)).into_response();
        }
        let under_age = matches!((q.user_age, p.minimum_user_age), (Some(age), Some(min)) if age < min);
        let (state, name) = match outcome.as_str() {
            "approve" if under_age => ("ABORTED", "ABORTED"),
            "approve" => ("AUTHORIZED", "AUTHORIZED"),
            "decline" => ("ABORTED", "ABORTED"),
            "expire" => ("EXPIRED", "EXPIRED"),
            _ => return (StatusCode::NOT_FOUND, "approve, decline or expire").into_response(),
        };
        p.state = state.into();
        (name, p.amount)
    };
    let statuses = send_vipps_webhook(&fake, &reference, event.0, event.1, q.duplicate).await;
    Json(json!({"state": event.0, "webhook_statuses": statuses})).into_response()
}

/// Plays the customer on Klarna's page: `complete`, `decline` or `expire`.
async fn fake_klarna_outcome(
    State(fake): State<Fake>,
    Path((id, outcome)): Path<(String, String)>,
    Query(q): Query<OutcomeQuery>,
) -> Response {
    let (url, body) = {
        let mut log = fake.log();
        let Some(s) = log.klarna.get_mut(&id) else {
            return (StatusCode::NOT_FOUND, "no such session").into_response();
        };
        if s.status != "WAITING" {
            return (StatusCode::CONFLICT, format!("session is {}", s.status)).into_response();
        }
        s.status = match outcome.as_str() {
            "complete" => "COMPLETED",
            "decline" => "FAILED",
            "expire" => "EXPIRED",
            _ => return (StatusCode::NOT_FOUND, "complete, decline or expire").into_response(),
        }
        .into();
        if s.status == "COMPLETED" {
            s.order_id = Some(uuid::Uuid::new_v4().to_string());
            if s.place_order_mode == "CAPTURE_ORDER" {
                s.captured = s.kp_session["order_amount"].as_i64().unwrap_or(0);
            }
        }
        let body = json!({"event_id": uuid::Uuid::new_v4().to_string(),
                          "session": {"session_id": s.session_id, "status": s.status, "order_id": s.order_id,
                                      "authorization_token": s.order_id.as_ref().map(|_| "fake-auth-token")}});
        (s.status_update_url.clone(), body)
    };
    let mut statuses = Vec::new();
    for _ in 0..if q.duplicate { 2 } else { 1 } {
        let status = fake
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        fake.log().webhooks.push((url.clone(), body.clone(), status));
        statuses.push(status);
    }
    Json(json!({"state": body["session"]["status"], "webhook_statuses": statuses})).into_response()
}

/// Serves the fake on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, config: FakeConfig) -> std::io::Result<()> {
    axum::serve(listener, router(config)).await
}
