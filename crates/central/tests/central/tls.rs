use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::TestServer;

/// `serve` with a certificate speaks HTTPS (and only HTTPS) on the configured address.
#[tokio::test]
async fn serve_speaks_https_with_the_configured_certificate() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_skranke-central"))
        .arg("serve")
        .env("DATABASE_URL", &s.database_url)
        .env("SKRANKE_LISTEN", "127.0.0.1:0")
        .env("SKRANKE_TLS_CERT", &cert_path)
        .env("SKRANKE_TLS_KEY", &key_path)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    for line in stderr.lines() {
        let line = line.unwrap();
        if let Some(at) = line.find("https://") {
            url = Some(line[at..].trim().to_string());
            break;
        }
    }
    let url = url.expect("the server announces its https address");

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let health = trusting.get(format!("{url}/v1/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    // Plain HTTP to the same port gets no API answer.
    let plain = reqwest::get(format!("{}/v1/health", url.replace("https://", "http://"))).await;
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));
    // A client that does not trust the certificate refuses it.
    assert!(reqwest::get(format!("{url}/v1/health")).await.is_err());

    child.kill().unwrap();
    child.wait().unwrap();
}
