//! A stateful, strict local fake of the seedance2ai.io public HTTP API.
//!
//! This module owns everything needed to test the seedance2ai.io provider
//! without the internet: an axum server on `127.0.0.1:0` that answers the
//! routes of `https://www.seedance2ai.io/api/v1` with the same JSON shapes and
//! error codes, keeps the key owner's credit balance, enforces the
//! `Idempotency-Key` contract that makes create retries safe, runs each task
//! through processing → completed/failed (advanced by `GET /tasks/{id}`, never
//! by wall-clock time), refunds failed tasks, optionally applies the per-account
//! rate limit, and serves results from `/cdn/...` on itself so downloads stay
//! local too.
//!
//! Routes (all under `/api/v1`, all needing `Authorization: Bearer sk_live_…`):
//! `POST /video/seedance2`, `POST /image/gpt-image-2`,
//! `POST /image/nano-banana-pro`, `GET /tasks/{id}`. Anything else is a 404
//! `not_found`: the real API has no balance, quote or upload endpoint.
//!
//! It is deliberately *strict*: unknown fields, `teamSlug`/`provider`, a JSON
//! number for the string `duration`, media that are not public https URLs and
//! mode/media mismatches are all 400 `invalid_request` naming the field, so a
//! client that drifts from the documented contract fails here first.
//!
//! Choices where the public documentation is silent (so tests and the client
//! agree on one answer):
//! - Pricing. Video: credits per second mini 4, standard 6, pro 10 (the only
//!   published point is 30 credits for 5 s standard 720p); ×1.5 at 1080p,
//!   ×2 at 1080p-plus, ×4 at 4k; mode, channel, audio and lens do not change
//!   the price. Images per image: gpt-image-2 8 and nano-banana-pro 12 at 1K
//!   (the documented examples), ×1.5 at 2K and ×2 at 4K; the gpt-image-2
//!   `economy` channel costs the same. Credits are charged at create.
//! - A gpt-image-2 `batch_count` of N creates N tasks (one image each): the
//!   answer's `id` is the first, `batch_task_ids` lists all, `credits_used` is
//!   the batch total; each task reports its own share.
//! - Idempotency: only successful creates remember their key (for the fake's
//!   lifetime, scoped to its one account). A replay must hit the same path with
//!   a JSON-equal body (key order and whitespace do not matter) and gets the
//!   original 200 answer verbatim, stale `remaining_credits` included. Rejected
//!   requests (400, 402, 429, scripted errors) do not burn the key, so a client
//!   may retry with the same key after fixing the cause. The documented
//!   "still running" 409 cannot happen here: each request is handled whole
//!   under one lock.
//! - Order of checks: route outside `/api/v1` → auth (401) → rate limit (429)
//!   → scripted failure → route (404) → `Idempotency-Key` → `Content-Type:
//!   application/json` → JSON object body → replay/conflict → field validation
//!   (400) → credits (402).
//! - The rate limiter (`rate_limit_per_minute`) counts every authorised
//!   `/api/v1` request that it admits, in a sliding 60 s window;
//!   `Retry-After` is the whole seconds until the oldest admitted request
//!   leaves the window (at least 1). It is the only use of the clock.
//! - `null` counts as absent in request bodies (serde clients send `None` as
//!   `null`).
//! - Media URLs must start with `https://` (any case) and name a public host:
//!   `localhost`, `*.local`, loopback, private, link-local and unspecified
//!   addresses are rejected, since the real service must fetch them.
//!   `end_image_url` is only allowed with `image_url` (image-to-video);
//!   `image_urls` on the image models is required for `image-to-image` and
//!   forbidden for `text-to-image`.
//! - Task JSON follows the documented examples: `output.video_url`,
//!   `output.last_frame_url`, `output.seed` for video; `output` is an array of
//!   URLs for gpt-image-2 and `{"images":[{"url","provider_url"}]}` for
//!   nano-banana-pro; `output` is `null` until completed; `error` is `null`
//!   unless failed, then `{"code","message"}`. Timestamps are synthetic (task
//!   N is created at 2026-06-03T10:00:00.000Z plus N minutes, and each poll
//!   moves `updated_at` 30 s), because task state must not depend on time.
//! - `output.seed` echoes a requested non-negative seed, otherwise it is a
//!   number derived from the task id.
//! - [`TaskOutcome::Fail`] with a single word (no whitespace) uses it as the
//!   error `code`; any other text becomes the `message` under the code
//!   `generation_failed`. [`TaskOutcome::Expire`] fails with
//!   `generation_timeout` (the API has no expired state).
//! - Scripted errors carry only `code` and `message`, with the code the API
//!   documents for that status (`invalid_request` for other 4xx,
//!   `internal_error` for other 5xx).
//! - Result URLs are plain `http://127.0.0.1:PORT/cdn/...` (no auth, 404 until
//!   the task completed): `{id}.mp4`, `{id}-last.png`, `{id}.png` or `{id}.jpg`
//!   (nano-banana-pro `output_format`), and `provider/{id}.{ext}`.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::support::{
    FailureQueue, FakeServer, PLACEHOLDER_MP4, PLACEHOLDER_PNG, ScriptedFailure, fnv1a64, lock,
};
pub use super::support::{RecordedRequest, TaskOutcome};

