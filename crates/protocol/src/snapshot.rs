//! The catalog snapshot a new desk starts from (issue 21): what the central store offers, and one
//! line of the file.
//!
//! The file is gzip of JSON lines, one [`SnapshotProduct`] each. The offer comes in the device's
//! authenticated answer and carries the file's SHA-256: the desk throws away a file that does not
//! match, so the file itself may come from anywhere (a cache, a resumed download).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Cursor, ProductRow};

/// `GET /v1/snapshots/catalog`: the newest snapshot of the catalog and where its streams stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotOffer {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Where to fetch the file (a path on the central store); it answers `Range` requests.
    pub url: String,
    /// Pull the catalog stream from here once the file is in.
    pub catalog_cursor: Cursor,
    /// Pull the availability stream from here once the file is in: the general rows are in the file
    /// up to this point; the store's own rows come from the beginning.
    pub availability_cursor: Cursor,
    pub products: u64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

/// One line of the file: a product and its general availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotProduct {
    pub product: ProductRow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<SnapshotAvailability>,
}

/// A product's general availability (A1) as the snapshot holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotAvailability {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_date: Option<NaiveDate>,
    pub as_of: DateTime<Utc>,
}
