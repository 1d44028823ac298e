//! Keys never leak: a whole session against the xskill fake, with trace-level
//! logging, and the key appears in no stdout line, no log line, no tool result and
//! no byte of the journal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    process::{Command, Stdio},
};

use provider_fakes::{
    FakeControl,
    xskill::{FakeXskill, FakeXskillConfig},
};
use seedance_mcp::service::SubmitTaskOutput;
use serde_json::{Value, json};

const KEY: &str = "sk-secret-4f9a2c7e1b";

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_appears_in_no_output_log_result_or_journal() {
    let fake = FakeXskill::start_with(FakeXskillConfig {
        api_key: KEY.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let base = fake.base_url();
    let dir = out.path().to_owned();
    let (stdout, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
            .env_clear()
            .env("XSKILL_API_KEY", KEY)
            .env("XSKILL_BASE_URL", base)
            .env("SEEDANCE_OUTPUT_DIR", &dir)
            .env("SEEDANCE_DATA_DIR", dir.join(".journal"))
            .env("SEEDANCE_LOG", "trace")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut transcript = String::new();
        let mut ask = |id: u64, method: &str, params: Value| {
            writeln!(stdin, "{}", json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).unwrap();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            transcript.push_str(&line);
            serde_json::from_str::<Value>(&line).unwrap()
        };
        ask(1, "initialize", json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}));
        let call = |name: &str, arguments: Value| json!({"name": name, "arguments": arguments});
        ask(2, "tools/call", call("get_balance", json!({})));
        let submitted = ask(3, "tools/call", call("submit_task", json!({"prompt": "a quiet lake"})));
        // The session is raw JSON-RPC (the test reads every byte of it); the
        // result inside is read as its type.
        let submitted: SubmitTaskOutput =
            common::typed(&submitted["result"]["structuredContent"]);
        let task_id = submitted.task_id.unwrap();
        for n in 0..4 {
            ask(4 + n, "tools/call", call("get_task", json!({"task_id": task_id})));
        }
        ask(10, "tools/call", call("upload_image", json!({"image_data": "aGVsbG8="})));
        ask(11, "tools/call", call("get_task", json!({"task_id": "task_missing"})));
        ask(12, "tools/call", call("list_tasks", json!({})));
        drop(stdin);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        transcript.push_str(&rest);
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        child.wait().unwrap();
        (transcript, stderr)
    })
    .await
    .unwrap();
    assert!(
        stdout.contains("succeeded"),
        "the session did real work: {stdout}"
    );
    assert!(stderr.len() > 1000, "trace logging was on");
    assert!(!stdout.contains(KEY), "the key leaked into a tool result");
    assert!(!stderr.contains(KEY), "the key leaked into the logs");
    for entry in std::fs::read_dir(out.path().join(".journal")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the key is in the journal"
        );
    }
    // The fake saw the key where it belongs: in the Authorization header.
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.authorized || r.path.starts_with("/cdn/"))
    );
}