/// The bearer key the fake accepts unless a test configures another one.
pub const DEFAULT_API_KEY: &str = "sk_live_fake";
/// Credits on the account at start: the Trial plan's 200.
pub const DEFAULT_CREDITS: i64 = 200;
/// Path prefix of the API on the fake, as on the real host.
pub const API_PREFIX: &str = "/api/v1";
/// Create path of Seedance 2.0 video tasks (relative to [`FakeSeedance2ai::base_url`]).
pub const VIDEO_PATH: &str = "/video/seedance2";
/// Create path of GPT Image 2 tasks.
pub const GPT_IMAGE_2_PATH: &str = "/image/gpt-image-2";
/// Create path of Nano Banana Pro tasks.
pub const NANO_BANANA_PRO_PATH: &str = "/image/nano-banana-pro";

/// A valid 8×8 white baseline JPEG, served for nano-banana-pro results with
/// `output_format: "jpeg"` so sniffers and decoders agree it is a JPEG.
pub const PLACEHOLDER_JPEG: &[u8] = &[
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x3e, 0x3e, 0x49, 0x3e, 0x49, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x64, 0x5d, 0x64, 0x68, 0x68, 0x68, 0x64, 0x64, 0x64, 0x64, 0x68,
    0x68, 0x68, 0x70, 0x70, 0x70, 0x83, 0x83, 0x83, 0x70, 0x70, 0x70, 0x68, 0x68, 0x70, 0x70, 0x7c,
    0x7c, 0x83, 0x83, 0x8f, 0x93, 0x8f, 0x87, 0x87, 0x83, 0x87, 0x93, 0x93, 0x9b, 0x9b, 0x9b, 0xba,
    0xba, 0xb2, 0xb2, 0xd9, 0xd9, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xc4, 0x00, 0x4b, 0x00, 0x01, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x08, 0x03,
    0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00,
    0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xbf, 0x80, 0x0f, 0xff, 0xd9,
];

const VIDEO_MODES: &[&str] = &["text-to-video", "image-to-video", "media-to-video"];
const QUALITY_TIERS: &[&str] = &["mini", "standard", "pro"];
const VIDEO_CHANNELS: &[&str] = &["standard", "real", "wild"];
const VIDEO_ASPECT_RATIOS: &[&str] = &["1:1", "21:9", "4:3", "3:4", "16:9", "9:16", "adaptive"];
const VIDEO_RESOLUTIONS: &[&str] = &["720p", "1080p", "1080p-plus", "4k"];
const PRO_ONLY_RESOLUTIONS: &[&str] = &["1080p-plus", "4k"];
const VIDEO_FIELDS: &[&str] = &[
    "mode",
    "quality_tier",
    "channel",
    "prompt",
    "aspect_ratio",
    "duration",
    "resolution",
    "image_url",
    "end_image_url",
    "media_urls",
    "generate_audio",
    "fixed_lens",
    "seed",
];
const MIN_DURATION: i64 = 4;
const MAX_DURATION: i64 = 15;
const MAX_MEDIA_URLS: usize = 12;
/// The documented seed range: -1 (random) up to `u32::MAX`.
const SEED_RANGE: (i64, i64) = (-1, 4_294_967_295);

const IMAGE_TYPES: &[&str] = &["text-to-image", "image-to-image"];
const IMAGE_RESOLUTIONS: &[&str] = &["1K", "2K", "4K"];
const GPT_IMAGE_2_ASPECT_RATIOS: &[&str] = &[
    "auto", "1:1", "5:4", "9:16", "21:9", "16:9", "4:3", "3:2", "4:5", "3:4", "2:3", "2:1", "1:2",
    "3:1", "1:3", "9:21",
];
const GPT_IMAGE_2_CHANNELS: &[&str] = &["standard", "economy"];
const GPT_IMAGE_2_FIELDS: &[&str] = &[
    "type",
    "prompt",
    "resolution",
    "aspect_ratio",
    "channel",
    "batch_count",
    "image_urls",
];
const NANO_BANANA_PRO_SIZES: &[&str] = &[
    "1:1", "9:16", "16:9", "3:4", "4:3", "3:2", "2:3", "5:4", "4:5", "21:9", "auto",
];
const NANO_BANANA_PRO_FORMATS: &[&str] = &["png", "jpeg"];
const NANO_BANANA_PRO_FIELDS: &[&str] = &[
    "type",
    "prompt",
    "image_size",
    "output_format",
    "resolution",
    "image_urls",
];

/// Fields the docs say never to send, on any endpoint: the server picks the
/// provider and bills the key owner, not a team.
const FORBIDDEN_FIELDS: &[&str] = &["teamSlug", "provider"];

/// Task N is "created" this many seconds after the Unix epoch plus N minutes
/// (2026-06-03T10:00:00Z, the date in the documented examples).
const CLOCK_BASE_SECS: i64 = 1_780_480_800;
const SECS_BETWEEN_TASKS: i64 = 60;
const SECS_PER_POLL: i64 = 30;
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// How the fake should run.
#[derive(Debug, Clone)]
pub struct FakeSeedance2aiConfig {
    /// The only bearer key accepted.
    pub api_key: String,
    /// Credits on the account at start.
    pub initial_credits: i64,
    /// `GET /tasks/{id}` answers that say "processing" before the outcome.
    pub processing_polls: u32,
    /// Body served for every video result URL.
    pub result_bytes: Vec<u8>,
    /// Authorised API requests admitted per sliding 60 s window (the real
    /// service allows 30); `None` turns the limiter off.
    pub rate_limit_per_minute: Option<u32>,
}

