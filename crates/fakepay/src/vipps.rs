//! The fake Vipps ePayment API (access token, create, get, capture/cancel/refund) and its webhooks,
//! checking what Vipps checks: the token and keys, the reference format, a Norwegian mobile, the
//! receipt against Order Management's schema, and idempotency keys.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use skranke_payments::sign_vipps_webhook;

use crate::{header, idempotent, reply, Fake, FakeLog, FakeVippsPayment};

/// Vipps' error shape (RFC 7807 problem details).
fn problem(status: StatusCode, title: &str, detail: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors", "title": title,
               "status": status.as_u16(), "detail": detail, "instance": "/", "traceId": uuid::Uuid::new_v4().to_string()}),
    )
}

fn authorised(fake: &Fake, headers: &HeaderMap) -> bool {
    header(headers, "authorization") == Some("Bearer fake-vipps-token")
        && header(headers, "ocp-apim-subscription-key") == Some(fake.config.vipps_subscription_key.as_str())
        && header(headers, "merchant-serial-number") == Some(fake.config.vipps_msn.as_str())
}

/// The limits `docs/epayment.v1.yml` (vippsas/vipps-epayment-api) sets on what we send. Mirrored here
/// rather than loaded, each with the schema it comes from.
pub mod rules {
    /// `Reference`: `pattern: '^[a-zA-Z0-9-]{8,50}$'`.
    pub const REFERENCE_LENGTH: std::ops::RangeInclusive<usize> = 8..=50;
    /// parameter `Idempotency-Key`: `maxLength: 50`, required on every modifying call.
    pub const IDEMPOTENCY_KEY_MAX: usize = 50;
    /// parameters `Vipps-System-Name`, `-Version`, `-Plugin-Name`, `-Plugin-Version`: `maxLength: 30`.
    pub const SYSTEM_HEADER_MAX: usize = 30;
    pub const SYSTEM_HEADERS: [&str; 4] = [
        "vipps-system-name",
        "vipps-system-version",
        "vipps-system-plugin-name",
        "vipps-system-plugin-version",
    ];
    /// `Amount.value`: `maximum: 65000000`; the minimum is the knowledge base's 1,00 kr (the file
    /// says 0: the stricter rule is kept).
    pub const AMOUNT: std::ops::RangeInclusive<i64> = 100..=65_000_000;
    /// `CreatePaymentRequest.paymentDescription`: `minLength: 3`, `maxLength: 100`.
    pub const DESCRIPTION_LENGTH: std::ops::RangeInclusive<usize> = 3..=100;
    /// `CreatePaymentRequest.userFlow`.
    pub const USER_FLOWS: [&str; 4] = ["PUSH_MESSAGE", "NATIVE_REDIRECT", "WEB_REDIRECT", "QR"];
    /// `CreatePaymentRequest.customerInteraction`.
    pub const CUSTOMER_INTERACTIONS: [&str; 2] = ["CUSTOMER_PRESENT", "CUSTOMER_NOT_PRESENT"];
    /// `PaymentMethodType`.
    pub const PAYMENT_METHOD_TYPES: [&str; 2] = ["WALLET", "CARD"];
}

/// What Vipps answers a modifying call without a valid token, or with a missing or too long
/// Idempotency-Key, or a system header past its length.
fn refusal(fake: &Fake, headers: &HeaderMap, key: Option<&str>) -> Option<(StatusCode, Value)> {
    if !authorised(fake, headers) {
        return Some(problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Missing or wrong access token",
        ));
    }
    let bad = |detail: &str| Some(problem(StatusCode::BAD_REQUEST, "Bad Request", detail));
    match key {
        None => return bad("Idempotency-Key header is required"),
        Some(k) if k.len() > rules::IDEMPOTENCY_KEY_MAX => {
            return bad("Idempotency-Key must be at most 50 characters")
        }
        Some(_) => {}
    }
    for name in rules::SYSTEM_HEADERS {
        if header(headers, name).is_some_and(|v| v.len() > rules::SYSTEM_HEADER_MAX) {
            return bad(&format!("{name} must be at most 30 characters"));
        }
    }
    None
}

