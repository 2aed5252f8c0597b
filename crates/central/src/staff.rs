//! The stores' staff and their PINs: hashed here with argon2id, pulled by the store's desks.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::ApiError;

/// Adds `name` to `store` with `pin` (4–8 digits), or gives an existing person a new PIN.
pub async fn set_staff(
    pool: &PgPool,
    store: &str,
    name: &str,
    pin: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid_value("Navnet må ha 1–100 tegn."));
    }
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_value("PIN-en må ha 4–8 sifre."));
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| ApiError::invalid_value(format!("PIN-en kunne ikke lagres: {e}")))?
        .to_string();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO staff (id, store_id, name, pin_argon2, active, updated_at) VALUES ($1, $2, $3, $4, true, $5)
         ON CONFLICT (store_id, name) DO UPDATE SET pin_argon2 = excluded.pin_argon2, active = true, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(store.trim().to_uppercase())
    .bind(name)
    .bind(hash)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Gives a person of `store` a role (`selger` or `leder`): what they may give in discount on their own
/// and approve for others (issue 20). Travels to the desks with the staff stream.
pub async fn set_staff_role(
    pool: &PgPool,
    store: &str,
    name: &str,
    role: skranke_core::discount::StaffRole,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let done = sqlx::query("UPDATE staff SET role = $3, updated_at = $4 WHERE store_id = $1 AND name = $2")
        .bind(store.trim().to_uppercase())
        .bind(name.trim())
        .bind(role.code())
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(ApiError::not_found(format!(
            "{} finnes ikke i {}.",
            name.trim(),
            store.trim().to_uppercase()
        )));
    }
    Ok(())
}

/// Takes a person's access away at every desk of the store (with the next sync).
pub async fn deactivate_staff(
    pool: &PgPool,
    store: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let done =
        sqlx::query("UPDATE staff SET active = false, updated_at = $3 WHERE store_id = $1 AND name = $2")
            .bind(store.trim().to_uppercase())
            .bind(name.trim())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected();
    if done == 0 {
        return Err(ApiError::not_found(format!("Fant ingen {name} i {store}.")));
    }
    Ok(())
}
