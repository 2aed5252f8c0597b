//! Pairing: a one-time code from the central store's operator turns a desk into a known device.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairRequest {
    /// As printed by `skranke-central pairing-code`; spaces, dashes and case are ignored.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9 -]+$")
    )]
    pub code: String,
    /// What staff call this desk ("Kasse 2"), for the operator's device list: 1–100 characters, no
    /// control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"
        )
    )]
    pub device_name: String,
    /// The series the desk numbered orders from before this pairing: orders still in its outbox carry
    /// it, and the central store accepts them from this device.
    #[serde(default)]
    pub previous_series: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairResponse {
    pub device_id: Uuid,
    pub store_id: String,
    pub store_name: String,
    /// The bearer token for every later request. Shown once: the server keeps only its hash.
    pub token: String,
    /// The device's order-number series: its orders are numbered `<series>-000001`, ...
    pub series: String,
}
