//! A stateful, strict local fake of the BytePlus ModelArk / Volcengine Ark
//! content-generation task API (`/api/v3/contents/generations/tasks`).
//!
//! This module owns what makes Ark's API its own: the routes, JSON envelopes,
//! error codes and `X-Request-Id` header of
//! `https://ark.ap-southeast.bytepluses.com/api/v3` (BytePlus) or
//! `https://ark.cn-beijing.volces.com/api/v3` (Volcengine), the models each
//! region knows, the queued → running → succeeded/failed/expired status words
//! (and cancelled, by DELETE), listing and deleting tasks, and usage in tokens.
//! Ark keeps no balance in its API: it bills a task's tokens once it has
//! succeeded, and failures are free. The create rules live in `create.rs`.
//! Tests steer the fake through [`FakeArkConfig`] and [`crate::FakeControl`],
//! and inspect it through [`FakeArk::created_tasks`].
//!
//! It is deliberately *strict*: unknown top-level keys, wrong types, values out
//! of range and combinations the real service refuses get a 400 whose `param`
//! names the field.
//!
//! Choices where the real API is undocumented (kept here so tests and client
//! agree on one answer):
//! - `null` is "absent" because the official SDK sends an explicit `null` for
//!   every unset optional.
//! - A boolean that asks a model for something it cannot do (`draft: true` on
//!   2.0, `camera_fixed: true` on 2.0, `generate_audio: true` on 1.0) is
//!   rejected; the same key set to `false` is tolerated, since it only restates
//!   the model's own behaviour.
//! - GET or DELETE of an unknown (or deleted) task id: 404 `ResourceNotFound`.
//! - DELETE of a running or cancelled task: 400 `InvalidParameter` with
//!   `param: "id"` and a message saying which states can be cancelled or
//!   deleted (see [`DELETE_REFUSED_CODE`]).
//! - A request body over 64 MB: 413 `RequestEntityTooLarge`.
//! - An `expired` task carries `error: null`; only `failed` carries an error.
//! - `ratio: "adaptive"` is reported (and billed) as `16:9`, and
//!   `duration: -1` as 5 seconds: the fake plays a model that chose those.
//! - Usage counts output frames only: URLs are never fetched, so the length of
//!   a reference video (which the real service also bills) is unknown here.
//! - Error messages end in `Request ID: <id>`, `param` is `""` when no
//!   parameter is at fault, and every response (the CDN's too) carries
//!   `X-Request-Id`.
//! - An account that cannot pay answers 403 `AccountOverdueError`
//!   ([`crate::FakeControl::make_unable_to_pay`] scripts it).
//! - `callback_url` is validated but never called: tests poll instead.
//! - Deleting a succeeded task removes the record, not the files: its result
//!   URLs keep working, like the real presigned links that outlive the record.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    extract::rejection::BytesRejection,
    http::{HeaderValue, Method, StatusCode},
    response::Response,
};
use serde_json::{Map, Value, json};

use crate::{
    TaskOutcome,
    ledger::{Phase, Task, fnv1a64},
    media::{PLACEHOLDER_MP4, PLACEHOLDER_PNG},
    server::{
        Answer, Api, ApiError, BODY_LIMIT_BYTES, Fake, FakeApi, Request, ScriptedFailure, State,
        file, json_ok,
    },
};

pub(crate) mod create;
#[cfg(test)]
mod tests;

use create::TaskSpec;

/// The bearer key the fake accepts unless a test configures another one.
pub const DEFAULT_API_KEY: &str = "ark-fake-key";
/// The error code of a task whose output video tripped the content filter,
/// for tests that want a realistic failure.
pub const OUTPUT_POLICY_VIOLATION: &str = "OutputVideoSensitiveContentDetected.PolicyViolation";
/// The error code of a task refused because a reference image shows a real
/// person (the real service reports this asynchronously, after `queued`).
pub const INPUT_IMAGE_PRIVACY: &str = "InputImageSensitiveContentDetected.PrivacyInformation";
/// The code for GET or DELETE of a task id the account does not have. The real
/// code is unconfirmed; this is the guess third-party clients make.
pub const TASK_NOT_FOUND_CODE: &str = "ResourceNotFound";
/// The code for DELETE of a running or cancelled task. The real code is
/// unconfirmed (only "not allowed" is documented); the message says why.
pub const DELETE_REFUSED_CODE: &str = "InvalidParameter";

