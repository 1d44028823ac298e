//! Shared test fixtures: servers over the simulator or the xskill fake, in-process
//! MCP clients, and the real binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod media;
pub mod node;
pub mod python;

use std::{path::Path, sync::Arc};

use provider_fakes::{FakeControl, xskill::FakeXskill};
use rmcp::{
    ClientHandler, RoleClient, ServiceExt,
    model::{CallToolRequestParams, ProgressNotificationParam},
    service::{NotificationContext, RunningService},
};
use seedance_mcp::{
    config::{Config, Settings},
    mcp::{SeedanceServer, transport},
    providers::Provider,
    service::{GetTaskOutput, Service, SubmitTaskOutput, media::LocalScope},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

/// A simulated task finishes this fast in tests.
pub const SIM_SECONDS: f64 = 0.3;

/// Settings as if no env var were set, results in `out`.
pub fn settings(out: &Path) -> Settings {
    Settings {
        output_dir: Some(out.to_owned()),
        data_dir: Some(out.join(".journal")),
        sim_seconds: SIM_SECONDS,
        // The fakes serve media at 127.0.0.1, which real providers could not fetch.
        private_media_urls: true,
        ..Settings::default()
    }
}

/// Settings that point an Ark backend (BytePlus unless the fake is Volcengine) at a running fake.
pub fn ark_settings(fake: &provider_fakes::ark::FakeArk, out: &Path) -> Settings {
    let region = match fake.region() {
        provider_fakes::ark::ArkRegion::Volcengine => "volcengine",
        _ => "byteplus",
    };
    settings(out).with_provider(region, fake.api_key(), &fake.base_url())
}

/// Settings that point the seed2.io backend at a running fake.
pub fn seed2_settings(fake: &provider_fakes::seed2::FakeSeed2, out: &Path) -> Settings {
    settings(out).with_provider("seed2", fake.api_key(), &fake.base_url())
}

/// Settings that point the seedance2ai.io backend at a running fake.
pub fn seedance2ai_settings(
    fake: &provider_fakes::seedance2ai::FakeSeedance2ai,
    out: &Path,
) -> Settings {
    settings(out).with_provider("seedance2ai", fake.api_key(), &fake.base_url())
}

/// Settings that point the xskill backend at a running fake.
pub fn xskill_settings(fake: &FakeXskill, out: &Path) -> Settings {
    settings(out).with_provider("xskill", fake.api_key(), &fake.base_url())
}

/// The provider and service the settings select.
pub fn service(settings: &Settings) -> (Arc<dyn Provider>, Service) {
    let config = Config::from_settings(settings).unwrap();
    let journal = seedance_mcp::journal::Journal::open(&config.data_dir).unwrap();
    service_on(settings, journal)
}

/// A server as a team server replica runs it: its journal in the PostgreSQL
/// database at `url` (see [`postgres_url`]), and, like a process of its own,
/// its own id in the journal's shared status checks.
pub async fn replica(settings: &Settings, url: &str) -> SeedanceServer {
    let journal = seedance_mcp::journal::Journal::connect(url).await.unwrap();
    let config = Config::from_settings(settings).unwrap();
    let service = service_on(settings, journal).1.as_separate_replica();
    SeedanceServer::new(service, config.simulation_notice())
}

fn service_on(
    settings: &Settings,
    journal: seedance_mcp::journal::Journal,
) -> (Arc<dyn Provider>, Service) {
    let config = Config::from_settings(settings).unwrap();
    let provider = config.build_provider().unwrap();
    (
        provider.clone(),
        Service::new(provider, config.output_dir, journal)
            .with_private_media_urls(settings.private_media_urls)
            .with_spend_limits(config.spend)
            .with_local_files(config.allowed_dirs, LocalScope::ClientRoots(Vec::new())),
    )
}

/// An MCP server for the settings.
pub fn server(settings: &Settings) -> SeedanceServer {
    let config = Config::from_settings(settings).unwrap();
    SeedanceServer::new(service(settings).1, config.simulation_notice())
}

/// An rmcp client talking to `server` over in-memory pipes.
pub async fn connect(server: SeedanceServer) -> RunningService<RoleClient, ()> {
    connect_with(server, ()).await
}

/// Like [`connect`], with a client handler that hears notifications.
pub async fn connect_with<H: ClientHandler>(
    server: SeedanceServer,
    handler: H,
) -> RunningService<RoleClient, H> {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let (read, write) = tokio::io::split(server_io);
    tokio::spawn(async move {
        let _ = transport::serve_io(server, read, write).await;
    });
    handler.serve(client_io).await.unwrap()
}

/// Records progress notifications as an MCP client sees them.
#[derive(Clone, Default)]
pub struct ProgressRecorder(pub Arc<std::sync::Mutex<Vec<ProgressNotificationParam>>>);

impl ProgressRecorder {
    /// How many notifications arrived so far.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl ClientHandler for ProgressRecorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.0.lock().unwrap().push(params);
    }
}

