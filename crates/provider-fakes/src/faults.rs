//! A fault-injecting proxy that sits between the server and any provider fake,
//! so every provider can be tested against the failures real networks produce:
//! error bursts, rate limits, slow or broken answers, and connections dropped
//! *after* the provider acted on the request.
//!
//! Faults are scripted per path fragment and used once each, first in first out;
//! requests with no fault pending are forwarded unchanged.

use std::{
    collections::VecDeque,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use futures_util::stream;

use crate::server::{Server, lock};

/// What goes wrong with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status and body without forwarding (hostile answers).
    Respond {
        /// HTTP status.
        status: u16,
        /// The body, as bytes.
        body: Vec<u8>,
    },
    /// Answer with this status (and `Retry-After`) without forwarding.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` seconds.
        retry_after_secs: Option<u64>,
    },
    /// Answer 200 with a JSON document cut off mid-way, without forwarding.
    MalformedJson,
    /// Answer 502 with an HTML error page, as a load balancer does.
    HtmlErrorPage,
    /// Answer 200 `application/json` with this many bytes of filler.
    HugeBody(usize),
    /// Forward, but hold the answer back this long.
    Slow(Duration),
    /// Forward (the provider acts and charges), then drop the connection
    /// before the answer's body arrives.
    DropAfterForwarding,
    /// Forward, then send only the first half of the answer's body and drop.
    CutBodyHalfway,
    /// Forward (the provider acts), then merge this into the JSON answer as a
    /// JSON Merge Patch (RFC 7396): objects merge member by member, `null`
    /// removes a member, anything else replaces. A real answer with one field
    /// odd, added or missing, in shapes the provider's documents do not show.
    Patch(serde_json::Value),
}

#[derive(Debug)]
struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    faults: VecDeque<(String, Fault)>,
    /// Every path the proxy saw and the fault applied to it, in order.
    seen: Vec<(String, Option<Fault>)>,
}

/// A running fault proxy in front of `upstream`.
#[derive(Debug)]
pub struct FaultProxy {
    server: Server,
    state: Arc<Mutex<ProxyState>>,
}

impl FaultProxy {
    /// Starts a proxy forwarding to `upstream` (e.g. a fake's base URL).
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            faults: VecDeque::new(),
            seen: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        let server = Server::start("fault-proxy", move |_| {
            Router::new().fallback(handle).with_state(shared)
        })
        .await?;
        Ok(Self { server, state })
    }

    /// `http://127.0.0.1:PORT`: point the provider's base URL here.
    pub fn base_url(&self) -> String {
        self.server.origin()
    }

    /// The next request whose path contains `path_fragment` gets `fault`.
    pub fn inject(&self, path_fragment: &str, fault: Fault) {
        lock(&self.state)
            .faults
            .push_back((path_fragment.to_owned(), fault));
    }

    /// Forgets the faults not used yet.
    pub fn clear(&self) {
        lock(&self.state).faults.clear();
    }

    /// Paths seen so far, with the fault each one got.
    pub fn seen(&self) -> Vec<(String, Option<Fault>)> {
        lock(&self.state).seen.clone()
    }

    /// How many requests had a path containing `fragment`.
    pub fn count(&self, fragment: &str) -> usize {
        lock(&self.state)
            .seen
            .iter()
            .filter(|(path, _)| path.contains(fragment))
            .count()
    }
}

