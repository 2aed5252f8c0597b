//! Klarna: a Klarna Payments session (`acquiring_channel: TELESALES`), a Hosted Payment Page session on
//! it, and the page's link distributed by SMS or e-mail; then Order Management for capture and refund.
//! Card, faktura and delbetaling all go through the page (P5), each as its own payment category.

use serde::{Deserialize, Serialize};
use serde_json::json;
use skranke_core::{Money, PaymentMethod};

use crate::lines::payment_lines;
use crate::{
    check_reference, read_answer, Created, PaymentEvent, PaymentProvider, PaymentRequest, ProviderError,
};

/// Where and who we are at Klarna.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KlarnaConfig {
    /// `https://api.klarna.com` (test: `https://api.playground.klarna.com`).
    pub base_url: String,
    pub username: String,
    pub password: String,
    /// Where Klarna posts status updates: the central store's public
    /// `/v1/webhooks/klarna/<secret>`; Klarna does not sign them, so the path carries a secret.
    pub status_update_url: String,
    /// The shop's pages the customer lands on after paying.
    pub shop_url: String,
}

/// Klarna's status update for a Hosted Payment Page session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlarnaStatusUpdate {
    pub event_id: String,
    pub session: KlarnaSession,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlarnaSession {
    pub session_id: String,
    /// WAITING, IN_PROGRESS, COMPLETED, CANCELLED, FAILED, EXPIRED, BACK, ERROR, DISABLED.
    pub status: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub authorization_token: Option<String>,
}

