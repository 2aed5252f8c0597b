//! Back-office users: named, with a role, a password hashed with argon2id, and a lockout after
//! repeated failed logins.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::ApiError;

/// What a user may do: `lager` the orders and shipping, `leder` everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Lager,
    Leder,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim() {
            "lager" => Some(Role::Lager),
            "leder" => Some(Role::Leder),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Lager => "lager",
            Role::Leder => "leder",
        }
    }
}

/// Failed logins in a row that lock the account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// The shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 10;

/// Adds a user (or gives an existing one a new password and role), written to the audit log as
/// done by `by`.
pub async fn add_user(
    pool: &PgPool,
    name: &str,
    role: Role,
    password: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_value("Brukernavnet må ha 1–100 tegn."));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid_value(format!(
            "Passordet må ha minst {MIN_PASSWORD_CHARS} tegn."
        )));
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ApiError::invalid_value(format!("Passordet kunne ikke lagres: {e}")))?
        .to_string();
    let mut tx = pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO office_users (id, name, role, password_argon2, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_argon2 = excluded.password_argon2,
             failed_logins = 0, locked_until = NULL, active = true
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(role.code())
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    crate::audit::append(
        &mut tx,
        by,
        &format!("kontorbruker lagt til ({})", role.code()),
        name,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A user who logged in.
#[derive(Debug, Clone)]
pub struct OfficeUser {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// Why a login was refused, in words for the login page. Never says whether the name exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefused {
    WrongNameOrPassword,
    Locked { until: DateTime<Utc> },
}

/// Checks `name` and `password`; counts failures, and locks the account after
/// [`MAX_FAILED_LOGINS`] in a row for [`LOCKOUT`] (while locked, even the right password is refused).
pub async fn check_login(
    pool: &PgPool,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Result<OfficeUser, LoginRefused>, ApiError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        name: String,
        role: String,
        password_argon2: String,
        locked_until: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, role, password_argon2, locked_until FROM office_users WHERE name = $1 AND active",
    )
    .bind(name.trim())
    .fetch_optional(pool)
    .await?;
    let Some(Row {
        id,
        name,
        role,
        password_argon2: hash,
        locked_until,
    }) = row
    else {
        // The same work as a wrong password, so the answer's time does not tell the name exists.
        let _ = Argon2::default()
            .hash_password(password.as_bytes(), &SaltString::generate(&mut rand::rngs::OsRng));
        return Ok(Err(LoginRefused::WrongNameOrPassword));
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return Ok(Err(LoginRefused::Locked { until }));
    }
    let matches = PasswordHash::new(&hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false);
    if !matches {
        let locked: Option<DateTime<Utc>> = sqlx::query_scalar(
            "UPDATE office_users SET
                 failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE NULL END
             WHERE id = $1 RETURNING locked_until",
        )
        .bind(id)
        .bind(MAX_FAILED_LOGINS)
        .bind(now + LOCKOUT)
        .fetch_one(pool)
        .await?;
        return Ok(Err(match locked {
            Some(until) => LoginRefused::Locked { until },
            None => LoginRefused::WrongNameOrPassword,
        }));
    }
    sqlx::query("UPDATE office_users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    let role = Role::parse(&role).ok_or_else(|| ApiError::invalid_value("ukjent rolle i databasen"))?;
    Ok(Ok(OfficeUser { id, name, role }))
}

/// Every user, for the users page.
pub async fn list_users(pool: &PgPool) -> Result<Vec<(String, String, bool)>, ApiError> {
    Ok(
        sqlx::query_as("SELECT name, role, active FROM office_users ORDER BY name")
            .fetch_all(pool)
            .await?,
    )
}
