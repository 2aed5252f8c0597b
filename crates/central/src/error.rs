//! Every refusal as HTTP: a status and the protocol's `{code, message}` body, never a bare 500 page.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use skranke_protocol::{ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Seconds for `Retry-After` (a 503 says 5 unless set).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "Enheten er ikke paret med sentralen, eller nøkkelen er ugyldig.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    pub fn invalid_value(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidValue, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        tracing::error!(error = %e, "database");
        if let sqlx::Error::Database(db) = &e {
            // Class 22: a value PostgreSQL cannot hold. The request's fault, and nothing was written.
            if db.code().is_some_and(|c| c.starts_with("22")) {
                return ApiError::invalid_value(format!("Ugyldig verdi: {}", db.message()));
            }
            // Class 53: PostgreSQL is out of disk (53100), memory or connections. Nothing was written;
            // the desk keeps its outbox and comes back when told (issue 21 item 6). A full disk
            // is not freed in seconds: a minute between tries spares the store 2,000 desks' retries.
            if let Some(code) = db.code().filter(|c| c.starts_with("53")) {
                let disk_full = code == "53100";
                let mut error = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Unavailable,
                    if disk_full {
                        "Sentralen har fullt lager (disken er full) og tar ikke imot endringer nå. \
                         Skranken beholder ordrene og sender dem når det er plass."
                    } else {
                        "Sentralen er midlertidig utilgjengelig. Prøv igjen om litt."
                    },
                );
                error.retry_after = Some(if disk_full { 60 } else { 5 });
                return error;
            }
        }
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "Sentralen er midlertidig utilgjengelig. Prøv igjen om litt.",
            ),
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Intern feil i sentralen. Ingenting ble lagret.",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match (self.retry_after, self.status) {
            (Some(seconds), _) => Some(seconds),
            (None, StatusCode::SERVICE_UNAVAILABLE) => Some(5),
            _ => None,
        };
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
