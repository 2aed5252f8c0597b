//! The providers' callbacks: checked (Vipps' HMAC signature, Klarna's secret path), recorded once per
//! delivery, and applied to the payment in one transaction. A repeated delivery answers 200 and changes
//! nothing; an unknown payment answers 200 too, so the provider stops resending what we cannot use.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use chrono::Utc;
use skranke_payments::{verify_vipps_webhook, KlarnaStatusUpdate, VippsSignature, VippsWebhookEvent};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::payment::{self, PaymentRow};
use crate::ApiError;
use skranke_protocol::ErrorCode;

fn refused(message: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        message.to_string(),
    )
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Whether this delivery is new; the first insert wins, a repeat finds the row.
async fn first_delivery(
    tx: &mut PgConnection,
    provider: &str,
    event_id: &str,
    payment: Option<&PaymentRow>,
    body: &serde_json::Value,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO provider_events (provider, event_id, payment_id, received_at, body)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(provider)
    .bind(event_id)
    .bind(payment.map(|p| p.id))
    .bind(Utc::now())
    .bind(body)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// `POST /v1/webhooks/vipps`
pub(crate) async fn vipps(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Some(vipps) = &state.integrations.vipps else {
        return Err(refused("Vipps er ikke satt opp."));
    };
    let signature = VippsSignature {
        date: header(&headers, "x-ms-date"),
        content_sha256: header(&headers, "x-ms-content-sha256"),
        authorization: header(&headers, "authorization"),
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let host = header(&headers, "host");
    verify_vipps_webhook(&vipps.config().webhook_secret, path, &host, &signature, &body)
        .map_err(|e| refused(&format!("Webhooken er ikke fra Vipps: {e}.")))?;
    let event: VippsWebhookEvent = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_value(format!("Webhooken kunne ikke leses: {e}")))?;
    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let found = payment::by_provider_id(&mut tx, "vipps", &event.reference).await?;
    if first_delivery(&mut tx, "vipps", &event.event_id(), found.as_ref(), &raw).await? {
        // `success: false` reports an operation that did not happen: recorded above, applied never.
        if let (Some(p), Some(e)) = (&found, event.event()) {
            payment::apply_event(&mut tx, p, e, payment::detail_for("vipps", e), Utc::now()).await?;
        }
    }
    tx.commit().await?;
    Ok(StatusCode::OK)
}

/// `POST /v1/webhooks/klarna/{secret}`
pub(crate) async fn klarna(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let expected = state
        .integrations
        .klarna_webhook_secret
        .as_deref()
        .unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(secret.as_bytes())) {
        return Err(refused("Ukjent adresse for Klarna-varsler."));
    }
    let update: KlarnaStatusUpdate = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_value(format!("Varselet kunne ikke leses: {e}")))?;
    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let found = payment::by_provider_id(&mut tx, "klarna", &update.session.session_id).await?;
    if first_delivery(&mut tx, "klarna", &update.event_id, found.as_ref(), &raw).await? {
        if let Some(p) = &found {
            if let Some(order_id) = &update.session.order_id {
                sqlx::query("UPDATE payments SET provider_order_id = $2 WHERE id = $1")
                    .bind(p.id)
                    .bind(order_id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(e) = update.event(p.method()) {
                let detail = payment::detail_for("klarna", e);
                let next = payment::apply_event(&mut tx, p, e, detail, Utc::now()).await?;
                if next == Some(skranke_payments::PaymentState::Captured) {
                    sqlx::query("UPDATE payments SET captured_ore = amount_ore WHERE id = $1")
                        .bind(p.id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(StatusCode::OK)
}
