//! Asking the providers about open requests (P5). Vipps calls its webhooks best effort, and Klarna
//! tries a status callback a few times and sends none when a session expires; so every request the
//! customer has is polled until the provider reports an end, and is marked expired only when the
//! provider says so (Vipps `EXPIRED`; Klarna's session read answering 404, or past the `expires_at`
//! Klarna gave).

use chrono::{DateTime, Duration, Utc};
use skranke_payments::{PaymentProvider, ProviderError};
use sqlx::PgPool;
use uuid::Uuid;

use crate::integrations::Integrations;
use crate::payment;
use crate::payment_jobs::with_provider;

/// How often an open Vipps push is asked about: it lives about ten minutes.
pub const VIPPS_POLL: Duration = Duration::seconds(30);
/// How often an open Klarna page is asked about: it lives three hours unless configured otherwise.
pub const KLARNA_POLL: Duration = Duration::minutes(2);

/// When to ask next about a request of `provider` that runs out at `expires_at`: at the provider's
/// interval, and once at the expiry, so no request stays "venter" longer than its expiry plus one
/// interval.
pub(crate) fn next_poll(
    provider: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let interval = if provider == "vipps" {
        VIPPS_POLL
    } else {
        KLARNA_POLL
    };
    match expires_at {
        Some(at) if at > now => (now + interval).min(at),
        _ => now + interval,
    }
}

/// Asks about every open request that is due; returns how many were asked about.
pub async fn poll_open_payments(
    pool: &PgPool,
    integrations: &Integrations,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let mut asked = 0;
    loop {
        let mut tx = pool.begin().await?;
        let due: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM payments WHERE state = 'sent' AND provider_id IS NOT NULL AND next_poll_at <= $1
             ORDER BY next_poll_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = due else {
            tx.commit().await?;
            return Ok(asked);
        };
        asked += 1;
        let Some(p) = payment::by_id(&mut tx, id).await? else {
            tx.commit().await?;
            continue;
        };
        let provider_id = p.provider_id.clone().unwrap_or_default();
        let method = p.method();
        let observed = with_provider(
            integrations,
            &p.provider,
            |v| v.status(&provider_id, method, now),
            |k| k.status(&provider_id, method, now),
        )
        .await;
        match observed {
            Ok(o) => {
                if let Some(order_id) = &o.provider_order_id {
                    sqlx::query("UPDATE payments SET provider_order_id = $2 WHERE id = $1")
                        .bind(p.id)
                        .bind(order_id)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(event) = o.event {
                    let detail = payment::detail_for(&p.provider, event);
                    let next = payment::apply_event(&mut tx, &p, event, detail, now).await?;
                    if next == Some(skranke_payments::PaymentState::Captured) {
                        sqlx::query("UPDATE payments SET captured_ore = amount_ore WHERE id = $1")
                            .bind(p.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            Err(e) => log_failure(&p.reference, &e),
        }
        sqlx::query("UPDATE payments SET next_poll_at = $2 WHERE id = $1")
            .bind(p.id)
            .bind(next_poll(&p.provider, p.expires_at, now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
}

fn log_failure(reference: &str, error: &ProviderError) {
    tracing::warn!(reference, error = %error, "betalingsstatus");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P5: asked at the provider's interval, and at the expiry itself.
    #[test]
    fn polling_follows_the_interval_and_lands_on_the_expiry() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        assert_eq!(
            next_poll("vipps", Some(now + Duration::minutes(10)), now),
            now + VIPPS_POLL
        );
        assert_eq!(
            next_poll("vipps", Some(now + Duration::seconds(10)), now),
            now + Duration::seconds(10)
        );
        assert_eq!(
            next_poll("klarna", Some(now - Duration::seconds(1)), now),
            now + KLARNA_POLL
        );
        assert_eq!(next_poll("klarna", None, now), now + KLARNA_POLL);
    }
}
