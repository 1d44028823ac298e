//! BytePlus ModelArk and Volcengine Ark backend: Seedance video tasks on
//! `/contents/generations/tasks` (create, get, list, delete).
//!
//! Our schema maps to `content[]` items with roles; references in the prompt are
//! rewritten to Ark's "[Image 1]" words. Model rules that Ark enforces per model
//! (no 1080p on 2.0 fast, draft only on 1.5 pro, ...) are checked here before
//! sending. Ark reports token usage instead of a price; the estimate uses the
//! published per-million-token rates.

mod models;
pub mod options;
mod wire;

use async_trait::async_trait;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageUpload,
        KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, Resolution, SubmittedTask,
        TaskFacts, TaskFailure, TaskRef, TaskSnapshot, TaskStatus, VideoInputs, VideoRequest,
    },
    error::{ErrorKind, ProviderError},
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        api::{self, Answer, ApiClient, ApiRequest, Dialect, Nothing, Refusal},
        capabilities::{ALL_RATIOS, BalanceSource, LocalFiles, MediaRules},
        http::ApiResponse,
        inline,
        registry::Entry,
    },
    references::{self, MediaKind},
};

use models::Family;
use options::ArkSettings;

/// The key and base-URL variables both regions share.
const KEY_VAR: &str = "ARK_API_KEY";
const BASE_URL_VAR: &str = "ARK_BASE_URL";

static BYTEPLUS_INFO: ProviderInfo = ProviderInfo {
    name: "byteplus",
    display_name: "BytePlus ModelArk",
    key_var: Some(KEY_VAR),
    base_url_var: Some(BASE_URL_VAR),
    default_base_url: "https://ark.ap-southeast.bytepluses.com/api/v3",
};
static VOLCENGINE_INFO: ProviderInfo = ProviderInfo {
    name: "volcengine",
    display_name: "Volcengine Ark",
    key_var: Some(KEY_VAR),
    base_url_var: Some(BASE_URL_VAR),
    default_base_url: "https://ark.cn-beijing.volces.com/api/v3",
};

/// The registry's entry for BytePlus ModelArk (international); an Ark key alone selects it.
pub(super) static BYTEPLUS_ENTRY: Entry = Entry {
    id: ProviderId::new(&BYTEPLUS_INFO),
    chosen_by_key: true,
    capabilities: &BYTEPLUS,
    build: |config| Ok(std::sync::Arc::new(Ark::new(Region::BytePlus, config)?)),
};
/// The registry's entry for Volcengine Ark (China), which shares the key and must be named.
pub(super) static VOLCENGINE_ENTRY: Entry = Entry {
    id: ProviderId::new(&VOLCENGINE_INFO),
    chosen_by_key: false,
    capabilities: &VOLCENGINE,
    build: |config| Ok(std::sync::Arc::new(Ark::new(Region::Volcengine, config)?)),
};

/// Which Ark: the two share the API but not model ids, prices or currencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// BytePlus ModelArk, international, priced in USD.
    BytePlus,
    /// Volcengine Ark, China, priced in CNY.
    Volcengine,
}

impl Region {
    fn entry(self) -> &'static Entry {
        match self {
            Self::BytePlus => &BYTEPLUS_ENTRY,
            Self::Volcengine => &VOLCENGINE_ENTRY,
        }
    }
}

/// Tasks asked for in one list request.
const LIST_PAGE: usize = 100;

const VIDEO_RESOLUTIONS: &[Resolution] = &[
    Resolution::P480,
    Resolution::P720,
    Resolution::P1080,
    Resolution::Uhd4k,
];
const SEEDANCE_MODELS: &[KnownModel] = &[
    KnownModel::SeedanceFast,
    KnownModel::Seedance,
    KnownModel::SeedanceMini,
];

