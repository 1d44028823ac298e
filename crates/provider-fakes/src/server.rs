//! The HTTP side every fake shares: a server on `127.0.0.1:0` that stops when
//! dropped, and one handler that records each request, counts creates, checks
//! the key and applies scripted failures before a fake's own routes see it, so
//! no route can forget to. Also the one implementation of [`FakeControl`].

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State as Shared, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};
use tokio::task::JoinHandle;

use crate::{
    FakeControl,
    ledger::{Ledger, Lifecycle, Phase, Task, TaskOutcome},
};

/// Request bodies up to this size reach the fake's own rules (axum's default
/// 2 MB is below a 10 MB image in base64, and below Ark's 64 MB request limit).
pub(crate) const BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;

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

/// An error a test asked the fake to return to the next authorised API request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScriptedFailure {
    pub(crate) status: u16,
    pub(crate) retry_after_secs: Option<u64>,
}

/// An error answer before it is put in the API's envelope, which each fake
/// does its own way (see [`Api::envelope`]).
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    /// The API's error code, where it has string codes of its own.
    pub(crate) code: &'static str,
    /// The field at fault, where the API names it apart from the message.
    pub(crate) param: String,
    pub(crate) message: String,
    pub(crate) retry_after_secs: Option<u64>,
    /// Extra members of the error object (e.g. the credits a 402 was short of).
    pub(crate) details: Map<String, Value>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: "",
            param: String::new(),
            message: message.into(),
            retry_after_secs: None,
            details: Map::new(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn param(self, param: impl Into<String>) -> Self {
        Self {
            param: param.into(),
            ..self
        }
    }

    /// The status a test scripted, its `Retry-After`, and a message saying so;
    /// fakes whose real service words some statuses its own way adjust it.
    pub(crate) fn scripted(failure: ScriptedFailure) -> Self {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = status.canonical_reason().unwrap_or("error");
        Self {
            retry_after_secs: failure.retry_after_secs,
            ..Self::new(status, format!("{reason} (scripted by the test)"))
        }
    }

    /// The answer: this status, `body` as JSON, and `Retry-After` when set.
    pub(crate) fn respond(self, body: Value) -> Response {
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub(crate) type Answer = Result<Response, ApiError>;

pub(crate) fn json_ok(value: Value) -> Answer {
    Ok(axum::Json(value).into_response())
}

/// A result file as the fake's CDN serves it.
pub(crate) fn file((content_type, bytes): (&'static str, Vec<u8>)) -> Answer {
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// What a fake's routes see of one API request.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    /// The whole path, as the API documents it.
    pub(crate) path: &'a str,
    /// The path after [`Api::PREFIX`].
    pub(crate) route: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    /// Why the body could not be read, for APIs that answer that themselves.
    pub(crate) rejection: Option<&'a BytesRejection>,
}

/// What a test sees of one provider API's fake: how it is configured and how
/// it shows a task.
pub trait FakeApi {
    /// How a test configures the fake.
    type Config: Default;
    /// A task as tests see it.
    type Snapshot;
}

/// What makes one provider's fake its own; [`Fake`] does the rest.
pub(crate) trait Api: FakeApi + Sized + Send + 'static {
    /// What the API keeps per task beside the ledger's own bookkeeping.
    type Task: Send + 'static;
    /// For logs.
    const NAME: &'static str;
    /// Where the API's routes live; other paths are the CDN or no route.
    const PREFIX: &'static str;
    /// What [`FakeControl::base_url`] adds to the fake's address (the real
    /// base URLs of some APIs include their version path).
    const BASE_PATH: &'static str = "";
    /// Whether the request log keeps the query string (APIs that use one).
    const LOG_QUERY: bool = false;
    /// Whether a body over the limit reaches [`Api::api`] (as a rejection) for
    /// the API to refuse in its own envelope, instead of axum's plain 413.
    const OWN_BODY_LIMIT: bool = false;
    /// The failure this provider reports for a content-moderation refusal.
    const MODERATION_FAILURE: &'static str;
    /// How the API words a scripted 429, where it has words of its own.
    const RATE_LIMITED: Option<&'static str> = None;
    /// The API's word for each [`Phase`], in the order they are declared.
    const WORDS: [&'static str; 6];
    /// What a task is before its first read (APIs without a pending state
    /// start it processing).
    const STARTS: Phase = Phase::Pending;
    /// Whether the API has an expired state; without one, a timeout fails.
    const EXPIRES: bool = false;

    /// The API, its bearer key, the account's balance (`None` where the API
    /// keeps none) and the reads a task answers pending, then processing, as
    /// `config` asks.
    fn open(config: Self::Config) -> (Self, String, Option<i64>, (u32, u32));
    /// A task as tests see it.
    fn snapshot(task: &Task<Self::Task>) -> Self::Snapshot;
    /// The API's word for where a task stands.
    fn status(phase: Phase) -> &'static str {
        Self::WORDS[phase as usize]
    }

    /// Whether a request is a create, counted even when it is refused.
    fn is_create(method: &Method, route: &str) -> bool;
    /// The answer to a missing or wrong key.
    fn unauthorized() -> ApiError;
    /// The answer to a path outside the API and the CDN.
    fn no_route(method: &Method, path: &str) -> ApiError;
    /// The answer to a scripted failure.
    fn scripted(failure: ScriptedFailure) -> ApiError {
        let error = ApiError::scripted(failure);
        match Self::RATE_LIMITED {
            Some(words) if error.status == StatusCode::TOO_MANY_REQUESTS => ApiError {
                message: words.to_owned(),
                ..error
            },
            _ => error,
        }
    }
    /// A check every authorised request passes before anything else (a rate
    /// limit).
    fn admit(_state: &mut State<Self>) -> Result<(), ApiError> {
        Ok(())
    }
    /// The API's routes.
    fn api(state: &mut State<Self>, request: &Request<'_>) -> Answer;
    /// `GET /cdn/{rest}`: result files, no key needed.
    fn cdn(state: &State<Self>, method: &Method, rest: &str) -> Answer;
    /// The JSON body an error is answered with.
    fn envelope(error: &ApiError) -> Value;
    /// Turns the answer into the response (APIs that stamp every response
    /// with something of their own override it).
    fn finish(_state: &mut State<Self>, answer: Answer) -> Response {
        answer.unwrap_or_else(|error| {
            let body = Self::envelope(&error);
            error.respond(body)
        })
    }
    /// Leaves the account unable to pay for the next task.
    fn make_unable_to_pay(state: &mut State<Self>) {
        state.ledger.set_balance(0);
    }
}

/// A fake's state, behind one lock: every request is handled whole under it.
pub(crate) struct State<A: Api> {
    /// The provider's own configuration and state.
    pub(crate) api: A,
    pub(crate) ledger: Ledger<A::Task>,
    /// `http://127.0.0.1:PORT`, or where result links point instead.
    pub(crate) origin: String,
    pub(crate) api_key: String,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) failures: VecDeque<ScriptedFailure>,
    pub(crate) create_calls: usize,
}

type SharedState<A> = Arc<Mutex<State<A>>>;

/// A server on an ephemeral loopback port. Dropping it stops the server and
/// frees the port.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds a port and serves the router `make_router` builds for that
    /// address (fakes put their own URL into result links).
    pub(crate) async fn start(
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

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Aborting the serve task drops the listener and every connection.
        self.task.abort();
    }
}

/// A running fake of one provider API; the provider modules name theirs
/// (`FakeXskill`, `FakeArk`, ...). Dropping it stops the server.
// Only this crate defines APIs, so the trait stays crate-private while the
// fakes built on it, and their configurations and tasks, are public.
#[allow(private_bounds)]
pub struct Fake<A: Api> {
    api_key: String,
    shared: SharedState<A>,
    server: Server,
}

#[allow(private_bounds)]
impl<A: Api> Fake<A> {
    /// Starts a fake with the default configuration.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(A::Config::default()).await
    }

    /// Starts a fake with `config` on an ephemeral local port.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_with(config: A::Config) -> std::io::Result<Self> {
        let (api, api_key, balance, (pending_reads, processing_reads)) = A::open(config);
        let mut ledger = Ledger::new(
            balance,
            Lifecycle {
                starts: A::STARTS,
                pending_reads,
                processing_reads,
                expires: A::EXPIRES,
            },
        );
        let mut shared = None;
        let key = api_key.clone();
        let server = Server::start(A::NAME, |addr| {
            ledger.salt_ids(addr.port());
            let state = Arc::new(Mutex::new(State {
                api,
                ledger,
                origin: format!("http://{addr}"),
                api_key: key,
                requests: Vec::new(),
                failures: VecDeque::new(),
                create_calls: 0,
            }));
            shared = Some(Arc::clone(&state));
            Router::new().fallback(handle::<A>).with_state(state)
        })
        .await?;
        let shared = shared.ok_or_else(|| std::io::Error::other("fake state was not built"))?;
        Ok(Self {
            api_key,
            shared,
            server,
        })
    }

    /// Tasks that were accepted, in creation order.
    pub fn created_tasks(&self) -> Vec<A::Snapshot> {
        self.state()
            .ledger
            .tasks()
            .iter()
            .map(A::snapshot)
            .collect()
    }

    /// One accepted task by id.
    pub fn task(&self, id: impl std::fmt::Display) -> Option<A::Snapshot> {
        self.state().ledger.find(&id.to_string()).map(A::snapshot)
    }

    /// How many status reads of a task (a GET of it, or a list answer naming
    /// it) the fake counted until it settled: what following it cost.
    pub fn reads(&self, id: impl std::fmt::Display) -> Option<u32> {
        self.state()
            .ledger
            .find(&id.to_string())
            .map(|task| task.reads)
    }

    /// `http://127.0.0.1:PORT`, where result files live under `/cdn/`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// Result links name `base` instead of the fake's own address, so they can
    /// be routed through a [`crate::faults::FaultProxy`] in front of the fake.
    pub fn link_results_via(&self, base: &str) {
        self.state().origin = base.trim_end_matches('/').to_owned();
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State<A>> {
        lock(&self.shared)
    }
}

