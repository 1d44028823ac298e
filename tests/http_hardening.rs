//! Streamable HTTP made safe to expose: the bearer token on every /mcp request,
//! Host/Origin allow-lists on a public bind, the session cap and idle expiry, the
//! body limit, and a binary that refuses a public address without a token and
//! never logs the token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use rmcp::{
    ServiceExt,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use seedance_mcp::{
    config::http::HttpConfig, domain::TaskStatus, mcp::transport::serve_http, secret::Secret,
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "tok-7d1e9b3f5a2c";

/// Serves in-process on `bind` until the returned token is cancelled.
async fn start(bind: &str, http: HttpConfig) -> (SocketAddr, CancellationToken) {
    start_in(tempfile::tempdir().unwrap(), bind, http).await
}

/// [`start`] with the simulator's output and journal in `out` (kept while it serves).
async fn start_in(
    out: tempfile::TempDir,
    bind: &str,
    http: HttpConfig,
) -> (SocketAddr, CancellationToken) {
    let server = common::server(&common::settings(out.path()));
    let shutdown = CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stop = shutdown.clone();
    let bind = bind.parse().unwrap();
    tokio::spawn(async move {
        let _out = out;
        serve_http(server, bind, http, stop, Some(tx)).await
    });
    (rx.await.unwrap(), shutdown)
}

fn with_token() -> HttpConfig {
    HttpConfig {
        token: Some(Secret::new(TOKEN)),
        ..HttpConfig::default()
    }
}

/// POSTs an `initialize` to the server at `addr` with extra headers.
async fn initialize(addr: SocketAddr, headers: &[(&str, &str)]) -> reqwest::Response {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/mcp", addr.port()))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_token_guards_every_mcp_request_but_not_healthz() {
    let (addr, shutdown) = start("127.0.0.1:0", with_token()).await;
    let missing = initialize(addr, &[]).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"seedance-mcp\""
    );
    let wrong_value = format!("Bearer {TOKEN}x");
    let wrong = initialize(addr, &[("Authorization", &wrong_value)]).await;
    assert_eq!(wrong.status(), 401);
    let challenge = wrong.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(!wrong.text().await.unwrap().contains(TOKEN));
    let basic = initialize(addr, &[("Authorization", "Basic dG9rOnRvaw==")]).await;
    assert_eq!(basic.status(), 401);

    let right_value = format!("Bearer {TOKEN}");
    let right = initialize(addr, &[("Authorization", &right_value)]).await;
    assert_eq!(right.status(), 200);
    assert!(right.headers().contains_key("mcp-session-id"));
    // The Host check comes first: a rebinding page learns nothing about the token.
    let foreign = initialize(
        addr,
        &[
            ("Authorization", &right_value),
            ("Host", "evil.example.com"),
        ],
    )
    .await;
    assert_eq!(foreign.status(), 403);
    assert_eq!(
        initialize(addr, &[("Host", "evil.example.com")])
            .await
            .status(),
        403
    );

    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let config = StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp"))
        .auth_header(TOKEN);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    assert_eq!(client.list_all_tools().await.unwrap().len(), 9);
    client.cancel().await.unwrap();
    shutdown.cancel();
}

