//! seed2.io backend: Seedance 2.0 through `/v1/video/generate` and `/v1/tasks/{id}`.
//!
//! Task ids are integers on the wire and strings everywhere else. There is no
//! balance endpoint: the balance arrives with every create answer, so
//! `get_balance` reports the last figure seen and when it was seen.

mod wire;

use async_trait::async_trait;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageUpload,
        KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, SubmittedTask, TaskFailure,
        TaskRef, TaskSnapshot, TaskStatus, VideoInputs, VideoTier,
    },
    error::{ErrorKind, ProviderError},
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        api::{self, Answer, ApiClient, ApiRequest, Dialect, Refusal},
        capabilities::{BalanceSource, FIXED_RATIOS, LocalFiles, MediaRules},
        http::ApiResponse,
        lenient::{LooseError, Maybe, Scalar},
        registry::Entry,
    },
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
    // Its README's "Audio Sync" example sends audio_files alone.
    audio_only_reference: true,
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
    api: ApiClient<Envelopes>,
    base_url: String,
    last_balance: super::LastSeenBalance,
}

impl Seed2 {
    /// A client for the configured host and key.
    pub fn new(config: &ProviderConfig) -> Result<Self, ProviderError> {
        Ok(Self {
            api: ApiClient::new(ID, config, Envelopes)?,
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

/// seed2.io's answers: a `{code, message, data}` envelope where `code` 0 means
/// success. Failure codes are not published: one whose first three digits (or
/// whole value) are an HTTP-like status takes that status's kind (40101 → 401),
/// else the HTTP status decides; an envelope that says the call failed without
/// either is a refusal all the same, in the provider's words.
#[derive(Debug)]
struct Envelopes;

impl Dialect for Envelopes {
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String> {
        let status = response.status.as_u16();
        let envelope: wire::Envelope = match serde_json::from_slice(&response.body) {
            Ok(envelope) => envelope,
            Err(e) if response.status.is_success() => return Err(e.to_string()),
            Err(_) => {
                return Ok(Answer::Refused(Refusal {
                    number: Some(status),
                    code: None,
                    message: response.snippet(),
                }));
            }
        };
        // Code 0 is success. So is a code that is itself a success status (200),
        // as some envelopes write it: calling a paid create refused when it was
        // not would invite paying twice. No code at all succeeds unless the
        // answer carries an error.
        let succeeded = match &envelope.code {
            Some(code) => code
                .integer()
                .is_some_and(|c| c == 0 || (200..300).contains(&c)),
            None => envelope.error.is_none(),
        };
        if response.status.is_success() && succeeded {
            return api::data(envelope.data.as_deref());
        }
        let from_code = envelope
            .code
            .as_ref()
            .and_then(Scalar::integer)
            .map(|c| if c >= 10_000 { c / 100 } else { c })
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (400..600).contains(c));
        // A success status with an error code (or no data) names no kind.
        let number = from_code
            .or(Some(status))
            .filter(|n| !(200..300).contains(n));
        let code = envelope
            .code
            .as_ref()
            .and_then(Scalar::text)
            .or_else(|| envelope.error.as_ref().and_then(LooseError::code));
        let words = [&envelope.message, &envelope.msg, &envelope.detail]
            .into_iter()
            .flatten()
            .find(|m| !m.is_empty())
            .cloned()
            .or_else(|| envelope.error.as_ref().and_then(LooseError::message));
        let message = match (words, &code) {
            (Some(words), Some(code)) if !words.contains(code.as_str()) => {
                format!("{words} (code {code})")
            }
            (Some(words), _) => words,
            (None, Some(code)) => format!("error code {code}"),
            (None, None) => response.snippet(),
        };
        Ok(Answer::Refused(Refusal {
            number,
            code,
            message,
        }))
    }

    fn special(&self, refusal: &mut Refusal, _: &ApiResponse) -> Option<ErrorKind> {
        // The envelope said the call failed and named no status: the provider
        // refused it, whatever its code means.
        refusal
            .number
            .is_none()
            .then_some(ErrorKind::InvalidRequest)
    }
}

fn status(word: &str) -> Option<TaskStatus> {
    Some(match word {
        "pending" | "queued" => TaskStatus::Queued,
        "processing" | "running" => TaskStatus::Running,
        "completed" | "succeeded" => TaskStatus::Succeeded,
        "failed" => TaskStatus::Failed,
        _ => return None,
    })
}

#[async_trait]
impl Provider for Seed2 {
    fn id(&self) -> ProviderId {
        ID
    }

    // seed2's documents: a failed task's credits are refunded automatically.
    fn refunds_failures(&self) -> bool {
        true
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
            .api
            .send(ApiRequest::write(Method::POST, call.url, "create").json(&call.body))
            .await?;
        if let Some(left) = created.balance {
            self.last_balance.record(left);
        }
        let Some(task_id) = created.task_id.or(created.id) else {
            // Accepted, but we cannot tell which task: it may exist and be paid.
            return Err(ProviderError::Upstream {
                provider: ID,
                status: None,
                message: "the create answer names no task id".to_owned(),
            });
        };
        Ok(SubmittedTask {
            task_id,
            status: created
                .status
                .as_deref()
                .and_then(status)
                .unwrap_or(TaskStatus::Queued),
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

    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        let task_id = task.id.as_str();
        let what = format!("task {task_id}");
        let Ok(number) = task_id.trim().parse::<u64>() else {
            return Err(ProviderError::NotFound {
                provider: ID,
                what,
                message: "seed2.io task ids are whole numbers".to_owned(),
            });
        };
        let url = format!("{}/v1/tasks/{number}", self.base_url);
        let task: wire::Task = self
            .api
            .send(ApiRequest::read(Method::GET, url, what))
            .await?;
        // A missing status word is read like an unknown one.
        let (status, provider_status) =
            TaskStatus::from_word(task.status.as_deref().unwrap_or_default(), status);
        let result = task.result.and_then(Maybe::known).unwrap_or_default();
        let failure = (status == TaskStatus::Failed).then(|| {
            let error = result.error.as_ref().or(task.error.as_ref());
            let code = error.and_then(LooseError::code);
            let message = error
                .and_then(LooseError::message)
                .or_else(|| code.as_ref().map(|code| format!("error code {code}")))
                .unwrap_or_else(|| "the provider gave no reason".to_owned());
            TaskFailure::new(FailureKind::Unknown, code, message)
        });
        Ok(TaskSnapshot {
            task_id: number.to_string(),
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
            refunded: None,
            usage_tokens: None,
            seed: None,
            urls_expire_at: None,
            provider_status,
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
        self.api.download(url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_codes_map_by_their_status_digits() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let kind = |status, code: i64| {
            let body = format!(r#"{{"code":{code},"message":"m"}}"#);
            read_answer(&Envelopes, status, None, &body)
                .unwrap_err()
                .kind()
        };
        assert_eq!(kind(200, 40101), K::Unauthenticated);
        assert_eq!(kind(200, 40201), K::InsufficientBalance);
        assert_eq!(kind(200, 42901), K::RateLimited);
        assert_eq!(kind(200, 40001), K::InvalidRequest);
        assert_eq!(kind(200, 50001), K::Upstream);
        assert_eq!(kind(402, 7), K::InsufficientBalance);
        assert_eq!(kind(200, 404), K::NotFound);
    }

    #[test]
    fn an_envelope_that_says_it_failed_is_a_refusal_in_its_words_whatever_the_code() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let cases = [
            (r#"{"code":7,"message":"odd"}"#, "odd (code 7)"),
            (
                r#"{"code":"E_PARAM","msg":"bad ratio"}"#,
                "bad ratio (code E_PARAM)",
            ),
            (
                r#"{"code":1001,"error":{"message":"no credits left"}}"#,
                "no credits left (code 1001)",
            ),
            (r#"{"code":-1,"data":null}"#, "error code -1"),
            (r#"{"error":"prompt refused"}"#, "prompt refused"),
            (r#"{"code":"3","detail":"3: busy"}"#, "3: busy"),
        ];
        for (body, words) in cases {
            let error = read_answer(&Envelopes, 200, None, body).unwrap_err();
            assert_eq!(error.kind(), K::InvalidRequest, "{body}: {error}");
            let text = error.to_string();
            assert!(text.contains(words), "{body}: {text}");
            assert!(!text.contains("unexpected answer"), "{body}: {text}");
        }
        // Success: code 0 as a number or a string, or no code and no error.
        for body in [
            r#"{"code":0,"data":{"x":1}}"#,
            r#"{"code":"0","message":"ok","data":{"x":1}}"#,
            r#"{"data":{"x":1}}"#,
            r#"{"code":200,"data":{"x":1}}"#,
        ] {
            assert_eq!(
                read_answer(&Envelopes, 200, None, body).unwrap(),
                r#"{"x":1}"#,
                "{body}"
            );
        }
    }
}
