//! seedance2ai.io backend: Seedance 2.0 video (`/video/seedance2`) and the image
//! models gpt-image-2 and nano-banana-pro, polled on `/tasks/{id}`.
//!
//! Every POST carries an `Idempotency-Key`, the same for every attempt of one
//! logical submission, so creates are retried safely on transient failures.
//! `mode` is derived from the inputs; references are rewritten into plain words,
//! as the provider asks, and the prompt's length is checked on those words,
//! against the limit of the endpoint it goes to. Media must be public https URLs.
//!
//! A gpt-image-2 batch (`batch_count` > 1) is one task per image on the
//! provider's side. The caller gets one task id for the batch, the provider's
//! ids joined with `+`; querying it asks for each image and gathers them, so
//! every paid image is reported and saved.

pub mod options;
mod wire;

use async_trait::async_trait;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageRatio,
        ImageRequest, ImageUpload, KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio,
        Resolution, SubmittedTask, TaskFailure, TaskRef, TaskSnapshot, TaskStatus, VideoInputs,
        VideoRequest, VideoTier,
    },
    error::{ErrorKind, ProviderError},
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        api::{self, Answer, ApiClient, ApiRequest, Dialect, Refusal},
        capabilities::{ALL_RATIOS, BalanceSource, LocalFiles, MediaRules},
        http::ApiResponse,
        lenient::{LooseError, Maybe},
        registry::Entry,
    },
    references::{self, MediaKind},
};

use options::{Channel, OutputFormat};

static INFO: ProviderInfo = ProviderInfo {
    name: "seedance2ai",
    display_name: "seedance2ai.io",
    key_var: Some("SEEDANCE2AI_API_KEY"),
    base_url_var: Some("SEEDANCE2AI_BASE_URL"),
    // The `www.` host: the apex redirects and drops the key.
    default_base_url: "https://www.seedance2ai.io/api/v1",
};
const ID: ProviderId = ProviderId::new(&INFO);

/// The registry's entry for seedance2ai.io.
pub(super) static ENTRY: Entry = Entry {
    id: ID,
    chosen_by_key: true,
    capabilities: &CAPABILITIES,
    build: |config| Ok(std::sync::Arc::new(Seedance2ai::new(config)?)),
};
const UNIT: &str = "credits";

static CAPABILITIES: Capabilities = Capabilities {
    simulated: false,
    options: &[options::ARGUMENT, options::OUTPUT_FORMAT],
    models: &[
        KnownModel::SeedanceFast,
        KnownModel::Seedance,
        KnownModel::SeedanceMini,
        KnownModel::GptImage2,
        KnownModel::NanoBananaPro,
    ],
    upload: false,
    balance: BalanceSource::LastSeen,
    list: false,
    cancel: false,
    last_frame: true,
    audio_switch: true,
    seed: true,
    camera_fixed: true,
    watermark: false,
    ratios: ALL_RATIOS,
    resolutions: &[
        Resolution::P720,
        Resolution::P1080,
        Resolution::P1080Plus,
        Resolution::Uhd4k,
        Resolution::Image1K,
        Resolution::Image2K,
        Resolution::Image4K,
    ],
    max_images: 9,
    max_videos: 3,
    // media_urls takes images and videos only.
    max_audios: 0,
    audio_only_reference: false,
    media: MediaRules {
        data_urls: false,
        asset_ids: false,
        plain_http: false,
        local: LocalFiles::Refused,
    },
    idempotent_create: true,
    // The limit is the endpoint's (see `PROMPT_CHARS`), counted on the prompt as sent.
    prompt_chars: None,
    pricing: "Credits per task, reported when it is created (about 6 credits per second for standard 720p \
              video); failed tasks are refunded.",
};

/// Shortest prompt every endpoint takes, in characters.
const MIN_PROMPT_CHARS: usize = 3;
/// Longest prompt of the video and nano-banana-pro endpoints.
const PROMPT_CHARS: usize = 10_000;
/// Longest prompt of gpt-image-2.
const GPT_IMAGE_2_PROMPT_CHARS: usize = 20_000;
/// Joins the provider's ids of one gpt-image-2 batch into the caller's task id.
/// It never appears in the provider's ids (`sd2_…`, `gpt2_…`, `nbp_…`).
const BATCH_JOIN: char = '+';

