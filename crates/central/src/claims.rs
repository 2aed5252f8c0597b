//! A desk's claim on an order (R1 reklamasjon, D10 transport damage), judged again here: the lines
//! are the order's, the text and photos within their limits, and the verdict on time is this store's,
//! under its own policy.

use chrono::{DateTime, Utc};
use skranke_core::claim::{judge_claim, ClaimFacts, ClaimTiming, MAX_CLAIM_TEXT, MAX_PHOTOS};
use skranke_core::{OrderStatus, ShopPolicy, ValidOrder};
use skranke_protocol::{ClaimRegistered, RejectionCode};
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::apply::{reject, Failure};
use crate::extract::Device;

pub(crate) async fn claim_registered(
    tx: &mut PgConnection,
    device: &Device,
    p: ClaimRegistered,
    policy: &ShopPolicy,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM claims WHERE id = $1")
        .bind(p.claim_id)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_some() {
        return Ok(());
    }
    let order: Option<(String, Json<ValidOrder>)> =
        sqlx::query_as("SELECT status, body FROM orders WHERE id = $1 AND store_id = $2 FOR UPDATE")
            .bind(p.order_id)
            .bind(&device.store_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((status, order)) = order else {
        return Err(reject(
            RejectionCode::UnknownOrder,
            "Sentralen kjenner ikke denne ordren.",
        ));
    };
    if matches!(
        OrderStatus::from_code(&status),
        Some(OrderStatus::UnderBehandling | OrderStatus::Kansellert)
    ) {
        return Err(reject(
            RejectionCode::InvalidPayload,
            "Ordren er ikke sendt: det er ingenting å reklamere på ennå. Endre eller kanseller ordren i stedet.",
        ));
    }
    let c = &p.claim;
    let bad = |m: &str| Err(reject(RejectionCode::InvalidPayload, m.to_string()));
    if c.description.trim().is_empty() || c.description.chars().nth(MAX_CLAIM_TEXT).is_some() {
        return bad("Reklamasjonen må si hva som er galt (høyst 2000 tegn).");
    }
    if c.photos.len() > MAX_PHOTOS || !c.photos.iter().all(|n| crate::photos::valid_name(n)) {
        return bad("Høyst 10 bilder, hvert navngitt med sin SHA-256.");
    }
    if c.lines.is_empty() {
        return bad("Reklamasjonen må gjelde minst én varelinje.");
    }
    for l in &c.lines {
        let on_order = usize::try_from(l.line_no)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| order.0.lines.get(n));
        match on_order {
            Some(line) if line.sku == l.sku && l.quantity >= 1 && l.quantity <= line.quantity => {}
            _ => return bad(&format!("Linje {} finnes ikke slik på ordren.", l.line_no)),
        }
    }
    // This store's verdict, from the facts the desk recorded (D10 under this store's policy).
    let timing = judge_claim(
        &ClaimFacts {
            kind: c.kind,
            received: c.received,
            discovered: c.discovered,
            reported: c.reported,
            meant_to_last_longer: c.meant_to_last_longer,
        },
        policy.pickup.transport_damage_report_hours,
    );
    let verdict = match &timing {
        ClaimTiming::InTime { .. } => "in_time",
        ClaimTiming::Judge { .. } => "judge",
        ClaimTiming::Late { .. } => "late",
        ClaimTiming::Impossible { .. } => return bad(timing.text()),
    };
    sqlx::query(
        "INSERT INTO claims (id, order_id, claim_no, kind, body, verdict, verdict_text, device_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.claim_id)
    .bind(p.order_id)
    .bind(p.claim_no)
    .bind(c.kind.code())
    .bind(Json(c))
    .bind(verdict)
    .bind(timing.text())
    .bind(device.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let number: String = sqlx::query_scalar("SELECT number FROM orders WHERE id = $1")
        .bind(p.order_id)
        .fetch_one(&mut *tx)
        .await?;
    crate::mail::queue_claim(tx, p.order_id, &number, &order.0, p.claim_id, now).await?;
    Ok(())
}
