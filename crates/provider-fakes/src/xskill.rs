//! A stateful, strict local fake of the xskill.ai v3 HTTP API.
//!
//! This module owns everything needed to test the xskill provider without the
//! internet: an axum server on `127.0.0.1:0` that speaks the same routes, JSON
//! envelopes and error codes as `https://api.xskill.ai`, keeps a credit
//! balance, runs every created task through a deterministic
//! pending → processing → completed/failed state machine (advanced by queries,
//! never by wall-clock time), and serves result and upload URLs from a `/cdn/`
//! path on itself so downloads stay local too.
//!
//! It is deliberately *strict*: unknown fields, wrong types (for example the
//! old string `duration`) and rule violations are rejected with a 400 that
//! names the field, so a client that drifts from the real API fails here
//! instead of in production. Tests steer it through [`FakeXskillConfig`],
//! [`FakeXskill::script_next_outcome`] and [`FakeXskill::fail_next_request`],
//! and inspect what the client did through [`FakeXskill::requests`],
//! [`FakeXskill::created_tasks`] and friends.
//!
//! Choices where the real API is undocumented (kept here so tests and client
//! agree on one answer):
//! - `GET /api/v3/balance` and `GET /api/v3/user/balance` both answer
//!   `{"code":200,"message":"查询成功","data":{"balance":N,"currency":"credits"}}`.
//! - An `image_data` upload whose decoded size exceeds 10 MB gets HTTP 413 with
//!   `"code":413` (the envelope rule "status equals code" still holds).
//! - `null` is treated as "absent" everywhere in request bodies, because serde
//!   clients commonly serialise `None` as `null`.
//! - Auth is checked before scripted failures, so a `fail_next_request` entry is
//!   only consumed by an authorised `/api/v3` request.
//! - `image_url` uploads are not fetched (tests never touch the internet); the
//!   hosted URL serves a built-in 1×1 PNG.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::support::{
    FailureQueue, FakeServer, PLACEHOLDER_MP4, PLACEHOLDER_PNG, ScriptedFailure, fnv1a64, lock,
    sniff_image,
};
pub use super::support::{RecordedRequest, TaskOutcome};

/// The bearer key the fake accepts unless a test configures another one.
pub const DEFAULT_API_KEY: &str = "sk-fake-xskill-key";
/// Model id of Seedance 2.0 video generation on xskill.
pub const SEEDANCE_MODEL: &str = "st-ai/super-seed2";
/// Model id of Seedream 4.5 text-to-image.
pub const SEEDREAM_TEXT_TO_IMAGE_MODEL: &str = "fal-ai/bytedance/seedream/v4.5/text-to-image";
/// Model id of Seedream 4.5 image editing.
pub const SEEDREAM_EDIT_MODEL: &str = "fal-ai/bytedance/seedream/v4.5/edit";
/// A failure message in the shape real Seedance failures have (face detected
/// in the reference media), for tests that want something realistic.
pub const FACE_DETECTED_ERROR: &str = "生成失败，错误码: 4011，检测到人脸";

/// Largest decoded `image_data` upload the fake accepts.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

const SEEDANCE_TIERS: &[&str] = &["seedance_2.0_fast", "seedance_2.0"];
const FUNCTION_MODES: &[&str] = &["omni_reference", "first_last_frames"];
const RATIOS: &[&str] = &["21:9", "16:9", "4:3", "1:1", "3:4", "9:16"];
const IMAGE_SIZES: &[&str] = &[
    "auto_2K",
    "auto_4K",
    "square_hd",
    "portrait_4_3",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_16_9",
];
const SEEDANCE_PARAMS: &[&str] = &[
    "model",
    "prompt",
    "functionMode",
    "ratio",
    "duration",
    "image_files",
    "video_files",
    "audio_files",
    "filePaths",
];
const SEEDREAM_TEXT_PARAMS: &[&str] = &["prompt", "image_size", "num_images"];
const SEEDREAM_EDIT_PARAMS: &[&str] = &["prompt", "image_size", "num_images", "image_urls"];
const SEEDREAM_CREDITS_PER_IMAGE: i64 = 16;
const MAX_REFERENCE_FILES: usize = 12;

/// Which of the completed-task JSON shapes the fake emits. The documented one
/// is [`ResultShape::OutputImagesStrings`]; the others are shapes real clients
/// defend against, so each must be testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// `data.result.output.images = ["https://…/x.mp4"]` (documented).
    OutputImagesStrings,
    /// `data.output.video_url = "https://…/x.mp4"`, with `data.result` null.
    OutputVideoUrl,
    /// `data.result.output.images = [{"url":…,"width":…,"height":…,"content_type":…,"file_name":…}]`.
    OutputImagesObjects,
    /// `data.result.output.videos = ["https://…/x.mp4"]`.
    OutputVideos,
}

/// How the fake should run. Seedream (image) tasks only know the two `images`
/// shapes: `OutputImagesObjects` gives objects, every other shape gives strings.
#[derive(Debug, Clone)]
pub struct FakeXskillConfig {
    /// The only bearer key accepted.
    pub api_key: String,
    /// Credits on the account at start.
    pub initial_balance: i64,
    /// Queries answered "pending" before the task turns "processing".
    pub pending_polls: u32,
    /// Queries answered "processing" before the task reaches its outcome.
    pub processing_polls: u32,
    /// JSON shape of completed results.
    pub result_shape: ResultShape,
    /// Body served for every task result URL.
    pub result_bytes: Vec<u8>,
}

impl Default for FakeXskillConfig {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_owned(),
            initial_balance: 10_000,
            pending_polls: 1,
            processing_polls: 1,
            result_shape: ResultShape::OutputImagesStrings,
            result_bytes: PLACEHOLDER_MP4.to_vec(),
        }
    }
}

/// A task the fake accepted and charged for.
#[derive(Debug, Clone)]
pub struct FakeTask {
    pub task_id: String,
    pub model: String,
    pub params: Value,
    pub price: i64,
    /// Status as of the last query: "pending", "processing", "completed" or "failed".
    pub status: String,
}

