//! The seedance2ai.io wire format: create bodies for the video and image models,
//! task objects and the error envelope.

use serde::{Deserialize, Serialize};

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
    pub prompt: &'a str,
    pub resolution: &'static str,
    pub aspect_ratio: &'static str,
    pub batch_count: u8,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_urls: &'a [String],
}

/// `POST /image/nano-banana-pro`.
#[derive(Debug, Serialize)]
pub struct NanoBananaBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub prompt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_size: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_urls: &'a [String],
}

/// Create answer.
#[derive(Debug, Deserialize)]
pub struct Created {
    #[serde(alias = "task_id", alias = "taskId")]
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub credits_used: Option<f64>,
    #[serde(default)]
    pub remaining_credits: Option<f64>,
}

/// `GET /tasks/{id}`.
#[derive(Debug, Deserialize)]
pub struct Task {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub credits_used: Option<f64>,
    #[serde(default)]
    pub credits_refunded: Option<f64>,
    #[serde(default)]
    pub output: Option<Output>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// `output`: video fields, a bare URL list (gpt-image-2) or `images` objects.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Output {
    Urls(Vec<String>),
    Fields(OutputFields),
}

/// The object form of `output`.
#[derive(Debug, Default, Deserialize)]
pub struct OutputFields {
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub last_frame_url: Option<String>,
    #[serde(default)]
    pub seed: Option<i64>,
    #[serde(default)]
    pub images: Vec<ImageEntry>,
    #[serde(default)]
    pub image_urls: Vec<String>,
}

/// One image of `output.images`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ImageEntry {
    Url(String),
    Object { url: String },
}

/// Error envelope `{"error":{...}}`; 402 adds the credit figures.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
    #[serde(default)]
    pub required_credits: Option<f64>,
    #[serde(default)]
    pub available_credits: Option<f64>,
}

/// The error itself.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub required_credits: Option<f64>,
    #[serde(default)]
    pub available_credits: Option<f64>,
}
