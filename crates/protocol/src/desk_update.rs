//! The update manifest the central store answers a desk with: the shape `tauri-plugin-updater` reads
//! ("dynamic" server format), for one platform.

use serde::{Deserialize, Serialize};

/// A newer (or, for a store held back, an older) signed package for the asking desk's platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskUpdateManifest {
    /// The version the package is, as signed into its signature's trusted comment.
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// RFC 3339.
    pub pub_date: String,
    /// Where the package is downloaded (with the same desk token).
    pub url: String,
    /// The `.sig` file `tauri bundle` wrote: base64 of a minisign signature.
    pub signature: String,
}
