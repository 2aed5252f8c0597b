//! The back office's frame: the page every screen sits in (menu by role, who is logged in, logout),
//! the refusal page, and the one stylesheet the binary serves. maud escapes every value spliced in.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::accounts::Role;
use super::session::Session;

/// Nothing from another origin, no inline script or style, no framing: what a page shows from the
/// database can only be text. The one script is the binary's own (the order list's live refresh).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The menu: where, what it is called, and whether only a leder sees it.
const MENU: &[(&str, &str, bool)] = &[
    ("/kontor/ordrer", "Ordrer", false),
    ("/kontor/plukkliste", "Plukkliste", false),
    ("/kontor/skranker", "Skranker", true),
    ("/kontor/ansatte", "Ansatte", true),
    ("/kontor/katalog", "Katalog", true),
    ("/kontor/personvern", "Personvern", true),
    ("/kontor/revisjon", "Revisjon", true),
    ("/kontor/integrasjoner", "Integrasjoner", true),
    ("/kontor/brukere", "Brukere", true),
];

const STYLESHEET: &str = include_str!("kontor.css");
const SCRIPT: &str = include_str!("kontor.js");

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

pub fn page(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nb" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Skranke kontor" }
                link rel="stylesheet" href="/kontor/stil.css";
                script src="/kontor/kontor.js" defer {}
            }
            body {
                header {
                    strong.brand { "Skranke kontor" }
                    @if let Some(s) = session {
                        nav aria-label="Hovedmeny" {
                            @for (href, label, leder_only) in MENU {
                                @if !leder_only || s.user.role == Role::Leder {
                                    a href=(href) { (label) }
                                }
                            }
                        }
                        span.who data-testid="office-user" { (s.user.name) " (" (s.user.role.code()) ")" }
                        form method="post" action="/kontor/logg-ut" {
                            input type="hidden" name="csrf" value=(s.csrf_token);
                            button type="submit" data-testid="logout" { "Logg ut" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A refusal as a page, with its status.
pub fn refused(status: StatusCode, message: &str) -> Response {
    (
        status,
        page(
            "Ikke tillatt",
            None,
            html! { p.bad role="alert" data-testid="refused" { (message) } p { a href="/kontor/ordrer" { "Til ordrene" } } },
        ),
    )
        .into_response()
}

/// A time as it is read in Norway: `24.12.2026 14.05`.
pub fn oslo_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%d.%m.%Y %H.%M")
        .to_string()
}
