//! A stateful, strict local fake of the seedance2ai.io public HTTP API.
//!
//! This module owns what makes seedance2ai.io's API its own: the routes of
//! `https://www.seedance2ai.io/api/v1` with their JSON shapes and error codes,
//! the key owner's credit balance, the `Idempotency-Key` contract that makes
//! create retries safe, the processing → completed/failed status words (a task
//! has no pending state here), the field rules and prices, and the optional
//! per-account rate limit.
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
//! - Idempotency: the document asks clients to send `Idempotency-Key` on every
//!   POST but names no error for a POST without one, so such a POST is served
//!   like any other and nothing is remembered for it (a retry creates a second
//!   task, which is what the key prevents). Only successful creates remember
//!   their key (for the fake's lifetime, scoped to its one account). A replay must hit the same path with
//!   a JSON-equal body (key order and whitespace do not matter) and gets the
//!   original 200 answer verbatim, stale `remaining_credits` included. Rejected
//!   requests (400, 402, 429, scripted errors) do not burn the key, so a client
//!   may retry with the same key after fixing the cause. The documented
//!   "still running" 409 cannot happen here: each request is handled whole
//!   under one lock.
//! - Order of checks: route outside `/api/v1` → auth (401) → rate limit (429)
//!   → scripted failure → route (404) → `Content-Type:
//!   application/json` → JSON object body → replay/conflict → field validation
//!   (400) → credits (402).
//! - The rate limiter (`rate_limit_per_minute`) counts every authorised
//!   `/api/v1` request that it admits, in a sliding 60 s window;
//!   `Retry-After` is the whole seconds until the oldest admitted request
//!   leaves the window (at least 1). It is the only use of the clock (tokio's,
//!   so a test with a paused clock drives it too).
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
//! - [`crate::TaskOutcome::Fail`] with a single word (no whitespace) uses it as the
//!   error `code`; any other text becomes the `message` under the code
//!   `generation_failed`. [`crate::TaskOutcome::Expire`] fails with
//!   `generation_timeout` (the API has no expired state). The documents show
//!   no failed task, so [`FakeSeedance2ai::report_failures_as`] makes every
//!   failed task carry any other `error` a test names (words, a number, an
//!   object with other keys).
//! - Every error's `code` is the one the API documents for its status
//!   (`invalid_request` for other 4xx, `internal_error` for other 5xx);
//!   scripted errors carry only `code` and `message`.
//! - Result URLs are plain `http://127.0.0.1:PORT/cdn/...` (no auth, 404 until
//!   the task completed): `{id}.mp4`, `{id}-last.png`, `{id}.png` or `{id}.jpg`
//!   (nano-banana-pro `output_format`), and `provider/{id}.{ext}`.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    time::Duration,
};

use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::{
    TaskOutcome,
    fields::{Fields, Problem},
    ledger::{Phase, Task, fnv1a64},
    media::{PLACEHOLDER_MP4, PLACEHOLDER_PNG},
    server::{Answer, Api, ApiError, Fake, FakeApi, Request, State, file, json_ok},
};

#[cfg(test)]
mod tests;

/// The bearer key the fake accepts unless a test configures another one.
pub const DEFAULT_API_KEY: &str = "sk_live_fake";
/// Credits on the account at start: the Trial plan's 200.
pub const DEFAULT_CREDITS: i64 = 200;
/// Path prefix of the API on the fake, as on the real host.
pub const API_PREFIX: &str = "/api/v1";
/// Create path of Seedance 2.0 video tasks (relative to [`crate::FakeControl::base_url`]).
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
    /// The `Idempotency-Key` of the create request, when it carried one.
    pub idempotency_key: Option<String>,
}

/// The running fake. Dropping it stops the server.
pub type FakeSeedance2ai = Fake<Seedance2ai>;

/// The seedance2ai.io API: its configuration, remembered creates and rate window.
pub struct Seedance2ai {
    config: FakeSeedance2aiConfig,
    idempotency: HashMap<String, RememberedCreate>,
    /// Admission times inside the current rate window, oldest first.
    admitted: VecDeque<Instant>,
    /// The `error` every failed task reports, when a test chose one.
    failure_error: Option<Value>,
}

