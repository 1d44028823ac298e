//! The xskill.ai v3 wire format: request bodies we send and the envelopes we accept.
//!
//! Answers are decoded leniently: where the live API is known to vary (where a
//! result URL sits, a number sent as a string) and wherever the guide is silent
//! (error bodies, optional fields of an odd type). Only what an answer cannot
//! do without (a created task's id, a task's status) is required.

use serde::{Deserialize, Serialize};

/// Model id of Seedance 2.0 on xskill.
pub const SEEDANCE_MODEL: &str = "st-ai/super-seed2";
/// Model id of Seedream 4.5 text to image.
pub const SEEDREAM_TEXT_MODEL: &str = "fal-ai/bytedance/seedream/v4.5/text-to-image";
/// Model id of Seedream 4.5 edit.
pub const SEEDREAM_EDIT_MODEL: &str = "fal-ai/bytedance/seedream/v4.5/edit";

/// `POST /api/v3/tasks/create`.
#[derive(Debug, Serialize)]
pub struct CreateBody<'a> {
    pub model: &'a str,
    pub params: CreateParams<'a>,
}

/// The model-specific `params`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CreateParams<'a> {
    Seedance(SeedanceParams<'a>),
    Seedream(SeedreamParams<'a>),
}

/// Seedance 2.0 parameters (field names are the provider's).
#[derive(Debug, Serialize)]
pub struct SeedanceParams<'a> {
    pub model: &'a str,
    pub prompt: &'a str,
    #[serde(rename = "functionMode")]
    pub function_mode: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_files: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub video_files: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub audio_files: &'a [String],
    #[serde(rename = "filePaths", skip_serializing_if = "Vec::is_empty")]
    pub file_paths: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<&'a str>,
    pub duration: u8,
}

/// Seedream 4.5 parameters.
#[derive(Debug, Serialize)]
pub struct SeedreamParams<'a> {
    pub prompt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_size: Option<&'a str>,
    pub num_images: u8,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub image_urls: &'a [String],
}

/// `POST /api/v3/tasks/query`.
#[derive(Debug, Serialize)]
pub struct QueryBody<'a> {
    pub task_id: &'a str,
}

/// `POST /api/v3/upload/image`: exactly one field.
#[derive(Debug, Serialize)]
pub struct UploadBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_data: Option<String>,
}

/// Every answer: `{code, message, data}`; `code` 200 means success. `data` is
/// decoded by the caller, which knows its type. The guide shows only successes,
/// so an error may carry its words under `message`, `msg`, `detail` or `error`,
/// each a string, a number, an object or a list; any field may be missing or of
/// another type without the envelope failing to decode.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub code: Lenient<Code>,
    #[serde(default)]
    pub success: Lenient<bool>,
    #[serde(default)]
    pub message: Option<Said>,
    #[serde(default)]
    pub msg: Option<Said>,
    #[serde(default)]
    pub detail: Option<Said>,
    #[serde(default)]
    pub error: Option<Said>,
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

impl Envelope {
    /// The answer's words: the first of `message`, `msg`, `detail`, `error` that says something.
    pub fn words(&self) -> Option<String> {
        [&self.message, &self.msg, &self.detail, &self.error]
            .into_iter()
            .flatten()
            .find_map(Said::words)
    }

    /// The provider's own error code: the envelope's, else one inside `error` or `detail`.
    pub fn code_text(&self) -> Option<String> {
        self.code.get().and_then(Code::text).or_else(|| {
            [&self.error, &self.detail]
                .into_iter()
                .flatten()
                .find_map(Said::code)
        })
    }
}

impl Envelope {
    /// Reads an answer body. Only a JSON object is an envelope: a derived struct
    /// would also take an array as its fields in order.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = Envelope;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Envelope, A::Error> {
                Envelope::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        let mut reader = serde_json::Deserializer::from_slice(body);
        let envelope = serde::Deserializer::deserialize_map(&mut reader, ObjectOnly)?;
        reader.end()?;
        Ok(envelope)
    }
}

/// An error code: a number, or text (which may hold a number).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Code {
    Number(serde_json::Number),
    Text(String),
}

impl Code {
    /// The code as a number, when it is one.
    pub fn number(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64().or_else(|| {
                #[allow(clippy::cast_possible_truncation)]
                n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)
            }),
            Self::Text(t) => t.trim().parse().ok(),
        }
    }

    /// The code as written, when it says anything.
    pub fn text(&self) -> Option<String> {
        match self {
            Self::Number(n) => Some(n.to_string()),
            Self::Text(t) => Some(t.trim().to_owned()).filter(|t| !t.is_empty()),
        }
    }
}

/// What a provider said about an error: a string, a number, an object holding
/// the words under one of the usual keys (with perhaps a code), or a list of
/// those (a validation framework's `detail`). Anything else says nothing.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Said {
    Text(String),
    Number(serde_json::Number),
    List(Vec<Said>),
    Object(Box<SaidObject>),
    Other(serde::de::IgnoredAny),
}

/// An error object's members we read; the rest are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct SaidObject {
    #[serde(default)]
    message: Option<Said>,
    #[serde(default)]
    msg: Option<Said>,
    #[serde(default)]
    detail: Option<Said>,
    #[serde(default)]
    error: Option<Said>,
    #[serde(default)]
    code: Lenient<Code>,
}

