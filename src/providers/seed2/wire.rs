//! The seed2.io wire format: `{code, message, data}` envelopes with integer task ids.
//!
//! The README shows only successful answers; everything a failure may carry
//! (its code, its words, a failed task's reason) is read in any common form, and
//! a missing optional field is simply absent (see [`crate::providers::lenient`]).

use serde::{Deserialize, Serialize};

use crate::providers::lenient::{self, LooseError, Maybe, Scalar};

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

/// Every answer; `code` 0 means success. `data` is decoded by the caller, which
/// knows its type. The words of a failure may sit under any of the usual keys.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub code: Option<Scalar>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub msg: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub detail: Option<String>,
    #[serde(default, deserialize_with = "lenient::error")]
    pub error: Option<LooseError>,
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

/// `data` of a create answer (the id is called `task_id` here, `id` on GET).
#[derive(Debug, Deserialize)]
pub struct Created {
    #[serde(default, deserialize_with = "lenient::text")]
    pub task_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub points_cost: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub balance: Option<f64>,
}

/// `data` of `GET /v1/tasks/{id}`.
#[derive(Debug, Deserialize)]
pub struct Task {
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default)]
    pub result: Option<Maybe<TaskResult>>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub points_cost: Option<f64>,
    /// A failure reason beside `result` rather than in it.
    #[serde(default, deserialize_with = "lenient::error")]
    pub error: Option<LooseError>,
}

/// `result`: the video, or why there is none.
#[derive(Debug, Default, Deserialize)]
pub struct TaskResult {
    #[serde(default, deserialize_with = "lenient::text")]
    pub video_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::error")]
    pub error: Option<LooseError>,
}