/// One accepted upload.
#[derive(Debug, Clone)]
pub struct FakeUpload {
    /// The hosted URL handed back to the client.
    pub url: String,
    /// Bytes served at `url` (the decoded `image_data`, or the placeholder PNG).
    pub bytes: Vec<u8>,
    /// The `image_url` the client sent, if it uploaded by URL.
    pub source_url: Option<String>,
}

/// The running fake. Dropping it stops the server.
pub struct FakeXskill {
    api_key: String,
    shared: Shared,
    server: FakeServer,
}

impl FakeXskill {
    /// Starts a fake with [`FakeXskillConfig::default`].
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeXskillConfig::default()).await
    }

    /// Starts a fake with the given configuration on an ephemeral local port.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_with(config: FakeXskillConfig) -> std::io::Result<Self> {
        let api_key = config.api_key.clone();
        let (server, shared) =
            FakeServer::start_stateful("xskill", |addr| FakeState::new(config, addr), handle)
                .await?;
        Ok(Self {
            api_key,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash or `/api/v3`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Result links name `base` instead of the fake's own address, so they can
    /// be routed through a [`super::faults::FaultProxy`] in front of the fake.
    pub fn link_results_via(&self, base: &str) {
        self.state().base_url = base.trim_end_matches('/').to_owned();
    }

    /// The bearer key the fake accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Credits currently on the account.
    pub fn balance(&self) -> i64 {
        self.state().balance
    }

    /// Overwrites the account balance (e.g. to provoke a 402).
    pub fn set_balance(&self, credits: i64) {
        self.state().balance = credits;
    }

    /// Queues the outcome of the next successfully created task. Tasks with no
    /// scripted outcome succeed.
    pub fn script_next_outcome(&self, outcome: TaskOutcome) {
        self.state().outcomes.push_back(outcome);
    }

    /// Queues an error for the next authorised `/api/v3` request of any kind:
    /// HTTP `status` with the usual envelope, plus `Retry-After` when given.
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

    /// One created task by id.
    pub fn task(&self, task_id: &str) -> Option<FakeTask> {
        self.state().find_task(task_id).map(TaskRecord::snapshot)
    }

    /// How many `POST /api/v3/tasks/create` requests arrived, accepted or not.
    pub fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    /// Accepted uploads, in order.
    pub fn uploads(&self) -> Vec<FakeUpload> {
        let state = self.state();
        state
            .uploads
            .iter()
            .enumerate()
            .map(|(index, upload)| FakeUpload {
                url: state.upload_url(index, upload),
                bytes: upload.bytes.clone(),
                source_url: upload.source_url.clone(),
            })
            .collect()
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

/// What a task produces; decides result URLs and their content type.
#[derive(Debug, Clone)]
enum TaskKind {
    Video { width: u32, height: u32 },
    Images { count: u32 },
}

#[derive(Debug, Clone)]
struct TaskRecord {
    task_id: String,
    model: String,
    params: Value,
    price: i64,
    kind: TaskKind,
    outcome: TaskOutcome,
    polls: u32,
    status: TaskStatus,
}

impl TaskRecord {
    fn snapshot(&self) -> FakeTask {
        FakeTask {
            task_id: self.task_id.clone(),
            model: self.model.clone(),
            params: self.params.clone(),
            price: self.price,
            status: self.status.as_str().to_owned(),
        }
    }

    /// Counts one more query and moves the state machine. Returns true when
    /// this query is the one that turned the task into "failed", which is the
    /// moment its credits are refunded (exactly once).
    fn advance(&mut self, pending_polls: u32, processing_polls: u32) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        self.polls = self.polls.saturating_add(1);
        let processing_until = pending_polls.saturating_add(processing_polls);
        self.status = if self.polls <= pending_polls {
            TaskStatus::Pending
        } else if self.polls <= processing_until {
            TaskStatus::Processing
        } else {
            match self.outcome {
                TaskOutcome::Succeed => TaskStatus::Completed,
                // xskill has no expired state: a timeout is a failure.
                TaskOutcome::Fail(_) | TaskOutcome::Expire => TaskStatus::Failed,
            }
        };
        self.status == TaskStatus::Failed
    }
}

#[derive(Debug, Clone)]
struct StoredUpload {
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &'static str,
    source_url: Option<String>,
}

struct FakeState {
    config: FakeXskillConfig,
    base_url: String,
    port: u16,
    balance: i64,
    outcomes: VecDeque<TaskOutcome>,
    failures: FailureQueue,
    requests: Vec<RecordedRequest>,
    tasks: Vec<TaskRecord>,
    uploads: Vec<StoredUpload>,
    create_calls: usize,
    next_id: u64,
}

impl FakeState {
    fn new(config: FakeXskillConfig, addr: SocketAddr) -> Self {
        Self {
            balance: config.initial_balance,
            config,
            base_url: format!("http://{addr}"),
            port: addr.port(),
            outcomes: VecDeque::new(),
            failures: FailureQueue::new(),
            requests: Vec::new(),
            tasks: Vec::new(),
            uploads: Vec::new(),
            create_calls: 0,
            next_id: 0,
        }
    }

    fn find_task(&self, task_id: &str) -> Option<&TaskRecord> {
        self.tasks.iter().find(|task| task.task_id == task_id)
    }

    /// Ids look random like the real ones but are deterministic per port and
    /// sequence number, which keeps failures reproducible.
    fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let seed = format!("{prefix}:{}:{}", self.port, self.next_id);
        format!("{:016x}", fnv1a64(seed.as_bytes()))
    }

    fn upload_url(&self, index: usize, upload: &StoredUpload) -> String {
        format!(
            "{}/cdn/uploads/{}.{}",
            self.base_url,
            index + 1,
            upload.extension
        )
    }

    fn video_url(&self, task_id: &str) -> String {
        format!("{}/cdn/{task_id}.mp4", self.base_url)
    }

    fn image_url(&self, task_id: &str, index: u32) -> String {
        format!("{}/cdn/{task_id}/{index}.png", self.base_url)
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// An error answer: HTTP status and the `{"code","message","data":null}`
/// envelope carrying the same number.
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

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    fn scripted(failure: ScriptedFailure) -> Self {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status == StatusCode::TOO_MANY_REQUESTS {
            "rate limited: too many requests, slow down".to_owned()
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.status.as_u16(),
            "message": self.message,
            "data": Value::Null,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn success(message: &str, data: Value) -> Response {
    axum::Json(json!({ "code": 200, "message": message, "data": data })).into_response()
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
    tracing::debug!(%method, %path, authorized, "fake xskill request");
    state.requests.push(record);

    let answer = if path == "/api/v3" || path.starts_with("/api/v3/") {
        api(&mut state, &method, &path, authorized, &body)
    } else if let Some(rest) = path.strip_prefix("/cdn/") {
        cdn(&state, &method, rest)
    } else {
        Err(ApiError::not_found(format!("no route for {method} {path}")))
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
    let is_create = path == "/api/v3/tasks/create";
    if is_create && method == Method::POST {
        state.create_calls += 1;
    }
    if !authorized {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: missing or invalid API key (expected Authorization: Bearer sk-...)",
        ));
    }
    if let Some(failure) = state.failures.pop_front() {
        return Err(ApiError::scripted(failure));
    }
    match (method.clone(), path) {
        (Method::POST, "/api/v3/tasks/create") => create_task(state, body),
        (Method::POST, "/api/v3/tasks/query") => query_task(state, body),
        (Method::GET, "/api/v3/balance" | "/api/v3/user/balance") => Ok(balance(state)),
        (Method::POST, "/api/v3/upload/image") => upload_image(state, body),
        (
            _,
            "/api/v3/tasks/create"
            | "/api/v3/tasks/query"
            | "/api/v3/upload/image"
            | "/api/v3/balance"
            | "/api/v3/user/balance",
        ) => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} not allowed on {path}"),
        )),
        _ => Err(ApiError::not_found(format!("no route for {method} {path}"))),
    }
}

/// Decodes a JSON body into a typed request; serde's message already names the
/// unknown or missing field.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("invalid request body: {error}")))
}