pub(crate) async fn token(State(fake): State<Fake>, headers: HeaderMap) -> Response {
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
    rules::REFERENCE_LENGTH.contains(&reference.len())
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `CreatePaymentRequest`: its required fields, enums and lengths.
fn check_create(body: &Value) -> Result<(), String> {
    for field in ["amount", "paymentMethod", "reference", "userFlow"] {
        if body[field].is_null() {
            return Err(format!("{field} is required"));
        }
    }
    let amount = body["amount"]["value"].as_i64();
    if body["amount"]["currency"] != "NOK" || !amount.is_some_and(|a| rules::AMOUNT.contains(&a)) {
        return Err("amount.value must be 100–65000000 øre in NOK".into());
    }
    let one_of = |field: &Value, allowed: &[&str]| field.as_str().is_some_and(|v| allowed.contains(&v));
    if !one_of(&body["userFlow"], &rules::USER_FLOWS) {
        return Err("userFlow".into());
    }
    if !body["customerInteraction"].is_null()
        && !one_of(&body["customerInteraction"], &rules::CUSTOMER_INTERACTIONS)
    {
        return Err("customerInteraction".into());
    }
    if !one_of(&body["paymentMethod"]["type"], &rules::PAYMENT_METHOD_TYPES) {
        return Err("paymentMethod.type".into());
    }
    if let Some(d) = body.get("paymentDescription").filter(|d| !d.is_null()) {
        let ok = d
            .as_str()
            .is_some_and(|d| rules::DESCRIPTION_LENGTH.contains(&d.chars().count()));
        if !ok {
            return Err("paymentDescription must be 3–100 characters".into());
        }
    }
    Ok(())
}

/// `CaptureModificationRequest` / `RefundModificationRequest`: `modificationAmount` is required.
fn check_modification(action: &str, body: &Value) -> Result<i64, String> {
    if action == "cancel" {
        return Ok(0);
    }
    let amount = &body["modificationAmount"];
    match (amount["currency"].as_str(), amount["value"].as_i64()) {
        (Some("NOK"), Some(v)) if v > 0 => Ok(v),
        _ => Err("modificationAmount must be a positive amount in NOK".into()),
    }
}

/// `47` followed by a Norwegian mobile number (4xxxxxxx or 9xxxxxxx).
fn norwegian_mobile(msisdn: &str) -> bool {
    msisdn.len() == 10
        && msisdn.starts_with("47")
        && msisdn.bytes().all(|b| b.is_ascii_digit())
        && matches!(msisdn.as_bytes()[2], b'4' | b'9')
}

pub(crate) async fn create(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "idempotency-key").map(str::to_string);
    let answer = if let Some(refused) = refusal(&fake, &headers, key.as_deref()) {
        refused
    } else {
        idempotent(&fake, key.as_deref(), "vipps-create", |log| create_in(log, &body))
    };
    reply(&fake, "POST", "/epayment/v1/payments", key.as_deref(), answer)
}

fn create_in(log: &mut FakeLog, body: &Value) -> (StatusCode, Value) {
    let reference = body["reference"].as_str().unwrap_or_default().to_string();
    if let Err(detail) = check_create(body) {
        return problem(StatusCode::BAD_REQUEST, "Bad Request", &detail);
    }
    let amount = body["amount"]["value"].as_i64().unwrap_or(0);
    let phone = body["customer"]["phoneNumber"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !reference_ok(&reference) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "reference must match ^[a-zA-Z0-9-]{8,50}$",
        );
    }
    if body["userFlow"] == "PUSH_MESSAGE" && !norwegian_mobile(&phone) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "customer.phoneNumber must be a mobile number for PUSH_MESSAGE",
        );
    }
    if let Err(field) = check_receipt(&body["receipt"]) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            &format!("receipt: {field}"),
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
            cancelled: 0,
            authorizing: false,
            pushes: 1,
            request: body.clone(),
        },
    );
    // PUSH_MESSAGE: no redirectUrl.
    (StatusCode::CREATED, json!({"reference": reference}))
}