#[tokio::test]
async fn a_public_bind_accepts_only_the_listed_hosts_and_origins() {
    let listed = HttpConfig {
        allowed_hosts: vec!["mcp.example.test".parse().unwrap()],
        allowed_origins: vec!["https://app.example.test".parse().unwrap()],
        ..with_token()
    };
    // Bound on every interface, but spoken to over loopback only.
    let (addr, shutdown) = start("0.0.0.0:0", listed).await;
    let auth = format!("Bearer {TOKEN}");
    let status = |host: &'static str, origin: Option<&'static str>| {
        let auth = auth.clone();
        async move {
            let mut headers = vec![("Authorization", auth.as_str()), ("Host", host)];
            if let Some(origin) = origin {
                headers.push(("Origin", origin));
            }
            initialize(addr, &headers).await.status().as_u16()
        }
    };
    assert_eq!(status("mcp.example.test", None).await, 200);
    assert_eq!(status("mcp.example.test:8443", None).await, 200);
    assert_eq!(status("localhost", None).await, 403);
    assert_eq!(status("evil.example.com", None).await, 403);
    assert_eq!(
        status("mcp.example.test", Some("https://app.example.test")).await,
        200
    );
    assert_eq!(
        status("mcp.example.test", Some("http://app.example.test")).await,
        403
    );
    assert_eq!(
        status("mcp.example.test", Some("https://evil.example.com")).await,
        403
    );
    assert_eq!(status("mcp.example.test", Some("null")).await, 403);
    let no_token = initialize(addr, &[("Host", "mcp.example.test")]).await;
    assert_eq!(no_token.status(), 401);
    shutdown.cancel();

    // Without a list, the bind address itself is the one Host, and no Origin passes.
    let (addr, shutdown) = start("0.0.0.0:0", with_token()).await;
    let own = format!("0.0.0.0:{}", addr.port());
    let auth = format!("Bearer {TOKEN}");
    let own_host = initialize(addr, &[("Authorization", &auth), ("Host", &own)]).await;
    assert_eq!(own_host.status(), 200);
    let loopback = format!("127.0.0.1:{}", addr.port());
    let other = initialize(addr, &[("Authorization", &auth), ("Host", &loopback)]).await;
    assert_eq!(other.status(), 403);
    let origin = initialize(
        addr,
        &[
            ("Authorization", &auth),
            ("Host", &own),
            ("Origin", "http://localhost:3000"),
        ],
    )
    .await;
    assert_eq!(origin.status(), 403);
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cap_holds_under_concurrency_and_frees_on_delete_and_idleness() {
    let idle = Duration::from_secs(3);
    let (addr, shutdown) = start(
        "127.0.0.1:0",
        HttpConfig {
            max_sessions: 2,
            session_idle: idle,
            ..HttpConfig::default()
        },
    )
    .await;
    let attempts = (0..5).map(|_| tokio::spawn(initialize(addr, &[])));
    let mut sessions = Vec::new();
    let mut refusals = Vec::new();
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status().as_u16() {
            200 => sessions.push(
                response.headers()["mcp-session-id"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            ),
            503 => refusals.push(response.json::<Value>().await.unwrap()),
            other => panic!("initialize answered {other}"),
        }
    }
    assert_eq!((sessions.len(), refusals.len()), (2, 3), "{refusals:?}");
    let message = refusals[0]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("SEEDANCE_HTTP_MAX_SESSIONS=2") && message.contains("idle"),
        "{message}"
    );
    assert_eq!(refusals[0]["id"], json!(1));

    let ended = reqwest::Client::new()
        .delete(format!("http://{addr}/mcp"))
        .header("Mcp-Session-Id", &sessions[0])
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success(), "DELETE: {}", ended.status());
    assert_eq!(
        initialize(addr, &[]).await.status(),
        200,
        "a DELETE frees a place"
    );
    assert_eq!(initialize(addr, &[]).await.status(), 503, "full again");

    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if initialize(addr, &[]).await.status() == 200 {
            break;
        }
        assert!(started.elapsed() < idle * 3, "idle sessions never closed");
    }
    assert!(started.elapsed() >= idle / 2, "closed before being idle");
    shutdown.cancel();
}

