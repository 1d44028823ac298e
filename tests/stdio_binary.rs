//! The real binary over stdio: stdout carries only JSON-RPC, unknown methods get
//! -32601 (also before initialize), and an rmcp child-process client works.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use rmcp::{ServiceExt, transport::TokioChildProcess};
use seedance_mcp::{
    domain::TaskStatus,
    service::{BalanceOutput, SubmitTaskOutput},
};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_seedance-mcp");

/// A clean environment: no provider keys from the developer's shell.
fn command(out: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEEDANCE_OUTPUT_DIR", out)
        .env("SEEDANCE_DATA_DIR", out.join(".journal"))
        .env("SEEDANCE_SIM_SECONDS", "0.3");
    cmd
}

/// Sends `requests` one per line, reads one response per request id, then closes stdin.
fn exchange(out: &std::path::Path, requests: &[Value]) -> (Vec<Value>, String) {
    let mut child = command(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut responses = Vec::new();
    for request in requests {
        writeln!(stdin, "{request}").unwrap();
        stdin.flush().unwrap();
        if request.get("id").is_none() {
            continue;
        }
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
        assert_eq!(message["jsonrpc"], json!("2.0"), "not JSON-RPC: {line}");
        responses.push(message);
    }
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    for line in rest.lines().filter(|l| !l.trim().is_empty()) {
        let message: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("stdout not JSON ({e}): {line}"));
        assert_eq!(message["jsonrpc"], json!("2.0"));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    (
        responses,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})
}

#[test]
fn stdout_carries_only_json_rpc_through_a_whole_session() {
    let out = tempfile::tempdir().unwrap();
    let call = |id: u64, name: &str, arguments: Value| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
    let (responses, stderr) = exchange(
        out.path(),
        &[
            initialize(),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
            call(3, "get_balance", json!({})),
            call(
                4,
                "submit_task",
                json!({"prompt": "a quiet harbour", "duration": 4}),
            ),
            call(5, "submit_task", json!({"prompt": "x", "duration": 20})),
        ],
    );
    let init = &responses[0]["result"];
    assert_eq!(init["serverInfo"]["name"], json!("seedance-mcp"));
    assert_eq!(
        init["serverInfo"]["version"],
        json!(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(responses[1]["result"]["tools"].as_array().unwrap().len(), 9);
    // The JSON-RPC envelope is read raw (this test is about the framing); the
    // structured results inside it are read as the tools' output types.
    let balance: BalanceOutput = common::typed(&responses[2]["result"]["structuredContent"]);
    assert!(balance.simulated);
    let submitted: SubmitTaskOutput = common::typed(&responses[3]["result"]["structuredContent"]);
    assert!(submitted.task_id.is_some());
    assert_eq!(responses[4]["result"]["isError"], json!(true));
    // The simulation warning goes to stderr, where logs belong.
    assert!(stderr.contains("SIMULATED PROVIDER"), "{stderr}");
}

#[test]
fn unknown_methods_get_method_not_found_before_and_after_initialize() {
    let out = tempfile::tempdir().unwrap();
    let (responses, _) = exchange(
        out.path(),
        &[
            json!({"jsonrpc": "2.0", "id": 0, "method": "videos/make"}),
            initialize(),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "videos/make"}),
        ],
    );
    assert_eq!(
        responses[0]["error"]["code"],
        json!(-32601),
        "{}",
        responses[0]
    );
    assert_eq!(responses[0]["id"], json!(0));
    assert!(responses[1]["result"]["serverInfo"].is_object());
    assert_eq!(
        responses[2]["error"]["code"],
        json!(-32601),
        "{}",
        responses[2]
    );
}

#[test]
fn a_bad_provider_setting_fails_fast_with_a_clear_message() {
    let out = tempfile::tempdir().unwrap();
    let output = command(out.path())
        .env("SEEDANCE_PROVIDER", "xskill")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("XSKILL_API_KEY"), "{stderr}");
}

#[tokio::test]
async fn an_rmcp_child_process_client_runs_a_task_to_completion() {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .env("SEEDANCE_OUTPUT_DIR", out.path())
        .env("SEEDANCE_DATA_DIR", out.path().join(".journal"))
        .env("SEEDANCE_SIM_SECONDS", "0.3")
        .stderr(Stdio::null());
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let task = common::submit_and_wait(
        &client,
        json!({"prompt": "rain on a window", "ratio": "9:16", "duration": 5}),
    )
    .await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(task.local_files[0].exists());
    client.cancel().await.unwrap();
}

