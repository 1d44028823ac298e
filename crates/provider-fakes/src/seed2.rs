//! A stateful, strict local fake of the seed2.io HTTP API.
//!
//! This module owns everything needed to test the seed2.io provider without
//! the internet: an axum server on `127.0.0.1:0` that speaks the two routes of
//! `https://api.seed2.io` (`POST /v1/video/generate`, `GET /v1/tasks/{id}`)
//! with the same `{"code","message","data"}` envelope, keeps a points balance,
//! runs every created task through a deterministic
//! pending → processing → completed/failed state machine (advanced by task
//! queries, never by wall-clock time), refunds failed tasks, and serves result
//! videos from a `/cdn/` path on itself so downloads stay local too.
//!
//! It is deliberately *strict*: wrong types (a string `duration`), values out
//! of range, dangling `@image_file_N` references and unknown fields are
//! rejected with an invalid-params error that names the field, so a client
//! that drifts from the documented API fails here instead of in production.
//! Tests steer it through [`FakeSeed2Config`], [`FakeSeed2::script_next_outcome`]
//! and [`FakeSeed2::fail_next_request`], and inspect what the client did
//! through [`FakeSeed2::requests`], [`FakeSeed2::created_tasks`] and friends.
//!
//! Documented facts it follows: success iff `code == 0`; create answers
//! `data.task_id` but the task query answers `data.id` (both integers); the
//! balance is only visible in the create answer (there is no balance and no
//! upload endpoint); prices are 580 / 1160 points per second for
//! `seedance_2.0_fast` and 1160 / 2320 for `seedance_2.0` (the higher rate
//! when any video or audio reference is given); failed tasks are refunded.
//!
//! Choices where the real API is undocumented (kept here so tests and client
//! agree on one answer):
//! - Errors: the HTTP status mirrors the meaning and `code` is the status
//!   × 100 + 1 (400 → 40001 invalid params, 401 → 40101 unauthorized,
//!   402 → 40201 insufficient points, 404 → 40401 task or route not found,
//!   429 → 42901 rate limited, 500 → 50001 internal); the body is
//!   `{"code":N,"message":"…","data":null}`. Scripted failures with other
//!   statuses follow the same rule (503 → 50301).
//! - Unknown body fields are rejected. The official Python SDK forwards any
//!   extra keyword argument, and the real service may well ignore such fields;
//!   the fake refuses them so typos surface in tests.
//! - `null` counts as absent for every optional field (serde clients commonly
//!   serialise `None` as `null`); a `null` prompt is a missing prompt.
//! - `@image_file_N`, `@video_file_N` and `@audio_file_N` in the prompt must
//!   each point at an existing entry (1-based, numbered per list). Only the
//!   image form is documented; the other two follow the same Seedance
//!   convention other providers document.
//! - `audio_files` without any image or video is rejected. The README's
//!   "Audio Sync" example sends audio alone, but Ark (ByteDance's own API for
//!   the same model) documents that audio cannot be the only reference, so the
//!   fake takes the stricter line.
//! - `video_files` must hold at most 3 URLs; their total duration (documented
//!   limit 15 s) cannot be known from URLs and is not checked.
//! - Wrong methods on known paths, and any path outside the two routes, are
//!   404 / 40401. Under `/v1/` the key is checked first (401 before 404);
//!   elsewhere (except `/cdn/`) the answer is a plain 404.
//! - A task id that is not a run of ASCII digits is 400 / 40001 naming
//!   `task_id`; a well-formed id nobody created is 404 / 40401.
//! - Task ids are sequential integers starting at [`FIRST_TASK_ID`].
//! - The task query keeps reporting the charged `points_cost` after a failure
//!   (the refund shows in the balance, not in the task).
//! - [`TaskOutcome::Expire`] ends as `failed` with a timeout message: seed2.io
//!   has no expired state.
//! - Auth is checked before scripted failures, so a `fail_next_request` entry
//!   is only consumed by an authorised `/v1/` request; a consumed failure does
//!   not advance any task.
//! - Results live at `/cdn/videos/{id}.mp4` (like `cdn.seed2.io/videos/…`),
//!   need no key, and are 404 until the task has completed.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::support::{FailureQueue, FakeServer, PLACEHOLDER_MP4, ScriptedFailure, lock};
pub use super::support::{RecordedRequest, TaskOutcome};

/// The bearer key the fake accepts unless a test configures another one.
pub const DEFAULT_API_KEY: &str = "sk-s2-fake";
/// Points on a new account (10 000 points = 1 USD; new users get 10 000 free).
pub const DEFAULT_INITIAL_POINTS: i64 = 10_000;
/// The cheaper tier, and the default model.
pub const FAST_MODEL: &str = "seedance_2.0_fast";
/// The premium tier.
pub const STANDARD_MODEL: &str = "seedance_2.0";
/// The id given to the first task a fake creates; later ones count up by one.
pub const FIRST_TASK_ID: u64 = 100_001;

/// `code` of a 400: a missing, malformed or unknown field.
pub const CODE_INVALID_PARAMS: i64 = 40_001;
/// `code` of a 401: missing or wrong bearer key.
pub const CODE_UNAUTHORIZED: i64 = 40_101;
/// `code` of a 402: the account cannot pay for the task.
pub const CODE_INSUFFICIENT_POINTS: i64 = 40_201;
/// `code` of a 404: unknown task or route.
pub const CODE_NOT_FOUND: i64 = 40_401;
/// `code` of a 429: rate limited.
pub const CODE_RATE_LIMITED: i64 = 42_901;
/// `code` of a 500: internal error.
pub const CODE_INTERNAL: i64 = 50_001;

