//! The fake Klarna Payments, Hosted Payment Page and Order Management APIs, checking what Klarna
//! checks: the credentials, amounts in øre adding up with MVA per line, the HPP request's enums, and
//! Order Management's idempotency keys. Payments and HPP calls take no idempotency key (Klarna has
//! none for them): a repeated call makes a second session, as Klarna's would.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use crate::{header, idempotent, reply, Fake, FakeKlarnaSession};

/// The limits Klarna's published definitions set on what we send (the HPP API's OpenAPI file as kept
/// in api-evangelist/klarna `openapi/_original/hosted-payment-page-api-openapi.yml`, and Klarna's own
/// kco_rest_dotnet models). Mirrored here rather than loaded, each with the schema it comes from.
pub mod rules {
    /// `OptionsV1.payment_method_categories` items.
    pub const CATEGORIES: [&str; 6] = [
        "DIRECT_DEBIT",
        "DIRECT_BANK_TRANSFER",
        "PAY_NOW",
        "PAY_LATER",
        "PAY_OVER_TIME",
        "KLARNA",
    ];
    /// `OptionsV1.place_order_mode`.
    pub const PLACE_ORDER_MODES: [&str; 3] = ["PLACE_ORDER", "CAPTURE_ORDER", "NONE"];
    /// `DistributionRequestV1.method`.
    pub const DISTRIBUTION_METHODS: [&str; 3] = ["sms", "email", "token"];
    /// Klarna Payments `acquiring_channel`.
    pub const ACQUIRING_CHANNELS: [&str; 3] = ["ECOMMERCE", "IN_STORE", "TELESALES"];
    /// `SessionResponseV1.status`: there is no EXPIRED; an expired session reads as 404.
    pub const STATUSES: [&str; 9] = [
        "WAITING",
        "BACK",
        "IN_PROGRESS",
        "MANUAL_ID_CHECK",
        "COMPLETED",
        "CANCELLED",
        "FAILED",
        "DISABLED",
        "ERROR",
    ];
    /// How long an HPP session lives by default (Klarna's documentation: 3 hours, configurable).
    pub const SESSION_HOURS: i64 = 3;
    /// Klarna tries a status callback at most this many times.
    pub const CALLBACK_TRIES: usize = 4;
}

/// Klarna's error shape.
fn klarna_error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"error_code": code, "error_messages": [message], "correlation_id": uuid::Uuid::new_v4().to_string()}),
    )
}

