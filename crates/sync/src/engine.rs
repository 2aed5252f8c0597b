//! Pairing, one push of the outbox, one pull of a stream, and the background loop around them.

use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::value::RawValue;
use skranke_cache::{Cache, Pairing};
use skranke_protocol::{ErrorCode, Mutation, MutationKind, PairRequest, PushRequest, QueueReport, Stream};
use tokio::sync::{watch, Notify};

use crate::{CentralClient, CentralClock, ClockReading, SnapshotProgress, SyncError};

/// Mutations per push; the central store takes up to 100.
const PUSH_BATCH: u32 = 100;
/// Changes per pull page.
const PULL_PAGE: u32 = 10_000;
/// How often a healthy desk syncs when nothing wakes it.
const INTERVAL: Duration = Duration::from_secs(10);

/// What one round of sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub acknowledged: u32,
    /// Orders the central store refused or flagged.
    pub needs_attention: Vec<String>,
    pub pulled: Vec<(Stream, u64)>,
    /// Claim photos the central store now has all of.
    pub photos_uploaded: u32,
}

/// Pairs the desk: the code is used once; the desk's earlier series travels along, when it has
/// orders numbered in it, so those orders are accepted.
pub async fn pair(
    cache: &Cache,
    central_url: &str,
    code: &str,
    device_name: &str,
    now: DateTime<Utc>,
) -> Result<Pairing, SyncError> {
    let client = CentralClient::new(central_url, None)?;
    // Only a series the desk has numbered orders in needs claiming: a fresh desk's random series
    // can collide with another desk's among thousands (found by the chain benchmark: 2,000 desks,
    // six hex digits), and its pairing would be refused for a series it never used.
    let previous = cache.device().await?.series_prefix;
    let used = !cache
        .list_orders(&skranke_cache::OrderFilter { text: None, limit: 1 })
        .await?
        .is_empty();
    let paired = client
        .pair(&PairRequest {
            code: code.to_string(),
            device_name: device_name.to_string(),
            previous_series: used.then_some(previous),
        })
        .await?;
    cache.set_pairing(central_url, &paired, now).await?;
    cache.pairing().await?.ok_or(SyncError::NotPaired)
}