/// The seedance2ai.io client.
#[derive(Debug)]
pub struct Seedance2ai {
    api: ApiClient<ErrorObjects>,
    base_url: String,
    /// The provider has no balance endpoint; create answers sometimes carry it.
    last_balance: super::LastSeenBalance,
}

impl Seedance2ai {
    /// A client for the configured host and key.
    pub fn new(config: &ProviderConfig) -> Result<Self, ProviderError> {
        Ok(Self {
            api: ApiClient::new(ID, config, ErrorObjects)?,
            base_url: config.base_url.clone(),
            last_balance: super::LastSeenBalance::default(),
        })
    }

    /// One provider task, as it stands.
    async fn one_task(&self, task_id: &str) -> Result<TaskSnapshot, ProviderError> {
        let url = format!(
            "{}/tasks/{}",
            self.base_url,
            super::http::path_segment(task_id)
        );
        let what = format!("task {task_id}");
        let task: wire::Task = self
            .api
            .send(ApiRequest::read(Method::GET, url, what))
            .await?;
        // A missing status word is read like an unknown one.
        let (status, provider_status) =
            TaskStatus::from_word(task.status.as_deref().unwrap_or_default(), status);
        let mut seed = None;
        let (result_urls, last_frame_url) = match task.output {
            Some(wire::Output::Urls(entries)) => (
                entries
                    .into_iter()
                    .filter_map(wire::ImageEntry::url)
                    .collect(),
                None,
            ),
            Some(wire::Output::Url(url)) => (vec![url], None),
            Some(wire::Output::Fields(f)) => {
                seed = f.seed;
                let images = f.images.and_then(Maybe::known).unwrap_or_default();
                let mut urls: Vec<String> = f.video_url.into_iter().chain(f.image_urls).collect();
                urls.extend(images.into_iter().filter_map(wire::ImageEntry::url));
                (urls, f.last_frame_url)
            }
            Some(wire::Output::Other(_)) | None => (Vec::new(), None),
        };
        let used = task.credits_used.unwrap_or(0.0) - task.credits_refunded.unwrap_or(0.0);
        Ok(TaskSnapshot {
            task_id: task_id.to_owned(),
            status,
            result_urls: if status == TaskStatus::Succeeded {
                result_urls
            } else {
                Vec::new()
            },
            last_frame_url: last_frame_url.filter(|_| status == TaskStatus::Succeeded),
            failure: (status == TaskStatus::Failed).then(|| failure(task.error.as_ref())),
            progress: None,
            price: task.credits_used.map(|_| Amount::new(used, UNIT)),
            // Reported per task: the price above is what is left charged.
            refunded: task
                .credits_refunded
                .filter(|r| *r > 0.0)
                .map(|r| Amount::new(r, UNIT)),
            usage_tokens: None,
            seed,
            urls_expire_at: None,
            provider_status,
        })
    }
}

fn unsupported(feature: &str, alternative: &str) -> ProviderError {
    ProviderError::Unsupported {
        provider: ID,
        feature: feature.to_owned(),
        alternative: alternative.to_owned(),
    }
}

/// seedance2ai.io's answers: data as the body; errors as `{"error": {code,
/// message}}` with the documented HTTP status, and the credits asked and left
/// beside an insufficient-credits error. An error is read in any form, and a
/// success status whose body carries an error of its own (not a task's) or
/// `success: false` is the refusal it says it is.
#[derive(Debug)]
struct ErrorObjects;

impl Dialect for ErrorObjects {
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String> {
        if response.status.is_success()
            && let Some(refusal) = refused_in_band(response)
        {
            return Ok(Answer::Refused(refusal));
        }
        api::plain_json(response, |response| {
            let number = Some(response.status.as_u16());
            match serde_json::from_slice::<wire::ErrorEnvelope>(&response.body) {
                Ok(envelope) => refusal(&envelope, number, response),
                Err(_) => Refusal {
                    number,
                    code: None,
                    message: response.snippet(),
                },
            }
        })
    }

