//! Klarna: a Klarna Payments session (`acquiring_channel: TELESALES`), a Hosted Payment Page session on
//! it, and the page's link distributed by SMS or e-mail; then Order Management for capture and refund.
//! Card, faktura and delbetaling all go through the page (P5), each as its own payment category.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skranke_core::{Money, PaymentMethod};

use crate::lines::PaymentLine;
use crate::{
    check_reference, read_answer, IdempotencyKey, Observed, PaymentEvent, PaymentProvider, PaymentRequest,
    ProviderError,
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
    /// `SessionResponseV1.status`: WAITING, BACK, IN_PROGRESS, MANUAL_ID_CHECK, COMPLETED, CANCELLED,
    /// FAILED, DISABLED, ERROR (there is no EXPIRED: an expired session answers 404).
    pub status: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub authorization_token: Option<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl KlarnaStatusUpdate {
    pub fn event(&self, method: PaymentMethod) -> Option<PaymentEvent> {
        event(&self.session.status, method)
    }
}

/// An HPP status as our event; `captured` when the page took the money at once (card,
/// `CAPTURE_ORDER`). FAILED, ERROR and BACK are not final: Klarna's page lets the customer try again
/// until the session expires, so the request stays open and a later COMPLETED is taken.
pub fn event(status: &str, method: PaymentMethod) -> Option<PaymentEvent> {
    Some(match status {
        "COMPLETED" if method == PaymentMethod::Kort => PaymentEvent::Captured,
        "COMPLETED" => PaymentEvent::Authorized,
        "FAILED" | "ERROR" | "BACK" => PaymentEvent::Interrupted,
        // The customer cancelled on the page.
        "CANCELLED" => PaymentEvent::Declined,
        // We disabled it (DELETE /hpp/v1/sessions/{id}).
        "DISABLED" => PaymentEvent::Cancelled,
        _ => return None,
    })
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

/// Klarna's answer to a new HPP session (`SessionCreationResponseV1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HppSession {
    pub session_id: String,
    pub distribution_url: String,
    /// "HPP url to redirect the consumer to. ECOMMERCE only": absent for a distributed session.
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The page's payment category for a method (P1), in the spelling of `OptionsV1`'s enum (DIRECT_DEBIT,
/// DIRECT_BANK_TRANSFER, PAY_NOW, PAY_LATER, PAY_OVER_TIME, KLARNA).
pub fn category(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::KlarnaFaktura => "PAY_LATER",
        PaymentMethod::KlarnaDelbetaling => "PAY_OVER_TIME",
        PaymentMethod::Kort | PaymentMethod::Vipps => "PAY_NOW",
    }
}

/// Klarna's `order_line` for each of our lines (Payments and Order Management share the shape).
fn order_lines(lines: &[PaymentLine]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| {
            json!({
                // A negative line is what an exchange's returned goods are worth against the new order.
                "type": if l.total < Money::ZERO { "store_credit" } else if l.shipping { "shipping_fee" } else { "physical" },
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
        .collect()
}

/// The KP session body: every line with its MVA, which adds up per rate to S2's figures.
pub fn session_body(request: &PaymentRequest<'_>) -> serde_json::Value {
    let lines = request.lines();
    let order_lines = order_lines(&lines);
    let tax_total: Money = lines.iter().map(|l| l.tax).sum();
    json!({
        "acquiring_channel": "TELESALES",
        "intent": "buy",
        "purchase_country": "NO",
        "purchase_currency": "NOK",
        "locale": "nb-NO",
        "order_amount": request.amount().ore(),
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

    /// A Payments or HPP call: these take no idempotency key, so the caller keeps each answer before
    /// the next step and repeats only a step that has none.
    async fn post(&self, url: &str, body: serde_json::Value) -> Result<String, ProviderError> {
        let response = self
            .http
            .post(url)
            .basic_auth(&self.config.username, Some(&self.config.password))
            .json(&body)
            .send()
            .await?;
        read_answer(response).await
    }

    /// An Order Management call, idempotent on `Klarna-Idempotency-Key`.
    async fn post_keyed(
        &self,
        url: &str,
        key: &IdempotencyKey,
        body: serde_json::Value,
    ) -> Result<String, ProviderError> {
        let response = self
            .http
            .post(url)
            .basic_auth(&self.config.username, Some(&self.config.password))
            .header("Klarna-Idempotency-Key", key.as_str())
            .json(&body)
            .send()
            .await?;
        read_answer(response).await
    }

    /// An Order Management capture or refund: the amount under `field`, with its `order_lines`.
    async fn operation(
        &self,
        order_id: &str,
        path: &str,
        field: &str,
        amount: Money,
        lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> Result<(), ProviderError> {
        let url = self.url(&format!("/ordermanagement/v1/orders/{order_id}/{path}"));
        let mut body = json!({ field: amount.ore() });
        if !lines.is_empty() {
            body["order_lines"] = json!(order_lines(lines));
        }
        self.post_keyed(&url, key, body).await.map(drop)
    }

    /// Step 1: the Klarna Payments session. A lost answer leaves a session nobody sees; it expires.
    pub async fn create_payment_session(
        &self,
        request: &PaymentRequest<'_>,
    ) -> Result<String, ProviderError> {
        check_reference(request.reference)?;
        contact(request)?;
        let kp = self
            .post(&self.url("/payments/v1/sessions"), session_body(request))
            .await?;
        let kp: KpSession =
            serde_json::from_str(&kp).map_err(|e| ProviderError::AnswerLost(format!("Klarna: {e}")))?;
        Ok(kp.session_id)
    }

    /// Step 2: the Hosted Payment Page on that session. A lost answer leaves a page nobody was sent.
    pub async fn create_page(
        &self,
        request: &PaymentRequest<'_>,
        payment_session_id: &str,
    ) -> Result<HppSession, ProviderError> {
        let shop = self.config.shop_url.trim_end_matches('/');
        let place_order_mode = if request.method == PaymentMethod::Kort {
            "CAPTURE_ORDER"
        } else {
            "PLACE_ORDER"
        };
        let landing = |page: &str| format!("{shop}/{page}?ordre={}", request.order_number);
        let body = json!({
            "payment_session_url": self.url(&format!("/payments/v1/sessions/{payment_session_id}")),
            "merchant_urls": {
                "success": landing("betalt"),
                "cancel": landing("avbrutt"),
                "back": landing("avbrutt"),
                "failure": landing("avbrutt"),
                "error": landing("avbrutt"),
                "status_update": self.config.status_update_url,
            },
            "options": {
                "place_order_mode": place_order_mode,
                "payment_method_categories": [category(request.method)],
            },
        });
        let hpp = self.post(&self.url("/hpp/v1/sessions"), body).await?;
        serde_json::from_str(&hpp).map_err(|e| ProviderError::AnswerLost(format!("Klarna: {e}")))
    }

    /// Step 3: the link to the customer by SMS, or e-mail without a mobile (P5). Not idempotent: an
    /// answer that is lost may mean the SMS went, and the caller must not send it again unasked.
    pub async fn distribute(
        &self,
        request: &PaymentRequest<'_>,
        distribution_url: &str,
    ) -> Result<(), ProviderError> {
        self.post(distribution_url, contact(request)?).await.map(drop)
    }
}

/// Klarna's `DistributionRequestV1` for the customer: SMS to a mobile, e-mail otherwise.
fn contact(request: &PaymentRequest<'_>) -> Result<serde_json::Value, ProviderError> {
    let customer = &request.order.customer;
    if customer.phone.is_mobile() {
        Ok(
            json!({"method": "sms", "contact_information": {"phone": customer.phone.e164(), "phone_country": "NO"}}),
        )
    } else if let Some(email) = &customer.email {
        Ok(json!({"method": "email", "contact_information": {"email": email.as_str()}}))
    } else {
        Err(ProviderError::NoContact)
    }
}

#[derive(Deserialize)]
struct SessionRead {
    status: String,
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

impl PaymentProvider for KlarnaClient {
    /// `CaptureObject`: `captured_amount` with the lines it is made of.
    async fn capture(
        &self,
        order_id: &str,
        amount: Money,
        lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> Result<(), ProviderError> {
        self.operation(order_id, "captures", "captured_amount", amount, lines, key)
            .await
    }

    /// `RefundObject`: `refunded_amount` with the lines paid back ("optional but increases the
    /// customer experience": the customer sees what the credit is for).
    async fn refund(
        &self,
        order_id: &str,
        amount: Money,
        lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> Result<(), ProviderError> {
        self.operation(order_id, "refunds", "refunded_amount", amount, lines, key)
            .await
    }

    /// Disables the page while nothing is paid (Klarna: `DELETE /hpp/v1/sessions/{id}`; 400 once the
    /// session is completed).
    async fn cancel(&self, session_id: &str, _key: &IdempotencyKey) -> Result<(), ProviderError> {
        let response = self
            .http
            .delete(self.url(&format!("/hpp/v1/sessions/{session_id}")))
            .basic_auth(&self.config.username, Some(&self.config.password))
            .send()
            .await?;
        read_answer(response).await.map(drop)
    }

    /// Cancels an order nothing was captured on (`POST /ordermanagement/v1/orders/{id}/cancel`).
    async fn release(&self, order_id: &str, key: &IdempotencyKey) -> Result<(), ProviderError> {
        let url = self.url(&format!("/ordermanagement/v1/orders/{order_id}/cancel"));
        self.post_keyed(&url, key, json!({})).await.map(drop)
    }

    /// `POST /ordermanagement/v1/orders/{id}/release-remaining-authorization` (204).
    async fn release_rest(&self, order_id: &str, key: &IdempotencyKey) -> Result<(), ProviderError> {
        let url = self.url(&format!(
            "/ordermanagement/v1/orders/{order_id}/release-remaining-authorization"
        ));
        self.post_keyed(&url, key, json!({})).await.map(drop)
    }

    /// `GET /hpp/v1/sessions/{id}`: its status as our event. "404: HPP session has expired or could not
    /// be found", and a session past the `expires_at` Klarna gave, are expired: Klarna sends no
    /// callback for that.
    async fn status(
        &self,
        session_id: &str,
        method: PaymentMethod,
        now: DateTime<Utc>,
    ) -> Result<Observed, ProviderError> {
        let response = self
            .http
            .get(self.url(&format!("/hpp/v1/sessions/{session_id}")))
            .basic_auth(&self.config.username, Some(&self.config.password))
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(Observed {
                event: Some(PaymentEvent::Expired),
                provider_order_id: None,
            });
        }
        let body = read_answer(response).await?;
        let session: SessionRead =
            serde_json::from_str(&body).map_err(|e| ProviderError::AnswerLost(format!("Klarna: {e}")))?;
        let ran_out = session.expires_at.is_some_and(|at| at <= now);
        let event = match event(&session.status, method) {
            Some(PaymentEvent::Interrupted) | None if ran_out => Some(PaymentEvent::Expired),
            other => other,
        };
        Ok(Observed {
            event,
            provider_order_id: session.order_id,
        })
    }
}