impl FakeSeedance2ai {
    /// From now on every failed task reports `error` as its `error`, exactly as
    /// given, instead of `{"code", "message"}`: the documents show no failed
    /// task, so a client must read whatever form the real service uses.
    pub fn report_failures_as(&self, error: Value) {
        self.state().api.failure_error = Some(error);
    }
}

impl Seedance2ai {
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

/// What the API keeps per task beside the ledger.
#[derive(Debug, Clone)]
pub struct TaskData {
    product: Product,
    body: Value,
    idempotency_key: Option<String>,
    created_secs: i64,
}

/// A successful create answer, kept so a retry with the same key replays it.
#[derive(Debug, Clone)]
struct RememberedCreate {
    path: String,
    body: Value,
    answer: Value,
}

fn result_url(state: &State<Seedance2ai>, file: &str) -> String {
    format!("{}/cdn/{file}", state.origin)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message)
}

impl FakeApi for Seedance2ai {
    type Config = FakeSeedance2aiConfig;
    type Snapshot = FakeTask;
}

impl Api for Seedance2ai {
    type Task = TaskData;
    const NAME: &'static str = "seedance2ai";
    const PREFIX: &'static str = API_PREFIX;
    const BASE_PATH: &'static str = API_PREFIX;
    const MODERATION_FAILURE: &'static str = "content moderation refused the output";
    const STARTS: Phase = Phase::Processing;
    const WORDS: [&'static str; 6] = [
        "processing",
        "processing",
        "completed",
        "failed",
        "failed",
        "failed",
    ];

    fn open(config: Self::Config) -> (Self, String, Option<i64>, (u32, u32)) {
        let (key, balance) = (config.api_key.clone(), Some(config.initial_credits));
        let reads = (0, config.processing_polls);
        let (idempotency, admitted) = (HashMap::new(), VecDeque::new());
        let api = Seedance2ai {
            config,
            idempotency,
            admitted,
            failure_error: None,
        };
        (api, key, balance, reads)
    }

    fn snapshot(task: &Task<Self::Task>) -> Self::Snapshot {
        FakeTask {
            id: task.id.clone(),
            kind: task.data.product.kind(),
            body: task.data.body.clone(),
            credits_used: task.price,
            credits_refunded: task.refunded,
            status: Seedance2ai::status(task.phase).to_owned(),
            idempotency_key: task.data.idempotency_key.clone(),
        }
    }

