//! A stateful, strict local fake of the seed2.io HTTP API.
//!
//! This module owns what makes seed2.io's API its own: the two routes of
//! `https://api.seed2.io` (`POST /v1/video/generate`, `GET /v1/tasks/{id}`)
//! with their `{"code","message","data"}` envelope, a points balance, the
//! pending → processing → completed/failed status words, integer task ids, the
//! field rules and the price table. Tests steer it through [`FakeSeed2Config`]
//! and [`crate::FakeControl`], and inspect it through
//! [`FakeSeed2::created_tasks`].
//!
//! It is exactly as strict as the README: wrong types (a string `duration`)
//! and values out of the documented ranges and sets are rejected with an
//! invalid-params error that names the field. What the README does not refuse
//! is served: fields it does not list are kept in the recorded body (tests read
//! them there) and otherwise ignored, and `@…_file_N` words in the prompt are
//! prompt text, whatever lists are sent.
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
//! - Body fields the README does not list are ignored (the official Python SDK
//!   forwards any extra keyword argument); a test that wants to know whether
//!   the client sent one reads the recorded body.
//! - A `null` prompt is a missing prompt.
//! - `@image_file_N` in the prompt names the Nth `image_files` entry, as the
//!   README says; it says nothing of a reference to an entry that is not
//!   there, so such a prompt is served (the client refuses it before sending).
//! - `audio_files` may go alone, as the README's "Audio Sync" example sends
//!   them (other providers of the same model refuse that; this one documents it).
//! - `video_files` must hold at most 3 URLs; their total duration (documented
//!   limit 15 s) cannot be known from URLs and is not checked.
//! - Wrong methods on known paths, and any path outside the two routes, are
//!   404 / 40401. Under `/v1/` the key is checked first (401 before 404).
//! - A task id that is not a run of ASCII digits is 400 / 40001 naming
//!   `task_id`; a well-formed id nobody created is 404 / 40401.
//! - Task ids are sequential integers starting at [`FIRST_TASK_ID`].
//! - The task query keeps reporting the charged `points_cost` after a failure
//!   (the refund shows in the balance, not in the task).
//! - A failed task says why in `result.error`, as the official SDK reads it,
//!   as a string; [`FakeSeed2::report_failures_as`] makes every failed task
//!   carry any other form a test names, since the README shows none.
//! - [`crate::TaskOutcome::Expire`] ends as `failed` with a timeout message:
//!   seed2.io has no expired state.
//! - A consumed scripted failure does not advance any task.
//! - Results live at `/cdn/videos/{id}.mp4` (like `cdn.seed2.io/videos/…`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    TaskOutcome,
    fields::{Fields, Problem, http_url, plainly},
    ledger::{Phase, Task},
    media::PLACEHOLDER_MP4,
    server::{Answer, Api, ApiError, Fake, FakeApi, Request, State, file, json_ok},
};

#[cfg(test)]
mod tests;

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
const MODELS: &[&str] = &[FAST_MODEL, STANDARD_MODEL];
const RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"];
const DURATION_RANGE: (i64, i64) = (4, 15);
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
pub type FakeSeed2 = Fake<Seed2>;

/// The seed2.io API: its configuration.
pub struct Seed2 {
    config: FakeSeed2Config,
    /// The `result.error` every failed task reports, when a test chose one.
    failure_error: Option<Value>,
}

impl FakeSeed2 {
    /// From now on every failed task reports `error` as its `result.error`,
    /// exactly as given (words, a number, an object), instead of the text.
    pub fn report_failures_as(&self, error: Value) {
        self.state().api.failure_error = Some(error);
    }
}

/// What validation of a create request decided, kept with the task.
#[derive(Debug, Clone)]
pub struct Plan {
    body: Value,
    model: &'static str,
    duration: i64,
    ratio: &'static str,
}

fn success(data: Value) -> Answer {
    json_ok(json!({ "code": 0, "message": "ok", "data": data }))
}

impl FakeApi for Seed2 {
    type Config = FakeSeed2Config;
    type Snapshot = FakeTask;
}

impl Api for Seed2 {
    type Task = Plan;
    const NAME: &'static str = "seed2";
    const PREFIX: &'static str = "/v1";
    const MODERATION_FAILURE: &'static str = "content moderation refused the output";
    const RATE_LIMITED: Option<&'static str> =
        Some("rate limited: too many requests, please slow down");
    const WORDS: [&'static str; 6] = [
        "pending",
        "processing",
        "completed",
        "failed",
        "failed",
        "failed",
    ];

    fn open(config: Self::Config) -> (Self, String, Option<i64>, (u32, u32)) {
        let (key, balance) = (config.api_key.clone(), Some(config.initial_points));
        let reads = (config.pending_polls, config.processing_polls);
        let api = Seed2 {
            config,
            failure_error: None,
        };
        (api, key, balance, reads)
    }

    fn snapshot(task: &Task<Self::Task>) -> Self::Snapshot {
        FakeTask {
            id: task.id.parse().unwrap_or_default(),
            body: task.data.body.clone(),
            points_cost: task.price,
            model: task.data.model.to_owned(),
            duration: task.data.duration,
            ratio: task.data.ratio.to_owned(),
            status: Seed2::status(task.phase).to_owned(),
        }
    }