impl<A: Api> FakeControl for Fake<A> {
    fn base_url(&self) -> String {
        format!("{}{}", self.server.origin(), A::BASE_PATH)
    }

    fn api_key(&self) -> &str {
        &self.api_key
    }

    fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    fn tasks_created(&self) -> usize {
        self.state().ledger.tasks().len()
    }

    fn fail_next_request(&self, status: u16, retry_after_secs: Option<u64>) {
        self.state().failures.push_back(ScriptedFailure {
            status,
            retry_after_secs,
        });
    }

    fn script_next_outcome(&self, outcome: TaskOutcome) {
        self.state().ledger.script(outcome);
    }

    fn script_moderation_failure(&self) {
        self.script_next_outcome(TaskOutcome::Fail(A::MODERATION_FAILURE.to_owned()));
    }

    fn balance(&self) -> Option<i64> {
        self.state().ledger.balance()
    }

    fn set_balance(&self, amount: i64) -> bool {
        self.state().ledger.set_balance(amount)
    }

    fn make_unable_to_pay(&self) {
        A::make_unable_to_pay(&mut self.state());
    }
}

/// A panicking test thread may poison a fake's mutex; the state is still usable
/// for the remaining assertions, so take it anyway.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn handle<A: Api>(
    Shared(shared): Shared<SharedState<A>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (body, rejection) = match body {
        Ok(body) => (body, None),
        Err(rejection) if A::OWN_BODY_LIMIT => (Bytes::new(), Some(rejection)),
        Err(rejection) => return rejection.into_response(),
    };
    let path = uri.path();
    let logged = match uri.path_and_query() {
        Some(whole) if A::LOG_QUERY => whole.as_str(),
        _ => path,
    };
    let mut state = lock(&shared);
    let authorized = bearer_matches(&headers, &state.api_key);
    tracing::debug!(fake = A::NAME, %method, %path, authorized, "fake request");
    state.requests.push(RecordedRequest {
        method: method.as_str().to_owned(),
        path: logged.to_owned(),
        authorized,
        body: body_as_json(&body),
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });

    let route = path
        .strip_prefix(A::PREFIX)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'));
    let answer = if let Some(route) = route {
        let request = Request {
            method: &method,
            path,
            route,
            query: uri.query().unwrap_or(""),
            headers: &headers,
            body: &body,
            rejection: rejection.as_ref(),
        };
        api(&mut state, &request, authorized)
    } else if let Some(rest) = path.strip_prefix("/cdn/") {
        A::cdn(&state, &method, rest)
    } else {
        Err(A::no_route(&method, path))
    };
    A::finish(&mut state, answer)
}

fn api<A: Api>(state: &mut State<A>, request: &Request<'_>, authorized: bool) -> Answer {
    if A::is_create(request.method, request.route) {
        state.create_calls += 1;
    }
    if !authorized {
        return Err(A::unauthorized());
    }
    A::admit(state)?;
    if let Some(failure) = state.failures.pop_front() {
        return Err(A::scripted(failure));
    }
    A::api(state, request)
}

/// Whether `Authorization: Bearer <api_key>` is present.
fn bearer_matches(headers: &HeaderMap, api_key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|key| key == api_key)
}

/// A body as JSON for the request log.
fn body_as_json(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}