/// What Order Management's `Receipt` schema requires (ePayment's `receipt` refers to it): at least one
/// order line, each with name, id and the three amounts as integers; `taxRate` (0–10000) or the
/// deprecated `taxPercentage` (0–100); `unitInfo` with `unitPrice` ≥ 0 and a decimal `quantity`;
/// `discount` ≥ 0; a `bottomLine` with a known currency. An absent receipt is allowed.
fn check_receipt(receipt: &Value) -> Result<(), String> {
    if receipt.is_null() {
        return Ok(());
    }
    let lines = receipt["orderLines"]
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or("orderLines must hold at least one line")?;
    for (i, l) in lines.iter().enumerate() {
        let field = |name: &str| format!("orderLines[{i}].{name}");
        for name in ["name", "id"] {
            if !l[name].is_string() {
                return Err(field(name));
            }
        }
        for name in ["totalAmount", "totalAmountExcludingTax", "totalTaxAmount"] {
            if !l[name].is_i64() {
                return Err(field(name));
            }
        }
        let rate_ok = match (&l["taxRate"], &l["taxPercentage"]) {
            (Value::Null, Value::Null) => false,
            (rate, Value::Null) => rate.as_i64().is_some_and(|r| (0..=10_000).contains(&r)),
            (Value::Null, percent) => percent.as_i64().is_some_and(|p| (0..=100).contains(&p)),
            (rate, percent) => {
                rate.as_i64().is_some_and(|r| (0..=10_000).contains(&r))
                    && percent.as_i64().is_some_and(|p| (0..=100).contains(&p))
            }
        };
        if !rate_ok {
            return Err(field("taxRate"));
        }
        let unit = &l["unitInfo"];
        if !unit.is_null() {
            if unit["unitPrice"].as_i64().is_none_or(|p| p < 0) {
                return Err(field("unitInfo.unitPrice"));
            }
            let quantity = unit["quantity"].as_str().unwrap_or("");
            let (whole, fraction) = quantity.split_once('.').unwrap_or((quantity, "0"));
            let decimal = !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && (1..=8).contains(&fraction.len())
                && fraction.bytes().all(|b| b.is_ascii_digit());
            if !decimal || quantity.len() > 10 {
                return Err(field("unitInfo.quantity"));
            }
            let units = ["PCS", "KG", "KM", "MINUTE", "LITRE", "KWH"];
            if !(unit["quantityUnit"].is_null()
                || unit["quantityUnit"].as_str().is_some_and(|u| units.contains(&u)))
            {
                return Err(field("unitInfo.quantityUnit"));
            }
        }
        if !(l["discount"].is_null() || l["discount"].as_i64().is_some_and(|d| d >= 0)) {
            return Err(field("discount"));
        }
    }
    let currency = receipt["bottomLine"]["currency"].as_str();
    if !currency.is_some_and(|c| ["NOK", "DKK", "EUR"].contains(&c)) {
        return Err("bottomLine.currency".into());
    }
    Ok(())
}

fn view(p: &FakeVippsPayment) -> Value {
    json!({"reference": p.reference, "state": p.state, "amount": {"currency": "NOK", "value": p.amount},
           "aggregate": {"authorizedAmount": {"currency": "NOK", "value": if p.state == "AUTHORIZED" { p.amount } else { 0 }},
                         "capturedAmount": {"currency": "NOK", "value": p.captured},
                         "refundedAmount": {"currency": "NOK", "value": p.refunded},
                         "cancelledAmount": {"currency": "NOK", "value": p.cancelled}},
           "paymentMethod": {"type": "WALLET"}, "pspReference": format!("psp-{}", p.reference)})
}

