//! A stateful, strict local fake of the xskill.ai v3 HTTP API.
//!
//! This module owns what makes xskill's API its own: the routes, JSON
//! envelopes and error codes of `https://api.xskill.ai`, a credit balance, the
//! pending → processing → completed/failed status words, the Seedance and
//! Seedream parameter rules and prices, uploads, and the result shapes real
//! clients defend against. Tests steer it through [`FakeXskillConfig`] and
//! [`crate::FakeControl`], and inspect it through [`FakeXskill::created_tasks`]
//! and [`FakeXskill::uploads`].
//!
//! It is deliberately *strict*: unknown fields, wrong types (for example the
//! old string `duration`) and rule violations are rejected with a 400 that
//! names the field.
//!
//! Choices where the real API is undocumented (kept here so tests and client
//! agree on one answer):
//! - `GET /api/v3/balance` and `GET /api/v3/user/balance` both answer
//!   `{"code":200,"message":"查询成功","data":{"balance":N,"currency":"credits"}}`.
//! - An `image_data` upload whose decoded size exceeds 10 MB gets HTTP 413 with
//!   `"code":413` (the envelope rule "status equals code" still holds).
//! - `image_url` uploads are not fetched (tests never touch the internet); the
//!   hosted URL serves a built-in 1×1 PNG.
//! - xskill has no expired state: [`crate::TaskOutcome::Expire`] fails the task.
//! - `omni_reference` (also when `functionMode` is left out) with no reference
//!   at all is refused: the guide describes that mode only as mixing the
//!   reference arrays, and files text to video under `first_last_frames` with
//!   zero `filePaths`.

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    fields::{Fields, Problem, http_url, is_http_url, plainly},
    ledger::{Phase, Task},
    media::{PLACEHOLDER_MP4, PLACEHOLDER_PNG, sniff_image},
    server::{Answer, Api, ApiError, Fake, FakeApi, Request, State, file, json_ok},
};

#[cfg(test)]
mod tests;

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
pub type FakeXskill = Fake<Xskill>;

impl FakeXskill {
    /// Accepted uploads, in order.
    pub fn uploads(&self) -> Vec<FakeUpload> {
        let state = self.state();
        let uploads = &state.api.uploads;
        uploads
            .iter()
            .enumerate()
            .map(|(index, upload)| FakeUpload {
                url: upload_url(&state, index, upload),
                bytes: upload.bytes.clone(),
                source_url: upload.source_url.clone(),
            })
            .collect()
    }
}

/// The xskill API: its configuration and uploads.
pub struct Xskill {
    config: FakeXskillConfig,
    uploads: Vec<StoredUpload>,
}

/// What a task produces; decides result URLs and their content type.
#[derive(Debug, Clone)]
pub struct TaskData {
    model: String,
    params: Value,
    kind: TaskKind,
}

#[derive(Debug, Clone, Copy)]
enum TaskKind {
    Video { width: u32, height: u32 },
    Images { count: u32 },
}

#[derive(Debug, Clone)]
struct StoredUpload {
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &'static str,
    source_url: Option<String>,
}

fn upload_url(state: &State<Xskill>, index: usize, upload: &StoredUpload) -> String {
    format!(
        "{}/cdn/uploads/{}.{}",
        state.origin,
        index + 1,
        upload.extension
    )
}

fn success(message: &str, data: Value) -> Answer {
    json_ok(json!({ "code": 200, "message": message, "data": data }))
}

impl FakeApi for Xskill {
    type Config = FakeXskillConfig;
    type Snapshot = FakeTask;
}

impl Api for Xskill {
    type Task = TaskData;
    const NAME: &'static str = "xskill";
    const PREFIX: &'static str = "/api/v3";
    const MODERATION_FAILURE: &'static str = "content moderation refused the output";
    const RATE_LIMITED: Option<&'static str> = Some("rate limited: too many requests, slow down");
    const WORDS: [&'static str; 6] = [
        "pending",
        "processing",
        "completed",
        "failed",
        "failed",
        "failed",
    ];

    fn open(config: Self::Config) -> (Self, String, Option<i64>, (u32, u32)) {
        let (key, balance) = (config.api_key.clone(), Some(config.initial_balance));
        let reads = (config.pending_polls, config.processing_polls);
        let uploads = Vec::new();
        (Xskill { config, uploads }, key, balance, reads)
    }

    fn snapshot(task: &Task<Self::Task>) -> Self::Snapshot {
        FakeTask {
            task_id: task.id.clone(),
            model: task.data.model.clone(),
            params: task.data.params.clone(),
            price: task.price,
            status: Xskill::status(task.phase).to_owned(),
        }
    }

