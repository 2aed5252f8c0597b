//! Payment requests sent to the customer (P5): Vipps push and Klarna links, over the providers' own APIs.
//!
//! The central store owns the lifecycle; this crate only speaks to the providers: it creates a request,
//! captures, refunds and cancels, and checks that a webhook really came from the provider. Tests run it
//! against `skranke-fakepay`, which answers in the same shapes.

mod keys;
mod klarna;
mod lines;
mod vipps;
mod webhook;

pub use keys::{IdempotencyKey, KeyKind, IDEMPOTENCY_KEY_MAX};

pub use klarna::{
    category as klarna_category, event as klarna_event, session_body as klarna_session_body, HppSession,
    KlarnaClient, KlarnaConfig, KlarnaStatusUpdate,
};
pub use lines::{change_refund_lines, exchange_credit_lines, payment_lines, refund_lines, PaymentLine};
pub use skranke_core::payment_state::{PaymentEvent, PaymentState};
pub use vipps::{
    check_before_sending as vipps_check_before_sending, payment_body as vipps_payment_body, VippsClient,
    VippsConfig, VippsWebhookEvent, VIPPS_MINIMUM_ORE,
};
pub use webhook::{sign_vipps_webhook, verify_vipps_webhook, VippsSignature, WebhookError};

use chrono::{DateTime, Utc};
use skranke_core::{Money, PaymentMethod, ValidOrder};

pub use reqwest::Client as HttpClient;

/// The client the adapters share: timeouts so a hung provider holds up only its own job.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(20))
        .build()
}

/// One payment request for one order: what the provider is asked for.
#[derive(Debug, Clone)]
pub struct PaymentRequest<'a> {
    /// Unique per attempt, `^[a-zA-Z0-9-]{8,50}$` (Vipps' rule; Klarna accepts it too).
    pub reference: &'a str,
    pub order_number: &'a str,
    pub method: PaymentMethod,
    pub order: &'a ValidOrder,
    /// What is set against the order's own lines (an exchange's goods coming back, less the return
    /// label): the request is for the order's total plus these (see [`exchange_credit_lines`]).
    pub credit: &'a [PaymentLine],
}

impl PaymentRequest<'_> {
    /// Every line the customer is asked to pay for, the credit last.
    pub fn lines(&self) -> Vec<PaymentLine> {
        let mut lines = payment_lines(self.order);
        lines.extend_from_slice(self.credit);
        lines
    }

    /// What the customer is asked for: the lines' sum.
    pub fn amount(&self) -> Money {
        self.order.totals.total + self.credit.iter().map(|l| l.total).sum::<Money>()
    }
}

/// What the provider says of a request when asked (polling, P5): the event it amounts to, if any, and
/// Klarna's order id once the customer has paid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    pub event: Option<PaymentEvent>,
    pub provider_order_id: Option<String>,
}

/// Why a provider call failed. `Refused` is final (the request itself is wrong); `Transient` is retried.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("Vipps krever et mobilnummer (4xx xx xxx eller 9xx xx xxx); {0} er ikke et mobilnummer")]
    NotMobile(String),
    #[error("ugyldig referanse {0:?}: 8–50 tegn, bare bokstaver, tall og bindestrek")]
    BadReference(String),
    #[error("ugyldig idempotensnøkkel {0:?}: 1–50 tegn, bare bokstaver, tall og bindestrek")]
    BadKey(String),
    #[error("Vipps tar bare beløp fra 1,00 kr; denne ordren er på {0}")]
    BelowMinimum(Money),
    #[error("{field} er for lang for {provider} (høyst {max} tegn)")]
    TooLong {
        provider: &'static str,
        field: &'static str,
        max: usize,
    },
    #[error("kunden har verken mobilnummer eller e-post som lenken kan sendes til")]
    NoContact,
    #[error("betalingstjenesten avviste forespørselen ({status}): {detail}")]
    Refused { status: u16, detail: String },
    /// The call did not reach the provider, or the provider said to try again: nothing was done.
    #[error("betalingstjenesten svarte ikke: {0}")]
    Transient(String),
    /// The call reached the provider and its answer was lost (a timeout, a gateway error): it may
    /// have acted. Safe to repeat only where the call carries an idempotency key.
    #[error("svaret fra betalingstjenesten kom ikke fram: {0}")]
    AnswerLost(String),
}

