//! Revisjon (leder only): the central store's hash chain recomputed from its first entry, each
//! desk's chain as its entries arrived, and the newest entries.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::page;
use super::session::Session;
use crate::{ApiError, AppState};

#[derive(sqlx::FromRow)]
struct DeskChain {
    series: String,
    name: String,
    entries: i64,
    breaks: i64,
    first_break: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Entry {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
}

pub async fn audit(State(state): State<AppState>, session: Session) -> Result<Response, Response> {
    session.require_leder()?;
    let internal = |e: sqlx::Error| ApiError::from(e).into_response();
    let report = crate::audit::verify(&state.pool).await.map_err(internal)?;
    let desks: Vec<DeskChain> = sqlx::query_as(
        "SELECT d.series, d.name, count(a.seq) AS entries, count(a.seq) FILTER (WHERE NOT a.chain_ok) AS breaks,
                min(a.seq) FILTER (WHERE NOT a.chain_ok) AS first_break
         FROM devices d LEFT JOIN audit_log a ON a.device_id = d.id
         GROUP BY d.id, d.series, d.name ORDER BY d.series",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?;
    let newest: Vec<Entry> = sqlx::query_as(
        "SELECT seq, at, actor, action, subject FROM central_audit ORDER BY seq DESC LIMIT 50",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(internal)?;
    let body = html! {
        section.card aria-labelledby="h-central" {
            h2 #h-central { "Sentralens logg" }
            @match &report.central_broken {
                None => p.good data-testid="central-chain" { "I orden: alle " (report.central_entries) " hendelser henger sammen." },
                Some((seq, reason)) => p.bad role="alert" data-testid="central-chain" { "Endret: hendelse " (seq) " " (reason) ". Loggen er ikke til å stole på fra og med denne hendelsen." },
            }
        }
        section aria-labelledby="h-desks" {
            h2 #h-desks { "Skrankenes logger" }
            table data-testid="desk-chains" {
                thead { tr { th scope="col" { "Skranke" } th.num scope="col" { "Hendelser" } th scope="col" { "Kjeden" } } }
                tbody {
                    @for d in &desks {
                        tr {
                            td { (d.name) " (" (d.series) ")" }
                            td.num { (d.entries) }
                            td {
                                @if d.breaks == 0 { "i orden" }
                                @else { span.bad { (d.breaks) " brudd, første ved hendelse " (d.first_break.unwrap_or_default()) } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-newest" {
            h2 #h-newest { "Siste hendelser i sentralen" }
            div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
                table data-testid="audit-entries" {
                    thead { tr { th.num scope="col" { "Nr." } th scope="col" { "Tid (UTC)" } th scope="col" { "Hvem" } th scope="col" { "Hva" } th scope="col" { "Gjelder" } } }
                    tbody {
                        @for e in &newest {
                            tr { td.num { (e.seq) } td.when { (e.at.get(..19).unwrap_or(&e.at).replace('T', " ")) } td { (e.actor) } td { (e.action) } td { (e.subject) } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Revisjon", Some(&session), body).into_response())
}
