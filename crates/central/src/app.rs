//! The HTTP routes and the layers around them. Handlers are thin: they extract, call, and answer.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use skranke_protocol::{
    ChangesResponse, ErrorBody, ErrorCode, IntegrationPage, OrderStatusRow, PairRequest, PairResponse,
    PullResponse, PushRequest, PushResponse, SetStatusRequest, MAX_BODY_BYTES,
};
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::extract::{Admin, ApiJson, Device, IntegrationReader};
use crate::integrations::Integrations;
use crate::pull::{ChangesQuery, PullQuery};
use crate::ApiError;

/// What every request can reach: the pool, the admin token's hash, the outside services, and the bell
/// that wakes the outbox workers when a request queued something for them.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub admin_token_sha256: Option<String>,
    pub integrations: Arc<Integrations>,
    pub wake: Arc<Notify>,
    pub limits: Arc<crate::rate_limit::RateLimits>,
    /// Sends the outbound webhooks: a receiver that does not answer in ten seconds has failed.
    pub webhook_http: reqwest::Client,
}

impl AppState {
    /// A store with no payment providers or mail server configured.
    pub fn new(pool: PgPool, admin_token_sha256: Option<String>) -> AppState {
        AppState::with_integrations(pool, admin_token_sha256, Integrations::default())
    }

    pub fn with_integrations(
        pool: PgPool,
        admin_token_sha256: Option<String>,
        integrations: Integrations,
    ) -> AppState {
        AppState {
            pool,
            admin_token_sha256,
            integrations: Arc::new(integrations),
            wake: Arc::new(Notify::new()),
            limits: Arc::default(),
            webhook_http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(5))
                .user_agent(concat!("skranke-central/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
        }
    }
}

/// Requests served at once per instance; more are refused at once with 503 and `Retry-After`, so a
/// herd of desks coming back after an outage backs off instead of queueing into timeouts.
const MAX_IN_FLIGHT: usize = 512;

/// Says in every answer how long the server spent on it (`Server-Timing: app;dur=<ms>`, W3C Server
/// Timing), so a desk or a benchmark can tell the server's time from the network's and its own.
async fn server_timing(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let value = format!("app;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
        response.headers_mut().insert("server-timing", v);
    }
    response
}

/// The whole API, ready for `axum::serve`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/pair", post(pair))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/changes", get(changes))
        .route("/v1/admin/orders/{number}/status", post(set_status))
        .route("/v1/integration/orders", get(integration_orders))
        .route("/v1/webhooks/vipps", post(crate::webhooks::vipps))
        .route("/v1/webhooks/klarna/{secret}", post(crate::webhooks::klarna))
        .route(
            "/v1/desk-updates/{target}/{arch}/{current_version}",
            get(crate::desk_updates::manifest),
        )
        .route(
            "/v1/desk-updates/packages/{id}",
            get(crate::desk_updates::package),
        )
        .route("/v1/photos/{sha256}", get(photo_status).put(photo_chunk))
        .route("/v1/snapshots/catalog", get(snapshot_offer))
        .route("/v1/snapshots/catalog/{id}", get(snapshot_file))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/health", get(health))
        .merge(crate::office::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(server_timing))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::Unavailable,
                        "Sentralen er opptatt. Prøv igjen om litt.",
                    )
                }))
                .load_shed()
                .concurrency_limit(MAX_IN_FLIGHT),
        )
        // The fastest gzip level: JSON shrinks most of the way, and a desk's first 100k-product sync
        // is not held up by the server's CPU.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        // No browser is a client: answers are never cached, sniffed or framed. No CORS layer, so no
        // web page on another origin can call the API with a desk's token.
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_FRAME_OPTIONS,
            axum::http::HeaderValue::from_static("DENY"),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        // The span names the route, never the path as sent: a path can carry a secret (the Klarna
        // webhook's) and a query string what a desk asked for.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("(ukjent)", |p| p.as_str());
                tracing::debug_span!("request", method = %req.method(), route)
            }),
        )
        .with_state(state)
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "Intern feil i sentralen. Ingenting ble lagret.",
    )
    .into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("Ukjent adresse.")
}

/// Pairs a desk with a one-time code.
#[utoipa::path(post, path = "/v1/pair", tag = "pairing", request_body = PairRequest,
    responses(
        (status = 201, description = "Paired; the token is shown only now", body = PairResponse),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Unknown code", body = ErrorBody),
        (status = 410, description = "Code used or expired", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
        (status = 429, description = "Too many pairing attempts; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn pair(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PairRequest>,
) -> Result<(StatusCode, Json<PairResponse>), ApiError> {
    state.limits.check_pairing(&state.pool).await?;
    let paired = crate::pairing::pair(&state.pool, &req, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(paired)))
}

/// Sends the device's outbox; every result (applied, flagged or rejected) acknowledges its `seq`.
#[utoipa::path(post, path = "/v1/push", tag = "sync", request_body = PushRequest,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "One result per mutation", body = PushResponse),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 403, description = "Another device's mutations", body = ErrorBody),
        (status = 409, description = "seq_gap (see expected_seq) or seq_reused", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 422, description = "Invalid body, batch or hash", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn push(
    State(state): State<AppState>,
    device: Device,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let response =
        crate::push::push(&state.pool, &device, req, &state.integrations.policy, Utc::now()).await?;
    // An accepted order queued a payment request and an e-mail: send them now, not at the next tick.
    state.wake.notify_one();
    Ok(Json(response))
}

/// A query string of the wrong shape is refused with the protocol's body, like a JSON body is.
fn query_or_refusal<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidBody,
            format!("Ugyldig forespørsel: {}", e.body_text()),
        )
    })
}