pub(crate) async fn get(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let answer = if !authorised(&fake, &headers) {
        problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Missing or wrong access token",
        )
    } else {
        match fake.log().vipps.get(&reference) {
            Some(p) => (StatusCode::OK, view(p)),
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

pub(crate) async fn modify(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((reference, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "idempotency-key").map(str::to_string);
    let path = format!("/epayment/v1/payments/{reference}/{action}");
    let mut event = None;
    let answer = if let Some(refused) = refusal(&fake, &headers, key.as_deref()) {
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
            let amount = match check_modification(&action, &body) {
                Ok(a) => a,
                Err(detail) => return problem(StatusCode::BAD_REQUEST, "Bad Request", &detail),
            };
            let open = p.amount - p.captured - p.cancelled;
            match action.as_str() {
                "capture" if p.state == "AUTHORIZED" && amount <= open => {
                    p.captured += amount;
                    event = Some(("CAPTURED", amount));
                }
                "refund" if p.refunded + amount <= p.captured => {
                    p.refunded += amount;
                    event = Some(("REFUNDED", amount));
                }
                // operations/cancel.md: before authorisation the payment ends TERMINATED; after, the
                // rest of the reservation is released (CANCELLED) and the state stays AUTHORIZED.
                "cancel" if p.authorizing => {
                    return problem(StatusCode::BAD_REQUEST, "Bad Request", "Cannot cancel pending")
                }
                "cancel" if p.state == "CREATED" => {
                    p.state = "TERMINATED".into();
                    event = Some(("TERMINATED", p.amount));
                }
                // After a partial capture the same call releases what is left (cancel.md, "Cancel
                // after a partial capture"); after a full capture there is nothing to cancel.
                "cancel" if p.state == "AUTHORIZED" && p.cancelled == 0 && open > 0 && p.refunded == 0 => {
                    p.cancelled = open;
                    event = Some(("CANCELLED", open));
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
            (StatusCode::OK, view(p))
        })
    };
    let response = reply(&fake, "POST", &path, key.as_deref(), answer);
    if let Some((name, amount)) = event {
        // After the answer, as Vipps does: the caller may hold locks until it has its answer.
        tokio::spawn(async move { send_webhook(&fake, &reference, name, amount, true, false).await });
    }
    response
}

/// Delivers one `WebhookEvent` (signed), once or `twice`; `success` is the event's outcome.
pub(crate) async fn send_webhook(
    fake: &Fake,
    reference: &str,
    name: &str,
    amount: i64,
    success: bool,
    twice: bool,
) -> Vec<u16> {
    let Some(url) = fake.config.vipps_webhook_url.clone() else {
        return Vec::new();
    };
    let body = json!({
        "msn": fake.config.vipps_msn, "reference": reference,
        "pspReference": format!("psp-{reference}-{name}"), "name": name,
        "amount": {"currency": "NOK", "value": amount},
        "timestamp": chrono::Utc::now().to_rfc3339(), "idempotencyKey": null, "success": success,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Receipt` example from Order Management's OpenAPI file (docs/swagger.yaml, `post-receipt-v2`),
    /// cut to what the schema requires and the fields we send.
    fn published_example() -> Value {
        json!({
            "orderLines": [
                {"name": "socks", "id": "line_item_1", "totalAmount": 1000, "totalAmountExcludingTax": 800,
                 "totalTaxAmount": 200, "taxPercentage": 25,
                 "unitInfo": {"unitPrice": 400, "quantity": "2.5", "quantityUnit": "KG"},
                 "discount": 0, "isReturn": false, "isShipping": false},
                {"name": "Home Delivery", "id": "delivery", "totalAmount": 1000, "totalAmountExcludingTax": 800,
                 "totalTaxAmount": 200, "taxRate": 2500, "discount": 0, "isReturn": false, "isShipping": true}
            ],
            "bottomLine": {"currency": "NOK", "receiptNumber": "0527013501"}
        })
    }

    fn create_body() -> Value {
        json!({"amount": {"currency": "NOK", "value": 100}, "paymentMethod": {"type": "WALLET"},
               "reference": "a".repeat(50), "userFlow": "PUSH_MESSAGE",
               "customerInteraction": "CUSTOMER_NOT_PRESENT", "paymentDescription": "abc"})
    }

    /// Each mirrored limit of `CreatePaymentRequest`: the value at the limit passes, one past it is
    /// refused.
    #[test]
    fn create_requests_are_held_to_the_published_limits() {
        assert_eq!(check_create(&create_body()), Ok(()));
        assert!(reference_ok(&"a".repeat(50)) && !reference_ok(&"a".repeat(51)) && !reference_ok("kort"));
        type Breaks = fn(&mut Value);
        let broken: [(&str, Breaks); 7] = [
            ("amount", |b| b["amount"]["value"] = json!(99)),
            ("amount", |b| b["amount"]["value"] = json!(65_000_001)),
            ("userFlow", |b| b["userFlow"] = json!("SMS")),
            ("customerInteraction", |b| {
                b["customerInteraction"] = json!("PHONE")
            }),
            ("paymentMethod.type", |b| {
                b["paymentMethod"]["type"] = json!("wallet")
            }),
            ("paymentDescription", |b| b["paymentDescription"] = json!("ab")),
            ("paymentDescription", |b| {
                b["paymentDescription"] = json!("x".repeat(101))
            }),
        ];
        for (field, breaks) in broken {
            let mut body = create_body();
            breaks(&mut body);
            let refused = check_create(&body).unwrap_err();
            assert!(refused.starts_with(field), "{field}: {refused}");
        }
        let mut missing = create_body();
        missing.as_object_mut().unwrap().remove("reference");
        assert_eq!(check_create(&missing), Err("reference is required".into()));
    }

    /// `Idempotency-Key`: `maxLength: 50`. Skranke's old refund key (53) is refused, as Vipps refused it.
    #[test]
    fn an_idempotency_key_past_fifty_characters_is_refused() {
        let fake = Fake {
            config: std::sync::Arc::new(crate::FakeConfig::demo("http://fake", None)),
            log: std::sync::Arc::default(),
            http: reqwest::Client::new(),
        };
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer fake-vipps-token".parse().unwrap());
        headers.insert("ocp-apim-subscription-key", "demo-subscription".parse().unwrap());
        headers.insert("merchant-serial-number", "123456".parse().unwrap());
        assert!(refusal(&fake, &headers, Some(&"k".repeat(50))).is_none());
        let old = format!("OSL1-000001-1-refund-{}", "0".repeat(32));
        let (status, body) = refusal(&fake, &headers, Some(&old)).unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["detail"].as_str().unwrap().contains("50"), "{body}");
        assert_eq!(refusal(&fake, &headers, None).unwrap().0, StatusCode::BAD_REQUEST);
        headers.insert("vipps-system-name", "x".repeat(31).parse().unwrap());
        assert!(
            refusal(&fake, &headers, Some("k")).is_some(),
            "a system header past 30"
        );
    }

    #[test]
    fn a_modification_needs_an_amount_in_nok() {
        assert_eq!(
            check_modification(
                "capture",
                &json!({"modificationAmount": {"currency": "NOK", "value": 1}})
            ),
            Ok(1)
        );
        assert!(check_modification("refund", &json!({})).is_err());
        assert_eq!(check_modification("cancel", &json!({})), Ok(0));
    }

    #[test]
    fn the_published_receipt_example_is_accepted_and_no_receipt_is_allowed() {
        assert_eq!(check_receipt(&published_example()), Ok(()));
        assert_eq!(check_receipt(&Value::Null), Ok(()));
    }

    #[test]
    fn a_receipt_that_breaks_the_schema_is_refused_with_the_field() {
        type Breaks = fn(&mut Value);
        let broken: [(&str, Breaks); 7] = [
            ("orderLines must hold at least one line", |r| {
                r["orderLines"] = json!([])
            }),
            ("orderLines[0].id", |r| r["orderLines"][0]["id"] = Value::Null),
            ("orderLines[1].totalTaxAmount", |r| {
                r["orderLines"][1]["totalTaxAmount"] = json!("200")
            }),
            ("orderLines[1].taxRate", |r| {
                r["orderLines"][1]["taxRate"] = json!(25_000)
            }),
            ("orderLines[0].taxRate", |r| {
                r["orderLines"][0]
                    .as_object_mut()
                    .map(|l| l.remove("taxPercentage"));
            }),
            ("orderLines[0].unitInfo.quantity", |r| {
                r["orderLines"][0]["unitInfo"]["quantity"] = json!("2,5")
            }),
            ("bottomLine.currency", |r| {
                r["bottomLine"]["currency"] = json!("SEK")
            }),
        ];
        for (field, breaks) in broken {
            let mut receipt = published_example();
            breaks(&mut receipt);
            assert_eq!(check_receipt(&receipt), Err(field.to_string()), "{field}");
        }
    }
}