#[test]
fn the_cli_submits_and_waits_for_a_task() {
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = command(out.path())
        .args([
            "submit",
            "--prompt",
            "a red balloon rises",
            "--duration",
            "4",
            "--wait",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], json!("succeeded"), "{result}");
    assert!(
        std::path::Path::new(result["local_files"][0].as_str().unwrap()).exists(),
        "{result}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let status = command(out.path())
        .args(["status", result["task_id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let waited = command(out.path())
        .args(["wait", result["task_id"].as_str().unwrap()])
        .output()
        .unwrap();
    let waited: Value = serde_json::from_slice(&waited.stdout).unwrap();
    assert_eq!(
        waited["local_files"], result["local_files"],
        "a finished download is never repeated"
    );
    let listed = command(out.path())
        .args(["list", "--status", "succeeded"])
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["tasks"][0]["task_id"], result["task_id"]);
    let refused = command(out.path())
        .args(["submit", "--prompt", "x", "--duration", "20"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("duration"));
    assert!(refused.stdout.is_empty());
}

#[test]
fn the_cli_exit_code_says_when_a_task_failed() {
    let out = tempfile::tempdir().unwrap();
    let output = command(out.path())
        .args(["submit", "--prompt", "a storm #simulate-failure", "--wait"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], "failed");
}

/// Runs the binary under a pseudo-terminal (util-linux `script`), as a person would.
fn at_a_terminal(out: &std::path::Path, args: &str) -> String {
    let output = Command::new("script")
        .args(["-qec", &format!("{BIN} {args}"), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .env("SEEDANCE_OUTPUT_DIR", out)
        .env("SEEDANCE_DATA_DIR", out.join(".journal"))
        .env("SEEDANCE_SIM_SECONDS", "2")
        .output()
        .expect("util-linux `script` runs the binary under a pseudo-terminal");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).replace('\r', "")
}

#[test]
fn at_a_terminal_the_cli_prints_lines_for_people_and_json_on_request() {
    let out = tempfile::tempdir().unwrap();
    let waited = at_a_terminal(
        out.path(),
        "submit --prompt 'a paper boat' --duration 4 --wait",
    );
    assert!(waited.contains("Submitted task sim-"), "{waited}");
    assert!(waited.contains("Task sim-"), "{waited}");
    assert!(waited.contains(": succeeded\nSaved: "), "{waited}");
    assert!(!waited.contains('{'), "no JSON for people: {waited}");
    let listed = at_a_terminal(out.path(), "list");
    assert!(listed.contains("#1 "), "{listed}");
    assert!(listed.contains("succeeded"), "{listed}");
    assert!(listed.contains("a paper boat"), "{listed}");
    let json = at_a_terminal(out.path(), "list --json");
    let start = json.find('{').expect("a JSON document");
    let listed: Value = serde_json::from_str(&json[start..]).unwrap();
    assert_eq!(listed["tasks"][0]["status"], "succeeded", "{listed}");
}

/// At a terminal the simulator notice is said once, plainly (no log timestamp or
/// level), INFO lines wait for `-v`, a `--wait` submit does not tell the user to
/// run `wait` next, and a dry run's next step speaks of the CLI, not a tool.
#[test]
fn at_a_terminal_the_cli_is_quiet_and_speaks_cli() {
    let out = tempfile::tempdir().unwrap();
    let waited = at_a_terminal(
        out.path(),
        "submit --prompt 'a paper boat' --duration 4 --wait",
    );
    assert_eq!(
        waited.matches("SIMULATED PROVIDER").count(),
        1,
        "the notice once: {waited}"
    );
    assert!(!waited.contains(" WARN "), "no log line: {waited}");
    assert!(!waited.contains(" INFO "), "INFO only with -v: {waited}");
    assert!(
        !waited.contains("Next: seedance-mcp wait"),
        "already waiting: {waited}"
    );
    let dry = at_a_terminal(out.path(), "submit --prompt 'a kite' --dry-run true");
    assert!(!dry.contains("submit_task"), "CLI words: {dry}");
    assert!(dry.contains("without --dry-run"), "{dry}");
    let verbose = at_a_terminal(out.path(), "-v submit --prompt 'a kite'");
    assert!(verbose.contains("INFO"), "-v shows INFO: {verbose}");
}

fn help(args: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let output = command(out.path()).args(args).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Help is current: `--provider` names every provider of the registry, `get` lists
/// its aliases once, and flags appear only under the commands they change.
#[test]
fn help_names_every_provider_and_shows_flags_only_where_they_matter() {
    let top = help(&["--help"]);
    for entry in seedance_mcp::providers::registry::entries() {
        assert!(
            top.contains(entry.id.as_str()),
            "{}: {top}",
            entry.id.as_str()
        );
    }
    assert_eq!(
        top.matches("download").count(),
        1,
        "`get` aliases once: {top}"
    );
    let skill = help(&["skill", "install", "--help"]);
    for flag in [
        "--provider",
        "--daily-budget",
        "--xskill-api-key",
        "--sim-seconds",
    ] {
        assert!(
            !skill.contains(flag),
            "{flag} does not change skill: {skill}"
        );
    }
    let submit = help(&["submit", "--help"]);
    for flag in [
        "--provider",
        "--daily-budget",
        "--max-cost-per-task",
        "--sim-seconds",
    ] {
        assert!(submit.contains(flag), "{flag} changes submit: {submit}");
    }
    let balance = help(&["balance", "--help"]);
    for flag in ["--daily-budget", "--sim-seconds", "--allowed-dirs"] {
        assert!(
            !balance.contains(flag),
            "{flag} does not change balance: {balance}"
        );
    }
    assert!(balance.contains("--provider"), "{balance}");
}

/// `--provider foo` with no variable set blames the flag, not `SEEDANCE_PROVIDER`.
#[test]
fn an_unknown_provider_flag_is_named_as_the_flag() {
    let out = tempfile::tempdir().unwrap();
    let output = command(out.path())
        .args(["--provider", "foo", "balance"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--provider foo is not a provider"),
        "{stderr}"
    );
    assert!(!stderr.contains("SEEDANCE_PROVIDER=foo"), "{stderr}");
    let output = command(out.path())
        .env("SEEDANCE_PROVIDER", "foo")
        .arg("balance")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SEEDANCE_PROVIDER=foo is not a provider"),
        "{stderr}"
    );
}