fn authorised(fake: &Fake, headers: &HeaderMap) -> bool {
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
fn check_amounts(body: &Value) -> Result<(), String> {
    if body["purchase_country"] != "NO" || body["purchase_currency"] != "NOK" {
        return Err("purchase_country must be NO and purchase_currency NOK".into());
    }
    if !body["acquiring_channel"]
        .as_str()
        .is_some_and(|c| rules::ACQUIRING_CHANNELS.contains(&c))
    {
        return Err("acquiring_channel".into());
    }
    let lines = body["order_lines"].as_array().ok_or("order_lines is required")?;
    let (amount, tax) = check_lines(lines)?;
    if body["order_amount"].as_i64() != Some(amount) {
        return Err("order_amount".into());
    }
    if body["order_tax_amount"].as_i64() != Some(tax) {
        return Err("order_tax_amount".into());
    }
    Ok(())
}

/// Each `order_line`: its total is unit price × quantity less discount, its tax within an øre of its
/// own rate. Answers the lines' sums (amount, tax).
fn check_lines(lines: &[Value]) -> Result<(i64, i64), String> {
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
    Ok((amount, tax))
}

pub(crate) async fn kp_create(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let answer = if !authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        let mut log = fake.log();
        match check_amounts(&body) {
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
    };
    reply(&fake, "POST", "/payments/v1/sessions", None, answer)
}

/// `SessionCreationRequestV1`: the KP session it hosts, a status URL, and the options' enums.
fn check_page(body: &Value) -> Result<(), String> {
    let options = &body["options"];
    let categories = options["payment_method_categories"].as_array();
    let categories_ok = categories.is_none_or(|c| {
        c.iter()
            .all(|c| c.as_str().is_some_and(|c| rules::CATEGORIES.contains(&c)))
    });
    if !categories_ok {
        return Err("options.payment_method_categories".into());
    }
    let mode = &options["place_order_mode"];
    if !mode.is_null()
        && !mode
            .as_str()
            .is_some_and(|m| rules::PLACE_ORDER_MODES.contains(&m))
    {
        return Err("options.place_order_mode".into());
    }
    if !body["merchant_urls"]["status_update"].is_string() {
        return Err("merchant_urls.status_update".into());
    }
    Ok(())
}

pub(crate) async fn hpp_create(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let public = fake.config.public_url.clone();
    let answer = if !authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        let mut log = fake.log();
        let kp_url = body["payment_session_url"].as_str().unwrap_or_default();
        let kp_id = kp_url.rsplit('/').next().unwrap_or_default();
        match (check_page(&body), log.klarna_kp.get(kp_id).cloned()) {
            (Err(field), _) => klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", &field),
            (Ok(()), None) => klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", "payment_session_url"),
            (Ok(()), Some(kp)) => {
                let id = uuid::Uuid::new_v4().to_string();
                let expires_at = chrono::Utc::now() + chrono::Duration::hours(rules::SESSION_HOURS);
                log.klarna.insert(
                    id.clone(),
                    FakeKlarnaSession {
                        session_id: id.clone(),
                        kp_session: kp,
                        status_update_url: body["merchant_urls"]["status_update"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
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
                        expires_at,
                        order_cancelled: false,
                        released: 0,
                        operations: Vec::new(),
                    },
                );
                // A distributed (telesales) session gets no redirect_url: "ECOMMERCE only".
                (
                    StatusCode::CREATED,
                    json!({"session_id": id, "session_url": format!("{public}/hpp/v1/sessions/{id}"),
                           "qr_code_url": format!("{public}/betal/{id}/qr"),
                           "distribution_url": format!("{public}/hpp/v1/sessions/{id}/distribution"),
                           "expires_at": expires_at.to_rfc3339(),
                           "distribution_module": {"token": "fake", "standalone_url": format!("{public}/betal/{id}")}}),
                )
            }
        }
    };
    reply(&fake, "POST", "/hpp/v1/sessions", None, answer)
}

/// `GET /hpp/v1/sessions/{id}` (`SessionResponseV1`); 404 once expired.
pub(crate) async fn hpp_read(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = if !authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        match fake.log().klarna.get(&id) {
            Some(s) if s.expires_at > chrono::Utc::now() => (
                StatusCode::OK,
                json!({"session_id": s.session_id, "status": s.status, "order_id": s.order_id,
                       "expires_at": s.expires_at.to_rfc3339(), "updated_at": chrono::Utc::now().to_rfc3339()}),
            ),
            _ => klarna_error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "HPP session has expired or could not be found",
            ),
        }
    };
    reply(&fake, "GET", &format!("/hpp/v1/sessions/{id}"), None, answer)
}

pub(crate) async fn distribute(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let answer = if !authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        (|| {
            let mut log = fake.log();
            let Some(session) = log.klarna.get_mut(&id) else {
                return klarna_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Session not found");
            };
            if session.status == "DISABLED" {
                return klarna_error(
                    StatusCode::BAD_REQUEST,
                    "NOT_ALLOWED",
                    "Session is disabled by merchant",
                );
            }
            if !body["method"]
                .as_str()
                .is_some_and(|m| rules::DISTRIBUTION_METHODS.contains(&m))
            {
                return klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", "method");
            }
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
                    (StatusCode::CREATED, Value::Null)
                }
                None => klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", "contact_information"),
            }
        })()
    };
    reply(
        &fake,
        "POST",
        &format!("/hpp/v1/sessions/{id}/distribution"),
        None,
        answer,
    )
}