impl Default for FakeSeedance2aiConfig {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_owned(),
            initial_credits: DEFAULT_CREDITS,
            processing_polls: 2,
            result_bytes: PLACEHOLDER_MP4.to_vec(),
            rate_limit_per_minute: None,
        }
    }
}

/// Which product a task generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Seedance 2.0 video (`sd2_…`).
    Video,
    /// GPT Image 2 (`gpt2_…`).
    GptImage2,
    /// Nano Banana Pro (`nbp_…`).
    NanoBananaPro,
}

impl TaskKind {
    /// The `model` string the API reports for this kind.
    pub fn model(self) -> &'static str {
        match self {
            Self::Video => "seedance2",
            Self::GptImage2 => "gpt-image-2",
            Self::NanoBananaPro => "nano-banana-pro",
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            Self::Video => "sd2",
            Self::GptImage2 => "gpt2",
            Self::NanoBananaPro => "nbp",
        }
    }
}

/// A task the fake accepted and charged for.
#[derive(Debug, Clone)]
pub struct FakeTask {
    pub id: String,
    pub kind: TaskKind,
    /// The create request body as received.
    pub body: Value,
    pub credits_used: i64,
    pub credits_refunded: i64,
    /// "processing", "completed" or "failed", as of the last poll.
    pub status: String,
    /// The `Idempotency-Key` of the create request.
    pub idempotency_key: String,
}

/// The running fake. Dropping it stops the server.
pub struct FakeSeedance2ai {
    api_key: String,
    shared: Shared,
    server: FakeServer,
}

impl FakeSeedance2ai {
    /// Starts a fake with [`FakeSeedance2aiConfig::default`].
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeSeedance2aiConfig::default()).await
    }

    /// Starts a fake with the given configuration on an ephemeral local port.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_with(config: FakeSeedance2aiConfig) -> std::io::Result<Self> {
        let api_key = config.api_key.clone();
        let (server, shared) =
            FakeServer::start_stateful("seedance2ai", |addr| FakeState::new(config, addr), handle)
                .await?;
        Ok(Self {
            api_key,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:PORT/api/v1`: what replaces
    /// `https://www.seedance2ai.io/api/v1` in a client under test.
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.server.base_url())
    }

    /// `http://127.0.0.1:PORT`, where result files live under `/cdn/`.
    pub fn origin(&self) -> String {
        self.server.base_url()
    }

    /// The bearer key the fake accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Credits currently on the account.
    pub fn credits(&self) -> i64 {
        self.state().credits
    }

    /// Overwrites the account's credits (e.g. to provoke a 402).
    pub fn set_credits(&self, credits: i64) {
        self.state().credits = credits;
    }

    /// Queues the outcome of the next created task. Tasks with no scripted
    /// outcome succeed.
    pub fn script_next_outcome(&self, outcome: TaskOutcome) {
        self.state().outcomes.push_back(outcome);
    }

    /// Queues an error for the next authorised, rate-admitted `/api/v1`
    /// request of any kind: HTTP `status` with the usual envelope, plus
    /// `Retry-After` when given.
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

    /// How many POSTs reached a create path, accepted or not (replays included).
    pub fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    /// One created task by id.
    pub fn task(&self, id: &str) -> Option<FakeTask> {
        self.state().find_task(id).map(TaskRecord::snapshot)
    }

    fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.shared)
    }
}

type Shared = Arc<Mutex<FakeState>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskStatus {
    Processing,
    Completed,
    Failed,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

/// What a task makes, with the details its JSON and result files need.
#[derive(Debug, Clone)]
enum Product {
    Video {
        quality_tier: &'static str,
        channel: &'static str,
        seed: i64,
    },
    GptImage2,
    NanoBananaPro {
        extension: &'static str,
    },
}

impl Product {
    fn kind(&self) -> TaskKind {
        match self {
            Self::Video { .. } => TaskKind::Video,
            Self::GptImage2 => TaskKind::GptImage2,
            Self::NanoBananaPro { .. } => TaskKind::NanoBananaPro,
        }
    }

    fn image_extension(&self) -> Option<&'static str> {
        match self {
            Self::Video { .. } => None,
            Self::GptImage2 => Some("png"),
            Self::NanoBananaPro { extension } => Some(extension),
        }
    }
}

#[derive(Debug, Clone)]
struct TaskRecord {
    id: String,
    product: Product,
    body: Value,
    idempotency_key: String,
    credits_used: i64,
    credits_refunded: i64,
    outcome: TaskOutcome,
    polls: u32,
    status: TaskStatus,
    created_secs: i64,
    updated_secs: i64,
}

impl TaskRecord {
    fn snapshot(&self) -> FakeTask {
        FakeTask {
            id: self.id.clone(),
            kind: self.product.kind(),
            body: self.body.clone(),
            credits_used: self.credits_used,
            credits_refunded: self.credits_refunded,
            status: self.status.as_str().to_owned(),
            idempotency_key: self.idempotency_key.clone(),
        }
    }

