//! Follow-ups staff queue on a placed order: send the payment request again or with another method
//! (P5), send the confirmation e-mail again (R3). Each is an outbox mutation, written with what the
//! desk now shows until the central store reports back.

use chrono::{DateTime, Utc};
use skranke_core::{Email, PaymentMethod};
use skranke_protocol::{
    ConfirmationResent, EmailState, EmailStatus, MutationKind, PaymentRequested, PaymentStateCode,
    PaymentStatus,
};
use sqlx::{Sqlite, Transaction};

use crate::outbox::enqueue_next;
use crate::{Cache, CacheError};

impl Cache {
    /// Queues a new payment request with `method` for the order `order_id`.
    pub async fn request_payment(
        &self,
        order_id: &str,
        method: PaymentMethod,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let payload = serde_json::to_string(&PaymentRequested {
            order_id: uuid(order_id)?,
            method,
            requested_at_utc: now,
        })?;
        let waiting = PaymentStatus {
            method: method.code().to_string(),
            state: PaymentStateCode::Requested,
            text: PaymentStateCode::Requested.text().into(),
            detail: None,
            expires_at: None,
        };
        let mut tx = self.write().await?;
        queue(&mut tx, order_id, MutationKind::PaymentRequested, &payload, now).await?;
        let subject = format!("{order_id} ({})", method.code());
        crate::audit::append(
            &mut tx,
            &self.actor(),
            "betalingsforespørsel sendt på nytt",
            &subject,
            now,
        )
        .await?;
        sqlx::query("UPDATE orders SET central_payment = ?, followup_message = NULL WHERE id = ?")
            .bind(serde_json::to_string(&waiting)?)
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the confirmation e-mail again, to `email` when staff corrected the address.
    pub async fn resend_confirmation(
        &self,
        order_id: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let payload = serde_json::to_string(&ConfirmationResent {
            order_id: uuid(order_id)?,
            email: Some(email.as_str().to_string()),
            requested_at_utc: now,
        })?;
        let pending = EmailStatus {
            state: EmailState::Pending,
            recipient: Some(email.as_str().to_string()),
            detail: None,
        };
        let mut tx = self.write().await?;
        queue(&mut tx, order_id, MutationKind::ConfirmationResent, &payload, now).await?;
        crate::audit::append(
            &mut tx,
            &self.actor(),
            "ordrebekreftelse sendt på nytt",
            order_id,
            now,
        )
        .await?;
        sqlx::query("UPDATE orders SET central_email = ?, followup_message = NULL WHERE id = ?")
            .bind(serde_json::to_string(&pending)?)
            .bind(order_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn uuid(id: &str) -> Result<uuid::Uuid, CacheError> {
    uuid::Uuid::parse_str(id).map_err(|e| CacheError::Corrupt(e.to_string()))
}

async fn queue(
    tx: &mut Transaction<'_, Sqlite>,
    order_id: &str,
    kind: MutationKind,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    enqueue_next(tx, kind, Some(order_id), payload, now).await
}