/// The task collection, under the base URL.
const TASKS_ROUTE: &str = "/contents/generations/tasks";
/// The ids in task ids use Beijing time, even on BytePlus (seen in real ids
/// against their `created_at`).
const ID_CLOCK_OFFSET_SECS: i64 = 8 * 3600;
/// Characters of the random tail of a task id, as in `cgt-…-t8rzv`.
const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Default and maximum page sizes of the list route.
const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 500;
const LIST_STATUSES: &[&str] = &[
    "queued",
    "running",
    "succeeded",
    "failed",
    "expired",
    "cancelled",
];
const LIST_KEYS: &[&str] = &[
    "page_num",
    "page_size",
    "filter.status",
    "filter.model",
    "filter.service_tier",
    "filter.task_ids",
];

/// Which Ark service the fake plays; decides which model ids exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArkRegion {
    /// BytePlus ModelArk (international): `dreamina-seedance-2-0-…` and
    /// `seedance-1-…` ids; 2.0 standard also renders `4k`; no `tools`.
    #[default]
    BytePlus,
    /// Volcengine Ark (China): `doubao-seedance-…` ids; 2.0 takes
    /// `tools: [{"type":"web_search"}]`.
    Volcengine,
}

impl ArkRegion {
    /// The model id this region uses for `model`.
    pub fn model_id(self, model: ArkModel) -> String {
        let base = model.names().0;
        match (self, model) {
            (Self::BytePlus, model) if model.is_v2() => {
                format!("dreamina-{base}")
            }
            (Self::BytePlus, _) => base.to_owned(),
            (Self::Volcengine, _) => format!("doubao-{base}"),
        }
    }

    /// The model a `model` value names in this region. Endpoint ids (`ep-…`)
    /// stand for whatever model the account deployed, which the fake cannot
    /// know; it plays 2.0 fast behind every one of them.
    fn resolve(self, id: &str) -> Option<ArkModel> {
        let endpoint = id.strip_prefix("ep-").is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if endpoint {
            return Some(ArkModel::Seedance2Fast);
        }
        ArkModel::ALL
            .into_iter()
            .find(|model| self.model_id(*model) == id)
    }
}

/// The Seedance models the fake knows (each region spells their ids its own way,
/// see [`ArkRegion::model_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArkModel {
    /// Seedance 2.0 (standard).
    Seedance2,
    /// Seedance 2.0 fast.
    Seedance2Fast,
    /// Seedance 2.0 mini (480p and 720p only). Not in every account's model
    /// list yet; the id comes from a third-party catalogue.
    Seedance2Mini,
    /// Seedance 1.5 pro (the only model with drafts).
    Seedance15Pro,
    /// Seedance 1.0 pro.
    Seedance10Pro,
    /// Seedance 1.0 pro fast.
    Seedance10ProFast,
    /// Seedance 1.0 lite, text to video.
    Seedance10LiteT2v,
    /// Seedance 1.0 lite, image to video.
    Seedance10LiteI2v,
}

impl ArkModel {
    /// Every model, newest first.
    pub const ALL: [Self; 8] = [
        Self::Seedance2,
        Self::Seedance2Fast,
        Self::Seedance2Mini,
        Self::Seedance15Pro,
        Self::Seedance10Pro,
        Self::Seedance10ProFast,
        Self::Seedance10LiteT2v,
        Self::Seedance10LiteI2v,
    ];