    /// Counts one more poll and moves the state machine. Returns the credits
    /// to give back when this poll is the one that failed the task, so the
    /// refund happens exactly once.
    fn advance(&mut self, processing_polls: u32) -> i64 {
        if self.status != TaskStatus::Processing {
            return 0;
        }
        self.polls = self.polls.saturating_add(1);
        self.updated_secs = self.created_secs + i64::from(self.polls) * SECS_PER_POLL;
        if self.polls <= processing_polls {
            return 0;
        }
        if self.outcome == TaskOutcome::Succeed {
            self.status = TaskStatus::Completed;
            0
        } else {
            self.status = TaskStatus::Failed;
            self.credits_refunded = self.credits_used;
            self.credits_refunded
        }
    }
}

/// A successful create answer, kept so a retry with the same key replays it.
#[derive(Debug, Clone)]
struct RememberedCreate {
    path: String,
    body: Value,
    answer: Value,
}

struct FakeState {
    config: FakeSeedance2aiConfig,
    origin: String,
    port: u16,
    credits: i64,
    outcomes: VecDeque<TaskOutcome>,
    failures: FailureQueue,
    requests: Vec<RecordedRequest>,
    tasks: Vec<TaskRecord>,
    idempotency: HashMap<String, RememberedCreate>,
    /// Admission times inside the current rate window, oldest first.
    admitted: VecDeque<Instant>,
    create_calls: usize,
    next_id: u64,
}

impl FakeState {
    fn new(config: FakeSeedance2aiConfig, addr: SocketAddr) -> Self {
        Self {
            credits: config.initial_credits,
            config,
            origin: format!("http://{addr}"),
            port: addr.port(),
            outcomes: VecDeque::new(),
            failures: FailureQueue::new(),
            requests: Vec::new(),
            tasks: Vec::new(),
            idempotency: HashMap::new(),
            admitted: VecDeque::new(),
            create_calls: 0,
            next_id: 0,
        }
    }

    fn find_task(&self, id: &str) -> Option<&TaskRecord> {
        self.tasks.iter().find(|task| task.id == id)
    }

    /// Ids look random like the real ones but are deterministic per port and
    /// sequence number, which keeps failures reproducible.
    fn fresh_hex(&mut self, salt: &str) -> String {
        self.next_id += 1;
        let seed = format!("{salt}:{}:{}", self.port, self.next_id);
        format!("{:016x}", fnv1a64(seed.as_bytes()))
    }

    /// Sliding-window limiter: admits the request and remembers when, or says
    /// how many whole seconds until the oldest admission leaves the window.
    fn admit(&mut self, now: Instant) -> Result<(), u64> {
        let Some(limit) = self.config.rate_limit_per_minute else {
            return Ok(());
        };
        while self
            .admitted
            .front()
            .is_some_and(|at| now.duration_since(*at) >= RATE_WINDOW)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            self.admitted.push_back(now);
            return Ok(());
        }
        let waited = self
            .admitted
            .front()
            .map_or(Duration::ZERO, |at| now.duration_since(*at));
        let left = RATE_WINDOW.saturating_sub(waited);
        // Round up: a client that sleeps exactly Retry-After must find a slot.
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Err(secs.max(1))
    }

    fn result_url(&self, file: &str) -> String {
        format!("{}/cdn/{file}", self.origin)
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// An error answer: `{"error":{"code","message",…}}` with its HTTP status.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
    /// `(required_credits, available_credits)` of a 402.
    credits: Option<(i64, i64)>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
            credits: None,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests for this account. Retry after the Retry-After header (in seconds).",
            )
        }
    }

    fn insufficient_credits(required: i64, available: i64) -> Self {
        Self {
            credits: Some((required, available)),
            ..Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_credits",
                format!(
                    "Not enough credits: this request needs {required}, the key owner has {available}."
                ),
            )
        }
    }

    fn scripted(failure: ScriptedFailure) -> Self {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match status.as_u16() {
            401 => "unauthorized",
            402 => "insufficient_credits",
            404 => "not_found",
            409 => "idempotency_conflict",
            429 => "rate_limited",
            503 => "service_busy",
            400..=499 => "invalid_request",
            _ => "internal_error",
        };
        let reason = status.canonical_reason().unwrap_or("error");
        Self {
            retry_after_secs: failure.retry_after_secs,
            ..Self::new(status, code, format!("{reason} (scripted by the test)"))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some((required, available)) = self.credits {
            error["required_credits"] = json!(required);
            error["available_credits"] = json!(available);
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

type Answer = Result<Response, ApiError>;

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

/// Single entry point: one place records the request, checks auth, the rate
/// limit and scripted failures, so no route can forget to.
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
    tracing::debug!(%method, %path, authorized, "fake seedance2ai request");
    state.requests.push(record);

    let answer = if let Some(route) = api_route(&path) {
        api(&mut state, &method, route, authorized, &headers, &body)
    } else if let Some(rest) = path.strip_prefix("/cdn/") {
        cdn(&state, &method, rest)
    } else {
        Err(ApiError::not_found(format!("No route for {method} {path}")))
    };
    answer.unwrap_or_else(IntoResponse::into_response)
}

/// The part of `path` after `/api/v1`, when it is under it.
fn api_route(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(API_PREFIX)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn is_create_path(route: &str) -> bool {
    [VIDEO_PATH, GPT_IMAGE_2_PATH, NANO_BANANA_PRO_PATH].contains(&route)
}

fn api(
    state: &mut FakeState,
    method: &Method,
    route: &str,
    authorized: bool,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let create = *method == Method::POST && is_create_path(route);
    if create {
        state.create_calls += 1;
    }
    if !authorized {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing, invalid, or revoked API key (send Authorization: Bearer sk_live_...).",
        ));
    }
    state
        .admit(Instant::now())
        .map_err(ApiError::rate_limited)?;
    if let Some(failure) = state.failures.pop_front() {
        return Err(ApiError::scripted(failure));
    }
    if create {
        return create_task(state, route, headers, body);
    }
    match route.strip_prefix("/tasks/") {
        Some(id) if *method == Method::GET && !id.is_empty() && !id.contains('/') => {
            get_task(state, id)
        }
        _ => Err(ApiError::not_found(format!(
            "No route for {method} {API_PREFIX}{route}"
        ))),
    }
}

// ---------------------------------------------------------------------------
// POST /video/seedance2, /image/gpt-image-2, /image/nano-banana-pro
// ---------------------------------------------------------------------------

/// What validation decided: what to make, the price of one task, and how many
/// tasks one request creates (gpt-image-2 batches).
struct Plan {
    product: Product,
    unit_price: i64,
    copies: u32,
}

fn create_task(state: &mut FakeState, route: &str, headers: &HeaderMap, body: &[u8]) -> Answer {
    let key = idempotency_key(headers)?;
    require_json_content_type(headers)?;
    let body: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::invalid(format!("Invalid request body: {error}")))?;
    let Some(fields) = body.as_object() else {
        return Err(ApiError::invalid(
            "Invalid request body: expected a JSON object",
        ));
    };

    if let Some(remembered) = state.idempotency.get(&key) {
        if remembered.path == route && remembered.body == body {
            return Ok(axum::Json(remembered.answer.clone()).into_response());
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_conflict",
            format!(
                "Idempotency-Key {key:?} was already used with a different request body; \
                 use a new key for a new request"
            ),
        ));
    }

    let fields = Fields(fields);
    let plan = match route {
        VIDEO_PATH => plan_video(&fields)?,
        GPT_IMAGE_2_PATH => plan_gpt_image_2(&fields)?,
        _ => plan_nano_banana_pro(&fields)?,
    };
    let total = plan.unit_price * i64::from(plan.copies);
    if total > state.credits {
        return Err(ApiError::insufficient_credits(total, state.credits));
    }
    state.credits -= total;

    let ids: Vec<String> = (0..plan.copies)
        .map(|_| admit_task(state, &plan, &body, &key))
        .collect();
    let answer = create_answer(state, &plan, &ids, total);
    state.idempotency.insert(
        key,
        RememberedCreate {
            path: route.to_owned(),
            body,
            answer: answer.clone(),
        },
    );
    Ok(axum::Json(answer).into_response())
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::invalid(
                "Missing Idempotency-Key header: send a unique Idempotency-Key on every POST \
                 so retries never create duplicate paid tasks",
            )
        })
}

fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::invalid("Content-Type must be application/json"))
    }
}

/// Stores one new task and returns its id.
fn admit_task(state: &mut FakeState, plan: &Plan, body: &Value, key: &str) -> String {
    let kind = plan.product.kind();
    let hex = state.fresh_hex(kind.id_prefix());
    let id = format!("{}_{hex}", kind.id_prefix());
    let mut product = plan.product.clone();
    if let Product::Video { seed, .. } = &mut product
        && *seed < 0
    {
        // -1 or absent means "random": report one, as the real API returns the
        // seed it used.
        *seed = i64::from(u32::try_from(fnv1a64(id.as_bytes()) >> 32).unwrap_or(0));
    }
    let outcome = state.outcomes.pop_front().unwrap_or(TaskOutcome::Succeed);
    let sequence = i64::try_from(state.tasks.len()).unwrap_or(i64::MAX);
    let created_secs = CLOCK_BASE_SECS.saturating_add(sequence.saturating_mul(SECS_BETWEEN_TASKS));
    state.tasks.push(TaskRecord {
        id: id.clone(),
        product,
        body: body.clone(),
        idempotency_key: key.to_owned(),
        credits_used: plan.unit_price,
        credits_refunded: 0,
        outcome,
        polls: 0,
        status: TaskStatus::Processing,
        created_secs,
        updated_secs: created_secs,
    });
    id
}

/// The documented submit answers: video carries tier and channel, images carry
/// `remaining_credits`, nano-banana-pro an upstream `request_id`, and a
/// gpt-image-2 batch its task ids.
fn create_answer(state: &mut FakeState, plan: &Plan, ids: &[String], total: i64) -> Value {
    let first = ids.first().cloned().unwrap_or_default();
    let mut answer = json!({
        "id": first,
        "status": TaskStatus::Processing.as_str(),
        "model": plan.product.kind().model(),
        "credits_used": total,
    });
    match &plan.product {
        Product::Video {
            quality_tier,
            channel,
            ..
        } => {
            answer["quality_tier"] = json!(quality_tier);
            answer["channel"] = json!(channel);
        }
        Product::GptImage2 => {
            answer["remaining_credits"] = json!(state.credits);
            if ids.len() > 1 {
                answer["batch_task_ids"] = json!(ids);
                answer["batch_success"] = json!(ids.len());
                answer["batch_failed"] = json!(0);
            }
        }
        Product::NanoBananaPro { .. } => {
            answer["request_id"] = json!(format!("kie_{}", state.fresh_hex("kie")));
            answer["remaining_credits"] = json!(state.credits);
        }
    }
    answer
}