    fn special(&self, refusal: &mut Refusal, response: &ApiResponse) -> Option<ErrorKind> {
        match (refusal.number, refusal.code.as_deref()) {
            (_, Some("unauthorized")) => Some(ErrorKind::Unauthenticated),
            (_, Some("insufficient_credits")) => Some(ErrorKind::InsufficientBalance),
            // The same key still being processed (a retry raced the original): transient.
            (Some(409), _) => Some(ErrorKind::Upstream),
            // Busy with a time to come back: a rate limit in all but name.
            (Some(503), _) if response.retry_after.is_some() => Some(ErrorKind::RateLimited),
            // The answer says the call failed, with a code nobody documented: the
            // provider refused it, in its own words.
            (None, _) => Some(ErrorKind::InvalidRequest),
            _ => None,
        }
    }
}

/// A success status whose body says the call failed: an `error` with no task
/// `id` or `status` beside it, or `success: false`. A documented code stands
/// for its documented HTTP status.
fn refused_in_band(response: &ApiResponse) -> Option<Refusal> {
    let envelope: wire::ErrorEnvelope = serde_json::from_slice(&response.body).ok()?;
    let said_so = matches!(&envelope.success, Some(Maybe::Known(false)));
    let own_error = envelope.error.is_some() && envelope.id.is_none() && envelope.status.is_none();
    if !(said_so || own_error) {
        return None;
    }
    let number = envelope
        .error
        .as_ref()
        .and_then(LooseError::code)
        .and_then(|code| documented_status(&code));
    Some(refusal(&envelope, number, response))
}

/// The HTTP status the error table pairs with each code.
fn documented_status(code: &str) -> Option<u16> {
    Some(match code {
        "invalid_request" => 400,
        "unauthorized" => 401,
        "insufficient_credits" => 402,
        "not_found" => 404,
        "idempotency_conflict" => 409,
        "rate_limited" => 429,
        "internal_error" => 500,
        "service_busy" => 503,
        _ => return None,
    })
}

/// The refusal an error envelope states, in the provider's words.
fn refusal(envelope: &wire::ErrorEnvelope, number: Option<u16>, response: &ApiResponse) -> Refusal {
    let code = envelope.error.as_ref().and_then(LooseError::code);
    let mut message = envelope
        .error
        .as_ref()
        .and_then(LooseError::message)
        .or_else(|| envelope.message.clone())
        .or_else(|| code.as_ref().map(|code| format!("error {code}")))
        .unwrap_or_else(|| response.snippet());
    // Unknown codes go into the words: they are all the caller will see of them.
    if let Some(code) = code.as_deref().filter(|c| documented_status(c).is_none())
        && !message.contains(code)
    {
        message = format!("{message} ({code})");
    }
    let inner = serde_json::from_slice::<wire::CreditsInError>(&response.body)
        .ok()
        .and_then(|c| c.error)
        .and_then(Maybe::known)
        .unwrap_or_default();
    let required = inner.required_credits.or(envelope.required_credits);
    let available = inner.available_credits.or(envelope.available_credits);
    if let (Some(required), Some(available)) = (required, available) {
        message = format!("{message} (needs {required} credits, {available} available)");
    }
    Refusal {
        number,
        code,
        message,
    }
}

/// The prompt as it will be sent, if the endpoint takes its length; `rewritten`
/// says references were put into words (they count as sent).
fn sent_prompt(prompt: String, max: usize, rewritten: bool) -> Result<String, ProviderError> {
    let chars = prompt.chars().count();
    if (MIN_PROMPT_CHARS..=max).contains(&chars) {
        return Ok(prompt);
    }
    let feature = if rewritten {
        format!("a prompt of {chars} characters once its references are written out in words")
    } else {
        format!("a prompt of {chars} characters")
    };
    Err(unsupported(
        &feature,
        &format!("Write {MIN_PROMPT_CHARS} to {max} characters."),
    ))
}