    fn is_create(method: &Method, route: &str) -> bool {
        method == Method::POST && route == "/video/generate"
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: missing or invalid API key (expected Authorization: Bearer sk-s2-...)",
        )
    }

    fn no_route(method: &Method, path: &str) -> ApiError {
        ApiError::not_found(format!("not found: no route for {method} {path}"))
    }

    /// 400 → 40001, 429 → 42901: one rule covers every status a test scripts.
    fn envelope(error: &ApiError) -> Value {
        let code = i64::from(error.status.as_u16()) * 100 + 1;
        json!({ "code": code, "message": error.message, "data": Value::Null })
    }

    fn api(state: &mut State<Self>, request: &Request<'_>) -> Answer {
        let method = request.method;
        if method == Method::POST && request.path == CREATE_PATH {
            return create_task(state, request.body);
        }
        // `/v1/tasks/` alone, or with more segments, is no route at all; only a
        // single non-empty segment is a task id (valid or not).
        let task_segment = request
            .route
            .strip_prefix("/tasks/")
            .filter(|raw| !raw.is_empty() && !raw.contains('/'));
        match task_segment {
            Some(raw_id) if method == Method::GET => get_task(state, raw_id),
            _ => Err(Self::no_route(method, request.path)),
        }
    }

    fn cdn(state: &State<Self>, method: &Method, rest: &str) -> Answer {
        let id = rest
            .strip_prefix("videos/")
            .and_then(|name| name.strip_suffix(".mp4"))
            .and_then(|id| id.parse::<u64>().ok());
        // Results exist only once the task completed, as on the real CDN.
        let completed = id
            .and_then(|id| state.ledger.find(&id.to_string()))
            .is_some_and(|task| task.phase == Phase::Succeeded);
        if method != Method::GET || !completed {
            return Err(ApiError::not_found(format!(
                "not found: no such file /cdn/{rest}"
            )));
        }
        file(("video/mp4", state.api.config.result_bytes.clone()))
    }
}

/// Words refusals as `"invalid params: {key} …"`, naming every unknown field.
fn words(key: &str, problem: Problem<'_>) -> ApiError {
    let what = match problem {
        Problem::Unknown { keys, allowed } => format!(
            "unknown field{} {}; allowed: {}",
            if keys.len() == 1 { "" } else { "s" },
            keys.join(", "),
            allowed.join(", ")
        ),
        other => plainly(key, &other),
    };
    ApiError::bad_request(format!("invalid params: {what}"))
}

// ---------------------------------------------------------------------------
// POST /v1/video/generate
// ---------------------------------------------------------------------------

fn create_task(state: &mut State<Seed2>, body: &[u8]) -> Answer {
    let request: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(format!(
            "invalid params: the body must be a JSON object ({error})"
        ))
    })?;
    let fields = request
        .as_object()
        .ok_or_else(|| ApiError::bad_request("invalid params: the body must be a JSON object"))?;
    let (plan, points_cost) = plan_task(&Fields::new(fields, words))?;
    state.ledger.charge(points_cost).map_err(|short| {
        ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "insufficient points: this task needs {} points but only {} are available",
                short.needed, short.available
            ),
        )
    })?;
    let id = FIRST_TASK_ID + state.ledger.tasks().len() as u64;
    let data = Plan {
        body: request,
        ..plan
    };
    state.ledger.open(id.to_string(), points_cost, data);
    success(json!({
        "task_id": id,
        "status": Seed2::status(Phase::Pending),
        "points_cost": points_cost,
        "balance": state.ledger.balance(),
    }))
}

fn plan_task(fields: &Fields<'_>) -> Result<(Plan, i64), ApiError> {
    fields.text("prompt", 1, usize::MAX)?;
    let model = fields.one_of("model", MODELS)?.unwrap_or(FAST_MODEL);
    let duration = fields
        .integer("duration", DURATION_RANGE)?
        .unwrap_or(DEFAULT_DURATION);
    let ratio = fields.one_of("ratio", RATIOS)?.unwrap_or("16:9");
    let count = |key, max| {
        fields
            .urls(key, (0, max), http_url)
            .map(|list| list.map_or(0, |list| list.len()))
    };
    count("image_files", MAX_IMAGES)?;
    let videos = count("video_files", MAX_VIDEOS)?;
    let audios = count("audio_files", MAX_AUDIOS)?;

    // The documented price table. Image references do not change the rate.
    let per_second = match (model == STANDARD_MODEL, videos + audios > 0) {
        (false, false) => 580,
        (false, true) | (true, false) => 1160,
        (true, true) => 2320,
    };
    let plan = Plan {
        body: Value::Null,
        model,
        duration,
        ratio,
    };
    Ok((plan, per_second * duration))
}

// ---------------------------------------------------------------------------
// GET /v1/tasks/{task_id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut State<Seed2>, raw_id: &str) -> Answer {
    // `u64::from_str` would accept "+7"; the id is documented as an integer,
    // so only plain digits pass.
    let id = Some(raw_id)
        .filter(|raw| raw.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|raw| raw.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid params: task_id must be an integer (got {raw_id:?})"
            ))
        })?;
    let task = state
        .ledger
        .position(&id.to_string())
        .and_then(|index| state.ledger.read(index))
        .map(|(task, _)| task.clone())
        .ok_or_else(|| ApiError::not_found(format!("not found: task {id} does not exist")))?;
    let result = match (task.phase, &task.outcome, &state.api.failure_error) {
        (Phase::Succeeded, ..) => json!({
            "video_url": format!("{}/cdn/videos/{id}.mp4", state.origin),
            "duration": task.data.duration,
        }),
        (Phase::Failed, _, Some(error)) => json!({ "error": error }),
        (Phase::Failed, TaskOutcome::Fail(message), None) => json!({ "error": message }),
        (Phase::Failed, ..) => json!({ "error": TIMEOUT_ERROR }),
        _ => Value::Null,
    };
    success(json!({
        "id": id,
        "status": Seed2::status(task.phase),
        "result": result,
        "points_cost": task.price,
    }))
}
