//! Vipps' webhook signature: HMAC-SHA256 over the method, path, date, host and the body's SHA-256,
//! with the secret given when the webhook was registered (Vipps "Request authentication").

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The headers Vipps sends with a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VippsSignature {
    /// `x-ms-date`
    pub date: String,
    /// `x-ms-content-sha256`: base64 SHA-256 of the body.
    pub content_sha256: String,
    /// `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...`
    pub authorization: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("innholdet stemmer ikke med x-ms-content-sha256")]
    ContentHash,
    #[error("signaturen stemmer ikke")]
    Signature,
}

fn authorization(secret: &str, path_and_query: &str, host: &str, date: &str, content_sha256: &str) -> String {
    let signed = format!("POST\n{path_and_query}\n{date};{host};{content_sha256}");
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(signed.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());
    format!("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}")
}

/// Signs a webhook as Vipps does (for the fake server).
pub fn sign_vipps_webhook(
    secret: &str,
    path_and_query: &str,
    host: &str,
    date: &str,
    body: &[u8],
) -> VippsSignature {
    let content_sha256 = BASE64.encode(Sha256::digest(body));
    VippsSignature {
        date: date.to_string(),
        authorization: authorization(secret, path_and_query, host, date, &content_sha256),
        content_sha256,
    }
}

/// Checks a webhook: the body against its hash, and the signature, both compared in constant time.
pub fn verify_vipps_webhook(
    secret: &str,
    path_and_query: &str,
    host: &str,
    signature: &VippsSignature,
    body: &[u8],
) -> Result<(), WebhookError> {
    let content = BASE64.encode(Sha256::digest(body));
    if !bool::from(content.as_bytes().ct_eq(signature.content_sha256.as_bytes())) {
        return Err(WebhookError::ContentHash);
    }
    let expected = authorization(secret, path_and_query, host, &signature.date, &content);
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(signature.authorization.as_bytes())) {
        return Err(WebhookError::Signature);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_webhook_verifies_and_any_change_is_refused() {
        let body = br#"{"reference":"OSL1-000001-1","name":"AUTHORIZED"}"#;
        let sig = sign_vipps_webhook(
            "hemmelig",
            "/v1/webhooks/vipps",
            "central:8080",
            "Sun, 22 Nov 2026 05:00:00 GMT",
            body,
        );
        assert_eq!(
            verify_vipps_webhook("hemmelig", "/v1/webhooks/vipps", "central:8080", &sig, body),
            Ok(())
        );
        let forged = br#"{"reference":"OSL1-000001-1","name":"CAPTURED"}"#;
        assert_eq!(
            verify_vipps_webhook("hemmelig", "/v1/webhooks/vipps", "central:8080", &sig, forged),
            Err(WebhookError::ContentHash)
        );
        assert_eq!(
            verify_vipps_webhook("annen", "/v1/webhooks/vipps", "central:8080", &sig, body),
            Err(WebhookError::Signature)
        );
        let mut later = sig.clone();
        later.date = "Sun, 22 Nov 2026 06:00:00 GMT".into();
        assert_eq!(
            verify_vipps_webhook("hemmelig", "/v1/webhooks/vipps", "central:8080", &later, body),
            Err(WebhookError::Signature)
        );
    }
}
