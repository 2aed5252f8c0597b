//! Why a sync step did not go through, and whether trying again later can help.

use std::time::Duration;

use skranke_protocol::{ErrorBody, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No answer: no network, the central store down, a cut connection.
    #[error("Ingen kontakt med sentralen: {0}")]
    Offline(String),
    /// The central store answered with a refusal.
    #[error("{body}")]
    Refused {
        status: u16,
        body: ErrorBody,
        retry_after: Option<Duration>,
    },
    #[error("Skranken er ikke paret med en sentral.")]
    NotPaired,
    #[error(transparent)]
    Cache(#[from] skranke_cache::CacheError),
    #[error("Uventet svar fra sentralen: {0}")]
    Protocol(String),
}

impl SyncError {
    /// Whether the same request may succeed later without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Offline(_) => true,
            SyncError::Refused { status, body, .. } => {
                *status == 429 || *status >= 500 || body.code == ErrorCode::Unavailable
            }
            _ => false,
        }
    }

    /// What kind of failure, for the desk's log: the Norwegian message may quote the central store's
    /// answer, which may quote a field staff typed, so the log gets this and the HTTP status only.
    pub fn log_kind(&self) -> String {
        match self {
            SyncError::Offline(_) => "offline".into(),
            SyncError::Refused { status, body, .. } => format!("refused {status} {:?}", body.code),
            SyncError::NotPaired => "not paired".into(),
            SyncError::Cache(_) => "cache".into(),
            SyncError::Protocol(_) => "protocol".into(),
        }
    }

    /// The central store no longer knows this desk (token unknown, or its database restored from a
    /// copy): staff must pair it again.
    pub fn needs_pairing(&self) -> bool {
        matches!(
            self,
            SyncError::NotPaired
                | SyncError::Refused {
                    body: ErrorBody {
                        code: ErrorCode::Unauthorized | ErrorCode::SeqReused,
                        ..
                    },
                    ..
                }
        )
    }
}
