//! Issue 17 item 2: the central store serves the desk's signed packages to its paired desks, newest
//! first, and holds a store back when the operator pins it.

use base64::Engine;
use chrono::Utc;
use skranke_central::desk_updates::{add_release, list_releases, pin_store, withdraw_release, NewRelease};

use crate::support::TestServer;

/// A package file and the `.sig` beside it, as `tauri bundle` names them (the signature's text is
/// minisign's layout; the central store reads its trusted comment and does not verify it).
fn bundled(dir: &std::path::Path, version: &str, content: &[u8]) -> std::path::PathBuf {
    let path = dir.join(format!("Skranke_{version}_amd64.deb"));
    std::fs::write(&path, content).unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(format!(
        "untrusted comment: signature from tauri secret key\nRUQsig\ntrusted comment: timestamp:1764748800\tfile:Skranke_{version}_amd64.deb\tversion:{version}\nglobal\n"
    ));
    std::fs::write(
        path.with_file_name(format!("Skranke_{version}_amd64.deb.sig")),
        sig,
    )
    .unwrap();
    path
}

const ASK: &str = "/v1/desk-updates/linux/x86_64";

#[tokio::test]
async fn a_paired_desk_is_offered_the_newest_package_and_a_pinned_store_is_held_back() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let oslo = s.pair("OSL").await;
    let bergen = s.pair("BRG").await;

    // Nothing published: nothing to do.
    let r = s
        .get(&format!("{ASK}/0.1.0?bundle_type=deb"), Some(&oslo.token))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    for (version, content) in [("0.1.1", b"pakke 0.1.1".as_slice()), ("0.2.0", b"pakke 0.2.0")] {
        let release = NewRelease::from_file(&bundled(dir.path(), version, content), None).unwrap();
        assert_eq!(
            (
                release.version.as_str(),
                release.target.as_str(),
                release.arch.as_str(),
                release.bundle_type.as_str()
            ),
            (version, "linux", "x86_64", "deb")
        );
        add_release(&s.pool, &release, Utc::now()).await.unwrap();
    }
    // A version is published once.
    let again = NewRelease::from_file(&dir.path().join("Skranke_0.1.1_amd64.deb"), None).unwrap();
    let refused = add_release(&s.pool, &again, Utc::now()).await.unwrap_err();
    assert!(
        refused.body.message.contains("bare én gang"),
        "{}",
        refused.body.message
    );
    // A signature for another version than the one given is refused.
    let e = NewRelease::from_file(&dir.path().join("Skranke_0.1.1_amd64.deb"), Some("0.3.0")).unwrap_err();
    assert!(e.contains("signert som versjon 0.1.1"), "{e}");

    // Without a token, nothing.
    let r = s.get(&format!("{ASK}/0.1.0?bundle_type=deb"), None).await;
    assert_eq!(r.status, 401);
    // Another package type has no release.
    let r = s
        .get(&format!("{ASK}/0.1.0?bundle_type=rpm"), Some(&oslo.token))
        .await;
    assert_eq!(r.status, 204);

    let r = s
        .get(&format!("{ASK}/0.1.0?bundle_type=deb"), Some(&oslo.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], "0.2.0");
    assert!(r.body["signature"].as_str().unwrap().len() > 20);
    let url = r.body["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&s.base), "{url} is not on {}", s.base);
    // The package, with the desk's token only.
    let anonymous = s.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let package = s.http.get(&url).bearer_auth(&oslo.token).send().await.unwrap();
    assert_eq!(package.status(), 200);
    assert_eq!(package.bytes().await.unwrap().as_ref(), b"pakke 0.2.0");

    // A desk on the newest version has nothing to do, and neither has a newer one (a test build).
    for current in ["0.2.0", "0.3.0"] {
        let r = s
            .get(&format!("{ASK}/{current}?bundle_type=deb"), Some(&oslo.token))
            .await;
        assert_eq!(r.status, 204, "{current}: {}", r.body);
    }
    let r = s
        .get(
            &format!("{ASK}/ikke-en-versjon?bundle_type=deb"),
            Some(&oslo.token),
        )
        .await;
    assert_eq!(r.status, 422);

    // Bergen is held at 0.1.1: a desk on 0.1.0 gets 0.1.1, a desk on 0.1.1 nothing, one on 0.2.0 is
    // rolled back; Oslo is not affected.
    pin_store(&s.pool, "BRG", Some("0.1.1"), Utc::now())
        .await
        .unwrap();
    let r = s
        .get(&format!("{ASK}/0.1.0?bundle_type=deb"), Some(&bergen.token))
        .await;
    assert_eq!((r.status, r.body["version"].as_str()), (200, Some("0.1.1")));
    let r = s
        .get(&format!("{ASK}/0.1.1?bundle_type=deb"), Some(&bergen.token))
        .await;
    assert_eq!(r.status, 204);
    let r = s
        .get(&format!("{ASK}/0.2.0?bundle_type=deb"), Some(&bergen.token))
        .await;
    assert_eq!((r.status, r.body["version"].as_str()), (200, Some("0.1.1")));
    let r = s
        .get(&format!("{ASK}/0.1.0?bundle_type=deb"), Some(&oslo.token))
        .await;
    assert_eq!(r.body["version"], "0.2.0");
    assert!(pin_store(&s.pool, "BRG", Some("9.9.9"), Utc::now())
        .await
        .is_err());

    // 0.2.0 is withdrawn: Oslo's desks on it go back to 0.1.1, and its package is no longer served.
    withdraw_release(&s.pool, "0.2.0", Utc::now()).await.unwrap();
    let r = s
        .get(&format!("{ASK}/0.2.0?bundle_type=deb"), Some(&oslo.token))
        .await;
    assert_eq!((r.status, r.body["version"].as_str()), (200, Some("0.1.1")));
    let gone = s.http.get(&url).bearer_auth(&oslo.token).send().await.unwrap();
    assert_eq!(gone.status(), 404);

    // Unpinned, Bergen follows the newest release still out.
    pin_store(&s.pool, "BRG", None, Utc::now()).await.unwrap();
    let listed = list_releases(&s.pool).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[1].withdrawn && !listed[0].withdrawn);
    assert!(listed.iter().all(|r| r.pinned_stores.is_empty()));
}
