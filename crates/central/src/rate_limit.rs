//! Request rate limits: per paired device, and for pairing as a whole. A desk over its limit gets 429
//! with `Retry-After` and the typed body, and its sync loop waits that long; the other desks are not
//! slowed by it.

use std::time::Duration;

use axum::http::StatusCode;
use skranke_protocol::ErrorCode;
use sqlx::{PgConnection, PgPool};
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

/// One limit: so many requests a second, after a burst of so many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quota {
    per_second: u32,
    burst: u32,
}

impl Quota {
    /// The time one request uses up, in microseconds (PostgreSQL's resolution).
    fn interval_micros(self) -> i64 {
        1_000_000 / i64::from(self.per_second.max(1))
    }

    fn burst_micros(self) -> i64 {
        self.interval_micros() * i64::from(self.burst.max(1))
    }
}

/// The limits of this store. Their state is in PostgreSQL (`rate_limits`), not in the instance:
/// with two or more `skranke-central` instances behind one address, a desk gets its budget once,
/// whichever instance it reaches (issue 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    device: Quota,
    pairing: Quota,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::new(DEVICE_PER_SECOND, DEVICE_BURST)
    }
}

impl RateLimits {
    /// Limits with the given per-device rate and burst (tests use a small burst).
    pub fn new(device_per_second: u32, device_burst: u32) -> RateLimits {
        RateLimits {
            device: Quota {
                per_second: device_per_second,
                burst: device_burst,
            },
            pairing: Quota {
                per_second: PAIRING_PER_SECOND,
                burst: PAIRING_BURST,
            },
        }
    }

    /// On the connection the request already holds (issue 21: one connection per request).
    pub(crate) async fn check_device(&self, conn: &mut PgConnection, device: Uuid) -> Result<(), ApiError> {
        check(conn, &format!("device:{device}"), self.device).await
    }

    pub(crate) async fn check_pairing(&self, pool: &PgPool) -> Result<(), ApiError> {
        check(&mut *pool.acquire().await?, "pairing", self.pairing).await
    }
}

/// GCRA in one statement, on the database's clock (instances' clocks may differ): the row's time
/// moves one interval on from itself or from now, whichever is later, unless that puts it more
/// than a burst ahead of now; then nothing is written and the answer is how long until it would
/// fit. Concurrent requests for one key queue on the row's lock, so none is let in twice.
async fn check(conn: &mut PgConnection, key: &str, quota: Quota) -> Result<(), ApiError> {
    let wait_micros: Option<i64> = sqlx::query_scalar(
        "WITH upsert AS (
             INSERT INTO rate_limits AS r (key, tat)
             VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1e6))
             ON CONFLICT (key) DO UPDATE
                SET tat = greatest(r.tat, clock_timestamp()) + make_interval(secs => $2::float8 / 1e6)
              WHERE greatest(r.tat, clock_timestamp()) + make_interval(secs => $2::float8 / 1e6)
                    <= clock_timestamp() + make_interval(secs => $3::float8 / 1e6)
             RETURNING 1
         )
         SELECT CASE WHEN EXISTS (SELECT 1 FROM upsert) THEN NULL
                ELSE (extract(epoch FROM (
                        (SELECT tat FROM rate_limits WHERE key = $1)
                        + make_interval(secs => $2::float8 / 1e6)
                        - make_interval(secs => $3::float8 / 1e6)
                        - clock_timestamp())) * 1e6)::bigint
                END",
    )
    .bind(key)
    .bind(quota.interval_micros())
    .bind(quota.burst_micros())
    .fetch_one(conn)
    .await?;
    match wait_micros {
        None => Ok(()),
        Some(micros) => Err(too_many(Duration::from_micros(
            u64::try_from(micros).unwrap_or(0),
        ))),
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
