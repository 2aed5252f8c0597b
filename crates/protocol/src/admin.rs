//! What the operator's tools send to the admin endpoints.

use serde::{Deserialize, Serialize};
use skranke_core::OrderStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetStatusRequest {
    /// `under_behandling`, `sendt`, `levert` or `kansellert` (D8).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "sendt"))]
    pub status: OrderStatus,
    /// Required for `sendt`.
    #[serde(default)]
    pub tracking_number: Option<String>,
}
