//! The `/_fake/...` controls that play the customer: approve, decline or expire a payment, and deliver
//! the provider's webhook before answering, so a test knows the central store has seen it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::klarna::rules;
use crate::vipps::send_webhook;
use crate::Fake;

#[derive(Debug, Deserialize)]
pub(crate) struct OutcomeQuery {
    /// The customer's age, for `approve` (Vipps refuses under `minimumUserAge`).
    user_age: Option<u32>,
    /// Deliver the webhook twice, as providers do on a timeout.
    #[serde(default)]
    duplicate: bool,
    /// `none`: the provider never calls back (Vipps: best effort; Klarna: gave up, or no callback for
    /// the event at all), so only polling can find out.
    #[serde(default)]
    callback: Option<String>,
}

impl OutcomeQuery {
    fn silent(&self) -> bool {
        self.callback.as_deref() == Some("none")
    }
}

/// Plays the customer: `open` (starts approving in the app), `approve`, `decline` or `expire` a Vipps
/// payment. Answers the statuses the
/// central store gave the webhook.
pub(crate) async fn vipps_outcome(
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
        if outcome == "open" {
            // The customer opens the push and starts approving; nothing is sent yet.
            p.authorizing = true;
            return Json(json!({"state": p.state, "webhook_statuses": []})).into_response();
        }
        p.authorizing = false;
        let under_age = matches!((q.user_age, p.minimum_user_age), (Some(age), Some(min)) if age < min);
        let state = match outcome.as_str() {
            "approve" if under_age => "ABORTED",
            "approve" => "AUTHORIZED",
            "decline" => "ABORTED",
            "expire" => "EXPIRED",
            _ => return (StatusCode::NOT_FOUND, "open, approve, decline or expire").into_response(),
        };
        p.state = state.into();
        (state, p.amount)
    };
    let statuses = if q.silent() {
        Vec::new()
    } else {
        send_webhook(&fake, &reference, event.0, event.1, true, q.duplicate).await
    };
    Json(json!({"state": event.0, "webhook_statuses": statuses})).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct WebhookQuery {
    name: String,
    success: bool,
}

/// Sends one webhook for a Vipps payment without changing it: a `CAPTURED` with `success: false` is
/// what Vipps sends for a capture that failed.
pub(crate) async fn vipps_webhook_only(
    State(fake): State<Fake>,
    Path(reference): Path<String>,
    Query(q): Query<WebhookQuery>,
) -> Response {
    let amount = match fake.log().vipps.get(&reference) {
        Some(p) => p.amount,
        None => return (StatusCode::NOT_FOUND, "no such payment").into_response(),
    };
    let statuses = send_webhook(&fake, &reference, &q.name, amount, q.success, false).await;
    Json(json!({"webhook_statuses": statuses})).into_response()
}

/// Plays the customer on Klarna's page: `complete`, `fail` (FAILED), `error` (ERROR), `back` (BACK),
/// `cancel` (CANCELLED), or `expire` (the session runs out; Klarna sends nothing for that). The page
/// lets the customer try again after FAILED, ERROR and BACK, so `complete` is taken from those too.
pub(crate) async fn klarna_outcome(
    State(fake): State<Fake>,
    Path((id, outcome)): Path<(String, String)>,
    Query(q): Query<OutcomeQuery>,
) -> Response {
    let (url, body) = {
        let mut log = fake.log();
        let Some(s) = log.klarna.get_mut(&id) else {
            return (StatusCode::NOT_FOUND, "no such session").into_response();
        };
        let open = matches!(
            s.status.as_str(),
            "WAITING" | "BACK" | "IN_PROGRESS" | "FAILED" | "ERROR"
        );
        if !open || s.expires_at <= chrono::Utc::now() {
            return (StatusCode::CONFLICT, format!("session is {}", s.status)).into_response();
        }
        if outcome == "expire" {
            s.expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
            return Json(json!({"state": s.status, "webhook_statuses": []})).into_response();
        }
        s.status = match outcome.as_str() {
            "complete" => "COMPLETED",
            "fail" => "FAILED",
            "error" => "ERROR",
            "back" => "BACK",
            "cancel" => "CANCELLED",
            _ => {
                return (
                    StatusCode::NOT_FOUND,
                    "complete, fail, error, back, cancel or expire",
                )
                    .into_response()
            }
        }
        .into();
        debug_assert!(rules::STATUSES.contains(&s.status.as_str()));
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
    let statuses = if q.silent() {
        Vec::new()
    } else {
        deliver_klarna(&fake, &url, &body, q.duplicate).await
    };
    Json(json!({"state": body["session"]["status"], "webhook_statuses": statuses})).into_response()
}

/// Klarna's callback: tried until the receiver answers 2xx, at most four times; `twice` delivers a
/// second time after a success, as a provider does when it did not see the answer.
async fn deliver_klarna(fake: &Fake, url: &str, body: &Value, twice: bool) -> Vec<u16> {
    let mut statuses = Vec::new();
    let mut delivered = 0;
    while statuses.len() < rules::CALLBACK_TRIES && delivered < if twice { 2 } else { 1 } {
        let status = fake
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        fake.log().webhooks.push((url.to_string(), body.clone(), status));
        statuses.push(status);
        if (200..300).contains(&status) {
            delivered += 1;
        }
    }
    statuses
}
