//! Machinery every provider fake shares: a server on `127.0.0.1:0` that stops
//! when dropped, the request log, scripted failures, and small helpers.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{Router, extract::DefaultBodyLimit, http::HeaderMap, http::header};
use serde_json::Value;
use tokio::task::JoinHandle;

/// Request bodies up to this size reach the fake's own rules (axum's default
/// 2 MB is below a 10 MB image in base64, and below Ark's 64 MB request limit).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// A valid 1×1 transparent PNG, served where a fake "fetches" a URL it was given.
pub const PLACEHOLDER_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// The start of an MP4 `ftyp` box: the default "video" a fake serves, so content
/// sniffers call it video. Tests that need a playable file configure a real one.
pub const PLACEHOLDER_MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";

/// A running fake HTTP server. Dropping it stops the server and frees the port.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Binds an ephemeral loopback port and serves the router that `make_router`
    /// builds for that address (fakes put their own URL into result links).
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start(
        name: &'static str,
        make_router: impl FnOnce(SocketAddr) -> Router,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let router = make_router(addr).layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, fake = name, "fake server stopped");
            }
        });
        Ok(Self { addr, task })
    }

    /// Serves one fallback `handler` over state built for the bound address, and
    /// hands the state back so the fake's methods can inspect and steer it.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_stateful<S, H, T>(
        name: &'static str,
        make_state: impl FnOnce(SocketAddr) -> S,
        handler: H,
    ) -> std::io::Result<(Self, Arc<Mutex<S>>)>
    where
        S: Send + 'static,
        H: axum::handler::Handler<T, Arc<Mutex<S>>>,
        T: 'static,
    {
        let mut shared = None;
        let server = Self::start(name, |addr| {
            let state = Arc::new(Mutex::new(make_state(addr)));
            shared = Some(Arc::clone(&state));
            Router::new().fallback(handler).with_state(state)
        })
        .await?;
        let shared = shared.ok_or_else(|| std::io::Error::other("fake state was not built"))?;
        Ok((server, shared))
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        // Aborting the serve task drops the listener and every connection.
        self.task.abort();
    }
}

/// One HTTP request as a fake received it, before any validation.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path (and query, where the API uses one).
    pub path: String,
    /// Whether it carried the configured bearer key.
    pub authorized: bool,
    /// The body as JSON; `Null` when empty, a JSON string when it was not JSON.
    pub body: Value,
    /// The `Idempotency-Key` header, where one was sent.
    pub idempotency_key: Option<String>,
}

impl RecordedRequest {
    /// Records a request.
    pub fn new(
        method: &str,
        path: String,
        headers: &HeaderMap,
        api_key: &str,
        body: &[u8],
    ) -> Self {
        Self {
            method: method.to_owned(),
            path,
            authorized: bearer_matches(headers, api_key),
            body: body_as_json(body),
            idempotency_key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}

/// How the next created task ends once it has been polled enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Completes with result URLs.
    Succeed,
    /// Fails with this provider error text (or code, where the API has codes); its
    /// price is refunded.
    Fail(String),
    /// Runs out of time (providers that have an `expired` state).
    Expire,
}

/// An error a test asked the fake to return to the next authorised API request.
#[derive(Debug, Clone, Copy)]
pub struct ScriptedFailure {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` seconds, when given.
    pub retry_after_secs: Option<u64>,
}

/// Scripted failures, first in first out.
pub type FailureQueue = VecDeque<ScriptedFailure>;

/// Whether `Authorization: Bearer <api_key>` is present.
pub fn bearer_matches(headers: &HeaderMap, api_key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|key| key == api_key)
}

/// A body as JSON for the request log.
pub fn body_as_json(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// A panicking test thread may poison a fake's mutex; the state is still usable
/// for the remaining assertions, so take it anyway.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 64-bit FNV-1a: tiny and dependency-free, to make ids look varied but stay
/// reproducible.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Content type and extension of an image, by its magic bytes.
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("image/jpeg", "jpg"))
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(("image/webp", "webp"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.starts_with(b"BM") {
        Some(("image/bmp", "bmp"))
    } else {
        None
    }
}

/// What the fakes' own tests use to talk to them.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod test_client {
    use serde_json::Value;

    /// An answer as the tests inspect it.
    pub(crate) struct Reply {
        pub(crate) status: u16,
        pub(crate) headers: reqwest::header::HeaderMap,
        pub(crate) body: Value,
    }

    thread_local! {
        /// One client per test thread: building a TLS-capable client costs more than
        /// the request. No pooling, so nothing outlives the test's runtime.
        static CLIENT: reqwest::Client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    }

    /// The test thread's client.
    pub(crate) fn client() -> reqwest::Client {
        CLIENT.with(Clone::clone)
    }

    /// Sends and reads the answer; a body that is not JSON reads as `Null`.
    pub(crate) async fn send(request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }
}