#[tokio::test]
async fn bodies_over_16_mib_are_refused_with_413() {
    let (addr, shutdown) = start("127.0.0.1:0", HttpConfig::default()).await;
    let padding = "x".repeat(17 << 20);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": padding}})
        .to_string();
    let session = initialize(addr, &[]).await.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    for session in [None, Some(session)] {
        let mut request = reqwest::Client::new()
            .post(format!("http://{addr}/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("Mcp-Protocol-Version", "2025-06-18")
            .body(body.clone());
        if let Some(session) = &session {
            request = request.header("Mcp-Session-Id", session);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 413, "session {session:?}");
    }
    shutdown.cancel();
}

/// Runs the binary to its exit (at most 60 s) and returns (success, stderr).
fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seedance-mcp"));
    command
        .args(args)
        .env_clear()
        .env("SEEDANCE_OUTPUT_DIR", out.path())
        .env("SEEDANCE_DATA_DIR", out.path().join(".journal"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("seedance-mcp {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_binary_refuses_a_public_address_without_a_token_or_with_a_bad_list() {
    let (ok, stderr) = run_to_exit(&["serve", "--http", "0.0.0.0:0"], &[]);
    assert!(!ok);
    assert!(
        stderr.contains("SEEDANCE_HTTP_TOKEN") && stderr.contains("0.0.0.0"),
        "{stderr}"
    );
    let (ok, stderr) = run_to_exit(
        &["serve", "--http", "0.0.0.0:0"],
        &[
            ("SEEDANCE_HTTP_TOKEN", TOKEN),
            ("SEEDANCE_HTTP_ALLOWED_HOSTS", "https://mcp.example.test"),
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("SEEDANCE_HTTP_ALLOWED_HOSTS") && stderr.contains("not a URL"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_never_logs_the_token_even_at_trace_level() {
    let out = tempfile::tempdir().unwrap();
    let binary = common::HttpBinary::start(
        "127.0.0.1:0",
        out.path(),
        &[("SEEDANCE_HTTP_TOKEN", TOKEN), ("SEEDANCE_LOG", "trace")],
    );
    let addr = binary.addr;
    let wrong = format!("Bearer {TOKEN}-guess");
    assert_eq!(
        initialize(addr, &[("Authorization", &wrong)])
            .await
            .status(),
        401
    );
    let config = StreamableHttpClientTransportConfig::with_uri(binary.url()).auth_header(TOKEN);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let task = common::submit_and_wait(&client, json!({"prompt": "a lighthouse at dusk"})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    client.cancel().await.unwrap();
    let log = binary.log();
    assert!(
        log.contains("CallToolRequest"),
        "trace logging was on: {log}"
    );
    assert!(!log.contains(TOKEN), "the token is in the log");
}

/// Serves a journal that holds users' tokens (made as `seedance-mcp token create`
/// makes them); returns the tokens of "ana" and "bo".
async fn start_with_users(
    bind: &str,
    http: HttpConfig,
) -> (
    SocketAddr,
    CancellationToken,
    [String; 2],
    seedance_mcp::journal::Journal,
) {
    let out = tempfile::tempdir().unwrap();
    let journal = seedance_mcp::journal::Journal::open(&out.path().join(".journal")).unwrap();
    let mut tokens = Vec::new();
    for user in ["ana", "bo"] {
        let new = seedance_mcp::journal::tokens::NewToken {
            user: user.into(),
            daily_budget: None,
            max_cost_per_task: None,
        };
        tokens.push(journal.create_token(new).await.unwrap().1);
    }
    let (addr, shutdown) = start_in(out, bind, http).await;
    let [ana, bo]: [String; 2] = tokens.try_into().unwrap();
    (addr, shutdown, [ana, bo], journal)
}

#[tokio::test]
async fn users_tokens_let_their_users_in_until_revoked_and_the_shared_token_still_works() {
    let (addr, shutdown, [ana, bo], journal) = start_with_users("127.0.0.1:0", with_token()).await;
    let bearer = |token: &str| format!("Bearer {token}");
    assert_eq!(initialize(addr, &[]).await.status(), 401);
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(&ana))])
            .await
            .status(),
        200
    );
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(&bo))])
            .await
            .status(),
        200
    );
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(TOKEN))])
            .await
            .status(),
        200
    );
    let guess = format!("{ana}x");
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(&guess))])
            .await
            .status(),
        401
    );
    assert_eq!(journal.revoke_tokens("ana".into()).await.unwrap(), 1);
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(&ana))])
            .await
            .status(),
        401
    );
    assert_eq!(
        initialize(addr, &[("Authorization", &bearer(&bo))])
            .await
            .status(),
        200
    );
    shutdown.cancel();
}

#[tokio::test]
async fn with_users_and_no_shared_token_a_loopback_server_asks_everyone_for_a_token() {
    let (addr, shutdown, [ana, _], journal) =
        start_with_users("127.0.0.1:0", HttpConfig::default()).await;
    assert_eq!(initialize(addr, &[]).await.status(), 401);
    let with_ana = format!("Bearer {ana}");
    assert_eq!(
        initialize(addr, &[("Authorization", &with_ana)])
            .await
            .status(),
        200
    );
    // Once no user is left, a loopback server is open again, as without users.
    assert_eq!(journal.revoke_tokens("ana".into()).await.unwrap(), 1);
    assert_eq!(journal.revoke_tokens("bo".into()).await.unwrap(), 1);
    assert_eq!(initialize(addr, &[]).await.status(), 200);
    shutdown.cancel();
}