    /// The id each region spells its own way, and the name messages use. The
    /// 1.x ids are exactly those of the BytePlus Seedance skill's model table
    /// (seed 003); Volcengine prefixes them with `doubao-`. The 2.0 ids come
    /// from the research notes, the seed being older than 2.0.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Seedance2 => ("seedance-2-0-260128", "Seedance 2.0"),
            Self::Seedance2Fast => ("seedance-2-0-fast-260128", "Seedance 2.0 fast"),
            Self::Seedance2Mini => ("seedance-2-0-mini-260615", "Seedance 2.0 mini"),
            Self::Seedance15Pro => ("seedance-1-5-pro-251215", "Seedance 1.5 pro"),
            Self::Seedance10Pro => ("seedance-1-0-pro-250428", "Seedance 1.0 pro"),
            Self::Seedance10ProFast => ("seedance-1-0-pro-fast-250528", "Seedance 1.0 pro fast"),
            Self::Seedance10LiteT2v => ("seedance-1-0-lite-t2v-250219", "Seedance 1.0 lite t2v"),
            Self::Seedance10LiteI2v => ("seedance-1-0-lite-i2v-250219", "Seedance 1.0 lite i2v"),
        }
    }

    /// Seedance 2.0, 2.0 fast or 2.0 mini: the multimodal-reference generation.
    fn is_v2(self) -> bool {
        matches!(
            self,
            Self::Seedance2 | Self::Seedance2Fast | Self::Seedance2Mini
        )
    }
}

/// How the fake should run.
#[derive(Debug, Clone)]
pub struct FakeArkConfig {
    /// The only bearer key accepted.
    pub api_key: String,
    /// Which service to play (model ids, 4k, tools).
    pub region: ArkRegion,
    /// Reads answered `queued` before the task turns `running`.
    pub queued_polls: u32,
    /// Reads answered `running` before the task reaches its outcome.
    pub running_polls: u32,
    /// Body served at every result video URL.
    pub result_bytes: Vec<u8>,
    /// Body served at every last-frame URL (a PNG).
    pub last_frame_bytes: Vec<u8>,
}

impl Default for FakeArkConfig {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_owned(),
            region: ArkRegion::BytePlus,
            queued_polls: 1,
            running_polls: 1,
            result_bytes: PLACEHOLDER_MP4.to_vec(),
            last_frame_bytes: PLACEHOLDER_PNG.to_vec(),
        }
    }
}

/// A task the fake accepted, as tests see it.
#[derive(Debug, Clone)]
pub struct FakeArkTask {
    /// `cgt-YYYYMMDDhhmmss-xxxxx`.
    pub id: String,
    /// The `model` value of the create request.
    pub model: String,
    /// The create request body exactly as received (explicit nulls included).
    pub request: Value,
    /// Status as of the last read: `queued`, `running`, `succeeded`, `failed`,
    /// `expired` or `cancelled`.
    pub status: String,
    /// Tokens billed; only once the task succeeded (failures are free).
    pub usage_tokens: Option<u64>,
    /// Whether a DELETE removed the record (GET answers 404 since).
    pub deleted: bool,
}

/// The running fake. Dropping it stops the server.
pub type FakeArk = Fake<Ark>;

impl FakeArk {
    /// The region the fake plays.
    pub fn region(&self) -> ArkRegion {
        self.state().api.config.region
    }

    /// The model id of `model` in the fake's region.
    pub fn model_id(&self, model: ArkModel) -> String {
        self.region().model_id(model)
    }
}

/// The Ark API: its configuration.
pub struct Ark {
    config: FakeArkConfig,
}

/// What Ark keeps per task beside the ledger.
#[derive(Debug, Clone)]
pub struct TaskData {
    model: String,
    request: Value,
    spec: TaskSpec,
    seed: i64,
    created_at: u64,
    updated_at: u64,
    deleted: bool,
}

/// Tokens billed: only once the task succeeded (failures are free).
fn billed_tokens(task: &Task<TaskData>) -> Option<u64> {
    (task.phase == Phase::Succeeded).then(|| task.data.spec.usage_tokens())
}