const CREATE_PATH: &str = "/v1/video/generate";
const TASKS_PREFIX: &str = "/v1/tasks/";
const MODELS: &[&str] = &[FAST_MODEL, STANDARD_MODEL];
const RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"];
const FIELDS: &[&str] = &[
    "prompt",
    "model",
    "duration",
    "ratio",
    "image_files",
    "video_files",
    "audio_files",
];
const MIN_DURATION: i64 = 4;
const MAX_DURATION: i64 = 15;
const DEFAULT_DURATION: i64 = 5;
const MAX_IMAGES: usize = 9;
const MAX_VIDEOS: usize = 3;
const MAX_AUDIOS: usize = 3;
const TIMEOUT_ERROR: &str = "generation timed out";

/// How the fake should run.
#[derive(Debug, Clone)]
pub struct FakeSeed2Config {
    /// The only bearer key accepted.
    pub api_key: String,
    /// Points on the account at start.
    pub initial_points: i64,
    /// Task queries answered "pending" before the task turns "processing".
    pub pending_polls: u32,
    /// Task queries answered "processing" before the task reaches its outcome.
    pub processing_polls: u32,
    /// Body served for every result video.
    pub result_bytes: Vec<u8>,
}

impl Default for FakeSeed2Config {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_owned(),
            initial_points: DEFAULT_INITIAL_POINTS,
            pending_polls: 1,
            processing_polls: 1,
            result_bytes: PLACEHOLDER_MP4.to_vec(),
        }
    }
}

/// A task the fake accepted and charged for.
#[derive(Debug, Clone)]
pub struct FakeTask {
    /// The integer id (`task_id` in the create answer, `id` in the query).
    pub id: u64,
    /// The create request body exactly as received.
    pub body: Value,
    /// Points charged at creation (refunded to the balance if the task failed).
    pub points_cost: i64,
    /// Model after defaults were applied.
    pub model: String,
    /// Duration in seconds after defaults were applied.
    pub duration: i64,
    /// Ratio after defaults were applied.
    pub ratio: String,
    /// Status as of the last query: "pending", "processing", "completed" or "failed".
    pub status: String,
}

/// The running fake. Dropping it stops the server.
pub struct FakeSeed2 {
    api_key: String,
    shared: Shared,
    server: FakeServer,
}

impl FakeSeed2 {
    /// Starts a fake with [`FakeSeed2Config::default`].
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeSeed2Config::default()).await
    }

    /// Starts a fake with the given configuration on an ephemeral local port.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_with(config: FakeSeed2Config) -> std::io::Result<Self> {
        let api_key = config.api_key.clone();
        let (server, shared) =
            FakeServer::start_stateful("seed2", |addr| FakeState::new(config, addr), handle)
                .await?;
        Ok(Self {
            api_key,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:PORT`, standing in for `https://api.seed2.io` (no
    /// trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The bearer key the fake accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Points currently on the account.
    pub fn points(&self) -> i64 {
        self.state().points
    }

    /// Overwrites the account balance (e.g. to provoke a 402).
    pub fn set_points(&self, points: i64) {
        self.state().points = points;
    }

    /// Queues the outcome of the next successfully created task. Tasks with no
    /// scripted outcome succeed.
    pub fn script_next_outcome(&self, outcome: TaskOutcome) {
        self.state().outcomes.push_back(outcome);
    }

    /// Queues an error for the next authorised `/v1/` request of any kind:
    /// HTTP `status` with the error envelope, plus `Retry-After` when given.
    pub fn fail_next_request(&self, status: u16, retry_after_secs: Option<u64>) {
        self.state().failures.push_back(ScriptedFailure {
            status,
            retry_after_secs,
        });
    }

    /// Every request received, in order, including rejected ones.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// Tasks that were accepted (and charged), in creation order.
    pub fn created_tasks(&self) -> Vec<FakeTask> {
        self.state()
            .tasks
            .iter()
            .map(TaskRecord::snapshot)
            .collect()
    }

    /// How many `POST /v1/video/generate` requests arrived, accepted or not.
    pub fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    /// One created task by id.
    pub fn task(&self, id: u64) -> Option<FakeTask> {
        self.state()
            .tasks
            .iter()
            .find(|task| task.id == id)
            .map(TaskRecord::snapshot)
    }

    fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.shared)
    }
}

type Shared = Arc<Mutex<FakeState>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

#[derive(Debug, Clone)]
struct TaskRecord {
    id: u64,
    body: Value,
    plan: Plan,
    outcome: TaskOutcome,
    polls: u32,
    status: TaskStatus,
}

impl TaskRecord {
    fn snapshot(&self) -> FakeTask {
        FakeTask {
            id: self.id,
            body: self.body.clone(),
            points_cost: self.plan.points_cost,
            model: self.plan.model.to_owned(),
            duration: self.plan.duration,
            ratio: self.plan.ratio.to_owned(),
            status: self.status.as_str().to_owned(),
        }
    }

    /// Counts one more query and moves the state machine. Returns true when
    /// this query is the one that turned the task into "failed", which is the
    /// moment its points are refunded (exactly once).
    fn advance(&mut self, pending_polls: u32, processing_polls: u32) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        self.polls = self.polls.saturating_add(1);
        self.status = if self.polls <= pending_polls {
            TaskStatus::Pending
        } else if self.polls <= pending_polls.saturating_add(processing_polls) {
            TaskStatus::Processing
        } else if self.outcome == TaskOutcome::Succeed {
            TaskStatus::Completed
        } else {
            TaskStatus::Failed
        };
        self.status == TaskStatus::Failed
    }

    fn error_text(&self) -> &str {
        match &self.outcome {
            TaskOutcome::Fail(message) => message,
            // Only reached for `Expire`: a succeeding task never fails.
            TaskOutcome::Succeed | TaskOutcome::Expire => TIMEOUT_ERROR,
        }
    }
}