    fn is_create(method: &Method, route: &str) -> bool {
        method == Method::POST
            && [VIDEO_PATH, GPT_IMAGE_2_PATH, NANO_BANANA_PRO_PATH].contains(&route)
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Missing, invalid, or revoked API key (send Authorization: Bearer sk_live_...).",
        )
    }

    fn no_route(method: &Method, path: &str) -> ApiError {
        ApiError::not_found(format!("No route for {method} {path}"))
    }

    fn admit(state: &mut State<Self>) -> Result<(), ApiError> {
        state.api.admit(Instant::now()).map_err(|retry_after| ApiError {
            retry_after_secs: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests for this account. Retry after the Retry-After header (in seconds).",
            )
        })
    }

    /// `{"error":{"code","message",…}}`, the code being the one documented for
    /// the status.
    fn envelope(error: &ApiError) -> Value {
        let code = match error.status.as_u16() {
            401 => "unauthorized",
            402 => "insufficient_credits",
            404 => "not_found",
            409 => "idempotency_conflict",
            429 => "rate_limited",
            503 => "service_busy",
            400..=499 => "invalid_request",
            _ => "internal_error",
        };
        let mut object = json!({ "code": code, "message": error.message });
        if let Some(object) = object.as_object_mut() {
            object.extend(error.details.clone());
        }
        json!({ "error": object })
    }

    fn api(state: &mut State<Self>, request: &Request<'_>) -> Answer {
        let (method, route) = (request.method, request.route);
        if Self::is_create(method, route) {
            return create_task(state, route, request.headers, request.body);
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

    fn cdn(state: &State<Self>, method: &Method, rest: &str) -> Answer {
        let found = [Method::GET, Method::HEAD]
            .contains(method)
            .then(|| cdn_file(state, rest))
            .flatten();
        found
            .ok_or_else(|| ApiError::not_found(format!("No such file: /cdn/{rest}")))
            .and_then(file)
    }
}

/// Words refusals the way the API's own `invalid_request` messages read.
fn words(key: &str, problem: Problem<'_>) -> ApiError {
    invalid(match problem {
        Problem::Unknown { allowed, .. } => {
            format!("Unsupported field {key}; allowed: {}", allowed.join(", "))
        }
        Problem::MissingChoice(allowed) => {
            format!("{key} is required: one of {}", allowed.join(", "))
        }
        Problem::Blank => format!("{key} must not be blank"),
        Problem::Length { min, max, got } => {
            format!("{key} must be {min} to {max} characters long (got {got})")
        }
        Problem::NotOneOf(allowed, got) => {
            format!("{key} must be one of {} (got {got})", allowed.join(", "))
        }
        Problem::NotBool(got) => format!("{key} must be a boolean (got {got})"),
        Problem::NotInteger { min, max, got } | Problem::OutOfRange { min, max, got } => {
            format!("{key} must be an integer from {min} to {max} (got {got})")
        }
        Problem::NotArray => format!("{key} must be an array of public https URL strings"),
        Problem::Count { min, max, got } => {
            format!("{key} must hold {min} to {max} URLs (got {got})")
        }
        Problem::BadUrl {
            index,
            url: Some(url),
            why,
        } => format!("{key}[{index}]: media must be public https URLs ({why}; got {url:?})"),
        Problem::BadUrl { index, .. } => {
            format!("{key}[{index}] must be a public https URL string")
        }
        Problem::Missing | Problem::NotString | Problem::Empty => {
            format!("{key} is required and must be a string")
        }
    })
}

/// Strictness catches typos (`aspectRatio`) and fields the API forbids,
/// which the real service would reject or, worse, ignore.
fn reject_unexpected(
    fields: &Fields<'_>,
    allowed: &'static [&'static str],
) -> Result<(), ApiError> {
    if let Some(key) = FORBIDDEN_FIELDS.iter().find(|key| fields.has(key)) {
        return Err(invalid(format!(
            "Do not send {key}: the server picks the provider and bills the key owner"
        )));
    }
    fields.only(allowed)
}

/// `duration` is a *string* of whole seconds, "4" to "15"; a JSON number
/// is the wrong type and is rejected rather than coerced.
fn duration(fields: &Fields<'_>) -> Result<i64, ApiError> {
    let Some(value) = fields.get("duration") else {
        return Ok(5);
    };
    let wrong = || {
        invalid(format!(
            "duration must be a string from \"{MIN_DURATION}\" to \"{MAX_DURATION}\" \
             (seconds, e.g. \"5\"; got {value})"
        ))
    };
    let text = value.as_str().ok_or_else(wrong)?;
    (MIN_DURATION..=MAX_DURATION)
        .find(|seconds| seconds.to_string() == text)
        .ok_or_else(wrong)
}

fn https_url<'a>(fields: &Fields<'a>, key: &str) -> Result<Option<&'a str>, ApiError> {
    let Some(value) = fields.get(key) else {
        return Ok(None);
    };
    let url = value.as_str().ok_or_else(|| {
        invalid(format!(
            "{key} must be a public https URL string (got {value})"
        ))
    })?;
    public_https(url).map_err(|why| {
        invalid(format!(
            "{key}: media must be public https URLs ({why}; got {url:?})"
        ))
    })?;
    Ok(Some(url))
}