/// The message the real service pairs with a task failure code. Only the
/// output-video one was seen on a real task; the others follow its pattern,
/// and unknown codes get a generic sentence that still names the code.
fn failure_message(code: &str) -> String {
    match code {
        OUTPUT_POLICY_VIOLATION => {
            "The request failed because the output video may be related to copyright restrictions."
                .to_owned()
        }
        "OutputAudioSensitiveContentDetected.PolicyViolation" => {
            "The request failed because the output audio may contain sensitive information."
                .to_owned()
        }
        INPUT_IMAGE_PRIVACY => {
            "The request failed because the input image may contain real person.".to_owned()
        }
        "InputTextSensitiveContentDetected.PolicyViolation" => {
            "The request failed because the input text may contain sensitive information."
                .to_owned()
        }
        "InternalServiceError" => {
            "The service encountered an unexpected internal error.".to_owned()
        }
        other => format!("The request failed with error code {other}."),
    }
}

// ---------------------------------------------------------------------------
// Errors: `{"error":{"code","message","param","type"}}`
// ---------------------------------------------------------------------------

fn error(
    status: StatusCode,
    code: &'static str,
    param: impl Into<String>,
    message: impl Into<String>,
) -> ApiError {
    ApiError {
        code,
        ..ApiError::new(status, message).param(param)
    }
}

/// 400 `InvalidParameter` about `param`.
pub(crate) fn invalid(param: impl Into<String>, message: impl Into<String>) -> ApiError {
    error(StatusCode::BAD_REQUEST, "InvalidParameter", param, message)
}

/// 400 `MissingParameter` for a required `param`.
pub(crate) fn missing(param: &str) -> ApiError {
    error(
        StatusCode::BAD_REQUEST,
        "MissingParameter",
        param,
        format!(
            "The request failed because it is missing one or multiple required parameters: `{param}`."
        ),
    )
}

pub(crate) fn model_not_found(model: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        "InvalidEndpointOrModel.NotFound",
        "model",
        format!("The model or endpoint {model} does not exist or you do not have access to it."),
    )
}

fn task_not_found(id: &str) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        TASK_NOT_FOUND_CODE,
        "id",
        format!("The specified task {id} is not found."),
    )
}

fn method_not_allowed(method: &Method, path: &str) -> ApiError {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "",
        format!("Method {method} is not allowed on {path}."),
    )
}

fn body_rejected(rejection: &BytesRejection) -> ApiError {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        error(
            status,
            "RequestEntityTooLarge",
            "",
            format!("The request body exceeds the limit of {BODY_LIMIT_BYTES} bytes (64 MB)."),
        )
    } else {
        invalid(
            "",
            format!("The request body could not be read: {rejection}."),
        )
    }
}

impl FakeApi for Ark {
    type Config = FakeArkConfig;
    type Snapshot = FakeArkTask;
}

impl Api for Ark {
    type Task = TaskData;
    const NAME: &'static str = "ark";
    const PREFIX: &'static str = "/api/v3";
    const BASE_PATH: &'static str = "/api/v3";
    const LOG_QUERY: bool = true;
    const OWN_BODY_LIMIT: bool = true;
    const MODERATION_FAILURE: &'static str = OUTPUT_POLICY_VIOLATION;
    const EXPIRES: bool = true;
    const WORDS: [&'static str; 6] = [
        "queued",
        "running",
        "succeeded",
        "failed",
        "expired",
        "cancelled",
    ];

    fn open(config: Self::Config) -> (Self, String, Option<i64>, (u32, u32)) {
        let (key, reads) = (
            config.api_key.clone(),
            (config.queued_polls, config.running_polls),
        );
        (Ark { config }, key, None, reads)
    }

    fn snapshot(task: &Task<Self::Task>) -> Self::Snapshot {
        FakeArkTask {
            id: task.id.clone(),
            model: task.data.model.clone(),
            request: task.data.request.clone(),
            status: Ark::status(task.phase).to_owned(),
            usage_tokens: billed_tokens(task),
            deleted: task.data.deleted,
        }
    }

    fn is_create(method: &Method, route: &str) -> bool {
        method == Method::POST && route == TASKS_ROUTE
    }

