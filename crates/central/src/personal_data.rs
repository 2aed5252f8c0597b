//! F8 on the central store: everything held about a customer (export), and forgetting them: sales
//! past the bokføringsloven retention are deleted with their payments, e-mails, returns and status
//! history; newer sales are kept whole; the customer register entry is deleted or emptied.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use skranke_core::retention::{kept_through, may_erase, ERASED_NAME};
use sqlx::types::Json;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// What `forget_customer` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgetReport {
    pub customers_erased: u32,
    pub orders_erased: Vec<String>,
    pub orders_kept: Vec<(String, NaiveDate)>,
}

/// The sales of the customer with this phone (E.164): id, number, placed at.
async fn orders_of(
    tx: &mut sqlx::PgConnection,
    phone: &str,
) -> Result<Vec<(Uuid, String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, number, placed_at FROM orders
         WHERE body->'customer'->>'phone' = $1
            OR customer_id IN (SELECT id FROM customers WHERE body->>'phone' = $1)
         ORDER BY placed_at",
    )
    .bind(phone)
    .fetch_all(&mut *tx)
    .await
}

/// Everything the central store holds about the customer with this phone, as JSON.
pub async fn customer_export(pool: &PgPool, phone: &str) -> Result<Value, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let register: Vec<(Json<Value>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT body, updated_at FROM customers WHERE body->>'phone' = $1 ORDER BY updated_at",
    )
    .bind(phone)
    .fetch_all(&mut *conn)
    .await?;
    // F7: every consent decision the desks recorded for this customer, as recorded.
    let consents: Vec<Json<Value>> = sqlx::query_scalar(
        "SELECT jsonb_build_object('formål', purpose, 'gitt', given, 'tidspunkt', at_utc,
                    'registrert_av', staff, 'kanal', channel, 'tekstversjon', text_version, 'tekst', text)
         FROM consent_records
         WHERE customer_id IN (SELECT id FROM customers WHERE body->>'phone' = $1)
         ORDER BY at_utc, id",
    )
    .bind(phone)
    .fetch_all(&mut *conn)
    .await?;
    let mut orders = Vec::new();
    for (id, number, placed_at) in orders_of(&mut conn, phone).await? {
        let row = sqlx::query(
            "SELECT status, tracking_number, body, flags,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('status', h.status, 'tidspunkt', h.at) ORDER BY h.at), '[]')
                       FROM order_status_history h WHERE h.order_id = o.id) AS history,
                    (SELECT coalesce(jsonb_agg(r.body ORDER BY r.return_no), '[]') FROM returns r WHERE r.order_id = o.id) AS returns,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('metode', p.method, 'status', p.state,
                                'beløp_øre', p.amount_ore, 'trukket_øre', p.captured_ore, 'refundert_øre', p.refunded_ore)
                                ORDER BY p.attempt), '[]') FROM payments p WHERE p.order_id = o.id) AS payments,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('type', m.kind, 'til', m.recipient, 'status', m.state,
                                'sendt', m.sent_at) ORDER BY m.id), '[]') FROM mail_outbox m WHERE m.order_id = o.id) AS mails,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('versjon', v.version, 'ordre', v.body, 'endringer', v.changes,
                                'endret', v.changed_at, 'endret_av', v.changed_by) ORDER BY v.version), '[]')
                       FROM order_versions v WHERE v.order_id = o.id) AS versions,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('nummer', c.claim_no, 'reklamasjon', c.body,
                                'vurdering', c.verdict_text, 'mottatt', c.received_at,
                                'bilder', (SELECT coalesce(jsonb_agg(jsonb_build_object('sha256', ph.sha256,
                                    'byte', octet_length(ph.data), 'jpeg_base64', encode(ph.data, 'base64'))), '[]')
                                    FROM photos ph WHERE ph.store_id = o.store_id AND ph.complete
                                      AND ph.sha256 IN (SELECT jsonb_array_elements_text(c.body->'photos'))))
                                ORDER BY c.received_at), '[]')
                       FROM claims c WHERE c.order_id = o.id) AS claims
             FROM orders o WHERE o.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        orders.push(json!({
            "ordrenummer": number,
            "lagt_inn": placed_at.to_rfc3339(),
            "status": row.try_get::<String, _>("status")?,
            "sporingsnummer": row.try_get::<Option<String>, _>("tracking_number")?,
            "ordre": row.try_get::<Json<Value>, _>("body")?.0,
            "avvik": row.try_get::<Json<Value>, _>("flags")?.0,
            "statushistorikk": row.try_get::<Json<Value>, _>("history")?.0,
            "returer": row.try_get::<Json<Value>, _>("returns")?.0,
            "betalinger": row.try_get::<Json<Value>, _>("payments")?.0,
            "e_poster": row.try_get::<Json<Value>, _>("mails")?.0,
            "versjoner": row.try_get::<Json<Value>, _>("versions")?.0,
            "reklamasjoner": row.try_get::<Json<Value>, _>("claims")?.0,
            "oppbevares_til": kept_through(oslo_date(placed_at)).to_string(),
        }));
    }
    Ok(json!({
        "telefon": phone,
        "kunderegister": register.into_iter().map(|(b, at)| json!({"kunde": b.0, "endret": at})).collect::<Vec<_>>(),
        "samtykker": consents.into_iter().map(|c| c.0).collect::<Vec<_>>(),
        "ordrer": orders,
    }))
}