struct FakeState {
    config: FakeSeed2Config,
    base_url: String,
    points: i64,
    outcomes: VecDeque<TaskOutcome>,
    failures: FailureQueue,
    requests: Vec<RecordedRequest>,
    tasks: Vec<TaskRecord>,
    create_calls: usize,
    next_id: u64,
}

impl FakeState {
    fn new(config: FakeSeed2Config, addr: SocketAddr) -> Self {
        Self {
            points: config.initial_points,
            config,
            base_url: format!("http://{addr}"),
            outcomes: VecDeque::new(),
            failures: FailureQueue::new(),
            requests: Vec::new(),
            tasks: Vec::new(),
            create_calls: 0,
            next_id: FIRST_TASK_ID,
        }
    }

    fn video_url(&self, id: u64) -> String {
        format!("{}/cdn/videos/{id}.mp4", self.base_url)
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// An error answer: the HTTP status, and the envelope whose `code` is derived
/// from it (see the module header).
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    fn no_route(method: &Method, path: &str) -> Self {
        Self::not_found(format!("not found: no route for {method} {path}"))
    }

    fn scripted(failure: ScriptedFailure) -> Self {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status == StatusCode::TOO_MANY_REQUESTS {
            "rate limited: too many requests, please slow down".to_owned()
        } else {
            format!(
                "{} (scripted by the test)",
                status.canonical_reason().unwrap_or("error")
            )
        };
        Self {
            status,
            message,
            retry_after_secs: failure.retry_after_secs,
        }
    }

    /// 400 → 40001, 429 → 42901: one rule covers every status a test scripts.
    fn code(&self) -> i64 {
        i64::from(self.status.as_u16()) * 100 + 1
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "code": self.code(), "message": self.message, "data": Value::Null });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn success(data: Value) -> Response {
    axum::Json(json!({ "code": 0, "message": "ok", "data": data })).into_response()
}

type Answer = Result<Response, ApiError>;

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

/// Single entry point: one place records the request, checks auth and applies
/// scripted failures, so no route can forget to.
async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let mut state = lock(&shared);
    let record = RecordedRequest::new(
        method.as_str(),
        path.clone(),
        &headers,
        &state.config.api_key,
        &body,
    );
    let authorized = record.authorized;
    tracing::debug!(%method, %path, authorized, "fake seed2 request");
    state.requests.push(record);

    let answer = if path == "/v1" || path.starts_with("/v1/") {
        api(&mut state, &method, &path, authorized, &body)
    } else if let Some(rest) = path.strip_prefix("/cdn/") {
        cdn(&state, &method, rest)
    } else {
        Err(ApiError::no_route(&method, &path))
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}

fn api(
    state: &mut FakeState,
    method: &Method,
    path: &str,
    authorized: bool,
    body: &[u8],
) -> Answer {
    if method == Method::POST && path == CREATE_PATH {
        state.create_calls += 1;
    }
    if !authorized {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: missing or invalid API key (expected Authorization: Bearer sk-s2-...)",
        ));
    }
    if let Some(failure) = state.failures.pop_front() {
        return Err(ApiError::scripted(failure));
    }
    if method == Method::POST && path == CREATE_PATH {
        return create_task(state, body);
    }
    // `/v1/tasks/` alone, or with more segments, is no route at all; only a
    // single non-empty segment is a task id (valid or not).
    let task_segment = path
        .strip_prefix(TASKS_PREFIX)
        .filter(|raw| !raw.is_empty() && !raw.contains('/'));
    match task_segment {
        Some(raw_id) if method == Method::GET => get_task(state, raw_id),
        _ => Err(ApiError::no_route(method, path)),
    }
}

// ---------------------------------------------------------------------------
// POST /v1/video/generate
// ---------------------------------------------------------------------------

/// What validation of a create request decided.
#[derive(Debug, Clone)]
struct Plan {
    model: &'static str,
    duration: i64,
    ratio: &'static str,
    points_cost: i64,
}

fn create_task(state: &mut FakeState, body: &[u8]) -> Answer {
    let request: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::invalid(format!(
            "invalid params: the body must be a JSON object ({error})"
        ))
    })?;
    let fields = request
        .as_object()
        .ok_or_else(|| ApiError::invalid("invalid params: the body must be a JSON object"))?;
    let plan = plan_task(&Fields(fields))?;
    if plan.points_cost > state.points {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "insufficient points: this task needs {} points but only {} are available",
                plan.points_cost, state.points
            ),
        ));
    }
    state.points -= plan.points_cost;

    let id = state.next_id;
    state.next_id += 1;
    let outcome = state.outcomes.pop_front().unwrap_or(TaskOutcome::Succeed);
    let points_cost = plan.points_cost;
    state.tasks.push(TaskRecord {
        id,
        body: request,
        plan,
        outcome,
        polls: 0,
        status: TaskStatus::Pending,
    });
    Ok(success(json!({
        "task_id": id,
        "status": TaskStatus::Pending.as_str(),
        "points_cost": points_cost,
        "balance": state.points,
    })))
}