/// The real service fetches media itself, so only `https://` URLs on a public
/// host can work; says why a URL cannot.
fn public_https(url: &str) -> Result<(), &'static str> {
    let lower = url.get(..8).map(str::to_ascii_lowercase);
    let rest = match (lower.as_deref(), url.get(8..)) {
        (Some("https://"), Some(rest)) => rest,
        _ => {
            let scheme = url
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            return Err(match scheme.as_str() {
                "asset" => "asset:// URLs are not accepted",
                "data" => "data: URLs are not accepted",
                "http" => "plain http is not accepted",
                _ => "not an https URL",
            });
        }
    };
    if rest.contains(char::is_whitespace) {
        return Err("it contains whitespace");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err("it has no host");
    }
    if !is_public_host(host) {
        return Err("the host is not public");
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
// POST /video/seedance2, /image/gpt-image-2, /image/nano-banana-pro
// ---------------------------------------------------------------------------

/// What validation decided: what to make, the price of one task, and how many
/// tasks one request creates (gpt-image-2 batches).
struct Plan {
    product: Product,
    unit_price: i64,
    copies: u32,
}

fn create_task(
    state: &mut State<Seedance2ai>,
    route: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let key = idempotency_key(headers);
    require_json_content_type(headers)?;
    let body: Value = serde_json::from_slice(body)
        .map_err(|error| invalid(format!("Invalid request body: {error}")))?;
    let Some(fields) = body.as_object() else {
        return Err(invalid("Invalid request body: expected a JSON object"));
    };

    if let Some(key) = &key
        && let Some(remembered) = state.api.idempotency.get(key)
    {
        if remembered.path == route && remembered.body == body {
            return json_ok(remembered.answer.clone());
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "Idempotency-Key {key:?} was already used with a different request body; \
                 use a new key for a new request"
            ),
        ));
    }

    let fields = Fields::new(fields, words);
    let plan = match route {
        VIDEO_PATH => plan_video(&fields)?,
        GPT_IMAGE_2_PATH => plan_gpt_image_2(&fields)?,
        _ => plan_nano_banana_pro(&fields)?,
    };
    let total = plan.unit_price * i64::from(plan.copies);
    state.ledger.charge(total).map_err(|short| {
        let mut error = ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "Not enough credits: this request needs {}, the key owner has {}.",
                short.needed, short.available
            ),
        );
        error
            .details
            .insert("required_credits".into(), json!(short.needed));
        error
            .details
            .insert("available_credits".into(), json!(short.available));
        error
    })?;

    let ids: Vec<String> = (0..plan.copies)
        .map(|_| admit_task(state, &plan, &body, key.as_deref()))
        .collect();
    let answer = create_answer(state, &plan, &ids, total);
    if let Some(key) = key {
        state.api.idempotency.insert(
            key,
            RememberedCreate {
                path: route.to_owned(),
                body,
                answer: answer.clone(),
            },
        );
    }
    json_ok(answer)
}

/// The key, when one was sent (a blank header is none).
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
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
        Err(invalid("Content-Type must be application/json"))
    }
}

/// Stores one new task and returns its id.
fn admit_task(
    state: &mut State<Seedance2ai>,
    plan: &Plan,
    body: &Value,
    key: Option<&str>,
) -> String {
    let prefix = match plan.product {
        Product::Video { .. } => "sd2",
        Product::GptImage2 => "gpt2",
        Product::NanoBananaPro { .. } => "nbp",
    };
    let id = format!("{prefix}_{:016x}", state.ledger.hash(prefix));
    let mut product = plan.product.clone();
    if let Product::Video { seed, .. } = &mut product
        && *seed < 0
    {
        // -1 or absent means "random": report one, as the real API returns the
        // seed it used.
        *seed = i64::from(u32::try_from(fnv1a64(id.as_bytes()) >> 32).unwrap_or(0));
    }
    let sequence = i64::try_from(state.ledger.tasks().len()).unwrap_or(i64::MAX);
    let data = TaskData {
        product,
        body: body.clone(),
        idempotency_key: key.map(str::to_owned),
        created_secs: CLOCK_BASE_SECS.saturating_add(sequence.saturating_mul(SECS_BETWEEN_TASKS)),
    };
    state.ledger.open(id.clone(), plan.unit_price, data);
    id
}