const fn capabilities(pricing: &'static str) -> Capabilities {
    Capabilities {
        simulated: false,
        options: &[options::ARGUMENT],
        models: SEEDANCE_MODELS,
        upload: false,
        balance: BalanceSource::Unavailable,
        list: true,
        cancel: true,
        last_frame: true,
        audio_switch: true,
        seed: true,
        camera_fixed: true,
        watermark: true,
        ratios: ALL_RATIOS,
        resolutions: VIDEO_RESOLUTIONS,
        max_images: 9,
        max_videos: 3,
        max_audios: 3,
        audio_only_reference: false,
        media: MediaRules {
            data_urls: true,
            asset_ids: true,
            plain_http: true,
            local: LocalFiles::Inline,
        },
        idempotent_create: false,
        prompt_chars: None,
        pricing,
    }
}

static BYTEPLUS: Capabilities = capabilities(
    "Token-based, in USD per million tokens: Seedance 2.0 7.0 (480p/720p), 7.7 (1080p), 4.0 (4k); 2.0 fast \
     5.6; 2.0 mini 3.5; lower with reference videos. Tokens = (input video s + output s) x width x height x \
     24 / 1024: a 5 s 720p 16:9 clip is 108,900 tokens (about $0.76). Failed tasks are free.",
);
static VOLCENGINE: Capabilities = capabilities(
    "Token-based, in CNY per million tokens: Seedance 2.0 46 (480p/720p), 51 (1080p), 26 (4k); 2.0 fast 37; \
     2.0 mini 23; lower with reference videos. Tokens = (input video s + output s) x width x height x 24 / \
     1024: a 5 s 720p 16:9 clip is 108,900 tokens (about 5 CNY). Failed tasks are free.",
);

/// The Ark client for one region.
#[derive(Debug)]
pub struct Ark {
    id: ProviderId,
    region: Region,
    api: ApiClient<ErrorObjects>,
    base_url: String,
}