/// The newest catalog snapshot (built now when there is none younger than six hours): a new desk
/// fetches its file and then pulls from the cursors given.
#[utoipa::path(get, path = "/v1/snapshots/catalog", tag = "sync",
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The snapshot to fetch", body = skranke_protocol::SnapshotOffer),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn snapshot_offer(
    State(state): State<AppState>,
    _device: Device,
) -> Result<Json<skranke_protocol::SnapshotOffer>, ApiError> {
    Ok(Json(crate::snapshot::offer(&state.pool, Utc::now()).await?))
}

/// A snapshot's file, gzip of JSON lines. Answers one `Range` of bytes (`bytes=a-b` or `bytes=a-`)
/// with 206 and at most 16 MiB, so a cut download goes on from where it stopped.
#[utoipa::path(get, path = "/v1/snapshots/catalog/{id}", tag = "sync",
    params(("id" = uuid::Uuid, Path, description = "From the offer's url")),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The file (up to 16 MiB of it when no range was asked for)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The range asked for (at most 16 MiB)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 404, description = "No such snapshot (a newer one replaced it)", body = ErrorBody),
        (status = 416, description = "The range starts past the end", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn snapshot_file(
    State(state): State<AppState>,
    _device: Device,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    use axum::http::header;
    let gone = || ApiError::not_found("Katalogutdraget finnes ikke lenger. Hent et nytt tilbud.");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| gone())?;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::snapshot::parse_range);
    let (start, end) = range.unwrap_or((0, None));
    let slice = match crate::snapshot::slice(&state.pool, id, start, end).await? {
        None => return Err(gone()),
        Some(Err(total)) => {
            let mut refusal = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::InvalidValue,
                format!("Utdraget er {total} byte; området starter etter slutten."),
            )
            .into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&format!("bytes */{total}")) {
                refusal.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(refusal);
        }
        Some(Ok(slice)) => slice,
    };
    let last = (slice.start + slice.bytes.len() as u64).saturating_sub(1);
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = (status, slice.bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::ACCEPT_RANGES,
        axum::http::HeaderValue::from_static("bytes"),
    );
    // A range is never compressed again by the compression layer (it skips answers with a
    // Content-Range); the whole file is gzip already, so it says so and is not either.
    let content_range = format!("bytes {}-{last}/{}", slice.start, slice.total);
    if let Ok(v) = axum::http::HeaderValue::from_str(&content_range) {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(response)
}

/// How much of a claim photo the central store holds: where a cut upload goes on from.
#[utoipa::path(get, path = "/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "Lower-case hex SHA-256 of the JPEG", pattern = "^[0-9a-f]{64}$")),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The upload so far", body = skranke_protocol::PhotoUpload),
        (status = 400, description = "Not a SHA-256", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 404, description = "Nothing of this photo yet", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn photo_status(
    State(state): State<AppState>,
    device: Device,
    Path(sha256): Path<String>,
) -> Result<Json<skranke_protocol::PhotoUpload>, ApiError> {
    if !crate::photos::valid_name(&sha256) {
        return Err(photo_refusal(crate::photos::PhotoRefusal::BadRequest(
            "Bildets navn må være SHA-256 av innholdet (64 små heksadesimale tegn).".into(),
        )));
    }
    crate::photos::status(&state.pool, &device, &sha256)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Sentralen har ingenting av dette bildet ennå."))
}

/// One chunk of a claim photo (`Content-Range: bytes start-end/total`, at most 1 MiB per chunk and
/// 10 MB per photo), from where the upload stands. The last chunk completes it if the bytes hash to
/// the name; a complete photo takes nothing more and answers complete.
#[utoipa::path(put, path = "/v1/photos/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "Lower-case hex SHA-256 of the JPEG", pattern = "^[0-9a-f]{64}$"),
        ("Content-Range" = String, Header, description = "bytes start-end/total")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The upload so far", body = skranke_protocol::PhotoUpload),
        (status = 400, description = "Not a SHA-256, or a Content-Range that does not fit the body", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 409, description = "The chunk does not start where the upload stands: ask and go on", body = ErrorBody),
        (status = 413, description = "Over 10 MB, or a chunk over 1 MiB", body = ErrorBody),
        (status = 422, description = "Complete but not the named JPEG: start again", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn photo_chunk(
    State(state): State<AppState>,
    device: Device,
    Path(sha256): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<skranke_protocol::PhotoUpload>, ApiError> {
    let range = headers
        .get(axum::http::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok());
    crate::photos::put_chunk(&state.pool, &device, &sha256, range, &body, Utc::now())
        .await
        .map(Json)
        .map_err(photo_refusal)
}

fn photo_refusal(r: crate::photos::PhotoRefusal) -> ApiError {
    use crate::photos::PhotoRefusal as R;
    match r {
        R::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidValue, m),
        R::TooLarge { total } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!(
                "Bildet er {:.1} MB; sentralen tar høyst 10 MB per bilde. Skranken skal gjøre det mindre før det sendes.",
                total as f64 / 1_048_576.0
            ),
        ),
        R::Offset { received } => ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::UploadOffsetMismatch,
            format!("Sentralen har {received} byte av bildet: send resten fra der."),
        ),
        R::Mismatch(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ContentMismatch, m),
        R::Database(e) => ApiError::from(e),
    }
}

