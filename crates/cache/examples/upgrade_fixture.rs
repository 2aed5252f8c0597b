//! Writes the cache a desk of this release leaves behind, for the upgrade test (`tests/upgrade.rs`):
//! two orders not yet sent (one with a sealed fødselsnummer), an order typed half-way (the draft), and
//! the audit chain of all three. Run once per release, before that release's migrations change the
//! schema, and commit the result:
//! `cargo run -p skranke-cache --example upgrade_fixture -- crates/cache/tests/fixtures/<release>`.

// The tests' own helper, shared rather than copied; it panics on failure as tests do.
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../tests/support/mod.rs"]
mod support;

use chrono::{DateTime, Utc};
use skranke_cache::{Cache, FieldKey};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: upgrade_fixture FOLDER")?);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("cache.sqlite");
    if file.exists() {
        return Err(format!("{} exists: a fixture is written once", file.display()).into());
    }
    // A throwaway key, committed with the fixture: it seals nothing but test data.
    let key = FieldKey::generate();
    std::fs::write(dir.join("key.hex"), key.to_hex())?;
    let cache = Cache::open(&file, key).await?;
    let at = |t: &str| DateTime::parse_from_rfc3339(t).map(|d| d.with_timezone(&Utc));
    let first = support::place(&cache, at("2026-12-01T09:00:00Z")?, "41234567", None).await;
    let second = support::place(
        &cache,
        at("2026-12-01T09:05:00Z")?,
        "98765432",
        Some("15839649859"),
    )
    .await;
    cache
        .save_draft(
            "0193a1b2-0000-7000-8000-000000000001",
            r#"{"customer":{"name":"Kari Nordmann","phone":"412 34 567"},"lines":[]}"#,
            at("2026-12-01T09:10:00Z")?,
        )
        .await?;
    cache.close().await;
    println!("{}: orders {first} and {second}, one draft", dir.display());
    Ok(())
}
