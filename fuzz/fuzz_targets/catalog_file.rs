//! The desk's catalog importer (CSV with , or ; and JSON lines): any bytes either import or are
//! refused with a line and a field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, &[u8])| {
    let (json, bytes) = input;
    let dir = std::env::temp_dir().join(format!("skranke-fuzz-catalog-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(if json { "katalog.jsonl" } else { "katalog.csv" });
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let mut seen = 0u64;
    let result = skranke_catalog::read_catalog::<skranke_catalog::CatalogError>(
        &path,
        chrono::DateTime::UNIX_EPOCH,
        100,
        |batch| {
            seen += batch.len() as u64;
            Ok(())
        },
    );
    if let Ok(count) = result {
        assert_eq!(count, seen);
    }
});