fn plan_task(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    fields.reject_unknown()?;
    let prompt = fields.prompt()?;
    let model = fields.one_of("model", MODELS)?.unwrap_or(FAST_MODEL);
    let duration = fields
        .integer_in("duration", MIN_DURATION, MAX_DURATION)?
        .unwrap_or(DEFAULT_DURATION);
    let ratio = fields.one_of("ratio", RATIOS)?.unwrap_or("16:9");
    let images = fields.url_list("image_files", MAX_IMAGES)?;
    let videos = fields.url_list("video_files", MAX_VIDEOS)?;
    let audios = fields.url_list("audio_files", MAX_AUDIOS)?;

    if audios > 0 && images == 0 && videos == 0 {
        return Err(ApiError::invalid(
            "invalid params: audio_files cannot be sent alone; add at least one image_files \
             or video_files entry",
        ));
    }
    check_references(prompt, "image_file", "image_files", images)?;
    check_references(prompt, "video_file", "video_files", videos)?;
    check_references(prompt, "audio_file", "audio_files", audios)?;

    let per_second = points_per_second(model == STANDARD_MODEL, videos + audios > 0);
    Ok(Plan {
        model,
        duration,
        ratio,
        points_cost: per_second * duration,
    })
}

/// The documented price table. Image references do not change the rate.
fn points_per_second(standard: bool, with_video_or_audio: bool) -> i64 {
    match (standard, with_video_or_audio) {
        (false, false) => 580,
        (false, true) | (true, false) => 1160,
        (true, true) => 2320,
    }
}

/// Every `@{tag}_N` in the prompt must name an entry of `list` (1-based): a
/// dangling reference would make the model improvise the missing subject.
fn check_references(prompt: &str, tag: &str, list: &str, count: usize) -> Result<(), ApiError> {
    let marker = format!("@{tag}_");
    for after in prompt.split(marker.as_str()).skip(1) {
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            continue;
        }
        // A number too large for usize is out of range all the same.
        let in_range = digits
            .parse::<usize>()
            .is_ok_and(|n| (1..=count).contains(&n));
        if !in_range {
            return Err(ApiError::invalid(format!(
                "invalid params: prompt references {marker}{digits} but {list} has {count} \
                 entr{} (references are numbered from 1)",
                if count == 1 { "y" } else { "ies" }
            )));
        }
    }
    Ok(())
}

/// Field-level validation over the request body. `null` counts as absent.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    /// Names every unknown field at once, so a client with several typos
    /// learns about all of them from one answer.
    fn reject_unknown(&self) -> Result<(), ApiError> {
        let unknown: Vec<&str> = self
            .0
            .keys()
            .map(String::as_str)
            .filter(|key| !FIELDS.contains(key))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(ApiError::invalid(format!(
            "invalid params: unknown field{} {}; allowed: {}",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", "),
            FIELDS.join(", ")
        )))
    }

    fn prompt(&self) -> Result<&'a str, ApiError> {
        self.get("prompt")
            .and_then(Value::as_str)
            .filter(|prompt| !prompt.trim().is_empty())
            .ok_or_else(|| {
                ApiError::invalid(
                    "invalid params: prompt is required and must be a non-empty string",
                )
            })
    }

    fn one_of(
        &self,
        key: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        value
            .as_str()
            .and_then(|text| allowed.iter().copied().find(|choice| *choice == text))
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "invalid params: {key} must be one of {} (got {value})",
                    allowed.join(", ")
                ))
            })
    }

    /// Only a JSON integer passes: `"5"` and `5.0` are rejected.
    fn integer_in(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        value
            .as_i64()
            .filter(|number| (min..=max).contains(number))
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "invalid params: {key} must be an integer between {min} and {max} (got {value})"
                ))
            })
    }

    /// Checks an array of http(s) URLs of at most `max` entries and returns
    /// how many it holds (0 when absent).
    fn url_list(&self, key: &str, max: usize) -> Result<usize, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(0);
        };
        let items = value.as_array().ok_or_else(|| {
            ApiError::invalid(format!(
                "invalid params: {key} must be an array of URL strings"
            ))
        })?;
        if items.len() > max {
            return Err(ApiError::invalid(format!(
                "invalid params: {key} has {} entries; at most {max} are allowed",
                items.len()
            )));
        }
        if let Some(index) = items
            .iter()
            .position(|item| !item.as_str().is_some_and(is_http_url))
        {
            return Err(ApiError::invalid(format!(
                "invalid params: {key}[{index}] must be an http(s) URL string"
            )));
        }
        Ok(items.len())
    }
}

/// The service fetches references itself, so only absolute http(s) URLs with
/// something after the scheme make sense (no data: URLs, no local paths).
fn is_http_url(text: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        text.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    })
}

// ---------------------------------------------------------------------------
// GET /v1/tasks/{task_id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut FakeState, raw_id: &str) -> Answer {
    // `u64::from_str` would accept "+7"; the id is documented as an integer,
    // so only plain digits pass.
    let id = Some(raw_id)
        .filter(|raw| raw.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|raw| raw.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "invalid params: task_id must be an integer (got {raw_id:?})"
            ))
        })?;
    let (pending_polls, processing_polls) =
        (state.config.pending_polls, state.config.processing_polls);
    let task = state
        .tasks
        .iter_mut()
        .find(|task| task.id == id)
        .ok_or_else(|| ApiError::not_found(format!("not found: task {id} does not exist")))?;
    let refund = task
        .advance(pending_polls, processing_polls)
        .then_some(task.plan.points_cost);
    let task = task.clone();
    if let Some(points) = refund {
        state.points += points;
    }
    let result = match task.status {
        TaskStatus::Pending | TaskStatus::Processing => Value::Null,
        TaskStatus::Completed => json!({
            "video_url": state.video_url(task.id),
            "duration": task.plan.duration,
        }),
        TaskStatus::Failed => json!({ "error": task.error_text() }),
    };
    Ok(success(json!({
        "id": task.id,
        "status": task.status.as_str(),
        "result": result,
        "points_cost": task.plan.points_cost,
    })))
}

