//! Vipps MobilePay ePayment: a push request to the customer's phone (`userFlow: PUSH_MESSAGE`,
//! `customerInteraction: CUSTOMER_NOT_PRESENT`, `minimumUserAge: 18`) with the order's receipt,
//! capture, refund, cancel.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skranke_core::{Money, PaymentMethod};
use tokio::sync::Mutex;

use crate::lines::PaymentLine;
use crate::{
    check_reference, read_answer, IdempotencyKey, Observed, PaymentEvent, PaymentProvider, PaymentRequest,
    ProviderError,
};

/// Vipps takes no payment under 1,00 kr (the knowledge base's minimum amount; the OpenAPI file says
/// `minimum: 0`, the stricter rule is followed).
pub const VIPPS_MINIMUM_ORE: i64 = 100;
/// `paymentDescription`: `minLength: 3`, `maxLength: 100` (`CreatePaymentRequest`).
const DESCRIPTION_LENGTH: std::ops::RangeInclusive<usize> = 3..=100;

fn default_push_expiry_minutes() -> u32 {
    10
}

/// Where and who we are at Vipps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VippsConfig {
    /// `https://api.vipps.no` (test: `https://apitest.vipps.no`).
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
    pub merchant_serial_number: String,
    /// The secret of the registered webhook, to check its signature.
    pub webhook_secret: String,
    /// How long a push request stays open in the app. Vipps sets it (about ten minutes; `expiresAt`
    /// needs a sales unit approved for long-living payments) and does not say it in the answer, so
    /// this is only what the desk counts down; the state changes on what Vipps reports.
    #[serde(default = "default_push_expiry_minutes")]
    pub push_expiry_minutes: u32,
}