fn plan_video(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    fields.reject_unexpected(VIDEO_FIELDS)?;
    let mode = fields
        .choice("mode", VIDEO_MODES)?
        .unwrap_or("text-to-video");
    let quality_tier = fields
        .choice("quality_tier", QUALITY_TIERS)?
        .unwrap_or("standard");
    let channel = fields
        .choice("channel", VIDEO_CHANNELS)?
        .unwrap_or("standard");
    fields.text("prompt", 3, 10_000)?;
    fields.choice("aspect_ratio", VIDEO_ASPECT_RATIOS)?;
    let duration = fields.duration()?;
    let resolution = fields
        .choice("resolution", VIDEO_RESOLUTIONS)?
        .unwrap_or("720p");
    if PRO_ONLY_RESOLUTIONS.contains(&resolution) && quality_tier != "pro" {
        return Err(ApiError::invalid(format!(
            "resolution {resolution} needs quality_tier pro (got {quality_tier})"
        )));
    }
    let image_url = fields.https_url("image_url")?;
    let end_image_url = fields.https_url("end_image_url")?;
    let media_urls = fields.https_urls("media_urls", 1, MAX_MEDIA_URLS)?;
    fields.boolean("generate_audio")?;
    fields.boolean("fixed_lens")?;
    let seed = fields.integer("seed", SEED_RANGE.0, SEED_RANGE.1)?;
    if seed.is_some() {
        if channel == "real" {
            return Err(ApiError::invalid(
                "seed is not supported on the real channel",
            ));
        }
        if quality_tier == "mini" {
            return Err(ApiError::invalid("seed is not supported on the mini tier"));
        }
    }
    check_video_mode(mode, image_url, end_image_url, media_urls.as_deref())?;

    Ok(Plan {
        product: Product::Video {
            quality_tier,
            channel,
            seed: seed.unwrap_or(-1),
        },
        unit_price: video_price(quality_tier, resolution, duration),
        copies: 1,
    })
}

/// `mode` must match the media sent: none for text-to-video, a start frame
/// (and optional end frame) for image-to-video, `media_urls` for media-to-video.
fn check_video_mode(
    mode: &str,
    image_url: Option<&str>,
    end_image_url: Option<&str>,
    media_urls: Option<&[&str]>,
) -> Result<(), ApiError> {
    let has_frames = image_url.is_some() || end_image_url.is_some();
    match mode {
        "text-to-video" if has_frames || media_urls.is_some() => Err(ApiError::invalid(
            "mode text-to-video takes no media: use image-to-video with image_url \
             or media-to-video with media_urls",
        )),
        "image-to-video" if image_url.is_none() => Err(ApiError::invalid(
            "image_url (the start frame) is required when mode is image-to-video",
        )),
        "image-to-video" if media_urls.is_some() => Err(ApiError::invalid(
            "media_urls is only allowed when mode is media-to-video",
        )),
        "media-to-video" if media_urls.is_none() => Err(ApiError::invalid(
            "media_urls (1 to 12 public https URLs) is required when mode is media-to-video",
        )),
        "media-to-video" if has_frames => Err(ApiError::invalid(
            "image_url and end_image_url are only allowed when mode is image-to-video",
        )),
        _ => Ok(()),
    }
}

/// Our pricing assumption (see the module header), in whole credits.
fn video_price(quality_tier: &str, resolution: &str, duration: i64) -> i64 {
    let per_second = match quality_tier {
        "mini" => 4,
        "pro" => 10,
        _ => 6,
    };
    // Multipliers in halves so 1.5× stays integral.
    let halves = match resolution {
        "1080p" => 3,
        "1080p-plus" => 4,
        "4k" => 8,
        _ => 2,
    };
    per_second * duration * halves / 2
}

/// Per-image price at 1K, 2K (×1.5) and 4K (×2).
fn image_price(at_1k: i64, resolution: &str) -> i64 {
    match resolution {
        "2K" => at_1k * 3 / 2,
        "4K" => at_1k * 2,
        _ => at_1k,
    }
}

fn plan_gpt_image_2(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    fields.reject_unexpected(GPT_IMAGE_2_FIELDS)?;
    let kind = fields.required_choice("type", IMAGE_TYPES)?;
    fields.text("prompt", 3, 20_000)?;
    let resolution = fields.required_choice("resolution", IMAGE_RESOLUTIONS)?;
    fields.required_choice("aspect_ratio", GPT_IMAGE_2_ASPECT_RATIOS)?;
    fields.choice("channel", GPT_IMAGE_2_CHANNELS)?;
    let batch = fields.integer("batch_count", 1, 4)?.unwrap_or(1);
    check_image_sources(fields, kind, 10)?;
    Ok(Plan {
        product: Product::GptImage2,
        unit_price: image_price(8, resolution),
        copies: u32::try_from(batch).unwrap_or(1),
    })
}

fn plan_nano_banana_pro(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    fields.reject_unexpected(NANO_BANANA_PRO_FIELDS)?;
    let kind = fields.required_choice("type", IMAGE_TYPES)?;
    fields.text("prompt", 3, 10_000)?;
    fields.choice("image_size", NANO_BANANA_PRO_SIZES)?;
    let format = fields
        .choice("output_format", NANO_BANANA_PRO_FORMATS)?
        .unwrap_or("png");
    let resolution = fields
        .choice("resolution", IMAGE_RESOLUTIONS)?
        .unwrap_or("1K");
    check_image_sources(fields, kind, 8)?;
    Ok(Plan {
        product: Product::NanoBananaPro {
            extension: if format == "jpeg" { "jpg" } else { "png" },
        },
        unit_price: image_price(12, resolution),
        copies: 1,
    })
}

