//! The back office (issue 18): web pages served by the central store for the people who run the
//! shop, behind named accounts with roles and sessions. Pages are rendered on the server; every
//! response carries a Content-Security-Policy that allows no other origin.

pub mod accounts;
mod audit_page;
mod catalog;
pub mod desks;
mod integrations_page;
mod layout;
mod login;
pub mod order_list;
mod order_page;
mod orders;
pub mod pick_list;
mod privacy;
pub mod session;
mod staff_page;
mod users;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

/// The back office's routes, under `/kontor`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kontor", get(login::home))
        .route("/kontor/stil.css", get(layout::stylesheet))
        .route("/kontor/kontor.js", get(layout::script))
        .route("/kontor/logg-inn", get(login::login_form).post(login::login))
        .route("/kontor/logg-ut", post(login::logout))
        .route("/kontor/ordrer", get(orders::orders))
        .route("/kontor/ordrer/rader", get(orders::rows))
        .route("/kontor/ordrer/{number}", get(order_page::order))
        .route("/kontor/bilder/{name}", get(order_page::photo))
        .route(
            "/kontor/ordrer/{number}/ordrebekreftelse.pdf",
            get(order_page::confirmation_pdf),
        )
        .route("/kontor/ordrer/{number}/sendt", post(order_page::mark_sent))
        .route("/kontor/ordrer/{number}/kanseller", post(order_page::cancel))
        .route(
            "/kontor/ordrer/{number}/retur/{return_no}/mottatt",
            post(order_page::receive_return),
        )
        .route(
            "/kontor/ordrer/{number}/send-bekreftelse",
            post(order_page::resend_confirmation),
        )
        .route("/kontor/plukkliste", get(pick_list::pick_page))
        .route("/kontor/plukkliste.pdf", get(pick_list::pick_pdf))
        .route("/kontor/skranker", get(desks::desks))
        .route("/kontor/skranker/paringskode", post(desks::pairing_code))
        .route("/kontor/skranker/sperr", post(desks::revoke))
        .route(
            "/kontor/ansatte",
            get(staff_page::staff).post(staff_page::set_staff),
        )
        .route("/kontor/ansatte/deaktiver", post(staff_page::deactivate))
        .route("/kontor/personvern", get(privacy::privacy))
        .route("/kontor/personvern/innsyn", post(privacy::export))
        .route("/kontor/personvern/innsyn.json", post(privacy::export_file))
        .route("/kontor/personvern/slett", post(privacy::forget))
        .route("/kontor/revisjon", get(audit_page::audit))
        .route("/kontor/integrasjoner", get(integrations_page::integrations))
        .route(
            "/kontor/katalog",
            get(catalog::catalog)
                .post(catalog::upload)
                .layer(DefaultBodyLimit::max(catalog::MAX_FEED_BYTES)),
        )
        .route("/kontor/katalog/{id}", get(catalog::upload_page))
        .route("/kontor/katalog/{id}/bruk", post(catalog::apply))
        .route("/kontor/katalog/{id}/forkast", post(catalog::discard))
        .route("/kontor/brukere", get(users::users).post(users::add_user))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(layout::CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}