/// A Vipps webhook event for ePayment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VippsWebhookEvent {
    pub msn: String,
    pub reference: String,
    pub psp_reference: String,
    /// CREATED, AUTHORIZED, ABORTED, EXPIRED, CANCELLED, CAPTURED, REFUNDED, TERMINATED.
    pub name: String,
    pub amount: VippsAmount,
    pub timestamp: String,
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The outcome of the event (`WebhookEvent.success`): a `CAPTURED` with `false` is a capture that
    /// failed, not a capture.
    pub success: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VippsAmount {
    pub currency: NokOnly,
    /// Øre.
    pub value: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NokOnly {
    #[serde(rename = "NOK")]
    Nok,
}

impl VippsWebhookEvent {
    /// Our event for Vipps' event name; `None` for those that change nothing (CREATED) and for an
    /// event whose `success` is false: the operation it names did not happen.
    pub fn event(&self) -> Option<PaymentEvent> {
        if !self.success {
            return None;
        }
        state_event(&self.name)
    }

    /// What makes a delivery of this event unique: Vipps resends the same event on failure.
    pub fn event_id(&self) -> String {
        format!("{}:{}:{}", self.reference, self.name, self.psp_reference)
    }
}

/// Vipps' event names (`PaymentEventName`) and payment states (`State`) as our events.
fn state_event(name: &str) -> Option<PaymentEvent> {
    Some(match name {
        "AUTHORIZED" => PaymentEvent::Authorized,
        "CAPTURED" => PaymentEvent::Captured,
        "REFUNDED" => PaymentEvent::Refunded,
        "EXPIRED" => PaymentEvent::Expired,
        // The customer said no, or was under minimumUserAge (Vipps does not say which).
        "ABORTED" => PaymentEvent::Declined,
        // TERMINATED: the merchant cancelled before authorisation (`State`); CANCELLED: after.
        "TERMINATED" | "CANCELLED" => PaymentEvent::Cancelled,
        _ => return None,
    })
}

/// What Vipps checks of a create request that we can check first, so staff get a Norwegian answer
/// instead of a refused job.
pub fn check_before_sending(request: &PaymentRequest<'_>) -> Result<(), ProviderError> {
    let total = request.amount();
    if total.ore() < VIPPS_MINIMUM_ORE {
        return Err(ProviderError::BelowMinimum(total));
    }
    if !DESCRIPTION_LENGTH.contains(&description(request.order_number).chars().count()) {
        return Err(ProviderError::TooLong {
            provider: "Vipps",
            field: "betalingsteksten",
            max: *DESCRIPTION_LENGTH.end(),
        });
    }
    check_reference(request.reference)
}

fn description(order_number: &str) -> String {
    format!("Ordre {order_number}")
}

#[derive(Deserialize)]
struct GetPaymentResponse {
    state: String,
}

#[derive(Debug)]
pub struct VippsClient {
    config: VippsConfig,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
    /// Vipps sends this as a string ("3599").
    expires_in: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatePaymentResponse {
    reference: String,
}

impl VippsClient {
    pub fn new(config: VippsConfig, http: reqwest::Client) -> VippsClient {
        VippsClient {
            config,
            http,
            token: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &VippsConfig {
        &self.config
    }

    /// When a push sent at `sent_at` runs out in the app, as far as we can know (see
    /// [`VippsConfig::push_expiry_minutes`]).
    pub fn push_expires_at(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + chrono::Duration::minutes(i64::from(self.config.push_expiry_minutes))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    async fn access_token(&self) -> Result<String, ProviderError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let response = self
            .http
            .post(self.url("/accesstoken/get"))
            .header("client_id", &self.config.client_id)
            .header("client_secret", &self.config.client_secret)
            .header("Ocp-Apim-Subscription-Key", &self.config.subscription_key)
            .header("Merchant-Serial-Number", &self.config.merchant_serial_number)
            .send()
            .await?;
        let body = read_answer(response).await?;
        let token: AccessToken = serde_json::from_str(&body)
            .map_err(|e| ProviderError::Transient(format!("access token: {e}")))?;
        let seconds = match &token.expires_in {
            serde_json::Value::String(s) => s.parse().unwrap_or(0),
            other => other.as_u64().unwrap_or(0),
        };
        // Renew a minute early so a token never runs out in flight.
        let until = Instant::now() + Duration::from_secs(seconds.saturating_sub(60));
        *cached = Some((token.access_token.clone(), until));
        Ok(token.access_token)
    }

    /// Sends the push (idempotent on the reference); answers Vipps' reference.
    pub async fn create(&self, request: &PaymentRequest<'_>) -> Result<String, ProviderError> {
        let phone = &request.order.customer.phone;
        // F5: a push goes to a mobile; a landline is refused here, before anything is sent.
        if !phone.is_mobile() {
            return Err(ProviderError::NotMobile(phone.display_national()));
        }
        check_before_sending(request)?;
        let key = IdempotencyKey::of_reference(request.reference)?;
        let body = payment_body(request);
        let answer = self.post("/epayment/v1/payments", &key, body).await?;
        let created: CreatePaymentResponse =
            serde_json::from_str(&answer).map_err(|e| ProviderError::AnswerLost(format!("Vipps: {e}")))?;
        Ok(created.reference)
    }

    async fn post(
        &self,
        path: &str,
        key: &IdempotencyKey,
        body: serde_json::Value,
    ) -> Result<String, ProviderError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &self.config.subscription_key)
            .header("Merchant-Serial-Number", &self.config.merchant_serial_number)
            .header("Idempotency-Key", key.as_str())
            .header("Vipps-System-Name", "skranke")
            .header("Vipps-System-Version", env!("CARGO_PKG_VERSION"))
            .header("Vipps-System-Plugin-Name", "skranke-central")
            .header("Vipps-System-Plugin-Version", env!("CARGO_PKG_VERSION"))
            .json(&body)
            .send()
            .await?;
        read_answer(response).await
    }
}

fn nok(amount: Money) -> serde_json::Value {
    json!({"currency": "NOK", "value": amount.ore()})
}

/// The ePayment create body, with the order's lines as the receipt the customer sees in the app
/// (ePayment's pre-built Order Management integration: `receipt` is Order Management's `Receipt`).
/// The receipt's MVA is the confirmation's (S2, S2a): the lines come from [`crate::payment_lines`], as
/// Klarna's do. `expiresAt` is not sent: the ePayment definition requires a receipt when it is set,
/// not the other way round (an older guide said the reverse; the OpenAPI file is the newer source).
pub fn payment_body(request: &PaymentRequest<'_>) -> serde_json::Value {
    let order = request.order;
    let order_lines: Vec<serde_json::Value> = request
        .lines()
        .iter()
        .map(|l| {
            // An exchange's goods coming back: Order Management's `isReturn` counts a line negative
            // in the bottom line, its amounts given positive.
            let back = l.total < Money::ZERO;
            let abs = |m: Money| m.ore().abs();
            json!({
                "name": l.name,
                "id": l.id,
                "totalAmount": abs(l.total),
                "totalAmountExcludingTax": abs(l.total_excluding_tax()),
                "totalTaxAmount": abs(l.tax),
                // `taxRate` in basis points; `taxPercentage` is deprecated and takes whole percents.
                "taxRate": l.tax_rate,
                "unitInfo": {
                    "unitPrice": abs(l.unit_price),
                    "quantity": l.quantity.to_string(),
                    "quantityUnit": "PCS",
                },
                "discount": 0,
                "isReturn": back,
                "isShipping": l.shipping,
            })
        })
        .collect();
    json!({
        "amount": nok(request.amount()),
        "customer": {"phoneNumber": order.customer.phone.msisdn()},
        "paymentMethod": {"type": "WALLET"},
        "userFlow": "PUSH_MESSAGE",
        "customerInteraction": "CUSTOMER_NOT_PRESENT",
        // Phone sales are to adults (P2, F6). Vipps enforces the age in its app and, for the
        // customer's privacy, reports only that the payment was aborted.
        "minimumUserAge": 18,
        "reference": request.reference,
        "paymentDescription": description(request.order_number),
        "receipt": {
            "orderLines": order_lines,
            "bottomLine": {"currency": "NOK", "receiptNumber": request.order_number},
        },
    })
}

impl PaymentProvider for VippsClient {
    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        _lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/capture");
        self.post(&path, key, json!({"modificationAmount": nok(amount)}))
            .await
            .map(drop)
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        _lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/refund");
        self.post(&path, key, json!({"modificationAmount": nok(amount)}))
            .await
            .map(drop)
    }

    /// Before authorisation this ends the payment (`TERMINATED`); after, it releases the reservation
    /// (`operations/cancel.md`).
    async fn cancel(&self, reference: &str, key: &IdempotencyKey) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/cancel");
        self.post(&path, key, json!({})).await.map(drop)
    }

    async fn release(&self, reference: &str, key: &IdempotencyKey) -> Result<(), ProviderError> {
        self.cancel(reference, key).await
    }

    /// operations/cancel.md: after a partial capture, `cancel` releases the remaining amount.
    async fn release_rest(&self, reference: &str, key: &IdempotencyKey) -> Result<(), ProviderError> {
        self.cancel(reference, key).await
    }

    /// `GET /epayment/v1/payments/{reference}`: its `state` (CREATED, ABORTED, EXPIRED, AUTHORIZED,
    /// TERMINATED) as our event.
    async fn status(
        &self,
        reference: &str,
        _method: PaymentMethod,
        _now: DateTime<Utc>,
    ) -> Result<Observed, ProviderError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .get(self.url(&format!("/epayment/v1/payments/{reference}")))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &self.config.subscription_key)
            .header("Merchant-Serial-Number", &self.config.merchant_serial_number)
            .send()
            .await?;
        let body = read_answer(response).await?;
        let payment: GetPaymentResponse =
            serde_json::from_str(&body).map_err(|e| ProviderError::AnswerLost(format!("Vipps: {e}")))?;
        Ok(Observed {
            event: state_event(&payment.state),
            provider_order_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(name: &str, success: bool) -> VippsWebhookEvent {
        serde_json::from_value(json!({
            "msn": "123456", "reference": "OSL1-000001-1", "pspReference": "psp-1", "name": name,
            "amount": {"currency": "NOK", "value": 10000}, "timestamp": "2026-12-02T10:00:00Z",
            "idempotencyKey": null, "success": success,
        }))
        .unwrap()
    }

    /// `WebhookEvent.success` is the outcome; `TERMINATED` is the merchant's cancel, `ABORTED` the
    /// customer's.
    #[test]
    fn webhook_events_follow_the_published_meaning() {
        assert_eq!(webhook("CAPTURED", true).event(), Some(PaymentEvent::Captured));
        assert_eq!(webhook("CAPTURED", false).event(), None);
        assert_eq!(webhook("REFUNDED", false).event(), None);
        assert_eq!(webhook("TERMINATED", true).event(), Some(PaymentEvent::Cancelled));
        assert_eq!(webhook("ABORTED", true).event(), Some(PaymentEvent::Declined));
        assert_eq!(webhook("CREATED", true).event(), None);
    }
}