/// `image_urls` are the images to edit: required for image-to-image,
/// meaningless (so rejected) for text-to-image.
fn check_image_sources(fields: &Fields<'_>, kind: &str, max: usize) -> Result<(), ApiError> {
    let sources = fields.https_urls("image_urls", 1, max)?;
    match (kind, sources) {
        ("image-to-image", None) => Err(ApiError::invalid(format!(
            "image_urls (1 to {max} public https URLs) is required when type is image-to-image"
        ))),
        ("text-to-image", Some(_)) => Err(ApiError::invalid(
            "image_urls is only allowed when type is image-to-image",
        )),
        _ => Ok(()),
    }
}

/// Field-level validation over a JSON object body. `null` counts as absent.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    /// Strictness catches typos (`aspectRatio`) and fields the API forbids,
    /// which the real service would reject or, worse, ignore.
    fn reject_unexpected(&self, allowed: &[&str]) -> Result<(), ApiError> {
        if let Some(key) = FORBIDDEN_FIELDS
            .iter()
            .find(|key| self.0.contains_key(**key))
        {
            return Err(ApiError::invalid(format!(
                "Do not send {key}: the server picks the provider and bills the key owner"
            )));
        }
        match self.0.keys().find(|key| !allowed.contains(&key.as_str())) {
            Some(key) => Err(ApiError::invalid(format!(
                "Unsupported field {key}; allowed: {}",
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }

    fn choice(
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
                    "{key} must be one of {} (got {value})",
                    allowed.join(", ")
                ))
            })
    }

    fn required_choice(
        &self,
        key: &str,
        allowed: &[&'static str],
    ) -> Result<&'static str, ApiError> {
        self.choice(key, allowed)?.ok_or_else(|| {
            ApiError::invalid(format!("{key} is required: one of {}", allowed.join(", ")))
        })
    }

    /// A required string of `min..=max` characters (not bytes) that is not blank.
    fn text(&self, key: &str, min: usize, max: usize) -> Result<&'a str, ApiError> {
        let text = self
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid(format!("{key} is required and must be a string")))?;
        if text.trim().is_empty() {
            return Err(ApiError::invalid(format!("{key} must not be blank")));
        }
        let length = text.chars().count();
        if (min..=max).contains(&length) {
            Ok(text)
        } else {
            Err(ApiError::invalid(format!(
                "{key} must be {min} to {max} characters long (got {length})"
            )))
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.get(key)
            .map(|value| {
                value.as_bool().ok_or_else(|| {
                    ApiError::invalid(format!("{key} must be a boolean (got {value})"))
                })
            })
            .transpose()
    }

    /// Only a JSON integer passes: `"5"` and `5.0` are rejected.
    fn integer(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        value
            .as_i64()
            .filter(|number| (min..=max).contains(number))
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "{key} must be an integer from {min} to {max} (got {value})"
                ))
            })
    }

    /// `duration` is a *string* of whole seconds, "4" to "15"; a JSON number
    /// is the wrong type and is rejected rather than coerced.
    fn duration(&self) -> Result<i64, ApiError> {
        let Some(value) = self.get("duration") else {
            return Ok(5);
        };
        let wrong = || {
            ApiError::invalid(format!(
                "duration must be a string from \"{MIN_DURATION}\" to \"{MAX_DURATION}\" \
                 (seconds, e.g. \"5\"; got {value})"
            ))
        };
        let text = value.as_str().ok_or_else(wrong)?;
        (MIN_DURATION..=MAX_DURATION)
            .find(|seconds| seconds.to_string() == text)
            .ok_or_else(wrong)
    }

    fn https_url(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let url = value.as_str().ok_or_else(|| {
            ApiError::invalid(format!(
                "{key} must be a public https URL string (got {value})"
            ))
        })?;
        check_public_https(key, url)?;
        Ok(Some(url))
    }

    fn https_urls(
        &self,
        key: &str,
        min: usize,
        max: usize,
    ) -> Result<Option<Vec<&'a str>>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let items = value.as_array().ok_or_else(|| {
            ApiError::invalid(format!(
                "{key} must be an array of public https URL strings"
            ))
        })?;
        if !(min..=max).contains(&items.len()) {
            return Err(ApiError::invalid(format!(
                "{key} must hold {min} to {max} URLs (got {})",
                items.len()
            )));
        }
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let field = format!("{key}[{index}]");
                let url = item.as_str().ok_or_else(|| {
                    ApiError::invalid(format!("{field} must be a public https URL string"))
                })?;
                check_public_https(&field, url)?;
                Ok(url)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// The real service fetches media itself, so only `https://` URLs on a public