impl ProviderError {
    /// Whether trying the same call again later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, ProviderError::Transient(_) | ProviderError::AnswerLost(_))
    }

    /// Whether the provider may have done what was asked although we have no answer.
    pub fn may_have_acted(&self) -> bool {
        matches!(self, ProviderError::AnswerLost(_))
    }
}

impl From<reqwest::Error> for ProviderError {
    fn from(e: reqwest::Error) -> ProviderError {
        // Refused before a byte was sent: the provider cannot have acted.
        if e.is_connect() || e.is_builder() {
            ProviderError::Transient(e.to_string())
        } else {
            ProviderError::AnswerLost(e.to_string())
        }
    }
}

/// Sorts an answer: 2xx is read, 4xx (but 408 and 429) is final; 408, 429 and 503 mean "not done, try
/// again" (Klarna documents 503 so for distribution); any other 5xx may have been acted on.
pub(crate) async fn read_answer(response: reqwest::Response) -> Result<String, ProviderError> {
    let status = response.status();
    let body = response.text().await?;
    if status.is_success() {
        return Ok(body);
    }
    let code = status.as_u16();
    if status.is_client_error() && code != 408 && code != 429 {
        return Err(ProviderError::Refused {
            status: code,
            detail: body.chars().take(500).collect(),
        });
    }
    let detail = format!("{code}: {}", body.chars().take(200).collect::<String>());
    if matches!(code, 408 | 429 | 503) {
        Err(ProviderError::Transient(detail))
    } else {
        Err(ProviderError::AnswerLost(detail))
    }
}

/// What a payment provider does with a request once it is created (P5). Creating differs: Vipps takes one
/// keyed call ([`VippsClient::create`]), Klarna three unkeyed steps the caller keeps ([`KlarnaClient`]).
pub trait PaymentProvider {
    /// Takes `amount` of a reserved payment (when the parcel is sent), made up of `lines` (Klarna
    /// shows them on the invoice; Vipps has the receipt from the request). Idempotent on `key`.
    fn capture(
        &self,
        provider_id: &str,
        amount: Money,
        lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Pays `amount` back (a return), made up of `lines`. Idempotent on `key`.
    fn refund(
        &self,
        provider_id: &str,
        amount: Money,
        lines: &[PaymentLine],
        key: &IdempotencyKey,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Withdraws a request that is not paid (the staff switched method, or the order was cancelled).
    fn cancel(
        &self,
        provider_id: &str,
        key: &IdempotencyKey,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Gives back a reservation nobody will capture (a replaced request the customer paid after all):
    /// Vipps cancels the authorisation, Klarna cancels the order. Idempotent on `key`.
    fn release(
        &self,
        provider_order_id: &str,
        key: &IdempotencyKey,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Gives back what is left of a reservation after a capture of less (an order made cheaper
    /// before dispatch), so the customer's card or account is not held for money nobody will take:
    /// Vipps' `cancel` after a partial capture, Klarna's `release-remaining-authorization`.
    /// Idempotent on `key`.
    fn release_rest(
        &self,
        provider_order_id: &str,
        key: &IdempotencyKey,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Asks where an open request stands (webhooks are best effort; P5 polling). `now` decides
    /// whether an `expires_at` the provider gave has passed.
    fn status(
        &self,
        provider_id: &str,
        method: PaymentMethod,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<Observed, ProviderError>> + Send;
}

/// Vipps' reference rule, checked before anything is sent: `^[a-zA-Z0-9-]{8,50}$` in
/// `docs/epayment.v1.yml` (`Reference`); older guides said 64, the definition is the stricter.
pub fn check_reference(reference: &str) -> Result<(), ProviderError> {
    let ok = (8..=50).contains(&reference.len())
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ProviderError::BadReference(reference.chars().take(80).collect()))
    }
}
