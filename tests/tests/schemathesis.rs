//! Schemathesis (from PyPI) against the central store's OpenAPI document, with a paired desk's token:
//! no answer is a server error, and every answer (each refusal with its typed `{code, message}`
//! body) matches the status codes, content types and schemas the document gives. `cargo xtask test`
//! installs Schemathesis into a venv and names it in `SKRANKE_SCHEMATHESIS`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // tests: a panic is the failure report

use std::path::PathBuf;
use std::process::Command;

use skranke_e2e::central_process::CentralProcess;

/// Cases per operation in the test command; `SKRANKE_SCHEMATHESIS_EXAMPLES` asks for more (the run
/// in RELIABILITY.md).
const EXAMPLES: &str = "100";

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_and_every_answer_matches_the_document() {
    let st = std::env::var_os("SKRANKE_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/skranke-schemathesis/bin/schemathesis")
        });
    assert!(
        st.exists(),
        "{} is missing: `cargo xtask test` installs Schemathesis",
        st.display()
    );
    // Thousands of requests under one token: the per-desk limit is raised so the cases test the
    // operations, not the limiter (whose 429 is documented and tested on its own).
    let central = CentralProcess::start_with_config(|_| {
        Some("[rate_limit]\ndevice_per_second = 100000\ndevice_burst = 100000\n".into())
    })
    .unwrap();
    let code = central.ok(&["pairing-code", "--store", "OSL"]).unwrap();
    let paired: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/pair", central.url()))
        .json(&serde_json::json!({"code": code.trim(), "device_name": "Schemathesis"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = paired["token"].as_str().unwrap().to_string();
    let examples = std::env::var("SKRANKE_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| EXAMPLES.into());
    let reports = tempfile::tempdir().unwrap();
    let out = Command::new(&st)
        .args(["run", &format!("{}/v1/openapi.json", central.url())])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-n", &examples, "--seed", "20261122", "--no-color"])
        .args([
            "-c",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--report", "junit", "--report-dir"])
        .arg(reports.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let junit = std::fs::read_dir(reports.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(
        junit.contains("<testcase"),
        "the report lists the operations tested"
    );
    for operation in [
        "/v1/pair",
        "/v1/push",
        "/v1/pull",
        "/v1/changes",
        "/v1/photos/{sha256}",
    ] {
        assert!(junit.contains(operation), "{operation} was tested");
    }
}
