//! Stores, one-time pairing codes, and pairing a desk: device id, token (kept hashed) and number series.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use skranke_protocol::{ErrorCode, PairRequest, PairResponse};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{sha256_hex, ApiError};

/// No 0/O, 1/I: the code is read aloud over the phone and typed by hand.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_LEN: usize = 10;

/// Adds a store, or renames it.
pub async fn add_store(pool: &PgPool, id: &str, name: &str) -> Result<(), ApiError> {
    let id = id.trim().to_uppercase();
    let valid = id.len() >= 2
        && id.len() <= 8
        && id.starts_with(|c: char| c.is_ascii_uppercase())
        && id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !valid {
        return Err(ApiError::invalid_value(
            "Butikk-koden må være 2–8 tegn, A–Z og 0–9, og begynne med en bokstav (for eksempel OSL).",
        ));
    }
    sqlx::query(
        "INSERT INTO stores (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    )
    .bind(&id)
    .bind(name.trim())
    .execute(pool)
    .await?;
    Ok(())
}

/// Makes a one-time code for pairing a desk with `store`; returns it as `XXXXX-XXXXX`.
pub async fn create_code(
    pool: &PgPool,
    store: &str,
    valid_for: Duration,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let store = store.trim().to_uppercase();
    let known: Option<String> = sqlx::query_scalar("SELECT id FROM stores WHERE id = $1")
        .bind(&store)
        .fetch_optional(pool)
        .await?;
    if known.is_none() {
        return Err(ApiError::not_found(format!(
            "Butikken {store} finnes ikke. Legg den til med «skranke-central store add {store} NAVN»."
        )));
    }
    // The generator is not Send: it lives only until the code is drawn, not across an await.
    let code: String = {
        let mut rng = rand::thread_rng();
        (0..CODE_LEN)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    sqlx::query(
        "INSERT INTO pairing_codes (code_sha256, store_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256_hex(&code))
    .bind(&store)
    .bind(now)
    .bind(now + valid_for)
    .execute(pool)
    .await?;
    Ok(format!("{}-{}", &code[..5], &code[5..]))
}

fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Pairs a desk: the code is used up in the same transaction that creates the device.
pub async fn pair(pool: &PgPool, req: &PairRequest, now: DateTime<Utc>) -> Result<PairResponse, ApiError> {
    let name = req.device_name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_value(
            "Navnet på skranken må være 1–100 vanlige tegn.",
        ));
    }
    if req.code.len() > 64 {
        return Err(invalid_code());
    }
    let previous = req
        .previous_series
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = previous {
        let valid = p.len() <= 12
            && p.starts_with(|c: char| c.is_ascii_uppercase())
            && p.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !valid {
            return Err(ApiError::invalid_value("Ugyldig tidligere ordreserie."));
        }
    }
    let mut tx = pool.begin().await?;
    let row: Option<CodeRow> = sqlx::query_as(
        "SELECT p.store_id, p.expires_at, p.used_at, s.name AS store_name
         FROM pairing_codes p JOIN stores s ON s.id = p.store_id
         WHERE p.code_sha256 = $1 FOR UPDATE OF p",
    )
    .bind(sha256_hex(&normalise(&req.code)))
    .fetch_optional(&mut *tx)
    .await?;
    let CodeRow {
        store_id,
        expires_at,
        used_at,
        store_name,
    } = row.ok_or_else(invalid_code)?;
    if used_at.is_some() {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::PairingCodeUsed,
            "Koden er allerede brukt. Be om en ny kode.",
        ));
    }
    if now >= expires_at {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::PairingCodeExpired,
            "Koden er utløpt. Be om en ny kode.",
        ));
    }
    let device_no: i32 = sqlx::query_scalar(
        "UPDATE stores SET next_device_no = next_device_no + 1 WHERE id = $1 RETURNING next_device_no - 1",
    )
    .bind(&store_id)
    .fetch_one(&mut *tx)
    .await?;
    let series = format!("{store_id}{device_no}");
    if let Some(p) = previous {
        // Another store's series, or one another desk already brought along, is not this desk's.
        let taken: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM devices WHERE (series = $1 AND store_id <> $2) OR former_series = $1",
        )
        .bind(p)
        .bind(&store_id)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::InvalidValue,
                format!("Ordreserien {p} tilhører en annen skranke. Kontakt sentralen."),
            ));
        }
    }
    let device_id = Uuid::now_v7();
    let token = hex::encode(rand::random::<[u8; 32]>());
    sqlx::query(
        "INSERT INTO devices (id, store_id, name, series, token_sha256, paired_at, former_series)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(device_id)
    .bind(&store_id)
    .bind(name)
    .bind(&series)
    .bind(sha256_hex(&token))
    .bind(now)
    .bind(previous)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE pairing_codes SET used_at = $2, device_id = $3 WHERE code_sha256 = $1")
        .bind(sha256_hex(&normalise(&req.code)))
        .bind(now)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PairResponse {
        device_id,
        store_id,
        store_name,
        token,
        series,
    })
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    store_id: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    store_name: String,
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::PairingCodeInvalid,
        "Ukjent kode. Sjekk at den er skrevet riktig.",
    )
}

/// Revokes the token of the device with order series `series` (`OSL2`): its next request is refused
/// with 401 and the desk asks to be paired again. Returns the device's name.
pub async fn revoke_device(pool: &PgPool, series: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE series = $1 RETURNING name",
    )
    .bind(series.trim().to_uppercase())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    name.ok_or_else(|| ApiError::not_found(format!("Fant ingen skranke med serie {}.", series.trim())))
}