fn tier(video: &VideoRequest, model: &ModelChoice) -> &'static str {
    // Our fast/standard/mini map to the provider's standard/pro/mini tiers.
    match (model, video.tier) {
        (_, VideoTier::Mini) => "mini",
        (_, VideoTier::Standard) => "pro",
        (_, VideoTier::Fast) => "standard",
    }
}

fn video_body<'a>(
    video: &'a VideoRequest,
    model: &ModelChoice,
    channel: Option<Channel>,
) -> Result<wire::VideoBody<'a>, ProviderError> {
    let quality_tier = tier(video, model);
    if matches!(
        video.resolution,
        Some(Resolution::P1080Plus | Resolution::Uhd4k)
    ) && quality_tier != "pro"
    {
        return Err(unsupported(
            "1080p-plus and 4k below the pro tier",
            "Use model seedance-2.0 (pro tier), or 1080p.",
        ));
    }
    if video.resolution == Some(Resolution::P480) {
        return Err(unsupported("480p", "Use 720p (the lowest here)."));
    }
    if let Some(channel) = channel.filter(|c| !Channel::VIDEO.contains(c)) {
        return Err(unsupported(
            &format!("the `{}` channel for video", channel.as_str()),
            &format!("Use channel {}.", options::words(Channel::VIDEO)),
        ));
    }
    let real = channel == Some(Channel::Real);
    if video.seed.is_some() && (real || quality_tier == "mini") {
        return Err(unsupported(
            "`seed` on the real channel or the mini tier",
            "Drop `seed`.",
        ));
    }
    let (mode, image_url, end_image_url, media_urls, images) = match &video.inputs {
        VideoInputs::Frames {
            first: Some(first),
            last,
        } => (
            "image-to-video",
            Some(first.as_str()),
            last.as_deref(),
            Vec::new(),
            0,
        ),
        VideoInputs::Frames { first: None, .. } => ("text-to-video", None, None, Vec::new(), 0),
        VideoInputs::Omni { images, videos, .. } if images.is_empty() && videos.is_empty() => {
            ("text-to-video", None, None, Vec::new(), 0)
        }
        VideoInputs::Omni { images, videos, .. } => {
            let media: Vec<&str> = images
                .iter()
                .chain(videos.iter())
                .map(String::as_str)
                .collect();
            ("media-to-video", None, None, media, images.len())
        }
    };
    // media_urls lists images, then videos: say so in words the model reads.
    let prompt = references::rewrite(&video.prompt, |kind, n| match kind {
        MediaKind::Image if mode == "image-to-video" && n == 1 => "the start frame".to_owned(),
        MediaKind::Image if mode == "image-to-video" => "the end frame".to_owned(),
        MediaKind::Image => format!("reference image {n} (media {n})"),
        MediaKind::Video => format!("reference video {n} (media {})", images + n),
        MediaKind::Audio => format!("reference audio {n}"),
    });
    let rewritten = prompt != video.prompt;
    Ok(wire::VideoBody {
        mode,
        quality_tier,
        channel: channel.map(Channel::as_str),
        prompt: sent_prompt(prompt, PROMPT_CHARS, rewritten)?,
        aspect_ratio: video.ratio.map(Ratio::as_str),
        duration: video.duration.to_string(),
        resolution: video.resolution.map(Resolution::as_str),
        image_url,
        end_image_url,
        media_urls,
        generate_audio: video.generate_audio,
        fixed_lens: video.camera_fixed,
        seed: video.seed,
    })
}

fn status(word: &str) -> Option<TaskStatus> {
    Some(match word {
        "completed" | "succeeded" => TaskStatus::Succeeded,
        "failed" => TaskStatus::Failed,
        "queued" | "pending" => TaskStatus::Queued,
        "processing" | "running" => TaskStatus::Running,
        _ => return None,
    })
}

