//! Customers entered at the desk: search by phone, name or e-mail; find-or-create when an order is placed.

use chrono::{DateTime, Utc};
use skranke_core::order::Customer;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::{Cache, CacheError};

/// A stored customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub id: String,
    pub name: String,
    /// E.164.
    pub phone: String,
    pub email: Option<String>,
    pub address_line1: String,
    pub address_line2: String,
    pub postcode: String,
    pub place: String,
    pub marketing_consent: bool,
}

impl Cache {
    /// Customers whose phone (any part of the digits), name or e-mail matches what staff typed.
    pub async fn search_customers(&self, text: &str, limit: u32) -> Result<Vec<CustomerRecord>, CacheError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let (phone_like, like) = (phone_pattern(text), like_pattern(text));
        let rows = sqlx::query(
            "SELECT * FROM customers
             WHERE phone LIKE ?1 OR search_text LIKE ?2 ESCAPE '\\'
             ORDER BY updated_at DESC LIMIT ?3",
        )
        .bind(phone_like)
        .bind(like)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(customer_from_row).collect()
    }

    /// Saves a validated customer (the same phone and name as a stored one updates that one).
    pub async fn save_customer(
        &self,
        customer: &Customer,
        now: DateTime<Utc>,
    ) -> Result<CustomerRecord, CacheError> {
        let mut tx = self.write().await?;
        // The first statement writes: the device's counter gives the gap-free seq of the mutation.
        let seq: i64 = sqlx::query_scalar(
            "UPDATE device SET next_seq = next_seq + 1 WHERE id = 1 RETURNING next_seq - 1",
        )
        .fetch_one(&mut *tx)
        .await?;
        let id = upsert_customer(&mut tx, customer, now).await?;
        // Saved on its own (no order yet): the central store learns of the customer too.
        let payload = serde_json::to_string(&skranke_protocol::CustomerUpserted {
            customer_id: uuid::Uuid::parse_str(&id).map_err(|e| CacheError::Corrupt(e.to_string()))?,
            customer: customer.clone(),
            updated_at_utc: now,
        })?;
        let mutation_id = uuid::Uuid::now_v7().to_string();
        let mutation = crate::outbox::NewMutation {
            seq,
            mutation_id: &mutation_id,
            kind: skranke_protocol::MutationKind::CustomerUpserted,
            order_id: None,
            payload: &payload,
        };
        crate::outbox::enqueue(&mut tx, mutation, now).await?;
        consent_given_on_the_call(&mut tx, &id, customer, &self.actor().name, now).await?;
        tx.commit().await?;
        self.customer(&id)
            .await?
            .ok_or_else(|| CacheError::Corrupt(format!("kunde {id} forsvant")))
    }

    /// Customers who may be the one being typed (issue 20): the same phone (E.164), the same e-mail,
    /// or anyone at the same postcode, for core's `duplicate_of` to judge. At most `limit`.
    pub async fn duplicate_candidates(
        &self,
        phone: Option<&str>,
        email: Option<&str>,
        postcode: &str,
        limit: u32,
    ) -> Result<Vec<CustomerRecord>, CacheError> {
        let rows = sqlx::query(
            "SELECT * FROM customers WHERE phone = ?1
             UNION SELECT * FROM customers WHERE email = ?2 COLLATE NOCASE
             UNION SELECT * FROM customers WHERE postcode = ?3 AND ?3 <> ''
             LIMIT ?4",
        )
        .bind(phone)
        .bind(email)
        .bind(postcode.trim())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(customer_from_row).collect()
    }

    pub async fn customer(&self, id: &str) -> Result<Option<CustomerRecord>, CacheError> {
        let row = sqlx::query("SELECT * FROM customers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(customer_from_row).transpose()
    }
}

/// The same person ordering again (same phone, same name) is the same customer: their address and
/// e-mail are brought up to date (consent only through records). Otherwise a new customer.
pub(crate) async fn upsert_customer(
    tx: &mut Transaction<'_, Sqlite>,
    customer: &Customer,
    now: DateTime<Utc>,
) -> Result<String, CacheError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM customers WHERE phone = ? AND name = ? COLLATE NOCASE LIMIT 1")
            .bind(customer.phone.e164())
            .bind(&customer.name)
            .fetch_optional(&mut **tx)
            .await?;
    let id = existing.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    sqlx::query(
        "INSERT INTO customers (id, name, phone, email, address_line1, address_line2, postcode, place, marketing_consent, created_at, updated_at, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = coalesce(excluded.email, customers.email),
           address_line1 = excluded.address_line1, address_line2 = excluded.address_line2,
           postcode = excluded.postcode, place = excluded.place,
           updated_at = excluded.updated_at, search_text = excluded.search_text",
    )
    .bind(&id)
    .bind(&customer.name)
    .bind(customer.phone.e164())
    .bind(customer.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(&customer.address.line1)
    .bind(&customer.address.line2)
    .bind(&customer.address.postcode)
    .bind(&customer.address.place)
    // F7: the current choice comes from consent records only (`consent_given_on_the_call`).
    .bind(false)
    .bind(now.to_rfc3339())
    .bind(
        format!("{} {}", customer.name, customer.email.as_ref().map(|e| e.as_str()).unwrap_or_default())
            .to_lowercase(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// F7: when the customer said yes on this call (the box ticked, with the text read aloud) and their
/// current choice is not already yes, a "given" record is appended.
pub(crate) async fn consent_given_on_the_call(
    tx: &mut Transaction<'_, Sqlite>,
    customer_id: &str,
    customer: &Customer,
    staff: &str,
    now: DateTime<Utc>,
) -> Result<(), CacheError> {
    let Some(text) = customer
        .marketing_consent_text
        .as_ref()
        .filter(|_| customer.marketing_consent)
    else {
        return Ok(());
    };
    let current: bool = sqlx::query_scalar("SELECT marketing_consent FROM customers WHERE id = ?")
        .bind(customer_id)
        .fetch_one(&mut **tx)
        .await?;
    if !current {
        let record = skranke_core::ConsentRecord::given(text, now, staff);
        crate::consent::append(tx, customer_id, &record, now).await?;
    }
    Ok(())
}

/// `%digits%` for LIKE against E.164 numbers; a pattern that matches nothing under 3 digits.
pub(crate) fn phone_pattern(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 3 {
        format!("%{digits}%")
    } else {
        "\u{0}".to_string()
    }
}

/// `%text%` for LIKE, lower-cased, with LIKE's own wildcards escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn customer_from_row(row: &SqliteRow) -> Result<CustomerRecord, CacheError> {
    Ok(CustomerRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        address_line1: row.try_get("address_line1")?,
        address_line2: row.try_get("address_line2")?,
        postcode: row.try_get("postcode")?,
        place: row.try_get("place")?,
        marketing_consent: row.try_get("marketing_consent")?,
    })
}