/// Forgets the customer with this phone on `today`, in one transaction, and records that it happened
/// (never who) in the central audit log.
pub async fn forget_customer(
    pool: &PgPool,
    phone: &str,
    today: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ForgetReport, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut report = ForgetReport::default();
    for (id, number, placed_at) in orders_of(&mut tx, phone).await? {
        let sold = oslo_date(placed_at);
        if !may_erase(sold, today) {
            report.orders_kept.push((number, kept_through(sold)));
            continue;
        }
        for statement in [
            "DELETE FROM provider_events WHERE payment_id IN (SELECT id FROM payments WHERE order_id = $1)",
            "DELETE FROM payment_jobs WHERE payment_id IN (SELECT id FROM payments WHERE order_id = $1)",
            "DELETE FROM payments WHERE order_id = $1",
            "DELETE FROM mail_outbox WHERE order_id = $1",
            "DELETE FROM returns WHERE order_id = $1",
            "DELETE FROM order_status_history WHERE order_id = $1",
            "DELETE FROM order_versions WHERE order_id = $1",
            // A claim's photos are named in the claim; they go with it.
            "DELETE FROM photos ph USING claims c, orders o
             WHERE c.order_id = $1 AND o.id = c.order_id AND ph.store_id = o.store_id
               AND ph.sha256 IN (SELECT jsonb_array_elements_text(c.body->'photos'))",
            "DELETE FROM claims WHERE order_id = $1",
            "DELETE FROM orders WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *tx).await?;
        }
        report.orders_erased.push(number);
    }
    let customers: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM customers WHERE body->>'phone' = $1")
        .bind(phone)
        .fetch_all(&mut *tx)
        .await?;
    for id in customers {
        // F7/F8: consent records go with the person (ARCHITECTURE.md, F8 and consent).
        sqlx::query("DELETE FROM consent_records WHERE customer_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query(
            "DELETE FROM customers WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if deleted.rows_affected() == 0 {
            // A kept sale points here; the sale carries what the law requires.
            sqlx::query("UPDATE customers SET body = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(Json(json!({ "name": ERASED_NAME, "erased": true })))
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        report.customers_erased += 1;
    }
    let summary = format!(
        "{} ordre slettet, {} beholdt",
        report.orders_erased.len(),
        report.orders_kept.len()
    );
    crate::audit::append(&mut tx, actor, "kunde slettet (F8)", &summary, now).await?;
    tx.commit().await?;
    Ok(report)
}

/// A moment's date in Norway (a sale's, for the Norwegian financial year; a change's, on its
/// document).
pub(crate) fn oslo_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Oslo).date_naive()
}
