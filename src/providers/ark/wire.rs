//! The Ark content-generation wire format (BytePlus ModelArk and Volcengine Ark
//! share it): the create body with its `content[]` items, task objects and the
//! error envelope.

use serde::{Deserialize, Serialize};

/// `POST /contents/generations/tasks`. Unset options are left out (the official
/// SDK sends `null`; the service treats both alike).
#[derive(Debug, Serialize)]
pub struct CreateBody<'a> {
    pub model: &'a str,
    pub content: Vec<ContentItem<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera_fixed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_last_frame: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_expires_after: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
}

/// One `content[]` entry.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentItem<'a> {
    Text {
        text: String,
    },
    ImageUrl {
        image_url: UrlRef<'a>,
        role: &'static str,
    },
    VideoUrl {
        video_url: UrlRef<'a>,
        role: &'static str,
    },
    AudioUrl {
        audio_url: UrlRef<'a>,
        role: &'static str,
    },
    DraftTask {
        draft_task: IdRef<'a>,
    },
}

/// `{"url": ...}`.
#[derive(Debug, Serialize)]
pub struct UrlRef<'a> {
    pub url: &'a str,
}

/// `{"id": ...}`.
#[derive(Debug, Serialize)]
pub struct IdRef<'a> {
    pub id: &'a str,
}

/// Create answer.
#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

/// A task as GET and list return it.
#[derive(Debug, Deserialize)]
pub struct Task {
    pub id: String,
    #[serde(default)]
    pub model: Option<String>,
    pub status: String,
    #[serde(default)]
    pub error: Option<TaskError>,
    #[serde(default)]
    pub content: Option<TaskContent>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub seed: Option<i64>,
    #[serde(default)]
    pub updated_at: Option<u64>,
}

/// `error` of a failed task.
#[derive(Debug, Deserialize)]
pub struct TaskError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// `content` of a finished task.
#[derive(Debug, Default, Deserialize)]
pub struct TaskContent {
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub last_frame_url: Option<String>,
    #[serde(default)]
    pub file_url: Option<String>,
}

/// Token usage of a finished task.
#[derive(Debug, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub total_tokens: Option<u64>,
}

/// List answer.
#[derive(Debug, Deserialize)]
pub struct TaskList {
    #[serde(default)]
    pub items: Vec<Task>,
}

/// Error envelope: `{"error":{"code","message","param","type"}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// The error itself.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
}

/// An empty JSON object: the body of `DELETE .../tasks/{id}`.
#[derive(Debug, Serialize)]
pub struct Empty {}
