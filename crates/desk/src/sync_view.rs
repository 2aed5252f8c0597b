//! What the window shows about sync: the indicator in the header and the orders that need a person.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skranke_cache::SyncState;
use skranke_sync::SyncStatus;

use crate::{flag_text, oslo_time, Desk, DeskError};

/// The header's sync indicator, and the pairing as Innstillinger shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncStatusView {
    pub paired: bool,
    /// "Skranke Oslo (OSL), serie OSL1, http://…".
    pub pairing_text: String,
    pub online: bool,
    pub pending: u32,
    /// One line for the header: "Tilkoblet · alle ordrer sendt", "Frakoblet · 3 ordrer ikke sendt (eldste 12 min)".
    pub headline: String,
    /// "Sist synkronisert 10:42" or "Aldri synkronisert".
    pub last_sync_text: String,
    pub error: Option<String>,
    pub needs_pairing: bool,
    /// While a big pull is under way, what is coming in ("Henter katalog: 15 000 endringer").
    pub progress: Option<String>,
    /// Waiting an hour or more: the header turns red.
    pub overdue: bool,
    /// This PC's clock is more than two minutes off the central store's (issue 21 item 7): what
    /// staff should know and do.
    pub clock_warning: Option<String>,
    pub attention: Vec<AttentionView>,
}

/// An order the central store refused or flagged: who to call and what to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AttentionView {
    pub order_number: String,
    pub customer: String,
    pub rejected: bool,
    pub lines: Vec<String>,
}

/// What staff call a stream.
pub fn stream_name(stream: skranke_protocol::Stream) -> &'static str {
    match stream {
        skranke_protocol::Stream::Catalog => "katalog",
        skranke_protocol::Stream::Availability => "tilgjengelighet",
        skranke_protocol::Stream::Orders => "ordrestatus",
        skranke_protocol::Stream::Staff => "personale",
    }
}

/// A new desk's first catalog (issue 21): how far, and the time left, so staff know when the whole
/// catalog is searchable; what is in already is.
fn snapshot_text(p: &skranke_sync::SnapshotProgress) -> String {
    let left = p
        .time_left
        .map(|d| match d.as_secs() {
            s if s < 60 => format!(" · ca. {} s igjen", s.max(1)),
            s => format!(" · ca. {} min igjen", s.div_ceil(60)),
        })
        .unwrap_or_default();
    match p.phase {
        skranke_sync::SnapshotPhase::Download => format!(
            "Henter katalogen: {} av {} MB{left}",
            p.done / 1_000_000,
            p.total.div_ceil(1_000_000)
        ),
        skranke_sync::SnapshotPhase::Import => format!(
            "Legger inn varer: {} av {}{left} · søket finner dem som er inne",
            grouped(p.done),
            grouped(p.total)
        ),
    }
}

/// 1000000 as "1 000 000" (a space between groups of three, as Norwegian writes it).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

fn minutes_text(minutes: i64) -> String {
    match minutes {
        m if m < 1 => "under ett minutt".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} t", m / 60),
        m => format!("{} døgn", m / (24 * 60)),
    }
}