impl Said {
    /// The words, when there are any.
    pub fn words(&self) -> Option<String> {
        match self {
            Self::Text(t) => Some(t.trim().to_owned()).filter(|t| !t.is_empty()),
            Self::Number(n) => Some(n.to_string()),
            Self::List(items) => {
                let all: Vec<String> = items.iter().filter_map(Self::words).collect();
                (!all.is_empty()).then(|| all.join("; "))
            }
            Self::Object(o) => [&o.message, &o.msg, &o.detail, &o.error]
                .into_iter()
                .flatten()
                .find_map(Self::words),
            Self::Other(_) => None,
        }
    }

    /// A code inside: an object's `code` (or its `error`'s), or a bare number.
    pub fn code(&self) -> Option<String> {
        match self {
            Self::Number(n) => Some(n.to_string()),
            Self::Object(o) => o
                .code
                .get()
                .and_then(Code::text)
                .or_else(|| o.error.as_ref().and_then(Self::code)),
            _ => None,
        }
    }
}

/// A field read when it has the expected shape and taken as absent otherwise:
/// where the guide is silent, an odd value must not sink the whole answer.
#[derive(Debug, Clone)]
pub struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> Lenient<T> {
    /// The value, when it had the expected shape.
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }

    /// The value, when it had the expected shape.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape<T> {
            Expected(T),
            Other(serde::de::IgnoredAny),
        }
        Ok(Self(match Option::<Shape<T>>::deserialize(d)? {
            Some(Shape::Expected(value)) => Some(value),
            _ => None,
        }))
    }
}

/// `data` of a create answer. The task id is the one thing it must hold (a
/// number is taken as its digits).
#[derive(Debug, Deserialize)]
pub struct CreateData {
    #[serde(deserialize_with = "id_text")]
    pub task_id: String,
    #[serde(default)]
    pub status: Lenient<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub price: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub balance: Option<f64>,
}

/// `data` of a query answer.
#[derive(Debug, Deserialize)]
pub struct QueryData {
    pub status: String,
    #[serde(default)]
    pub result: Lenient<ResultBlock>,
    #[serde(default)]
    pub output: Lenient<Output>,
    #[serde(default)]
    pub error: Option<Said>,
    #[serde(default)]
    pub progress: Lenient<Progress>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub price: Option<f64>,
}

/// `data.result`.
#[derive(Debug, Deserialize)]
pub struct ResultBlock {
    #[serde(default)]
    pub output: Lenient<Output>,
}

/// Where result URLs sit; the live API has used all of these.
#[derive(Debug, Default, Deserialize)]
pub struct Output {
    #[serde(default)]
    pub images: Lenient<Vec<UrlItem>>,
    #[serde(default)]
    pub videos: Lenient<Vec<UrlItem>>,
    #[serde(default)]
    pub video_url: Lenient<String>,
}

impl Output {
    /// Every URL, videos first, without duplicates.
    pub fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        let list = |items: &Lenient<Vec<UrlItem>>| {
            items
                .get()
                .into_iter()
                .flatten()
                .filter_map(UrlItem::url)
                .collect::<Vec<_>>()
        };
        let all = self
            .video_url
            .get()
            .cloned()
            .into_iter()
            .chain(list(&self.videos))
            .chain(list(&self.images));
        for url in all {
            if !url.is_empty() && !urls.contains(&url) {
                urls.push(url);
            }
        }
        urls
    }
}

/// A result entry: a bare URL or an object with `url`; anything else is skipped.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum UrlItem {
    Bare(String),
    Object { url: String },
    Other(serde::de::IgnoredAny),
}

impl UrlItem {
    fn url(&self) -> Option<String> {
        match self {
            Self::Bare(url) | Self::Object { url } => Some(url.clone()),
            Self::Other(_) => None,
        }
    }
}

/// `data.progress` while processing.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Progress {
    Stage {
        #[serde(default)]
        stage: Lenient<String>,
        #[serde(default)]
        message: Lenient<String>,
    },
    Percent(f64),
    Text(String),
}

impl Progress {
    /// Human words for the progress, if any.
    pub fn describe(&self) -> Option<String> {
        match self {
            Self::Stage { stage, message } => message.get().or(stage.get()).cloned(),
            Self::Percent(p) => Some(format!("{p:.0}%")),
            Self::Text(t) => Some(t.clone()).filter(|t| !t.is_empty()),
        }
    }
}

/// `data` of a balance answer: a number or an object holding one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum BalanceData {
    Number(f64),
    Object {
        #[serde(
            default,
            deserialize_with = "lenient_f64",
            alias = "credits",
            alias = "points"
        )]
        balance: Option<f64>,
    },
}

/// `data` of an upload answer: a URL string or an object holding one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum UploadData {
    Url(String),
    Object {
        #[serde(default, alias = "image_url", alias = "file_url")]
        url: Option<String>,
    },
}

/// A number that may arrive as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

/// A number, or a string holding one; any other value counts as absent.
fn lenient_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(
        match Lenient::<NumberOrText>::deserialize(d)?.into_inner() {
            Some(NumberOrText::Number(n)) => Some(n),
            Some(NumberOrText::Text(t)) => t.trim().parse().ok(),
            None => None,
        },
    )
}

/// An id sent as a string or as a number.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Code::deserialize(d)? {
        Code::Number(n) => Ok(n.to_string()),
        Code::Text(t) => Ok(t),
    }
}
