//! F8 on the desk: a customer's data shown (export) or deleted (forget). Sales still inside the
//! bokføringsloven retention are kept as they are; everything the law does not require goes.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use skranke_core::retention::{kept_through, may_erase, ERASED_NAME};
use sqlx::{Row, SqliteConnection};

use crate::{Cache, CacheError};

/// What `forget_customer` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgetReport {
    /// Entries in the customer register erased (deleted, or emptied where a kept sale points to it).
    pub customers_erased: u32,
    /// Sales past their retention, deleted with their lines, returns, claims (and their photos) and
    /// fødselsnummer.
    pub orders_erased: Vec<String>,
    /// Sales kept (order number, last day they must be kept).
    pub orders_kept: Vec<(String, NaiveDate)>,
    /// Fødselsnumre deleted from kept sales (P3: never needed once the order is placed).
    pub fodselsnumre_deleted: u32,
    /// Sales past retention not yet sent to the central store: kept until they are.
    pub orders_unsent: Vec<String>,
    /// The draft on screen was this customer's and was discarded.
    pub draft_discarded: bool,
}

impl Cache {
    /// Everything the desk holds about the customer with this phone (E.164), as JSON for the
    /// customer to read: the register entry, every sale with its lines and returns, a fødselsnummer
    /// still held, and how long each sale is kept.
    pub async fn customer_export(&self, phone: &str) -> Result<Value, CacheError> {
        let customers = sqlx::query(
            "SELECT id, name, phone, email, address_line1, address_line2, postcode, place, marketing_consent,
                    created_at, updated_at
             FROM customers WHERE phone = ? ORDER BY created_at",
        )
        .bind(phone)
        .fetch_all(&self.pool)
        .await?;
        let mut register = Vec::new();
        for c in &customers {
            let id: String = c.try_get("id")?;
            // F7: every consent decision, as it was recorded.
            let consents: Vec<Value> = self
                .consent_records(&id)
                .await?
                .iter()
                .map(|r| {
                    json!({
                        "formål": r.purpose.code(),
                        "gitt": r.given,
                        "tidspunkt": r.at.to_rfc3339(),
                        "registrert_av": r.staff,
                        "kanal": r.channel.code(),
                        "tekstversjon": r.text_version,
                        "tekst": r.text,
                    })
                })
                .collect();
            register.push(json!({
                "navn": c.try_get::<String, _>("name")?,
                "telefon": c.try_get::<String, _>("phone")?,
                "e_post": c.try_get::<Option<String>, _>("email")?,
                "adresse": [c.try_get::<String, _>("address_line1")?, c.try_get::<String, _>("address_line2")?],
                "postnummer": c.try_get::<String, _>("postcode")?,
                "poststed": c.try_get::<String, _>("place")?,
                "markedsføring": c.try_get::<bool, _>("marketing_consent")?,
                "samtykker": consents,
                "registrert": c.try_get::<String, _>("created_at")?,
                "endret": c.try_get::<String, _>("updated_at")?,
            }));
        }
        let mut orders = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for (id, number, placed_at, status, body) in orders_of(&mut conn, phone).await? {
            let returns: Vec<String> =
                sqlx::query_scalar("SELECT body FROM returns WHERE order_id = ? ORDER BY return_no")
                    .bind(&id)
                    .fetch_all(&self.pool)
                    .await?;
            let returns = returns
                .iter()
                .map(|r| serde_json::from_str::<Value>(r))
                .collect::<Result<Vec<_>, _>>()?;
            let fnr = self.fodselsnummer_of(&number).await?;
            let claims: Vec<(i64, String)> =
                sqlx::query_as("SELECT claim_no, body FROM claims WHERE order_id = ? ORDER BY claim_no")
                    .bind(&id)
                    .fetch_all(&self.pool)
                    .await?;
            let claims = claims
                .iter()
                .map(|(no, body)| {
                    Ok(json!({"nummer": no, "reklamasjon": serde_json::from_str::<Value>(body)?}))
                })
                .collect::<Result<Vec<_>, serde_json::Error>>()?;
            orders.push(json!({
                "ordrenummer": number,
                "lagt_inn": placed_at.to_rfc3339(),
                "status": status,
                "ordre": serde_json::from_str::<Value>(&body)?,
                "returer": returns,
                "reklamasjoner": claims,
                "fødselsnummer": fnr,
                "oppbevares_til": kept_through(placed_at.date_naive()).to_string(),
            }));
        }
        Ok(json!({
            "telefon": phone,
            "kunderegister": register,
            "ordrer": orders,
        }))
    }

