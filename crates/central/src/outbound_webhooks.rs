//! Signed webhooks to the shop's other systems: each endpoint gets every order event, in the feed's
//! order, one at a time; a failure (an error status, no answer in time) is logged and retried with
//! backoff from the same event, so delivery is at least once and never out of order. The receiver
//! checks `Skranke-Signature` and de-duplicates on `Skranke-Event-Id` (README, "Webhooks").

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

use crate::integration_feed::{events_after, FeedCursor};
use crate::ApiError;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>" with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "Skranke-Signature";
/// The event's id: the same in every delivery of it.
pub const EVENT_ID_HEADER: &str = "Skranke-Event-Id";
pub const EVENT_TYPE_HEADER: &str = "Skranke-Event-Type";
/// A receiver refuses a signature older than this (a replayed request).
pub const SIGNATURE_TOLERANCE: Duration = Duration::minutes(5);

/// Events sent to one endpoint in one round.
const BATCH: i64 = 50;

/// The header value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, body)))
}

/// The keyed MAC over `"<t>.<body>"`; `None` only if the key were refused, which HMAC never does
/// (it takes a key of any length).
fn keyed(secret: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    Some(m)
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    keyed(secret, timestamp, body).map_or_else(Vec::new, |m| m.finalize().into_bytes().to_vec())
}

/// What a receiver does: the signature is ours for exactly this body and recent enough.
pub fn verify(secret: &str, header: &str, body: &[u8], now: DateTime<Utc>) -> bool {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(given)) = (timestamp, given) else {
        return false;
    };
    if (now.timestamp() - t).abs() > SIGNATURE_TOLERANCE.num_seconds() {
        return false;
    }
    // Constant time, inside the hmac crate.
    keyed(secret, t, body).is_some_and(|m| m.verify_slice(&given).is_ok())
}

/// Adds an endpoint that gets every event from now on and returns its id and signing secret (shown
/// once).
pub async fn add_endpoint(pool: &PgPool, url: &str, now: DateTime<Utc>) -> Result<(i64, String), ApiError> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ApiError::invalid_value(format!("«{url}» er ikke en adresse: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(ApiError::invalid_value("Adressen må begynne med https://."));
    }
    let secret = crate::office::session::random_token();
    // From the feed's current end: a new endpoint is not sent the whole history.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (url, secret, created_at, next_attempt_at, cursor_txid, cursor_seq)
         SELECT $1, $2, $3, $3, coalesce(max(txid), '0'), coalesce(max(seq), 0) FROM integration_events
         RETURNING id",
    )
    .bind(parsed.as_str())
    .bind(&secret)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok((id, secret))
}

/// Adds a token for the pull API (scope `orders:read`) and returns it (shown once).
pub async fn add_pull_token(pool: &PgPool, name: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid_value("Navnet må ha 1–100 tegn."));
    }
    let token = format!("skr_int_{}", crate::office::session::random_token());
    sqlx::query(
        "INSERT INTO integration_tokens (token_sha256, name, scope, created_at) VALUES ($1, $2, 'orders:read', $3)",
    )
    .bind(crate::sha256_hex(&token))
    .bind(name)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct Endpoint {
    id: i64,
    url: String,
    secret: String,
    cursor_txid: String,
    cursor_seq: i64,
    attempts: i32,
}

/// How long to wait after the `attempts`-th failure in a row: doubling from a second, at most ten
/// minutes; never given up.
pub fn retry_wait(attempts: i32) -> Duration {
    Duration::seconds(1i64 << attempts.clamp(0, 10)).min(Duration::minutes(10))
}

