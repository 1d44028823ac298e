//! Load generator and latency probe for the benchmarks (`bench/run.py`).
//!
//! `http_load mcp`: opens `--sessions` MCP sessions over streamable HTTP (each an
//! `initialize` and a `notifications/initialized`, then every request carries the
//! `mcp-session-id` header), and has each session call one tool in a closed loop
//! for `--seconds` after `--warmup-seconds`. Answers may be `application/json` or
//! a `text/event-stream` whose `data:` lines hold the JSON-RPC response; both are
//! read. Prints one JSON object: calls, errors, calls per second, latency
//! percentiles. `--url` may be given more than once (replicas of one server):
//! sessions are spread over the URLs round-robin, each staying on its own.
//! `--mix` replaces `--tool`/`--arguments` with a list of calls that each
//! session makes in turn, starting at a different place per session.
//!
//! `http_load post`: sends the same HTTP request `--count` times over one
//! keep-alive connection (after `--warmup` unmeasured ones) and prints latency
//! percentiles: how long a provider fake takes to answer a query directly.
//!
//! Both loops are bounded in time and in count, and only talk to the given URL
//! (the benchmarks only ever give loopback URLs).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};

/// Never more calls than this in one run, whatever the time budget.
const MAX_CALLS: u64 = 5_000_000;
/// The protocol version offered: the newest one that still has sessions.
const PROTOCOL_VERSION: &str = "2025-11-25";

#[derive(Debug, Parser)]
#[command(about = "Benchmark load generator (see bench/run.py)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Runtime worker threads of this load generator.
    #[arg(long, global = true, default_value_t = 1)]
    threads: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tool calls per second over streamable HTTP.
    Mcp {
        /// The MCP endpoint, e.g. http://127.0.0.1:8931/mcp; repeat it to spread the
        /// sessions round-robin over several servers.
        #[arg(long, required = true)]
        url: Vec<String>,
        /// Concurrent sessions, each with one call in flight.
        #[arg(long, default_value_t = 1)]
        sessions: usize,
        /// Measured seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Unmeasured seconds before.
        #[arg(long, default_value_t = 1.0)]
        warmup_seconds: f64,
        /// The tool to call.
        #[arg(long, default_value = "get_balance")]
        tool: String,
        /// Its arguments, as JSON.
        #[arg(long, default_value = "{}")]
        arguments: String,
        /// Calls made in turn instead of one tool: a JSON array of
        /// `{"tool": …, "arguments": {…}}`.
        #[arg(long)]
        mix: Option<String>,
    },
    /// Latency of one plain HTTP request, repeated.
    Post {
        /// Full URL.
        #[arg(long)]
        url: String,
        /// JSON body; without it the request is a GET.
        #[arg(long)]
        body: Option<String>,
        /// Bearer key.
        #[arg(long)]
        bearer: Option<String>,
        /// Measured requests.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Unmeasured requests before.
        #[arg(long, default_value_t = 100)]
        warmup: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        match cli.command {
            Command::Mcp {
                url,
                sessions,
                seconds,
                warmup_seconds,
                tool,
                arguments,
                mix,
            } => {
                let calls = match mix {
                    Some(mix) => {
                        let mix: Vec<Call> =
                            serde_json::from_str(&mix).context("--mix is not a list of calls")?;
                        if mix.is_empty() {
                            bail!("--mix is empty");
                        }
                        mix
                    }
                    None => vec![Call {
                        tool,
                        arguments: serde_json::from_str(&arguments)
                            .context("--arguments is not JSON")?,
                    }],
                };
                let plan = LoadPlan {
                    urls: url,
                    sessions: sessions.max(1),
                    warmup: Duration::from_secs_f64(warmup_seconds.max(0.0)),
                    measure: Duration::from_secs_f64(seconds.max(0.1)),
                    calls,
                };
                mcp_load(plan).await
            }
            Command::Post {
                url,
                body,
                bearer,
                count,
                warmup,
            } => probe(&url, body, bearer, count, warmup).await,
        }
    })?;
    println!("{report}");
    Ok(())
}

