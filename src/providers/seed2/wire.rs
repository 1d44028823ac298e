//! The seed2.io wire format: `{code, message, data}` envelopes with integer task ids.

use serde::{Deserialize, Serialize};

/// `POST /v1/video/generate`.
#[derive(Debug, Serialize)]
pub struct CreateBody<'a> {
    pub prompt: &'a str,
    pub model: &'a str,
    pub duration: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_files: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub video_files: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub audio_files: &'a [String],
}

/// Every answer; `code == 0` means success. `data` is decoded by the caller,
/// which knows its type.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub code: i64,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

/// `data` of a create answer (the id is called `task_id` here, `id` on GET).
#[derive(Debug, Deserialize)]
pub struct Created {
    pub task_id: u64,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub points_cost: Option<f64>,
    #[serde(default)]
    pub balance: Option<f64>,
}

/// `data` of `GET /v1/tasks/{id}`.
#[derive(Debug, Deserialize)]
pub struct Task {
    pub id: u64,
    pub status: String,
    #[serde(default)]
    pub result: Option<TaskResult>,
    #[serde(default)]
    pub points_cost: Option<f64>,
}

/// `result`: the video, or the failure text.
#[derive(Debug, Default, Deserialize)]
pub struct TaskResult {
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}