    fn unauthorized() -> ApiError {
        error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationError",
            "",
            "The API key in the request is missing or invalid \
             (expected Authorization: Bearer <ARK_API_KEY>).",
        )
    }

    fn no_route(method: &Method, path: &str) -> ApiError {
        error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "",
            format!("No route for {method} {path}."),
        )
    }

    /// What the real service answers with this status, so the client's mapping
    /// of codes is exercised too.
    fn scripted(failure: ScriptedFailure) -> ApiError {
        let scripted = ApiError::scripted(failure);
        let (code, message) = match scripted.status.as_u16() {
            400 => (
                "InvalidParameter",
                "A parameter specified in the request is not valid.",
            ),
            401 => (
                "AuthenticationError",
                "The API key in the request is missing or invalid.",
            ),
            403 => (
                "AccountOverdueError",
                "The request failed because your account has an overdue balance.",
            ),
            404 => (
                "InvalidEndpointOrModel.NotFound",
                "The model or endpoint does not exist or you do not have access to it.",
            ),
            429 => (
                "RateLimitExceeded.EndpointRPMExceeded",
                "The request failed because you have exceeded the RPM limit of this endpoint. \
                 Please try again later.",
            ),
            500..=599 => (
                "InternalServiceError",
                "The service encountered an unexpected internal error.",
            ),
            _ => (
                scripted.status.canonical_reason().unwrap_or("Error"),
                "The request failed.",
            ),
        };
        ApiError {
            code,
            message: format!("{message} (scripted by the test)"),
            ..scripted
        }
    }

    fn envelope(error: &ApiError) -> Value {
        let kind = match error.status.as_u16() {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            413 => "RequestEntityTooLarge",
            429 => "TooManyRequests",
            500..=599 => "InternalServerError",
            _ => "Error",
        };
        json!({
            "error": {
                "code": error.code,
                "message": error.message,
                "param": error.param,
                "type": kind,
            }
        })
    }

    /// Stamps every response, the CDN's too, with a fresh `X-Request-Id`, which
    /// error messages end with.
    fn finish(state: &mut State<Self>, answer: Answer) -> Response {
        // Looks like the real ones: `02` + 13 digits of milliseconds + hex.
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis());
        let request_id = format!("02{millis:013}{:016x}", state.ledger.hash("request"));
        let mut response = answer.unwrap_or_else(|error| {
            let error = ApiError {
                message: format!("{} Request ID: {request_id}", error.message),
                ..error
            };
            let body = Self::envelope(&error);
            error.respond(body)
        });
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-request-id", value);
        }
        response
    }

    fn make_unable_to_pay(state: &mut State<Self>) {
        state.failures.push_back(ScriptedFailure {
            status: 403,
            retry_after_secs: None,
        });
    }

    fn api(state: &mut State<Self>, request: &Request<'_>) -> Answer {
        let (method, path) = (request.method, request.path);
        if let Some(rejection) = request.rejection {
            return Err(body_rejected(rejection));
        }
        if request.route == TASKS_ROUTE {
            return match *method {
                Method::POST => create_task(state, request.body),
                Method::GET => list_tasks(state, request.query),
                _ => Err(method_not_allowed(method, path)),
            };
        }
        let task_id = request
            .route
            .strip_prefix(TASKS_ROUTE)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|id| !id.is_empty() && !id.contains('/'));
        match (task_id, method) {
            (Some(id), &Method::GET) => get_task(state, id),
            (Some(id), &Method::DELETE) => delete_task(state, id, request.body),
            (Some(_), _) => Err(method_not_allowed(method, path)),
            (None, _) => Err(Self::no_route(method, path)),
        }
    }

    /// Results exist only once the task succeeded, as on the real storage; a
    /// deleted record keeps its files (see the module notes).
    fn cdn(state: &State<Self>, method: &Method, rest: &str) -> Answer {
        let succeeded = |id: &str| {
            state
                .ledger
                .find(id)
                .filter(|task| task.phase == Phase::Succeeded)
        };
        let config = &state.api.config;
        let found = if method != Method::GET {
            None
        } else if let Some(id) = rest.strip_suffix("-last-frame.png") {
            succeeded(id)
                .filter(|task| task.data.spec.return_last_frame)
                .map(|_| ("image/png", config.last_frame_bytes.clone()))
        } else if let Some(id) = rest.strip_suffix(".mp4") {
            succeeded(id).map(|_| ("video/mp4", config.result_bytes.clone()))
        } else {
            None
        };
        found
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "NoSuchKey",
                    "",
                    format!("The specified key does not exist: /cdn/{rest}"),
                )
            })
            .and_then(file)
    }
}

