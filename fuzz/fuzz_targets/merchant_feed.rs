//! Google Merchant feeds (TSV and XML): any bytes either give products or a refusal naming the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, &[u8])| {
    let (xml, bytes) = input;
    let dir = std::env::temp_dir().join(format!("skranke-fuzz-merchant-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(if xml { "feed.xml" } else { "feed.tsv" });
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    if let Ok(products) = skranke_catalog::read_merchant_feed(&path, chrono::DateTime::UNIX_EPOCH) {
        for p in products {
            assert!(p.price.ore() >= 0);
        }
    }
});