fn balance(state: &FakeState) -> Response {
    success(
        "查询成功",
        json!({ "balance": state.balance, "currency": "credits" }),
    )
}

// ---------------------------------------------------------------------------
// POST /api/v3/tasks/create
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    model: String,
    params: Option<Map<String, Value>>,
    // Accepted so clients may pass them; the fake has no channels and never
    // calls back (tests poll instead).
    #[allow(dead_code)]
    channel: Option<String>,
    #[allow(dead_code)]
    callback_url: Option<String>,
}

/// What validation of a create request decided: the charge and the output.
struct TaskPlan {
    price: i64,
    kind: TaskKind,
}

fn create_task(state: &mut FakeState, body: &[u8]) -> Answer {
    let request: CreateRequest = decode(body)?;
    let plan = plan_task(&request.model, request.params.as_ref())?;
    if plan.price > state.balance {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "insufficient balance: this task needs {} credits but only {} are available",
                plan.price, state.balance
            ),
        ));
    }
    state.balance -= plan.price;

    let task_id = format!("task_{}", state.fresh_id("task"));
    let request_id = state.fresh_id("request");
    let outcome = state.outcomes.pop_front().unwrap_or(TaskOutcome::Succeed);
    state.tasks.push(TaskRecord {
        task_id: task_id.clone(),
        model: request.model.clone(),
        params: Value::Object(request.params.unwrap_or_default()),
        price: plan.price,
        kind: plan.kind,
        outcome,
        polls: 0,
        status: TaskStatus::Pending,
    });
    Ok(success(
        "任务创建成功",
        json!({
            "task_id": task_id,
            "request_id": request_id,
            "model": request.model,
            "status": TaskStatus::Pending.as_str(),
            "price": plan.price,
            "balance": state.balance,
        }),
    ))
}

/// Checks the model exists (404 otherwise, before looking at params) and
/// validates its params.
fn plan_task(model: &str, params: Option<&Map<String, Value>>) -> Result<TaskPlan, ApiError> {
    let known = [
        SEEDANCE_MODEL,
        SEEDREAM_TEXT_TO_IMAGE_MODEL,
        SEEDREAM_EDIT_MODEL,
    ];
    if !known.contains(&model) {
        return Err(ApiError::not_found(format!("model not found: {model}")));
    }
    let params = Params(params.ok_or_else(|| ApiError::bad_request("params is required"))?);
    match model {
        SEEDANCE_MODEL => plan_seedance(&params),
        SEEDREAM_EDIT_MODEL => plan_seedream(&params, true),
        _ => plan_seedream(&params, false),
    }
}

fn plan_seedance(params: &Params<'_>) -> Result<TaskPlan, ApiError> {
    params.reject_unknown(SEEDANCE_PARAMS)?;
    let tier = params
        .one_of("model", SEEDANCE_TIERS)?
        .unwrap_or("seedance_2.0_fast");
    params.prompt()?;
    let mode = params
        .one_of("functionMode", FUNCTION_MODES)?
        .unwrap_or("omni_reference");
    let ratio = params.one_of("ratio", RATIOS)?.unwrap_or("16:9");
    let duration = params.integer_in("duration", 4, 15)?.unwrap_or(5);
    let images = params.url_list("image_files", 9)?.unwrap_or_default();
    let videos = params.url_list("video_files", 3)?.unwrap_or_default();
    let audios = params.url_list("audio_files", 3)?.unwrap_or_default();
    let frames = params.url_list("filePaths", 2)?.unwrap_or_default();

    if mode == "first_last_frames" {
        let omni = [
            ("image_files", &images),
            ("video_files", &videos),
            ("audio_files", &audios),
        ];
        if let Some((field, _)) = omni.iter().find(|(_, list)| !list.is_empty()) {
            return Err(ApiError::bad_request(format!(
                "{field} must be absent or empty when functionMode is first_last_frames; \
                 pass the first/last frame in filePaths"
            )));
        }
    } else {
        if !frames.is_empty() {
            return Err(ApiError::bad_request(
                "filePaths is only allowed when functionMode is first_last_frames; \
                 use image_files in omni_reference mode",
            ));
        }
        if !audios.is_empty() && images.is_empty() && videos.is_empty() {
            return Err(ApiError::bad_request(
                "audio_files cannot be sent alone: add at least one image_files or video_files entry",
            ));
        }
    }
    let total = images.len() + videos.len() + audios.len() + frames.len();
    if total > MAX_REFERENCE_FILES {
        return Err(ApiError::bad_request(format!(
            "too many reference files: {total} given across image_files, video_files and \
             audio_files, at most {MAX_REFERENCE_FILES} in all"
        )));
    }

    let per_second = seedance_credits_per_second(tier == "seedance_2.0", !videos.is_empty());
    let (width, height) = video_dimensions(ratio);
    Ok(TaskPlan {
        price: per_second * duration,
        kind: TaskKind::Video { width, height },
    })
}