/// The index of a live (not deleted) task.
fn live_task(state: &State<Ark>, id: &str) -> Option<usize> {
    state
        .ledger
        .position(id)
        .filter(|index| !state.ledger.tasks()[*index].data.deleted)
}

/// Counts one read (a GET, or a list answer that includes the task) and
/// answers the task as it stands after it.
fn read_task(state: &mut State<Ark>, index: usize) -> Option<Value> {
    let (task, changed) = state.ledger.read(index)?;
    if changed {
        task.data.updated_at = now_secs();
    }
    let task = task.clone();
    Some(task_json(state, &task))
}

/// The task object of GET and list.
fn task_json(state: &State<Ark>, task: &Task<TaskData>) -> Value {
    let spec = &task.data.spec;
    let error = match (&task.outcome, task.phase) {
        (TaskOutcome::Fail(code), Phase::Failed) => {
            json!({ "code": code, "message": failure_message(code) })
        }
        _ => Value::Null,
    };
    let mut object = json!({
        "id": task.id,
        "model": task.data.model,
        "status": Ark::status(task.phase),
        "error": error,
        "created_at": task.data.created_at,
        "updated_at": task.data.updated_at,
        "seed": task.data.seed,
        "resolution": spec.resolution,
        "ratio": spec.billed_ratio(),
        "duration": spec.duration,
        "framespersecond": create::FRAMES_PER_SECOND,
        "draft": spec.draft,
        "service_tier": spec.service_tier,
        "execution_expires_after": spec.execution_expires_after,
    });
    if let Some(tokens) = billed_tokens(task) {
        // Real result links are presigned object-storage URLs; the query makes
        // a client that derives a file name from the URL prove it drops it.
        let signature = format!(
            "X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-Signature={:016x}",
            fnv1a64(task.id.as_bytes())
        );
        let cdn = format!("{}/cdn/{}", state.origin, task.id);
        object["content"] = json!({ "video_url": format!("{cdn}.mp4?{signature}") });
        if spec.return_last_frame {
            object["content"]["last_frame_url"] =
                json!(format!("{cdn}-last-frame.png?{signature}"));
        }
        object["usage"] = json!({ "completion_tokens": tokens, "total_tokens": tokens });
    }
    let optional = [
        ("frames", spec.frames.map(Value::from)),
        ("generate_audio", spec.generate_audio.map(Value::from)),
        ("draft_task_id", spec.draft_task_id.clone().map(Value::from)),
        ("priority", spec.priority.map(Value::from)),
        (
            "safety_identifier",
            spec.safety_identifier.clone().map(Value::from),
        ),
        ("tools", spec.tools.clone()),
        ("output_format", spec.output_format.map(Value::from)),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            object[key] = value;
        }
    }
    object
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// `YYYYMMDDhhmmss` in UTC+8.
fn beijing_stamp(unix_secs: u64) -> String {
    i64::try_from(unix_secs)
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs + ID_CLOCK_OFFSET_SECS, 0))
        .map(|at| at.format("%Y%m%d%H%M%S").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// POST /contents/generations/tasks
// ---------------------------------------------------------------------------

fn create_task(state: &mut State<Ark>, body: &[u8]) -> Answer {
    let mut plan = create::plan(body, state.api.config.region)?;
    if let Some(source) = &plan.draft_source {
        let (draft, seed) = check_draft_source(state, source)?;
        plan.spec.finish_draft(&draft, seed);
    }
    let now = now_secs();
    // `cgt-YYYYMMDDhhmmss-xxxxx`, unique among the tasks ever created here.
    let stamp = beijing_stamp(now);
    let id = loop {
        let mut hash = state.ledger.hash("task");
        let tail: String = (0..5)
            .map(|_| {
                let index = (hash % ID_ALPHABET.len() as u64) as usize;
                hash /= ID_ALPHABET.len() as u64;
                char::from(ID_ALPHABET.get(index).copied().unwrap_or(b'x'))
            })
            .collect();
        let id = format!("cgt-{stamp}-{tail}");
        if state.ledger.find(&id).is_none() {
            break id;
        }
    };
    // The real service picks a seed when none (or -1) is given and reports it.
    let seed = plan
        .spec
        .seed
        .filter(|seed| *seed >= 0)
        .unwrap_or_else(|| (fnv1a64(id.as_bytes()) % 100_000) as i64);
    let data = TaskData {
        model: plan.model,
        request: serde_json::from_slice(body).unwrap_or(Value::Null),
        spec: plan.spec,
        seed,
        created_at: now,
        updated_at: now,
        deleted: false,
    };
    state.ledger.open(id.clone(), 0, data);
    json_ok(json!({ "id": id }))
}

/// A `draft_task` item must name a succeeded draft (made by 1.5 pro with
/// `draft: true`) that this account still has; answers the draft's settings
/// and the seed it ran with.
fn check_draft_source(
    state: &State<Ark>,
    source: &create::DraftSource,
) -> Result<(TaskSpec, i64), ApiError> {
    let refuse = |message: String| invalid(source.param.clone(), message);
    let id = &source.id;
    let draft = live_task(state, id)
        .and_then(|index| state.ledger.tasks().get(index))
        .ok_or_else(|| refuse(format!("The draft task {id} is not found.")))?;
    if !draft.data.spec.draft {
        return Err(refuse(format!(
            "The task {id} is not a draft task (it was not created with draft: true)."
        )));
    }
    if draft.phase != Phase::Succeeded {
        return Err(refuse(format!(
            "The draft task {id} has status {}; only a succeeded draft can be turned into a video.",
            Ark::status(draft.phase)
        )));
    }
    Ok((draft.data.spec.clone(), draft.data.seed))
}

// ---------------------------------------------------------------------------
// GET /contents/generations/tasks/{id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut State<Ark>, id: &str) -> Answer {
    live_task(state, id)
        .and_then(|index| read_task(state, index))
        .ok_or_else(|| task_not_found(id))
        .and_then(json_ok)
}