impl Ark {
    /// A client for one region.
    pub fn new(region: Region, config: &ProviderConfig) -> Result<Self, ProviderError> {
        let id = region.entry().id;
        Ok(Self {
            id,
            region,
            api: ApiClient::new(id, config, ErrorObjects)?,
            base_url: config.base_url.clone(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/contents/generations/tasks{path}", self.base_url)
    }

    fn model_id(&self, model: &ModelChoice) -> String {
        let byteplus = self.region == Region::BytePlus;
        let known = match model {
            ModelChoice::Native(id) => return id.clone(),
            ModelChoice::Known(known) => known,
        };
        let id = match (known, byteplus) {
            (KnownModel::Seedance, true) => "dreamina-seedance-2-0-260128",
            (KnownModel::SeedanceMini, true) => "dreamina-seedance-2-0-mini-260615",
            (_, true) => "dreamina-seedance-2-0-fast-260128",
            (KnownModel::Seedance, false) => "doubao-seedance-2-0-260128",
            (KnownModel::SeedanceMini, false) => "doubao-seedance-2-0-mini-260615",
            (_, false) => "doubao-seedance-2-0-fast-260128",
        };
        id.to_owned()
    }

    /// Sends a create whose local files are base64-encoded as the body streams
    /// (see [`inline`]), so a 30 MB image is never held as a 40 MB string.
    async fn create_streaming(
        &self,
        call: &CreateCall,
        attachments: &inline::Attachments,
    ) -> Result<wire::Created, ProviderError> {
        let invalid = |message: String| ProviderError::InvalidRequest {
            provider: self.id,
            message,
        };
        let (post, changed) = inline::post(self.api.http()?, call, attachments, self.api.timeout())
            .map_err(|e| invalid(e.to_string()))?;
        match self.api.send_once(post, "create").await {
            // A file that changed mid-way cut the body short on purpose: the
            // provider cannot have accepted a request it never fully received.
            Err(_) if changed.get().is_some() => Err(invalid(format!(
                "{}; the request was cut short, so no task was created. Submit again",
                changed.get().cloned().unwrap_or_default()
            ))),
            other => other.map_err(nothing_created),
        }
    }

    fn unsupported(
        &self,
        feature: impl Into<String>,
        alternative: impl Into<String>,
    ) -> ProviderError {
        ProviderError::Unsupported {
            provider: self.id,
            feature: feature.into(),
            alternative: alternative.into(),
        }
    }

    /// Ark's per-model rules (see [`models`]), checked before sending.
    fn check_model_rules(
        &self,
        family: Family,
        video: &VideoRequest,
        ark: &ArkSettings,
    ) -> Result<(), ProviderError> {
        models::check(family, self.region, video, ark)
            .map_err(|broken| self.unsupported(broken.feature, broken.alternative))
    }

    fn create_body<'a>(
        &self,
        model: &'a str,
        video: &'a VideoRequest,
        ark: &'a ArkSettings,
    ) -> wire::CreateBody<'a> {
        let prompt = references::rewrite(&video.prompt, |kind, n| match kind {
            MediaKind::Image => format!("[Image {n}]"),
            MediaKind::Video => format!("[Video {n}]"),
            MediaKind::Audio => format!("[Audio {n}]"),
        });
        let mut content = Vec::new();
        if let Some(draft) = &ark.draft_task_id {
            // The draft alone: it fixed the prompt, the media and the length.
            content.push(wire::ContentItem::DraftTask {
                draft_task: wire::IdRef { id: draft },
            });
        } else {
            if !prompt.is_empty() {
                content.push(wire::ContentItem::Text { text: prompt });
            }
            content.extend(media_items(&video.inputs));
        }
        let duration = match (&ark.draft_task_id, ark.auto_duration) {
            (Some(_), _) => None,
            (None, true) => Some(models::MODEL_CHOOSES),
            (None, false) => Some(i32::from(video.duration)),
        };
        wire::CreateBody {
            model,
            content,
            ratio: video.ratio.map(Ratio::as_str),
            duration,
            resolution: video.resolution.map(Resolution::as_str),
            generate_audio: video.generate_audio,
            seed: video.seed,
            camera_fixed: video.camera_fixed,
            watermark: video.watermark,
            return_last_frame: video.return_last_frame.then_some(true),
            service_tier: ark.service_tier.map(|t| t.as_str()),
            execution_expires_after: ark.execution_expires_after,
            draft: ark.draft.then_some(true),
        }
    }

    /// The task as we report it. Whether it had reference videos changes the token
    /// price and Ark's task object does not say: the journal's facts do.
    fn snapshot(&self, task: wire::Task, facts: &TaskFacts) -> TaskSnapshot {
        let (status, provider_status) = TaskStatus::from_word(&task.status, status);
        let content = task.content.unwrap_or_default();
        let result_urls = content.video_url.or(content.file_url).into_iter().collect();
        let failure = match status {
            TaskStatus::Failed => Some(failure(task.error.as_ref())),
            TaskStatus::Expired => Some(TaskFailure::new(
                FailureKind::Expired,
                None,
                "the task did not finish within its execution_expires_after window",
            )),
            _ => None,
        };
        let tokens = task
            .usage
            .and_then(|u| u.completion_tokens.or(u.total_tokens));
        let price = tokens.and_then(|t| {
            self.estimate_from_tokens(
                task.model.as_deref(),
                task.resolution.as_deref(),
                facts.reference_video,
                t,
            )
        });
        TaskSnapshot {
            task_id: task.id,
            status,
            result_urls,
            last_frame_url: content.last_frame_url,
            failure,
            progress: None,
            price,
            refunded: None,
            usage_tokens: tokens,
            seed: task.seed,
            // Ark's result links last 24 hours from when the task finished.
            urls_expire_at: (status == TaskStatus::Succeeded)
                .then(|| {
                    task.updated_at
                        .map(|at| crate::clock::rfc3339(at + 24 * 3600))
                })
                .flatten(),
            provider_status,
        }
    }

    /// Cost from tokens with the published rates (per million tokens).
    fn estimate_from_tokens(
        &self,
        model: Option<&str>,
        resolution: Option<&str>,
        with_video: bool,
        tokens: u64,
    ) -> Option<Amount> {
        let family = Family::of(model?);
        let res = resolution
            .and_then(Resolution::parse)
            .unwrap_or(Resolution::P720);
        let byteplus = self.region == Region::BytePlus;
        let (plain, with_ref) = match (family, res, byteplus) {
            (Family::V2, Resolution::P1080, true) => (7.7, 4.7),
            (Family::V2, Resolution::Uhd4k, true) => (4.0, 2.4),
            (Family::V2, _, true) => (7.0, 4.3),
            (Family::V2Fast, _, true) => (5.6, 3.3),
            (Family::V2Mini, _, true) => (3.5, 2.1),
            (Family::V2, Resolution::P1080, false) => (51.0, 31.0),
            (Family::V2, Resolution::Uhd4k, false) => (26.0, 16.0),
            (Family::V2, _, false) => (46.0, 28.0),
            (Family::V2Fast, _, false) => (37.0, 22.0),
            (Family::V2Mini, _, false) => (23.0, 14.0),
            _ => return None,
        };
        let rate = if with_video { with_ref } else { plain };
        let amount = (tokens as f64 / 1_000_000.0 * rate * 100.0).round() / 100.0;
        Some(Amount::new(
            amount,
            if byteplus {
                "USD (estimated from tokens)"
            } else {
                "CNY (estimated from tokens)"
            },
        ))
    }
}

/// A create Ark refused says so: Ark makes a task only when it answers its id,
/// so an explicit refusal created nothing. Upstream failures (5xx, lost
/// answers) stay as they are: those may have created a task. Rate limits
/// already say nothing was created.
fn nothing_created(mut error: ProviderError) -> ProviderError {
    if let ProviderError::Unauthenticated { message, .. }
    | ProviderError::InsufficientBalance { message, .. }
    | ProviderError::NotFound { message, .. }
    | ProviderError::ContentRejected { message, .. }
    | ProviderError::InvalidRequest { message, .. } = &mut error
    {
        *message = format!(
            "{}; no task was created",
            message.trim_end().trim_end_matches('.')
        );
    }
    error
}

/// The reference media or frames as `content[]` items with their roles.
fn media_items(inputs: &VideoInputs) -> Vec<wire::ContentItem<'_>> {
    let mut items = Vec::new();
    match inputs {
        VideoInputs::Omni {
            images,
            videos,
            audios,
        } => {
            items.extend(images.iter().map(|url| wire::ContentItem::ImageUrl {
                image_url: wire::UrlRef { url },
                role: "reference_image",
            }));
            items.extend(videos.iter().map(|url| wire::ContentItem::VideoUrl {
                video_url: wire::UrlRef { url },
                role: "reference_video",
            }));
            items.extend(audios.iter().map(|url| wire::ContentItem::AudioUrl {
                audio_url: wire::UrlRef { url },
                role: "reference_audio",
            }));
        }
        VideoInputs::Frames { first, last } => {
            for (url, role) in [(first, "first_frame"), (last, "last_frame")] {
                if let Some(url) = url {
                    items.push(wire::ContentItem::ImageUrl {
                        image_url: wire::UrlRef { url },
                        role,
                    });
                }
            }
        }
    }
    items
}