fn failure(error: Option<&LooseError>) -> TaskFailure {
    let code = error.and_then(LooseError::code);
    let message = error
        .and_then(LooseError::message)
        .or_else(|| code.as_ref().map(|code| format!("error {code}")))
        .unwrap_or_else(|| "the provider gave no reason".to_owned());
    // The provider documents no failure codes yet; keep its words, give generic advice.
    TaskFailure::new(FailureKind::Unknown, code, message)
}

/// The images of one gpt-image-2 batch as one task: unfinished while any image
/// is, succeeded with every image that came, and saying which did not and why.
/// `parts` holds each image's snapshot, or its id where the provider no longer
/// knows it.
fn gather(task_id: &str, parts: Vec<Result<TaskSnapshot, String>>) -> TaskSnapshot {
    let total = parts.len();
    let found: Vec<&TaskSnapshot> = parts.iter().filter_map(|p| p.as_ref().ok()).collect();
    let unfinished = found.iter().any(|s| !s.status.is_terminal());
    let status = if unfinished {
        if found.iter().all(|s| s.status == TaskStatus::Queued) {
            TaskStatus::Queued
        } else {
            TaskStatus::Running
        }
    } else if found.iter().any(|s| s.status == TaskStatus::Succeeded) {
        TaskStatus::Succeeded
    } else {
        found.first().map_or(TaskStatus::Failed, |s| s.status)
    };
    let mut result_urls: Vec<String> = Vec::new();
    for part in found.iter().filter(|s| s.status == TaskStatus::Succeeded) {
        for url in &part.result_urls {
            if !result_urls.contains(url) {
                result_urls.push(url.clone());
            }
        }
    }
    let lost: Vec<String> = parts
        .iter()
        .filter_map(|part| match part {
            Ok(s) if s.status.is_terminal() && s.status != TaskStatus::Succeeded => {
                let why = s.failure.as_ref().map_or("no reason given", |f| &f.message);
                Some(format!("{}: {why}", s.task_id))
            }
            Ok(_) => None,
            Err(id) => Some(format!("{id}: the provider no longer knows it")),
        })
        .collect();
    let failure = (!unfinished && !lost.is_empty()).then(|| {
        let first = found.iter().find_map(|s| s.failure.as_ref());
        TaskFailure::new(
            first.map_or(FailureKind::Unknown, |f| f.kind),
            first.and_then(|f| f.code.clone()),
            format!(
                "{} of {total} images failed: {}",
                lost.len(),
                lost.join("; ")
            ),
        )
    });
    let prices: Vec<f64> = found
        .iter()
        .filter_map(|s| s.price.as_ref().map(|p| p.amount))
        .collect();
    let refunds: Vec<f64> = found
        .iter()
        .filter_map(|s| s.refunded.as_ref().map(|r| r.amount))
        .collect();
    TaskSnapshot {
        task_id: task_id.to_owned(),
        status,
        result_urls,
        last_frame_url: None,
        failure,
        progress: None,
        price: (!prices.is_empty()).then(|| Amount::new(prices.iter().sum(), UNIT)),
        refunded: (!refunds.is_empty()).then(|| Amount::new(refunds.iter().sum(), UNIT)),
        usage_tokens: None,
        seed: None,
        urls_expire_at: None,
        // A part's strange word is the batch's, so the batch is not stuck on it either.
        provider_status: found.iter().find_map(|s| s.provider_status.clone()),
    }
}

#[async_trait]
impl Provider for Seedance2ai {
    fn id(&self) -> ProviderId {
        ID
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        // Only two prices are published (30 credits for 5 s standard 720p video; 8 and
        // 12 credits per 1K image): the rest is scaled from them, hence "estimate".
        let credits = match (&request.model, &request.generation) {
            (_, Generation::Video(v)) => {
                let per_second = match v.tier {
                    VideoTier::Mini => 4.0,
                    VideoTier::Fast => 6.0,
                    VideoTier::Standard => 10.0,
                };
                let factor = match v.resolution {
                    Some(Resolution::P1080) => 1.5,
                    Some(Resolution::P1080Plus) => 2.0,
                    Some(Resolution::Uhd4k) => 4.0,
                    _ => 1.0,
                };
                per_second * factor * f64::from(v.duration)
            }
            (ModelChoice::Known(KnownModel::GptImage2), Generation::Image(i)) => {
                8.0 * f64::from(i.num_images)
            }
            (ModelChoice::Known(KnownModel::NanoBananaPro), Generation::Image(_)) => 12.0,
            _ => return None,
        };
        Some(Amount::new(credits, "credits (estimate)"))
    }