/// Calls a tool and returns (is_error, structured content or text).
pub async fn call<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: Value,
) -> (bool, Value) {
    let Value::Object(arguments) = args else {
        panic!("arguments must be an object")
    };
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap();
    let is_error = result.is_error.unwrap_or(false);
    let value = match result.structured_content {
        Some(v) => v,
        None => {
            let text = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<String>();
            json!(text)
        }
    };
    (is_error, value)
}

/// Calls a tool that must succeed and reads its structured result as `T`, the
/// type the server serialises (see [`typed`]).
pub async fn call_ok<T: DeserializeOwned + Serialize, H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: Value,
) -> T {
    let shown = args.to_string();
    let (is_error, value) = call(client, tool, args).await;
    assert!(!is_error, "{tool} {shown} failed: {value}");
    typed(&value)
}

/// Calls a tool that must fail and returns the error's text (`kind: message`).
pub async fn call_err<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: Value,
) -> String {
    let shown = args.to_string();
    let (is_error, value) = call(client, tool, args).await;
    assert!(is_error, "{tool} {shown} should have been refused: {value}");
    match value {
        Value::String(text) => text,
        other => panic!("{tool} {shown}: an error result carries text, got {other}"),
    }
}

/// A tool's structured result read as `T`. A missing or retyped field fails
/// naming its path; so does any difference between what was sent and what `T`
/// serialises back to: a field `T` does not know, or a `null` where an empty
/// optional field must be left out.
pub fn typed<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    let name = std::any::type_name::<T>();
    let parsed: T = serde_path_to_error::deserialize(value).unwrap_or_else(|e| {
        panic!(
            "the result is not a {name}: at `{}`: {}\n{value:#}",
            e.path(),
            e.inner()
        )
    });
    let back = serde_json::to_value(&parsed).unwrap();
    let mut differ = Vec::new();
    differences(value, &back, "", &mut differ);
    assert!(
        differ.is_empty(),
        "the result does not serialise back from a {name}: it differs at {differ:?} \
         (a field the type does not have, or a null where it leaves the field out)\n{value:#}"
    );
    parsed
}

/// The paths (`a.b[0]`) at which `sent` and `back` differ.
fn differences(sent: &Value, back: &Value, path: &str, out: &mut Vec<String>) {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(x, y, &here, out),
                    _ => out.push(here),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (n, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}[{n}]"), out);
            }
        }
        (a, b) if a != b => out.push(if path.is_empty() {
            ".".into()
        } else {
            path.into()
        }),
        _ => {}
    }
}

/// Submits and polls until the task finishes; returns the last get_task output.
pub async fn submit_and_wait<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    args: Value,
) -> GetTaskOutput {
    let submitted: SubmitTaskOutput = call_ok(client, "submit_task", args).await;
    let task_id = submitted.task_id.expect("a submitted task has a task_id");
    for _ in 0..200 {
        let task: GetTaskOutput = call_ok(client, "get_task", json!({ "task_id": task_id })).await;
        if task.finished {
            return task;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("task {task_id} never finished");
}

/// The real binary serving streamable HTTP; killed when dropped. Its stderr is
/// drained all the time (a full pipe would stall the server) and kept for asserts.
pub struct HttpBinary {
    child: std::process::Child,
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    log: Arc<std::sync::Mutex<String>>,
}

impl HttpBinary {
    /// Runs `serve --http <bind>` (port 0 picks a free one) on the simulator with
    /// results in `out`, plus `env`, in an otherwise clean environment.
    pub fn start(bind: &str, out: &Path, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seedance-mcp"));
        command
            .args(["serve", "--http", bind])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SEEDANCE_OUTPUT_DIR", out)
            .env("SEEDANCE_DATA_DIR", out.join(".journal"))
            .env("SEEDANCE_SIM_SECONDS", SIM_SECONDS.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("serving MCP over streamable HTTP")
                    && let Some(addr) = line
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix("address="))
                        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
                {
                    let _ = tx.send(addr);
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let Ok(addr) = rx.recv_timeout(std::time::Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary never served HTTP:\n{}", log.lock().unwrap());
        };
        Self { child, addr, log }
    }

    /// `http://ADDR/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Everything it wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for HttpBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A URL to a fresh, empty PostgreSQL schema for one test, or `None` (after
/// saying so on stderr) where no server answers. Where `.ci/run` requires
/// PostgreSQL, a missing server fails the test instead.
pub async fn postgres_url() -> Option<String> {
    use seedance_mcp::journal::postgres::testing;
    match testing::fresh().await {
        Ok(db) => Some(db.url),
        Err(e) if testing::required() => panic!("{e}"),
        Err(e) => {
            // Past the harness's capture, so the skip is seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED on PostgreSQL: {e}\n").as_bytes(),
            );
            None
        }
    }
}