/// Whether Ark checks the `duration` of `model_id` itself, before sending: the
/// Seedance 1.x models have ranges of their own (2-12 s; 4-12 s or -1, the
/// model choosing, on 1.5 pro), which the portable 4-15 s would misstate.
pub fn checks_duration(model_id: &str) -> bool {
    models::Family::of(model_id).is_v1()
}

/// Ark's answers: data as the body; errors as `{"error": {code, message, param}}`
/// with an HTTP status, where some codes mean more than their status. Errors
/// are read in any shape (a string, a number, an object with fields missing or
/// of other types, fields at the top level), and an `error` in a success
/// answer that is not a task's own is a refusal too: an explicit error always
/// reads as the provider's refusal, in its words.
#[derive(Debug)]
struct ErrorObjects;

impl Dialect for ErrorObjects {
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String> {
        if response.status.is_success()
            && let Ok(answer) = serde_json::from_slice::<wire::ErrorAnswer>(&response.body)
            && answer.refuses()
        {
            let problem = answer.problem();
            let number = status_named_by(&problem);
            return Ok(Answer::Refused(refusal(number, problem, response)));
        }
        api::plain_json(response, |response| {
            let problem = serde_json::from_slice::<wire::ErrorAnswer>(&response.body)
                .map(wire::ErrorAnswer::problem)
                .unwrap_or_default();
            refusal(Some(response.status.as_u16()), problem, response)
        })
    }

