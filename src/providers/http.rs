//! The HTTP plumbing under [`super::api`]: one client with timeouts, bounded body
//! reads, `Retry-After` parsing, transport-error mapping, result downloads and the
//! retry loop.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::{RequestBuilder, StatusCode, header::HeaderMap};

use crate::{error::ProviderError, providers::ProviderId};

/// Time to establish a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest pause between two chunks of a download.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// API answers larger than this are not JSON we want: refuse rather than buffer.
pub const MAX_API_BODY: usize = 4 * 1024 * 1024;

/// A client builder whose TLS runs on ring. reqwest is built without a crypto
/// provider of its own (the default, aws-lc-rs, would add about 3 MB), so ring is
/// installed as the process default before the first client; later calls find
/// it installed and change nothing.
pub fn client_builder() -> reqwest::ClientBuilder {
    // An error only says a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// Builds the shared client. Per-request timeouts are set by the callers; the
/// read timeout guards downloads, which have no total limit.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    client_builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
}

/// Characters left as they are in a path segment: RFC 3986's unreserved set.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A task id (or any caller-given text) made safe to put in a URL path as one
/// segment. Task ids come from the agent: unescaped, `../balance` or `x?y=1`
/// would send the API key to another endpoint than the task's.
pub fn path_segment(text: &str) -> String {
    // `.` and `..` are unreserved yet mean "this/parent folder" to URL parsers.
    match text {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => percent_encoding::utf8_percent_encode(text, PATH_SEGMENT).to_string(),
    }
}

/// A response read into memory, with the bits error mapping needs.
#[derive(Debug)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// How long the server asked us to wait, from `Retry-After`.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Bytes,
    /// The headers in [`KEPT_HEADERS`], for an answer kept for a bug report.
    pub headers: Vec<(String, String)>,
}

/// Response headers worth keeping with an answer that could not be read: what
/// the body is and who answered (request ids let a provider find the call).
pub const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "date",
    "server",
    "via",
    "retry-after",
    "x-request-id",
    "x-client-request-id",
    "request-id",
    "x-tt-logid",
    "x-amzn-requestid",
    "cf-ray",
];

impl ApiResponse {
    /// The first few hundred characters of the body, for error messages.
    pub fn snippet(&self) -> String {
        snippet(&self.body)
    }
}

/// Sends a request and reads at most [`MAX_API_BODY`] bytes of the answer.
pub async fn send(
    provider: ProviderId,
    request: RequestBuilder,
) -> Result<ApiResponse, ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(provider, &e))?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let headers = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(*name)?;
            Some((
                (*name).to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect();
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| transport_error(provider, &e))?;
        if body.len() + chunk.len() > MAX_API_BODY {
            return Err(ProviderError::Upstream {
                provider,
                status: Some(status.as_u16()),
                message: format!("answer larger than {MAX_API_BODY} bytes; refusing to read it"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(ApiResponse {
        status,
        retry_after,
        body: body.into(),
        headers,
    })
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and is ignored).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Maps a transport failure. The message names what happened but not the URL's
/// query, and never a header (the key travels in a header).
pub fn transport_error(provider: ProviderId, error: &reqwest::Error) -> ProviderError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "connection broke while reading the answer"
    } else {
        "request failed"
    };
    let host = error
        .url()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    // The innermost cause ("connection closed before message completed") says
    // what the network did; it carries no URL or header.
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let detail = if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        String::new()
    } else {
        format!(": {cause}")
    };
    ProviderError::Upstream {
        provider,
        status: error.status().map(|s| s.as_u16()),
        message: format!("{what}{detail} ({host})"),
    }
}

/// A printable, bounded excerpt of a body. An HTML page (a proxy's or load
/// balancer's error page) is named by its title instead of quoted.
pub fn snippet(body: &[u8]) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.starts_with('<') {
        let lower = trimmed.to_ascii_lowercase();
        let title = lower
            .find("<title>")
            .and_then(|start| {
                let from = start + "<title>".len();
                let end = lower[from..].find("</title>")? + from;
                trimmed.get(from..end)
            })
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty() && t.len() <= 120);
        return match title {
            Some(title) => format!("an HTML page titled \"{title}\" instead of JSON"),
            None => "an HTML page instead of JSON".to_owned(),
        };
    }
    match trimmed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", trimmed.get(..cut).unwrap_or_default()),
        None => trimmed.to_owned(),
    }
}

