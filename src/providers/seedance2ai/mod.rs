//! seedance2ai.io backend: Seedance 2.0 video (`/video/seedance2`) and the image
//! models gpt-image-2 and nano-banana-pro, polled on `/tasks/{id}`.
//!
//! Every POST carries an `Idempotency-Key`, the same for every attempt of one
//! logical submission, so creates are retried safely on transient failures.
//! `mode` is derived from the inputs; references are rewritten into plain words,
//! as the provider asks. Media must be public https URLs.

pub mod options;
mod wire;

use async_trait::async_trait;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageRequest,
        ImageUpload, KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, Resolution,
        SubmittedTask, TaskFailure, TaskRef, TaskSnapshot, TaskStatus, VideoInputs, VideoRequest,
        VideoTier,
    },
    error::{ErrorKind, ProviderError},
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        api::{self, Answer, ApiClient, ApiRequest, Dialect, Refusal},
        capabilities::{ALL_RATIOS, BalanceSource, LocalFiles, MediaRules},
        http::ApiResponse,
        registry::Entry,
    },
    references::{self, MediaKind},
};

use options::Channel;

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
    options: &[options::ARGUMENT],
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
    media: MediaRules {
        data_urls: false,
        asset_ids: false,
        plain_http: false,
        local: LocalFiles::Refused,
    },
    idempotent_create: true,
    prompt_chars: Some((3, 10_000)),
    pricing: "Credits per task, reported when it is created (about 6 credits per second for standard 720p \
              video); failed tasks are refunded.",
};

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
/// beside an insufficient-credits error.
#[derive(Debug)]
struct ErrorObjects;

impl Dialect for ErrorObjects {
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String> {
        api::plain_json(response, |response| {
            let Ok(envelope) = serde_json::from_slice::<wire::ErrorEnvelope>(&response.body) else {
                return Refusal {
                    number: Some(response.status.as_u16()),
                    code: None,
                    message: response.snippet(),
                };
            };
            let mut message = envelope.error.message.clone().unwrap_or_default();
            let required = envelope
                .error
                .required_credits
                .or(envelope.required_credits);
            let available = envelope
                .error
                .available_credits
                .or(envelope.available_credits);
            if let (Some(required), Some(available)) = (required, available) {
                message = format!("{message} (needs {required} credits, {available} available)");
            }
            Refusal {
                number: Some(response.status.as_u16()),
                code: envelope.error.code,
                message,
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
            _ => None,
        }
    }
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
    Ok(wire::VideoBody {
        mode,
        quality_tier,
        channel: channel.map(Channel::as_str),
        prompt,
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

fn status(word: &str) -> TaskStatus {
    match word {
        "completed" | "succeeded" => TaskStatus::Succeeded,
        "failed" => TaskStatus::Failed,
        "queued" | "pending" => TaskStatus::Queued,
        _ => TaskStatus::Running,
    }
}

fn failure(error: Option<&wire::ErrorBody>) -> TaskFailure {
    let code = error.and_then(|e| e.code.clone());
    let message = error
        .and_then(|e| e.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "the provider gave no reason".to_owned());
    // The provider documents no failure codes yet; keep its words, give generic advice.
    TaskFailure::new(FailureKind::Unknown, code, message)
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
        Ok(SubmittedTask {
            task_id: created.id,
            status: created
                .status
                .as_deref()
                .map_or(TaskStatus::Running, status),
            price: created.credits_used.map(|c| Amount::new(c, UNIT)),
            balance_after: created.remaining_credits.map(|c| Amount::new(c, UNIT)),
        })
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        let url = |path: &str| format!("{}{path}", self.base_url);
        let mut call = match (&request.generation, &request.model) {
            (Generation::Video(video), model) => {
                let channel = request.options.get::<Channel>().copied();
                let body = video_body(video, model, channel)?;
                CreateCall::post(ID, url("/video/seedance2"), &body)?
            }
            (Generation::Image(image), ModelChoice::Known(KnownModel::NanoBananaPro)) => {
                CreateCall::post(ID, url("/image/nano-banana-pro"), &nano_banana(image)?)?
            }
            (Generation::Image(image), ModelChoice::Known(KnownModel::GptImage2)) => {
                CreateCall::post(ID, url("/image/gpt-image-2"), &gpt_image(image)?)?
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
        let task_id = task.id.as_str();
        let url = format!("{}/tasks/{task_id}", self.base_url);
        let what = format!("task {task_id}");
        let task: wire::Task = self
            .api
            .send(ApiRequest::read(Method::GET, url, what))
            .await?;
        let status = status(&task.status);
        let seed = match &task.output {
            Some(wire::Output::Fields(f)) => f.seed,
            _ => None,
        };
        let (result_urls, last_frame_url) = match task.output {
            Some(wire::Output::Urls(urls)) => (urls, None),
            Some(wire::Output::Fields(f)) => {
                let mut urls: Vec<String> = f.video_url.into_iter().chain(f.image_urls).collect();
                urls.extend(f.images.into_iter().map(|i| match i {
                    wire::ImageEntry::Url(url) | wire::ImageEntry::Object { url } => url,
                }));
                (urls, f.last_frame_url)
            }
            None => (Vec::new(), None),
        };
        let used = task.credits_used.unwrap_or(0.0) - task.credits_refunded.unwrap_or(0.0);
        Ok(TaskSnapshot {
            task_id: task.id,
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
            usage_tokens: None,
            seed,
            urls_expire_at: None,
        })
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

fn gpt_image(image: &ImageRequest) -> Result<wire::GptImageBody<'_>, ProviderError> {
    if image.num_images > 4 {
        return Err(unsupported(
            "more than 4 images per gpt-image-2 task",
            "Ask for 1 to 4.",
        ));
    }
    Ok(wire::GptImageBody {
        kind: image_kind(image),
        prompt: &image.prompt,
        resolution: image.resolution.map_or("1K", Resolution::as_str),
        aspect_ratio: image
            .ratio
            .filter(|r| *r != Ratio::Adaptive)
            .map_or("auto", Ratio::as_str),
        batch_count: image.num_images,
        image_urls: &image.image_urls,
    })
}

fn nano_banana(image: &ImageRequest) -> Result<wire::NanoBananaBody<'_>, ProviderError> {
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
    Ok(wire::NanoBananaBody {
        kind: image_kind(image),
        prompt: &image.prompt,
        image_size: image
            .ratio
            .filter(|r| *r != Ratio::Adaptive)
            .map(Ratio::as_str),
        resolution: image.resolution.map(Resolution::as_str),
        image_urls: &image.image_urls,
    })
}
