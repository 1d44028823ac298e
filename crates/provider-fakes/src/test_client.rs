//! What the fakes' own tests use to talk to them over real HTTP.

#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::Value;

/// An answer as the tests inspect it.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

thread_local! {
    /// One client per test thread: building a client costs more than the
    /// request. No pooling, so nothing outlives the test's runtime.
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

/// A request to `path` under the fake's base URL, carrying its key.
pub(crate) fn keyed(
    fake: &impl crate::FakeControl,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    client()
        .request(method, format!("{}{path}", fake.base_url()))
        .bearer_auth(fake.api_key())
}

/// Reads a task with `read` until the status `status_of` finds in the answer
/// is settled; returns every status seen and the last answer.
pub(crate) async fn poll_to_end<F: Future<Output = Reply>>(
    read: impl Fn() -> F,
    status_of: fn(&Value) -> &Value,
) -> (Vec<String>, Value) {
    let mut seen = Vec::new();
    for _ in 0..20 {
        let reply = read().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let status = status_of(&reply.body).as_str().unwrap().to_owned();
        seen.push(status.clone());
        if !["pending", "processing", "queued", "running"].contains(&status.as_str()) {
            return (seen, reply.body);
        }
    }
    panic!("the task never settled: {seen:?}");
}

/// `count` distinct https image URLs.
pub(crate) fn urls(count: usize) -> Vec<String> {
    (0..count)
        .map(|index| format!("https://example.com/{index}.png"))
        .collect()
}