/// Streams a GET of a result URL.
pub async fn download(
    provider: ProviderId,
    client: &reqwest::Client,
    url: &str,
) -> Result<super::Download, ProviderError> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport_error(provider, &e))?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND
        || status == StatusCode::GONE
        || status == StatusCode::FORBIDDEN
    {
        return Err(ProviderError::NotFound {
            provider,
            what: "result file".to_owned(),
            message: format!(
                "HTTP {} for the result URL; it may have expired (they last about 24 h)",
                status.as_u16()
            ),
        });
    }
    if !status.is_success() {
        return Err(ProviderError::Upstream {
            provider,
            status: Some(status.as_u16()),
            message: "result download failed".to_owned(),
        });
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let expected_len = response.content_length();
    let body = response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| transport_error(provider, &e)))
        .boxed();
    Ok(super::Download {
        content_type,
        expected_len,
        body,
    })
}

/// A call's attempts and waits together stay within this, well inside the ~60 s
/// an MCP client waits for a tool. The budget is time, not a count of attempts:
/// a burst of quick failures is ridden out as well as one slow one.
const RETRY_BUDGET: Duration = Duration::from_secs(20);

/// The retry budget of a call whose attempts may each take `api_timeout`: twice
/// that, at most [`RETRY_BUDGET`]. Whoever shortens the timeout wants answers,
/// good or bad, sooner.
pub fn retry_budget(api_timeout: Duration) -> Duration {
    (api_timeout * 2).min(RETRY_BUDGET)
}
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Whether a failure may be retried by a call that is safe to repeat: connection
/// failures, rate limits, 408, 409 (an idempotent request still in progress) and
/// 5xx. Never anything the caller must fix.
pub fn is_transient(error: &ProviderError) -> bool {
    match error {
        ProviderError::RateLimited { .. } => true,
        ProviderError::Upstream { status, .. } => {
            status.is_none_or(|s| s == 408 || s == 409 || s >= 500)
        }
        _ => false,
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the retry budget is spent.
/// Only for calls that are safe to repeat: reads, and creates that carry an
/// idempotency key the provider honours. Waits honour `Retry-After`, otherwise
/// back off exponentially with jitter.
pub async fn with_retries<T, F, Fut>(budget: Duration, mut attempt: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let started = tokio::time::Instant::now();
    let mut backoff = Duration::from_millis(500);
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !is_transient(&error) {
            return Err(error);
        }
        let asked = match &error {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        };
        let jitter = Duration::from_millis(rand::random_range(0..250));
        let wait = asked.unwrap_or(backoff + jitter);
        if started.elapsed() + wait > budget {
            return Err(error);
        }
        tracing::info!(error = %error, wait_ms = wait.as_millis() as u64, "retrying after a transient failure");
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_path_segment_cannot_climb_or_add_a_query() {
        assert_eq!(path_segment("cgt-2025_a.b~c"), "cgt-2025_a.b~c");
        assert_eq!(path_segment("../balance"), "..%2Fbalance");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("a?b=1#c"), "a%3Fb%3D1%23c");
        assert_eq!(path_segment("id+batch 2"), "id%2Bbatch%202");
    }

    fn unavailable() -> ProviderError {
        ProviderError::Upstream {
            provider: crate::domain::test_id("xskill"),
            status: Some(503),
            message: "HTTP 503".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_quick_failures_is_ridden_out_within_the_time_budget() {
        let tries = AtomicUsize::new(0);
        let answer = with_retries(RETRY_BUDGET, || async {
            match tries.fetch_add(1, Ordering::SeqCst) {
                0..5 => Err(unavailable()),
                _ => Ok("status"),
            }
        })
        .await;
        assert_eq!(answer.unwrap(), "status");
        assert_eq!(tries.load(Ordering::SeqCst), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_budget_and_never_for_what_the_caller_must_fix() {
        let started = tokio::time::Instant::now();
        let tries = AtomicUsize::new(0);
        let answer: Result<(), _> = with_retries(Duration::from_secs(20), || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(unavailable())
        })
        .await;
        assert!(answer.is_err());
        assert!(
            started.elapsed() <= Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(tries.load(Ordering::SeqCst) >= 6, "{tries:?}");

        let tries = AtomicUsize::new(0);
        let answer: Result<(), _> = with_retries(RETRY_BUDGET, || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::NotFound {
                provider: crate::domain::test_id("xskill"),
                what: "task t1".into(),
                message: "no such task".into(),
            })
        })
        .await;
        assert!(answer.is_err());
        assert_eq!(tries.load(Ordering::SeqCst), 1);
        assert_eq!(retry_budget(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(retry_budget(Duration::from_secs(30)), RETRY_BUDGET);
    }
}
