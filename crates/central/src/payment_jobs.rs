//! Working the payment outbox: each due job is claimed with `FOR UPDATE SKIP LOCKED`, sent to the
//! provider with its fixed idempotency key, and marked done (or rescheduled) in the same transaction.
//! A crash between the provider's answer and the commit repeats the call with the same key, and the
//! provider acts once.

use chrono::{DateTime, Duration, Utc};
use skranke_core::{Money, ValidOrder};
use skranke_payments::{PaymentEvent, PaymentProvider, PaymentRequest, ProviderError};
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
    idempotency_key: String,
    attempts: i32,
}

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
            "SELECT id, payment_id, kind, amount_ore, idempotency_key, attempts FROM payment_jobs
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
        match call(&mut tx, integrations, &job, &p).await? {
            Ok(outcome) => {
                if let Some((event, link)) = outcome {
                    if let Some((provider_id, link)) = link {
                        sqlx::query("UPDATE payments SET provider_id = $2, link = $3 WHERE id = $1")
                            .bind(p.id)
                            .bind(provider_id)
                            .bind(link)
                            .execute(&mut *tx)
                            .await?;
                    }
                    payment::apply_event(&mut tx, &p, event, None, now).await?;
                }
                finish(&mut tx, &job, None, now).await?;
            }
            Err(e) if e.is_transient() => {
                // Exponential backoff, at most five minutes between tries; never given up.
                let wait = Duration::seconds(1i64 << job.attempts.clamp(0, 8)).min(Duration::minutes(5));
                sqlx::query(
                    "UPDATE payment_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(job.id)
                .bind(now + wait)
                .bind(e.to_string())
                .execute(&mut *tx)
                .await?;
            }
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

type Outcome = Option<(PaymentEvent, Option<(String, Option<String>)>)>;

/// One provider call for `job`; `Ok(None)` when there is nothing to do any more.
async fn call(
    tx: &mut PgConnection,
    integrations: &Integrations,
    job: &Job,
    p: &PaymentRow,
) -> Result<Result<Outcome, ProviderError>, sqlx::Error> {
    let amount = Money::from_ore(job.amount_ore.unwrap_or(p.amount_ore));
    let key = job.idempotency_key.as_str();
    let result = match (job.kind.as_str(), p.provider.as_str()) {
        ("create", _) if p.state() != skranke_payments::PaymentState::Requested => Ok(None),
        ("create", provider) => {
            let (number, order): (String, Json<ValidOrder>) =
                sqlx::query_as("SELECT number, body FROM orders WHERE id = $1")
                    .bind(p.order_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let request = PaymentRequest {
                reference: &p.reference,
                order_number: &number,
                method: p.method(),
                order: &order.0,
            };
            let created = with_provider(
                integrations,
                provider,
                |v| v.create(&request),
                |k| k.create(&request),
            )
            .await;
            created.map(|c| Some((PaymentEvent::Sent, Some((c.provider_id, c.link)))))
        }
        ("cancel", _) => match &p.provider_id {
            // Never reached the provider: withdrawing it is ours alone.
            None => Ok(Some((PaymentEvent::Cancelled, None))),
            Some(id) => with_provider(
                integrations,
                &p.provider,
                |v| v.cancel(id, key),
                |k| k.cancel(id, key),
            )
            .await
            .map(|()| Some((PaymentEvent::Cancelled, None))),
        },
        ("capture", _) => {
            let id = target(p);
            with_provider(
                integrations,
                &p.provider,
                |v| v.capture(&id, amount, key),
                |k| k.capture(&id, amount, key),
            )
            .await
            .map(|()| Some((PaymentEvent::Captured, None)))
        }
        ("refund", _) => {
            let id = target(p);
            let done = with_provider(
                integrations,
                &p.provider,
                |v| v.refund(&id, amount, key),
                |k| k.refund(&id, amount, key),
            )
            .await;
            if done.is_ok() {
                sqlx::query("UPDATE payments SET refunded_ore = refunded_ore + $2 WHERE id = $1")
                    .bind(p.id)
                    .bind(amount.ore())
                    .execute(&mut *tx)
                    .await?;
            }
            done.map(|()| Some((PaymentEvent::Refunded, None)))
        }
        _ => Ok(None),
    };
    if job.kind == "capture" && result.is_ok() {
        sqlx::query("UPDATE payments SET captured_ore = captured_ore + $2 WHERE id = $1")
            .bind(p.id)
            .bind(amount.ore())
            .execute(&mut *tx)
            .await?;
    }
    Ok(result)
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
async fn with_provider<'a, T, FV, FK, RV, RK>(
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
