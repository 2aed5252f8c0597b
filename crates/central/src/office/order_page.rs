//! One order: what was sold, to whom, what was paid and mailed, what came back; and what the
//! warehouse does with it (send with a tracking number, cancel before dispatch, resend the
//! confirmation), each through the same functions the command line and the desks use.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use skranke_core::{Money, OrderStatus, ValidOrder, ValidReturn};
use skranke_payments::PaymentState;
use skranke_protocol::{flag_text, Flag, SetStatusRequest};
use sqlx::types::Json;
use uuid::Uuid;

use super::layout::{oslo_time, page};
use super::orders::mail_state_text;
use super::session::{self, Session};
use crate::{ApiError, AppState};

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: Uuid,
    number: String,
    store_id: String,
    device: String,
    placed_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    status: String,
    tracking_number: Option<String>,
    body: Json<ValidOrder>,
    flags: Json<Vec<Flag>>,
    payment_state: Option<String>,
    payment_detail: Option<String>,
    email_state: Option<String>,
    email_to: Option<String>,
    email_detail: Option<String>,
    version: i32,
    cancel_reason: Option<String>,
    cancelled_by: Option<String>,
    desk_clock_error_seconds: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i32,
    changes: Json<Vec<skranke_core::order_change::ChangeItem>>,
    changed_at: DateTime<Utc>,
    changed_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    claim_no: i64,
    body: Json<skranke_core::claim::ValidClaim>,
    verdict: String,
    verdict_text: String,
    received_at: DateTime<Utc>,
    /// The photos that have arrived, of those the claim names.
    arrived: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    at: DateTime<Utc>,
    status: String,
    tracking_number: Option<String>,
    set_by: String,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    attempt: i32,
    method: String,
    state: String,
    amount_ore: i64,
    captured_ore: i64,
    refunded_ore: i64,
    detail: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    attempt: i32,
    kind: String,
    amount_ore: Option<i64>,
    attempts: i32,
    done_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MailRow {
    kind: String,
    generation: i32,
    recipient: String,
    state: String,
    attempts: i32,
    sent_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ReturnRow {
    return_no: i64,
    body: Json<ValidReturn>,
    received_at: DateTime<Utc>,
    refund_ore: Option<i64>,
    goods_received_at: Option<DateTime<Utc>>,
    goods_received_by: Option<String>,
    /// The order an exchange sent out for these goods.
    exchange_number: Option<String>,
}

/// An action just done, said above the order with what follows from it for this order.
#[derive(Debug, Clone, Copy)]
enum Done {
    Sent,
    Cancelled,
    Resent,
    ReturnReceived,
}

/// What the page says above the order after an action, or why the action was refused (with what
/// was typed, so nothing has to be typed twice).
#[derive(Debug, Default)]
struct Outcome {
    done: Option<Done>,
    refused: Option<String>,
    tracking: String,
    email: Option<String>,
}

/// Issue 21 item 7: what the back office reads about an order stamped by a wrong desk clock.
fn desk_clock_text(error_seconds: i64) -> String {
    format!(
        "Skrankens klokke gikk {} da ordren ble lagt inn: «Lagt inn» er skrankens tid, ikke riktig tid.",
        skranke_core::clock_offset::clock_off_text(error_seconds)
    )
}

fn internal(e: impl Into<ApiError>) -> Response {
    e.into().into_response()
}

async fn order_row(state: &AppState, number: &str) -> Result<OrderRow, Response> {
    sqlx::query_as(
        "SELECT o.id, o.number, o.store_id, d.name || ' (' || d.series || ')' AS device, o.placed_at,
                o.received_at, o.status, o.tracking_number, o.body, o.flags, o.payment_state,
                o.payment_detail, o.email_state, o.email_to, o.email_detail, o.version, o.cancel_reason,
                o.cancelled_by, o.desk_clock_error_seconds
         FROM orders o JOIN devices d ON d.id = o.device_id WHERE o.number = $1",
    )
    .bind(number.trim().to_uppercase())
    .fetch_optional(&state.pool)
    .await
    .map_err(internal)?
    .ok_or_else(|| {
        super::layout::refused(
            StatusCode::NOT_FOUND,
            &format!("Fant ingen ordre {}.", number.trim()),
        )
    })
}

async fn render(
    state: &AppState,
    session: &Session,
    number: &str,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, Response> {
    let o = order_row(state, number).await?;
    let pool = &state.pool;
    let history: Vec<StatusRow> = sqlx::query_as(
        "SELECT at, status, tracking_number, set_by FROM order_status_history WHERE order_id = $1 ORDER BY at",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let payments: Vec<PaymentRow> = sqlx::query_as(
        "SELECT attempt, method, state, amount_ore, captured_ore, refunded_ore, detail, created_at, updated_at
         FROM payments WHERE order_id = $1 ORDER BY attempt",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let jobs: Vec<JobRow> = sqlx::query_as(
        "SELECT p.attempt, j.kind, j.amount_ore, j.attempts, j.done_at, j.last_error
         FROM payment_jobs j JOIN payments p ON p.id = j.payment_id WHERE p.order_id = $1 ORDER BY j.id",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let mails: Vec<MailRow> = sqlx::query_as(
        "SELECT kind, generation, recipient, state, attempts, sent_at, last_error
         FROM mail_outbox WHERE order_id = $1 ORDER BY id",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let versions: Vec<VersionRow> = sqlx::query_as(
        "SELECT version, changes, changed_at, changed_by FROM order_versions WHERE order_id = $1 AND version > 1
         ORDER BY version",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let claims: Vec<ClaimRow> = sqlx::query_as(
        "SELECT c.claim_no, c.body, c.verdict, c.verdict_text, c.received_at,
                ARRAY(SELECT ph.sha256 FROM photos ph WHERE ph.store_id = $2 AND ph.complete
                      AND ph.sha256 IN (SELECT jsonb_array_elements_text(c.body->'photos'))) AS arrived
         FROM claims c WHERE c.order_id = $1 ORDER BY c.received_at",
    )
    .bind(o.id)
    .bind(&o.store_id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let returns: Vec<ReturnRow> = sqlx::query_as(
        "SELECT r.return_no, r.body, r.received_at, r.refund_ore, r.goods_received_at, r.goods_received_by,
                n.number AS exchange_number
         FROM returns r LEFT JOIN exchanges e ON e.return_id = r.id LEFT JOIN orders n ON n.id = e.new_order_id
         WHERE r.order_id = $1 ORDER BY r.return_no",
    )
    .bind(o.id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;

    // An exchange's new order names the order its goods replace.
    let exchanged_from: Option<String> = sqlx::query_scalar(
        "SELECT o.number FROM exchanges e JOIN orders o ON o.id = e.original_order_id WHERE e.new_order_id = $1",
    )
    .bind(o.id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    let order = &o.body.0;
    let current = OrderStatus::from_code(&o.status).unwrap_or(OrderStatus::UnderBehandling);
    let email = outcome
        .email
        .clone()
        .or_else(|| o.email_to.clone())
        .or_else(|| order.customer.email.as_ref().map(|e| e.as_str().to_string()))
        .unwrap_or_default();
    let base = format!("/kontor/ordrer/{}", o.number);
    let body = html! {
        p { a href="/kontor/ordrer" { "← Alle ordrer" } }
        @if let Some(from) = &exchanged_from {
            p.note data-testid="exchanged-from" { "Bytte: denne ordren erstatter varer fra ordre " a href=(format!("/kontor/ordrer/{from}")) { (from) } "." }
        }
        @if let Some(done) = outcome.done {
            p.good role="status" data-testid="order-notice" { (done_text(done, &o)) }
        }
        @if let Some(message) = &outcome.refused {
            p.bad role="alert" data-testid="order-error" { (message) }
        }
        div.cards {
            section.card aria-labelledby="h-status" {
                h2 #h-status { "Status" }
                dl {
                    dt { "Status" } dd data-testid="order-state" { (current.text()) }
                    @if o.version > 1 { dt { "Versjon" } dd data-testid="order-version" { (o.version) } }
                    @if let Some(reason) = &o.cancel_reason {
                        dt { "Kansellert" } dd data-testid="cancel-reason" { (reason) @if let Some(by) = &o.cancelled_by { " (" (by) ")" } }
                    }
                    @if let Some(t) = &o.tracking_number { dt { "Sporingsnummer" } dd data-testid="order-tracking" { (t) } }
                    dt { "Butikk" } dd { (o.store_id) }
                    dt { "Skranke" } dd { (o.device) }
                    dt { "Lagt inn" } dd { (oslo_time(o.placed_at)) @if let Some(by) = &order.placed_by { " av " (by) } }
                    @if let Some(seconds) = o.desk_clock_error_seconds {
                        dt { "Klokke" } dd.bad data-testid="desk-clock-flag" { (desk_clock_text(seconds)) }
                    }
                    dt { "Mottatt sentralt" } dd { (oslo_time(o.received_at)) }
                    dt { "Levering" } dd { (order.shipping.name) ", " (order.promise.text()) }
                }
                p { a href=(format!("{base}/ordrebekreftelse.pdf")) data-testid="confirmation-pdf" { "Ordrebekreftelse (PDF)" } }
            }
            section.card aria-labelledby="h-customer" {
                h2 #h-customer { "Kunde" }
                dl {
                    dt { "Navn" } dd data-testid="customer-name" { (order.customer.name) }
                    dt { "Telefon" } dd { (order.customer.phone) }
                    dt { "E-post" } dd { (order.customer.email.as_ref().map_or("–", |e| e.as_str())) }
                    dt { "Leveringsadresse" }
                    dd data-testid="delivery-address" {
                        @for line in order.delivery_address.lines() { (line) br; }
                    }
                }
            }
        }
        @if !versions.is_empty() {
            section aria-labelledby="h-versions" {
                h2 #h-versions { "Endringer etter bestillingen" }
                ul data-testid="order-versions" {
                    @for v in &versions {
                        li {
                            strong { "Versjon " (v.version) } " – " (oslo_time(v.changed_at))
                            @if let Some(by) = &v.changed_by { " av " (by) }
                            ul { @for c in &v.changes.0 { li { (c.text()) } } }
                        }
                    }
                }
            }
        }
        @if !o.flags.0.is_empty() {
            section aria-labelledby="h-flags" {
                h2 #h-flags { "Endret etter tilbudet" }
                ul data-testid="order-flags" { @for f in &o.flags.0 { li { (flag_text(f)) } } }
            }
        }
        section aria-labelledby="h-lines" {
            h2 #h-lines { "Varer" }
            div.scroll tabindex="0" role="region" aria-label="Tabell (kan rulles sidelengs)" {
                table data-testid="order-lines" {
                    thead { tr { th scope="col" { "Vare" } th scope="col" { "Navn" } th.num scope="col" { "Antall" } th.num scope="col" { "Pris" } th.num scope="col" { "MVA" } th.num scope="col" { "Sum" } th scope="col" { "Tilgjengelighet" } } }
                    tbody {
                        @for l in &order.lines {
                            tr {
                                td { (l.sku) }
                                td { (l.name) }
                                td.num { (l.quantity) }
                                td.num { (l.unit_price) }
                                td.num { (l.mva_rate.percent()) " %" }
                                td.num { (l.line_total) }
                                td { (l.supplier_text().unwrap_or(l.availability.text())) }
                            }
                        }
                    }
                    tfoot {
                        tr { th colspan="5" scope="row" { "Varer" } td.num { (order.totals.goods) } td {} }
                        tr { th colspan="5" scope="row" { "Frakt" } td.num { (order.totals.shipping) } td {} }
                        tr.total { th colspan="5" scope="row" { "Totalt" } td.num data-testid="order-total" { (order.totals.total) } td {} }
                        @for m in &order.totals.mva {
                            tr { th colspan="5" scope="row" { "Herav MVA " (m.rate.percent()) " % av " (m.total_incl) } td.num { (m.mva) } td {} }
                        }
                        @if let Some(note) = order.totals.mva_note() {
                            tr { td colspan="7" { (note) } }
                        }
                    }
                }
            }
        }
        div.cards {
            section.card aria-labelledby="h-payment" {
                h2 #h-payment { "Betaling" }
                p { (order.payment_method.name()) ": "
                    strong data-testid="payment-state" { (o.payment_state.as_deref().and_then(PaymentState::from_code).map_or("–", PaymentState::text)) }
                    @if let Some(d) = &o.payment_detail { " (" (d) ")" }
                }
                @if !payments.is_empty() {
                    div.scroll tabindex="0" role="region" aria-label="Betalingsforsøk (kan rulles sidelengs)" { table {
                        thead { tr { th scope="col" { "Forsøk" } th scope="col" { "Måte" } th scope="col" { "Status" } th.num scope="col" { "Beløp" } th.num scope="col" { "Trukket" } th.num scope="col" { "Tilbake" } th scope="col" { "Endret" } } }
                        tbody {
                            @for p in &payments {
                                tr {
                                    td { (p.attempt) " (" (oslo_time(p.created_at)) ")" }
                                    td { (p.method) }
                                    td { (PaymentState::from_code(&p.state).map_or(p.state.as_str(), |s| s.text())) @if let Some(d) = &p.detail { br; small { (d) } } }
                                    td.num { (Money::from_ore(p.amount_ore)) }
                                    td.num { (Money::from_ore(p.captured_ore)) }
                                    td.num { (Money::from_ore(p.refunded_ore)) }
                                    td.when { (oslo_time(p.updated_at)) }
                                }
                            }
                        }
                    } }
                }
                @if !jobs.is_empty() {
                    h3 { "Kall til betalingstilbyderen" }
                    ul data-testid="payment-jobs" {
                        @for j in &jobs {
                            li {
                                (job_text(&j.kind)) " (forsøk " (j.attempt) ")"
                                @if let Some(a) = j.amount_ore { ": " (Money::from_ore(a)) }
                                " – "
                                @if let Some(at) = j.done_at { "utført " (oslo_time(at)) }
                                @else { "venter (" (j.attempts) " forsøk)" }
                                @if let Some(e) = &j.last_error { br; small { (e) } }
                            }
                        }
                    }
                }
            }
            section.card aria-labelledby="h-mail" {
                h2 #h-mail { "E-post" }
                p { "Ordrebekreftelse: " strong data-testid="mail-state" { (mail_state_text(o.email_state.as_deref())) }
                    @if let Some(d) = &o.email_detail { " (" (d) ")" } }
                @if !mails.is_empty() {
                    ul {
                        @for m in &mails {
                            li {
                                (mail_kind_text(&m.kind))
                                @if m.generation > 1 { " (sendt på nytt, " (m.generation) ")" }
                                " til " (m.recipient) ": " (mail_state_text(Some(&m.state)))
                                @if let Some(at) = m.sent_at { " " (oslo_time(at)) }
                                @if m.state == "pending" && m.attempts > 0 { " (" (m.attempts) " forsøk)" }
                                @if let Some(e) = &m.last_error { br; small { (e) } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-history" {
            h2 #h-history { "Historikk" }
            ul data-testid="status-history" {
                @for h in &history {
                    li { (oslo_time(h.at)) ": " (OrderStatus::from_code(&h.status).map_or(h.status.as_str(), |s| s.text()))
                        @if let Some(t) = &h.tracking_number { " (sporing " (t) ")" }
                        " – " (h.set_by) }
                }
            }
        }
        @if !claims.is_empty() {
            section aria-labelledby="h-claims" {
                h2 #h-claims { "Reklamasjoner" }
                @for c in &claims {
                    h3 { (c.body.0.kind.text()) " " (c.claim_no) ", mottatt " (oslo_time(c.received_at)) }
                    p data-testid="claim-verdict" class=(if c.verdict == "late" { "bad" } else { "" }) { (c.verdict_text) }
                    p { "Hva er galt: " (c.body.0.description) }
                    ul { @for l in &c.body.0.lines { li { (l.quantity) " × " (l.name) " (linje " (l.line_no) ")" } } }
                    p { "Oppdaget " (c.body.0.discovered.format("%d.%m.%Y")) ", mottatt " (c.body.0.received.format("%d.%m.%Y %H:%M")) }
                    @if !c.body.0.photos.is_empty() {
                        p { (c.arrived.len()) " av " (c.body.0.photos.len()) " bilder er kommet fram." }
                        div.photos data-testid="claim-photos" {
                            @for (i, name) in c.arrived.iter().enumerate() {
                                a href=(format!("/kontor/bilder/{name}")) {
                                    img src=(format!("/kontor/bilder/{name}")) alt=(format!("Bilde {} av {}", i + 1, c.body.0.photos.len())) width="160";
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !returns.is_empty() {
            section aria-labelledby="h-returns" {
                h2 #h-returns { "Returer" }
                @for r in &returns {
                    h3 { "Retur " (r.return_no) ", registrert " (oslo_time(r.received_at)) }
                    @if let Some(new) = &r.exchange_number {
                        p data-testid=(format!("return-{}-exchange", r.return_no)) { "Bytte: de nye varene sendes som ordre " a href=(format!("/kontor/ordrer/{new}")) { (new) } "; kunden betaler eller får tilbake bare mellomlegget." }
                    }
                    ul data-testid="returns" {
                        @for l in &r.body.0.lines {
                            li { (l.quantity) " × " (l.name) " (" (l.sku) "): " (l.reason.text()) }
                        }
                    }
                    @let refund = Money::from_ore(r.refund_ore.unwrap_or(0));
                    @if let Some(at) = r.goods_received_at {
                        p data-testid=(format!("return-{}-state", r.return_no)) { "Varene er mottatt " (oslo_time(at)) @if let Some(by) = &r.goods_received_by { " (" (by) ")" } "; " (refund) " betales tilbake." }
                    } @else {
                        form.inline method="post" action=(format!("{base}/retur/{}/mottatt", r.return_no)) {
                            input type="hidden" name="csrf" value=(session.csrf_token);
                            span data-testid=(format!("return-{}-state", r.return_no)) { "Venter på varene; " (refund) " betales tilbake når de er mottatt." }
                            button.primary type="submit" data-testid=(format!("receive-return-{}", r.return_no)) { "Varene er mottatt" }
                        }
                    }
                }
            }
        }
        section.actions aria-labelledby="h-actions" {
            h2 #h-actions { "Handlinger" }
            @if current.may_become(OrderStatus::Sendt) {
                form method="post" action=(format!("{base}/sendt")) {
                    input type="hidden" name="csrf" value=(session.csrf_token);
                    label for="tracking" { "Sporingsnummer" }
                    input #tracking name="sporing" required value=(outcome.tracking) autocomplete="off" data-testid="tracking";
                    button.primary type="submit" data-testid="mark-sent" { "Marker som sendt" }
                }
            }
            @if current.may_become(OrderStatus::Kansellert) {
                form method="post" action=(format!("{base}/kanseller")) {
                    input type="hidden" name="csrf" value=(session.csrf_token);
                    label.check { input type="checkbox" name="bekreft" value="ja" required data-testid="confirm-cancel"; " Ja, kanseller ordren (betalingen gis tilbake)" }
                    button.danger type="submit" data-testid="cancel-order" { "Kanseller" }
                }
            }
            form method="post" action=(format!("{base}/send-bekreftelse")) {
                input type="hidden" name="csrf" value=(session.csrf_token);
                label for="resend-to" { "Send ordrebekreftelsen på nytt til" }
                input #resend-to name="epost" type="email" required value=(email) data-testid="resend-to";
                button type="submit" data-testid="resend" { "Send på nytt" }
            }
        }
    };
    Ok((status, page(&format!("Ordre {}", o.number), Some(session), body)).into_response())
}

fn done_text(done: Done, o: &OrderRow) -> String {
    let payment = o.payment_state.as_deref().and_then(PaymentState::from_code);
    match done {
        Done::Sent => {
            let mail = if o.email_to.is_some() || o.body.0.customer.email.is_some() {
                "Kunden får sporingsnummeret på e-post."
            } else {
                "Kunden har ingen e-postadresse: gi sporingsnummeret på telefon."
            };
            let money = match payment {
                Some(PaymentState::Reserved) => " Det reserverte beløpet trekkes nå.".to_string(),
                Some(PaymentState::Captured) => String::new(),
                Some(other) => format!(" Merk: betalingen er ikke reservert ({}).", other.text()),
                None => " Merk: ordren har ingen betaling registrert.".to_string(),
            };
            format!("Ordren er markert som sendt. {mail}{money}")
        }
        Done::Cancelled => match payment {
            Some(p) if p.holds_money() || p.is_open() => {
                "Ordren er kansellert. Det kunden har betalt eller fått reservert, gis tilbake.".into()
            }
            _ => "Ordren er kansellert.".into(),
        },
        Done::Resent => "Ordrebekreftelsen sendes på nytt.".into(),
        Done::ReturnReceived => "Returen er mottatt. Tilbakebetalingen er satt i gang.".into(),
    }
}

fn job_text(kind: &str) -> &'static str {
    match kind {
        "create" => "Betalingsforespørsel",
        "capture" => "Trekk",
        "refund" => "Tilbakebetaling",
        "cancel" => "Trekk tilbake forespørselen",
        "release" => "Frigi reservasjonen",
        _ => "Kall",
    }
}

fn mail_kind_text(kind: &str) -> &'static str {
    match kind {
        "shipped" => "Sendt-varsel",
        "changed" => "Endret ordrebekreftelse",
        "cancelled" => "Kansellering",
        _ => "Ordrebekreftelse",
    }
}

/// The confirmation as the customer got it (or gets it): the changed one once the order changed.
pub async fn confirmation_pdf(
    State(state): State<AppState>,
    _session: Session,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    let o = order_row(&state, &number).await?;
    let payment = o
        .payment_state
        .as_deref()
        .and_then(PaymentState::from_code)
        .map(PaymentState::text);
    let document = skranke_pdf::OrderDocument {
        order_number: &o.number,
        order: &o.body.0,
        policy: &state.integrations.policy,
        payment_state: payment,
    };
    let newest: Option<VersionRow> = sqlx::query_as(
        "SELECT version, changes, changed_at, changed_by FROM order_versions WHERE order_id = $1 AND version = $2",
    )
    .bind(o.id)
    .bind(o.version)
    .fetch_optional(&state.pool)
    .await
    .map_err(internal)?;
    let pdf = match newest.filter(|v| v.version > 1) {
        Some(v) => {
            let changes: Vec<String> = v.changes.0.iter().map(|c| c.text()).collect();
            skranke_pdf::changed_order_confirmation(
                &document,
                &skranke_pdf::Revision {
                    version: u32::try_from(v.version).unwrap_or(1),
                    changed_on: v.changed_at.with_timezone(&chrono_tz::Europe::Oslo).date_naive(),
                    changes: &changes,
                },
            )
        }
        None => skranke_pdf::order_confirmation(&document),
    }
    .map_err(|e| super::layout::refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"ordrebekreftelse-{}.pdf\"", o.number),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct SentForm {
    csrf: String,
    #[serde(default)]
    sporing: String,
}

pub async fn mark_sent(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<SentForm>,
) -> Result<Response, Response> {
    session.check_csrf(&form.csrf)?;
    let req = SetStatusRequest {
        status: OrderStatus::Sendt,
        tracking_number: Some(form.sporing.clone()),
    };
    let actor = session::actor(&session.user);
    match crate::order_status::set_status(&state.pool, &number, &req, &actor, Utc::now()).await {
        Ok(row) => {
            state.wake.notify_one();
            Ok(Redirect::to(&format!("/kontor/ordrer/{}?utfort=sendt", row.order_number)).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let outcome = Outcome {
                refused: Some(e.body.message),
                tracking: form.sporing,
                ..Outcome::default()
            };
            render(
                &state,
                &session,
                &number,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into_response()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    csrf: String,
    #[serde(default)]
    bekreft: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, Response> {
    session.check_csrf(&form.csrf)?;
    if form.bekreft != "ja" {
        let outcome = Outcome {
            refused: Some("Kryss av for at ordren skal kanselleres.".into()),
            ..Outcome::default()
        };
        return render(
            &state,
            &session,
            &number,
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let req = SetStatusRequest {
        status: OrderStatus::Kansellert,
        tracking_number: None,
    };
    let actor = session::actor(&session.user);
    match crate::order_status::set_status(&state.pool, &number, &req, &actor, Utc::now()).await {
        Ok(row) => {
            state.wake.notify_one();
            Ok(
                Redirect::to(&format!("/kontor/ordrer/{}?utfort=kansellert", row.order_number))
                    .into_response(),
            )
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let outcome = Outcome {
                refused: Some(e.body.message),
                ..Outcome::default()
            };
            render(&state, &session, &number, outcome, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into_response()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    csrf: String,
    #[serde(default)]
    epost: String,
}

pub async fn resend_confirmation(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    Form(form): Form<ResendForm>,
) -> Result<Response, Response> {
    session.check_csrf(&form.csrf)?;
    let o = order_row(&state, &number).await?;
    let to = match skranke_core::Email::parse(&form.epost) {
        Ok(e) => e.as_str().to_string(),
        Err(e) => {
            let outcome = Outcome {
                refused: Some(e.to_string()),
                email: Some(form.epost),
                ..Outcome::default()
            };
            return render(
                &state,
                &session,
                &number,
                outcome,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = Utc::now();
    let mut tx = state.pool.begin().await.map_err(internal)?;
    crate::mail::queue(&mut tx, o.id, &o.number, "confirmation", &to, now)
        .await
        .map_err(internal)?;
    crate::audit::append(
        &mut tx,
        &session::actor(&session.user),
        "ordrebekreftelse sendt på nytt",
        &format!("{} til {to}", o.number),
        now,
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    state.wake.notify_one();
    Ok(Redirect::to(&format!("/kontor/ordrer/{}?utfort=bekreftelse", o.number)).into_response())
}

pub async fn receive_return(
    State(state): State<AppState>,
    session: Session,
    Path((number, return_no)): Path<(String, i64)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Response> {
    session.check_csrf(&form.csrf)?;
    crate::return_receipt::mark_received(
        &state.pool,
        &number,
        return_no,
        &session::actor(&session.user),
        Utc::now(),
    )
    .await
    .map_err(IntoResponse::into_response)?;
    state.wake.notify_one();
    Ok(Redirect::to(&format!(
        "/kontor/ordrer/{}?utfort=retur",
        number.trim().to_uppercase()
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    utfort: String,
}

/// The order page; after an action it says what was done, in one of a fixed few texts (never text
/// from the address bar).
pub async fn order(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response, Response> {
    let done = match q.utfort.as_str() {
        "sendt" => Some(Done::Sent),
        "kansellert" => Some(Done::Cancelled),
        "bekreftelse" => Some(Done::Resent),
        "retur" => Some(Done::ReturnReceived),
        _ => None,
    };
    let outcome = Outcome {
        done,
        ..Outcome::default()
    };
    render(&state, &session, &number, outcome, StatusCode::OK).await
}

/// A claim photo of the store's, as it arrived (a JPEG the desk made; personal data, so no cache).
pub async fn photo(
    State(state): State<AppState>,
    _session: Session,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    if !crate::photos::valid_name(&name) {
        return Err(super::layout::refused(StatusCode::NOT_FOUND, "Fant ikke bildet."));
    }
    let data: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM photos WHERE sha256 = $1 AND complete LIMIT 1")
            .bind(&name)
            .fetch_optional(&state.pool)
            .await
            .map_err(internal)?;
    let data = data.ok_or_else(|| super::layout::refused(StatusCode::NOT_FOUND, "Fant ikke bildet."))?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], data).into_response())
}
