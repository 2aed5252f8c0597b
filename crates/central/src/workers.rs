//! The background loop that works the outboxes (payment jobs, e-mail, webhooks to the shop's other
//! systems) and polls open payment requests:
//! woken at once when a request queued something, and every second for what has come due.

use std::time::Duration;

use chrono::Utc;

use crate::app::AppState;

/// Runs until the process ends. Errors (the database restarting) are logged and retried next round.
pub async fn run(state: AppState) {
    loop {
        let now = Utc::now();
        if let Err(e) = crate::payment_jobs::run_due_payment_jobs(&state.pool, &state.integrations, now).await
        {
            tracing::warn!(error = %e, "betalingsjobber");
        }
        if let Err(e) =
            crate::payment_polling::poll_open_payments(&state.pool, &state.integrations, now).await
        {
            tracing::warn!(error = %e, "betalingsstatus");
        }
        if let Err(e) = crate::mail::run_due_mail(&state.pool, &state.integrations, now).await {
            tracing::warn!(error = %e, "e-post");
        }
        if let Err(e) = crate::outbound_webhooks::deliver_due(&state.pool, &state.webhook_http, now).await {
            tracing::warn!(error = %e, "webhooks ut");
        }
        tokio::select! {
            () = state.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