// ---------------------------------------------------------------------------
// GET /contents/generations/tasks?… (list)
// ---------------------------------------------------------------------------

#[derive(Debug, Default)]
struct ListQuery {
    page_num: Option<usize>,
    page_size: Option<usize>,
    status: Option<String>,
    model: Option<String>,
    service_tier: Option<String>,
    task_ids: Vec<String>,
}

impl ListQuery {
    fn parse(query: &str) -> Result<Self, ApiError> {
        let mut parsed = Self::default();
        let mut seen = std::collections::HashSet::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(raw_key, raw_key)?;
            let value = percent_decode(&key, raw_value)?;
            if !LIST_KEYS.contains(&key.as_str()) {
                return Err(invalid(
                    key.clone(),
                    format!(
                        "The query parameter `{key}` is not supported; use one of {}.",
                        LIST_KEYS.join(", ")
                    ),
                ));
            }
            if key == "filter.task_ids" {
                if value.is_empty() {
                    return Err(invalid(key, "filter.task_ids must not be empty."));
                }
                parsed.task_ids.push(value);
                continue;
            }
            if !seen.insert(key.clone()) {
                return Err(invalid(
                    key.clone(),
                    format!("The query parameter `{key}` was given more than once."),
                ));
            }
            match key.as_str() {
                "page_num" => parsed.page_num = Some(page_number(&key, &value, usize::MAX)?),
                "page_size" => parsed.page_size = Some(page_number(&key, &value, MAX_PAGE_SIZE)?),
                "filter.status" => {
                    if !LIST_STATUSES.contains(&value.as_str()) {
                        return Err(invalid(
                            key,
                            format!(
                                "filter.status must be one of {} (got {value:?}).",
                                LIST_STATUSES.join(", ")
                            ),
                        ));
                    }
                    parsed.status = Some(value);
                }
                "filter.model" => parsed.model = Some(value),
                _ => {
                    if !create::SERVICE_TIERS.contains(&value.as_str()) {
                        return Err(invalid(
                            key,
                            format!("filter.service_tier must be default or flex (got {value:?})."),
                        ));
                    }
                    parsed.service_tier = Some(value);
                }
            }
        }
        Ok(parsed)
    }
}