impl Desk {
    /// The sync status from the desk's file, with what the running loop (if any) knows.
    pub async fn sync_view(
        &self,
        live: Option<&SyncStatus>,
        now: DateTime<Utc>,
    ) -> Result<SyncStatusView, DeskError> {
        let state: SyncState = self.cache.sync_state().await?;
        // A round that ran before the desk was paired says nothing about the pairing made since.
        let live = live.filter(|l| !(l.not_paired && state.paired.is_some()));
        let attention = self
            .cache
            .orders_needing_attention(20)
            .await?
            .into_iter()
            .map(|a| AttentionView {
                customer: format!(
                    "{}, {}",
                    a.customer_name,
                    crate::views::phone_text(&a.customer_phone)
                ),
                lines: a
                    .message
                    .iter()
                    .map(|m| format!("Avvist av sentralen: {m}"))
                    .chain(a.flags.iter().map(flag_text))
                    .collect(),
                order_number: a.order_number,
                rejected: a.rejected,
            })
            .collect();
        let online = live.is_some_and(|l| l.online);
        let oldest_minutes = state.oldest_pending_at.map(|t| (now - t).num_minutes());
        let waiting = match (state.pending, oldest_minutes) {
            (0, _) => "alle ordrer er sendt".to_string(),
            (1, Some(m)) => format!("1 ordre ikke sendt ({})", minutes_text(m)),
            (n, Some(m)) => format!("{n} ordrer ikke sendt (eldste {})", minutes_text(m)),
            (n, None) => format!("{n} ikke sendt"),
        };
        let headline = match (&state.paired, online) {
            (None, _) => format!("Ikke koblet til sentralen · {waiting}"),
            (Some(_), true) => format!("Tilkoblet · {waiting}"),
            (Some(_), false) if live.is_none() => format!("Kobler til … · {waiting}"),
            (Some(_), false) => format!("Frakoblet · {waiting}"),
        };
        // The loop's reading while it runs, else what the last good sync recorded.
        let clock_offset_ms = live
            .and_then(|l| l.clock)
            .map(|r| r.offset.num_milliseconds())
            .or(state.clock_offset_ms);
        let clock_warning = clock_offset_ms
            .filter(|ms| ms.abs() > skranke_sync::CLOCK_WARNING.num_milliseconds())
            .map(|ms| {
                let when = if online {
                    "Skranken bruker sentralens tid så lenge den er på nett."
                } else {
                    "Uten nett bruker skranken PC-ens klokke: tidspunkter og leveringsdatoer kan bli feil."
                };
                format!(
                    "Klokka på denne PC-en går {}. {when} Be IT rette klokka.",
                    skranke_core::clock_offset::clock_off_text(ms / 1000)
                )
            });
        let progress = match live.and_then(|l| l.snapshot) {
            Some(p) => Some(snapshot_text(&p)),
            None => live
                .and_then(|l| l.progress)
                .map(|(stream, n)| format!("Henter {}: {n} endringer …", stream_name(stream))),
        };
        Ok(SyncStatusView {
            progress,
            paired: state.paired.is_some(),
            pairing_text: state.paired.as_ref().map_or_else(
                || "Ikke paret".to_string(),
                |p| {
                    format!(
                        "{} ({}), serie {}, {}",
                        p.store_name, p.store_id, p.series, p.central_url
                    )
                },
            ),
            online,
            pending: state.pending,
            headline,
            last_sync_text: state.last_good_sync_at.map_or_else(
                || "Aldri synkronisert".to_string(),
                |t| format!("Sist synkronisert {}", oslo_time(t).format("%d.%m. %H:%M")),
            ),
            // Not being paired is the headline's news, not an error: a stand-alone desk is fine.
            error: live.filter(|l| !l.not_paired).and_then(|l| l.last_error.clone()),
            needs_pairing: live.is_some_and(|l| l.needs_pairing),
            overdue: oldest_minutes.is_some_and(|m| m >= 60),
            clock_warning,
            attention,
        })
    }

    /// Staff have told the customer about the order's flags or refusal.
    pub async fn mark_attention_done(
        &self,
        who: &crate::staff::Acting,
        order_number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        self.as_actor(who);
        if self.cache.mark_attention_done(order_number, now).await? {
            Ok(())
        } else {
            Err(DeskError::OrderNotFound(order_number.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use skranke_sync::{SnapshotPhase, SnapshotProgress};

    use super::{grouped, snapshot_text};

    #[test]
    fn the_first_catalog_says_how_far_and_how_long() {
        assert_eq!(grouped(1_000_000), "1\u{a0}000\u{a0}000");
        assert_eq!(grouped(412), "412");
        assert_eq!(
            snapshot_text(&SnapshotProgress {
                phase: SnapshotPhase::Import,
                done: 412_000,
                total: 1_000_000,
                time_left: Some(Duration::from_millis(6_400)),
            }),
            "Legger inn varer: 412\u{a0}000 av 1\u{a0}000\u{a0}000 · ca. 6 s igjen · søket finner dem som er inne"
        );
        assert_eq!(
            snapshot_text(&SnapshotProgress {
                phase: SnapshotPhase::Download,
                done: 23_500_000,
                total: 48_100_000,
                time_left: Some(Duration::from_secs(130)),
            }),
            "Henter katalogen: 23 av 49 MB · ca. 3 min igjen"
        );
    }
}
