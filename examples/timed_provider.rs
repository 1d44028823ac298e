//! The xskill fake with tasks that finish on the wall clock, counting every status
//! query per task: for the benchmark of provider requests per task when several
//! replicas watch one task (`bench/run.py`, row "replica-polling").
//!
//! The fakes of `provider-fakes` advance a task by reads, so however many
//! replicas poll, a task there always takes the same number of status queries:
//! exactly what this benchmark must not assume. This process runs the strict
//! xskill fake (one "processing" read, then the outcome) behind a front that
//! forwards every request unchanged, except that a status query arriving before
//! its task's deadline gets the fake's last answer for that task again instead of
//! reading it once more. So a task stays "processing" until `--complete-after-secs`
//! after its create, whoever asks and however often, and every answer is one the
//! strict fake gave. The n-th task created gets the n-th duration of the list
//! (cycling).
//!
//! Prints the front's base URL on the first line of stdout and the environment a
//! `seedance-mcp` process needs on the second (as `fake_provider` does), then
//! serves until SIGINT or SIGTERM. `GET /_bench/stats` answers, per task id, the
//! status queries received (`queries`), those passed on to the fake
//! (`forwarded`), the task's duration and when the first finished answer left.
//!
//! ```sh
//! cargo run --release --example timed_provider -- --complete-after-secs 60,75
//! ```

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::Response,
    routing::get,
};
use clap::Parser;
use provider_fakes::{FakeControl, xskill};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "xskill fake whose tasks finish after a wall-clock time; counts status queries")]
struct Args {
    /// Seconds from create to finished, per task in creation order (cycling).
    #[arg(long, value_delimiter = ',', default_value = "60")]
    complete_after_secs: Vec<f64>,
}

/// What the front knows about one task.
#[derive(Debug)]
struct Watch {
    created: Instant,
    due: Duration,
    queries: u64,
    forwarded: u64,
    /// The fake's latest answer (status and body), served again before `due`.
    last: Option<(u16, Bytes)>,
    /// Seconds after the create when the first finished answer was served.
    done_after: Option<f64>,
}

struct Front {
    /// Held through each status query: two replicas asking at the same moment
    /// must not both read the fake before either answer is kept (the second read
    /// would finish the task early).
    queries: Arc<tokio::sync::Mutex<()>>,
    upstream: String,
    client: reqwest::Client,
    durations: Vec<Duration>,
    created: usize,
    tasks: BTreeMap<String, Watch>,
}

type Shared = Arc<Mutex<Front>>;

fn lock(front: &Shared) -> MutexGuard<'_, Front> {
    // A panicking handler must not wedge the benchmark: the data stays usable.
    front
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `data.status` word of an xskill answer.
fn status_word(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value
        .pointer("/data/status")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn settled(body: &[u8]) -> bool {
    status_word(body).is_some_and(|word| word != "pending" && word != "processing")
}

async fn forward(
    front: &Shared,
    method: Method,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: Bytes,
) -> Result<(u16, String, Bytes), String> {
    let (client, upstream) = {
        let front = lock(front);
        (front.client.clone(), front.upstream.clone())
    };
    let mut outgoing = client
        .request(method, format!("{upstream}{path}"))
        .body(body);
    for (name, value) in headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.send().await.map_err(|e| e.to_string())?;
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, content_type, bytes))
}

fn plain(status: u16, content_type: &str, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

async fn handle(State(front): State<Shared>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let headers = request.headers().clone();
    let Ok(body) = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024).await else {
        return plain(400, "text/plain", Bytes::from_static(b"unreadable body"));
    };
    let answer = if method == Method::POST && path.ends_with("/tasks/query") {
        let gate = Arc::clone(&lock(&front).queries);
        let _turn = gate.lock().await;
        query(&front, &path, &headers, body).await
    } else {
        let created = method == Method::POST && path.ends_with("/tasks/create");
        let answer = forward(&front, method, &path, &headers, body).await;
        if created && let Ok((200, _, bytes)) = &answer {
            let task_id = serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|v| v.pointer("/data/task_id")?.as_str().map(str::to_owned));
            if let Some(task_id) = task_id {
                let mut front = lock(&front);
                let due = front.durations[front.created % front.durations.len()];
                front.created += 1;
                front.tasks.insert(
                    task_id,
                    Watch {
                        created: Instant::now(),
                        due,
                        queries: 0,
                        forwarded: 0,
                        last: None,
                        done_after: None,
                    },
                );
            }
        }
        answer
    };
    match answer {
        Ok((status, content_type, bytes)) => plain(status, &content_type, bytes),
        Err(message) => plain(502, "text/plain", Bytes::from(message)),
    }
}