/// Sends what is due to every active endpoint; returns the events delivered. `now` decides what is
/// due (the signature carries the clock's time, which the receiver checks).
pub async fn deliver_due(
    pool: &PgPool,
    http: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_endpoints WHERE active AND next_attempt_at <= $1 ORDER BY id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut delivered = 0;
    for id in due {
        let mut tx = pool.begin().await?;
        // One sender per endpoint at a time, across instances: the order holds.
        let endpoint: Option<Endpoint> = sqlx::query_as(
            "SELECT id, url, secret, cursor_txid::text AS cursor_txid, cursor_seq, attempts
             FROM webhook_endpoints WHERE id = $1 AND active AND next_attempt_at <= $2
             FOR UPDATE SKIP LOCKED",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(endpoint) = endpoint else { continue };
        let from = FeedCursor {
            txid: endpoint.cursor_txid.parse().unwrap_or(0),
            seq: endpoint.cursor_seq,
        };
        for (at, event) in events_after(pool, from, BATCH).await? {
            let body = serde_json::to_vec(&event).unwrap_or_default();
            let started = Instant::now();
            let sent = http
                .post(&endpoint.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(EVENT_ID_HEADER, event.event_id.to_string())
                .header(EVENT_TYPE_HEADER, &event.event_type)
                .header(
                    SIGNATURE_HEADER,
                    sign(&endpoint.secret, Utc::now().timestamp(), &body),
                )
                .body(body)
                .send()
                .await;
            let millis = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
            let (status, error) = match &sent {
                Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
                Ok(r) => (
                    Some(i32::from(r.status().as_u16())),
                    Some(format!("svarte {}", r.status())),
                ),
                Err(e) if e.is_timeout() => (None, Some("svarte ikke i tide".to_string())),
                Err(e) if e.is_connect() => (None, Some("kunne ikke nås".to_string())),
                Err(e) => (None, Some(format!("sendingen feilet: {e}"))),
            };
            sqlx::query(
                "INSERT INTO webhook_attempts (endpoint_id, event_id, kind, order_number, at, status, error, millis)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(endpoint.id)
            .bind(event.event_id)
            .bind(&event.event_type)
            .bind(&event.order_number)
            .bind(now)
            .bind(status)
            .bind(&error)
            .bind(millis)
            .execute(&mut *tx)
            .await?;
            if error.is_some() {
                let attempts = endpoint.attempts + 1;
                sqlx::query("UPDATE webhook_endpoints SET attempts = $2, next_attempt_at = $3 WHERE id = $1")
                    .bind(endpoint.id)
                    .bind(attempts)
                    .bind(now + retry_wait(attempts - 1))
                    .execute(&mut *tx)
                    .await?;
                break;
            }
            sqlx::query(
                "UPDATE webhook_endpoints SET cursor_txid = $2::xid8, cursor_seq = $3, attempts = 0 WHERE id = $1",
            )
            .bind(endpoint.id)
            .bind(at.txid.to_string())
            .bind(at.seq)
            .execute(&mut *tx)
            .await?;
            delivered += 1;
        }
        tx.commit().await?;
    }
    Ok(delivered)
}

/// An endpoint as the back office shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndpointState {
    pub url: String,
    pub active: bool,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// Events not yet delivered.
    pub waiting: i64,
}

pub async fn endpoints(pool: &PgPool) -> Result<Vec<EndpointState>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.url, w.active, w.attempts, w.next_attempt_at,
                (SELECT count(*) FROM integration_events e WHERE (e.txid, e.seq) > (w.cursor_txid, w.cursor_seq)) AS waiting
         FROM webhook_endpoints w ORDER BY w.id",
    )
    .fetch_all(pool)
    .await
}

/// One delivery attempt, for the log in the back office.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub url: String,
    pub kind: String,
    pub order_number: String,
    pub at: DateTime<Utc>,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub millis: i32,
}

pub async fn recent_attempts(pool: &PgPool, limit: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.url, a.kind, a.order_number, a.at, a.status, a.error, a.millis
         FROM webhook_attempts a JOIN webhook_endpoints w ON w.id = a.endpoint_id
         ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_body_and_secret_only_and_not_for_long() {
        let now = Utc::now();
        let header = sign("hemmelig", now.timestamp(), b"{\"a\":1}");
        assert!(verify("hemmelig", &header, b"{\"a\":1}", now));
        assert!(!verify("hemmelig", &header, b"{\"a\":2}", now), "another body");
        assert!(!verify("en annen", &header, b"{\"a\":1}", now), "another secret");
        assert!(
            !verify("hemmelig", &header, b"{\"a\":1}", now + Duration::minutes(6)),
            "replayed later"
        );
        assert!(!verify("hemmelig", "t=1,v1=zz", b"{\"a\":1}", now));
    }

    /// The README's shell example (openssl) computes the same signature.
    #[test]
    fn the_signature_is_what_openssl_computes() {
        let body = br#"{"event_id":"x","event_type":"order.sent"}"#;
        assert_eq!(
            sign("abc", 1, body),
            "t=1,v1=f44f5543a6e15603f0ffa4d1341242587d79c79473b4e3970de73ae9c4a1c8e1"
        );
    }

    #[test]
    fn retries_back_off_to_ten_minutes() {
        assert_eq!(retry_wait(0), Duration::seconds(1));
        assert_eq!(retry_wait(3), Duration::seconds(8));
        assert_eq!(retry_wait(50), Duration::minutes(10));
    }
}
