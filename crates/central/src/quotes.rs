//! Quotes (tilbud, issue 20 item 6) a desk e-mails to the customer: kept as sent, with one mail per
//! `quote_sent` mutation (the push's sequence makes a resent push one mail).

use chrono::{DateTime, Utc};
use skranke_protocol::{QuoteSent, RejectionCode};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::apply::{reject, Failure};
use crate::extract::Device;

pub(crate) async fn quote_sent(
    tx: &mut PgConnection,
    device: &Device,
    p: QuoteSent,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    if !device.owns_number(&p.quote_number) {
        return Err(reject(
            RejectionCode::InvalidPayload,
            format!(
                "Tilbud {} er ikke fra denne skrankens nummerserie.",
                p.quote_number
            ),
        ));
    }
    let email = skranke_core::Email::parse(&p.email).map_err(|_| {
        reject(
            RejectionCode::InvalidPayload,
            format!("«{}» er ikke en gyldig e-postadresse.", p.email),
        )
    })?;
    if p.valid_through < p.made_on {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Tilbudet kan ikke gjelde til før det ble laget.",
        ));
    }
    sqlx::query(
        "INSERT INTO quotes (id, number, store_id, device_id, made_on, valid_through, body, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
    )
    .bind(p.quote_id)
    .bind(&p.quote_number)
    .bind(&device.store_id)
    .bind(device.id)
    .bind(p.made_on)
    .bind(p.valid_through)
    .bind(Json(&p.quote))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let number: Option<String> =
        sqlx::query_scalar("SELECT number FROM quotes WHERE id = $1 AND store_id = $2")
            .bind(p.quote_id)
            .bind(&device.store_id)
            .fetch_optional(&mut *tx)
            .await?;
    if number.as_deref() != Some(p.quote_number.as_str()) {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Tilbudet finnes fra før under et annet nummer.",
        ));
    }
    crate::mail::queue_quote(tx, p.quote_id, &p.quote_number, email.as_str(), now).await?;
    Ok(())
}
