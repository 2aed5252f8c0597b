//! Vipps MobilePay ePayment: a push request to the customer's phone (`userFlow: PUSH_MESSAGE`,
//! `customerInteraction: CUSTOMER_NOT_PRESENT`, `minimumUserAge: 18`) with the order's receipt,
//! capture, refund, cancel.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;
use skranke_core::Money;
use tokio::sync::Mutex;

use crate::lines::payment_lines;
use crate::{
    check_reference, read_answer, Created, PaymentEvent, PaymentProvider, PaymentRequest, ProviderError,
};

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
    /// Our event for Vipps' event name; `None` for those that change nothing (CREATED).
    pub fn event(&self) -> Option<PaymentEvent> {
        Some(match self.name.as_str() {
            "AUTHORIZED" => PaymentEvent::Authorized,
            "CAPTURED" => PaymentEvent::Captured,
            "REFUNDED" => PaymentEvent::Refunded,
            "EXPIRED" => PaymentEvent::Expired,
            // ABORTED: the customer said no, or was under minimumUserAge (Vipps does not say which).
            "ABORTED" | "TERMINATED" => PaymentEvent::Declined,
            "CANCELLED" => PaymentEvent::Cancelled,
            _ => return None,
        })
    }

    /// What makes a delivery of this event unique: Vipps resends the same event on failure.
    pub fn event_id(&self) -> String {
        format!("{}:{}:{}", self.reference, self.name, self.psp_reference)
    }
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

    async fn post(&self, path: &str, key: &str, body: serde_json::Value) -> Result<String, ProviderError> {
        let token = self.access_token().await?;
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("Ocp-Apim-Subscription-Key", &self.config.subscription_key)
            .header("Merchant-Serial-Number", &self.config.merchant_serial_number)
            .header("Idempotency-Key", key)
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
/// The receipt's MVA is the confirmation's (S2, S2a): the lines come from [`payment_lines`], as
/// Klarna's do. `expiresAt` is not sent: the ePayment definition requires a receipt when it is set,
/// not the other way round (an older guide said the reverse; the OpenAPI file is the newer source).
pub fn payment_body(request: &PaymentRequest<'_>) -> serde_json::Value {
    let order = request.order;
    let order_lines: Vec<serde_json::Value> = payment_lines(order)
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "id": l.id,
                "totalAmount": l.total.ore(),
                "totalAmountExcludingTax": l.total_excluding_tax().ore(),
                "totalTaxAmount": l.tax.ore(),
                // `taxRate` in basis points; `taxPercentage` is deprecated and takes whole percents.
                "taxRate": l.tax_rate,
                "unitInfo": {
                    "unitPrice": l.unit_price.ore(),
                    "quantity": l.quantity.to_string(),
                    "quantityUnit": "PCS",
                },
                "discount": 0,
                "isReturn": false,
                "isShipping": l.shipping,
            })
        })
        .collect();
    json!({
        "amount": nok(order.totals.total),
        "customer": {"phoneNumber": order.customer.phone.msisdn()},
        "paymentMethod": {"type": "WALLET"},
        "userFlow": "PUSH_MESSAGE",
        "customerInteraction": "CUSTOMER_NOT_PRESENT",
        // Phone sales are to adults (P2, F6). Vipps enforces the age in its app and, for the
        // customer's privacy, reports only that the payment was aborted.
        "minimumUserAge": 18,
        "reference": request.reference,
        "paymentDescription": format!("Ordre {}", request.order_number),
        "receipt": {
            "orderLines": order_lines,
            "bottomLine": {"currency": "NOK", "receiptNumber": request.order_number},
        },
    })
}

impl PaymentProvider for VippsClient {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<Created, ProviderError> {
        let phone = &request.order.customer.phone;
        // F5: a push goes to a mobile; a landline is refused here, before anything is sent.
        if !phone.is_mobile() {
            return Err(ProviderError::NotMobile(phone.display_national()));
        }
        check_reference(request.reference)?;
        let body = payment_body(request);
        let answer = self
            .post("/epayment/v1/payments", request.reference, body)
            .await?;
        let created: CreatePaymentResponse =
            serde_json::from_str(&answer).map_err(|e| ProviderError::Transient(format!("Vipps: {e}")))?;
        Ok(Created {
            provider_id: created.reference,
            link: None,
        })
    }

    async fn capture(&self, reference: &str, amount: Money, key: &str) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/capture");
        self.post(&path, key, json!({"modificationAmount": nok(amount)}))
            .await
            .map(drop)
    }

    async fn refund(&self, reference: &str, amount: Money, key: &str) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/refund");
        self.post(&path, key, json!({"modificationAmount": nok(amount)}))
            .await
            .map(drop)
    }

    async fn cancel(&self, reference: &str, key: &str) -> Result<(), ProviderError> {
        let path = format!("/epayment/v1/payments/{reference}/cancel");
        self.post(&path, key, json!({})).await.map(drop)
    }
}
