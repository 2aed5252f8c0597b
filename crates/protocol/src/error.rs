//! The error body every refusal carries, and its closed set of codes.

use serde::{Deserialize, Serialize};

/// What a client branches on. New codes may appear in newer servers: an older desk reads them as
/// [`ErrorCode::Unknown`] and treats them by HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// Not JSON, or JSON that ends early.
    MalformedJson,
    /// JSON of the wrong shape: an unknown field, a missing one, a wrong type.
    InvalidBody,
    /// Well-formed, but a value is not allowed (too long, out of range).
    InvalidValue,
    PayloadTooLarge,
    Unauthorized,
    Forbidden,
    NotFound,
    PairingCodeInvalid,
    PairingCodeUsed,
    PairingCodeExpired,
    /// The first mutation's `seq` is not the next one; `expected_seq` says which is.
    SeqGap,
    /// A `seq` already applied arrived with another mutation id or payload: the desk's database was
    /// restored or copied, and the device must be paired again.
    SeqReused,
    /// The mutations of one push must have consecutive `seq`s.
    BatchNotContiguous,
    PayloadHashMismatch,
    InvalidCursor,
    InvalidStatusChange,
    /// Try again later (honour `Retry-After`).
    Unavailable,
    /// This device sent more requests than its limit; try again after `Retry-After`.
    RateLimited,
    Internal,
    /// A photo chunk that does not start where the upload stands: ask how far it got and go on from
    /// there.
    UploadOffsetMismatch,
    /// The bytes of a complete upload are not what its name (their SHA-256) says, or not a JPEG.
    ContentMismatch,
    #[serde(other)]
    Unknown,
}

/// `{code, message}`: `message` is Norwegian, for staff; `code` is for code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// With [`ErrorCode::SeqGap`]: the `seq` the server expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<i64>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
            expected_seq: None,
        }
    }

    /// Decodes a refusal as the client received it. A body that is not ours (a proxy's HTML page)
    /// still becomes a typed error, by status.
    pub fn from_response(status: u16, body: &[u8]) -> ErrorBody {
        if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
            return parsed;
        }
        let code = match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            413 => ErrorCode::PayloadTooLarge,
            429 | 502 | 503 | 504 => ErrorCode::Unavailable,
            500..=599 => ErrorCode::Internal,
            _ => ErrorCode::Unknown,
        };
        ErrorBody::new(code, format!("Sentralen svarte med HTTP {status}."))
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_our_body_an_unknown_code_and_a_foreign_body() {
        let ours = br#"{"code":"seq_gap","message":"Forventet 7.","expected_seq":7}"#;
        let e = ErrorBody::from_response(409, ours);
        assert_eq!((e.code, e.expected_seq), (ErrorCode::SeqGap, Some(7)));
        let newer = br#"{"code":"something_new","message":"Ny feil."}"#;
        assert_eq!(ErrorBody::from_response(400, newer).code, ErrorCode::Unknown);
        let proxy = b"<html>Bad Gateway</html>";
        assert_eq!(ErrorBody::from_response(502, proxy).code, ErrorCode::Unavailable);
        assert_eq!(ErrorBody::from_response(401, b"").code, ErrorCode::Unauthorized);
    }
}
