//! The Ark content-generation wire format (BytePlus ModelArk and Volcengine Ark
//! share it): the create body with its `content[]` items, task objects and the
//! error envelope.

use serde::{Deserialize, Deserializer, Serialize, de::IgnoredAny};

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

/// Create answer: the new task's id (a number would be taken as its text).
#[derive(Debug, Deserialize)]
pub struct Created {
    #[serde(deserialize_with = "text")]
    pub id: String,
}

/// A task as GET and list return it. Only `id` and `status` are required:
/// every other field is read when it has the expected type and taken as
/// absent otherwise, so an odd optional field never hides the task.
#[derive(Debug, Deserialize)]
pub struct Task {
    #[serde(deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "loose")]
    pub model: Option<String>,
    pub status: String,
    #[serde(default)]
    pub error: Option<Problem>,
    #[serde(default, deserialize_with = "loose")]
    pub content: Option<TaskContent>,
    #[serde(default, deserialize_with = "loose")]
    pub usage: Option<Usage>,
    #[serde(default, deserialize_with = "loose")]
    pub resolution: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub seed: Option<i64>,
    #[serde(default, deserialize_with = "loose")]
    pub updated_at: Option<u64>,
}

/// `content` of a finished task.
#[derive(Debug, Default, Deserialize)]
pub struct TaskContent {
    #[serde(default, deserialize_with = "loose")]
    pub video_url: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub last_frame_url: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub file_url: Option<String>,
}

/// Token usage of a finished task.
#[derive(Debug, Deserialize)]
pub struct Usage {
    #[serde(default, deserialize_with = "loose")]
    pub completion_tokens: Option<u64>,
    #[serde(default, deserialize_with = "loose")]
    pub total_tokens: Option<u64>,
}

/// List answer.
#[derive(Debug, Deserialize)]
pub struct TaskList {
    #[serde(default)]
    pub items: Vec<Task>,
}

/// An error as Ark words it: `{"code","message","param","type"}` as
/// documented, read from whatever shape it comes in. A string is the
/// message, a number the code; fields of another type count as text where
/// they are scalars and as absent otherwise.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Option<String>,
    pub message: Option<String>,
    pub param: Option<String>,
    /// Ark's `type` (`BadRequest`, `NotFound`, ...).
    pub kind: Option<String>,
}

impl Problem {
    /// Whether it says anything at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The documented fields of an error object.
#[derive(Debug, Deserialize)]
struct ProblemFields {
    #[serde(default, deserialize_with = "scalar")]
    code: Option<String>,
    #[serde(default, alias = "msg", deserialize_with = "scalar")]
    message: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    param: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "scalar")]
    kind: Option<String>,
}

impl From<ProblemFields> for Problem {
    fn from(fields: ProblemFields) -> Self {
        let ProblemFields {
            code,
            message,
            param,
            kind,
        } = fields;
        Self {
            code,
            message,
            param,
            kind,
        }
    }
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Fields(ProblemFields),
            Words(String),
            Number(serde_json::Number),
            Other(IgnoredAny),
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::Fields(fields) => fields.into(),
            Shape::Words(words) => Self {
                message: Some(words),
                ..Self::default()
            },
            Shape::Number(number) => Self {
                code: Some(number.to_string()),
                ..Self::default()
            },
            Shape::Other(_) => Self::default(),
        })
    }
}

/// A refusal's body: `{"error": {...}}` as documented, the error's fields at
/// the top level, or (in a success answer) an `error` beside no task `id`.
#[derive(Debug, Deserialize)]
pub struct ErrorAnswer {
    #[serde(default)]
    error: Option<Problem>,
    #[serde(default)]
    id: Option<IgnoredAny>,
    #[serde(flatten)]
    top: ProblemFields,
}

impl ErrorAnswer {
    /// The error it carries, wherever it is.
    pub fn problem(self) -> Problem {
        match self.error {
            Some(problem) if !problem.is_empty() => problem,
            _ => self.top.into(),
        }
    }

    /// In a success answer, an `error` that is not a task's own (tasks carry
    /// theirs beside an `id`) says the request failed.
    pub fn refuses(&self) -> bool {
        self.id.is_none() && self.error.is_some()
    }
}

/// A field read when it has type `T`, and taken as absent otherwise.
fn loose<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        Expected(T),
        Other(IgnoredAny),
    }
    Ok(match Either::<T>::deserialize(deserializer)? {
        Either::Expected(value) => Some(value),
        Either::Other(_) => None,
    })
}

/// A scalar as text (`"x"`, `12`, `true`); anything else is absent.
fn scalar<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Number(serde_json::Number),
        Flag(bool),
        Other(IgnoredAny),
    }
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Text(text) => Some(text),
        Scalar::Number(number) => Some(number.to_string()),
        Scalar::Flag(flag) => Some(flag.to_string()),
        Scalar::Other(_) => None,
    })
}

/// Required text that may come as a number.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    scalar(deserializer)?.ok_or_else(|| serde::de::Error::custom("expected a string or a number"))
}

/// An empty JSON object: the body of `DELETE .../tasks/{id}`.
#[derive(Debug, Serialize)]
pub struct Empty {}
