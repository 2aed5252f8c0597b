use crate::support::TestServer;

/// The committed document (crates/central/openapi.json) is what the server serves: a change to the
/// API that is not in the document fails here. SKRANKE_UPDATE_OPENAPI=1 rewrites it.
#[tokio::test]
async fn the_committed_openapi_document_is_the_served_one() {
    let s = TestServer::start().await;
    let served = s
        .http
        .get(format!("{}/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let served = served.text().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("SKRANKE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "crates/central/openapi.json is stale: run SKRANKE_UPDATE_OPENAPI=1 cargo test -p skranke-central openapi"
    );
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    for path in [
        "/v1/pair",
        "/v1/push",
        "/v1/pull",
        "/v1/admin/orders/{number}/status",
        "/v1/health",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    for schema in [
        "PushRequest",
        "PushResponse",
        "PullResponse",
        "ErrorBody",
        "ErrorCode",
        "Flag",
        "Mutation",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is not documented"
        );
    }
}
