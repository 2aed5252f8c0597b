//! HTTP to the central store: one client, explicit timeouts, typed refusals.

use std::time::Duration;

use reqwest::header::{DATE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use skranke_protocol::{
    ChangesResponse, Cursor, ErrorBody, PairRequest, PairResponse, PhotoUpload, PullResponse, PushRequest,
    PushResponse, SnapshotOffer, Stream,
};

use crate::{CentralClock, ClockReading, SyncError};

/// The central store at one base URL, as one device (or unpaired, for pairing).
#[derive(Debug, Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Where the central store's time, read from each answer, goes.
    clock: CentralClock,
}

impl CentralClient {
    pub fn new(base: &str, token: Option<String>) -> Result<CentralClient, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("skranke-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(CentralClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            clock: CentralClock::default(),
        })
    }

    /// The same client, reading the central store's time into `clock`.
    pub fn with_clock(mut self, clock: CentralClock) -> CentralClient {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &CentralClock {
        &self.clock
    }

    pub async fn pair(&self, req: &PairRequest) -> Result<PairResponse, SyncError> {
        let r = self.http.post(format!("{}/v1/pair", self.base)).json(req);
        answer(r.send().await, &self.clock).await
    }

    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let r = self.authed(self.http.post(format!("{}/v1/push", self.base)).json(req))?;
        answer(r.send().await, &self.clock).await
    }

    /// One page of `stream`, with its JSON text as received (kept as is in the desk's staging).
    pub async fn pull(
        &self,
        stream: Stream,
        cursor: &Cursor,
        limit: u32,
    ) -> Result<(PullResponse, String), SyncError> {
        let r = self.http.get(format!("{}/v1/pull", self.base)).query(&[
            ("stream", stream.code()),
            ("cursor", cursor.0.as_str()),
            ("limit", &limit.to_string()),
        ]);
        let text: RawText = answer(self.authed(r)?.send().await, &self.clock).await?;
        let page = serde_json::from_str(&text.0).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok((page, text.0))
    }

    /// One page of every stream from its cursor (in [`Stream::ALL`] order): an idle poll is one request.
    pub async fn changes(&self, cursors: &[Cursor; 4], limit: u32) -> Result<ChangesResponse, SyncError> {
        let r = self.http.get(format!("{}/v1/changes", self.base)).query(&[
            ("catalog", cursors[0].0.as_str()),
            ("availability", cursors[1].0.as_str()),
            ("orders", cursors[2].0.as_str()),
            ("staff", cursors[3].0.as_str()),
            ("limit", &limit.to_string()),
        ]);
        answer(self.authed(r)?.send().await, &self.clock).await
    }

    /// The catalog snapshot to start from; `None` when the central store has none to give (an older
    /// one answers 404).
    pub async fn snapshot_offer(&self) -> Result<Option<SnapshotOffer>, SyncError> {
        let r = self.authed(self.http.get(format!("{}/v1/snapshots/catalog", self.base)))?;
        match answer(r.send().await, &self.clock).await {
            Ok(offer) => Ok(Some(offer)),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The snapshot file's bytes from `start` on, as much as one answer carries (the central store
    /// sends at most 16 MiB a time). `None`: the snapshot is gone (a newer one replaced it).
    pub async fn snapshot_range(&self, url: &str, start: u64) -> Result<Option<Vec<u8>>, SyncError> {
        let r = self
            .http
            .get(format!("{}{url}", self.base))
            .header(reqwest::header::RANGE, format!("bytes={start}-"))
            // The file is gzip already; asked plain, nothing in between inflates it.
            .header(reqwest::header::ACCEPT_ENCODING, "identity")
            // A slice of 16 MiB takes well under a second on a LAN; a slow line gets longer.
            .timeout(Duration::from_secs(300));
        let response = self
            .authed(r)?
            .send()
            .await
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        match response.status().as_u16() {
            206 | 200 => {
                let got = response.content_length();
                let starts_at = response
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes "))
                    .and_then(|v| v.split('-').next())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                if starts_at != start {
                    return Err(SyncError::Protocol(format!(
                        "sentralen sendte utdraget fra byte {starts_at}, ikke {start}"
                    )));
                }
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| SyncError::Offline(e.to_string()))?;
                if got.is_some_and(|n| n != bytes.len() as u64) {
                    return Err(SyncError::Offline("utdraget ble kuttet underveis".into()));
                }
                Ok(Some(bytes.to_vec()))
            }
            404 => Ok(None),
            _ => answer::<serde_json::Value>(Ok(response), &self.clock)
                .await
                .map(|_| None),
        }
    }

    /// How much of a claim photo the central store holds; `None` when nothing yet.
    pub async fn photo_status(&self, sha256: &str) -> Result<Option<PhotoUpload>, SyncError> {
        let r = self.authed(self.http.get(format!("{}/v1/photos/{sha256}", self.base)))?;
        match answer(r.send().await, &self.clock).await {
            Ok(upload) => Ok(Some(upload)),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends `bytes` as the part of the photo from `start` (of `total` bytes).
    pub async fn photo_chunk(
        &self,
        sha256: &str,
        start: u64,
        total: u64,
        bytes: Vec<u8>,
    ) -> Result<PhotoUpload, SyncError> {
        let end = start + bytes.len() as u64 - 1;
        let r = self
            .http
            .put(format!("{}/v1/photos/{sha256}", self.base))
            .header(
                reqwest::header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{total}"),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        answer(self.authed(r)?.send().await, &self.clock).await
    }

    fn authed(&self, r: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, SyncError> {
        let token = self.token.as_deref().ok_or(SyncError::NotPaired)?;
        Ok(r.bearer_auth(token))
    }
}

/// A success body kept as text.
struct RawText(String);

impl<'de> serde::Deserialize<'de> for RawText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        Ok(RawText(raw.get().to_string()))
    }
}

async fn answer<T: DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
    clock: &CentralClock,
) -> Result<T, SyncError> {
    let response = sent.map_err(|e| SyncError::Offline(e.to_string()))?;
    // Every answer, a refusal too, carries the central store's time (RFC 9110 `Date`).
    if let Some(central) = response
        .headers()
        .get(DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
    {
        clock.observe(ClockReading::new(
            central.with_timezone(&chrono::Utc),
            chrono::Utc::now(),
        ));
    }
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    // A body cut off mid-way is the network's fault, not the server's: the same request goes again.
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SyncError::Offline(e.to_string()))?;
    if status.is_success() {
        serde_json::from_slice(&bytes).map_err(|e| {
            if bytes.is_empty() {
                SyncError::Offline("tomt svar".into())
            } else {
                SyncError::Protocol(e.to_string())
            }
        })
    } else {
        Err(SyncError::Refused {
            status: status.as_u16(),
            body: ErrorBody::from_response(status.as_u16(), &bytes),
            retry_after,
        })
    }
}
