//! Working the payment outbox: each due job is claimed with `FOR UPDATE SKIP LOCKED`, sent to the
//! provider with its fixed idempotency key, and marked done (or rescheduled) in the same transaction.
//! A crash between the provider's answer and the commit repeats the call with the same key, and the
//! provider acts once.
//!
//! Klarna's Payments and HPP calls take no key. Their create job keeps each step's answer (the KP
//! session, then the page) on the payment before the next step, so a retry goes on from the last step
//! that answered. The SMS with the link is its own job and is sent at most once: the attempt is
//! committed before the call, and an answer that is lost is not followed by a second SMS.

use chrono::{DateTime, Duration, Utc};
use skranke_core::{Money, ValidOrder};
use skranke_payments::{
    IdempotencyKey, KlarnaClient, PaymentEvent, PaymentLine, PaymentProvider, PaymentRequest, PaymentState,
    ProviderError,
};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::integrations::Integrations;
use crate::payment::{self, PaymentRow};

#[derive(Debug, sqlx::FromRow)]
struct Job {
    id: i64,
    payment_id: Uuid,
    kind: String,
    amount_ore: Option<i64>,
    lines: Option<Json<Vec<PaymentLine>>>,
    idempotency_key: String,
    attempts: i32,
}

/// What staff read when Klarna's answer to the SMS was lost: it most likely went.
const LINK_PROBABLY_SENT: &str =
    "Svaret fra Klarna kom ikke fram, men lenken er trolig sendt. Spør kunden, og send på nytt om den ikke kom.";

