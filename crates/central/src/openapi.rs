//! The OpenAPI document, generated from the handlers and the protocol types (a test keeps the
//! committed copy, crates/central/openapi.json, equal to it).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Skranke central store", description = "Pairing, push and pull for the desks; their updates; order status for the operator; order events for the shop's other systems."),
    paths(
        crate::app::pair,
        crate::app::push,
        crate::app::pull,
        crate::app::changes,
        crate::app::set_status,
        crate::app::integration_orders,
        crate::app::photo_status,
        crate::app::photo_chunk,
        crate::app::snapshot_offer,
        crate::app::snapshot_file,
        crate::desk_updates::manifest,
        crate::desk_updates::package,
        crate::app::openapi,
        crate::app::health
    ),
    components(schemas(skranke_protocol::Mutation, skranke_protocol::MutationResult, skranke_protocol::Change)),
    modifiers(&BearerTokens)
)]
struct ApiDoc;

struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for name in ["device_token", "admin_token", "integration_token"] {
                components.add_security_scheme(name, SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
            }
        }
    }
}

/// The document as pretty JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
