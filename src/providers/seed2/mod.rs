//! seed2.io backend: Seedance 2.0 through `/v1/video/generate` and `/v1/tasks/{id}`.
//!
//! Task ids are integers on the wire and strings everywhere else. There is no
//! balance endpoint: the balance arrives with every create answer, so
//! `get_balance` reports the last figure seen and when it was seen.

mod wire;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageUpload,
        KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, SubmittedTask, TaskFailure,
        TaskSnapshot, TaskStatus, VideoInputs, VideoTier,
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
    name: "seed2",
    display_name: "seed2.io",
    key_var: Some("SEED2_API_KEY"),
    base_url_var: Some("SEED2_BASE_URL"),
    default_base_url: "https://api.seed2.io",
};
const ID: ProviderId = ProviderId::new(&INFO);

/// The registry's entry for seed2.io.
pub(super) static ENTRY: Entry = Entry {
    id: ID,
    chosen_by_key: true,
    capabilities: &CAPABILITIES,
    build: |config| Ok(std::sync::Arc::new(Seed2::new(config)?)),
};
const UNIT: &str = "points";

static CAPABILITIES: Capabilities = Capabilities {
    simulated: false,
    options: &[],
    models: &[KnownModel::SeedanceFast, KnownModel::Seedance],
    upload: false,
    balance: BalanceSource::LastSeen,
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
    media: MediaRules {
        data_urls: false,
        asset_ids: false,
        plain_http: true,
        local: LocalFiles::Refused,
    },
    idempotent_create: false,
    prompt_chars: None,
    pricing: "Points (10,000 = 1 USD): Seedance 2.0 fast 580 per second, 1,160 with reference video or \
              audio; standard 1,160 and 2,320. Failed tasks are refunded.",
};

/// The seed2.io client.
#[derive(Debug)]
pub struct Seed2 {
    client: reqwest::Client,
    api_key: Secret,
    base_url: String,
    /// How long one API call may take.
    api_timeout: std::time::Duration,
    last_balance: super::LastSeenBalance,
}