    fn special(&self, refusal: &mut Refusal, _response: &ApiResponse) -> Option<ErrorKind> {
        // An error in a success answer that names no status still says the
        // request failed: a refusal, not a garbled answer.
        let Some(number) = refusal.number else {
            return Some(ErrorKind::InvalidRequest);
        };
        let code = refusal.code.as_deref()?;
        match number {
            403 if code == "AccountOverdueError"
                || code.starts_with("OperationDenied.ServiceOverdue") =>
            {
                Some(ErrorKind::InsufficientBalance)
            }
            404 if code.starts_with("InvalidEndpoint") || code == "ModelNotOpen" => {
                refusal.message = format!(
                    "{}. Check the model id and that it is activated for this account",
                    refusal.message
                );
                Some(ErrorKind::InvalidRequest)
            }
            429 if code == "QuotaExceeded" || code == "SetLimitExceeded" => {
                Some(ErrorKind::InsufficientBalance)
            }
            400..=499 if is_moderation(code) => Some(ErrorKind::ContentRejected),
            _ => None,
        }
    }
}

/// The refusal an error says, in Ark's words: `code: message (parameter
/// `param`)`, or the answer itself when the error says nothing.
fn refusal(number: Option<u16>, problem: wire::Problem, response: &ApiResponse) -> Refusal {
    let present = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
    let code = present(problem.code);
    let words = present(problem.message);
    let mut message = match (&code, words) {
        (Some(code), Some(words)) => format!("{code}: {words}"),
        (Some(code), None) => code.clone(),
        (None, Some(words)) => words,
        (None, None) => String::new(),
    };
    if let Some(param) = present(problem.param) {
        message = format!("{message} (parameter `{param}`)")
            .trim_start()
            .to_owned();
    }
    if message.is_empty() {
        message = response.snippet();
    }
    Refusal {
        number,
        code,
        message,
    }
}

/// The HTTP status an error in a success answer stands for, by its `type` or
/// its code (the documented pairs); `None` when it names neither.
fn status_named_by(problem: &wire::Problem) -> Option<u16> {
    let by_type = match problem.kind.as_deref() {
        Some("BadRequest") => Some(400),
        Some("Unauthorized") => Some(401),
        Some("Forbidden") => Some(403),
        Some("NotFound") => Some(404),
        Some("TooManyRequests") => Some(429),
        Some("InternalServerError") => Some(500),
        _ => None,
    };
    let code = problem.code.as_deref().unwrap_or_default();
    let head = code.split('.').next().unwrap_or_default();
    let by_code = match head {
        "MissingParameter" | "InvalidParameter" => Some(400),
        _ if is_moderation(code) => Some(400),
        "AuthenticationError" => Some(401),
        "AccountOverdueError" | "AccessDenied" | "OperationDenied" => Some(403),
        "InvalidEndpoint"
        | "InvalidEndpointOrModel"
        | "ModelNotOpen"
        | "NotFound"
        | "ResourceNotFound" => Some(404),
        "RateLimitExceeded"
        | "ModelAccountRpmRateLimitExceeded"
        | "AccountRateLimitExceeded"
        | "QuotaExceeded"
        | "SetLimitExceeded"
        | "ServerOverloaded"
        | "RequestBurstTooFast" => Some(429),
        "InternalServiceError" => Some(500),
        _ => None,
    };
    by_type.or(by_code)
}

