//! A new desk's first catalog from the central store's snapshot (issue 21 item 1): fetch the file in
//! ranges (a cut download goes on from what the desk has), check it against the offer's SHA-256,
//! import it in batches that search sees as they commit, then pull from the snapshot's cursors.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use chrono::Utc;
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use skranke_cache::Cache;
use skranke_protocol::{Cursor, SnapshotProduct, Stream};

use crate::{CentralClient, SyncError};

/// Lines per import transaction: big enough to amortise the commit, small enough that search sees
/// the catalog grow about every second.
const IMPORT_BATCH: usize = 25_000;

/// What the first sync is doing, for the desk to show with the time left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotProgress {
    pub phase: SnapshotPhase,
    pub done: u64,
    pub total: u64,
    /// From the rate so far in this phase; `None` until there is one.
    pub time_left: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotPhase {
    /// Bytes of the file.
    Download,
    /// Products into the catalog.
    Import,
}

/// When the desk has no catalog stream yet (never pulled, nothing staged), brings the catalog in
/// from the central store's snapshot and sets the catalog and availability cursors to where it
/// stands. Returns the products imported; `None` when no snapshot was used (the desk has pulled
/// before, or the central store offers none), and the ordinary pull does the work.
pub async fn first_catalog_from_snapshot(
    cache: &Cache,
    client: &CentralClient,
    mut progress: impl FnMut(SnapshotProgress),
) -> Result<Option<u64>, SyncError> {
    for stream in [Stream::Catalog, Stream::Availability] {
        let position = cache.stream_position(stream).await?;
        if position.resume_from.0 != Cursor::START || position.staged_pages > 0 {
            return Ok(None);
        }
    }
    let Some(offer) = client.snapshot_offer().await? else {
        return Ok(None);
    };
    let mut download = match cache.snapshot_download().await? {
        Some(d) if d.offer.id == offer.id => d,
        _ => {
            cache.begin_snapshot(&offer).await?;
            skranke_cache::SnapshotDownload {
                offer: offer.clone(),
                received: 0,
                imported: 0,
            }
        }
    };

    let started = Instant::now();
    let resumed_at = download.received;
    while download.received < offer.bytes {
        let Some(part) = client.snapshot_range(&offer.url, download.received).await? else {
            // Replaced by a newer one while this desk fetched it: the next round starts that one.
            cache.discard_snapshot().await?;
            return Err(SyncError::Protocol(
                "katalogutdraget ble byttet ut underveis".into(),
            ));
        };
        if part.is_empty() {
            return Err(SyncError::Protocol("sentralen sendte et tomt utdrag".into()));
        }
        cache
            .append_snapshot_part(offer.id, download.received, &part)
            .await?;
        download.received += part.len() as u64;
        progress(SnapshotProgress {
            phase: SnapshotPhase::Download,
            done: download.received,
            total: offer.bytes,
            time_left: time_left(
                started,
                download.received - resumed_at,
                offer.bytes - download.received,
            ),
        });
    }

    let file = cache.snapshot_file(offer.id).await?;
    if hex::encode(Sha256::digest(&file)) != offer.sha256 || file.len() as u64 != offer.bytes {
        cache.discard_snapshot().await?;
        return Err(SyncError::Protocol(
            "katalogutdraget var skadet (kontrollsummen stemte ikke); det hentes på nytt".into(),
        ));
    }

    let started = Instant::now();
    let resumed_at = download.imported;
    // Unpacking and parsing run on a thread of their own while SQLite takes the previous batch.
    let (batches, mut incoming) = tokio::sync::mpsc::channel::<Result<Vec<SnapshotProduct>, SyncError>>(2);
    let skip = download.imported;
    let reader = tokio::task::spawn_blocking(move || read_batches(&file, skip, &batches));
    let mut done = download.imported;
    while let Some(batch) = incoming.recv().await {
        let batch = batch?;
        cache.import_snapshot_batch(offer.id, &batch, Utc::now()).await?;
        done += batch.len() as u64;
        progress(SnapshotProgress {
            phase: SnapshotPhase::Import,
            done,
            total: offer.products,
            time_left: time_left(started, done - resumed_at, offer.products.saturating_sub(done)),
        });
    }
    reader
        .await
        .map_err(|e| SyncError::Protocol(format!("katalogutdraget: {e}")))?;
    cache.finish_snapshot(&offer, Utc::now()).await?;
    Ok(Some(done))
}

/// Sends the file's lines after the first `skip`, parsed, in batches of [`IMPORT_BATCH`]; stops at
/// the first bad line (sent as the error) or when the receiver is gone.
fn read_batches(
    file: &[u8],
    skip: u64,
    batches: &tokio::sync::mpsc::Sender<Result<Vec<SnapshotProduct>, SyncError>>,
) {
    let bad = |e: &dyn std::fmt::Display| SyncError::Protocol(format!("katalogutdraget: {e}"));
    let mut lines = BufReader::new(GzDecoder::new(file)).lines();
    for _ in 0..skip {
        if lines.next().is_none() {
            return;
        }
    }
    loop {
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        for line in lines.by_ref().take(IMPORT_BATCH) {
            let parsed = line
                .map_err(|e| bad(&e))
                .and_then(|l| serde_json::from_str(&l).map_err(|e| bad(&e)));
            match parsed {
                Ok(p) => batch.push(p),
                Err(e) => {
                    let _ = batches.blocking_send(Err(e));
                    return;
                }
            }
        }
        if batch.is_empty() || batches.blocking_send(Ok(batch)).is_err() {
            return;
        }
    }
}

fn time_left(started: Instant, done_here: u64, left: u64) -> Option<Duration> {
    let spent = started.elapsed();
    (done_here > 0 && spent > Duration::ZERO).then(|| spent.mul_f64(left as f64 / done_here as f64))
}
