//! Streamable HTTP: an rmcp HTTP client runs a task, `/healthz` answers, foreign
//! Host and Origin headers are refused, and a non-loopback address needs a token
//! (the rest of the hardening is in http_hardening.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;

use rmcp::{ServiceExt, transport::StreamableHttpClientTransport};
use seedance_mcp::{
    domain::TaskStatus,
    mcp::transport::{TransportError, serve_http},
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

async fn start(out: &std::path::Path) -> (SocketAddr, CancellationToken) {
    start_with(out, Default::default()).await
}

async fn start_with(
    out: &std::path::Path,
    http: seedance_mcp::config::http::HttpConfig,
) -> (SocketAddr, CancellationToken) {
    let shutdown = CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = common::server(&common::settings(out));
    let token = shutdown.clone();
    tokio::spawn(async move {
        serve_http(
            server,
            "127.0.0.1:0".parse().unwrap(),
            http,
            token,
            Some(tx),
        )
        .await
    });
    (rx.await.unwrap(), shutdown)
}

#[tokio::test]
async fn an_rmcp_http_client_runs_a_task_to_completion() {
    let out = tempfile::tempdir().unwrap();
    let (addr, shutdown) = start(out.path()).await;
    let transport = StreamableHttpClientTransport::from_uri(format!("http://{addr}/mcp"));
    let client = ().serve(transport).await.unwrap();
    assert_eq!(
        client
            .peer_info()
            .unwrap()
            .server_info
            .clone()
            .unwrap()
            .name,
        "seedance-mcp"
    );
    assert_eq!(client.list_all_tools().await.unwrap().len(), 9);
    let task = common::submit_and_wait(&client, json!({"prompt": "a windmill turning"})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    client.cancel().await.unwrap();
    shutdown.cancel();
}

#[tokio::test]
async fn healthz_answers_and_foreign_hosts_and_origins_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let (addr, shutdown) = start(out.path()).await;
    let http = reqwest::Client::new();
    let health = http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let post = |host: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .post(format!("http://{addr}/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body(init.to_string());
        if let Some(host) = host {
            request = request.header("Host", host);
        }
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send()
    };
    assert_eq!(post(None, None).await.unwrap().status(), 200);
    assert_eq!(
        post(Some("evil.example.com"), None).await.unwrap().status(),
        403
    );
    assert_eq!(
        post(None, Some("https://evil.example.com"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(None, Some(&format!("http://localhost:{}", addr.port())))
            .await
            .unwrap()
            .status(),
        200
    );
    // Even a request for an unknown method is refused on Host/Origin first.
    let unknown = http
        .post(format!("http://{addr}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("Host", "evil.example.com")
        .body(json!({"jsonrpc": "2.0", "id": 2, "method": "videos/make"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 403);
    shutdown.cancel();
}

#[tokio::test]
async fn unknown_methods_get_method_not_found_before_a_session_exists() {
    let out = tempfile::tempdir().unwrap();
    let (addr, shutdown) = start(out.path()).await;
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc": "2.0", "id": 9, "method": "videos/make"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!(-32601), "{body}");
    assert_eq!(body["id"], json!(9));
    shutdown.cancel();
}

#[tokio::test]
async fn non_loopback_addresses_are_refused_without_a_token() {
    let out = tempfile::tempdir().unwrap();
    let server = common::server(&common::settings(out.path()));
    let result = serve_http(
        server,
        "0.0.0.0:0".parse().unwrap(),
        Default::default(),
        CancellationToken::new(),
        None,
    )
    .await;
    assert!(
        matches!(result, Err(TransportError::TokenRequired(_))),
        "{result:?}"
    );
}

/// POSTs one JSON-RPC message with no session id, as a load balancer might send
/// it to any replica, and returns the status, the session header and the body.
async fn post_alone(addr: SocketAddr, message: serde_json::Value) -> (u16, bool, String) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-06-18")
        .body(message.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let session = response.headers().contains_key("mcp-session-id");
    (status, session, response.text().await.unwrap())
}

#[tokio::test]
async fn a_stateless_server_answers_each_request_alone_and_streams_progress_on_the_waiting_one() {
    let out = tempfile::tempdir().unwrap();
    let http = seedance_mcp::config::http::HttpConfig {
        stateless: true,
        ..Default::default()
    };
    let (addr, shutdown) = start_with(out.path(), http).await;
    let (status, session, _) = post_alone(
        addr,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}}),
    )
    .await;
    assert_eq!((status, session), (200, false), "no session is handed out");
    // Submit and wait arrive as strangers; both are served.
    let call = |id: u32, name: &str, arguments: serde_json::Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": name, "arguments": arguments, "_meta": {"progressToken": id}}})
    };
    let (status, _, body) = post_alone(
        addr,
        call(2, "submit_task", json!({"prompt": "a lighthouse at dusk"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let task_id = body
        .split("\"task_id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no task_id in {body}"))
        .to_owned();
    let (status, _, body) = post_alone(
        addr,
        call(
            3,
            "get_task",
            json!({"task_id": task_id, "wait_seconds": 30}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let progress = body.find("notifications/progress");
    let result = body.find("\"succeeded\"");
    assert!(
        matches!((progress, result), (Some(p), Some(r)) if p < r),
        "progress streams before the result on the waiting request: {body}"
    );
    // The same tool call with the session mode on is refused without a session.
    let (addr, stateful) = start(out.path()).await;
    let (status, _, _) = post_alone(addr, call(4, "list_tasks", json!({}))).await;
    assert_ne!(status, 200, "a stateful server wants its session id");
    stateful.cancel();
    shutdown.cancel();
}
