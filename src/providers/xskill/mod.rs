//! xskill.ai backend (v3 API): Seedance 2.0 as `st-ai/super-seed2` and the Seedream
//! 4.5 image models, with task query, balance and image upload.
//!
//! The provider signals errors both with HTTP statuses and with a `code` in a 200
//! envelope; both are mapped by number in [`classify`].

mod wire;

use async_trait::async_trait;
use base64::Engine;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageRequest,
        ImageUpload, KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, SubmittedTask,
        TaskFailure, TaskSnapshot, TaskStatus, VideoInputs, VideoRequest, VideoTier,
    },
    error::ProviderError,
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        capabilities::{BalanceSource, FIXED_RATIOS, LocalFiles, MediaRules},
        http,
        registry::Entry,
    },
    secret::Secret,
};

static INFO: ProviderInfo = ProviderInfo {
    name: "xskill",
    display_name: "xskill.ai",
    key_var: Some("XSKILL_API_KEY"),
    base_url_var: Some("XSKILL_BASE_URL"),
    default_base_url: "https://api.xskill.ai",
};
const ID: ProviderId = ProviderId::new(&INFO);

/// The registry's entry for xskill.ai.
pub(super) static ENTRY: Entry = Entry {
    id: ID,
    chosen_by_key: true,
    capabilities: &CAPABILITIES,
    build: |config| Ok(std::sync::Arc::new(Xskill::new(config)?)),
};
/// xskill prices and balances are in credits.
const UNIT: &str = "credits";

static CAPABILITIES: Capabilities = Capabilities {
    simulated: false,
    options: &[],
    models: &[
        KnownModel::SeedanceFast,
        KnownModel::Seedance,
        KnownModel::SeedreamText,
        KnownModel::SeedreamEdit,
    ],
    upload: true,
    balance: BalanceSource::Endpoint,
    list: false,
    cancel: false,
    last_frame: false,
    audio_switch: false,
    seed: false,
    camera_fixed: false,
    watermark: false,
    ratios: FIXED_RATIOS,
    resolutions: &[],
    max_images: 9,
    max_videos: 3,
    max_audios: 3,
    // Undocumented whether data: URLs work; refusing is the cheap mistake.
    media: MediaRules {
        data_urls: false,
        asset_ids: false,
        plain_http: true,
        local: LocalFiles::Upload { urls: true },
    },
    idempotent_create: false,
    prompt_chars: None,
    pricing: "Seedance 2.0 fast: 10 credits per second of video, standard: 20; doubled with reference \
              videos. Seedream 4.5: about 16 credits per image.",
};

/// The xskill.ai client.
#[derive(Debug)]
pub struct Xskill {
    client: reqwest::Client,
    api_key: Secret,
    base_url: String,
    /// How long one API call may take.
    api_timeout: std::time::Duration,
}