/// Standard costs twice fast; any video reference doubles the rate again.
fn seedance_credits_per_second(standard: bool, with_video: bool) -> i64 {
    match (standard, with_video) {
        (false, false) => 10,
        (false, true) => 20,
        (true, false) => 20,
        (true, true) => 40,
    }
}

/// 720p frame sizes per ratio; only reported in the image-object result shape.
fn video_dimensions(ratio: &str) -> (u32, u32) {
    match ratio {
        "21:9" => (1680, 720),
        "4:3" => (960, 720),
        "1:1" => (720, 720),
        "3:4" => (720, 960),
        "9:16" => (720, 1280),
        _ => (1280, 720),
    }
}

fn plan_seedream(params: &Params<'_>, edit: bool) -> Result<TaskPlan, ApiError> {
    params.reject_unknown(if edit {
        SEEDREAM_EDIT_PARAMS
    } else {
        SEEDREAM_TEXT_PARAMS
    })?;
    params.prompt()?;
    params.one_of("image_size", IMAGE_SIZES)?;
    let count = params.integer_in("num_images", 1, 6)?.unwrap_or(1);
    if edit {
        let sources = params.url_list("image_urls", 10)?.unwrap_or_default();
        if sources.is_empty() {
            return Err(ApiError::bad_request(
                "image_urls is required: an array of 1 to 10 image URLs",
            ));
        }
    }
    Ok(TaskPlan {
        price: SEEDREAM_CREDITS_PER_IMAGE * count,
        kind: TaskKind::Images {
            count: u32::try_from(count).unwrap_or(1),
        },
    })
}

/// Field-level validation over a params object. `null` counts as absent.
struct Params<'a>(&'a Map<String, Value>);

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    /// Strictness catches typos such as `function_mode` that the real API
    /// would silently ignore, turning into confusing output.
    fn reject_unknown(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.0.keys().find(|key| !allowed.contains(&key.as_str())) {
            Some(key) => Err(ApiError::bad_request(format!(
                "unknown parameter {key}; allowed: {}",
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }

    fn prompt(&self) -> Result<&'a str, ApiError> {
        self.get("prompt")
            .and_then(Value::as_str)
            .filter(|prompt| !prompt.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request("prompt is required and must be a non-empty string")
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
                ApiError::bad_request(format!(
                    "{key} must be one of {} (got {value})",
                    allowed.join(", ")
                ))
            })
    }

    /// Only a JSON integer passes: `"5"` (the old API) and `5.0` are rejected.
    fn integer_in(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        value
            .as_i64()
            .filter(|number| (min..=max).contains(number))
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{key} must be an integer between {min} and {max} (got {value})"
                ))
            })
    }

    fn url_list(&self, key: &str, max: usize) -> Result<Option<Vec<&'a str>>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let items = value.as_array().ok_or_else(|| {
            ApiError::bad_request(format!("{key} must be an array of URL strings"))
        })?;
        if items.len() > max {
            return Err(ApiError::bad_request(format!(
                "{key} has {} entries; at most {max} are allowed",
                items.len()
            )));
        }
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                item.as_str().filter(|url| is_http_url(url)).ok_or_else(|| {
                    ApiError::bad_request(format!("{key}[{index}] must be an http(s) URL string"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

fn is_http_url(text: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        text.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    })
}

// ---------------------------------------------------------------------------
// POST /api/v3/tasks/query
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    task_id: String,
}

fn query_task(state: &mut FakeState, body: &[u8]) -> Answer {
    let request: QueryRequest = decode(body)?;
    let (pending_polls, processing_polls) =
        (state.config.pending_polls, state.config.processing_polls);
    let task = state
        .tasks
        .iter_mut()
        .find(|task| task.task_id == request.task_id)
        .ok_or_else(|| ApiError::not_found(format!("task not found: {}", request.task_id)))?;
    let refund = task
        .advance(pending_polls, processing_polls)
        .then_some(task.price);
    let task = task.clone();
    if let Some(price) = refund {
        state.balance += price;
    }
    Ok(success("查询成功", query_data(state, &task)))
}

fn query_data(state: &FakeState, task: &TaskRecord) -> Value {
    let mut data = json!({
        "task_id": task.task_id,
        "model": task.model,
        "status": task.status.as_str(),
        "result": Value::Null,
        "error": Value::Null,
        "price": task.price,
    });
    match (task.status, &task.outcome) {
        (TaskStatus::Processing, _) => {
            data["progress"] = json!({
                "stage": "generating",
                "message": "the model is generating the output",
            });
        }
        (TaskStatus::Completed, _) => attach_result(state, task, &mut data),
        (TaskStatus::Failed, TaskOutcome::Fail(message)) => {
            data["error"] = Value::String(message.clone());
        }
        (TaskStatus::Failed, TaskOutcome::Expire) => {
            data["error"] = Value::String("生成超时，任务已取消".to_owned());
        }
        _ => {}
    }
    data
}

fn attach_result(state: &FakeState, task: &TaskRecord, data: &mut Value) {
    let shape = state.config.result_shape;
    match task.kind {
        TaskKind::Video { width, height } => {
            let url = state.video_url(&task.task_id);
            match shape {
                ResultShape::OutputImagesStrings => {
                    data["result"] = json!({ "output": { "images": [url] } });
                }
                ResultShape::OutputVideoUrl => {
                    data["output"] = json!({ "video_url": url });
                }
                ResultShape::OutputImagesObjects => {
                    let file = format!("{}.mp4", task.task_id);
                    let object = media_object(&url, width, height, "video/mp4", &file);
                    data["result"] = json!({ "output": { "images": [object] } });
                }
                ResultShape::OutputVideos => {
                    data["result"] = json!({ "output": { "videos": [url] } });
                }
            }
        }
        TaskKind::Images { count } => {
            let images: Vec<Value> = (0..count)
                .map(|index| {
                    let url = state.image_url(&task.task_id, index);
                    if shape == ResultShape::OutputImagesObjects {
                        let file = format!("{}_{index}.png", task.task_id);
                        media_object(&url, 2048, 2048, "image/png", &file)
                    } else {
                        Value::String(url)
                    }
                })
                .collect();
            data["result"] = json!({ "output": { "images": images } });
        }
    }
}

fn media_object(url: &str, width: u32, height: u32, content_type: &str, file_name: &str) -> Value {
    json!({
        "url": url,
        "width": width,
        "height": height,
        "content_type": content_type,
        "file_name": file_name,
    })
}

// ---------------------------------------------------------------------------
// POST /api/v3/upload/image
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadRequest {
    image_url: Option<String>,
    image_data: Option<String>,
}

fn upload_image(state: &mut FakeState, body: &[u8]) -> Answer {
    let request: UploadRequest = decode(body)?;
    let upload = match (request.image_url, request.image_data) {
        (Some(url), None) => upload_from_url(url)?,
        (None, Some(data)) => upload_from_base64(&data)?,
        _ => {
            return Err(ApiError::bad_request(
                "exactly one of image_url or image_data is required",
            ));
        }
    };
    let url = state.upload_url(state.uploads.len(), &upload);
    state.uploads.push(upload);
    Ok(success("上传成功", json!({ "url": url })))
}

fn upload_from_url(url: String) -> Result<StoredUpload, ApiError> {
    if !is_http_url(&url) {
        return Err(ApiError::bad_request("image_url must be an http(s) URL"));
    }
    Ok(StoredUpload {
        bytes: PLACEHOLDER_PNG.to_vec(),
        content_type: "image/png",
        extension: "png",
        source_url: Some(url),
    })
}

fn upload_from_base64(data: &str) -> Result<StoredUpload, ApiError> {
    if data.starts_with("data:") {
        return Err(ApiError::bad_request(
            "image_data must be raw base64 without a data: URL prefix",
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|error| {
            ApiError::bad_request(format!("image_data is not valid base64: {error}"))
        })?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "image_data is {} bytes once decoded; the limit is {MAX_UPLOAD_BYTES} bytes (10 MB)",
                bytes.len()
            ),
        ));
    }
    let (content_type, extension) = sniff_image(&bytes).ok_or_else(|| {
        ApiError::bad_request("image_data is not a PNG, JPEG, WebP, GIF or BMP image")
    })?;
    Ok(StoredUpload {
        bytes,
        content_type,
        extension,
        source_url: None,
    })
}