/// The documented submit answers: video carries tier and channel, images carry
/// `remaining_credits`, nano-banana-pro an upstream `request_id`, and a
/// gpt-image-2 batch its task ids.
fn create_answer(state: &mut State<Seedance2ai>, plan: &Plan, ids: &[String], total: i64) -> Value {
    let first = ids.first().cloned().unwrap_or_default();
    let mut answer = json!({
        "id": first,
        "status": Seedance2ai::status(Phase::Processing),
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
            answer["remaining_credits"] = json!(state.ledger.balance());
            if ids.len() > 1 {
                answer["batch_task_ids"] = json!(ids);
                answer["batch_success"] = json!(ids.len());
                answer["batch_failed"] = json!(0);
            }
        }
        Product::NanoBananaPro { .. } => {
            answer["request_id"] = json!(format!("kie_{:016x}", state.ledger.hash("kie")));
            answer["remaining_credits"] = json!(state.ledger.balance());
        }
    }
    answer
}

fn plan_video(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    reject_unexpected(fields, VIDEO_FIELDS)?;
    let mode = fields
        .one_of("mode", VIDEO_MODES)?
        .unwrap_or("text-to-video");
    let quality_tier = fields
        .one_of("quality_tier", QUALITY_TIERS)?
        .unwrap_or("standard");
    let channel = fields
        .one_of("channel", VIDEO_CHANNELS)?
        .unwrap_or("standard");
    fields.text("prompt", 3, 10_000)?;
    fields.one_of("aspect_ratio", VIDEO_ASPECT_RATIOS)?;
    let duration = duration(fields)?;
    let resolution = fields
        .one_of("resolution", VIDEO_RESOLUTIONS)?
        .unwrap_or("720p");
    if PRO_ONLY_RESOLUTIONS.contains(&resolution) && quality_tier != "pro" {
        return Err(invalid(format!(
            "resolution {resolution} needs quality_tier pro (got {quality_tier})"
        )));
    }
    let image_url = https_url(fields, "image_url")?;
    let end_image_url = https_url(fields, "end_image_url")?;
    let media_urls = fields.urls("media_urls", (1, MAX_MEDIA_URLS), public_https)?;
    fields.boolean("generate_audio")?;
    fields.boolean("fixed_lens")?;
    let seed = fields.integer("seed", SEED_RANGE)?;
    if seed.is_some() {
        if channel == "real" {
            return Err(invalid("seed is not supported on the real channel"));
        }
        if quality_tier == "mini" {
            return Err(invalid("seed is not supported on the mini tier"));
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
        "text-to-video" if has_frames || media_urls.is_some() => Err(invalid(
            "mode text-to-video takes no media: use image-to-video with image_url \
             or media-to-video with media_urls",
        )),
        "image-to-video" if image_url.is_none() => Err(invalid(
            "image_url (the start frame) is required when mode is image-to-video",
        )),
        "image-to-video" if media_urls.is_some() => Err(invalid(
            "media_urls is only allowed when mode is media-to-video",
        )),
        "media-to-video" if media_urls.is_none() => Err(invalid(
            "media_urls (1 to 12 public https URLs) is required when mode is media-to-video",
        )),
        "media-to-video" if has_frames => Err(invalid(
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
    reject_unexpected(fields, GPT_IMAGE_2_FIELDS)?;
    let kind = fields.required_one_of("type", IMAGE_TYPES)?;
    fields.text("prompt", 3, 20_000)?;
    let resolution = fields.required_one_of("resolution", IMAGE_RESOLUTIONS)?;
    fields.required_one_of("aspect_ratio", GPT_IMAGE_2_ASPECT_RATIOS)?;
    fields.one_of("channel", GPT_IMAGE_2_CHANNELS)?;
    let batch = fields.integer("batch_count", (1, 4))?.unwrap_or(1);
    check_image_sources(fields, kind, 10)?;
    Ok(Plan {
        product: Product::GptImage2,
        unit_price: image_price(8, resolution),
        copies: u32::try_from(batch).unwrap_or(1),
    })
}

fn plan_nano_banana_pro(fields: &Fields<'_>) -> Result<Plan, ApiError> {
    reject_unexpected(fields, NANO_BANANA_PRO_FIELDS)?;
    let kind = fields.required_one_of("type", IMAGE_TYPES)?;
    fields.text("prompt", 3, 10_000)?;
    fields.one_of("image_size", NANO_BANANA_PRO_SIZES)?;
    let format = fields
        .one_of("output_format", NANO_BANANA_PRO_FORMATS)?
        .unwrap_or("png");
    let resolution = fields
        .one_of("resolution", IMAGE_RESOLUTIONS)?
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
    let sources = fields.urls("image_urls", (1, max), public_https)?;
    match (kind, sources) {
        ("image-to-image", None) => Err(invalid(format!(
            "image_urls (1 to {max} public https URLs) is required when type is image-to-image"
        ))),
        ("text-to-image", Some(_)) => Err(invalid(
            "image_urls is only allowed when type is image-to-image",
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// GET /tasks/{id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut State<Seedance2ai>, id: &str) -> Answer {
    let task = state
        .ledger
        .position(id)
        .and_then(|index| state.ledger.read(index))
        .map(|(task, _)| task.clone())
        .ok_or_else(|| ApiError::not_found(format!("Task {id} does not exist")))?;
    json_ok(task_json(state, &task))
}

fn task_json(state: &State<Seedance2ai>, task: &Task<TaskData>) -> Value {
    let created = task.data.created_secs;
    let updated = created + i64::from(task.reads) * SECS_PER_POLL;
    let mut data = json!({
        "id": task.id,
        "status": Seedance2ai::status(task.phase),
        "model": task.data.product.kind().model(),
        "credits_used": task.price,
        "credits_refunded": task.refunded,
        "output": Value::Null,
        "error": Value::Null,
        "created_at": rfc3339_millis(created),
        "updated_at": rfc3339_millis(updated),
    });
    if let Product::Video {
        quality_tier,
        channel,
        ..
    } = &task.data.product
    {
        data["quality_tier"] = json!(quality_tier);
        data["channel"] = json!(channel);
    }
    match task.phase {
        Phase::Succeeded => data["output"] = task_output(state, task),
        Phase::Failed => {
            data["error"] = state
                .api
                .failure_error
                .clone()
                .unwrap_or_else(|| failure_error(&task.outcome));
        }
        _ => {}
    }
    data
}

/// The documented completed `output` of each product.
fn task_output(state: &State<Seedance2ai>, task: &Task<TaskData>) -> Value {
    let id = &task.id;
    match &task.data.product {
        Product::Video { seed, .. } => json!({
            "video_url": result_url(state, &format!("{id}.mp4")),
            "last_frame_url": result_url(state, &format!("{id}-last.png")),
            "seed": seed,
        }),
        Product::GptImage2 => json!([result_url(state, &format!("{id}.png"))]),
        Product::NanoBananaPro { extension } => json!({
            "images": [{
                "url": result_url(state, &format!("{id}.{extension}")),
                "provider_url": result_url(state, &format!("provider/{id}.{extension}")),
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

/// `YYYY-MM-DDTHH:MM:SS.000Z` for seconds since the Unix epoch, as in the
/// documented examples.
fn rfc3339_millis(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0)
        .map(|at| at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// GET /cdn/...
// ---------------------------------------------------------------------------

/// Results exist only once their task completed, as on the real CDN.
fn cdn_file(state: &State<Seedance2ai>, rest: &str) -> Option<(&'static str, Vec<u8>)> {
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
        .ledger
        .find(id)
        .filter(|task| task.phase == Phase::Succeeded)?;
    let product = &task.data.product;
    match (product, extension, last_frame, provider) {
        (Product::Video { .. }, "mp4", false, false) => {
            Some(("video/mp4", state.api.config.result_bytes.clone()))
        }
        (Product::Video { .. }, "png", true, false) => {
            Some(("image/png", PLACEHOLDER_PNG.to_vec()))
        }
        (Product::NanoBananaPro { .. }, _, false, _) | (Product::GptImage2, _, false, false) => {
            match (product.image_extension()?, extension) {
                ("png", "png") => Some(("image/png", PLACEHOLDER_PNG.to_vec())),
                ("jpg", "jpg") => Some(("image/jpeg", PLACEHOLDER_JPEG.to_vec())),
                _ => None,
            }
        }
        _ => None,
    }
}