    async fn submit(
        &self,
        request: &GenerationRequest,
        key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        let call = self.create_call(request)?;
        // The submission's key goes with every attempt, so a retry after a lost
        // answer returns the original task instead of paying twice.
        let created: wire::Created = self
            .api
            .send(
                ApiRequest::write(Method::POST, call.url, "create")
                    .json(&call.body)
                    .idempotency_key(key.as_str()),
            )
            .await?;
        if let Some(left) = created.remaining_credits {
            self.last_balance.record(left);
        }
        let ids = created.task_ids();
        if ids.is_empty() {
            // Accepted, but we cannot tell which task: it may exist and be paid.
            return Err(ProviderError::Upstream {
                provider: ID,
                status: None,
                message: "the create answer names no task id".to_owned(),
            });
        }
        Ok(SubmittedTask {
            task_id: ids.join(&BATCH_JOIN.to_string()),
            status: created
                .status
                .as_deref()
                .and_then(status)
                .unwrap_or(TaskStatus::Running),
            price: created.credits_used.map(|c| Amount::new(c, UNIT)),
            balance_after: created.remaining_credits.map(|c| Amount::new(c, UNIT)),
        })
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        let url = |path: &str| format!("{}{path}", self.base_url);
        let channel = request.options.get::<Channel>().copied();
        let format = request.options.get::<OutputFormat>().copied();
        let model = match &request.model {
            ModelChoice::Known(model) => model.as_str(),
            ModelChoice::Native(id) => id.as_str(),
        };
        // An option the endpoint does not take would be refused there, after the
        // check that should have caught it: refuse it here, before sending.
        let foreign = match (&request.generation, &request.model) {
            (Generation::Video(_), _) => format.map(|_| options::OUTPUT_FORMAT),
            (Generation::Image(_), ModelChoice::Known(KnownModel::GptImage2)) => {
                format.map(|_| options::OUTPUT_FORMAT)
            }
            (Generation::Image(_), _) => channel.map(|_| options::ARGUMENT),
        };
        if let Some(argument) = foreign {
            return Err(unsupported(
                &format!("`{argument}` with {model}"),
                &format!("Drop `{argument}`."),
            ));
        }
        let mut call = match (&request.generation, &request.model) {
            (Generation::Video(video), model) => {
                let body = video_body(video, model, channel)?;
                CreateCall::post(ID, url("/video/seedance2"), &body)?
            }
            (Generation::Image(image), ModelChoice::Known(KnownModel::NanoBananaPro)) => {
                let body = nano_banana(image, format)?;
                CreateCall::post(ID, url("/image/nano-banana-pro"), &body)?
            }
            (Generation::Image(image), ModelChoice::Known(KnownModel::GptImage2)) => {
                CreateCall::post(ID, url("/image/gpt-image-2"), &gpt_image(image, channel)?)?
            }
            (Generation::Image(_), _) => {
                return Err(unsupported(
                    "this image model",
                    "Use gpt-image-2 or nano-banana-pro.",
                ));
            }
        };
        // The key is made per submission and kept for its retries; a dry run has none yet.
        call.headers.push((
            "Idempotency-Key".to_owned(),
            "<one per submission, reused on retries>".to_owned(),
        ));
        Ok(call)
    }

    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        let ids: Vec<&str> = task
            .id
            .split(BATCH_JOIN)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect();
        if ids.len() < 2 {
            return self.one_task(task.id.trim()).await;
        }
        // A batch: every image is asked for, so none is lost because another is.
        let mut parts = Vec::with_capacity(ids.len());
        for id in ids {
            match self.one_task(id).await {
                Ok(snapshot) => parts.push(Ok(snapshot)),
                Err(ProviderError::NotFound { .. }) => parts.push(Err(id.to_owned())),
                Err(e) => return Err(e),
            }
        }
        if parts.iter().all(Result::is_err) {
            return Err(ProviderError::NotFound {
                provider: ID,
                what: format!("task {}", task.id),
                message: "the provider knows none of the batch's images".to_owned(),
            });
        }
        Ok(gather(&task.id, parts))
    }

    async fn upload_image(&self, _image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        Err(unsupported(
            "hosting images",
            "seedance2ai.io needs public https URLs for media; upload the file with a provider that hosts \
             files (xskill) or to any public host, and pass its URL.",
        ))
    }

    async fn balance(&self) -> Result<Balance, ProviderError> {
        self.last_balance.get(ID, UNIT, "It has no balance endpoint; the figure appears after the next image task, and on the seedance2ai.io dashboard.")
    }

    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        self.api.download(url).await
    }
}

