//! The desk's sync with the central store: pairing, pushing the outbox, pulling the streams, and the
//! loop that keeps doing both, offline first.
//!
//! Nothing here decides business outcomes: the central store does, and the cache records its answers.

mod client;
mod clock;
mod engine;
mod error;
mod snapshot;

pub use client::CentralClient;
pub use clock::{CentralClock, ClockReading, CLOCK_WARNING};
pub use engine::{
    pair, pull_all, pull_stream, push_outbox, spawn, sync_once, sync_once_with_progress, SyncHandle,
    SyncReport, SyncStatus,
};
pub use error::SyncError;
pub use snapshot::{first_catalog_from_snapshot, SnapshotPhase, SnapshotProgress};