async fn handle(State(state): State<Arc<Mutex<ProxyState>>>, request: Request) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let (fault, upstream, client) = {
        let mut state = lock(&state);
        let position = state
            .faults
            .iter()
            .position(|(fragment, _)| path.contains(fragment.as_str()));
        let fault = position
            .and_then(|i| state.faults.remove(i))
            .map(|(_, f)| f);
        state.seen.push((path.clone(), fault.clone()));
        (fault, state.upstream.clone(), state.client.clone())
    };
    match fault {
        Some(Fault::Status {
            status,
            retry_after_secs,
        }) => {
            let mut response = plain(status, "application/json", br#"{"error":"injected"}"#.to_vec());
            if let Some(secs) = retry_after_secs
                && let Ok(value) = HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::Respond { status, body }) => plain(status, "application/json", body),
        Some(Fault::MalformedJson) => plain(200, "application/json", br#"{"code":200,"data":{"task_"#.to_vec()),
        Some(Fault::HtmlErrorPage) => plain(
            502,
            "text/html",
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
                .to_vec(),
        ),
        Some(Fault::HugeBody(bytes)) => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let chunks = bytes.div_ceil(chunk.len());
            let body = stream::iter((0..chunks).map(move |_| Ok::<_, Infallible>(chunk.clone())));
            let mut response = Response::new(Body::from_stream(body));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        other => {
            let answer = forward(&client, &upstream, &path, request).await;
            if let Some(Fault::Slow(delay)) = &other {
                tokio::time::sleep(*delay).await;
            }
            match (answer, other) {
                (Err(message), _) => plain(502, "text/plain", message.into_bytes()),
                (Ok((status, content_type, body)), Some(Fault::DropAfterForwarding)) => {
                    broken(status, content_type, body, 0)
                }
                (Ok((status, content_type, body)), Some(Fault::CutBodyHalfway)) => {
                    let half = body.len() / 2;
                    broken(status, content_type, body, half)
                }
                (Ok((status, content_type, body)), Some(Fault::Patch(patch))) => {
                    match serde_json::from_slice::<serde_json::Value>(&body) {
                        Ok(mut answer) => {
                            merge_patch(&mut answer, &patch);
                            plain(status, &content_type, answer.to_string().into_bytes())
                        }
                        // Not JSON: nothing to patch, so the answer goes as it came.
                        Err(_) => plain(status, &content_type, body.to_vec()),
                    }
                }
                (Ok((status, content_type, body)), _) => {
                    let mut response = plain(status, &content_type, body.to_vec());
                    if let Ok(length) = HeaderValue::from_str(&body.len().to_string()) {
                        response.headers_mut().insert(header::CONTENT_LENGTH, length);
                    }
                    response
                }
            }
        }
    }
}

/// Sends the request on to the fake and reads its answer.
async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    path: &str,
    request: Request,
) -> Result<(u16, String, Bytes), String> {
    let method = request.method().clone();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|e| e.to_string())?;
    let mut outgoing = client
        .request(method, format!("{upstream}{path}"))
        .body(body);
    for (name, value) in &headers {
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
        .unwrap_or("application/octet-stream")
        .to_owned();
    let body = answer.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, content_type, body))
}

/// RFC 7396: `patch` merged into `target`.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(fields) = target {
        for (key, value) in members {
            if value.is_null() {
                fields.remove(key);
            } else {
                merge_patch(fields.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn plain(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// Promises the whole body (Content-Length), sends `keep` bytes, then fails the
/// stream, which makes the server drop the connection mid-answer.
fn broken(status: u16, content_type: String, body: Bytes, keep: usize) -> Response {
    let total = body.len().max(1);
    let head = body.slice(..keep.min(body.len()));
    let parts: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(head),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected: connection dropped",
        )),
    ];
    let mut response = plain(status, &content_type, Vec::new());
    *response.body_mut() = Body::from_stream(stream::iter(parts));
    if let Ok(length) = HeaderValue::from_str(&total.to_string()) {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::merge_patch;

    #[test]
    fn a_patch_merges_objects_removes_on_null_and_replaces_the_rest() {
        let mut answer =
            json!({"code": 200, "data": {"status": "pending", "price": 10, "tags": [1]}});
        merge_patch(
            &mut answer,
            &json!({"message": null, "data": {"price": null, "tags": {"a": 1}, "extra": "x"}}),
        );
        assert_eq!(
            answer,
            json!({"code": 200, "data": {"status": "pending", "tags": {"a": 1}, "extra": "x"}})
        );
        merge_patch(&mut answer, &json!(["whole"]));
        assert_eq!(answer, json!(["whole"]));
    }
}
