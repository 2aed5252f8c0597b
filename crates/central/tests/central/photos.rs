//! Claim photos (issue 19): uploaded in chunks, cut in the middle and resumed from where the central
//! store stands, stored once however often it is sent, refused over 10 MB, refused when the bytes are
//! not the named JPEG, and seen only by the store that sent them.

use crate::support::*;

const CHUNK: usize = 512 * 1024;

/// A JPEG-shaped photo of `len` bytes (the JPEG start marker, then noise that does not compress).
fn photo(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut x: u32 = 0x1234_5678 ^ u32::from(seed);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x.to_le_bytes()[0]);
    }
    bytes
}

async fn put(s: &TestServer, token: &str, name: &str, range: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let r = s
        .http
        .put(format!("{}/v1/photos/{name}", s.base))
        .bearer_auth(token)
        .header("content-range", range)
        .header("content-type", "application/octet-stream")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn put_chunk(
    s: &TestServer,
    token: &str,
    name: &str,
    bytes: &[u8],
    n: usize,
) -> (u16, serde_json::Value) {
    let start = n * CHUNK;
    let end = (start + CHUNK).min(bytes.len());
    put(
        s,
        token,
        name,
        &format!("bytes {start}-{}/{}", end - 1, bytes.len()),
        &bytes[start..end],
    )
    .await
}

#[tokio::test]
async fn a_cut_upload_resumes_where_it_stood_and_is_stored_once() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let bytes = photo(5 * CHUNK / 2, 1); // three chunks, the last half full
    let name = skranke_protocol::payload_sha256(&bytes);

    for n in 0..2 {
        let (status, body) = put_chunk(&s, &desk.token, &name, &bytes, n).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["complete"], false);
    }
    // The connection is cut; the desk asks how far it came.
    let r = s.get(&format!("/v1/photos/{name}"), Some(&desk.token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["received"], 2 * CHUNK);
    assert_eq!(r.body["total"], bytes.len());
    // A chunk sent again (its answer was lost) is refused with where to go on from.
    let (status, body) = put_chunk(&s, &desk.token, &name, &bytes, 1).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "upload_offset_mismatch");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(&(2 * CHUNK).to_string()));
    let (status, body) = put_chunk(&s, &desk.token, &name, &bytes, 2).await;
    assert_eq!(
        (status, &body["complete"]),
        (200, &serde_json::json!(true)),
        "{body}"
    );

    // The whole photo sent again from the start (a retry of the claim): nothing more is stored.
    let (status, body) = put_chunk(&s, &desk.token, &name, &bytes, 0).await;
    assert_eq!(
        (status, &body["complete"]),
        (200, &serde_json::json!(true)),
        "{body}"
    );
    let stored: Vec<(i32, bool)> = sqlx::query_as("SELECT octet_length(data), complete FROM photos")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![(i32::try_from(bytes.len()).unwrap(), true)],
        "one copy, whole"
    );
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM photos")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(data, bytes);

    // Another store's desk knows nothing of it.
    let bergen = s.pair("BRG").await;
    let r = s.get(&format!("/v1/photos/{name}"), Some(&bergen.token)).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_50_mb_photo_is_refused_and_nothing_is_kept() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let first = photo(CHUNK, 2);
    let name = "a".repeat(64);
    let (status, body) = put(
        &s,
        &desk.token,
        &name,
        &format!("bytes 0-{}/{}", CHUNK - 1, 50 * 1024 * 1024),
        &first,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "payload_too_large");
    assert!(
        body["message"].as_str().unwrap().contains("høyst 10 MB"),
        "{body}"
    );
    assert_eq!(s.count("photos").await, 0);
    // A chunk over the request limit is refused before it is read.
    let big = photo(2 * 1024 * 1024, 3);
    let (status, _) = put(
        &s,
        &desk.token,
        &name,
        &format!("bytes 0-{}/{}", big.len() - 1, big.len()),
        &big,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(s.count("photos").await, 0);
}

#[tokio::test]
async fn bytes_that_are_not_the_named_jpeg_are_refused_and_discarded() {
    let s = TestServer::start().await;
    let desk = s.pair("OSL").await;
    let bytes = photo(1000, 4);
    let wrong_name = skranke_protocol::payload_sha256(b"noe annet");
    let (status, body) = put(&s, &desk.token, &wrong_name, "bytes 0-999/1000", &bytes).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "content_mismatch");
    let png = b"\x89PNG\r\n\x1a\nnot a jpeg".to_vec();
    let name = skranke_protocol::payload_sha256(&png);
    let (status, body) = put(
        &s,
        &desk.token,
        &name,
        &format!("bytes 0-{}/{}", png.len() - 1, png.len()),
        &png,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("JPEG"), "{body}");
    assert_eq!(s.count("photos").await, 0);
    // A range that does not fit the body, and a name that is not a hash.
    let (status, _) = put(&s, &desk.token, &name, "bytes 0-9/1000", &bytes).await;
    assert_eq!(status, 400);
    let (status, _) = put(&s, &desk.token, "bilde.jpg", "bytes 0-999/1000", &bytes).await;
    assert_eq!(status, 400);
    let r = s
        .http
        .put(format!("{}/v1/photos/{name}", s.base))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a desk's token is needed");
}
