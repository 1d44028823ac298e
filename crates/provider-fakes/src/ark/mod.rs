//! A stateful, strict local fake of the BytePlus ModelArk / Volcengine Ark
//! content-generation task API (`/api/v3/contents/generations/tasks`).
//!
//! This module owns everything needed to test the Ark provider without the
//! internet: an axum server on `127.0.0.1:0` that speaks the same routes, JSON
//! envelopes, error codes and `X-Request-Id` header as
//! `https://ark.ap-southeast.bytepluses.com/api/v3` (BytePlus) or
//! `https://ark.cn-beijing.volces.com/api/v3` (Volcengine), keeps every task
//! it accepted, runs it through a deterministic queued → running →
//! succeeded/failed/expired state machine (advanced by reads, never by
//! wall-clock time), and serves result videos and last frames from a `/cdn/`
//! path on itself so downloads stay local too.
//!
//! It is deliberately *strict*: unknown top-level keys, wrong types, values out
//! of range and combinations the real service refuses get a 400 whose `param`
//! names the field, so a client that drifts from the real API fails here
//! instead of in production. The create rules live in `ark_create.rs`. Tests
//! steer the fake through [`FakeArkConfig`], [`FakeArk::script_next_outcome`]
//! and [`FakeArk::fail_next_request`], and inspect what the client did through
//! [`FakeArk::requests`], [`FakeArk::created_tasks`] and friends.
//!
//! Choices where the real API is undocumented (kept here so tests and client
//! agree on one answer):
//! - `null` is "absent" everywhere in request bodies, because the official SDK
//!   sends an explicit `null` for every unset optional.
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
//! - Auth is checked before scripted failures, so a `fail_next_request` entry
//!   is only consumed by an authorised `/api/v3` request.
//! - `callback_url` is validated but never called: tests poll instead.
//! - Deleting a succeeded task removes the record, not the files: its result
//!   URLs keep working, like the real presigned links that outlive the record.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::support::{
    FailureQueue, FakeServer, PLACEHOLDER_MP4, PLACEHOLDER_PNG, ScriptedFailure, fnv1a64, lock,
};
pub use super::support::{RecordedRequest, TaskOutcome};

mod create;
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

