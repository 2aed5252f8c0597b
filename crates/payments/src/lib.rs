//! Payment requests sent to the customer (P5): Vipps push and Klarna links, over the providers' own APIs.
//!
//! The central store owns the lifecycle; this crate only speaks to the providers: it creates a request,
//! captures, refunds and cancels, and checks that a webhook really came from the provider. Tests run it
//! against `skranke-fakepay`, which answers in the same shapes.

mod klarna;
mod lines;
mod vipps;
mod webhook;

pub use klarna::{session_body as klarna_session_body, KlarnaClient, KlarnaConfig, KlarnaStatusUpdate};
pub use lines::{payment_lines, PaymentLine};
pub use skranke_core::payment_state::{PaymentEvent, PaymentState};
pub use vipps::{payment_body as vipps_payment_body, VippsClient, VippsConfig, VippsWebhookEvent};
pub use webhook::{sign_vipps_webhook, verify_vipps_webhook, VippsSignature, WebhookError};

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
    /// Unique per attempt, `^[a-zA-Z0-9-]{8,64}$` (Vipps' rule; Klarna accepts it too).
    pub reference: &'a str,
    pub order_number: &'a str,
    pub method: PaymentMethod,
    pub order: &'a ValidOrder,
}

/// What the provider answered to a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The provider's own id: Vipps' reference, Klarna's HPP session id.
    pub provider_id: String,
    /// The link the customer got (Klarna), if any.
    pub link: Option<String>,
}

/// Why a provider call failed. `Refused` is final (the request itself is wrong); `Transient` is retried.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("Vipps krever et mobilnummer (4xx xx xxx eller 9xx xx xxx); {0} er ikke et mobilnummer")]
    NotMobile(String),
    #[error("ugyldig referanse {0:?}: 8–64 tegn, bare bokstaver, tall og bindestrek")]
    BadReference(String),
    #[error("kunden har verken mobilnummer eller e-post som lenken kan sendes til")]
    NoContact,
    #[error("betalingstjenesten avviste forespørselen ({status}): {detail}")]
    Refused { status: u16, detail: String },
    #[error("betalingstjenesten svarte ikke: {0}")]
    Transient(String),
}

impl ProviderError {
    /// Whether trying the same call again later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, ProviderError::Transient(_))
    }
}

impl From<reqwest::Error> for ProviderError {
    fn from(e: reqwest::Error) -> ProviderError {
        ProviderError::Transient(e.to_string())
    }
}

/// Sorts an answer: 2xx is read, 4xx (but 408 and 429) is final, everything else is retried.
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
    Err(ProviderError::Transient(format!(
        "{code}: {}",
        body.chars().take(200).collect::<String>()
    )))
}

/// The three things a payment provider does for a phone order (P5).
pub trait PaymentProvider {
    /// Sends the request to the customer. Idempotent on `request.reference`.
    fn create(
        &self,
        request: &PaymentRequest<'_>,
    ) -> impl std::future::Future<Output = Result<Created, ProviderError>> + Send;
    /// Takes `amount` of a reserved payment (when the parcel is sent). Idempotent on `key`.
    fn capture(
        &self,
        provider_id: &str,
        amount: Money,
        key: &str,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Pays `amount` back (a return). Idempotent on `key`.
    fn refund(
        &self,
        provider_id: &str,
        amount: Money,
        key: &str,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
    /// Withdraws a request that is not paid (the staff switched method, or the order was cancelled).
    fn cancel(
        &self,
        provider_id: &str,
        key: &str,
    ) -> impl std::future::Future<Output = Result<(), ProviderError>> + Send;
}

/// Vipps' reference rule, checked before anything is sent.
pub fn check_reference(reference: &str) -> Result<(), ProviderError> {
    let ok = (8..=64).contains(&reference.len())
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ProviderError::BadReference(reference.chars().take(80).collect()))
    }
}