impl Xskill {
    /// A client for the configured host and key.
    pub fn new(config: &ProviderConfig) -> Result<Self, ProviderError> {
        let (client, api_key) = super::remote_parts(ID, config)?;
        Ok(Self {
            client,
            api_key,
            base_url: config.base_url.clone(),
            api_timeout: config.api_timeout,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v3/{path}", self.base_url)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        context: &str,
    ) -> Result<T, ProviderError> {
        let response = http::send_authorized(ID, request, &self.api_key).await?;
        let envelope: Option<wire::Envelope<T>> = serde_json::from_slice(&response.body).ok();
        let (code, message) = match &envelope {
            Some(env) => (env.code, envelope_message(env)),
            None => (None, response.snippet()),
        };
        if !response.status.is_success() || code.is_some_and(|c| c != 200) {
            return Err(classify(
                response.status,
                code,
                message,
                response.retry_after,
                context,
            ));
        }
        envelope
            .and_then(|e| e.data)
            .ok_or_else(|| ProviderError::Upstream {
                provider: ID,
                status: Some(response.status.as_u16()),
                message: format!(
                    "could not read the answer to {context}: {}",
                    response.snippet()
                ),
            })
    }
}

fn envelope_message<T>(env: &wire::Envelope<T>) -> String {
    match (&env.message, &env.detail) {
        (Some(m), _) if !m.is_empty() => m.clone(),
        (_, Some(detail)) => detail.to_string(),
        _ => "no message".to_owned(),
    }
}

/// Maps an error answer by its numbers: the envelope `code` when it names an HTTP-like
/// status, else the HTTP status.
fn classify(
    status: StatusCode,
    code: Option<i64>,
    message: String,
    retry_after: Option<std::time::Duration>,
    context: &str,
) -> ProviderError {
    let number = code
        .filter(|c| (400..600).contains(c))
        .or_else(|| (!status.is_success()).then(|| i64::from(status.as_u16())));
    match number {
        Some(401 | 403) => ProviderError::Unauthenticated {
            provider: ID,
            message,
        },
        Some(402) => ProviderError::InsufficientBalance {
            provider: ID,
            message,
        },
        Some(404) => ProviderError::NotFound {
            provider: ID,
            what: context.to_owned(),
            message,
        },
        Some(400 | 409 | 413 | 422) => ProviderError::InvalidRequest {
            provider: ID,
            message,
        },
        Some(429) => ProviderError::RateLimited {
            provider: ID,
            retry_after,
            message,
        },
        other => ProviderError::Upstream {
            provider: ID,
            status: other.and_then(|n| u16::try_from(n).ok()),
            message,
        },
    }
}

/// The xskill model id and, for Seedance, the speed tier name.
fn model_ids(model: &ModelChoice, generation: &Generation) -> (String, &'static str) {
    let tier = match generation {
        Generation::Video(VideoRequest {
            tier: VideoTier::Standard,
            ..
        }) => "seedance_2.0",
        _ => "seedance_2.0_fast",
    };
    let id = match model {
        ModelChoice::Known(KnownModel::SeedreamText) => wire::SEEDREAM_TEXT_MODEL,
        ModelChoice::Known(KnownModel::SeedreamEdit) => wire::SEEDREAM_EDIT_MODEL,
        // Capabilities refuse the models xskill lacks before this runs.
        ModelChoice::Known(_) => wire::SEEDANCE_MODEL,
        ModelChoice::Native(id) => return (id.clone(), tier),
    };
    (id.to_owned(), tier)
}

fn video_params<'a>(video: &'a VideoRequest, tier: &'a str) -> wire::CreateParams<'a> {
    const NONE: &[String] = &[];
    let (function_mode, images, videos, audios, file_paths) = match &video.inputs {
        VideoInputs::Omni {
            images,
            videos,
            audios,
        } => (
            "omni_reference",
            images.as_slice(),
            videos.as_slice(),
            audios.as_slice(),
            Vec::new(),
        ),
        VideoInputs::Frames { first, last } => {
            let paths = first
                .iter()
                .chain(last.iter())
                .map(String::as_str)
                .collect();
            ("first_last_frames", NONE, NONE, NONE, paths)
        }
    };
    wire::CreateParams::Seedance(wire::SeedanceParams {
        model: tier,
        prompt: &video.prompt,
        function_mode,
        image_files: images,
        video_files: videos,
        audio_files: audios,
        file_paths,
        ratio: video.ratio.map(Ratio::as_str),
        duration: video.duration,
    })
}

fn image_params(image: &ImageRequest) -> wire::CreateParams<'_> {
    wire::CreateParams::Seedream(wire::SeedreamParams {
        prompt: &image.prompt,
        image_size: image.image_size.map(|s| s.as_str()),
        num_images: image.num_images,
        image_urls: &image.image_urls,
    })
}

/// xskill's status words.
fn status(word: &str) -> TaskStatus {
    match word.trim().to_ascii_lowercase().as_str() {
        "pending" | "queued" | "submitted" => TaskStatus::Queued,
        "completed" | "success" | "succeeded" => TaskStatus::Succeeded,
        "failed" | "error" | "fail" => TaskStatus::Failed,
        "cancelled" | "canceled" => TaskStatus::Cancelled,
        "expired" | "timeout" => TaskStatus::Expired,
        // processing, running, generating and words not seen yet: still going.
        _ => TaskStatus::Running,
    }
}

/// Failure text carries a numeric code as `错误码: 4011`; the number decides the kind.
fn failure(error: Option<&wire::ErrorText>) -> TaskFailure {
    let (message, code) = match error {
        Some(wire::ErrorText::Text(text)) => (text.clone(), embedded_code(text)),
        Some(wire::ErrorText::Object { message, code }) => {
            let message = message.clone().unwrap_or_default();
            let code = code.clone().or_else(|| embedded_code(&message));
            (message, code)
        }
        None => (String::new(), None),
    };
    let kind = match code.as_deref() {
        Some("4011") => FailureKind::FaceDetected,
        Some("1000") => FailureKind::InvalidInput,
        _ => FailureKind::Unknown,
    };
    let message = if message.is_empty() {
        "the provider gave no reason".to_owned()
    } else {
        message
    };
    TaskFailure::new(kind, code, message)
}

fn embedded_code(text: &str) -> Option<String> {
    let (_, after) = text.split_once("错误码")?;
    let digits: String = after
        .trim_start_matches([':', '：', ' '])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

#[async_trait]
impl Provider for Xskill {
    fn id(&self) -> ProviderId {
        ID
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        // Per second by tier, doubled with reference videos; Seedream per image.
        let credits = match (&request.model, &request.generation) {
            (ModelChoice::Native(_), _) => return None,
            (_, Generation::Video(v)) => {
                let per_second = if v.tier == VideoTier::Standard {
                    20.0
                } else {
                    10.0
                };
                let factor = if v.inputs.has_video() { 2.0 } else { 1.0 };
                per_second * factor * f64::from(v.duration)
            }
            (_, Generation::Image(i)) => 16.0 * f64::from(i.num_images),
        };
        Some(Amount::new(credits, UNIT))
    }

    async fn submit(
        &self,
        request: &GenerationRequest,
        _key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        let call = self.create_call(request)?;
        let model = call
            .body
            .get("model")
            .and_then(|m| m.as_str())
            .unwrap_or("?");
        let created: wire::CreateData = self
            .call(
                self.client
                    .post(&call.url)
                    .json(&call.body)
                    .timeout(self.api_timeout),
                &format!("model {model}"),
            )
            .await?;
        Ok(SubmittedTask {
            status: created.status.as_deref().map_or(TaskStatus::Queued, status),
            task_id: created.task_id,
            price: created.price.map(|p| Amount::new(p, UNIT)),
            balance_after: created.balance.map(|b| Amount::new(b, UNIT)),
        })
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        let (model, tier) = model_ids(&request.model, &request.generation);
        let params = match &request.generation {
            Generation::Video(video) => video_params(video, tier),
            Generation::Image(image) => image_params(image),
        };
        let body = wire::CreateBody {
            model: &model,
            params,
        };
        CreateCall::post(ID, self.url("tasks/create"), &body)
    }

    async fn task(&self, task_id: &str) -> Result<TaskSnapshot, ProviderError> {
        let what = format!("task {task_id}");
        let data: wire::QueryData = http::with_retries(|| {
            self.call(
                self.client
                    .post(self.url("tasks/query"))
                    .json(&wire::QueryBody { task_id })
                    .timeout(self.api_timeout),
                &what,
            )
        })
        .await?;
        let status = status(&data.status);
        let mut result_urls = data
            .result
            .and_then(|r| r.output)
            .unwrap_or_default()
            .urls();
        for url in data.output.unwrap_or_default().urls() {
            if !result_urls.contains(&url) {
                result_urls.push(url);
            }
        }
        let failure = (status == TaskStatus::Failed).then(|| failure(data.error.as_ref()));
        Ok(TaskSnapshot {
            task_id: task_id.to_owned(),
            status,
            result_urls,
            last_frame_url: None,
            failure,
            progress: data.progress.and_then(|p| p.describe()),
            price: data.price.map(|p| Amount::new(p, UNIT)),
            usage_tokens: None,
            seed: None,
            urls_expire_at: None,
        })
    }

    async fn upload_image(&self, image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        let body = match image {
            ImageUpload::Url(url) => wire::UploadBody {
                image_url: Some(url),
                image_data: None,
            },
            ImageUpload::Bytes(bytes) => wire::UploadBody {
                image_url: None,
                image_data: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            },
        };
        let data: wire::UploadData = self
            .call(
                self.client
                    .post(self.url("upload/image"))
                    .json(&body)
                    .timeout(self.api_timeout * 2),
                "upload",
            )
            .await?;
        let url = match data {
            wire::UploadData::Url(url) => Some(url),
            wire::UploadData::Object { url } => url,
        };
        url.filter(|u| !u.is_empty())
            .map(|url| HostedImage { url })
            .ok_or_else(|| ProviderError::Upstream {
                provider: ID,
                status: None,
                message: "the upload answer holds no URL".to_owned(),
            })
    }

    async fn balance(&self) -> Result<Balance, ProviderError> {
        let data: wire::BalanceData = http::with_retries(|| {
            self.call(
                self.client
                    .get(self.url("balance"))
                    .timeout(self.api_timeout),
                "balance",
            )
        })
        .await?;
        let amount = match data {
            wire::BalanceData::Number(n) => Some(n),
            wire::BalanceData::Object { balance } => balance,
        };
        amount
            .map(|a| Balance {
                available: Amount::new(a, UNIT),
                last_seen_at: None,
            })
            .ok_or_else(|| ProviderError::Upstream {
                provider: ID,
                status: None,
                message: "the balance answer holds no number".to_owned(),
            })
    }

    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        // Result URLs are public CDN links: the key is not sent to them.
        http::download(ID, &self.client, url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_map_to_the_common_vocabulary() {
        assert_eq!(status("pending"), TaskStatus::Queued);
        assert_eq!(status("processing"), TaskStatus::Running);
        assert_eq!(status("something_new"), TaskStatus::Running);
        assert_eq!(status("completed"), TaskStatus::Succeeded);
        assert_eq!(status("failed"), TaskStatus::Failed);
    }

    #[test]
    fn an_embedded_error_code_decides_the_failure_kind() {
        let face = failure(Some(&wire::ErrorText::Text(
            "生成失败，错误码: 4011，检测到人脸".into(),
        )));
        assert_eq!(
            (face.kind, face.code.as_deref()),
            (FailureKind::FaceDetected, Some("4011"))
        );
        let other = failure(Some(&wire::ErrorText::Text("Dreamina task failed".into())));
        assert_eq!((other.kind, other.code), (FailureKind::Unknown, None));
    }

    #[test]
    fn errors_are_classified_by_number_not_by_text() {
        let ok = StatusCode::OK;
        let kind = |status, code| classify(status, code, "x".into(), None, "t").kind();
        use crate::error::ErrorKind as K;
        assert_eq!(kind(StatusCode::UNAUTHORIZED, None), K::Unauthenticated);
        assert_eq!(kind(ok, Some(402)), K::InsufficientBalance);
        assert_eq!(
            kind(StatusCode::TOO_MANY_REQUESTS, Some(429)),
            K::RateLimited
        );
        assert_eq!(kind(StatusCode::BAD_GATEWAY, None), K::Upstream);
        assert_eq!(kind(ok, Some(500)), K::Upstream);
        assert_eq!(kind(StatusCode::NOT_FOUND, Some(404)), K::NotFound);
    }
}