/// Path of the task collection under the base URL.
const TASKS_PATH: &str = "/api/v3/contents/generations/tasks";
/// The ids in task ids use Beijing time, even on BytePlus (seen in real ids
/// against their `created_at`).
const ID_CLOCK_OFFSET_SECS: u64 = 8 * 3600;
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
        let base = model.base_id();
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

    fn base_id(self) -> &'static str {
        match self {
            Self::Seedance2 => "seedance-2-0-260128",
            Self::Seedance2Fast => "seedance-2-0-fast-260128",
            Self::Seedance2Mini => "seedance-2-0-mini-260615",
            Self::Seedance15Pro => "seedance-1-5-pro-251215",
            Self::Seedance10Pro => "seedance-1-0-pro-250528",
            Self::Seedance10ProFast => "seedance-1-0-pro-fast-251015",
            Self::Seedance10LiteT2v => "seedance-1-0-lite-t2v-250428",
            Self::Seedance10LiteI2v => "seedance-1-0-lite-i2v-250428",
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
pub struct FakeArk {
    api_key: String,
    shared: Shared,
    server: FakeServer,
}

impl FakeArk {
    /// Starts a fake with [`FakeArkConfig::default`].
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeArkConfig::default()).await
    }

    /// Starts a fake with the given configuration on an ephemeral local port.
    ///
    /// # Errors
    /// When no local port can be bound.
    pub async fn start_with(config: FakeArkConfig) -> std::io::Result<Self> {
        let api_key = config.api_key.clone();
        let (server, shared) =
            FakeServer::start_stateful("ark", |addr| FakeState::new(config, addr), handle).await?;
        Ok(Self {
            api_key,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:PORT/api/v3`: like the real base URL, it includes
    /// `/api/v3`, so a client appends `/contents/generations/tasks`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v3", self.server.base_url())
    }

    /// The bearer key the fake accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The region the fake plays.
    pub fn region(&self) -> ArkRegion {
        self.state().config.region
    }

    /// The model id of `model` in the fake's region.
    pub fn model_id(&self, model: ArkModel) -> String {
        self.region().model_id(model)
    }

    /// Queues the outcome of the next successfully created task. Tasks with no
    /// scripted outcome succeed. `Fail(code)` fails the task with that Ark
    /// error code (e.g. [`OUTPUT_POLICY_VIOLATION`]) and a realistic message.
    pub fn script_next_outcome(&self, outcome: TaskOutcome) {
        self.state().outcomes.push_back(outcome);
    }

    /// Queues an error for the next authorised `/api/v3` request of any kind:
    /// HTTP `status` with the Ark envelope and the code that status has on the
    /// real service, plus `Retry-After` when given.
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

    /// Tasks that were accepted, in creation order (deleted ones included).
    pub fn created_tasks(&self) -> Vec<FakeArkTask> {
        self.state()
            .tasks
            .iter()
            .map(TaskRecord::snapshot)
            .collect()
    }

    /// One accepted task by id (deleted ones included).
    pub fn task(&self, id: &str) -> Option<FakeArkTask> {
        self.state()
            .tasks
            .iter()
            .find(|task| task.id == id)
            .map(TaskRecord::snapshot)
    }

    /// How many `POST …/contents/generations/tasks` requests arrived, accepted
    /// or not.
    pub fn create_calls(&self) -> usize {
        self.state().create_calls
    }

    fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.shared)
    }
}

type Shared = Arc<Mutex<FakeState>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Expired,
    Cancelled,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    /// States no read can move on from.
    fn is_settled(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Expired | Self::Cancelled
        )
    }
}

#[derive(Debug, Clone)]
struct TaskRecord {
    id: String,
    model: String,
    request: Value,
    spec: TaskSpec,
    seed: i64,
    outcome: TaskOutcome,
    reads: u32,
    status: TaskStatus,
    created_at: u64,
    updated_at: u64,
    deleted: bool,
}

impl TaskRecord {
    fn snapshot(&self) -> FakeArkTask {
        FakeArkTask {
            id: self.id.clone(),
            model: self.model.clone(),
            request: self.request.clone(),
            status: self.status.as_str().to_owned(),
            usage_tokens: self.billed_tokens(),
            deleted: self.deleted,
        }
    }

    fn billed_tokens(&self) -> Option<u64> {
        (self.status == TaskStatus::Succeeded).then(|| self.spec.usage_tokens())
    }

    /// The status one more read would give, without counting the read; the
    /// list route filters on it so that what it returns matches its filter.
    fn status_after_read(&self, queued_polls: u32, running_polls: u32) -> TaskStatus {
        if self.status.is_settled() {
            return self.status;
        }
        let reads = self.reads.saturating_add(1);
        if reads <= queued_polls {
            TaskStatus::Queued
        } else if reads <= queued_polls.saturating_add(running_polls) {
            TaskStatus::Running
        } else {
            match self.outcome {
                TaskOutcome::Succeed => TaskStatus::Succeeded,
                TaskOutcome::Fail(_) => TaskStatus::Failed,
                TaskOutcome::Expire => TaskStatus::Expired,
            }
        }
    }

    /// Counts one read (a GET, or a list answer that includes the task) and
    /// moves the state machine.
    fn read(&mut self, queued_polls: u32, running_polls: u32, now: u64) {
        if self.status.is_settled() {
            return;
        }
        let next = self.status_after_read(queued_polls, running_polls);
        self.reads = self.reads.saturating_add(1);
        if next != self.status {
            self.status = next;
            self.updated_at = now;
        }
    }

    fn error_json(&self) -> Value {
        match (&self.outcome, self.status) {
            (TaskOutcome::Fail(code), TaskStatus::Failed) => json!({
                "code": code,
                "message": failure_message(code),
            }),
            _ => Value::Null,
        }
    }
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

struct FakeState {
    config: FakeArkConfig,
    cdn_base: String,
    port: u16,
    outcomes: VecDeque<TaskOutcome>,
    failures: FailureQueue,
    requests: Vec<RecordedRequest>,
    tasks: Vec<TaskRecord>,
    create_calls: usize,
    sequence: u64,
}

impl FakeState {
    fn new(config: FakeArkConfig, addr: SocketAddr) -> Self {
        Self {
            config,
            cdn_base: format!("http://{addr}/cdn"),
            port: addr.port(),
            outcomes: VecDeque::new(),
            failures: FailureQueue::new(),
            requests: Vec::new(),
            tasks: Vec::new(),
            create_calls: 0,
            sequence: 0,
        }
    }

    /// A live (not deleted) task.
    fn live_task_mut(&mut self, id: &str) -> Option<&mut TaskRecord> {
        self.tasks
            .iter_mut()
            .find(|task| task.id == id && !task.deleted)
    }

    fn live_task(&self, id: &str) -> Option<&TaskRecord> {
        self.tasks
            .iter()
            .find(|task| task.id == id && !task.deleted)
    }

    /// A hash that differs per port and per call, so ids look random but
    /// failures stay reproducible within a run.
    fn next_hash(&mut self, purpose: &str) -> u64 {
        self.sequence += 1;
        fnv1a64(format!("{purpose}:{}:{}", self.port, self.sequence).as_bytes())
    }

    /// Looks like the real ones: `02` + 13 digits of milliseconds + hex.
    fn fresh_request_id(&mut self) -> String {
        let hash = self.next_hash("request");
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis());
        format!("02{millis:013}{hash:016x}")
    }

    /// `cgt-YYYYMMDDhhmmss-xxxxx`, unique among the tasks ever created here.
    fn fresh_task_id(&mut self, now: u64) -> String {
        let stamp = beijing_stamp(now);
        loop {
            let mut hash = self.next_hash("task");
            let tail: String = (0..5)
                .map(|_| {
                    let index = (hash % ID_ALPHABET.len() as u64) as usize;
                    hash /= ID_ALPHABET.len() as u64;
                    char::from(ID_ALPHABET.get(index).copied().unwrap_or(b'x'))
                })
                .collect();
            let id = format!("cgt-{stamp}-{tail}");
            if !self.tasks.iter().any(|task| task.id == id) {
                return id;
            }
        }
    }

    fn video_url(&self, id: &str) -> String {
        format!("{}/{id}.mp4?{}", self.cdn_base, self.signature(id))
    }

    fn last_frame_url(&self, id: &str) -> String {
        format!(
            "{}/{id}-last-frame.png?{}",
            self.cdn_base,
            self.signature(id)
        )
    }

    /// Real result links are presigned object-storage URLs; the query makes a
    /// client that derives a file name from the URL prove it drops the query.
    fn signature(&self, id: &str) -> String {
        format!(
            "X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-Signature={:016x}",
            fnv1a64(id.as_bytes())
        )
    }

    /// The task object of GET and list.
    fn task_json(&self, task: &TaskRecord) -> Value {
        let spec = &task.spec;
        let mut object = Map::new();
        let mut put = |key: &str, value: Value| {
            object.insert(key.to_owned(), value);
        };
        put("id", json!(task.id));
        put("model", json!(task.model));
        put("status", json!(task.status.as_str()));
        put("error", task.error_json());
        if task.status == TaskStatus::Succeeded {
            let mut content = json!({ "video_url": self.video_url(&task.id) });
            if spec.return_last_frame {
                content["last_frame_url"] = json!(self.last_frame_url(&task.id));
            }
            put("content", content);
            let tokens = spec.usage_tokens();
            put(
                "usage",
                json!({ "completion_tokens": tokens, "total_tokens": tokens }),
            );
        }
        put("created_at", json!(task.created_at));
        put("updated_at", json!(task.updated_at));
        put("seed", json!(task.seed));
        put("resolution", json!(spec.resolution));
        put("ratio", json!(spec.billed_ratio()));
        put("duration", json!(spec.duration));
        put("framespersecond", json!(create::FRAMES_PER_SECOND));
        if let Some(frames) = spec.frames {
            put("frames", json!(frames));
        }
        if let Some(generate_audio) = spec.generate_audio {
            put("generate_audio", json!(generate_audio));
        }
        put("draft", json!(spec.draft));
        if let Some(draft_task_id) = &spec.draft_task_id {
            put("draft_task_id", json!(draft_task_id));
        }
        put("service_tier", json!(spec.service_tier));
        put(
            "execution_expires_after",
            json!(spec.execution_expires_after),
        );
        if let Some(priority) = spec.priority {
            put("priority", json!(priority));
        }
        if let Some(safety_identifier) = &spec.safety_identifier {
            put("safety_identifier", json!(safety_identifier));
        }
        if let Some(tools) = &spec.tools {
            put("tools", tools.clone());
        }
        if let Some(output_format) = spec.output_format {
            put("output_format", json!(output_format));
        }
        Value::Object(object)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// `YYYYMMDDhhmmss` in UTC+8, by the days-to-civil-date algorithm (no date
/// crate needed for one format).
fn beijing_stamp(unix_secs: u64) -> String {
    let local = unix_secs + ID_CLOCK_OFFSET_SECS;
    let (days, rest) = (local / 86_400, local % 86_400);
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}")
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// An error answer in the Ark envelope
/// `{"error":{"code","message","param","type"}}`.
#[derive(Debug)]
struct ArkError {
    status: StatusCode,
    code: String,
    message: String,
    param: String,
    retry_after_secs: Option<u64>,
}

impl ArkError {
    fn new(
        status: StatusCode,
        code: impl Into<String>,
        param: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            param: param.into(),
            retry_after_secs: None,
        }
    }

    /// 400 `InvalidParameter` about `param`.
    fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameter", param, message)
    }

    /// 400 `MissingParameter` for a required `param`.
    fn missing(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            param,
            format!(
                "The request failed because it is missing one or multiple required parameters: `{param}`."
            ),
        )
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationError",
            "",
            "The API key in the request is missing or invalid \
             (expected Authorization: Bearer <ARK_API_KEY>).",
        )
    }

    fn model_not_found(model: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "InvalidEndpointOrModel.NotFound",
            "model",
            format!(
                "The model or endpoint {model} does not exist or you do not have access to it."
            ),
        )
    }

    fn task_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            TASK_NOT_FOUND_CODE,
            "id",
            format!("The specified task {id} is not found."),
        )
    }

    fn no_route(method: &Method, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "",
            format!("No route for {method} {path}."),
        )
    }

    fn method_not_allowed(method: &Method, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "",
            format!("Method {method} is not allowed on {path}."),
        )
    }

    fn body_rejected(rejection: &BytesRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                status,
                "RequestEntityTooLarge",
                "",
                format!(
                    "The request body exceeds the limit of {} bytes (64 MB).",
                    super::support::BODY_LIMIT_BYTES
                ),
            )
        } else {
            Self::invalid(
                "",
                format!("The request body could not be read: {rejection}."),
            )
        }
    }

    /// What the real service answers with this status, so the client's mapping
    /// of codes is exercised too.
    fn scripted(failure: ScriptedFailure) -> Self {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (code, message) = match status.as_u16() {
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
                status.canonical_reason().unwrap_or("Error"),
                "The request failed.",
            ),
        };
        Self {
            retry_after_secs: failure.retry_after_secs,
            ..Self::new(
                status,
                code,
                "",
                format!("{message} (scripted by the test)"),
            )
        }
    }

    fn error_type(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            413 => "RequestEntityTooLarge",
            429 => "TooManyRequests",
            500..=599 => "InternalServerError",
            _ => "Error",
        }
    }

    fn render(self, request_id: &str) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": format!("{} Request ID: {request_id}", self.message),
                "param": self.param,
                "type": self.error_type(),
            }
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

type Answer = Result<Response, ArkError>;

fn ok_json(value: Value) -> Answer {
    Ok(axum::Json(value).into_response())
}

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

/// Single entry point: one place records the request, checks auth, applies
/// scripted failures and stamps the request id, so no route can forget to.
async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = uri.path().to_owned();
    let logged_path = uri
        .path_and_query()
        .map_or_else(|| path.clone(), |whole| whole.as_str().to_owned());
    let (bytes, rejection) = match body {
        Ok(bytes) => (bytes, None),
        Err(rejection) => (Bytes::new(), Some(rejection)),
    };
    let mut state = lock(&shared);
    let record = RecordedRequest::new(
        method.as_str(),
        logged_path,
        &headers,
        &state.config.api_key,
        &bytes,
    );
    let authorized = record.authorized;
    tracing::debug!(%method, %path, authorized, "fake ark request");
    state.requests.push(record);
    let request_id = state.fresh_request_id();

    let answer = if path == "/api/v3" || path.starts_with("/api/v3/") {
        let request = ApiRequest {
            method: &method,
            path: &path,
            query: uri.query().unwrap_or(""),
            authorized,
            body: &bytes,
            rejection: rejection.as_ref(),
        };
        api(&mut state, &request)
    } else if let Some(rest) = path.strip_prefix("/cdn/") {
        cdn(&state, &method, rest)
    } else {
        Err(ArkError::no_route(&method, &path))
    };
    let mut response = answer.unwrap_or_else(|error| error.render(&request_id));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

struct ApiRequest<'a> {
    method: &'a Method,
    path: &'a str,
    query: &'a str,
    authorized: bool,
    body: &'a [u8],
    rejection: Option<&'a BytesRejection>,
}

fn api(state: &mut FakeState, request: &ApiRequest<'_>) -> Answer {
    let method = request.method;
    let path = request.path;
    if path == TASKS_PATH && method == Method::POST {
        state.create_calls += 1;
    }
    if !request.authorized {
        return Err(ArkError::unauthorized());
    }
    if let Some(failure) = state.failures.pop_front() {
        return Err(ArkError::scripted(failure));
    }
    if let Some(rejection) = request.rejection {
        return Err(ArkError::body_rejected(rejection));
    }
    if path == TASKS_PATH {
        return match *method {
            Method::POST => create_task(state, request.body),
            Method::GET => list_tasks(state, request.query),
            _ => Err(ArkError::method_not_allowed(method, path)),
        };
    }
    let task_id = path
        .strip_prefix(TASKS_PATH)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| !id.is_empty() && !id.contains('/'));
    match (task_id, method) {
        (Some(id), &Method::GET) => get_task(state, id),
        (Some(id), &Method::DELETE) => delete_task(state, id, request.body),
        (Some(_), _) => Err(ArkError::method_not_allowed(method, path)),
        (None, _) => Err(ArkError::no_route(method, path)),
    }
}

// ---------------------------------------------------------------------------
// POST /contents/generations/tasks
// ---------------------------------------------------------------------------

fn create_task(state: &mut FakeState, body: &[u8]) -> Answer {
    let plan = create::plan(body, state.config.region)?;
    if let Some(source) = &plan.draft_source {
        check_draft_source(state, source)?;
    }
    let now = now_secs();
    let id = state.fresh_task_id(now);
    // The real service picks a seed when none (or -1) is given and reports it.
    let seed = plan
        .spec
        .seed
        .filter(|seed| *seed >= 0)
        .unwrap_or_else(|| (fnv1a64(id.as_bytes()) % 100_000) as i64);
    let outcome = state.outcomes.pop_front().unwrap_or(TaskOutcome::Succeed);
    state.tasks.push(TaskRecord {
        id: id.clone(),
        model: plan.model,
        request: serde_json::from_slice(body).unwrap_or(Value::Null),
        spec: plan.spec,
        seed,
        outcome,
        reads: 0,
        status: TaskStatus::Queued,
        created_at: now,
        updated_at: now,
        deleted: false,
    });
    ok_json(json!({ "id": id }))
}

/// A `draft_task` item must name a succeeded draft (made by 1.5 pro with
/// `draft: true`) that this account still has.
fn check_draft_source(state: &FakeState, source: &create::DraftSource) -> Result<(), ArkError> {
    let draft = state.live_task(&source.id).ok_or_else(|| {
        ArkError::invalid(
            source.param.clone(),
            format!("The draft task {} is not found.", source.id),
        )
    })?;
    if !draft.spec.draft {
        return Err(ArkError::invalid(
            source.param.clone(),
            format!(
                "The task {} is not a draft task (it was not created with draft: true).",
                source.id
            ),
        ));
    }
    if draft.status != TaskStatus::Succeeded {
        return Err(ArkError::invalid(
            source.param.clone(),
            format!(
                "The draft task {} has status {}; only a succeeded draft can be turned into a video.",
                source.id,
                draft.status.as_str()
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// GET /contents/generations/tasks/{id}
// ---------------------------------------------------------------------------

fn get_task(state: &mut FakeState, id: &str) -> Answer {
    let (queued_polls, running_polls) = (state.config.queued_polls, state.config.running_polls);
    let task = state
        .live_task_mut(id)
        .ok_or_else(|| ArkError::task_not_found(id))?;
    task.read(queued_polls, running_polls, now_secs());
    let task = task.clone();
    ok_json(state.task_json(&task))
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
    fn parse(query: &str) -> Result<Self, ArkError> {
        let mut parsed = Self::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(raw_key, raw_key)?;
            let value = percent_decode(&key, raw_value)?;
            if !LIST_KEYS.contains(&key.as_str()) {
                return Err(ArkError::invalid(
                    key.clone(),
                    format!(
                        "The query parameter `{key}` is not supported; use one of {}.",
                        LIST_KEYS.join(", ")
                    ),
                ));
            }
            if key == "filter.task_ids" {
                if value.is_empty() {
                    return Err(ArkError::invalid(key, "filter.task_ids must not be empty."));
                }
                parsed.task_ids.push(value);
                continue;
            }
            let slot_taken = match key.as_str() {
                "page_num" => parsed.page_num.is_some(),
                "page_size" => parsed.page_size.is_some(),
                "filter.status" => parsed.status.is_some(),
                "filter.model" => parsed.model.is_some(),
                _ => parsed.service_tier.is_some(),
            };
            if slot_taken {
                return Err(ArkError::invalid(
                    key.clone(),
                    format!("The query parameter `{key}` was given more than once."),
                ));
            }
            match key.as_str() {
                "page_num" => parsed.page_num = Some(page_number(&key, &value, usize::MAX)?),
                "page_size" => parsed.page_size = Some(page_number(&key, &value, MAX_PAGE_SIZE)?),
                "filter.status" => {
                    if !LIST_STATUSES.contains(&value.as_str()) {
                        return Err(ArkError::invalid(
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
                        return Err(ArkError::invalid(
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

fn page_number(key: &str, value: &str, max: usize) -> Result<usize, ArkError> {
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
            ArkError::invalid(
                key,
                format!("{key} must be an integer {range} (got {value:?})."),
            )
        })
}

/// Decodes `%XX` escapes and `+` (form encoding, which HTTP clients use for
/// query strings).
fn percent_decode(key: &str, raw: &str) -> Result<String, ArkError> {
    let malformed = || {
        ArkError::invalid(
            key,
            format!("The query string has a bad escape in {raw:?}."),
        )
    };
    let mut bytes = Vec::with_capacity(raw.len());
    let mut input = raw.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input.next().and_then(|b| char::from(b).to_digit(16));
                let low = input.next().and_then(|b| char::from(b).to_digit(16));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(malformed());
                };
                bytes.push(u8::try_from(high * 16 + low).map_err(|_| malformed())?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| malformed())
}

fn list_tasks(state: &mut FakeState, query: &str) -> Answer {
    let query = ListQuery::parse(query)?;
    let (queued_polls, running_polls) = (state.config.queued_polls, state.config.running_polls);
    let page_num = query.page_num.unwrap_or(1);
    let page_size = query.page_size.unwrap_or(DEFAULT_PAGE_SIZE);

    // Filter on the status each task will show once this read counts, so an
    // answer never contradicts its own status filter.
    let matching: Vec<usize> = state
        .tasks
        .iter()
        .enumerate()
        .rev() // newest first
        .filter(|(_, task)| !task.deleted)
        .filter(|(_, task)| query.task_ids.is_empty() || query.task_ids.contains(&task.id))
        .filter(|(_, task)| {
            query
                .model
                .as_ref()
                .is_none_or(|model| *model == task.model)
        })
        .filter(|(_, task)| {
            query
                .service_tier
                .as_ref()
                .is_none_or(|tier| tier == task.spec.service_tier)
        })
        .filter(|(_, task)| {
            query.status.as_ref().is_none_or(|status| {
                status == task.status_after_read(queued_polls, running_polls).as_str()
            })
        })
        .map(|(index, _)| index)
        .collect();
    let total = matching.len();
    let skip = page_num.saturating_sub(1).saturating_mul(page_size);
    let now = now_secs();
    let mut items = Vec::new();
    for index in matching.into_iter().skip(skip).take(page_size) {
        let Some(task) = state.tasks.get_mut(index) else {
            continue;
        };
        task.read(queued_polls, running_polls, now);
        let task = task.clone();
        items.push(state.task_json(&task));
    }
    ok_json(json!({ "total": total, "items": items }))
}

// ---------------------------------------------------------------------------
// DELETE /contents/generations/tasks/{id}
// ---------------------------------------------------------------------------

fn delete_task(state: &mut FakeState, id: &str, body: &[u8]) -> Answer {
    // The SDK sends `{}`; other clients send nothing. Anything else is a
    // client bug worth surfacing.
    let body_is_empty = body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<Map<String, Value>>(body)
            .is_ok_and(|object| object.values().all(Value::is_null));
    if !body_is_empty {
        return Err(ArkError::invalid(
            "",
            "DELETE takes no body parameters; send {} or nothing.",
        ));
    }
    let task = state
        .live_task_mut(id)
        .ok_or_else(|| ArkError::task_not_found(id))?;
    match task.status {
        TaskStatus::Queued => {
            task.status = TaskStatus::Cancelled;
            task.updated_at = now_secs();
        }
        TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Expired => task.deleted = true,
        TaskStatus::Running | TaskStatus::Cancelled => {
            return Err(ArkError::invalid(
                "id",
                format!(
                    "The task {id} is {} and cannot be cancelled or deleted: only a queued task \
                     can be cancelled, and only a succeeded, failed or expired task can be deleted.",
                    task.status.as_str()
                ),
            ));
        }
    }
    ok_json(json!({}))
}

// ---------------------------------------------------------------------------
// GET /cdn/... (no auth, like presigned object-storage links)
// ---------------------------------------------------------------------------

fn cdn(state: &FakeState, method: &Method, rest: &str) -> Answer {
    let missing = || {
        ArkError::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "",
            format!("The specified key does not exist: /cdn/{rest}"),
        )
    };
    if method != Method::GET {
        return Err(missing());
    }
    // Results exist only once the task succeeded, as on the real storage; a
    // deleted record keeps its files (see the module notes).
    let succeeded = |id: &str| {
        state
            .tasks
            .iter()
            .find(|task| task.id == id && task.status == TaskStatus::Succeeded)
    };
    let (content_type, bytes) = if let Some(id) = rest.strip_suffix("-last-frame.png") {
        succeeded(id)
            .filter(|task| task.spec.return_last_frame)
            .map(|_| ("image/png", state.config.last_frame_bytes.clone()))
    } else if let Some(id) = rest.strip_suffix(".mp4") {
        succeeded(id).map(|_| ("video/mp4", state.config.result_bytes.clone()))
    } else {
        None
    }
    .ok_or_else(missing)?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}
