//! `skranke sync ...`: pairing, a sync round and the sync status.

use chrono::Utc;
use skranke_desk::{Desk, DeskError};

use crate::args::SyncCommand;

pub(crate) async fn sync(
    desk: &Desk,
    command: SyncCommand,
    now: chrono::DateTime<Utc>,
) -> Result<(), DeskError> {
    let local = |t: chrono::DateTime<Utc>| skranke_desk::oslo_time(t).format("%d.%m.%Y %H:%M").to_string();
    match command {
        SyncCommand::Pair { url, code, name } => {
            let p = desk.pair(&url, &code, &name, now).await?;
            println!(
                "Paret med {} ({}). Nye ordrer nummereres {}-000001 og videre.",
                p.store_name, p.store_id, p.series
            );
        }
        SyncCommand::Now => {
            let r = desk
                .sync_now(|stream, n| {
                    if n >= 5_000 {
                        eprintln!("Henter {}: {n} endringer …", skranke_desk::stream_name(stream));
                    }
                })
                .await?;
            let pulled: Vec<String> = r
                .pulled
                .iter()
                .map(|(s, n)| format!("{} {n}", skranke_desk::stream_name(*s)))
                .collect();
            println!(
                "Kvittert av sentralen: {}. Hentet: {}.",
                r.acknowledged,
                pulled.join(", ")
            );
            for number in &r.needs_attention {
                println!("Må følges opp: {number}");
            }
        }
        SyncCommand::Status => {
            let s = desk.sync_state().await?;
            match &s.paired {
                Some(p) => println!(
                    "Paret med {} ({}, serie {}) på {}",
                    p.store_name, p.store_id, p.series, p.central_url
                ),
                None => println!("Ikke paret med en sentral."),
            }
            match s.oldest_pending_at {
                Some(t) => println!("Ikke sendt: {} (eldste fra {})", s.pending, local(t)),
                None => println!("Ikke sendt: 0"),
            }
            match s.last_good_sync_at {
                Some(t) => println!("Sist synkronisert: {}", local(t)),
                None => println!("Sist synkronisert: aldri"),
            }
        }
    }
    Ok(())
}