impl Seed2 {
    /// A client for the configured host and key.
    pub fn new(config: &ProviderConfig) -> Result<Self, ProviderError> {
        let (client, api_key) = super::remote_parts(ID, config)?;
        Ok(Self {
            client,
            api_key,
            base_url: config.base_url.clone(),
            api_timeout: config.api_timeout,
            last_balance: super::LastSeenBalance::default(),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ProviderError> {
        let response = http::send_authorized(ID, request, &self.api_key).await?;
        let envelope: Option<wire::Envelope<T>> = serde_json::from_slice(&response.body).ok();
        let message = envelope
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| response.snippet());
        match envelope {
            Some(wire::Envelope {
                code: 0,
                data: Some(data),
                ..
            }) if response.status.is_success() => Ok(data),
            Some(wire::Envelope { code, .. }) => Err(classify(
                response.status,
                Some(code),
                message,
                response.retry_after,
                what,
            )),
            None => Err(classify(
                response.status,
                None,
                message,
                response.retry_after,
                what,
            )),
        }
    }
}

fn unsupported(feature: &str, alternative: &str) -> ProviderError {
    ProviderError::Unsupported {
        provider: ID,
        feature: feature.to_owned(),
        alternative: alternative.to_owned(),
    }
}

/// The envelope code's first three digits are an HTTP-like status (40101 → 401);
/// the HTTP status decides when they are missing.
fn classify(
    status: StatusCode,
    code: Option<i64>,
    message: String,
    retry_after: Option<std::time::Duration>,
    what: &str,
) -> ProviderError {
    let from_code = code
        .filter(|c| *c >= 10_000)
        .map(|c| c / 100)
        .filter(|c| (400..600).contains(c));
    let number = from_code.unwrap_or_else(|| i64::from(status.as_u16()));
    let provider = ID;
    match number {
        401 | 403 => ProviderError::Unauthenticated { provider, message },
        402 => ProviderError::InsufficientBalance { provider, message },
        404 => ProviderError::NotFound {
            provider,
            what: what.to_owned(),
            message,
        },
        429 => ProviderError::RateLimited {
            provider,
            retry_after,
            message,
        },
        400..=499 => ProviderError::InvalidRequest { provider, message },
        200..=299 => ProviderError::Upstream {
            provider,
            status: None,
            message: format!("unexpected answer: {message}"),
        },
        n => ProviderError::Upstream {
            provider,
            status: u16::try_from(n).ok(),
            message,
        },
    }
}

fn status(word: &str) -> TaskStatus {
    match word {
        "pending" | "queued" => TaskStatus::Queued,
        "completed" | "succeeded" => TaskStatus::Succeeded,
        "failed" => TaskStatus::Failed,
        _ => TaskStatus::Running,
    }
}

#[async_trait]
impl Provider for Seed2 {
    fn id(&self) -> ProviderId {
        ID
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn estimate(&self, request: &GenerationRequest) -> Option<Amount> {
        let Generation::Video(v) = &request.generation else {
            return None;
        };
        if matches!(request.model, ModelChoice::Native(_)) {
            return None;
        }
        let per_second = if v.tier == VideoTier::Standard {
            1160.0
        } else {
            580.0
        };
        let factor = if v.inputs.has_video() || v.inputs.has_audio() {
            2.0
        } else {
            1.0
        };
        Some(Amount::new(
            per_second * factor * f64::from(v.duration),
            UNIT,
        ))
    }

    async fn submit(
        &self,
        request: &GenerationRequest,
        _key: &SubmissionKey,
    ) -> Result<SubmittedTask, ProviderError> {
        let call = self.create_call(request)?;
        let created: wire::Created = self
            .call(
                self.client
                    .post(&call.url)
                    .json(&call.body)
                    .timeout(self.api_timeout),
                "create",
            )
            .await?;
        if let Some(left) = created.balance {
            self.last_balance.record(left);
        }
        Ok(SubmittedTask {
            task_id: created.task_id.to_string(),
            status: created.status.as_deref().map_or(TaskStatus::Queued, status),
            price: created.points_cost.map(|p| Amount::new(p, UNIT)),
            balance_after: created.balance.map(|b| Amount::new(b, UNIT)),
        })
    }

    fn create_call(&self, request: &GenerationRequest) -> Result<CreateCall, ProviderError> {
        let Generation::Video(video) = &request.generation else {
            return Err(unsupported(
                "image models",
                "Use a provider with image models (xskill, seedance2ai).",
            ));
        };
        let VideoInputs::Omni {
            images,
            videos,
            audios,
        } = &video.inputs
        else {
            return Err(unsupported(
                "first_last_frames mode",
                "Use mode omni_reference with the frame as @image_file_1 and say \"start exactly on \
                 @image_file_1\" in the prompt.",
            ));
        };
        let model = match (&request.model, video.tier) {
            (ModelChoice::Native(id), _) => id.as_str(),
            (_, VideoTier::Standard) => "seedance_2.0",
            _ => "seedance_2.0_fast",
        };
        let body = wire::CreateBody {
            prompt: &video.prompt,
            model,
            duration: video.duration,
            ratio: video.ratio.map(Ratio::as_str),
            image_files: images,
            video_files: videos,
            audio_files: audios,
        };
        CreateCall::post(ID, format!("{}/v1/video/generate", self.base_url), &body)
    }

    async fn task(&self, task_id: &str) -> Result<TaskSnapshot, ProviderError> {
        let what = format!("task {task_id}");
        let Ok(number) = task_id.trim().parse::<u64>() else {
            return Err(ProviderError::NotFound {
                provider: ID,
                what,
                message: "seed2.io task ids are whole numbers".to_owned(),
            });
        };
        let url = format!("{}/v1/tasks/{number}", self.base_url);
        let task: wire::Task = http::with_retries(|| {
            self.call(self.client.get(&url).timeout(self.api_timeout), &what)
        })
        .await?;
        let status = status(&task.status);
        let result = task.result.unwrap_or_default();
        let failure = (status == TaskStatus::Failed).then(|| {
            let message = result
                .error
                .clone()
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "the provider gave no reason".to_owned());
            TaskFailure::new(FailureKind::Unknown, None, message)
        });
        Ok(TaskSnapshot {
            task_id: task.id.to_string(),
            status,
            result_urls: result
                .video_url
                .filter(|_| status == TaskStatus::Succeeded)
                .into_iter()
                .collect(),
            last_frame_url: None,
            failure,
            progress: None,
            price: task.points_cost.map(|p| Amount::new(p, UNIT)),
            usage_tokens: None,
            seed: None,
            urls_expire_at: None,
        })
    }

    async fn upload_image(&self, _image: &ImageUpload) -> Result<HostedImage, ProviderError> {
        Err(unsupported(
            "hosting images",
            "seed2.io takes media as URLs only; put the image on any public host (or upload it with xskill) \
             and pass its URL in image_files.",
        ))
    }

    async fn balance(&self) -> Result<Balance, ProviderError> {
        self.last_balance.get(ID, UNIT, "seed2.io has no balance endpoint; the balance is reported with every submitted task (and on the seed2.io dashboard).")
    }

    async fn download(&self, url: &str) -> Result<Download, ProviderError> {
        http::download(ID, &self.client, url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_codes_map_by_their_status_digits() {
        let kind = |code| classify(StatusCode::OK, Some(code), "m".into(), None, "t").kind();
        use crate::error::ErrorKind as K;
        assert_eq!(kind(40101), K::Unauthenticated);
        assert_eq!(kind(40201), K::InsufficientBalance);
        assert_eq!(kind(42901), K::RateLimited);
        assert_eq!(kind(40001), K::InvalidRequest);
        assert_eq!(kind(50001), K::Upstream);
        assert_eq!(
            classify(StatusCode::PAYMENT_REQUIRED, Some(7), "m".into(), None, "t").kind(),
            K::InsufficientBalance
        );
    }
}
