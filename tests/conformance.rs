//! Independent conformance: the official MCP conformance suite and the official
//! TypeScript SDK, on Node 22 that the tests install (tests/common/node.rs), drive
//! the real binary over streamable HTTP and stdio on the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_seedance-mcp");

/// The suite's server scenarios that need no fixture tools, prompts or resources
/// of the suite's own (the others test a reference server's `test_*` tools).
/// The suite (0.1.16) has no Tasks or Skills scenarios; logging and completion
/// are the courtesies it checks.
const SCENARIOS: [&str; 8] = [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "logging-set-level",
    "completion-complete",
    "server-sse-multiple-streams",
    "dns-rebinding-protection",
];

/// The checks a scenario wrote to `-o <dir>` (one timestamped folder inside).
fn checks(dir: &Path) -> Vec<Value> {
    let run = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.join("checks.json").exists())
        .unwrap_or_else(|| panic!("no checks.json under {}", dir.display()));
    serde_json::from_slice(&std::fs::read(run.join("checks.json")).unwrap()).unwrap()
}

#[test]
fn the_official_conformance_suite_passes_over_streamable_http() {
    let node = common::node::node();
    let out = tempfile::tempdir().unwrap();
    let server = common::HttpBinary::start("127.0.0.1:0", out.path(), &[]);
    let results = tempfile::tempdir().unwrap();
    let mut report = Vec::new();
    for scenario in SCENARIOS {
        let dir = results.path().join(scenario);
        let output = node
            .command("node_modules/@modelcontextprotocol/conformance/dist/index.js")
            .args(["server", "--url", &server.url(), "--scenario", scenario])
            .arg("-o")
            .arg(&dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let checks = checks(&dir);
        let count = |status: &str| checks.iter().filter(|c| c["status"] == status).count();
        assert!(
            output.status.success() && count("FAILURE") == 0 && count("SUCCESS") > 0,
            "scenario {scenario} failed:\n{stdout}\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            server.log()
        );
        report.push(format!(
            "{scenario}: {} passed, {} warnings",
            count("SUCCESS"),
            count("WARNING")
        ));
    }
    eprintln!("conformance:\n  {}", report.join("\n  "));
}

/// Runs tests/node/client_check.mjs; returns its JSON summary.
fn run_client(args: &[&str], env: &[(&str, &str)]) -> Value {
    let node = common::node::node();
    let script = node.script("client_check.mjs");
    let mut command = node.command(script);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "TypeScript client {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn assert_ran_a_task(summary: &Value) {
    assert_eq!(summary["status"], "succeeded", "{summary}");
    assert_eq!(summary["server"]["name"], "seedance-mcp", "{summary}");
    let file = summary["local_files"][0].as_str().unwrap();
    let bytes = std::fs::read(file).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "{file} is an MP4");
    // The result linked the file (and the link resolved), and ratio completed.
    assert_eq!(summary["resource_links"], 1, "{summary}");
    assert_eq!(summary["completion"][0], "9:16", "{summary}");
}

#[test]
fn the_typescript_sdk_drives_the_binary_over_stdio() {
    let out = tempfile::tempdir().unwrap();
    let (output_dir, data_dir) = (
        out.path().display().to_string(),
        out.path().join(".journal").display().to_string(),
    );
    let summary = run_client(
        &["stdio", BIN],
        &[
            ("SEEDANCE_OUTPUT_DIR", &output_dir),
            ("SEEDANCE_DATA_DIR", &data_dir),
            ("SEEDANCE_SIM_SECONDS", "0.3"),
        ],
    );
    assert_ran_a_task(&summary);
}

#[test]
fn the_typescript_sdk_drives_the_binary_over_streamable_http_with_a_token() {
    const TOKEN: &str = "tok-node-5e8a0c2d";
    let out = tempfile::tempdir().unwrap();
    let server =
        common::HttpBinary::start("127.0.0.1:0", out.path(), &[("SEEDANCE_HTTP_TOKEN", TOKEN)]);
    let summary = run_client(&["http", &server.url()], &[("MCP_BEARER_TOKEN", TOKEN)]);
    assert_ran_a_task(&summary);
    assert_eq!(summary["terminated_session_status"], 404, "{summary}");
}
