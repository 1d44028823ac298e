//! The official MCP Python SDK, an independent client, lists our tools, checks
//! their schemas and runs a task to success over stdio (legacy handshake and the
//! SDK's automatic negotiation) and over streamable HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{path::Path, process::Command};

use provider_fakes::{FakeControl, xskill::FakeXskill};
use seedance_mcp::mcp::transport::serve_http;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const BIN: &str = env!("CARGO_BIN_EXE_seedance-mcp");

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/client_check.py")
}

/// Runs the Python client; returns its JSON summary.
fn run_client(args: &[&str], mode: &str, env: &[(&str, String)]) -> Value {
    let python = common::python::python();
    let mut cmd = Command::new(python);
    cmd.arg(script())
        .args(args)
        .env_clear()
        .env("MCP_CLIENT_MODE", mode);
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "python client ({mode}, {args:?}) failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn the_python_sdk_drives_the_binary_over_stdio_on_the_simulator() {
    let out = tempfile::tempdir().unwrap();
    for mode in ["legacy", "auto"] {
        let env = [
            ("SEEDANCE_OUTPUT_DIR", out.path().display().to_string()),
            (
                "SEEDANCE_DATA_DIR",
                out.path().join(".journal").display().to_string(),
            ),
            ("SEEDANCE_SIM_SECONDS", "0.3".to_owned()),
        ];
        let summary = run_client(&["stdio", BIN], mode, &env);
        assert_eq!(summary["status"], "succeeded", "{summary}");
        assert_eq!(summary["decoded_frames"], 48, "4 s at 12 fps: {summary}");
        let file = summary["local_files"][0].as_str().unwrap();
        let bytes = std::fs::read(file).unwrap();
        assert_eq!(&bytes[4..8], b"ftyp");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_drives_the_binary_over_stdio_on_the_xskill_fake() {
    // The fake serves a real clip, so the saved file can be decoded end to end.
    let clip = seedance_mcp::providers::sim::render::render_mp4(
        &seedance_mcp::providers::sim::render::ClipSpec {
            width: 320,
            height: 180,
            fps: 12,
            duration_secs: 4,
            seed: 1,
            caption: "xskill fake".into(),
        },
    );
    let config = provider_fakes::xskill::FakeXskillConfig {
        result_bytes: clip,
        ..Default::default()
    };
    let fake = FakeXskill::start_with(config).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let env = [
        ("SEEDANCE_OUTPUT_DIR", out.path().display().to_string()),
        (
            "SEEDANCE_DATA_DIR",
            out.path().join(".journal").display().to_string(),
        ),
        ("XSKILL_API_KEY", fake.api_key().to_owned()),
        ("XSKILL_BASE_URL", fake.base_url()),
    ];
    let summary = tokio::task::spawn_blocking(move || run_client(&["stdio", BIN], "legacy", &env))
        .await
        .unwrap();
    assert_eq!(summary["status"], "succeeded", "{summary}");
    assert_eq!(
        fake.created_tasks().len(),
        1,
        "one submit, one task (the refused one never arrived)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_drives_the_server_over_streamable_http() {
    let out = tempfile::tempdir().unwrap();
    let server = common::server(&common::settings(out.path()));
    let shutdown = CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let token = shutdown.clone();
    tokio::spawn(async move {
        serve_http(
            server,
            "127.0.0.1:0".parse().unwrap(),
            Default::default(),
            token,
            Some(tx),
        )
        .await
    });
    let addr = rx.await.unwrap();
    let url = format!("http://{addr}/mcp");
    for mode in ["legacy", "auto"] {
        let url = url.clone();
        let summary = tokio::task::spawn_blocking(move || run_client(&["http", &url], mode, &[]))
            .await
            .unwrap();
        assert_eq!(summary["status"], "succeeded", "{summary}");
    }
    shutdown.cancel();
}

/// Runs `elicit_check.py` against the binary on the xskill fake with a spend
/// limit every task passes; returns its summary.
fn elicit(fake: (String, String), out: &Path, answer: &str, mode: &str) -> Value {
    let (key, url) = fake;
    let python = common::python::python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/elicit_check.py");
    let output = Command::new(python)
        .arg(script)
        .args([BIN, answer])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEEDANCE_OUTPUT_DIR", out)
        .env("SEEDANCE_DATA_DIR", out.join(".journal"))
        .env("SEEDANCE_MAX_COST_PER_TASK", "1")
        .env("XSKILL_API_KEY", key)
        .env("XSKILL_BASE_URL", url)
        .env("MCP_CLIENT_MODE", mode)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "elicit_check ({answer}, {mode}) failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Both ways of asking: `elicitation/create` during the call (legacy handshake,
/// 2025-11-25) and the `input_required` round trip (the SDK's negotiation, 2026-07-28).
#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_asks_the_person_before_spending_and_links_the_saved_file() {
    for mode in ["legacy", "auto"] {
        for answer in ["decline", "cancel"] {
            let fake = FakeXskill::start().await.unwrap();
            let out = tempfile::tempdir().unwrap();
            let path = out.path().to_owned();
            let probe = (fake.api_key().to_owned(), fake.base_url());
            let summary = tokio::task::spawn_blocking(move || elicit(probe, &path, answer, mode))
                .await
                .unwrap();
            assert_eq!(summary["asked"].as_array().unwrap().len(), 1, "{summary}");
            assert_eq!(summary["is_error"], true, "{summary}");
            let text = summary["text"].as_str().unwrap();
            assert!(
                text.starts_with("spend_limit: The user declined"),
                "{mode}: {text}"
            );
            assert_eq!(
                fake.create_calls(),
                0,
                "{mode} {answer}: the fake saw a create"
            );
        }
        let fake = FakeXskill::start().await.unwrap();
        let out = tempfile::tempdir().unwrap();
        let path = out.path().to_owned();
        let probe = (fake.api_key().to_owned(), fake.base_url());
        let summary = tokio::task::spawn_blocking(move || elicit(probe, &path, "accept", mode))
            .await
            .unwrap();
        let question = summary["asked"][0].as_str().unwrap();
        assert!(
            question.contains("credits") && question.contains("Balance"),
            "{question}"
        );
        assert_eq!(summary["status"], "succeeded", "{mode}: {summary}");
        assert_eq!(fake.create_calls(), 1, "{mode}");
        assert_eq!(summary["link"]["mime"], "video/mp4", "{summary}");
        assert_eq!(summary["link"]["size"], summary["read_bytes"], "{summary}");
    }
}
