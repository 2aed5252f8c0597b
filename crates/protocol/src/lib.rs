//! The versioned wire types between desk and central store: pairing, push, pull, admin, and the error body.
//!
//! The version is in the path (`/v1/...`): a change an older desk cannot read gets a new prefix, and the
//! server keeps answering the old one. Requests are strict (unknown fields are refused: a typo must not silently drop data); responses are
//! lenient (a newer server may add fields an older desk ignores).

mod admin;
mod desk_update;
mod error;
mod flag_text;
mod integration;
mod pairing;
mod payload;
mod photo;
mod pull;
mod push;
mod snapshot;
mod states;

pub use admin::SetStatusRequest;
pub use desk_update::DeskUpdateManifest;
pub use error::{ErrorBody, ErrorCode};
pub use flag_text::flag_text;
pub use integration::{IntegrationEvent, IntegrationPage};
pub use pairing::{PairRequest, PairResponse};
pub use payload::{
    audit_hash, AuditRecorded, ClaimRegistered, ConfirmationResent, ConsentRecorded, CustomerUpserted,
    ExchangeRegistered, OrderCancelled, OrderChanged, OrderPlaced, PaymentRequested, QuoteSent,
    ReturnRegistered, AUDIT_GENESIS,
};
pub use photo::{PhotoUpload, MAX_PHOTO_BYTES};
pub use pull::{
    AvailabilityRow, Change, ChangesResponse, Cursor, EmailStatus, OrderStatusRow, PaymentStatus, ProductRow,
    PullResponse, StaffRow, Stream,
};
pub use push::{
    payload_sha256, Flag, Mutation, MutationKind, MutationResult, Outcome, PushRequest, PushResponse,
    QueueReport, Rejection, RejectionCode,
};
pub use snapshot::{SnapshotAvailability, SnapshotOffer, SnapshotProduct};
pub use states::{EmailState, OrderState, PaymentStateCode};

/// Largest request body the central store reads (a push of 100 orders fits many times over).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most mutations in one push.
pub const MAX_MUTATIONS_PER_PUSH: usize = 100;
/// Most changes in one pull page.
pub const MAX_PULL_LIMIT: u32 = 10_000;
