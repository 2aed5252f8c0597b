//! The back office (issue 18): web pages served by the central store for the people who run the
//! shop, behind named accounts with roles and sessions. Pages are rendered on the server; every
//! response carries a Content-Security-Policy that allows no script and no other origin.

pub mod accounts;
mod pages;
pub mod session;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// The back office's routes, under `/kontor`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kontor", get(pages::home))
        .route("/kontor/stil.css", get(pages::stylesheet))
        .route("/kontor/logg-inn", get(pages::login_form).post(pages::login))
        .route("/kontor/logg-ut", post(pages::logout))
        .route("/kontor/ordrer", get(pages::orders))
        .route("/kontor/brukere", get(pages::users).post(pages::add_user))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}
