//! Back-office sessions: a random id in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` when the
//! server speaks TLS), stored as its SHA-256; a new id at every login; idle sessions end. Each
//! session carries the CSRF token its forms must send back.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use cookie::{Cookie, SameSite};
use rand::RngCore;
use sqlx::PgPool;

use super::accounts::{OfficeUser, Role};
use crate::desk_updates::PublicScheme;
use crate::{sha256_hex, ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "skranke_kontor";
/// Before login: the token the login form sends back (double submit), so no other site can log a
/// browser in as someone else.
pub const LOGIN_CSRF_COOKIE: &str = "skranke_kontor_inn";
/// A session unused this long has ended.
pub const IDLE_LIMIT: Duration = Duration::minutes(30);

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A cookie for the back office's paths, secure when the server speaks TLS.
pub fn cookie(name: &'static str, value: String, secure: bool) -> String {
    Cookie::build((name, value))
        .path("/kontor")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build()
        .to_string()
}

/// The cookie that ends `name` in the browser.
pub fn expired_cookie(name: &'static str, secure: bool) -> String {
    Cookie::build((name, ""))
        .path("/kontor")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The value of cookie `name` in the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Whether the server speaks TLS (it adds the [`PublicScheme`] extension when it does).
pub type Scheme = Option<axum::Extension<PublicScheme>>;

pub fn secure(scheme: &Scheme) -> bool {
    scheme.as_ref().is_some_and(|s| s.0 .0 == "https")
}

/// Starts a session for `user`; returns the cookie's value. Any session id the browser had before is
/// not reused (no fixation).
pub async fn start(pool: &PgPool, user: &OfficeUser, now: DateTime<Utc>) -> Result<String, ApiError> {
    let id = random_token();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO office_sessions (id_sha256, user_id, csrf_token, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(sha256_hex(&id))
    .bind(user.id)
    .bind(random_token())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::audit::append(&mut tx, &actor(user), "innlogging i kontoret", &user.name, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends `session` on the server (its cookie opens nothing from now on).
pub async fn end(pool: &PgPool, session: &Session, now: DateTime<Utc>) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM office_sessions WHERE id_sha256 = $1")
        .bind(&session.id_sha256)
        .execute(&mut *tx)
        .await?;
    crate::audit::append(
        &mut tx,
        &actor(&session.user),
        "utlogging fra kontoret",
        &session.user.name,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How a back-office user is named in the audit log.
pub fn actor(user: &OfficeUser) -> String {
    format!("kontoret ({})", user.name)
}

/// A refused form or page (403), with why in Norwegian.
#[derive(Debug, Clone, Copy)]
pub struct Forbidden(pub &'static str);

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        super::layout::refused(axum::http::StatusCode::FORBIDDEN, self.0)
    }
}

impl From<Forbidden> for Response {
    fn from(f: Forbidden) -> Response {
        f.into_response()
    }
}

/// A logged-in request: the user and the CSRF token of the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: OfficeUser,
    pub csrf_token: String,
    id_sha256: String,
}

impl Session {
    /// Refuses a form whose token is not this session's (missing, foreign, or old).
    pub fn check_csrf(&self, sent: &str) -> Result<(), Forbidden> {
        use subtle::ConstantTimeEq;
        if bool::from(sent.as_bytes().ct_eq(self.csrf_token.as_bytes())) {
            Ok(())
        } else {
            Err(Forbidden(
                "Skjemaet kom ikke fra denne siden (eller siden er for gammel). Last siden på nytt og prøv igjen.",
            ))
        }
    }

    /// Refuses what only a `leder` may do.
    pub fn require_leder(&self) -> Result<(), Forbidden> {
        if self.user.role == Role::Leder {
            Ok(())
        } else {
            Err(Forbidden("Bare en leder kan gjøre dette."))
        }
    }
}

/// Without a live session: to the login page.
impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/kontor/logg-inn").into_response();
        let Some(id) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let id_sha256 = sha256_hex(&id);
        let now = Utc::now();
        let row: Option<(uuid::Uuid, String, String, String)> = sqlx::query_as(
            "UPDATE office_sessions s SET last_seen_at = $2
             FROM office_users u
             WHERE s.id_sha256 = $1 AND u.id = s.user_id AND u.active AND s.last_seen_at > $3
             RETURNING u.id, u.name, u.role, s.csrf_token",
        )
        .bind(&id_sha256)
        .bind(now)
        .bind(now - IDLE_LIMIT)
        .fetch_optional(&state.pool)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
        let Some((user_id, name, role, csrf_token)) = row else {
            // Idle or unknown: gone for good.
            let _ = sqlx::query("DELETE FROM office_sessions WHERE id_sha256 = $1")
                .bind(&id_sha256)
                .execute(&state.pool)
                .await;
            return Err(to_login());
        };
        let role = Role::parse(&role).ok_or_else(to_login)?;
        Ok(Session {
            user: OfficeUser {
                id: user_id,
                name,
                role,
            },
            csrf_token,
            id_sha256,
        })
    }
}
