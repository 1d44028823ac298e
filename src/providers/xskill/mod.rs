//! xskill.ai backend (v3 API): Seedance 2.0 as `st-ai/super-seed2` and the Seedream
//! 4.5 image models, with task query, balance and image upload.
//!
//! The provider signals errors both with HTTP statuses and with a `code` in a 200
//! envelope; both are mapped by number in [`Envelopes`], then by the shared ladder.

mod wire;

use async_trait::async_trait;
use base64::Engine;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    domain::{
        Amount, Balance, FailureKind, Generation, GenerationRequest, HostedImage, ImageRequest,
        ImageUpload, KnownModel, ModelChoice, ProviderId, ProviderInfo, Ratio, SubmittedTask,
        TaskFailure, TaskRef, TaskSnapshot, TaskStatus, VideoInputs, VideoRequest, VideoTier,
    },
    error::{ErrorKind, ProviderError},
    providers::{
        Capabilities, CreateCall, Download, Provider, ProviderConfig, SubmissionKey,
        api::{self, Answer, ApiClient, ApiRequest, Dialect, Refusal},
        capabilities::{BalanceSource, FIXED_RATIOS, LocalFiles, MediaRules},
        http::ApiResponse,
        registry::Entry,
    },
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
    audio_only_reference: false,
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
    api: ApiClient<Envelopes>,
    base_url: String,
}