// ---------------------------------------------------------------------------
// GET /cdn/videos/{id}.mp4 (no auth, like a CDN)
// ---------------------------------------------------------------------------

fn cdn(state: &FakeState, method: &Method, rest: &str) -> Answer {
    let missing = || ApiError::not_found(format!("not found: no such file /cdn/{rest}"));
    if method != Method::GET {
        return Err(missing());
    }
    let id = rest
        .strip_prefix("videos/")
        .and_then(|name| name.strip_suffix(".mp4"))
        .and_then(|id| id.parse::<u64>().ok())
        .ok_or_else(missing)?;
    // Results exist only once the task completed, as on the real CDN.
    state
        .tasks
        .iter()
        .find(|task| task.id == id && task.status == TaskStatus::Completed)
        .ok_or_else(missing)?;
    let bytes = state.config.result_bytes.clone();
    Ok(([(header::CONTENT_TYPE, "video/mp4")], bytes).into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    use crate::support::test_client::{Reply, client, send};

    async fn generate_as(fake: &FakeSeed2, key: Option<&str>, body: Value) -> Reply {
        let mut request = client()
            .post(format!("{}{CREATE_PATH}", fake.base_url()))
            .json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        send(request).await
    }

    async fn generate(fake: &FakeSeed2, body: Value) -> Reply {
        generate_as(fake, Some(fake.api_key()), body).await
    }

    async fn get(fake: &FakeSeed2, path: &str) -> Reply {
        let request = client()
            .get(format!("{}{path}", fake.base_url()))
            .bearer_auth(fake.api_key());
        send(request).await
    }

    async fn query(fake: &FakeSeed2, id: u64) -> Reply {
        get(fake, &format!("/v1/tasks/{id}")).await
    }

    fn created_id(reply: &Reply) -> u64 {
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"]["task_id"].as_u64().unwrap()
    }

    /// Polls until the task is terminal, returning every status seen and the
    /// final `data`.
    async fn poll_to_end(fake: &FakeSeed2, id: u64) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let reply = query(fake, id).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.body["code"], 0);
            let data = reply.body["data"].clone();
            let status = data["status"].as_str().unwrap().to_owned();
            seen.push(status.clone());
            if status == "completed" || status == "failed" {
                return (seen, data);
            }
        }
        panic!("task {id} never finished: {seen:?}");
    }

    fn assert_error(reply: &Reply, status: u16, code: i64, mentions: &str) {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert_eq!(reply.body["code"], code, "{}", reply.body);
        assert_eq!(reply.body["data"], Value::Null);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains(mentions),
            "message {message:?} should mention {mentions:?}"
        );
    }

    fn urls(count: usize) -> Vec<String> {
        (0..count)
            .map(|index| format!("https://example.com/{index}.png"))
            .collect()
    }

    const VIDEO: &str = "https://example.com/dance.mp4";
    const AUDIO: &str = "https://example.com/speech.mp3";

    #[tokio::test]
    async fn requests_without_the_key_or_with_a_wrong_key_are_unauthorized_and_create_nothing() {
        let fake = FakeSeed2::start().await.unwrap();
        let body = json!({ "prompt": "a cat" });

        let missing = generate_as(&fake, None, body.clone()).await;
        assert_error(&missing, 401, CODE_UNAUTHORIZED, "unauthorized");
        let wrong = generate_as(&fake, Some("sk-s2-wrong"), body).await;
        assert_error(&wrong, 401, CODE_UNAUTHORIZED, "unauthorized");
        let task = send(client().get(format!("{}/v1/tasks/1", fake.base_url()))).await;
        assert_error(&task, 401, CODE_UNAUTHORIZED, "unauthorized");

        assert!(fake.created_tasks().is_empty());
        assert_eq!(fake.points(), DEFAULT_INITIAL_POINTS);
        assert_eq!(fake.create_calls(), 2);
        let recorded = fake.requests();
        assert_eq!(recorded.len(), 3);
        assert!(recorded.iter().all(|request| !request.authorized));
        assert_eq!(recorded[0].body["prompt"], "a cat");
        assert_eq!(fake.api_key(), "sk-s2-fake");
    }

    #[tokio::test]
    async fn a_bare_prompt_gets_the_fast_model_five_seconds_and_sixteen_by_nine() {
        let fake = FakeSeed2::start().await.unwrap();
        let reply = generate(&fake, json!({ "prompt": "a cat playing piano" })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body,
            json!({
                "code": 0,
                "message": "ok",
                "data": { "task_id": FIRST_TASK_ID, "status": "pending", "points_cost": 2900, "balance": 7100 },
            })
        );
        let task = fake.task(FIRST_TASK_ID).unwrap();
        assert_eq!(task.model, FAST_MODEL);
        assert_eq!(task.duration, 5);
        assert_eq!(task.ratio, "16:9");
        assert_eq!(task.points_cost, 2900);
        assert_eq!(task.body, json!({ "prompt": "a cat playing piano" }));
        assert_eq!(fake.points(), 7100);
    }

    #[tokio::test]
    async fn durations_of_four_and_fifteen_pass_but_three_sixteen_and_strings_do_not() {
        let fake = FakeSeed2::start_with(FakeSeed2Config {
            initial_points: 1_000_000,
            ..FakeSeed2Config::default()
        })
        .await
        .unwrap();
        for duration in [json!(3), json!(16), json!("5"), json!(5.5)] {
            let reply = generate(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
            assert_error(
                &reply,
                400,
                CODE_INVALID_PARAMS,
                "duration must be an integer between 4 and 15",
            );
        }
        assert!(fake.created_tasks().is_empty());
        assert_eq!(fake.points(), 1_000_000);
        for (duration, cost) in [(4, 2320), (15, 8700)] {
            let reply = generate(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.body["data"]["points_cost"], cost);
        }
        assert_eq!(fake.create_calls(), 6);
    }

    #[tokio::test]
    async fn an_adaptive_ratio_is_rejected_naming_the_allowed_ratios() {
        let fake = FakeSeed2::start().await.unwrap();
        let reply = generate(&fake, json!({ "prompt": "a cat", "ratio": "adaptive" })).await;
        assert_error(&reply, 400, CODE_INVALID_PARAMS, "ratio must be one of");
        assert!(reply.body["message"].as_str().unwrap().contains("21:9"));
        let tall = generate(&fake, json!({ "prompt": "a cat", "ratio": "9:16" })).await;
        assert_eq!(tall.status, 200, "{}", tall.body);
        assert_eq!(fake.created_tasks()[0].ratio, "9:16");
    }

    #[tokio::test]
    async fn ten_image_files_are_rejected_but_nine_are_accepted() {
        let fake = FakeSeed2::start().await.unwrap();
        let ten = generate(&fake, json!({ "prompt": "a cat", "image_files": urls(10) })).await;
        assert_error(&ten, 400, CODE_INVALID_PARAMS, "image_files has 10 entries");
        let nine = generate(&fake, json!({ "prompt": "a cat", "image_files": urls(9) })).await;
        assert_eq!(nine.status, 200, "{}", nine.body);
        // Image references do not raise the price.
        assert_eq!(nine.body["data"]["points_cost"], 2900);
    }

    #[tokio::test]
    async fn four_videos_four_audios_and_non_http_urls_are_rejected() {
        let fake = FakeSeed2::start().await.unwrap();
        let videos = vec![VIDEO; 4];
        let reply = generate(&fake, json!({ "prompt": "p", "video_files": videos })).await;
        assert_error(&reply, 400, CODE_INVALID_PARAMS, "video_files");
        let audios = vec![AUDIO; 4];
        let reply = generate(
            &fake,
            json!({ "prompt": "p", "image_files": urls(1), "audio_files": audios }),
        )
        .await;
        assert_error(&reply, 400, CODE_INVALID_PARAMS, "audio_files");
        for bad in [
            "ftp://example.com/a.png",
            "data:image/png;base64,AAAA",
            "/tmp/a.png",
        ] {
            let reply = generate(&fake, json!({ "prompt": "p", "image_files": [bad] })).await;
            assert_error(&reply, 400, CODE_INVALID_PARAMS, "image_files[0]");
        }
        let not_array = generate(&fake, json!({ "prompt": "p", "image_files": VIDEO })).await;
        assert_error(&not_array, 400, CODE_INVALID_PARAMS, "image_files");
        assert!(fake.created_tasks().is_empty());
    }

    #[tokio::test]
    async fn audio_files_alone_are_rejected_but_accepted_with_an_image_or_a_video() {
        let fake = FakeSeed2::start_with(FakeSeed2Config {
            initial_points: 100_000,
            ..FakeSeed2Config::default()
        })
        .await
        .unwrap();
        let alone = generate(&fake, json!({ "prompt": "a DJ", "audio_files": [AUDIO] })).await;
        assert_error(
            &alone,
            400,
            CODE_INVALID_PARAMS,
            "audio_files cannot be sent alone",
        );
        let with_image = generate(
            &fake,
            json!({ "prompt": "a DJ", "audio_files": [AUDIO], "image_files": urls(1) }),
        )
        .await;
        assert_eq!(with_image.status, 200, "{}", with_image.body);
        let with_video = generate(
            &fake,
            json!({ "prompt": "a DJ", "audio_files": [AUDIO], "video_files": [VIDEO] }),
        )
        .await;
        assert_eq!(with_video.status, 200, "{}", with_video.body);
    }

    #[tokio::test]
    async fn a_prompt_referring_to_image_file_2_with_one_image_is_rejected() {
        let fake = FakeSeed2::start().await.unwrap();
        let dangling = generate(
            &fake,
            json!({ "prompt": "@image_file_1 hugs @image_file_2", "image_files": urls(1) }),
        )
        .await;
        assert_error(&dangling, 400, CODE_INVALID_PARAMS, "@image_file_2");
        assert!(
            dangling.body["message"]
                .as_str()
                .unwrap()
                .contains("image_files has 1 entry")
        );
        let zero = generate(
            &fake,
            json!({ "prompt": "@image_file_0 walks", "image_files": urls(1) }),
        )
        .await;
        assert_error(&zero, 400, CODE_INVALID_PARAMS, "@image_file_0");
        let no_video = generate(&fake, json!({ "prompt": "dance like @video_file_1" })).await;
        assert_error(&no_video, 400, CODE_INVALID_PARAMS, "@video_file_1");
        assert!(fake.created_tasks().is_empty());

        let fine = generate(
            &fake,
            json!({ "prompt": "The woman in @image_file_1 walks", "image_files": urls(1) }),
        )
        .await;
        assert_eq!(fine.status, 200, "{}", fine.body);
    }

    #[tokio::test]
    async fn unknown_fields_are_rejected_naming_them() {
        let fake = FakeSeed2::start().await.unwrap();
        let reply = generate(
            &fake,
            json!({ "prompt": "a cat", "resolution": "1080p", "seed": 7 }),
        )
        .await;
        assert_error(&reply, 400, CODE_INVALID_PARAMS, "unknown fields");
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("resolution") && message.contains("seed"),
            "{message}"
        );
        let missing_prompt = generate(&fake, json!({ "prompt": "   " })).await;
        assert_error(&missing_prompt, 400, CODE_INVALID_PARAMS, "prompt");
        let bad_model = generate(&fake, json!({ "prompt": "a", "model": "seedance_1.0" })).await;
        assert_error(&bad_model, 400, CODE_INVALID_PARAMS, "model must be one of");
        let not_json = send(
            client()
                .post(format!("{}{CREATE_PATH}", fake.base_url()))
                .bearer_auth(fake.api_key())
                .body("prompt=a cat"),
        )
        .await;
        assert_error(&not_json, 400, CODE_INVALID_PARAMS, "JSON object");
        // `null` is absent, the way serde clients send `None`.
        let nulls = generate(
            &fake,
            json!({ "prompt": "a cat", "ratio": null, "image_files": null }),
        )
        .await;
        assert_eq!(nulls.status, 200, "{}", nulls.body);
    }

    #[tokio::test]
    async fn prices_follow_the_model_the_duration_and_video_or_audio_references() {
        let fake = FakeSeed2::start().await.unwrap();
        fake.set_points(100_000);
        let cases = [
            (json!({ "prompt": "p", "duration": 5 }), 2900),
            (
                json!({ "prompt": "p", "duration": 5, "image_files": urls(1), "audio_files": [AUDIO] }),
                5800,
            ),
            (
                json!({ "prompt": "p", "model": STANDARD_MODEL, "duration": 5, "video_files": [VIDEO] }),
                11_600,
            ),
            (
                json!({ "prompt": "p", "model": STANDARD_MODEL, "duration": 10 }),
                11_600,
            ),
            (
                json!({ "prompt": "p", "duration": 10, "video_files": [VIDEO] }),
                11_600,
            ),
        ];
        let mut expected = 100_000;
        for (body, cost) in cases {
            let reply = generate(&fake, body).await;
            assert_eq!(reply.body["data"]["points_cost"], cost, "{}", reply.body);
            expected -= cost;
            assert_eq!(reply.body["data"]["balance"], expected);
        }
        assert_eq!(fake.points(), expected);
        let costs: Vec<i64> = fake
            .created_tasks()
            .iter()
            .map(|task| task.points_cost)
            .collect();
        assert_eq!(costs, [2900, 5800, 11_600, 11_600, 11_600]);
    }

    #[tokio::test]
    async fn insufficient_points_give_402_create_nothing_and_leave_points_unchanged() {
        let fake = FakeSeed2::start().await.unwrap();
        fake.set_points(2000);
        let reply = generate(&fake, json!({ "prompt": "a cat", "duration": 5 })).await;
        assert_error(&reply, 402, CODE_INSUFFICIENT_POINTS, "insufficient points");
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("2900") && message.contains("2000"),
            "{message}"
        );
        assert_eq!(fake.points(), 2000);
        assert!(fake.created_tasks().is_empty());
        assert_eq!(fake.create_calls(), 1);
        // Exactly enough is enough.
        fake.set_points(2900);
        let exact = generate(&fake, json!({ "prompt": "a cat" })).await;
        assert_eq!(exact.body["data"]["balance"], 0, "{}", exact.body);
    }

    #[tokio::test]
    async fn a_task_goes_pending_processing_completed_with_a_video_url_and_its_integer_id() {
        let fake = FakeSeed2::start_with(FakeSeed2Config {
            result_bytes: b"real mp4 goes here".to_vec(),
            ..FakeSeed2Config::default()
        })
        .await
        .unwrap();
        let id = created_id(&generate(&fake, json!({ "prompt": "a cat", "duration": 6 })).await);
        let second = created_id(&generate(&fake, json!({ "prompt": "a dog" })).await);
        assert_eq!(second, id + 1);

        // Time alone does not move a task; only queries do.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(fake.task(id).unwrap().status, "pending");
        let video_url = format!("{}/cdn/videos/{id}.mp4", fake.base_url());
        let early = reqwest::get(&video_url).await.unwrap();
        assert_eq!(early.status().as_u16(), 404);

        let first = query(&fake, id).await;
        assert_eq!(
            first.body,
            json!({
                "code": 0,
                "message": "ok",
                "data": { "id": id, "status": "pending", "result": null, "points_cost": 3480 },
            })
        );
        let (seen, done) = poll_to_end(&fake, id).await;
        assert_eq!(seen, ["processing", "completed"]);
        assert_eq!(done["id"], id);
        assert!(done.get("task_id").is_none());
        assert_eq!(done["result"]["duration"], 6);
        assert_eq!(done["result"]["video_url"], video_url.as_str());
        assert_eq!(done["points_cost"], 3480);

        let download = reqwest::get(&video_url).await.unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.headers()["content-type"], "video/mp4");
        assert_eq!(
            download.bytes().await.unwrap().as_ref(),
            b"real mp4 goes here"
        );
        assert_eq!(fake.task(id).unwrap().status, "completed");
        assert_eq!(fake.task(second).unwrap().status, "pending");
        assert_eq!(fake.points(), 10_000 - 3480 - 2900);
    }

    #[tokio::test]
    async fn zero_configured_polls_complete_on_the_first_query() {
        let fake = FakeSeed2::start_with(FakeSeed2Config {
            pending_polls: 0,
            processing_polls: 0,
            ..FakeSeed2Config::default()
        })
        .await
        .unwrap();
        let id = created_id(&generate(&fake, json!({ "prompt": "a cat" })).await);
        let (seen, _) = poll_to_end(&fake, id).await;
        assert_eq!(seen, ["completed"]);
    }

    #[tokio::test]
    async fn a_failed_task_reports_its_error_and_refunds_its_points_once() {
        let fake = FakeSeed2::start().await.unwrap();
        fake.script_next_outcome(TaskOutcome::Fail(
            "face detected in the reference".to_owned(),
        ));
        fake.script_next_outcome(TaskOutcome::Expire);
        let failing = created_id(&generate(&fake, json!({ "prompt": "a face" })).await);
        let expiring = created_id(&generate(&fake, json!({ "prompt": "a face" })).await);
        assert_eq!(fake.points(), 10_000 - 2 * 2900);

        let (seen, done) = poll_to_end(&fake, failing).await;
        assert_eq!(seen.last().unwrap(), "failed");
        assert_eq!(
            done["result"],
            json!({ "error": "face detected in the reference" })
        );
        assert_eq!(done["points_cost"], 2900);
        assert_eq!(fake.points(), 10_000 - 2900);
        let again = query(&fake, failing).await;
        assert_eq!(again.body["data"]["status"], "failed");
        assert_eq!(fake.points(), 10_000 - 2900);

        let (_, timed_out) = poll_to_end(&fake, expiring).await;
        assert_eq!(timed_out["status"], "failed");
        assert_eq!(timed_out["result"]["error"], TIMEOUT_ERROR);
        assert_eq!(fake.points(), 10_000);
        let gone = reqwest::get(format!("{}/cdn/videos/{failing}.mp4", fake.base_url()))
            .await
            .unwrap();
        assert_eq!(gone.status().as_u16(), 404);

        // The scripted outcomes were used up: the next task succeeds.
        let next = created_id(&generate(&fake, json!({ "prompt": "a cat" })).await);
        assert_eq!(poll_to_end(&fake, next).await.1["status"], "completed");
    }

    #[tokio::test]
    async fn a_scripted_429_carries_retry_after_and_is_used_once() {
        let fake = FakeSeed2::start().await.unwrap();
        fake.fail_next_request(429, Some(7));
        fake.fail_next_request(500, None);
        let limited = generate(&fake, json!({ "prompt": "a cat" })).await;
        assert_error(&limited, 429, CODE_RATE_LIMITED, "rate limited");
        assert_eq!(limited.headers["retry-after"], "7");
        let internal = query(&fake, FIRST_TASK_ID).await;
        assert_error(&internal, 500, CODE_INTERNAL, "Internal Server Error");
        assert!(internal.headers.get("retry-after").is_none());
        let ok = generate(&fake, json!({ "prompt": "a cat" })).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(fake.create_calls(), 2);
        assert_eq!(fake.created_tasks().len(), 1);
        assert_eq!(fake.points(), 10_000 - 2900);

        // Any other scripted status follows the status × 100 + 1 rule.
        fake.fail_next_request(503, Some(1));
        let unavailable = query(&fake, FIRST_TASK_ID).await;
        assert_error(&unavailable, 503, 50_301, "Service Unavailable");
        // The failed query did not advance the task.
        assert_eq!(
            query(&fake, FIRST_TASK_ID).await.body["data"]["status"],
            "pending"
        );
    }

    #[tokio::test]
    async fn unknown_routes_such_as_a_balance_endpoint_are_not_found() {
        let fake = FakeSeed2::start().await.unwrap();
        for path in [
            "/v1/balance",
            "/v1/user/balance",
            "/v1/tasks",
            "/v1/tasks/",
            "/v1",
        ] {
            let reply = get(&fake, path).await;
            assert_error(&reply, 404, CODE_NOT_FOUND, path);
        }
        let wrong_method = get(&fake, CREATE_PATH).await;
        assert_error(&wrong_method, 404, CODE_NOT_FOUND, "GET /v1/video/generate");
        let upload = send(
            client()
                .post(format!("{}/v1/upload", fake.base_url()))
                .bearer_auth(fake.api_key())
                .json(&json!({ "image_url": "https://example.com/a.png" })),
        )
        .await;
        assert_error(&upload, 404, CODE_NOT_FOUND, "/v1/upload");
        let outside = send(client().get(format!("{}/elsewhere", fake.base_url()))).await;
        assert_error(&outside, 404, CODE_NOT_FOUND, "/elsewhere");
        let unknown_task = query(&fake, 42).await;
        assert_error(&unknown_task, 404, CODE_NOT_FOUND, "task 42");
    }

    #[tokio::test]
    async fn a_non_integer_task_id_is_invalid_params() {
        let fake = FakeSeed2::start().await.unwrap();
        for raw in ["abc", "12.5", "-3", "+7", "task_1"] {
            let reply = get(&fake, &format!("/v1/tasks/{raw}")).await;
            assert_error(
                &reply,
                400,
                CODE_INVALID_PARAMS,
                "task_id must be an integer",
            );
        }
        let too_big = get(&fake, "/v1/tasks/99999999999999999999999").await;
        assert_error(&too_big, 400, CODE_INVALID_PARAMS, "task_id");
    }

    #[tokio::test]
    async fn dropping_the_fake_stops_the_server() {
        let fake = FakeSeed2::start().await.unwrap();
        let url = format!("{}/v1/tasks/1", fake.base_url());
        drop(fake);
        tokio::task::yield_now().await;
        let result = client().get(url).send().await;
        assert!(result.is_err());
    }
}