// ---------------------------------------------------------------------------
// GET /cdn/... (no auth, like a CDN)
// ---------------------------------------------------------------------------

fn cdn(state: &FakeState, method: &Method, rest: &str) -> Answer {
    let missing = || ApiError::not_found(format!("no such file: /cdn/{rest}"));
    if method != Method::GET {
        return Err(missing());
    }
    let (content_type, bytes) = if let Some(name) = rest.strip_prefix("uploads/") {
        cdn_upload(state, name)
    } else if let Some(task_id) = rest.strip_suffix(".mp4") {
        cdn_video(state, task_id)
    } else {
        cdn_image(state, rest)
    }
    .ok_or_else(missing)?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

fn cdn_upload(state: &FakeState, name: &str) -> Option<(&'static str, Vec<u8>)> {
    let (number, extension) = name.split_once('.')?;
    let index = number.parse::<usize>().ok()?.checked_sub(1)?;
    let upload = state.uploads.get(index)?;
    (upload.extension == extension).then(|| (upload.content_type, upload.bytes.clone()))
}

/// Results exist only once the task completed, as on the real CDN.
fn completed_task<'s>(state: &'s FakeState, task_id: &str) -> Option<&'s TaskRecord> {
    state
        .find_task(task_id)
        .filter(|task| task.status == TaskStatus::Completed)
}

fn cdn_video(state: &FakeState, task_id: &str) -> Option<(&'static str, Vec<u8>)> {
    let task = completed_task(state, task_id)?;
    matches!(task.kind, TaskKind::Video { .. })
        .then(|| ("video/mp4", state.config.result_bytes.clone()))
}