/// Output frame size by resolution and ratio. Only 720p 16:9 (1280x720) is
/// confirmed by a real task's token count; the rest follow the published Seedance
/// size table's proportions and may be off by a few pixels.
fn frame_size(resolution: Resolution, ratio: Ratio) -> (u32, u32) {
    let p720 = match ratio {
        Ratio::Landscape16x9 | Ratio::Adaptive => (1280, 720),
        Ratio::Landscape4x3 => (1112, 834),
        Ratio::Square => (960, 960),
        Ratio::Portrait3x4 => (834, 1112),
        Ratio::Portrait9x16 => (720, 1280),
        Ratio::Wide21x9 => (1470, 630),
    };
    let scale = |(w, h): (u32, u32), num: u32, den: u32| (w * num / den, h * num / den);
    match resolution {
        Resolution::P480 => scale(p720, 2, 3),
        Resolution::P1080 => scale(p720, 3, 2),
        Resolution::Uhd4k => scale(p720, 3, 1),
        _ => p720,
    }
}

fn is_moderation(code: &str) -> bool {
    code.split('.')
        .next()
        .is_some_and(|head| head.ends_with("SensitiveContentDetected"))
}

fn status(word: &str) -> Option<TaskStatus> {
    Some(match word {
        "queued" | "pending" => TaskStatus::Queued,
        "running" | "processing" => TaskStatus::Running,
        "succeeded" => TaskStatus::Succeeded,
        "failed" => TaskStatus::Failed,
        "cancelled" => TaskStatus::Cancelled,
        "expired" => TaskStatus::Expired,
        _ => return None,
    })
}

/// Ark's error codes decide the kind: `...SensitiveContentDetected.PrivacyInformation`
/// is a real person's face; other `SensitiveContentDetected` codes are moderation.
fn failure(error: Option<&wire::Problem>) -> TaskFailure {
    let code = error
        .and_then(|e| e.code.clone())
        .filter(|c| !c.trim().is_empty());
    // Without words, the code is the reason.
    let message = error
        .and_then(|e| e.message.clone())
        .filter(|m| !m.trim().is_empty())
        .or_else(|| code.clone())
        .unwrap_or_else(|| "the provider gave no reason".to_owned());
    let kind = match code.as_deref() {
        Some(c) if is_moderation(c) && c.ends_with(".PrivacyInformation") => {
            FailureKind::FaceDetected
        }
        Some(c) if is_moderation(c) => FailureKind::ContentRejected,
        Some(c) if c.starts_with("InvalidParameter") || c.starts_with("MissingParameter") => {
            FailureKind::InvalidInput
        }
        _ => FailureKind::Unknown,
    };
    TaskFailure::new(kind, code, message)
}

