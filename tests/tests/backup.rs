//! Issue 17 item 7: a backup taken while the desk works, put back on a new machine. The old desk goes
//! on after the copy was taken, so the restored desk cannot know the last numbers it used: it takes a
//! new series, is paired again, and the central store refuses nothing and sees no number twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::{catalog_and_order, central_orders, desk, pair};
use skranke_e2e::central_process::CentralProcess;

/// The number in "Ordre NUMMER er plassert."
fn number(said: &str) -> String {
    said.split_whitespace().nth(1).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restored_desk_continues_without_reusing_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let central = CentralProcess::start().unwrap();
    let (_, order) = catalog_and_order(&central, dir.path());
    let order = order.to_str().unwrap();
    let old = desk(dir.path(), "kasse1");
    pair(&central, &old, &central.url());
    old.ok(&["sync", "now"]).unwrap();
    let mut numbers = vec![number(&old.ok(&["order", "place", order]).unwrap())];
    old.ok(&["sync", "now"]).unwrap();

    // The copy, taken while the desk is open; the key beside it in a file of its own.
    let backup = dir.path().join("kasse1.skranke");
    let said = old.ok(&["backup", backup.to_str().unwrap()]).unwrap();
    let key = skranke_desk::backup::key_file_of(&backup);
    assert!(backup.is_file() && key.is_file(), "{said}");
    let again = old
        .command(&["backup", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup was written over");

    // The old desk goes on after the copy: two more orders, sent.
    for _ in 0..2 {
        numbers.push(number(&old.ok(&["order", "place", order]).unwrap()));
    }
    old.ok(&["sync", "now"]).unwrap();

    // Not over a desk, and not without the key unless told.
    let over = old
        .command(&["restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!over.status.success());
    assert!(
        String::from_utf8_lossy(&over.stderr).contains("allerede en skranke"),
        "{over:?}"
    );
    let hidden = dir.path().join("nøkkelen-et-annet-sted");
    std::fs::rename(&key, &hidden).unwrap();
    let keyless = desk(dir.path(), "uten-nøkkel");
    let refused = keyless
        .command(&["restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("mangler"),
        "{refused:?}"
    );
    assert!(
        !keyless.data_dir.join("desk.sqlite3").exists(),
        "a refused restore left a desk behind"
    );

    // The new machine: restored with the key, a new series, paired again.
    let new = desk(dir.path(), "ny-maskin");
    let said = new
        .ok(&[
            "restore",
            backup.to_str().unwrap(),
            "--key",
            hidden.to_str().unwrap(),
        ])
        .unwrap();
    assert!(
        said.contains("1 ordrer") && said.contains("ny ordreserie"),
        "{said}"
    );
    let listed = new.ok(&["order", "list"]).unwrap();
    assert!(
        listed.contains(&numbers[0]),
        "the order from before the copy is there: {listed}"
    );
    numbers.push(number(&new.ok(&["order", "place", order]).unwrap()));
    pair(&central, &new, &central.url());
    new.ok(&["sync", "now"]).unwrap();
    numbers.push(number(&new.ok(&["order", "place", order]).unwrap()));
    new.ok(&["sync", "now"]).unwrap();
    let status = new.ok(&["sync", "status"]).unwrap();

    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        numbers.len(),
        "a number was used twice: {numbers:?}"
    );
    let on_central: Vec<String> = central_orders(&central)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for n in &numbers {
        assert!(
            on_central.contains(n),
            "{n} did not reach the central store: {on_central:?}\n{status}"
        );
    }
    assert_eq!(on_central.len(), numbers.len(), "{on_central:?}");
    assert!(!status.contains("avvist"), "{status}");
}
