//! The outside services the central store talks to: the payment providers and the mail server.

use skranke_core::ShopPolicy;
use skranke_payments::{KlarnaClient, VippsClient};

use crate::mail::Mailer;

/// Configured once at start; a missing provider leaves its requests waiting (and says so).
#[derive(Debug, Default)]
pub struct Integrations {
    pub vipps: Option<VippsClient>,
    pub klarna: Option<KlarnaClient>,
    /// The secret in Klarna's status-update path (Klarna does not sign its callbacks).
    pub klarna_webhook_secret: Option<String>,
    pub mailer: Option<Mailer>,
    /// The shop's policy, for the confirmation the e-mail carries.
    pub policy: ShopPolicy,
}
