//! The xskill.ai v3 wire format: request bodies we send and the envelopes we accept.
//!
//! Answers are decoded leniently where the live API is known to vary (where a result
//! URL sits, a number sent as a string), strictly everywhere else.

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
/// decoded by the caller, which knows its type; `detail` is whatever a framework
/// error page put there, quoted as it came.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default, deserialize_with = "lenient_i64")]
    pub code: Option<i64>,
    #[serde(default, alias = "msg")]
    pub message: Option<String>,
    #[serde(default)]
    pub detail: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

/// `data` of a create answer.
#[derive(Debug, Deserialize)]
pub struct CreateData {
    pub task_id: String,
    #[serde(default)]
    pub status: Option<String>,
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
    pub result: Option<ResultBlock>,
    #[serde(default)]
    pub output: Option<Output>,
    #[serde(default)]
    pub error: Option<ErrorText>,
    #[serde(default)]
    pub progress: Option<Progress>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub price: Option<f64>,
}

/// `data.result`.
#[derive(Debug, Deserialize)]
pub struct ResultBlock {
    #[serde(default)]
    pub output: Option<Output>,
}

/// Where result URLs sit; the live API has used all of these.
#[derive(Debug, Default, Deserialize)]
pub struct Output {
    #[serde(default)]
    pub images: Vec<UrlItem>,
    #[serde(default)]
    pub videos: Vec<UrlItem>,
    #[serde(default)]
    pub video_url: Option<String>,
}

impl Output {
    /// Every URL, videos first, without duplicates.
    pub fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        let all = self
            .video_url
            .iter()
            .cloned()
            .chain(self.videos.iter().map(UrlItem::url))
            .chain(self.images.iter().map(UrlItem::url));
        for url in all {
            if !url.is_empty() && !urls.contains(&url) {
                urls.push(url);
            }
        }
        urls
    }
}

/// A result entry: a bare URL or an object with `url`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum UrlItem {
    Bare(String),
    Object { url: String },
}

impl UrlItem {
    fn url(&self) -> String {
        match self {
            Self::Bare(url) | Self::Object { url } => url.clone(),
        }
    }
}

/// `data.error`: a string, or an object with a message.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorText {
    Text(String),
    Object {
        #[serde(default, alias = "msg")]
        message: Option<String>,
        #[serde(default, deserialize_with = "lenient_string")]
        code: Option<String>,
    },
}

/// `data.progress` while processing.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Progress {
    Stage {
        #[serde(default)]
        stage: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
    Percent(f64),
    Text(String),
}

impl Progress {
    /// Human words for the progress, if any.
    pub fn describe(&self) -> Option<String> {
        match self {
            Self::Stage { stage, message } => message.clone().or_else(|| stage.clone()),
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

fn lenient_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<NumberOrText>::deserialize(d)? {
        Some(NumberOrText::Number(n)) => Some(n),
        Some(NumberOrText::Text(t)) => t.trim().parse().ok(),
        None => None,
    })
}

fn lenient_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[allow(clippy::cast_possible_truncation)]
    Ok(lenient_f64(d)?.map(|n| n as i64))
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<NumberOrText>::deserialize(d)? {
        Some(NumberOrText::Number(n)) => Some(n.to_string()),
        Some(NumberOrText::Text(t)) => Some(t),
        None => None,
    })
}