    /// Forgets the customer with this phone (E.164), in one transaction: sales past their retention
    /// on `today` are deleted (once the central store has them), kept sales lose their fødselsnummer,
    /// the register entry is deleted or emptied, and a draft for them is discarded. The audit log
    /// records that it happened, never who.
    pub async fn forget_customer(
        &self,
        phone: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ForgetReport, CacheError> {
        let mut report = ForgetReport::default();
        let draft_is_theirs = match self.load_draft().await? {
            Some((_, body)) => draft_phone(&body).as_deref() == Some(phone),
            None => false,
        };
        let mut tx = self.write().await?;
        // Read in the transaction that deletes, so an order placed meanwhile is not half handled.
        for (id, number, placed_at, _, _) in orders_of(&mut tx, phone).await? {
            report.fodselsnumre_deleted += sqlx::query("DELETE FROM order_identity WHERE order_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected() as u32;
            let sold = placed_at.date_naive();
            if !may_erase(sold, today) {
                report.orders_kept.push((number, kept_through(sold)));
                continue;
            }
            let unsent: i64 =
                sqlx::query_scalar("SELECT count(*) FROM outbox WHERE order_id = ? AND acked_at IS NULL")
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await?;
            if unsent > 0 {
                report.orders_unsent.push(number);
                continue;
            }
            // What was sent stays in the outbox by seq (the sequence has no gaps), emptied.
            sqlx::query("UPDATE outbox SET payload = '{}', order_id = NULL WHERE order_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM returns WHERE order_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            // A claim's photos go with it (a photo no other claim names).
            sqlx::query(
                "DELETE FROM photos WHERE sha256 IN (SELECT j.value FROM claims c, json_each(c.body, '$.photos') j
                                                     WHERE c.order_id = ?1)
                   AND sha256 NOT IN (SELECT j.value FROM claims c, json_each(c.body, '$.photos') j
                                      WHERE c.order_id <> ?1)",
            )
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM claims WHERE order_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM orders WHERE id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            report.orders_erased.push(number);
        }
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM customers WHERE phone = ?")
            .bind(phone)
            .fetch_all(&mut *tx)
            .await?;
        for id in ids {
            // F7/F8: consent records go with the person (see ARCHITECTURE.md, F8 and consent).
            sqlx::query("DELETE FROM consent_records WHERE customer_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM customer_notes WHERE customer_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            // Issue 20: copies of the store's other desks' orders; the desk that placed them and the
            // central store keep what the law requires.
            sqlx::query("DELETE FROM store_orders WHERE customer_id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let in_use: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE customer_id = ?")
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
            if in_use == 0 {
                sqlx::query("DELETE FROM customers WHERE id = ?")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                // A kept sale points here; the sale itself carries what the law requires.
                sqlx::query(
                    "UPDATE customers SET name = ?, phone = '', email = NULL, address_line1 = '', address_line2 = '',
                         postcode = '', place = '', marketing_consent = 0, search_text = '', updated_at = ?
                     WHERE id = ?",
                )
                .bind(ERASED_NAME)
                .bind(now.to_rfc3339())
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
            report.customers_erased += 1;
        }
        if draft_is_theirs {
            sqlx::query("DELETE FROM draft").execute(&mut *tx).await?;
            report.draft_discarded = true;
        }
        let summary = format!(
            "{} ordre slettet, {} beholdt",
            report.orders_erased.len(),
            report.orders_kept.len() + report.orders_unsent.len()
        );
        crate::audit::append(&mut tx, &self.actor(), "kunde slettet (F8)", &summary, now).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// The phone typed in a saved draft, normalised, if it parses.
fn draft_phone(body: &str) -> Option<String> {
    let draft: Value = serde_json::from_str(body).ok()?;
    let typed = draft.get("customer")?.get("phone")?.as_str()?;
    skranke_core::PhoneNumber::parse(typed).ok().map(|p| p.e164())
}

/// The sales of the customer with this phone: id, number, when, status, body.
async fn orders_of(
    conn: &mut SqliteConnection,
    phone: &str,
) -> Result<Vec<(String, String, DateTime<Utc>, String, String)>, CacheError> {
    let rows = sqlx::query(
        "SELECT id, order_number, placed_at_utc, status, body FROM orders
         WHERE customer_phone = ?1 OR customer_id IN (SELECT id FROM customers WHERE phone = ?1)
         ORDER BY placed_at_utc",
    )
    .bind(phone)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let at: String = r.try_get("placed_at_utc")?;
            let at = DateTime::parse_from_rfc3339(&at)
                .map_err(|e| CacheError::Corrupt(e.to_string()))?
                .with_timezone(&Utc);
            Ok((
                r.try_get("id")?,
                r.try_get("order_number")?,
                at,
                r.try_get("status")?,
                r.try_get("body")?,
            ))
        })
        .collect()
}