#[async_trait]
impl Provider for Ark {
    fn id(&self) -> ProviderId {
        self.id
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.region.entry().capabilities
    }

    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        let Generation::Video(video) = &request.generation else {
            return None;
        };
        let model = self.model_id(&request.model);
        let resolution = video.resolution.unwrap_or(Resolution::P720);
        let (width, height) = frame_size(resolution, video.ratio.unwrap_or(Ratio::Landscape16x9));
        // Reference videos are billed as input seconds too; their length is unknown
        // before fetching, so the estimate counts the output only (a lower bound).
        let frames = 24 * u64::from(video.duration) + 1;
        let tokens = u64::from(width) * u64::from(height) * frames / 1024;
        self.estimate_from_tokens(
            Some(&model),
            Some(resolution.as_str()),
            video.inputs.has_video(),
            tokens,
        )
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        let Generation::Video(video) = &request.generation else {
            return Err(self.unsupported(
                "image models through this server",
                "Use seedance-2.0 / seedance-2.0-fast here, or a provider with image models (xskill, seedance2ai).",
            ));
        };
        let model = self.model_id(&request.model);
        let ark = request
            .options
            .get::<ArkSettings>()
            .cloned()
            .unwrap_or_default();
        self.check_model_rules(Family::of(&model), video, &ark)?;
        let body = self.create_body(&model, video, &ark);
        CreateCall::post(self.id, self.url(""), &body)
    }

    async fn submit(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        self.submit_with(request, key, &inline::Attachments::default())
            .await
    }

    async fn submit_with(
        &self,
        request: &GenerationRequest,
        _key: &SubmissionKey,
        attachments: &inline::Attachments,
    ) -> Result<SubmittedTask, ProviderError> {
        // create_call refuses what Ark cannot make (image models) before anything is sent.
        let call = self.create_call(request)?;
        let created: wire::Created = if attachments.is_empty() {
            let post = ApiRequest::write(Method::POST, &call.url, "create").json(&call.body);
            self.api.send(post).await.map_err(nothing_created)?
        } else {
            self.create_streaming(&call, attachments).await?
        };
        Ok(SubmittedTask {
            task_id: created.id,
            status: TaskStatus::Queued,
            price: None,
            balance_after: None,
        })
    }

    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        let task_id = &task.id;
        let facts = task.facts;
        let url = self.url(&format!("/{}", super::http::path_segment(task_id)));
        let task: wire::Task = self
            .api
            .send(ApiRequest::read(
                Method::GET,
                url,
                format!("task {task_id}"),
            ))
            .await?;
        Ok(self.snapshot(task, &facts))
    }

    async fn tasks(&self, tasks: &[TaskRef]) -> Result<Vec<TaskSnapshot>, ProviderError> {
        // One list request with repeated filter.task_ids serves a whole batch, which
        // keeps many pending tasks within the account's request rate.
        let mut found = Vec::with_capacity(tasks.len());
        for chunk in tasks.chunks(LIST_PAGE) {
            let mut url =
                reqwest::Url::parse(&self.url("")).map_err(|e| ProviderError::Upstream {
                    provider: self.id,
                    status: None,
                    message: format!("bad base URL: {e}"),
                })?;
            url.query_pairs_mut()
                .append_pair("page_num", "1")
                .append_pair("page_size", &LIST_PAGE.to_string())
                .extend_pairs(
                    chunk
                        .iter()
                        .map(|task| ("filter.task_ids", task.id.as_str())),
                );
            let list: wire::TaskList = self
                .api
                .send(ApiRequest::read(Method::GET, url, "task list"))
                .await?;
            found.extend(list.items.into_iter().map(|item| {
                let facts = chunk
                    .iter()
                    .find(|task| task.id == item.id)
                    .map(|task| task.facts)
                    .unwrap_or_default();
                self.snapshot(item, &facts)
            }));
        }
        Ok(found)
    }

    async fn upload_image(&self, _image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        Err(self.unsupported(
            "hosting images",
            "Ark takes images inline: pass the file's path (or a public https URL) straight in image_files, \
             first_frame or last_frame; it is checked and sent as a data: URL (up to 30 MB).",
        ))
    }

    async fn balance(&self) -> Result<Balance, ProviderError> {
        Err(self.unsupported(
            "reading the balance through the API",
            "Check the balance or resource packs in the console (billing page); Ark bills by tokens, see the \
             pricing in get_task results.",
        ))
    }

    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        self.api.download(url).await
    }

    async fn cancel(&self, task_id: &str) -> Result<(), ProviderError> {
        let url = self.url(&format!("/{}", super::http::path_segment(task_id)));
        let cancel =
            ApiRequest::write(Method::DELETE, url, format!("task {task_id}")).json(&wire::Empty {});
        let _: Nothing = self.api.send(cancel).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_refine_what_the_status_says() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let kind = |status, code: &str| {
            let body = format!(r#"{{"error":{{"code":"{code}","message":"m","param":"p"}}}}"#);
            read_answer(&ErrorObjects, status, None, &body).unwrap_err()
        };
        assert_eq!(
            kind(403, "AccountOverdueError").kind(),
            K::InsufficientBalance
        );
        assert_eq!(kind(403, "AccessDenied").kind(), K::Unauthenticated);
        assert_eq!(kind(429, "QuotaExceeded").kind(), K::InsufficientBalance);
        assert_eq!(kind(429, "RateLimitExceeded").kind(), K::RateLimited);
        assert_eq!(kind(404, "NotFound").kind(), K::NotFound);
        let endpoint = kind(404, "InvalidEndpointOrModel.NotFound");
        assert_eq!(endpoint.kind(), K::InvalidRequest);
        assert!(
            endpoint
                .to_string()
                .contains("(parameter `p`). Check the model id"),
            "{endpoint}"
        );
        assert_eq!(
            kind(400, "InputTextSensitiveContentDetected").kind(),
            K::ContentRejected
        );
        assert_eq!(kind(400, "InvalidParameter").kind(), K::InvalidRequest);
        assert_eq!(kind(500, "InternalServiceError").kind(), K::Upstream);
    }

    #[test]
    fn an_explicit_error_in_any_shape_is_a_refusal_and_a_task_keeps_its_own() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let read = |status, body: &str| read_answer(&ErrorObjects, status, None, body);
        let failed_task = r#"{"id":"cgt-1","status":"failed","error":"unsafe output"}"#;
        assert!(read(200, failed_task).is_ok());
        for (status, body, kind, words) in [
            (
                200,
                r#"{"error":{"code":"AuthenticationError"}}"#,
                K::Unauthenticated,
                "AuthenticationError",
            ),
            (
                200,
                r#"{"error":{"message":"m","type":"TooManyRequests"}}"#,
                K::RateLimited,
                "m",
            ),
            (200, r#"{"error":"no"}"#, K::InvalidRequest, "no"),
            (200, r#"{"error":{}}"#, K::InvalidRequest, r#"{"error":{}}"#),
            (
                404,
                r#"{"error":{"code":"ResourceNotFound","message":"gone"}}"#,
                K::NotFound,
                "gone",
            ),
            (400, r#"{"error":[1]}"#, K::InvalidRequest, "1"),
            (400, "<html>bad</html>", K::InvalidRequest, "HTML page"),
            (
                500,
                r#"{"error":{"code":"InternalServiceError","message":"x"}}"#,
                K::Upstream,
                "x",
            ),
        ] {
            let error = read(status, body).unwrap_err();
            assert_eq!(error.kind(), kind, "{body}: {error}");
            assert!(error.to_string().contains(words), "{body}: {error}");
        }
    }

    #[test]
    fn failure_codes_decide_the_kind() {
        let e = |code: &str| wire::Problem {
            code: Some(code.into()),
            message: Some("m".into()),
            ..wire::Problem::default()
        };
        assert_eq!(
            failure(Some(&e(
                "InputImageSensitiveContentDetected.PrivacyInformation"
            )))
            .kind,
            FailureKind::FaceDetected
        );
        assert_eq!(
            failure(Some(&e(
                "OutputVideoSensitiveContentDetected.PolicyViolation"
            )))
            .kind,
            FailureKind::ContentRejected
        );
        assert_eq!(
            failure(Some(&e("InvalidParameter"))).kind,
            FailureKind::InvalidInput
        );
        assert_eq!(failure(None).kind, FailureKind::Unknown);
    }
}