fn cdn_image(state: &FakeState, rest: &str) -> Option<(&'static str, Vec<u8>)> {
    let (task_id, file) = rest.split_once('/')?;
    let index = file.strip_suffix(".png")?.parse::<u32>().ok()?;
    let task = completed_task(state, task_id)?;
    match task.kind {
        // A Seedream result is an image, whatever video bytes the test configured.
        TaskKind::Images { count } if index < count => {
            Some(("image/png", PLACEHOLDER_PNG.to_vec()))
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const TINY_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=";

    use crate::support::test_client::{Reply, client, send};

    async fn post_as(fake: &FakeXskill, key: Option<&str>, path: &str, body: Value) -> Reply {
        let mut request = client()
            .post(format!("{}{path}", fake.base_url()))
            .json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        send(request).await
    }

    async fn post(fake: &FakeXskill, path: &str, body: Value) -> Reply {
        post_as(fake, Some(fake.api_key()), path, body).await
    }

    async fn get(fake: &FakeXskill, path: &str) -> Reply {
        let request = client()
            .get(format!("{}{path}", fake.base_url()))
            .bearer_auth(fake.api_key());
        send(request).await
    }

    async fn create(fake: &FakeXskill, model: &str, params: Value) -> Reply {
        post(
            fake,
            "/api/v3/tasks/create",
            json!({ "model": model, "params": params }),
        )
        .await
    }

    async fn create_video(fake: &FakeXskill, params: Value) -> Reply {
        create(fake, SEEDANCE_MODEL, params).await
    }

    async fn query(fake: &FakeXskill, task_id: &str) -> Reply {
        post(fake, "/api/v3/tasks/query", json!({ "task_id": task_id })).await
    }

    /// Polls until the task is terminal, returning every status seen and the
    /// final `data`.
    async fn poll_to_end(fake: &FakeXskill, task_id: &str) -> (Vec<String>, Value) {
        let mut seen = Vec::new();
        for _ in 0..20 {
            let reply = query(fake, task_id).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let data = reply.body["data"].clone();
            let status = data["status"].as_str().unwrap().to_owned();
            seen.push(status.clone());
            if status == "completed" || status == "failed" {
                return (seen, data);
            }
        }
        panic!("task {task_id} never finished: {seen:?}");
    }

    fn assert_error(reply: &Reply, status: u16, mentions: &str) {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert_eq!(reply.body["code"], status);
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

    fn extract_video_url(data: &Value, shape: ResultShape) -> String {
        let url = match shape {
            ResultShape::OutputImagesStrings => &data["result"]["output"]["images"][0],
            ResultShape::OutputVideoUrl => &data["output"]["video_url"],
            ResultShape::OutputImagesObjects => &data["result"]["output"]["images"][0]["url"],
            ResultShape::OutputVideos => &data["result"]["output"]["videos"][0],
        };
        url.as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn requests_without_a_key_or_with_a_wrong_key_get_401_and_create_nothing() {
        let fake = FakeXskill::start().await.unwrap();
        let body = json!({ "model": SEEDANCE_MODEL, "params": { "prompt": "a cat" } });

        let missing = post_as(&fake, None, "/api/v3/tasks/create", body.clone()).await;
        assert_error(&missing, 401, "unauthorized");
        let wrong = post_as(&fake, Some("sk-wrong"), "/api/v3/tasks/create", body).await;
        assert_error(&wrong, 401, "unauthorized");
        let balance = send(client().get(format!("{}/api/v3/balance", fake.base_url()))).await;
        assert_error(&balance, 401, "unauthorized");

        assert!(fake.created_tasks().is_empty());
        assert_eq!(fake.balance(), 10_000);
        assert_eq!(fake.create_calls(), 2);
        let recorded = fake.requests();
        assert_eq!(recorded.len(), 3);
        assert!(recorded.iter().all(|request| !request.authorized));
        assert_eq!(recorded[0].body["params"]["prompt"], "a cat");
    }

    #[tokio::test]
    async fn a_task_is_pending_then_processing_then_completed_in_every_result_shape() {
        let shapes = [
            ResultShape::OutputImagesStrings,
            ResultShape::OutputVideoUrl,
            ResultShape::OutputImagesObjects,
            ResultShape::OutputVideos,
        ];
        for shape in shapes {
            let config = FakeXskillConfig {
                result_shape: shape,
                result_bytes: b"real mp4 goes here".to_vec(),
                ..FakeXskillConfig::default()
            };
            let fake = FakeXskill::start_with(config).await.unwrap();
            let created = create_video(&fake, json!({ "prompt": "a cat", "duration": 6 })).await;
            assert_eq!(created.status, 200, "{}", created.body);
            assert_eq!(created.body["code"], 200);
            assert_eq!(created.body["message"], "任务创建成功");
            let data = &created.body["data"];
            assert_eq!(data["status"], "pending");
            assert_eq!(data["model"], SEEDANCE_MODEL);
            assert_eq!(data["price"], 60);
            assert_eq!(data["balance"], 10_000 - 60);
            assert!(data["request_id"].is_string());
            let task_id = data["task_id"].as_str().unwrap().to_owned();
            assert!(task_id.starts_with("task_"));

            let (seen, done) = poll_to_end(&fake, &task_id).await;
            assert_eq!(seen, ["pending", "processing", "completed"], "{shape:?}");
            assert_eq!(done["error"], Value::Null);
            let url = extract_video_url(&done, shape);
            assert_eq!(url, format!("{}/cdn/{task_id}.mp4", fake.base_url()));

            let download = reqwest::get(&url).await.unwrap();
            assert_eq!(download.status().as_u16(), 200);
            assert_eq!(download.headers()["content-type"], "video/mp4");
            assert_eq!(
                download.bytes().await.unwrap().as_ref(),
                b"real mp4 goes here"
            );
            assert_eq!(fake.created_tasks()[0].status, "completed");
            assert_eq!(fake.balance(), 10_000 - 60);
        }
    }

    #[tokio::test]
    async fn processing_answers_carry_a_progress_object() {
        let fake = FakeXskill::start().await.unwrap();
        let created = create_video(&fake, json!({ "prompt": "a cat" })).await;
        let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();
        let first = query(&fake, &task_id).await;
        assert_eq!(first.body["data"]["status"], "pending");
        let second = query(&fake, &task_id).await;
        assert_eq!(second.body["data"]["status"], "processing");
        assert!(second.body["data"]["progress"]["stage"].is_string());
        assert!(second.body["data"]["progress"]["message"].is_string());
    }

    #[tokio::test]
    async fn an_out_of_range_or_string_duration_is_rejected_naming_duration() {
        let fake = FakeXskill::start().await.unwrap();
        for duration in [json!(20), json!("5"), json!(3), json!(5.5)] {
            let reply =
                create_video(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
            assert_error(&reply, 400, "duration must be an integer between 4 and 15");
        }
        assert!(fake.created_tasks().is_empty());
        assert_eq!(fake.create_calls(), 4);
        assert_eq!(fake.balance(), 10_000);
    }

    #[tokio::test]
    async fn ten_image_files_are_rejected() {
        let fake = FakeXskill::start().await.unwrap();
        let reply =
            create_video(&fake, json!({ "prompt": "a cat", "image_files": urls(10) })).await;
        assert_error(&reply, 400, "image_files");
        let nine = create_video(&fake, json!({ "prompt": "a cat", "image_files": urls(9) })).await;
        assert_eq!(nine.status, 200, "{}", nine.body);
    }

    #[tokio::test]
    async fn file_paths_in_omni_reference_mode_are_rejected() {
        let fake = FakeXskill::start().await.unwrap();
        let reply = create_video(&fake, json!({ "prompt": "a cat", "filePaths": urls(1) })).await;
        assert_error(&reply, 400, "filePaths");
        assert!(fake.created_tasks().is_empty());
    }

    #[tokio::test]
    async fn first_last_frames_accepts_two_file_paths_but_not_omni_arrays() {
        let fake = FakeXskill::start().await.unwrap();
        let ok = create_video(
            &fake,
            json!({ "prompt": "a cat", "functionMode": "first_last_frames", "filePaths": urls(2) }),
        )
        .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let three = create_video(
            &fake,
            json!({ "prompt": "a cat", "functionMode": "first_last_frames", "filePaths": urls(3) }),
        )
        .await;
        assert_error(&three, 400, "filePaths");
        let mixed = create_video(
            &fake,
            json!({
                "prompt": "a cat",
                "functionMode": "first_last_frames",
                "filePaths": urls(1),
                "image_files": urls(1),
            }),
        )
        .await;
        assert_error(&mixed, 400, "image_files");
    }

    #[tokio::test]
    async fn audio_files_alone_are_rejected() {
        let fake = FakeXskill::start().await.unwrap();
        let audio = ["https://example.com/a.mp3"];
        let alone = create_video(&fake, json!({ "prompt": "a cat", "audio_files": audio })).await;
        assert_error(&alone, 400, "audio_files");
        let with_image = create_video(
            &fake,
            json!({ "prompt": "a cat", "audio_files": audio, "image_files": urls(1) }),
        )
        .await;
        assert_eq!(with_image.status, 200, "{}", with_image.body);
    }

    #[tokio::test]
    async fn more_than_twelve_files_in_all_are_rejected() {
        let fake = FakeXskill::start().await.unwrap();
        let videos = ["https://example.com/v1.mp4", "https://example.com/v2.mp4"];
        let audios = ["https://example.com/a1.mp3", "https://example.com/a2.mp3"];
        let reply = create_video(
            &fake,
            json!({ "prompt": "a cat", "image_files": urls(9), "video_files": videos, "audio_files": audios }),
        )
        .await;
        assert_error(&reply, 400, "too many reference files");
    }

    #[tokio::test]
    async fn prices_follow_tier_duration_and_video_input() {
        let fake = FakeXskill::start().await.unwrap();
        let video = ["https://example.com/v.mp4"];
        let cases = [
            (json!({ "prompt": "p", "duration": 4 }), 40),
            (
                json!({ "prompt": "p", "duration": 4, "video_files": video }),
                80,
            ),
            (
                json!({ "prompt": "p", "model": "seedance_2.0", "duration": 10 }),
                200,
            ),
            (
                json!({ "prompt": "p", "model": "seedance_2.0", "duration": 15, "video_files": video }),
                600,
            ),
        ];
        let mut expected_balance = 10_000;
        for (params, price) in cases {
            let reply = create_video(&fake, params).await;
            assert_eq!(reply.body["data"]["price"], price, "{}", reply.body);
            expected_balance -= price;
            assert_eq!(reply.body["data"]["balance"], expected_balance);
        }
        assert_eq!(fake.balance(), expected_balance);
        let balance = get(&fake, "/api/v3/user/balance").await;
        assert_eq!(balance.body["data"]["balance"], expected_balance);
        assert_eq!(balance.body["data"]["currency"], "credits");
    }

    #[tokio::test]
    async fn an_insufficient_balance_gives_402_and_leaves_the_balance_unchanged() {
        let fake = FakeXskill::start().await.unwrap();
        fake.set_balance(30);
        let reply = create_video(&fake, json!({ "prompt": "a cat", "duration": 5 })).await;
        assert_error(&reply, 402, "insufficient balance");
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("50") && message.contains("30"),
            "{message}"
        );
        assert_eq!(fake.balance(), 30);
        assert!(fake.created_tasks().is_empty());
        assert_eq!(
            get(&fake, "/api/v3/balance").await.body["data"]["balance"],
            30
        );
    }

    #[tokio::test]
    async fn a_failed_task_reports_its_error_and_refunds_its_price_once() {
        let fake = FakeXskill::start().await.unwrap();
        fake.script_next_outcome(TaskOutcome::Fail(FACE_DETECTED_ERROR.to_owned()));
        let created = create_video(&fake, json!({ "prompt": "a face", "duration": 10 })).await;
        assert_eq!(fake.balance(), 10_000 - 100);
        let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();

        let (seen, done) = poll_to_end(&fake, &task_id).await;
        assert_eq!(seen.last().unwrap(), "failed");
        assert_eq!(done["error"], FACE_DETECTED_ERROR);
        assert_eq!(done["result"], Value::Null);
        assert_eq!(fake.balance(), 10_000);
        let again = query(&fake, &task_id).await;
        assert_eq!(again.body["data"]["status"], "failed");
        assert_eq!(fake.balance(), 10_000);

        // The scripted outcome was used up: the next task succeeds.
        let next = create_video(&fake, json!({ "prompt": "a cat" })).await;
        let next_id = next.body["data"]["task_id"].as_str().unwrap().to_owned();
        assert_eq!(poll_to_end(&fake, &next_id).await.1["status"], "completed");
    }

    #[tokio::test]
    async fn a_scripted_429_carries_retry_after_and_is_used_once() {
        let fake = FakeXskill::start().await.unwrap();
        fake.fail_next_request(429, Some(7));
        fake.fail_next_request(503, None);
        let limited = create_video(&fake, json!({ "prompt": "a cat" })).await;
        assert_error(&limited, 429, "rate limited");
        assert_eq!(limited.headers["retry-after"], "7");
        let unavailable = get(&fake, "/api/v3/balance").await;
        assert_error(&unavailable, 503, "Service Unavailable");
        assert!(unavailable.headers.get("retry-after").is_none());
        let ok = create_video(&fake, json!({ "prompt": "a cat" })).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(fake.create_calls(), 2);
        assert_eq!(fake.created_tasks().len(), 1);
    }

    #[tokio::test]
    async fn uploads_accept_a_png_in_base64_and_reject_non_image_bytes() {
        let fake = FakeXskill::start().await.unwrap();
        let reply = post(
            &fake,
            "/api/v3/upload/image",
            json!({ "image_data": TINY_PNG_BASE64 }),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let url = reply.body["data"]["url"].as_str().unwrap().to_owned();
        assert_eq!(url, format!("{}/cdn/uploads/1.png", fake.base_url()));
        let download = reqwest::get(&url).await.unwrap();
        assert_eq!(download.headers()["content-type"], "image/png");
        assert_eq!(download.bytes().await.unwrap().as_ref(), PLACEHOLDER_PNG);

        let text = base64::engine::general_purpose::STANDARD.encode(b"just some text");
        let not_image = post(&fake, "/api/v3/upload/image", json!({ "image_data": text })).await;
        assert_error(&not_image, 400, "image_data");
        let not_base64 = post(
            &fake,
            "/api/v3/upload/image",
            json!({ "image_data": "%%%" }),
        )
        .await;
        assert_error(&not_base64, 400, "base64");
        let prefixed = format!("data:image/png;base64,{TINY_PNG_BASE64}");
        let data_url = post(
            &fake,
            "/api/v3/upload/image",
            json!({ "image_data": prefixed }),
        )
        .await;
        assert_error(&data_url, 400, "data:");
        let both = post(
            &fake,
            "/api/v3/upload/image",
            json!({ "image_data": TINY_PNG_BASE64, "image_url": "https://example.com/a.png" }),
        )
        .await;
        assert_error(&both, 400, "exactly one");
        assert_eq!(fake.uploads().len(), 1);
    }

    #[tokio::test]
    async fn an_upload_over_ten_megabytes_is_rejected_with_413() {
        let fake = FakeXskill::start().await.unwrap();
        let mut bytes = PLACEHOLDER_PNG.to_vec();
        bytes.resize(MAX_UPLOAD_BYTES + 1, 0);
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let reply = post(&fake, "/api/v3/upload/image", json!({ "image_data": data })).await;
        assert_error(&reply, 413, "10 MB");
    }

    #[tokio::test]
    async fn an_upload_by_url_is_hosted_without_fetching() {
        let fake = FakeXskill::start().await.unwrap();
        let reply = post(
            &fake,
            "/api/v3/upload/image",
            json!({ "image_url": "https://example.com/cat.jpg" }),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let uploads = fake.uploads();
        assert_eq!(
            uploads[0].source_url.as_deref(),
            Some("https://example.com/cat.jpg")
        );
        assert_eq!(reply.body["data"]["url"], uploads[0].url);
    }

    #[tokio::test]
    async fn querying_an_unknown_task_gives_404() {
        let fake = FakeXskill::start().await.unwrap();
        let reply = query(&fake, "task_does_not_exist").await;
        assert_error(&reply, 404, "task_does_not_exist");
    }

    #[tokio::test]
    async fn an_unknown_model_gives_404_and_an_unknown_route_gives_404() {
        let fake = FakeXskill::start().await.unwrap();
        let model = create(&fake, "st-ai/nope", json!({ "prompt": "a cat" })).await;
        assert_error(&model, 404, "st-ai/nope");
        let route = get(&fake, "/api/v3/nothing-here").await;
        assert_error(&route, 404, "/api/v3/nothing-here");
        let outside = get(&fake, "/elsewhere").await;
        assert_error(&outside, 404, "/elsewhere");
    }

    #[tokio::test]
    async fn null_channel_and_callback_are_accepted_but_unknown_fields_are_not() {
        let fake = FakeXskill::start().await.unwrap();
        let with_nulls = post(
            &fake,
            "/api/v3/tasks/create",
            json!({
                "model": SEEDANCE_MODEL,
                "channel": null,
                "callback_url": null,
                "params": { "prompt": "a cat", "ratio": null },
            }),
        )
        .await;
        assert_eq!(with_nulls.status, 200, "{}", with_nulls.body);
        let typo = create_video(
            &fake,
            json!({ "prompt": "a cat", "function_mode": "omni_reference" }),
        )
        .await;
        assert_error(&typo, 400, "function_mode");
        let no_prompt = create_video(&fake, json!({ "prompt": "  " })).await;
        assert_error(&no_prompt, 400, "prompt");
        let bad_ratio = create_video(&fake, json!({ "prompt": "a cat", "ratio": "2:1" })).await;
        assert_error(&bad_ratio, 400, "ratio");
    }

    #[tokio::test]
    async fn seedream_tasks_return_one_png_url_per_requested_image() {
        let fake = FakeXskill::start().await.unwrap();
        let created = create(
            &fake,
            SEEDREAM_TEXT_TO_IMAGE_MODEL,
            json!({ "prompt": "a cat", "image_size": "square_hd", "num_images": 3 }),
        )
        .await;
        assert_eq!(created.body["data"]["price"], 48, "{}", created.body);
        let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();
        let (_, done) = poll_to_end(&fake, &task_id).await;
        let images = done["result"]["output"]["images"].as_array().unwrap();
        assert_eq!(images.len(), 3);
        let download = reqwest::get(images[2].as_str().unwrap()).await.unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.headers()["content-type"], "image/png");

        let seven = create(
            &fake,
            SEEDREAM_TEXT_TO_IMAGE_MODEL,
            json!({ "prompt": "a", "num_images": 7 }),
        )
        .await;
        assert_error(&seven, 400, "num_images");
        let no_sources = create(&fake, SEEDREAM_EDIT_MODEL, json!({ "prompt": "a" })).await;
        assert_error(&no_sources, 400, "image_urls");
        let edit = create(
            &fake,
            SEEDREAM_EDIT_MODEL,
            json!({ "prompt": "a", "image_urls": urls(2) }),
        )
        .await;
        assert_eq!(edit.status, 200, "{}", edit.body);
    }

    #[tokio::test]
    async fn result_urls_are_not_served_before_the_task_completes() {
        let fake = FakeXskill::start().await.unwrap();
        let created = create_video(&fake, json!({ "prompt": "a cat" })).await;
        let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();
        let early = reqwest::get(format!("{}/cdn/{task_id}.mp4", fake.base_url()))
            .await
            .unwrap();
        assert_eq!(early.status().as_u16(), 404);
    }

    #[tokio::test]
    async fn dropping_the_fake_stops_the_server() {
        let fake = FakeXskill::start().await.unwrap();
        let url = format!("{}/api/v3/balance", fake.base_url());
        drop(fake);
        tokio::task::yield_now().await;
        let result = client().get(url).send().await;
        assert!(result.is_err());
    }
}