/// Latency percentiles of `samples` (microseconds) in milliseconds.
fn percentiles(samples: &mut [u64]) -> Value {
    samples.sort_unstable();
    let at = |q: f64| -> f64 {
        if samples.is_empty() {
            return f64::NAN;
        }
        let index = ((samples.len() - 1) as f64 * q).round() as usize;
        samples.get(index).copied().unwrap_or_default() as f64 / 1000.0
    };
    json!({
        "p10_ms": at(0.10),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "min_ms": at(0.0),
        "max_ms": at(1.0),
    })
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------
// mcp: streamable HTTP sessions in closed loops
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct LoadPlan {
    urls: Vec<String>,
    sessions: usize,
    warmup: Duration,
    measure: Duration,
    calls: Vec<Call>,
}

/// One tool call of the load.
#[derive(Debug, Clone, serde::Deserialize)]
struct Call {
    tool: String,
    #[serde(default = "empty_object")]
    arguments: Value,
}

fn empty_object() -> Value {
    json!({})
}

/// One MCP session's headers.
struct Session {
    client: reqwest::Client,
    url: String,
    headers: HeaderMap,
}

impl Session {
    async fn open(client: reqwest::Client, url: &str) -> anyhow::Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let initialize = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "seedance-bench-http-load", "version": "1"},
            },
        });
        let response = client
            .post(url)
            .headers(headers.clone())
            .body(initialize.to_string())
            .send()
            .await
            .context("initialize")?;
        let session_id = response.headers().get("mcp-session-id").cloned();
        let status = response.status();
        let body = response.text().await?;
        let answer = rpc_answer(&body, 0);
        let Some(result) = answer.as_ref().and_then(|a| a.get("result")) else {
            bail!("initialize answered {status}: {body}");
        };
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or(PROTOCOL_VERSION)
            .to_owned();
        if let Some(id) = session_id {
            headers.insert("mcp-session-id", id);
        }
        headers.insert("mcp-protocol-version", HeaderValue::from_str(&version)?);
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let response = client
            .post(url)
            .headers(headers.clone())
            .body(initialized.to_string())
            .send()
            .await
            .context("notifications/initialized")?;
        if !response.status().is_success() {
            bail!("notifications/initialized answered {}", response.status());
        }
        Ok(Self {
            client,
            url: url.to_owned(),
            headers,
        })
    }

    /// Ends the session (HTTP DELETE), so repeated runs stay under the server's
    /// session cap.
    async fn close(&self) {
        let _ = self
            .client
            .delete(&self.url)
            .headers(self.headers.clone())
            .send()
            .await;
    }

    /// One tools/call; true when it got a result that is not an error.
    async fn call(&self, id: u64, tool: &str, arguments: &Value) -> bool {
        let request = json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments},
        });
        let sent = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .body(request.to_string())
            .send()
            .await;
        let Ok(response) = sent else {
            return false;
        };
        if !response.status().is_success() {
            return false;
        }
        let Ok(body) = response.text().await else {
            return false;
        };
        rpc_answer(&body, id)
            .and_then(|answer| answer.get("result").cloned())
            .is_some_and(|result| result.get("isError") != Some(&Value::Bool(true)))
    }
}

/// The JSON-RPC response with this id, from a JSON body or from the `data:`
/// lines of an event stream.
fn rpc_answer(body: &str, id: u64) -> Option<Value> {
    let matches = |value: &Value| value.get("id").and_then(Value::as_u64) == Some(id);
    if let Ok(value) = serde_json::from_str::<Value>(body.trim()) {
        return matches(&value).then_some(value);
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|value| matches(value))
}

/// What one session measured.
#[derive(Default)]
struct SessionTally {
    latencies_us: Vec<u64>,
    errors: u64,
}

async fn mcp_load(plan: LoadPlan) -> anyhow::Result<Value> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.sessions * 2)
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut sessions = Vec::with_capacity(plan.sessions);
    for n in 0..plan.sessions {
        let url = &plan.urls[n % plan.urls.len()];
        sessions.push(Session::open(client.clone(), url).await?);
    }
    let started = Instant::now();
    let measure_from = started + plan.warmup;
    let stop_at = measure_from + plan.measure;
    let per_session_cap = MAX_CALLS / plan.sessions as u64;
    let mut tasks = Vec::with_capacity(plan.sessions);
    for (n, session) in sessions.into_iter().enumerate() {
        let calls = plan.calls.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = SessionTally::default();
            let mut id = 1;
            while id <= per_session_cap {
                let sent = Instant::now();
                if sent >= stop_at {
                    break;
                }
                // Sessions start at different places in the mix, so every call
                // of it is in flight at any moment.
                let call = &calls[(n + id as usize) % calls.len()];
                let ok = session.call(id, &call.tool, &call.arguments).await;
                id += 1;
                if sent < measure_from {
                    continue;
                }
                if ok {
                    tally.latencies_us.push(micros(sent.elapsed()));
                } else {
                    tally.errors += 1;
                }
            }
            session.close().await;
            tally
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let tally = task.await?;
        latencies.extend(tally.latencies_us);
        errors += tally.errors;
    }
    // Calls still in flight at the deadline finish after it: count the real span.
    let span = Instant::now().saturating_duration_since(measure_from);
    let calls = latencies.len();
    let mut report = percentiles(&mut latencies);
    report["sessions"] = json!(plan.sessions);
    report["urls"] = json!(plan.urls.len());
    report["tool"] = json!(
        plan.calls
            .iter()
            .map(|c| c.tool.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    report["calls"] = json!(calls);
    report["errors"] = json!(errors);
    report["seconds"] = json!(span.as_secs_f64());
    report["calls_per_sec"] = json!(calls as f64 / span.as_secs_f64().max(1e-9));
    Ok(report)
}

// ---------------------------------------------------------------------------
// post: one request, repeated, over one connection
// ---------------------------------------------------------------------------

async fn probe(
    url: &str,
    body: Option<String>,
    bearer: Option<String>,
    count: usize,
    warmup: usize,
) -> anyhow::Result<Value> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()?;
    let count = count.clamp(1, 1_000_000);
    let mut latencies = Vec::with_capacity(count);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for round in 0..warmup.min(1_000_000) + count {
        let mut request = match &body {
            Some(body) => client
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone()),
            None => client.get(url),
        };
        request = request.header(ACCEPT, "application/json");
        if let Some(key) = &bearer {
            request = request.bearer_auth(key);
        }
        let sent = Instant::now();
        let response = request.send().await?;
        let status = response.status().as_u16();
        response.bytes().await?;
        let elapsed = sent.elapsed();
        if round >= warmup {
            latencies.push(micros(elapsed));
            *statuses.entry(status).or_default() += 1;
        }
    }
    let mut report = percentiles(&mut latencies);
    report["count"] = json!(count);
    report["statuses"] = json!(statuses);
    Ok(report)
}