    fn is_create(method: &Method, route: &str) -> bool {
        method == Method::POST && route == "/tasks/create"
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized: missing or invalid API key (expected Authorization: Bearer sk-...)",
        )
    }

    fn no_route(method: &Method, path: &str) -> ApiError {
        ApiError::not_found(format!("no route for {method} {path}"))
    }

    /// `{"code","message","data":null}`, the code being the HTTP status.
    fn envelope(error: &ApiError) -> Value {
        json!({ "code": error.status.as_u16(), "message": error.message, "data": Value::Null })
    }

    fn api(state: &mut State<Self>, request: &Request<'_>) -> Answer {
        let (method, path, body) = (request.method, request.path, request.body);
        match (method.clone(), request.route) {
            (Method::POST, "/tasks/create") => create_task(state, body),
            (Method::POST, "/tasks/query") => query_task(state, body),
            (Method::GET, "/balance" | "/user/balance") => success(
                "查询成功",
                json!({ "balance": state.ledger.balance(), "currency": "credits" }),
            ),
            (Method::POST, "/upload/image") => upload_image(state, body),
            (
                _,
                "/tasks/create" | "/tasks/query" | "/upload/image" | "/balance" | "/user/balance",
            ) => Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method {method} not allowed on {path}"),
            )),
            _ => Err(Self::no_route(method, path)),
        }
    }

    fn cdn(state: &State<Self>, method: &Method, rest: &str) -> Answer {
        let found = if method != Method::GET {
            None
        } else if let Some(name) = rest.strip_prefix("uploads/") {
            cdn_upload(state, name)
        } else if let Some(task_id) = rest.strip_suffix(".mp4") {
            cdn_video(state, task_id)
        } else {
            cdn_image(state, rest)
        };
        found
            .ok_or_else(|| ApiError::not_found(format!("no such file: /cdn/{rest}")))
            .and_then(file)
    }
}

/// Words refusals as `"{key} must …"`, naming the first unknown parameter.
fn words(key: &str, problem: Problem<'_>) -> ApiError {
    ApiError::bad_request(match problem {
        Problem::Unknown { allowed, .. } => {
            format!("unknown parameter {key}; allowed: {}", allowed.join(", "))
        }
        other => plainly(key, &other),
    })
}

// ---------------------------------------------------------------------------
// POST /api/v3/tasks/create
// ---------------------------------------------------------------------------

/// Decodes a JSON body into a typed request; serde's message already names the
/// unknown or missing field.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("invalid request body: {error}")))
}

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

fn create_task(state: &mut State<Xskill>, body: &[u8]) -> Answer {
    let request: CreateRequest = decode(body)?;
    let plan = plan_task(&request.model, request.params.as_ref())?;
    state.ledger.charge(plan.price).map_err(|short| {
        ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "insufficient balance: this task needs {} credits but only {} are available",
                short.needed, short.available
            ),
        )
    })?;
    let task_id = format!("task_{:016x}", state.ledger.hash("task"));
    let request_id = format!("{:016x}", state.ledger.hash("request"));
    let data = TaskData {
        model: request.model.clone(),
        params: Value::Object(request.params.unwrap_or_default()),
        kind: plan.kind,
    };
    state.ledger.open(task_id.clone(), plan.price, data);
    success(
        "任务创建成功",
        json!({
            "task_id": task_id,
            "request_id": request_id,
            "model": request.model,
            "status": Xskill::status(Phase::Pending),
            "price": plan.price,
            "balance": state.ledger.balance(),
        }),
    )
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
    let params = params.ok_or_else(|| ApiError::bad_request("params is required"))?;
    let params = Fields::new(params, words);
    match model {
        SEEDANCE_MODEL => plan_seedance(&params),
        SEEDREAM_EDIT_MODEL => plan_seedream(&params, true),
        _ => plan_seedream(&params, false),
    }
}