fn image_kind(image: &ImageRequest) -> &'static str {
    if image.edit {
        "image-to-image"
    } else {
        "text-to-image"
    }
}

fn gpt_image(
    image: &ImageRequest,
    channel: Option<Channel>,
) -> Result<wire::GptImageBody<'_>, ProviderError> {
    if image.num_images > 4 {
        return Err(unsupported(
            "more than 4 images per gpt-image-2 task",
            "Ask for 1 to 4.",
        ));
    }
    if let Some(channel) = channel.filter(|c| !Channel::GPT_IMAGE_2.contains(c)) {
        return Err(unsupported(
            &format!("the `{}` channel for gpt-image-2", channel.as_str()),
            &format!("Use channel {}.", options::words(Channel::GPT_IMAGE_2)),
        ));
    }
    Ok(wire::GptImageBody {
        kind: image_kind(image),
        prompt: sent_prompt(image.prompt.clone(), GPT_IMAGE_2_PROMPT_CHARS, false)?,
        resolution: image.resolution.map_or("1K", Resolution::as_str),
        aspect_ratio: image.ratio.map_or("auto", ImageRatio::as_str),
        channel: channel.map(Channel::as_str),
        batch_count: image.num_images,
        image_urls: &image.image_urls,
    })
}

/// The ratios gpt-image-2 takes and nano-banana-pro does not.
const GPT_IMAGE_2_ONLY: &[ImageRatio] = &[
    ImageRatio::Landscape2x1,
    ImageRatio::Portrait1x2,
    ImageRatio::Landscape3x1,
    ImageRatio::Portrait1x3,
    ImageRatio::Tall9x21,
];

fn nano_banana(
    image: &ImageRequest,
    format: Option<OutputFormat>,
) -> Result<wire::NanoBananaBody<'_>, ProviderError> {
    if image.num_images > 1 {
        return Err(unsupported(
            "several images per nano-banana-pro task",
            "Ask for 1 per task.",
        ));
    }
    if image.image_urls.len() > 8 {
        return Err(unsupported(
            "more than 8 input images for nano-banana-pro",
            "Keep at most 8.",
        ));
    }
    if let Some(ratio) = image.ratio.filter(|r| GPT_IMAGE_2_ONLY.contains(r)) {
        let offered: Vec<&str> = ImageRatio::ALL
            .iter()
            .filter(|r| !GPT_IMAGE_2_ONLY.contains(r))
            .map(|r| r.as_str())
            .collect();
        return Err(unsupported(
            &format!("ratio `{}` for nano-banana-pro", ratio.as_str()),
            &format!(
                "Pick one of {} (or use gpt-image-2, which takes it).",
                offered.join(", ")
            ),
        ));
    }
    Ok(wire::NanoBananaBody {
        kind: image_kind(image),
        prompt: sent_prompt(image.prompt.clone(), PROMPT_CHARS, false)?,
        image_size: image.ratio.map(ImageRatio::as_str),
        output_format: format.map(OutputFormat::as_str),
        resolution: image.resolution.map(Resolution::as_str),
        image_urls: &image.image_urls,
    })
}
