//! Request rate limits: per paired device, and for pairing as a whole. A desk over its limit gets 429
//! with `Retry-After` and the typed body, and its sync loop waits that long; the other desks are not
//! slowed by it.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::StatusCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use skranke_protocol::ErrorCode;
use uuid::Uuid;

use crate::ApiError;

/// A desk syncs every 10 s (a push, one `changes`) and pages through a first catalog: 100 requests
/// at once and 20 a second after that is far above any real desk and far below one desk hogging
/// the store.
const DEVICE_BURST: u32 = 100;
const DEVICE_PER_SECOND: u32 = 20;
/// Pairing is by one-time code: a burst for a shop pairing its desks, slow for anyone guessing codes.
const PAIRING_BURST: u32 = 50;
const PAIRING_PER_SECOND: u32 = 5;

/// The limiters an instance keeps in memory.
#[derive(Debug)]
pub struct RateLimits {
    devices: DefaultKeyedRateLimiter<Uuid>,
    pairing: DefaultDirectRateLimiter,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::new(DEVICE_PER_SECOND, DEVICE_BURST)
    }
}

fn quota(per_second: u32, burst: u32) -> Quota {
    let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(at_least_one(per_second)).allow_burst(at_least_one(burst))
}

impl RateLimits {
    /// Limits with the given per-device rate and burst (tests use a small burst).
    pub fn new(device_per_second: u32, device_burst: u32) -> RateLimits {
        RateLimits {
            devices: DefaultKeyedRateLimiter::keyed(quota(device_per_second, device_burst)),
            pairing: DefaultDirectRateLimiter::direct(quota(PAIRING_PER_SECOND, PAIRING_BURST)),
        }
    }

    pub(crate) fn check_device(&self, device: Uuid) -> Result<(), ApiError> {
        self.devices
            .check_key(&device)
            .map_err(|not_until| too_many(not_until.wait_time_from(DefaultClock::default().now())))?;
        // Forget devices that have been quiet long enough to be back at a full burst.
        if self.devices.len() > 10_000 {
            self.devices.retain_recent();
        }
        Ok(())
    }

    pub(crate) fn check_pairing(&self) -> Result<(), ApiError> {
        self.pairing
            .check()
            .map_err(|not_until| too_many(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

fn too_many(wait: Duration) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        format!(
            "For mange forespørsler på kort tid. Prøv igjen om {} s; skranken gjør det av seg selv.",
            seconds.max(1)
        ),
    );
    error.retry_after = Some(seconds.max(1));
    error
}