pub(crate) async fn hpp_disable(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = if !authorised(&fake, &headers) {
        klarna_error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Wrong credentials")
    } else {
        match fake
            .log()
            .klarna
            .get_mut(&id)
            .filter(|s| s.expires_at > chrono::Utc::now())
        {
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

pub(crate) async fn order_modify(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((order_id, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let key = header(&headers, "klarna-idempotency-key").map(str::to_string);
    let path = format!("/ordermanagement/v1/orders/{order_id}/{action}");
    let answer = if !authorised(&fake, &headers) {
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
            if let Err(field) = check_operation_lines(&action, &body) {
                return klarna_error(StatusCode::BAD_REQUEST, "BAD_VALUE", &field);
            }
            om_amount(s, &action, &body, total)
        })
    };
    reply(&fake, "POST", &path, key.as_deref(), answer)
}

/// `CaptureObject` / `RefundObject`: `order_lines` are optional; when given, they add up to the
/// amount and each carries its own tax.
fn check_operation_lines(action: &str, body: &Value) -> Result<(), String> {
    let field = match action {
        "captures" => "captured_amount",
        "refunds" => "refunded_amount",
        _ => return Ok(()),
    };
    let Some(lines) = body["order_lines"].as_array() else {
        return Ok(());
    };
    let (sum, _) = check_lines(lines)?;
    if Some(sum) == body[field].as_i64() {
        Ok(())
    } else {
        Err(format!("order_lines do not add up to {field}"))
    }
}

/// A capture or refund within what is left, or the cancel of an order nothing was captured on.
fn om_amount(s: &mut FakeKlarnaSession, action: &str, body: &Value, total: i64) -> (StatusCode, Value) {
    match action {
        "captures" => {
            let amount = body["captured_amount"].as_i64().unwrap_or(0);
            if s.order_cancelled || amount <= 0 || s.captured + amount > total - s.released {
                return klarna_error(
                    StatusCode::FORBIDDEN,
                    "CAPTURE_NOT_ALLOWED",
                    "Amount exceeds remaining",
                );
            }
            s.captured += amount;
        }
        // cancelOrder: 403 once anything is captured.
        "cancel" => {
            if s.captured > 0 {
                return klarna_error(StatusCode::FORBIDDEN, "CANCEL_NOT_ALLOWED", "Order has captures");
            }
            s.order_cancelled = true;
            return (StatusCode::NO_CONTENT, Value::Null);
        }
        // releaseRemainingAuthorization: 204; refused before any capture (cancel the order then)
        // and when nothing is left.
        "release-remaining-authorization" => {
            let rest = total - s.captured - s.released;
            if s.order_cancelled || s.captured == 0 || rest <= 0 {
                return klarna_error(
                    StatusCode::FORBIDDEN,
                    "RELEASE_NOT_ALLOWED",
                    "Nothing captured, or nothing left to release",
                );
            }
            s.released += rest;
            s.operations.push(json!({"kind": "release", "body": body}));
            return (StatusCode::NO_CONTENT, Value::Null);
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
    let kind = if action == "captures" { "capture" } else { "refund" };
    s.operations.push(json!({"kind": kind, "body": body}));
    (StatusCode::CREATED, Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Value {
        json!({"payment_session_url": "https://api.klarna.com/payments/v1/sessions/x",
               "merchant_urls": {"status_update": "https://central/v1/webhooks/klarna/s"},
               "options": {"place_order_mode": "PLACE_ORDER", "payment_method_categories": ["PAY_LATER"]}})
    }

    /// `OptionsV1`'s enums as published: upper-case categories, three place-order modes.
    #[test]
    fn an_hpp_session_is_held_to_the_published_enums() {
        assert_eq!(check_page(&page()), Ok(()));
        for category in rules::CATEGORIES {
            let mut p = page();
            p["options"]["payment_method_categories"] = json!([category]);
            assert_eq!(check_page(&p), Ok(()), "{category}");
        }
        let mut lower = page();
        lower["options"]["payment_method_categories"] = json!(["pay_later"]);
        assert_eq!(
            check_page(&lower),
            Err("options.payment_method_categories".into())
        );
        let mut mode = page();
        mode["options"]["place_order_mode"] = json!("AUTO");
        assert_eq!(check_page(&mode), Err("options.place_order_mode".into()));
        let mut no_status = page();
        no_status["merchant_urls"] = json!({});
        assert_eq!(check_page(&no_status), Err("merchant_urls.status_update".into()));
    }

    #[test]
    fn order_lines_on_a_refund_must_add_up() {
        let line = json!({"total_amount": 12_500, "unit_price": 12_500, "quantity": 1, "tax_rate": 2500,
                          "total_tax_amount": 2500, "total_discount_amount": 0});
        assert_eq!(
            check_operation_lines(
                "refunds",
                &json!({"refunded_amount": 12_500, "order_lines": [line]})
            ),
            Ok(())
        );
        assert!(check_operation_lines(
            "refunds",
            &json!({"refunded_amount": 12_000, "order_lines": [line]})
        )
        .is_err());
        assert_eq!(
            check_operation_lines("refunds", &json!({"refunded_amount": 12_000})),
            Ok(())
        );
    }
}