fn plan_seedance(params: &Fields<'_>) -> Result<TaskPlan, ApiError> {
    params.only(SEEDANCE_PARAMS)?;
    let tier = params
        .one_of("model", SEEDANCE_TIERS)?
        .unwrap_or("seedance_2.0_fast");
    params.text("prompt", 1, usize::MAX)?;
    let mode = params
        .one_of("functionMode", FUNCTION_MODES)?
        .unwrap_or("omni_reference");
    let ratio = params.one_of("ratio", RATIOS)?.unwrap_or("16:9");
    let duration = params.integer("duration", (4, 15))?.unwrap_or(5);
    let list = |key, max| {
        params
            .urls(key, (0, max), http_url)
            .map(Option::unwrap_or_default)
    };
    let images = list("image_files", 9)?;
    let videos = list("video_files", 3)?;
    let audios = list("audio_files", 3)?;
    let frames = list("filePaths", 2)?;

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
        // The guide's mode table gives omni_reference the three reference arrays
        // and files text to video (no assets) under first_last_frames only.
        if images.is_empty() && videos.is_empty() && audios.is_empty() {
            return Err(ApiError::bad_request(
                "omni_reference needs at least one of image_files, video_files or audio_files; \
                 for text to video set functionMode to first_last_frames with no filePaths",
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

    // Standard costs twice fast; any video reference doubles the rate again.
    let per_second = match (tier == "seedance_2.0", !videos.is_empty()) {
        (false, false) => 10,
        (false, true) | (true, false) => 20,
        (true, true) => 40,
    };
    // 720p frame sizes per ratio; only reported in the image-object result shape.
    let (width, height) = match ratio {
        "21:9" => (1680, 720),
        "4:3" => (960, 720),
        "1:1" => (720, 720),
        "3:4" => (720, 960),
        "9:16" => (720, 1280),
        _ => (1280, 720),
    };
    Ok(TaskPlan {
        price: per_second * duration,
        kind: TaskKind::Video { width, height },
    })
}

fn plan_seedream(params: &Fields<'_>, edit: bool) -> Result<TaskPlan, ApiError> {
    params.only(if edit {
        SEEDREAM_EDIT_PARAMS
    } else {
        SEEDREAM_TEXT_PARAMS
    })?;
    params.text("prompt", 1, usize::MAX)?;
    params.one_of("image_size", IMAGE_SIZES)?;
    let count = params.integer("num_images", (1, 6))?.unwrap_or(1);
    if edit {
        let sources = params.urls("image_urls", (0, 10), http_url)?;
        if sources.unwrap_or_default().is_empty() {
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

// ---------------------------------------------------------------------------
// POST /api/v3/tasks/query
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    task_id: String,
}

fn query_task(state: &mut State<Xskill>, body: &[u8]) -> Answer {
    let request: QueryRequest = decode(body)?;
    let task = state
        .ledger
        .position(&request.task_id)
        .and_then(|index| state.ledger.read(index))
        .map(|(task, _)| task.clone())
        .ok_or_else(|| ApiError::not_found(format!("task not found: {}", request.task_id)))?;
    success("查询成功", query_data(state, &task))
}

fn query_data(state: &State<Xskill>, task: &Task<TaskData>) -> Value {
    let mut data = json!({
        "task_id": task.id,
        "model": task.data.model,
        "status": Xskill::status(task.phase),
        "result": Value::Null,
        "error": Value::Null,
        "price": task.price,
    });
    match (task.phase, &task.outcome) {
        (Phase::Processing, _) => {
            data["progress"] = json!({
                "stage": "generating",
                "message": "the model is generating the output",
            });
        }
        (Phase::Succeeded, _) => attach_result(state, task, &mut data),
        (Phase::Failed, crate::TaskOutcome::Fail(message)) => {
            data["error"] = Value::String(message.clone());
        }
        (Phase::Failed, _) => data["error"] = Value::String("生成超时，任务已取消".to_owned()),
        _ => {}
    }
    data
}

fn attach_result(state: &State<Xskill>, task: &Task<TaskData>, data: &mut Value) {
    let shape = state.api.config.result_shape;
    let id = &task.id;
    match task.data.kind {
        TaskKind::Video { width, height } => {
            let url = format!("{}/cdn/{id}.mp4", state.origin);
            match shape {
                ResultShape::OutputImagesStrings => {
                    data["result"] = json!({ "output": { "images": [url] } });
                }
                ResultShape::OutputVideoUrl => {
                    data["output"] = json!({ "video_url": url });
                }
                ResultShape::OutputImagesObjects => {
                    let file = format!("{id}.mp4");
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
                    let url = format!("{}/cdn/{id}/{index}.png", state.origin);
                    if shape == ResultShape::OutputImagesObjects {
                        let file = format!("{id}_{index}.png");
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

fn upload_image(state: &mut State<Xskill>, body: &[u8]) -> Answer {
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
    let url = upload_url(state, state.api.uploads.len(), &upload);
    state.api.uploads.push(upload);
    success("上传成功", json!({ "url": url }))
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
// GET /cdn/...
// ---------------------------------------------------------------------------

fn cdn_upload(state: &State<Xskill>, name: &str) -> Option<(&'static str, Vec<u8>)> {
    let (number, extension) = name.split_once('.')?;
    let index = number.parse::<usize>().ok()?.checked_sub(1)?;
    let upload = state.api.uploads.get(index)?;
    (upload.extension == extension).then(|| (upload.content_type, upload.bytes.clone()))
}

fn completed(state: &State<Xskill>, task_id: &str) -> Option<TaskKind> {
    let task = state.ledger.find(task_id)?;
    (task.phase == Phase::Succeeded).then_some(task.data.kind)
}

fn cdn_video(state: &State<Xskill>, task_id: &str) -> Option<(&'static str, Vec<u8>)> {
    matches!(completed(state, task_id)?, TaskKind::Video { .. })
        .then(|| ("video/mp4", state.api.config.result_bytes.clone()))
}

fn cdn_image(state: &State<Xskill>, rest: &str) -> Option<(&'static str, Vec<u8>)> {
    let (task_id, file) = rest.split_once('/')?;
    let index = file.strip_suffix(".png")?.parse::<u32>().ok()?;
    match completed(state, task_id)? {
        // A Seedream result is an image, whatever video bytes the test configured.
        TaskKind::Images { count } if index < count => {
            Some(("image/png", PLACEHOLDER_PNG.to_vec()))
        }
        _ => None,
    }
}