/// host can work; everything else is refused up front with one message.
fn check_public_https(field: &str, url: &str) -> Result<(), ApiError> {
    let refuse = |why: &str| {
        ApiError::invalid(format!(
            "{field}: media must be public https URLs ({why}; got {url:?})"
        ))
    };
    let lower = url.get(..8).map(str::to_ascii_lowercase);
    let rest = match (lower.as_deref(), url.get(8..)) {
        (Some("https://"), Some(rest)) => rest,
        _ => {
            let scheme = url
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            return Err(refuse(match scheme.as_str() {
                "asset" => "asset:// URLs are not accepted",
                "data" => "data: URLs are not accepted",
                "http" => "plain http is not accepted",
                _ => "not an https URL",
            }));
        }
    };
    if rest.contains(char::is_whitespace) {
        return Err(refuse("it contains whitespace"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(refuse("it has no host"));
    }
    if !is_public_host(host) {
        return Err(refuse("the host is not public"));
    }
    Ok(())
}

fn is_public_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost"
        || [".localhost", ".local", ".internal"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
    {
        return false;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            !(ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast())
        }
        Ok(IpAddr::V6(ip)) => {
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unique_local()
                || ip.is_unicast_link_local())
        }
        Err(_) => true,
    }
}

// ---------------------------------------------------------------------------
// GET /tasks/{id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut FakeState, id: &str) -> Answer {
    let processing_polls = state.config.processing_polls;
    let task = state
        .tasks
        .iter_mut()
        .find(|task| task.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Task {id} does not exist")))?;
    let refund = task.advance(processing_polls);
    let task = task.clone();
    state.credits += refund;
    Ok(axum::Json(task_json(state, &task)).into_response())
}

fn task_json(state: &FakeState, task: &TaskRecord) -> Value {
    let mut data = json!({
        "id": task.id,
        "status": task.status.as_str(),
        "model": task.product.kind().model(),
        "credits_used": task.credits_used,
        "credits_refunded": task.credits_refunded,
        "output": Value::Null,
        "error": Value::Null,
        "created_at": rfc3339_millis(task.created_secs),
        "updated_at": rfc3339_millis(task.updated_secs),
    });
    if let Product::Video {
        quality_tier,
        channel,
        ..
    } = &task.product
    {
        data["quality_tier"] = json!(quality_tier);
        data["channel"] = json!(channel);
    }
    match task.status {
        TaskStatus::Processing => {}
        TaskStatus::Completed => data["output"] = task_output(state, task),
        TaskStatus::Failed => data["error"] = failure_error(&task.outcome),
    }
    data
}

/// The documented completed `output` of each product.
fn task_output(state: &FakeState, task: &TaskRecord) -> Value {
    let id = &task.id;
    match &task.product {
        Product::Video { seed, .. } => json!({
            "video_url": state.result_url(&format!("{id}.mp4")),
            "last_frame_url": state.result_url(&format!("{id}-last.png")),
            "seed": seed,
        }),
        Product::GptImage2 => json!([state.result_url(&format!("{id}.png"))]),
        Product::NanoBananaPro { extension } => json!({
            "images": [{
                "url": state.result_url(&format!("{id}.{extension}")),
                "provider_url": state.result_url(&format!("provider/{id}.{extension}")),
            }],
        }),
    }
}

fn failure_error(outcome: &TaskOutcome) -> Value {
    let (code, message) = match outcome {
        TaskOutcome::Expire => (
            "generation_timeout".to_owned(),
            "The generation did not finish in time; its credits were refunded.".to_owned(),
        ),
        TaskOutcome::Fail(text) if !text.is_empty() && !text.contains(char::is_whitespace) => (
            text.clone(),
            format!("The generation failed ({text}); its credits were refunded."),
        ),
        TaskOutcome::Fail(text) => ("generation_failed".to_owned(), text.clone()),
        TaskOutcome::Succeed => ("generation_failed".to_owned(), String::new()),
    };
    json!({ "code": code, "message": message })
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for seconds since the Unix epoch (UTC), as in
/// the documented examples; civil-from-days after Howard Hinnant.
fn rfc3339_millis(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

// ---------------------------------------------------------------------------
// GET /cdn/... (no auth, like a CDN)
// ---------------------------------------------------------------------------

fn cdn(state: &FakeState, method: &Method, rest: &str) -> Answer {
    let missing = || ApiError::not_found(format!("No such file: /cdn/{rest}"));
    if *method != Method::GET && *method != Method::HEAD {
        return Err(missing());
    }
    let (content_type, bytes) = cdn_file(state, rest).ok_or_else(missing)?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// Results exist only once their task completed, as on the real CDN.
fn cdn_file(state: &FakeState, rest: &str) -> Option<(&'static str, Vec<u8>)> {
    let (provider, file) = match rest.strip_prefix("provider/") {
        Some(file) => (true, file),
        None => (false, rest),
    };
    let (stem, extension) = file.rsplit_once('.')?;
    let (id, last_frame) = match stem.strip_suffix("-last") {
        Some(id) => (id, true),
        None => (stem, false),
    };
    let task = state
        .find_task(id)
        .filter(|task| task.status == TaskStatus::Completed)?;
    match (&task.product, extension, last_frame, provider) {
        (Product::Video { .. }, "mp4", false, false) => {
            Some(("video/mp4", state.config.result_bytes.clone()))
        }
        (Product::Video { .. }, "png", true, false) => {
            Some(("image/png", PLACEHOLDER_PNG.to_vec()))
        }
        (Product::NanoBananaPro { .. }, _, false, _) | (Product::GptImage2, _, false, false) => {
            match (task.product.image_extension()?, extension) {
                ("png", "png") => Some(("image/png", PLACEHOLDER_PNG.to_vec())),
                ("jpg", "jpg") => Some(("image/jpeg", PLACEHOLDER_JPEG.to_vec())),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
