//! Idempotency keys for provider calls: fixed per call, at most 50 characters.
//!
//! Vipps' ePayment definition (`docs/epayment.v1.yml`, parameter `Idempotency-Key`: `maxLength: 50`)
//! is the stricter of the two providers; Klarna's Order Management takes any string. A key built from
//! the payment reference grew past 50 for a refund (reference + `-refund-` + a UUID: 53), so every
//! refund was refused. Keys are now a short kind plus the id of what the call is about (a UUID as 32
//! hex digits), never the reference, so their length does not depend on the order number.

use uuid::Uuid;

/// Vipps' limit on `Idempotency-Key` (and our own for Klarna, to keep one rule).
pub const IDEMPOTENCY_KEY_MAX: usize = 50;

/// The key of one provider call. Built only here, so it always fits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// What a key is for; with the id it names, it makes the call unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Withdraw an open request (the payment's id).
    Cancel,
    /// Take the reserved amount at dispatch (the payment's id).
    Capture,
    /// Pay back a return (the return's id).
    Refund,
    /// Give back what a replaced request took after all (the payment's id).
    Release,
    /// Give back the rest of a reservation captured in part (the payment's id).
    ReleaseRest,
}

impl IdempotencyKey {
    pub fn new(kind: KeyKind, id: Uuid) -> IdempotencyKey {
        let prefix = match kind {
            KeyKind::Cancel => "cancel",
            KeyKind::Capture => "capture",
            KeyKind::Refund => "refund",
            KeyKind::Release => "release",
            KeyKind::ReleaseRest => "rest",
        };
        IdempotencyKey(format!("{prefix}-{}", id.simple()))
    }

    /// A payment's create call is keyed by its reference, which [`crate::check_reference`] holds to
    /// 8–50 characters.
    pub fn of_reference(reference: &str) -> Result<IdempotencyKey, crate::ProviderError> {
        crate::check_reference(reference)?;
        Ok(IdempotencyKey(reference.to_string()))
    }

    /// A key read back from the outbox; refused when it would not fit.
    pub fn parse(stored: &str) -> Result<IdempotencyKey, crate::ProviderError> {
        let ok = !stored.is_empty()
            && stored.len() <= IDEMPOTENCY_KEY_MAX
            && stored.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(IdempotencyKey(stored.to_string()))
        } else {
            Err(crate::ProviderError::BadKey(stored.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_fits_vippss_fifty_characters() {
        // The longest UUID form, and every kind.
        let id = Uuid::max();
        for kind in [
            KeyKind::Cancel,
            KeyKind::Capture,
            KeyKind::Refund,
            KeyKind::Release,
        ] {
            let key = IdempotencyKey::new(kind, id);
            assert!(key.as_str().len() <= IDEMPOTENCY_KEY_MAX, "{key}");
            assert_eq!(IdempotencyKey::parse(key.as_str()).ok(), Some(key.clone()));
        }
        // The old refund key: reference + "-refund-" + 32 hex digits.
        let old = format!("OSL1-000001-1-refund-{}", id.simple());
        assert_eq!(old.len(), 53);
        assert!(IdempotencyKey::parse(&old).is_err());
        assert!(IdempotencyKey::of_reference(&"A".repeat(51)).is_err());
        assert!(IdempotencyKey::of_reference("OSL1-000001-1").is_ok());
    }
}