/// A status query: counted; before the deadline the last answer again, after it
/// the fake's own answer (read until it settles: the first read past the
/// deadline may still be the fake's one "processing").
async fn query(
    front: &Shared,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: Bytes,
) -> Result<(u16, String, Bytes), String> {
    let task_id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("task_id")?.as_str().map(str::to_owned));
    let Some(task_id) = task_id else {
        // Not ours to judge: the strict fake answers the malformed query.
        return forward(front, Method::POST, path, headers, body).await;
    };
    let cached = {
        let mut front = lock(front);
        match front.tasks.get_mut(&task_id) {
            None => None,
            Some(watch) => {
                watch.queries += 1;
                let early = watch.created.elapsed() < watch.due;
                match (&watch.last, early) {
                    (Some((status, bytes)), true) => Some((*status, bytes.clone())),
                    _ => None,
                }
            }
        }
    };
    if let Some((status, bytes)) = cached {
        return Ok((status, "application/json".to_owned(), bytes));
    }
    let mut answer = forward(front, Method::POST, path, headers, body.clone()).await?;
    let mut reads = 1;
    loop {
        {
            let mut guard = lock(front);
            let Some(watch) = guard.tasks.get_mut(&task_id) else {
                return Ok(answer);
            };
            let early = watch.created.elapsed() < watch.due;
            if early || settled(&answer.2) || answer.0 != 200 || reads >= 5 {
                watch.forwarded += reads;
                watch.last = Some((answer.0, answer.2.clone()));
                if settled(&answer.2) && watch.done_after.is_none() {
                    watch.done_after = Some(watch.created.elapsed().as_secs_f64());
                }
                return Ok(answer);
            }
        }
        answer = forward(front, Method::POST, path, headers, body.clone()).await?;
        reads += 1;
    }
}

async fn stats(State(front): State<Shared>) -> axum::Json<Value> {
    let front = lock(&front);
    let tasks: serde_json::Map<String, Value> = front
        .tasks
        .iter()
        .map(|(id, w)| {
            (
                id.clone(),
                json!({
                    "queries": w.queries,
                    "forwarded": w.forwarded,
                    "complete_after_s": w.due.as_secs_f64(),
                    "done_served_after_s": w.done_after,
                }),
            )
        })
        .collect();
    axum::Json(json!({ "tasks": tasks }))
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;

    let args = Args::parse();
    let durations: Vec<Duration> = args
        .complete_after_secs
        .iter()
        .map(|s| Duration::from_secs_f64(s.max(0.0)))
        .collect();
    if durations.is_empty() {
        return Err("--complete-after-secs needs at least one value".into());
    }
    // One read answers "processing", the next the outcome: the front decides when
    // that next read happens.
    let fake = xskill::FakeXskill::start_with(xskill::FakeXskillConfig {
        pending_polls: 0,
        processing_polls: 1,
        initial_balance: 10_000_000,
        ..Default::default()
    })
    .await?;
    let front: Shared = Arc::new(Mutex::new(Front {
        queries: Arc::default(),
        upstream: fake.base_url(),
        client: reqwest::Client::new(),
        durations,
        created: 0,
        tasks: BTreeMap::new(),
    }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let router = Router::new()
        .route("/_bench/stats", get(stats))
        .fallback(handle)
        .with_state(front);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{base_url}")?;
    writeln!(
        stdout,
        "SEEDANCE_PROVIDER=xskill XSKILL_API_KEY={} XSKILL_BASE_URL={base_url}",
        fake.api_key()
    )?;
    stdout.flush()?;
    drop(stdout);
    stopped().await;
    server.abort();
    drop(fake);
    Ok(())
}
