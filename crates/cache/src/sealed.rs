//! Personal data sealed at rest: the fødselsnummer of a credit order and the draft being typed are
//! stored encrypted (XChaCha20-Poly1305) under a key kept outside the cache file, so a copied file
//! does not reveal them.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::Digest;

use crate::CacheError;

/// Marks a sealed value and its format: `v1.` then hex of the 24-byte nonce and the ciphertext.
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The 256-bit key that seals personal fields. It never enters the cache file; only its id does,
/// so a desk opened with another key is refused instead of writing under two keys.
#[derive(Clone)]
pub struct FieldKey([u8; 32]);

impl std::fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FieldKey({})", self.id())
    }
}

impl FieldKey {
    /// A new random key from the OS's generator.
    pub fn generate() -> FieldKey {
        FieldKey(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// The key from its 64 hex digits (as the key store keeps it).
    pub fn from_hex(text: &str) -> Result<FieldKey, CacheError> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut key)
            .map_err(|_| CacheError::FieldKey("nøkkelen er ikke 64 heksadesimale tegn".into()))?;
        Ok(FieldKey(key))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A public fingerprint of the key: stored in the cache to tell a wrong key from a right one.
    pub fn id(&self) -> String {
        let digest = sha2::Sha256::new()
            .chain_update(b"skranke field key id\0")
            .chain_update(self.0)
            .finalize();
        hex::encode(&digest[..8])
    }

    /// Seals `plain`, bound to `context` (the row it belongs to), so a sealed value moved to another
    /// row does not open there.
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, CacheError> {
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CacheError::FieldKey("kan ikke kryptere".into()))?;
        let mut out = String::with_capacity(PREFIX.len() + 2 * (NONCE_LEN + sealed.len()));
        out.push_str(PREFIX);
        out.push_str(&hex::encode(nonce));
        out.push_str(&hex::encode(sealed));
        Ok(out)
    }

    /// Opens a value sealed by [`FieldKey::seal`] with the same context.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, CacheError> {
        let corrupt = || CacheError::Corrupt("et kryptert felt kan ikke åpnes med denne nøkkelen".into());
        let body = sealed.strip_prefix(PREFIX).ok_or_else(corrupt)?;
        let bytes = hex::decode(body).map_err(|_| corrupt())?;
        if bytes.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }
}

/// Whether a stored value is already sealed (rows from before sealing existed are plain text).
pub(crate) fn is_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let key = FieldKey::generate();
        let sealed = key.seal("24921099912", "order-1").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("24921099912"));
        assert_eq!(key.open(&sealed, "order-1").unwrap(), "24921099912");
        assert!(key.open(&sealed, "order-2").is_err(), "moved to another row");
        assert!(
            FieldKey::generate().open(&sealed, "order-1").is_err(),
            "another key"
        );
        assert_ne!(
            sealed,
            key.seal("24921099912", "order-1").unwrap(),
            "a fresh nonce each time"
        );
        let again = FieldKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(again.id(), key.id());
        assert_eq!(again.open(&sealed, "order-1").unwrap(), "24921099912");
        assert!(FieldKey::from_hex("abc").is_err());
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }
}