impl KlarnaStatusUpdate {
    /// Our event; `captured` when the page took the money at once (card, `CAPTURE_ORDER`).
    pub fn event(&self, method: PaymentMethod) -> Option<PaymentEvent> {
        Some(match self.session.status.as_str() {
            "COMPLETED" if method == PaymentMethod::Kort => PaymentEvent::Captured,
            "COMPLETED" => PaymentEvent::Authorized,
            "EXPIRED" => PaymentEvent::Expired,
            "CANCELLED" | "FAILED" | "ERROR" => PaymentEvent::Declined,
            "DISABLED" => PaymentEvent::Cancelled,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub struct KlarnaClient {
    config: KlarnaConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct KpSession {
    session_id: String,
}

#[derive(Deserialize)]
struct HppSession {
    session_id: String,
    distribution_url: String,
    redirect_url: String,
}

/// The page's payment category for a method (P1).
fn category(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::KlarnaFaktura => "pay_later",
        PaymentMethod::KlarnaDelbetaling => "pay_over_time",
        PaymentMethod::Kort | PaymentMethod::Vipps => "pay_now",
    }
}

/// The KP session body: every line with its MVA, which adds up per rate to S2's figures.
pub fn session_body(request: &PaymentRequest<'_>) -> serde_json::Value {
    let lines = payment_lines(request.order);
    let order_lines: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            json!({
                "type": if l.shipping { "shipping_fee" } else { "physical" },
                "reference": l.id,
                "name": l.name,
                "quantity": l.quantity,
                "unit_price": l.unit_price.ore(),
                "tax_rate": l.tax_rate,
                "total_amount": l.total.ore(),
                "total_discount_amount": 0,
                "total_tax_amount": l.tax.ore(),
            })
        })
        .collect();
    let tax_total: Money = lines.iter().map(|l| l.tax).sum();
    json!({
        "acquiring_channel": "TELESALES",
        "intent": "buy",
        "purchase_country": "NO",
        "purchase_currency": "NOK",
        "locale": "nb-NO",
        "order_amount": request.order.totals.total.ore(),
        "order_tax_amount": tax_total.ore(),
        "order_lines": order_lines,
        "merchant_reference1": request.order_number,
        "merchant_reference2": request.reference,
    })
}

impl KlarnaClient {
    pub fn new(config: KlarnaConfig, http: reqwest::Client) -> KlarnaClient {
        KlarnaClient { config, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    async fn post(&self, url: &str, key: &str, body: serde_json::Value) -> Result<String, ProviderError> {
        let response = self
            .http
            .post(url)
            .basic_auth(&self.config.username, Some(&self.config.password))
            .header("Klarna-Idempotency-Key", key)
            .json(&body)
            .send()
            .await?;
        read_answer(response).await
    }
}

impl PaymentProvider for KlarnaClient {
    async fn create(&self, request: &PaymentRequest<'_>) -> Result<Created, ProviderError> {
        check_reference(request.reference)?;
        let customer = &request.order.customer;
        // Klarna prefers SMS to a mobile; e-mail otherwise (P5).
        let contact = if customer.phone.is_mobile() {
            json!({"method": "sms", "contact_information": {"phone": customer.phone.e164(), "phone_country": "NO"}})
        } else if let Some(email) = &customer.email {
            json!({"method": "email", "contact_information": {"email": email.as_str()}})
        } else {
            return Err(ProviderError::NoContact);
        };
        let key = request.reference;
        let kp = self
            .post(
                &self.url("/payments/v1/sessions"),
                &format!("{key}-kp"),
                session_body(request),
            )
            .await?;
        let kp: KpSession =
            serde_json::from_str(&kp).map_err(|e| ProviderError::Transient(format!("Klarna: {e}")))?;
        let shop = self.config.shop_url.trim_end_matches('/');
        let place_order_mode = if request.method == PaymentMethod::Kort {
            "CAPTURE_ORDER"
        } else {
            "PLACE_ORDER"
        };
        let hpp_body = json!({
            "payment_session_url": self.url(&format!("/payments/v1/sessions/{}", kp.session_id)),
            "merchant_urls": {
                "success": format!("{shop}/betalt?ordre={}", request.order_number),
                "cancel": format!("{shop}/avbrutt?ordre={}", request.order_number),
                "back": format!("{shop}/avbrutt?ordre={}", request.order_number),
                "failure": format!("{shop}/avbrutt?ordre={}", request.order_number),
                "error": format!("{shop}/avbrutt?ordre={}", request.order_number),
                "status_update": self.config.status_update_url,
            },
            "options": {
                "place_order_mode": place_order_mode,
                "payment_method_categories": [category(request.method)],
            },
        });
        let hpp = self
            .post(&self.url("/hpp/v1/sessions"), &format!("{key}-hpp"), hpp_body)
            .await?;
        let hpp: HppSession =
            serde_json::from_str(&hpp).map_err(|e| ProviderError::Transient(format!("Klarna: {e}")))?;
        self.post(&hpp.distribution_url, &format!("{key}-send"), contact)
            .await?;
        Ok(Created {
            provider_id: hpp.session_id,
            link: Some(hpp.redirect_url),
        })
    }

    async fn capture(&self, order_id: &str, amount: Money, key: &str) -> Result<(), ProviderError> {
        let url = self.url(&format!("/ordermanagement/v1/orders/{order_id}/captures"));
        self.post(&url, key, json!({"captured_amount": amount.ore()}))
            .await
            .map(drop)
    }

    async fn refund(&self, order_id: &str, amount: Money, key: &str) -> Result<(), ProviderError> {
        let url = self.url(&format!("/ordermanagement/v1/orders/{order_id}/refunds"));
        self.post(&url, key, json!({"refunded_amount": amount.ore()}))
            .await
            .map(drop)
    }

    /// Disables the page while nothing is paid (Klarna: `DELETE /hpp/v1/sessions/{id}`).
    async fn cancel(&self, session_id: &str, key: &str) -> Result<(), ProviderError> {
        let response = self
            .http
            .delete(self.url(&format!("/hpp/v1/sessions/{session_id}")))
            .basic_auth(&self.config.username, Some(&self.config.password))
            .header("Klarna-Idempotency-Key", key)
            .send()
            .await?;
        read_answer(response).await.map(drop)
    }
}
