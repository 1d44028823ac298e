//! The seedance2ai.io wire format: create bodies for the video and image models,
//! task objects and the error envelope.
//!
//! Requests follow the published parameter tables exactly. Answers are read
//! liberally where the documents show no example (a failed task's `error`, the
//! ids of a gpt-image-2 batch, numbers that may come as strings): see
//! [`crate::providers::lenient`].

use serde::{Deserialize, Serialize, de::IgnoredAny};

use crate::providers::lenient::{self, LooseError, Maybe};

/// `POST /video/seedance2`.
#[derive(Debug, Serialize)]
pub struct VideoBody<'a> {
    pub mode: &'static str,
    pub quality_tier: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'static str>,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<&'static str>,
    /// The API takes the duration as a string.
    pub duration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_image_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media_urls: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_lens: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
}

/// `POST /image/gpt-image-2`.
#[derive(Debug, Serialize)]
pub struct GptImageBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub prompt: String,
    pub resolution: &'static str,
    pub aspect_ratio: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'static str>,
    pub batch_count: u8,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_urls: &'a [String],
}

/// `POST /image/nano-banana-pro`.
#[derive(Debug, Serialize)]
pub struct NanoBananaBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_size: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_urls: &'a [String],
}

/// Create answer. A gpt-image-2 batch (`batch_count` > 1) adds the ids of all
/// its tasks; each image is a task of its own.
#[derive(Debug, Deserialize)]
pub struct Created {
    #[serde(default, deserialize_with = "lenient::text")]
    pub id: Option<String>,
    // Other spellings clients have met; separate fields, so an answer with two
    // of them is not refused as a duplicate.
    #[serde(default, deserialize_with = "lenient::text")]
    pub task_id: Option<String>,
    #[serde(default, rename = "taskId", deserialize_with = "lenient::text")]
    pub task_id_camel: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub credits_used: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub remaining_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient::texts")]
    pub batch_task_ids: Vec<String>,
}

impl Created {
    /// Every task the answer names, the main `id` first, each once.
    pub fn task_ids(&self) -> Vec<String> {
        let main = [&self.id, &self.task_id, &self.task_id_camel]
            .into_iter()
            .flatten()
            .next();
        let mut ids: Vec<String> = Vec::new();
        for id in main.into_iter().chain(&self.batch_task_ids) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }
}

/// `GET /tasks/{id}`. Only `status` matters; whatever else is missing or
/// shaped otherwise is read as absent.
#[derive(Debug, Deserialize)]
pub struct Task {
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub credits_used: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub credits_refunded: Option<f64>,
    #[serde(default)]
    pub output: Option<Output>,
    #[serde(default, deserialize_with = "lenient::error")]
    pub error: Option<LooseError>,
}

/// `output`: video fields, a bare URL list (gpt-image-2), `images` objects
/// (nano-banana-pro), a lone URL, or a form we do not know (no results).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Output {
    Urls(Vec<ImageEntry>),
    Url(String),
    Fields(OutputFields),
    Other(IgnoredAny),
}

/// The object form of `output`.
#[derive(Debug, Default, Deserialize)]
pub struct OutputFields {
    #[serde(default, deserialize_with = "lenient::text")]
    pub video_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub last_frame_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::integer")]
    pub seed: Option<i64>,
    #[serde(default)]
    pub images: Option<Maybe<Vec<ImageEntry>>>,
    #[serde(default, deserialize_with = "lenient::texts")]
    pub image_urls: Vec<String>,
}

/// One image of a URL list: a URL, an object with one, or something else.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ImageEntry {
    Url(String),
    Object {
        #[serde(deserialize_with = "lenient::text")]
        url: Option<String>,
    },
    Other(IgnoredAny),
}

impl ImageEntry {
    /// The URL, when the entry has one.
    pub fn url(self) -> Option<String> {
        match self {
            Self::Url(url) => Some(url),
            Self::Object { url } => url,
            Self::Other(_) => None,
        }
    }
}

/// Error envelope `{"error": {code, message}}`; the error itself is read in
/// any form. 402 adds the credit figures, beside `error` or inside it.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default, deserialize_with = "lenient::error")]
    pub error: Option<LooseError>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub required_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub available_credits: Option<f64>,
    /// Beside `id` and `status`, an `error` is a task's; without them, the
    /// answer's own.
    #[serde(default)]
    pub id: Option<IgnoredAny>,
    #[serde(default)]
    pub status: Option<IgnoredAny>,
    /// `{"success": false, …}`, as some APIs say it.
    #[serde(default)]
    pub success: Option<Maybe<bool>>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub message: Option<String>,
}

/// The credit figures inside the error object of a 402.
#[derive(Debug, Default, Deserialize)]
pub struct CreditFigures {
    #[serde(default, deserialize_with = "lenient::number")]
    pub required_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub available_credits: Option<f64>,
}

/// `{"error": {required_credits, available_credits}}`.
#[derive(Debug, Default, Deserialize)]
pub struct CreditsInError {
    #[serde(default)]
    pub error: Option<Maybe<CreditFigures>>,
}
