//! Photo uploads (issue 19, claims): how much of a photo the central store holds.

use serde::{Deserialize, Serialize};

/// The largest photo the central store takes (a claim holds at most 10 MB of photos in all; the
/// desk converts and shrinks before it sends).
pub const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// How far an upload has come. `received == total` and `complete` once every byte arrived and
/// matched the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoUpload {
    pub received: u64,
    pub total: u64,
    pub complete: bool,
}