impl Xskill {
    /// A client for the configured host and key.
    pub fn new(config: &ProviderConfig) -> Result<Self, ProviderError> {
        Ok(Self {
            api: ApiClient::new(ID, config, Envelopes)?,
            base_url: config.base_url.clone(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v3/{path}", self.base_url)
    }
}

/// xskill's answers: a `{code, message, data}` envelope, with errors signalled by
/// the HTTP status, by a `code` other than 200 in a 200 answer, or both. The guide
/// shows only successes, so an envelope also says it failed with `success: false`,
/// or with an `error` or `detail` and no `data`.
#[derive(Debug)]
struct Envelopes;

/// The envelope's own codes with a meaning of their own (seen in failure texts).
const FACE_CODE: &str = "4011";
const INVALID_PARAMETER_CODE: &str = "1000";

impl Dialect for Envelopes {
    fn read<T: DeserializeOwned>(&self, response: &ApiResponse) -> Result<Answer<T>, String> {
        let http_error = (!response.status.is_success()).then(|| response.status.as_u16());
        let envelope = match wire::Envelope::from_json(&response.body) {
            Ok(envelope) => envelope,
            Err(e) => {
                return match http_error {
                    Some(status) => Ok(Answer::Refused(Refusal {
                        number: Some(status),
                        code: None,
                        message: response.snippet(),
                    })),
                    None => Err(e.to_string()),
                };
            }
        };
        let code = envelope.code.get().and_then(wire::Code::number);
        let failed = match (envelope.code.get(), code) {
            // The guide's rule: 200 is success, any other number is not.
            (_, Some(number)) => number != 200,
            // A code in words of its own is a failure only when no data came with it.
            (Some(_), None) => envelope.data.is_none(),
            (None, None) => {
                envelope.success.get() == Some(&false)
                    || (envelope.data.is_none()
                        && (envelope.error.is_some() || envelope.detail.is_some()))
            }
        };
        if http_error.is_none() && !failed {
            return api::data(envelope.data.as_deref());
        }
        // The envelope code decides when it names an HTTP-like status.
        let number = code
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (400..600).contains(c))
            .or(http_error);
        let own_code = envelope.code_text();
        let words = envelope
            .words()
            .unwrap_or_else(|| "no reason given".to_owned());
        // A code of xskill's own (not an HTTP status) is kept in the words.
        let message = match &own_code {
            Some(c) if number.is_none_or(|n| n.to_string() != *c) => format!("{words} (code {c})"),
            _ => words,
        };
        Ok(Answer::Refused(Refusal {
            number,
            code: own_code,
            message,
        }))
    }

    /// A refusal that names no HTTP-like status still says, in xskill's own
    /// envelope, that the call failed: nothing was done, so it is the request
    /// that was refused (a face in the media by its own code), never an
    /// ambiguous upstream failure.
    fn special(&self, refusal: &mut Refusal, _response: &ApiResponse) -> Option<ErrorKind> {
        match refusal.code.as_deref() {
            Some(FACE_CODE) => Some(ErrorKind::ContentRejected),
            Some(INVALID_PARAMETER_CODE) => Some(ErrorKind::InvalidRequest),
            _ if refusal.number.is_none() => Some(ErrorKind::InvalidRequest),
            _ => None,
        }
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
        // The API guide files text to video under first_last_frames with no
        // filePaths; omni_reference is for mixing the reference arrays.
        VideoInputs::Omni {
            images,
            videos,
            audios,
        } if images.is_empty() && videos.is_empty() && audios.is_empty() => {
            ("first_last_frames", NONE, NONE, NONE, Vec::new())
        }
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
fn status(word: &str) -> Option<TaskStatus> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "pending" | "queued" | "submitted" => TaskStatus::Queued,
        "processing" | "running" | "generating" | "in_progress" => TaskStatus::Running,
        "completed" | "success" | "succeeded" => TaskStatus::Succeeded,
        "failed" | "error" | "fail" => TaskStatus::Failed,
        "cancelled" | "canceled" => TaskStatus::Cancelled,
        "expired" | "timeout" => TaskStatus::Expired,
        _ => return None,
    })
}

/// Failure text carries a numeric code as `错误码: 4011`, or the error object (or
/// a bare number) carries it; the number decides the kind.
fn failure(error: Option<&wire::Said>) -> TaskFailure {
    let message = error.and_then(wire::Said::words).unwrap_or_default();
    let code = error
        .and_then(wire::Said::code)
        .or_else(|| embedded_code(&message));
    let kind = match code.as_deref() {
        Some(FACE_CODE) => FailureKind::FaceDetected,
        Some(INVALID_PARAMETER_CODE) => FailureKind::InvalidInput,
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
        let (model, _) = model_ids(&request.model, &request.generation);
        let created: wire::CreateData = self
            .api
            .send(
                ApiRequest::write(Method::POST, call.url, format!("model {model}"))
                    .json(&call.body),
            )
            .await?;
        Ok(SubmittedTask {
            status: created
                .status
                .get()
                .and_then(|word| status(word))
                .unwrap_or(TaskStatus::Queued),
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

    async fn task(&self, task: &TaskRef) -> Result<TaskSnapshot, ProviderError> {
        let task_id = task.id.as_str();
        // A query changes nothing, so it is safe to repeat although it is a POST.
        let query = ApiRequest::read(
            Method::POST,
            self.url("tasks/query"),
            format!("task {task_id}"),
        )
        .json(&wire::QueryBody { task_id });
        let data: wire::QueryData = self.api.send(query).await?;
        let (status, provider_status) = TaskStatus::from_word(&data.status, status);
        let mut result_urls = data
            .result
            .into_inner()
            .and_then(|r| r.output.into_inner())
            .unwrap_or_default()
            .urls();
        for url in data.output.into_inner().unwrap_or_default().urls() {
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
            progress: data.progress.get().and_then(wire::Progress::describe),
            price: data.price.map(|p| Amount::new(p, UNIT)),
            refunded: None,
            usage_tokens: None,
            seed: None,
            urls_expire_at: None,
            provider_status,
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
        let upload = ApiRequest::write(Method::POST, self.url("upload/image"), "upload")
            .json(&body)
            .slow();
        let data: wire::UploadData = self.api.send(upload).await?;
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
        let data: wire::BalanceData = self
            .api
            .send(ApiRequest::read(
                Method::GET,
                self.url("balance"),
                "balance",
            ))
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
        self.api.download(url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_map_to_the_common_vocabulary() {
        assert_eq!(status("pending"), Some(TaskStatus::Queued));
        assert_eq!(status("processing"), Some(TaskStatus::Running));
        assert_eq!(status("completed"), Some(TaskStatus::Succeeded));
        assert_eq!(status("failed"), Some(TaskStatus::Failed));
        // A new word counts as running and is kept to be shown.
        assert_eq!(
            TaskStatus::from_word("rendering_v2", status),
            (TaskStatus::Running, Some("rendering_v2".to_owned()))
        );
    }

    #[test]
    fn an_embedded_error_code_decides_the_failure_kind() {
        let face = failure(Some(&wire::Said::Text(
            "生成失败，错误码: 4011，检测到人脸".into(),
        )));
        assert_eq!(
            (face.kind, face.code.as_deref()),
            (FailureKind::FaceDetected, Some("4011"))
        );
        let other = failure(Some(&wire::Said::Text("Dreamina task failed".into())));
        assert_eq!((other.kind, other.code), (FailureKind::Unknown, None));
    }

    #[test]
    fn errors_are_classified_by_number_not_by_text() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let kind = |status, body: &str| {
            read_answer(&Envelopes, status, None, body)
                .unwrap_err()
                .kind()
        };
        assert_eq!(kind(401, "not json"), K::Unauthenticated);
        assert_eq!(
            kind(200, r#"{"code":402,"message":"余额不足"}"#),
            K::InsufficientBalance
        );
        assert_eq!(
            kind(429, r#"{"code":429,"message":"slow down"}"#),
            K::RateLimited
        );
        assert_eq!(
            kind(502, "<html><title>Bad Gateway</title></html>"),
            K::Upstream
        );
        assert_eq!(kind(200, r#"{"code":500,"message":"boom"}"#), K::Upstream);
        assert_eq!(
            kind(404, r#"{"code":404,"message":"任务不存在"}"#),
            K::NotFound
        );
    }

    #[test]
    fn an_envelope_that_says_it_failed_is_a_refusal_in_its_own_words_whatever_its_shape() {
        use crate::{error::ErrorKind as K, providers::api::read_answer};
        let cases: &[(u16, &str, K, &[&str])] = &[
            (
                200,
                r#"{"code":1001,"message":"参数错误"}"#,
                K::InvalidRequest,
                &["参数错误", "code 1001"],
            ),
            (
                200,
                r#"{"code":1001,"msg":"bad ratio","data":null}"#,
                K::InvalidRequest,
                &["bad ratio"],
            ),
            (
                200,
                r#"{"code":"E_PARAM","error":"bad prompt"}"#,
                K::InvalidRequest,
                &["bad prompt", "E_PARAM"],
            ),
            (
                200,
                r#"{"code":1001,"message":{"detail":"nested words"}}"#,
                K::InvalidRequest,
                &["nested words"],
            ),
            (
                200,
                r#"{"code":1001,"message":7}"#,
                K::InvalidRequest,
                &["7"],
            ),
            (
                200,
                r#"{"code":1001,"message":"","msg":["one",{"msg":"two"}]}"#,
                K::InvalidRequest,
                &["one; two"],
            ),
            (
                200,
                r#"{"success":false,"error":{"code":"NO_KEY","message":"key expired"}}"#,
                K::InvalidRequest,
                &["key expired", "NO_KEY"],
            ),
            (
                200,
                r#"{"error":"quota gone"}"#,
                K::InvalidRequest,
                &["quota gone"],
            ),
            (
                200,
                r#"{"code":1001}"#,
                K::InvalidRequest,
                &["no reason given", "1001"],
            ),
            (
                200,
                r#"{"code":"4011","message":"face"}"#,
                K::ContentRejected,
                &["face"],
            ),
            (
                200,
                r#"{"code":"402","message":"余额不足"}"#,
                K::InsufficientBalance,
                &["余额不足"],
            ),
            (
                422,
                r#"{"detail":[{"loc":["body","prompt"],"msg":"field required"}]}"#,
                K::InvalidRequest,
                &["field required"],
            ),
            (
                400,
                r#"{"code":400,"message":null,"detail":{"error":"too long"}}"#,
                K::InvalidRequest,
                &["too long"],
            ),
            (
                401,
                r#"{"code":401,"message":{"text":"?"},"error":12}"#,
                K::Unauthenticated,
                &["12"],
            ),
        ];
        for (status, body, kind, words) in cases {
            let error = read_answer(&Envelopes, *status, None, body).unwrap_err();
            let text = error.to_string();
            assert_eq!(error.kind(), *kind, "{body}: {text}");
            for word in *words {
                assert!(text.contains(word), "{body}: `{text}` lacks {word}");
            }
            assert!(!text.contains("unexpected answer"), "{body}: {text}");
        }
    }

    #[test]
    fn odd_or_missing_optional_fields_never_sink_an_answer() {
        let created: wire::CreateData =
            serde_json::from_str(r#"{"task_id":42,"status":7,"price":{},"balance":"12.5"}"#)
                .unwrap();
        assert_eq!(created.task_id, "42");
        assert_eq!(created.balance, Some(12.5));
        assert!(created.price.is_none() && created.status.get().is_none());
        let query: wire::QueryData = serde_json::from_str(
            r#"{"status":"completed","result":{"output":{"images":[null,{"uri":"x"},"https://c/v.mp4"],
                "videos":null,"video_url":5}},"output":"odd","error":{"msg":{"detail":"x"}},
                "progress":{"stage":3,"message":["y"]},"price":[1]}"#,
        )
        .unwrap();
        let urls = query
            .result
            .into_inner()
            .and_then(|r| r.output.into_inner())
            .unwrap()
            .urls();
        assert_eq!(urls, ["https://c/v.mp4"]);
        assert!(query.output.get().is_none() && query.price.is_none());
        assert_eq!(failure(query.error.as_ref()).message, "x");
        let bare: wire::QueryData = serde_json::from_str(r#"{"status":"pending"}"#).unwrap();
        assert!(bare.result.get().is_none() && bare.error.is_none());
        let numbered = failure(Some(&serde_json::from_str("4011").unwrap()));
        assert_eq!(numbered.kind, FailureKind::FaceDetected);
    }

    #[test]
    fn text_to_video_goes_out_as_first_last_frames_without_files() {
        let request = |inputs| VideoRequest {
            prompt: "p".into(),
            tier: VideoTier::Fast,
            inputs,
            ratio: None,
            duration: 5,
            resolution: None,
            generate_audio: None,
            seed: None,
            camera_fixed: None,
            return_last_frame: false,
            watermark: None,
        };
        let body = |inputs| serde_json::to_value(video_params(&request(inputs), "t")).unwrap();
        let empty = VideoInputs::Omni {
            images: vec![],
            videos: vec![],
            audios: vec![],
        };
        let text = body(empty);
        assert_eq!(text["functionMode"], "first_last_frames", "{text}");
        assert!(text.get("filePaths").is_none() && text.get("image_files").is_none());
        let with_image = body(VideoInputs::Omni {
            images: vec!["https://c/a.png".into()],
            videos: vec![],
            audios: vec![],
        });
        assert_eq!(with_image["functionMode"], "omni_reference");
    }

    #[test]
    fn an_answer_that_is_not_an_envelope_keeps_the_decoders_words() {
        use crate::providers::api::read_answer;
        let err = read_answer(&Envelopes, 200, None, "[1,2]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
        let ok = read_answer(
            &Envelopes,
            200,
            None,
            r#"{"code":200,"data":{"task_id":"t1"}}"#,
        );
        assert_eq!(ok.unwrap(), r#"{"task_id":"t1"}"#);
        let missing = read_answer(&Envelopes, 200, None, r#"{"code":200}"#)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("no `data`"), "{missing}");
    }
}
