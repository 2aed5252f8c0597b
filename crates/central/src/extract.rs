//! Request extractors that refuse with the protocol's typed body: JSON bodies, device and admin tokens.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use skranke_protocol::ErrorCode;
use uuid::Uuid;

use crate::{sha256_hex, ApiError, AppState};

/// A JSON body: too large → 413, not JSON → 400, the wrong shape (unknown field, wrong type) → 422.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "Forespørselen er for stor (høyst {} kB).",
                    skranke_protocol::MAX_BODY_BYTES / 1024
                ),
            )
        })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            use serde_json::error::Category;
            let detail = e.to_string();
            let detail = detail.split(" at line ").next().unwrap_or_default().to_string();
            match e.classify() {
                Category::Data => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidBody,
                    format!("Feil innhold i forespørselen: {detail}"),
                ),
                _ => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::MalformedJson,
                    format!("Forespørselen er ikke gyldig JSON: {detail}"),
                ),
            }
        })
    }
}

/// The paired device a bearer token belongs to.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: Uuid,
    pub store_id: String,
    pub series: String,
    /// The series the desk used before this pairing, if it brought one.
    pub former_series: Option<String>,
}

impl Device {
    /// Whether `number` is from one of this device's series.
    pub fn owns_number(&self, number: &str) -> bool {
        std::iter::once(&self.series)
            .chain(self.former_series.as_ref())
            .any(|s| {
                number
                    .strip_prefix(s.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
    }
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: Uuid,
    store_id: String,
    series: String,
    former_series: Option<String>,
    last_contact_at: Option<chrono::DateTime<chrono::Utc>>,
    app_version: Option<String>,
}

/// The desk's version from its `User-Agent: skranke-desk/0.1.0`.
fn desk_version(parts: &Parts) -> Option<String> {
    let agent = parts.headers.get(header::USER_AGENT)?.to_str().ok()?;
    let version = agent.strip_prefix("skranke-desk/")?.split_whitespace().next()?;
    (version.len() <= 32 && semver::Version::parse(version).is_ok()).then(|| version.to_string())
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 256).then_some(token)
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        // One connection for the lookup, the rate limit and the contact time: sqlx checks each
        // connection it hands out and takes back with a round trip (ARCHITECTURE.md).
        let mut conn = state.pool.acquire().await?;
        let row: Option<DeviceRow> = sqlx::query_as(
            "SELECT id, store_id, series, former_series, last_contact_at, app_version
             FROM devices WHERE token_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(token))
        .fetch_optional(&mut *conn)
        .await?;
        let DeviceRow {
            id,
            store_id,
            series,
            former_series,
            last_contact_at,
            app_version,
        } = row.ok_or_else(ApiError::unauthorized)?;
        state.limits.check_device(&mut conn, id).await?;
        // The back office shows when each desk was last heard from and what it runs; written at most
        // once a minute per desk, not at every poll.
        let version = desk_version(parts);
        let now = chrono::Utc::now();
        if last_contact_at.is_none_or(|at| now - at > chrono::Duration::minutes(1))
            || (version.is_some() && version != app_version)
        {
            sqlx::query(
                "UPDATE devices SET last_contact_at = $2, app_version = coalesce($3, app_version) WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .bind(version)
            .execute(&mut *conn)
            .await?;
        }
        Ok(Device {
            id,
            store_id,
            series,
            former_series,
        })
    }
}

/// A system of the shop reading the order events, by a token of its own (scope `orders:read`): it
/// opens nothing else, and no device or admin token opens the feed.
#[derive(Debug, Clone)]
pub struct IntegrationReader {
    pub name: String,
}

impl FromRequestParts<AppState> for IntegrationReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let name: Option<String> = sqlx::query_scalar(
            "SELECT name FROM integration_tokens
             WHERE token_sha256 = $1 AND revoked_at IS NULL AND scope = 'orders:read'",
        )
        .bind(sha256_hex(token))
        .fetch_optional(&state.pool)
        .await?;
        name.map(|name| IntegrationReader { name })
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The operator, by the admin token (SKRANKE_ADMIN_TOKEN). Without a configured token no one is.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        match &state.admin_token_sha256 {
            // Constant time, so the answer's timing says nothing about how much of a guess was right.
            Some(expected)
                if bool::from(subtle::ConstantTimeEq::ct_eq(
                    expected.as_bytes(),
                    sha256_hex(token).as_bytes(),
                )) =>
            {
                Ok(Admin)
            }
            Some(_) => Err(ApiError::unauthorized()),
            None => Err(ApiError::forbidden(
                "Administrasjon over HTTP er slått av (ingen admin-nøkkel satt).",
            )),
        }
    }
}