/// Works every due job; returns how many were attempted. `now` decides what is due.
pub async fn run_due_payment_jobs(
    pool: &PgPool,
    integrations: &Integrations,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let mut worked = 0;
    loop {
        let mut tx = pool.begin().await?;
        let job: Option<Job> = sqlx::query_as(
            "SELECT id, payment_id, kind, amount_ore, lines, idempotency_key, attempts FROM payment_jobs
             WHERE done_at IS NULL AND next_attempt_at <= $1
               -- A payment's jobs run in the order they were queued: a refund waits for its capture.
               AND NOT EXISTS (SELECT 1 FROM payment_jobs e
                               WHERE e.payment_id = payment_jobs.payment_id AND e.done_at IS NULL AND e.id < payment_jobs.id)
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(job) = job else {
            tx.commit().await?;
            return Ok(worked);
        };
        worked += 1;
        let Some(p) = payment::by_id(&mut tx, job.payment_id).await? else {
            finish(&mut tx, &job, None, now).await?;
            tx.commit().await?;
            continue;
        };
        if job.kind == "distribute" {
            distribute(pool, tx, integrations, &job, &p, now).await?;
            continue;
        }
        match call(&mut tx, integrations, &job, &p, now).await? {
            Ok(Some(event)) => {
                payment::apply_event(&mut tx, &p, event, None, now).await?;
                finish(&mut tx, &job, None, now).await?;
            }
            Ok(None) => finish(&mut tx, &job, None, now).await?,
            Err(e) if e.is_transient() => retry_later(&mut tx, &job, &e, now).await?,
            Err(e) => {
                let detail = e.to_string();
                if job.kind == "create" {
                    payment::apply_event(&mut tx, &p, PaymentEvent::Failed, Some(&detail), now).await?;
                }
                finish(&mut tx, &job, Some(&detail), now).await?;
            }
        }
        tx.commit().await?;
    }
}

/// Exponential backoff, at most five minutes between tries; never given up.
async fn retry_later(
    tx: &mut PgConnection,
    job: &Job,
    error: &ProviderError,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let wait = Duration::seconds(1i64 << job.attempts.clamp(0, 8)).min(Duration::minutes(5));
    sqlx::query(
        "UPDATE payment_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
    )
    .bind(job.id)
    .bind(now + wait)
    .bind(error.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn finish(
    tx: &mut PgConnection,
    job: &Job,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_jobs SET done_at = $2, attempts = attempts + 1, last_error = $3 WHERE id = $1",
    )
    .bind(job.id)
    .bind(now)
    .bind(error)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The order's number, body and credit lines (an exchange's new order: what is set against it).
async fn order_of(
    tx: &mut PgConnection,
    p: &PaymentRow,
) -> Result<(String, ValidOrder, Vec<PaymentLine>), sqlx::Error> {
    let (number, order, credit): (String, Json<ValidOrder>, Option<Json<Vec<PaymentLine>>>) =
        sqlx::query_as("SELECT number, body, credit_lines FROM orders WHERE id = $1")
            .bind(p.order_id)
            .fetch_one(&mut *tx)
            .await?;
    Ok((number, order.0, credit.map(|c| c.0).unwrap_or_default()))
}

/// One provider call for `job`: the event it amounts to, or `Ok(None)` when there is nothing (more)
/// to do.
async fn call(
    tx: &mut PgConnection,
    integrations: &Integrations,
    job: &Job,
    p: &PaymentRow,
    now: DateTime<Utc>,
) -> Result<Result<Option<PaymentEvent>, ProviderError>, sqlx::Error> {
    let amount = Money::from_ore(job.amount_ore.unwrap_or(p.amount_ore));
    let lines: &[PaymentLine] = job.lines.as_ref().map_or(&[], |l| l.0.as_slice());
    let key = match IdempotencyKey::parse(&job.idempotency_key) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let result = match (job.kind.as_str(), p.provider.as_str()) {
        ("create", _) if p.state() != PaymentState::Requested => Ok(None),
        ("create", "vipps") => {
            let Some(vipps) = &integrations.vipps else {
                return Ok(Err(not_configured("Vipps")));
            };
            let (number, order, credit) = order_of(tx, p).await?;
            let request = request_of(p, &number, &order, &credit);
            match vipps.create(&request).await {
                Ok(reference) => {
                    sqlx::query("UPDATE payments SET provider_id = $2 WHERE id = $1")
                        .bind(p.id)
                        .bind(&reference)
                        .execute(&mut *tx)
                        .await?;
                    let mut sent = p.clone();
                    sent.provider_id = Some(reference);
                    payment::mark_sent(tx, &sent, Some(vipps.push_expires_at(now)), None, now).await?;
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        ("create", _) => {
            let Some(klarna) = &integrations.klarna else {
                return Ok(Err(not_configured("Klarna")));
            };
            klarna_page(tx, klarna, p, now).await?
        }
        // Once paid, a withdrawn request is given back by its `release` job instead.
        ("cancel", _) if !p.state().is_open() => Ok(None),
        ("cancel", _) => match &p.provider_id {
            // Never reached the customer: withdrawing it is ours alone.
            None => Ok(Some(PaymentEvent::Cancelled)),
            Some(id) => with_provider(
                integrations,
                &p.provider,
                |v| v.cancel(id, &key),
                |k| k.cancel(id, &key),
            )
            .await
            .map(|()| Some(PaymentEvent::Cancelled)),
        },
        ("release", _) if p.state() != PaymentState::Reserved => Ok(None),
        ("release", _) => {
            let id = target(p);
            with_provider(
                integrations,
                &p.provider,
                |v| v.release(&id, &key),
                |k| k.release(&id, &key),
            )
            .await
            .map(|()| Some(PaymentEvent::Cancelled))
        }
        ("release_rest", _) => {
            let id = target(p);
            with_provider(
                integrations,
                &p.provider,
                |v| v.release_rest(&id, &key),
                |k| k.release_rest(&id, &key),
            )
            .await
            // The payment stays captured: only the hold on the rest goes.
            .map(|()| None)
        }
        ("capture", _) => {
            let id = target(p);
            with_provider(
                integrations,
                &p.provider,
                |v| v.capture(&id, amount, lines, &key),
                |k| k.capture(&id, amount, lines, &key),
            )
            .await
            .map(|()| Some(PaymentEvent::Captured))
        }
        ("refund", _) => {
            let id = target(p);
            with_provider(
                integrations,
                &p.provider,
                |v| v.refund(&id, amount, lines, &key),
                |k| k.refund(&id, amount, lines, &key),
            )
            .await
            .map(|()| Some(PaymentEvent::Refunded))
        }
        _ => Ok(None),
    };
    // What the provider took or gave back, in øre, beside the state.
    let counter = match job.kind.as_str() {
        "capture" => Some("captured_ore"),
        "refund" => Some("refunded_ore"),
        _ => None,
    };
    if let (Some(column), Ok(Some(_))) = (counter, &result) {
        sqlx::query(&format!(
            "UPDATE payments SET {column} = {column} + $2 WHERE id = $1"
        ))
        .bind(p.id)
        .bind(amount.ore())
        .execute(&mut *tx)
        .await?;
    }
    Ok(result)
}

fn request_of<'a>(
    p: &'a PaymentRow,
    number: &'a str,
    order: &'a ValidOrder,
    credit: &'a [PaymentLine],
) -> PaymentRequest<'a> {
    PaymentRequest {
        reference: &p.reference,
        order_number: number,
        method: p.method(),
        order,
        credit,
    }
}

/// Klarna's first two steps, each answer kept on the payment (in this transaction, which commits on a
/// transient failure too) before the next; then the SMS is queued as its own job.
async fn klarna_page(
    tx: &mut PgConnection,
    klarna: &KlarnaClient,
    p: &PaymentRow,
    now: DateTime<Utc>,
) -> Result<Result<Option<PaymentEvent>, ProviderError>, sqlx::Error> {
    let (number, order, credit) = order_of(tx, p).await?;
    let request = request_of(p, &number, &order, &credit);
    let kp_session_id = match &p.kp_session_id {
        Some(id) => id.clone(),
        None => match klarna.create_payment_session(&request).await {
            Ok(id) => {
                sqlx::query("UPDATE payments SET kp_session_id = $2 WHERE id = $1")
                    .bind(p.id)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            Err(e) => return Ok(Err(e)),
        },
    };
    if p.provider_id.is_none() {
        match klarna.create_page(&request, &kp_session_id).await {
            Ok(page) => {
                sqlx::query(
                    "UPDATE payments SET provider_id = $2, distribution_url = $3, link = $4, expires_at = $5 WHERE id = $1",
                )
                .bind(p.id)
                .bind(&page.session_id)
                .bind(&page.distribution_url)
                .bind(&page.redirect_url)
                .bind(page.expires_at)
                .execute(&mut *tx)
                .await?;
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    let key = format!("distribute-{}", p.id.simple());
    payment::queue_job(tx, p.id, "distribute", None, None, &key, now).await?;
    Ok(Ok(None))
}

/// Sends Klarna's SMS (or e-mail) with the link, at most once. The attempt is committed before the call
/// (and the job put out of reach of another worker for longer than a call can take); a call that
/// provably did not reach Klarna is tried again, one whose answer was lost is not.
async fn distribute(
    pool: &PgPool,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    integrations: &Integrations,
    job: &Job,
    p: &PaymentRow,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let (Some(klarna), Some(url)) = (&integrations.klarna, p.distribution_url.clone()) else {
        // Not configured (yet): wait as any job does.
        retry_later(&mut tx, job, &not_configured("Klarna"), now).await?;
        return tx.commit().await;
    };
    if p.state() != PaymentState::Requested {
        // Withdrawn before the link went out.
        finish(&mut tx, job, None, now).await?;
        return tx.commit().await;
    }
    if p.distribution_started_at.is_some() {
        // A worker died between committing the attempt and recording Klarna's answer.
        payment::mark_sent(&mut tx, p, p.expires_at, Some(LINK_PROBABLY_SENT), now).await?;
        finish(&mut tx, job, None, now).await?;
        return tx.commit().await;
    }
    sqlx::query("UPDATE payments SET distribution_started_at = $2 WHERE id = $1")
        .bind(p.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE payment_jobs SET next_attempt_at = $2 WHERE id = $1")
        .bind(job.id)
        .bind(now + Duration::minutes(2))
        .execute(&mut *tx)
        .await?;
    let (number, order, credit) = order_of(&mut tx, p).await?;
    tx.commit().await?;

    let sent = klarna
        .distribute(&request_of(p, &number, &order, &credit), &url)
        .await;

    let mut tx = pool.begin().await?;
    sqlx::query("SELECT id FROM payment_jobs WHERE id = $1 FOR UPDATE")
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
    let Some(p) = payment::by_id(&mut tx, p.id).await? else {
        return tx.commit().await;
    };
    match sent {
        Ok(()) => {
            payment::mark_sent(&mut tx, &p, p.expires_at, None, now).await?;
            finish(&mut tx, job, None, now).await?;
        }
        Err(e) if e.may_have_acted() => {
            payment::mark_sent(&mut tx, &p, p.expires_at, Some(LINK_PROBABLY_SENT), now).await?;
            finish(&mut tx, job, Some(&e.to_string()), now).await?;
        }
        Err(e) if e.is_transient() => {
            sqlx::query("UPDATE payments SET distribution_started_at = NULL WHERE id = $1")
                .bind(p.id)
                .execute(&mut *tx)
                .await?;
            retry_later(&mut tx, job, &e, now).await?;
        }
        Err(e) => {
            let detail = e.to_string();
            payment::apply_event(&mut tx, &p, PaymentEvent::Failed, Some(&detail), now).await?;
            finish(&mut tx, job, Some(&detail), now).await?;
        }
    }
    tx.commit().await
}

/// What a capture or refund is made on: Vipps' reference, or Klarna's order.
fn target(p: &PaymentRow) -> String {
    p.provider_order_id
        .clone()
        .or_else(|| p.provider_id.clone())
        .unwrap_or_else(|| p.reference.clone())
}

fn not_configured(name: &str) -> ProviderError {
    ProviderError::Transient(format!("{name} er ikke satt opp i sentralen"))
}

/// Calls the payment's provider, or says it is not configured (the job is retried later).
pub(crate) async fn with_provider<'a, T, FV, FK, RV, RK>(
    integrations: &'a Integrations,
    provider: &str,
    vipps: FV,
    klarna: FK,
) -> Result<T, ProviderError>
where
    FV: FnOnce(&'a skranke_payments::VippsClient) -> RV,
    FK: FnOnce(&'a skranke_payments::KlarnaClient) -> RK,
    RV: std::future::Future<Output = Result<T, ProviderError>>,
    RK: std::future::Future<Output = Result<T, ProviderError>>,
{
    match provider {
        "vipps" => match &integrations.vipps {
            Some(v) => vipps(v).await,
            None => Err(not_configured("Vipps")),
        },
        _ => match &integrations.klarna {
            Some(k) => klarna(k).await,
            None => Err(not_configured("Klarna")),
        },
    }
}
