//! Push: each mutation in its own transaction, which checks the device's `last_seq`, applies the
//! mutation (or records its rejection) and advances `last_seq`, all or nothing.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use skranke_protocol::{
    payload_sha256, ErrorBody, ErrorCode, MutationResult, Outcome, PushRequest, PushResponse,
    MAX_MUTATIONS_PER_PUSH,
};
use sqlx::types::Json;
use sqlx::{Acquire, PgPool};
use uuid::Uuid;

use crate::apply::{apply, Failure};
use crate::extract::Device;
use crate::ApiError;

pub(crate) async fn push(
    pool: &PgPool,
    device: &Device,
    req: PushRequest,
    policy: &skranke_core::ShopPolicy,
    now: DateTime<Utc>,
) -> Result<PushResponse, ApiError> {
    if req.device_id != device.id {
        return Err(ApiError::forbidden(
            "En skranke kan bare sende sine egne endringer.",
        ));
    }
    check_batch(&req)?;
    // One connection for the whole push: sqlx checks a connection with a round trip to PostgreSQL
    // when it is handed out and when it goes back (ARCHITECTURE.md).
    let mut conn = pool.acquire().await?;
    sqlx::query(
        "UPDATE devices SET last_seen_at = $2, queue_pending = coalesce($3, queue_pending),
                            queue_oldest_at = CASE WHEN $3 IS NULL THEN queue_oldest_at ELSE $4 END
         WHERE id = $1",
    )
    .bind(device.id)
    .bind(now)
    .bind(req.queue.map(|q| i64::from(q.pending)))
    .bind(req.queue.and_then(|q| q.oldest_pending_at))
    .execute(&mut *conn)
    .await?;

    // How far ahead of the desk's clock ours is (issue 21): a few ms of travel are noise beside the
    // two minutes that get an order flagged.
    let desk_clock = req.desk_time.map(|t| now - t);
    let mut results = Vec::with_capacity(req.mutations.len());
    for m in &req.mutations {
        let mut tx = conn.begin().await?;
        // Locks the device row: two pushes of one device are applied one after the other.
        let last: i64 = sqlx::query_scalar("SELECT last_seq FROM devices WHERE id = $1 FOR UPDATE")
            .bind(device.id)
            .fetch_one(&mut *tx)
            .await?;
        if m.seq <= last {
            let stored: Option<(Uuid, String, Json<MutationResult>)> = sqlx::query_as(
                "SELECT mutation_id, payload_sha256, result FROM mutations WHERE device_id = $1 AND seq = $2",
            )
            .bind(device.id)
            .bind(m.seq)
            .fetch_optional(&mut *tx)
            .await?;
            match stored {
                Some((id, hash, Json(mut result))) if id == m.mutation_id && hash == m.payload_sha256 => {
                    result.replayed = true;
                    results.push(result);
                    continue;
                }
                _ => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        ErrorCode::SeqReused,
                        format!(
                            "Endring nr. {} er allerede mottatt med et annet innhold. Skrankens database \
                             er trolig gjenopprettet fra en kopi: par skranken på nytt.",
                            m.seq
                        ),
                    ))
                }
            }
        }
        if m.seq != last + 1 {
            let mut body = ErrorBody::new(
                ErrorCode::SeqGap,
                format!(
                    "Endringer mangler: sentralen venter nr. {}, fikk nr. {}.",
                    last + 1,
                    m.seq
                ),
            );
            body.expected_seq = Some(last + 1);
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                body,
                retry_after: None,
            });
        }

        let mut savepoint = Acquire::begin(&mut tx).await?;
        let result = match apply(&mut savepoint, device, m, policy, desk_clock, now).await {
            Ok(flags) => {
                savepoint.commit().await?;
                MutationResult {
                    seq: m.seq,
                    mutation_id: m.mutation_id,
                    outcome: if flags.is_empty() {
                        Outcome::Applied
                    } else {
                        Outcome::AppliedWithFlags
                    },
                    replayed: false,
                    flags,
                    rejection: None,
                }
            }
            Err(Failure::Rejected(rejection)) => {
                savepoint.rollback().await?;
                tracing::info!(device = %device.id, seq = m.seq, code = ?rejection.code, "mutation rejected");
                MutationResult {
                    seq: m.seq,
                    mutation_id: m.mutation_id,
                    outcome: Outcome::Rejected,
                    replayed: false,
                    flags: Vec::new(),
                    rejection: Some(rejection),
                }
            }
            Err(Failure::Database(e)) => return Err(e.into()),
        };
        sqlx::query(
            "INSERT INTO mutations (device_id, seq, mutation_id, kind, payload_sha256, outcome, result, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(device.id)
        .bind(m.seq)
        .bind(m.mutation_id)
        .bind(m.kind.code())
        .bind(&m.payload_sha256)
        .bind(result.outcome.code())
        .bind(Json(&result))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE devices SET last_seq = $2 WHERE id = $1")
            .bind(device.id)
            .bind(m.seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        results.push(result);
    }
    // The desk counted this batch among its unsent work: what is left is what the back office shows
    // as not yet received.
    let left = req
        .queue
        .map(|q| (i64::from(q.pending) - results.len() as i64).max(0));
    let last_seq: i64 = sqlx::query_scalar(
        "UPDATE devices SET queue_pending = coalesce($2, queue_pending) WHERE id = $1 RETURNING last_seq",
    )
    .bind(device.id)
    .bind(left)
    .fetch_one(&mut *conn)
    .await?;
    Ok(PushResponse { results, last_seq })
}

/// Refuses a malformed batch before anything is written.
fn check_batch(req: &PushRequest) -> Result<(), ApiError> {
    if req.mutations.len() > MAX_MUTATIONS_PER_PUSH {
        return Err(ApiError::invalid_value(format!(
            "Høyst {MAX_MUTATIONS_PER_PUSH} endringer per sending."
        )));
    }
    if let Some(first) = req.mutations.first() {
        if first.seq < 1 {
            return Err(ApiError::invalid_value("Endringsnummer begynner på 1."));
        }
    }
    if req.mutations.windows(2).any(|w| w[1].seq != w[0].seq + 1) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BatchNotContiguous,
            "Endringene i én sending må ha fortløpende nummer.",
        ));
    }
    for m in &req.mutations {
        if payload_sha256(m.payload.get().as_bytes()) != m.payload_sha256 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::PayloadHashMismatch,
                format!(
                    "Endring nr. {} er skadet underveis (kontrollsummen stemmer ikke).",
                    m.seq
                ),
            ));
        }
    }
    Ok(())
}
