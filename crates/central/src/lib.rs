//! The central store: owns the catalog and order status, receives the desks' mutations, serves pulls.
//!
//! Stateless between requests: everything lives in PostgreSQL, so more instances can share one
//! database behind a load balancer.

mod app;
mod apply;
pub mod audit;
mod claims;
pub mod config;
pub mod customer_merge;
pub mod desk_updates;
mod discounts;
mod error;
mod exchange;
mod extract;
pub mod feed_import;
pub mod integration_feed;
pub mod integrations;
pub mod mail;
pub mod office;
mod openapi;
mod order_change;
pub mod order_status;
pub mod outbound_webhooks;
pub mod pairing;
mod payment;
pub mod payment_jobs;
pub mod payment_polling;
pub mod personal_data;
pub mod photos;
mod pull;
mod push;
mod quotes;
pub mod rate_limit;
pub mod return_receipt;
pub mod snapshot;
pub mod staff;
pub mod stock;
mod webhooks;
pub mod workers;

pub use app::{router, AppState};
pub use error::ApiError;
pub use openapi::openapi_json;

use sqlx::postgres::{PgPool, PgPoolOptions};

/// Connects to PostgreSQL (not migrating).
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
}

/// Brings the schema up to date (migrations/central).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../../migrations/central").run(pool).await
}

/// Hex SHA-256: tokens and pairing codes are stored this way, never in the clear.
pub(crate) fn sha256_hex(text: &str) -> String {
    skranke_protocol::payload_sha256(text.as_bytes())
}