/// Changes of one stream since a cursor. An idle pull answers an empty page with the same cursor.
#[utoipa::path(get, path = "/v1/pull", tag = "sync", params(PullQuery),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "A page of changes", body = PullResponse),
        (status = 400, description = "Invalid cursor or query", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 403, description = "Another store", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn pull(
    State(state): State<AppState>,
    device: Device,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let query = query_or_refusal(query)?;
    let mut conn = state.pool.acquire().await?;
    crate::pull::pull(&mut conn, &device, query).await.map(Json)
}

/// One page of every stream since the desk's cursors: an idle desk's poll is this one request.
#[utoipa::path(get, path = "/v1/changes", tag = "sync", params(ChangesQuery),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "One page per stream (catalog, availability, orders)", body = ChangesResponse),
        (status = 400, description = "Invalid cursor or query", body = ErrorBody),
        (status = 401, description = "Missing or unknown token", body = ErrorBody),
        (status = 429, description = "Over the device's rate limit; see Retry-After", body = ErrorBody),
    ))]
pub(crate) async fn changes(
    State(state): State<AppState>,
    device: Device,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<ChangesResponse>, ApiError> {
    let query = query_or_refusal(query)?;
    crate::pull::changes(&state.pool, &device, query).await.map(Json)
}

/// The query string of `GET /v1/integration/orders`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct IntegrationQuery {
    /// `next_cursor` of the page before; absent: from the first event.
    cursor: Option<String>,
    /// Events per page, 1–1000 (default 100).
    limit: Option<i64>,
}

/// Order events for the shop's other systems (ERP, warehouse, web shop), oldest first, after a
/// cursor. Delivery is at least once: de-duplicate on `event_id`.
#[utoipa::path(get, path = "/v1/integration/orders", tag = "integration", params(IntegrationQuery),
    security(("integration_token" = [])),
    responses(
        (status = 200, description = "A page of order events", body = IntegrationPage),
        (status = 400, description = "Invalid cursor", body = ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 422, description = "Invalid limit", body = ErrorBody),
    ))]
pub(crate) async fn integration_orders(
    State(state): State<AppState>,
    reader: IntegrationReader,
    query: Result<Query<IntegrationQuery>, QueryRejection>,
) -> Result<Json<IntegrationPage>, ApiError> {
    let q = query_or_refusal(query)?;
    tracing::debug!(reader = %reader.name, cursor = ?q.cursor, "ordrehendelser lest");
    crate::integration_feed::page(&state.pool, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

/// Sets an order's status (D8): `sendt` needs a tracking number.
#[utoipa::path(post, path = "/v1/admin/orders/{number}/status", tag = "admin", request_body = SetStatusRequest,
    params(("number" = String, Path, description = "The order number, e.g. OSL1-000042")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The order's new status", body = OrderStatusRow),
        (status = 401, description = "Missing or wrong admin token", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ErrorBody),
        (status = 422, description = "Invalid body or tracking number", body = ErrorBody),
    ))]
pub(crate) async fn set_status(
    State(state): State<AppState>,
    _admin: Admin,
    Path(number): Path<String>,
    ApiJson(req): ApiJson<SetStatusRequest>,
) -> Result<Json<OrderStatusRow>, ApiError> {
    let row = crate::order_status::set_status(&state.pool, &number, &req, "admin-http", Utc::now()).await?;
    state.wake.notify_one();
    Ok(Json(row))
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
pub(crate) async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::openapi_json(),
    )
}

/// Whether the server reaches its database.
#[utoipa::path(get, path = "/v1/health", tag = "meta",
    responses((status = 200, description = "Up"), (status = 503, description = "No database", body = ErrorBody)))]
pub(crate) async fn health(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    sqlx::query("SELECT 1").execute(&state.pool).await?;
    Ok("ok")
}
