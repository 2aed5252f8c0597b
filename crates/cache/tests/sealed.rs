//! Sealing at rest: plain text left by a desk from before sealing is sealed when the cache opens, and
//! a cache is never opened with a second key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::Utc;
use skranke_cache::{Cache, CacheError, FieldKey};

#[tokio::test]
async fn a_plain_draft_from_before_sealing_is_sealed_on_open_and_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite3");
    let key = FieldKey::generate();
    let cache = Cache::open(&path, key.clone()).await.unwrap();
    cache.save_draft("utkast-1", "{}", Utc::now()).await.unwrap();
    cache.clone().close().await;

    // What an older desk wrote: the draft in plain text.
    let plain = r#"{"customer":{"fodselsnummer":"24921099912"}}"#;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE draft SET body = ?")
        .bind(plain)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let cache = Cache::open(&path, key.clone()).await.unwrap();
    assert_eq!(
        cache.load_draft().await.unwrap(),
        Some(("utkast-1".to_string(), plain.to_string()))
    );
    cache.clone().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("SELECT body FROM draft")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("v1.") && !stored.contains("24921099912"),
        "{stored}"
    );
    pool.close().await;

    match Cache::open(&path, FieldKey::generate()).await {
        Err(CacheError::WrongFieldKey { expected, found }) => {
            assert_eq!(expected, key.id());
            assert_ne!(found, expected);
        }
        other => panic!("opened with another key: {other:?}"),
    }
}