/// Pushes the outbox until it is empty; every answer is recorded before the next batch goes.
pub async fn push_outbox(
    cache: &Cache,
    client: &CentralClient,
    device_id: uuid::Uuid,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    loop {
        let batch = cache.outbox_batch(PUSH_BATCH).await?;
        let Some(first) = batch.first() else {
            return Ok(report);
        };
        let first_seq = first.wire_seq;
        let state = cache.sync_state().await?;
        let mutations = batch
            .iter()
            .map(|e| {
                let kind = MutationKind::from_code(&e.kind)
                    .ok_or_else(|| SyncError::Protocol(format!("ukjent endring {}", e.kind)))?;
                Ok(Mutation {
                    seq: e.wire_seq,
                    mutation_id: uuid::Uuid::parse_str(&e.mutation_id)
                        .map_err(|err| SyncError::Protocol(err.to_string()))?,
                    kind,
                    payload: RawValue::from_string(e.payload.clone())
                        .map_err(|err| SyncError::Protocol(err.to_string()))?,
                    payload_sha256: e.payload_sha256.clone(),
                })
            })
            .collect::<Result<Vec<_>, SyncError>>()?;
        let request = PushRequest {
            device_id,
            mutations,
            queue: Some(QueueReport {
                pending: state.pending,
                oldest_pending_at: state.oldest_pending_at,
            }),
            desk_time: Some(Utc::now()),
        };
        match client.push(&request).await {
            Ok(answer) => {
                let ack = cache.record_push(&answer.results, Utc::now()).await?;
                report.acknowledged += ack.acknowledged;
                report.needs_attention.extend(ack.needs_attention);
                if ack.acknowledged == 0 {
                    return Err(SyncError::Protocol("sentralen kvitterte ikke for noe".into()));
                }
            }
            Err(SyncError::Refused { body, .. })
                if body.code == ErrorCode::SeqGap && body.expected_seq.is_some_and(|e| e < first_seq) =>
            {
                // The central store lost entries it had acknowledged (restored from a backup):
                // send them again from where it stands.
                cache
                    .reopen_outbox_from(body.expected_seq.unwrap_or(first_seq))
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Pulls `stream` to its end, staging each page; applies the whole set in one transaction. A cut
/// resumes from the last staged page. Returns the changes applied.
pub async fn pull_stream(
    cache: &Cache,
    client: &CentralClient,
    stream: Stream,
    mut progress: impl FnMut(u64),
) -> Result<u64, SyncError> {
    loop {
        let position = cache.stream_position(stream).await?;
        let (page, raw) = client.pull(stream, &position.resume_from, PULL_PAGE).await?;
        if page.changes.is_empty() && position.staged_pages == 0 && page.cursor == position.cursor {
            return Ok(0);
        }
        cache.stage_page(&page, Some(&raw)).await?;
        progress(position.staged_changes + page.changes.len() as u64);
        if !page.has_more {
            return Ok(cache.apply_staged(stream, Utc::now()).await?);
        }
    }
}

/// Pulls every stream: first one page of each in one request (all an idle desk needs), then the
/// streams with more, page by page. Returns the changes applied per stream.
pub async fn pull_all(
    cache: &Cache,
    client: &CentralClient,
    mut progress: impl FnMut(Stream, u64),
) -> Result<Vec<(Stream, u64)>, SyncError> {
    let positions = cache.stream_positions().await?;
    let cursors = [
        positions[0].resume_from.clone(),
        positions[1].resume_from.clone(),
        positions[2].resume_from.clone(),
        positions[3].resume_from.clone(),
    ];
    let answer = client.changes(&cursors, PULL_PAGE).await?;
    if answer.pages.len() != Stream::ALL.len() {
        return Err(SyncError::Protocol(
            "sentralen svarte ikke for alle strømmer".into(),
        ));
    }
    let mut pulled = Vec::with_capacity(3);
    for ((stream, position), page) in Stream::ALL.into_iter().zip(&positions).zip(&answer.pages) {
        if page.stream != stream {
            return Err(SyncError::Protocol("strømmene kom i feil rekkefølge".into()));
        }
        if page.changes.is_empty() && position.staged_pages == 0 && page.cursor == position.cursor {
            pulled.push((stream, 0));
            continue;
        }
        cache.stage_page(page, None).await?;
        progress(stream, position.staged_changes + page.changes.len() as u64);
        let n = if page.has_more {
            pull_stream(cache, client, stream, |n| progress(stream, n)).await?
        } else {
            cache.apply_staged(stream, Utc::now()).await?
        };
        pulled.push((stream, n));
    }
    Ok(pulled)
}

/// One round: push everything, pull every stream, remember the time.
pub async fn sync_once(cache: &Cache) -> Result<SyncReport, SyncError> {
    sync_once_with_progress(cache, &CentralClock::default(), |_, _| {}).await
}

/// [`sync_once`], telling `progress` how many changes of a stream are in so far (a fresh desk's first
/// catalog takes a while), and reading the central store's time into `clock`.
pub async fn sync_once_with_progress(
    cache: &Cache,
    clock: &CentralClock,
    progress: impl FnMut(Stream, u64),
) -> Result<SyncReport, SyncError> {
    round(cache, clock, &mut None, progress, |_| {}).await
}

/// The client of the pairing, made once and kept while the pairing stays the same (its connections
/// are reused from round to round).
type KeptClient = Option<(Pairing, CentralClient)>;

async fn round(
    cache: &Cache,
    clock: &CentralClock,
    kept: &mut KeptClient,
    progress: impl FnMut(Stream, u64),
    snapshot_progress: impl FnMut(SnapshotProgress),
) -> Result<SyncReport, SyncError> {
    let pairing = cache.pairing().await?.ok_or(SyncError::NotPaired)?;
    if kept.as_ref().is_none_or(|(p, _)| *p != pairing) {
        let client =
            CentralClient::new(&pairing.central_url, Some(pairing.token.clone()))?.with_clock(clock.clone());
        *kept = Some((pairing.clone(), client));
    }
    let client = match kept {
        Some((_, client)) => client.clone(),
        None => return Err(SyncError::NotPaired),
    };
    let device_id =
        uuid::Uuid::parse_str(&pairing.device_id).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let mut report = push_outbox(cache, &client, device_id).await?;
    report.photos_uploaded = upload_photos(cache, &client).await?;
    // A new desk takes the catalog from the snapshot first; the pull then brings what changed since.
    let from_snapshot = crate::first_catalog_from_snapshot(cache, &client, snapshot_progress).await?;
    report.pulled = pull_all(cache, &client, progress).await?;
    // What came in the snapshot counts as pulled catalog ("Hentet: katalog 200").
    if let Some(n) = from_snapshot {
        if let Some((_, pulled)) = report.pulled.iter_mut().find(|(s, _)| *s == Stream::Catalog) {
            *pulled += n;
        }
    }
    cache.set_last_good_sync(Utc::now()).await?;
    // Recorded with the round: the desk's log of how far off its clock was, and when (issue 21).
    if let Some(reading) = clock.reading() {
        cache
            .record_clock_offset(reading.offset.num_milliseconds(), reading.central_at)
            .await?;
    }
    Ok(report)
}

/// The part of a photo sent at a time (the central store takes at most 1 MiB per request).
const PHOTO_CHUNK: usize = 512 * 1024;

/// Sends every claim photo the central store does not have all of, each from where its upload
/// stands there: a cut upload goes on, never starts over, and a photo it has is not sent again.
pub async fn upload_photos(cache: &Cache, client: &CentralClient) -> Result<u32, SyncError> {
    let mut done = 0;
    for photo in cache.photos_to_upload().await? {
        let total = photo.data.len() as u64;
        let mut offset =
            client
                .photo_status(&photo.sha256)
                .await?
                .map_or(0, |u| if u.complete { total } else { u.received });
        // Bounded: each turn sends a chunk or learns the offset anew after a lost answer.
        for _ in 0..(photo.data.len() / PHOTO_CHUNK + 8) {
            if offset >= total {
                break;
            }
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(photo.data.len());
            let end = (start + PHOTO_CHUNK).min(photo.data.len());
            match client
                .photo_chunk(&photo.sha256, offset, total, photo.data[start..end].to_vec())
                .await
            {
                Ok(u) if u.complete => offset = total,
                Ok(u) => offset = u.received,
                Err(SyncError::Refused { status: 409, .. }) => {
                    offset = client
                        .photo_status(&photo.sha256)
                        .await?
                        .map_or(0, |u| u.received);
                }
                Err(e) => return Err(e),
            }
        }
        if offset >= total {
            cache.mark_photo_uploaded(&photo.sha256, Utc::now()).await?;
            done += 1;
        }
    }
    Ok(done)
}

/// What the desk shows about its sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub paired: bool,
    pub store_name: Option<String>,
    /// The last round reached the central store.
    pub online: bool,
    pub pending: u32,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub last_good_sync_at: Option<DateTime<Utc>>,
    /// Why the last round failed, in Norwegian.
    pub last_error: Option<String>,
    pub needs_pairing: bool,
    /// The last round found the desk not paired (it may have been paired since).
    pub not_paired: bool,
    /// While a big pull is under way: the stream and how many changes are in.
    pub progress: Option<(Stream, u64)>,
    /// While a new desk takes in the catalog snapshot: how far, and the time left.
    pub snapshot: Option<SnapshotProgress>,
    /// The central store's time against this desk's, from the last answer.
    pub clock: Option<ClockReading>,
}

/// The running loop: wake it after placing an order, read its status.
#[derive(Debug, Clone)]
pub struct SyncHandle {
    wake: Arc<Notify>,
    status: watch::Receiver<SyncStatus>,
}

impl SyncHandle {
    /// Sync now (an order was placed, or staff asked).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Waits until the status changes.
    pub async fn changed(&mut self) -> Option<SyncStatus> {
        self.status.changed().await.ok()?;
        Some(self.status.borrow().clone())
    }
}

/// Starts the loop on the current tokio runtime. It syncs every 10 s and whenever woken; after a
/// failure it waits with exponential backoff and full jitter (1 s doubling to 5 min, without end),
/// or what the central store's `Retry-After` says, whichever is longer. It never gives up while
/// anything is pending: that is the watchdog.
///
/// `clock` gets the central store's time from every answer; the desk stamps with it.
pub fn spawn(cache: Cache, clock: CentralClock) -> SyncHandle {
    let wake = Arc::new(Notify::new());
    let (tx, rx) = watch::channel(SyncStatus::default());
    let handle = SyncHandle {
        wake: wake.clone(),
        status: rx,
    };
    tokio::spawn(async move {
        let schedule = || {
            backon::ExponentialBuilder::default()
                .with_min_delay(Duration::from_secs(1))
                .with_max_delay(Duration::from_secs(300))
                .without_max_times()
                .build()
        };
        let mut backoff = schedule();
        let mut kept: KeptClient = None;
        let mut was_online = false;
        loop {
            let result = round(
                &cache,
                &clock,
                &mut kept,
                |stream, n| tx.send_modify(|s| s.progress = Some((stream, n))),
                |p| tx.send_modify(|s| s.snapshot = Some(p)),
            )
            .await;
            let state = cache.sync_state().await.ok();
            let mut status = SyncStatus {
                paired: state.as_ref().is_some_and(|s| s.paired.is_some()),
                store_name: state
                    .as_ref()
                    .and_then(|s| s.paired.as_ref().map(|p| p.store_name.clone())),
                pending: state.as_ref().map_or(0, |s| s.pending),
                oldest_pending_at: state.as_ref().and_then(|s| s.oldest_pending_at),
                last_good_sync_at: state.as_ref().and_then(|s| s.last_good_sync_at),
                clock: clock.reading(),
                ..SyncStatus::default()
            };
            let delay = match &result {
                Ok(_) => {
                    backoff = schedule();
                    status.online = true;
                    if !was_online {
                        tracing::info!(pending = status.pending, "synkronisering i gang igjen");
                    }
                    INTERVAL
                }
                Err(e) => {
                    tracing::warn!(kind = %e.log_kind(), pending = status.pending, "synkroniseringen feilet");
                    status.last_error = Some(e.to_string());
                    status.needs_pairing = e.needs_pairing();
                    status.not_paired = matches!(e, SyncError::NotPaired);
                    let exponential = backoff.next().unwrap_or(Duration::from_secs(300));
                    // Full jitter: anywhere between nothing and the exponential delay, so desks that
                    // lost the central store together do not come back together.
                    let jittered = exponential.mul_f64(rand::thread_rng().gen::<f64>());
                    let asked = match e {
                        SyncError::Refused { retry_after, .. } => retry_after.unwrap_or_default(),
                        _ => Duration::ZERO,
                    };
                    if matches!(e, SyncError::NotPaired) {
                        INTERVAL
                    } else {
                        jittered.max(asked)
                    }
                }
            };
            was_online = status.online;
            tx.send_replace(status);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = wake.notified() => {}
            }
        }
    });
    handle
}