fn page_number(key: &str, value: &str, max: usize) -> Result<usize, ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|number| (1..=max).contains(number))
        .ok_or_else(|| {
            let range = if max == usize::MAX {
                "at least 1".to_owned()
            } else {
                format!("between 1 and {max}")
            };
            invalid(
                key,
                format!("{key} must be an integer {range} (got {value:?})."),
            )
        })
}

/// Decodes `%XX` escapes and `+` (form encoding, which HTTP clients use for
/// query strings). A `%` without two hex digits, or bytes that are not UTF-8,
/// are refused rather than passed through as the lenient decoders do.
fn percent_decode(key: &str, raw: &str) -> Result<String, ApiError> {
    let escapes_ok = raw.split('%').skip(1).all(|rest| {
        rest.as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    let plus_as_space = raw.replace('+', " ");
    let decoded = percent_encoding::percent_decode_str(&plus_as_space).decode_utf8();
    match decoded {
        Ok(text) if escapes_ok => Ok(text.into_owned()),
        _ => Err(invalid(
            key,
            format!("The query string has a bad escape in {raw:?}."),
        )),
    }
}

fn list_tasks(state: &mut State<Ark>, query: &str) -> Answer {
    let query = ListQuery::parse(query)?;
    let page_num = query.page_num.unwrap_or(1);
    let page_size = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE);

    // Filter on the status each task will show once this read counts, so an
    // answer never contradicts its own status filter.
    let ledger = &state.ledger;
    let matching: Vec<usize> = ledger
        .tasks()
        .iter()
        .enumerate()
        .rev() // newest first
        .filter(|(_, task)| !task.data.deleted)
        .filter(|(_, task)| query.task_ids.is_empty() || query.task_ids.contains(&task.id))
        .filter(|(_, task)| {
            query
                .model
                .as_ref()
                .is_none_or(|model| *model == task.data.model)
        })
        .filter(|(_, task)| {
            query
                .service_tier
                .as_ref()
                .is_none_or(|tier| tier == task.data.spec.service_tier)
        })
        .filter(|(_, task)| {
            query
                .status
                .as_ref()
                .is_none_or(|wanted| wanted == Ark::status(ledger.peek(task)))
        })
        .map(|(index, _)| index)
        .collect();
    let total = matching.len();
    let skip = page_num.saturating_sub(1).saturating_mul(page_size);
    let items: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(page_size)
        .filter_map(|index| read_task(state, index))
        .collect();
    json_ok(json!({ "total": total, "items": items }))
}

// ---------------------------------------------------------------------------
// DELETE /contents/generations/tasks/{id}
// ---------------------------------------------------------------------------

fn delete_task(state: &mut State<Ark>, id: &str, body: &[u8]) -> Answer {
    // The SDK sends `{}`; other clients send nothing. Anything else is a
    // client bug worth surfacing.
    let body_is_empty = body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<Map<String, Value>>(body)
            .is_ok_and(|object| object.values().all(Value::is_null));
    if !body_is_empty {
        return Err(invalid(
            "",
            "DELETE takes no body parameters; send {} or nothing.",
        ));
    }
    let task = live_task(state, id)
        .and_then(|index| state.ledger.task_mut(index))
        .ok_or_else(|| task_not_found(id))?;
    match task.phase {
        Phase::Pending => {
            task.phase = Phase::Cancelled;
            task.data.updated_at = now_secs();
        }
        Phase::Succeeded | Phase::Failed | Phase::Expired => task.data.deleted = true,
        Phase::Processing | Phase::Cancelled => {
            return Err(invalid(
                "id",
                format!(
                    "The task {id} is {} and cannot be cancelled or deleted: only a queued task \
                     can be cancelled, and only a succeeded, failed or expired task can be deleted.",
                    Ark::status(task.phase)
                ),
            ));
        }
    }
    json_ok(json!({}))
}
