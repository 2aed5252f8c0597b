//! The `/_fake/...` controls that play the customer: approve, decline or expire a payment, and deliver
//! the provider's webhook before answering, so a test knows the central store has seen it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::vipps::send_webhook;
use crate::Fake;

#[derive(Debug, Deserialize)]
pub(crate) struct OutcomeQuery {
    /// The customer's age, for `approve` (Vipps refuses under `minimumUserAge`).
    user_age: Option<u32>,
    /// Deliver the webhook twice, as providers do on a timeout.
    #[serde(default)]
    duplicate: bool,
}

/// Plays the customer: `approve`, `decline` or `expire` a Vipps payment. Answers the statuses the
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
    let statuses = send_webhook(&fake, &reference, event.0, event.1, q.duplicate).await;
    Json(json!({"state": event.0, "webhook_statuses": statuses})).into_response()
}

/// Plays the customer on Klarna's page: `complete`, `decline` or `expire`.
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
