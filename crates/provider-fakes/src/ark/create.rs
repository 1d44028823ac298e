//! The rules of `POST /contents/generations/tasks`: which keys exist, their
//! types and ranges, which content items each model takes, and how they may be
//! combined. A body that passes becomes a [`TaskSpec`]: the resolved settings
//! the task object reports and the usage it bills.
//!
//! The 1.x rules are the BytePlus Seedance skill's (seed 003), to the letter:
//! - `duration` is 4..=12 s on 1.5 pro and 2..=12 s on the 1.0 models; `-1`
//!   (the model chooses) exists on 1.5 pro only. The 2.0 models take 4..=15 s
//!   and `-1`, as the research notes found.
//! - 1.0 lite t2v takes text only; 1.0 pro fast takes a first frame but no
//!   last frame; 1.5 pro, 1.0 pro and 1.0 lite i2v take first + last frames;
//!   only 1.0 lite i2v takes reference images (1..=4), and it needs an image.
//! - A final video made from a draft is `content: [draft_task]` plus
//!   `resolution`: the draft already fixed the prompt, the length and the
//!   framing, so a text item, `duration`, `frames`, `ratio`, `seed` and
//!   `camera_fixed` are refused beside a `draft_task` item.
//!
//! Rules the seed and the notes leave open, decided here:
//! - `frames` (1.0 models only) must be 29..=289 and of the form 25 + 4n,
//!   as in the Ark docs for 1.0; it overrides `duration`.
//! - `priority` is an integer 0..=9 and `output_format` is `mp4` or `mov`, as
//!   third-party clients send them; `omni_reference_task_type` is any
//!   non-empty string (its values differ between sources).
//! - Seedance 2.0 mini (an id from a third-party catalogue) follows the 2.0
//!   fast rules: 480p or 720p, references like 2.0.
//! - Reference images: 1..=9 on the 2.0 models.
//! - `video_url` and `audio_url` items must say their role; only an image may
//!   leave it out, and only when it is the single image (then it is the first
//!   frame).
//! - A `draft_task` item also excludes image, video and audio items and
//!   `draft: true`; options that only deliver the result (`watermark`,
//!   `return_last_frame`, `service_tier`, ...) are taken beside it.
//! - Audio data URLs must sniff as WAV or MP3 and be at most 15 MB decoded;
//!   images at most 30 MB, sniffing as JPEG, PNG, WebP, BMP, GIF or TIFF.
//!   Pixel sizes are not checked (the 300..=6000 px rule of the real service
//!   would need a decoder for every format).

use base64::Engine as _;
use serde_json::Value;

use super::{ArkModel, ArkRegion, invalid, missing, model_not_found};
use crate::{
    fields::{Fields, Problem, is_http_url},
    media::sniff_image,
    server::ApiError,
};

/// Output frame rate of every Seedance model.
pub(super) const FRAMES_PER_SECOND: u64 = 24;
/// Accepted `service_tier` values.
pub(super) const SERVICE_TIERS: &[&str] = &["default", "flex"];

const TOP_LEVEL_KEYS: &[&str] = &[
    "model",
    "content",
    "callback_url",
    "return_last_frame",
    "service_tier",
    "execution_expires_after",
    "priority",
    "generate_audio",
    "draft",
    "camera_fixed",
    "watermark",
    "seed",
    "resolution",
    "ratio",
    "duration",
    "frames",
    "safety_identifier",
    "tools",
    "output_format",
    "omni_reference_task_type",
];
/// Every key a content item may carry; each type uses `type` and a subset.
const ITEM_KEYS: &[&str] = &[
    "type",
    "text",
    "image_url",
    "video_url",
    "audio_url",
    "draft_task",
    "role",
];
const RATIOS: &[&str] = &["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"];
const RESOLUTIONS: &[&str] = &["480p", "720p", "1080p", "4k"];
const OUTPUT_FORMATS: &[&str] = &["mp4", "mov"];
const DEFAULT_RESOLUTION: &str = "720p";
const DRAFT_RESOLUTION: &str = "480p";
const DEFAULT_RATIO: &str = "16:9";
const DEFAULT_DURATION: u64 = 5;
const EXPIRES_AFTER_RANGE: (i64, i64) = (3600, 259_200);
const DEFAULT_EXPIRES_AFTER: i64 = 172_800;
const SEED_RANGE: (i64, i64) = (-1, 4_294_967_295);
const PRIORITY_RANGE: (i64, i64) = (0, 9);
const V2_DURATION_RANGE: (i64, i64) = (4, 15);
const V15_PRO_DURATION_RANGE: (i64, i64) = (4, 12);
const V1_DURATION_RANGE: (i64, i64) = (2, 12);
/// `duration: -1`: the model chooses the length.
const MODEL_CHOOSES: i64 = -1;
const FRAMES_RANGE: (i64, i64) = (29, 289);
const MAX_SAFETY_IDENTIFIER_CHARS: usize = 64;
const MAX_IMAGE_BYTES: usize = 30 * 1024 * 1024;
const MAX_AUDIO_BYTES: usize = 15 * 1024 * 1024;
const MAX_REFERENCE_VIDEOS: usize = 3;
const MAX_REFERENCE_AUDIOS: usize = 3;

/// The settings a created task runs with (defaults filled in).
#[derive(Debug, Clone)]
pub(super) struct TaskSpec {
    pub(super) resolution: &'static str,
    /// As requested; `adaptive` included.
    pub(super) ratio: &'static str,
    /// Seconds; `-1` already resolved to the model's choice.
    pub(super) duration: u64,
    pub(super) frames: Option<u64>,
    /// As requested; `None` or `-1` means "pick one".
    pub(super) seed: Option<i64>,
    /// `None` for models without audio.
    pub(super) generate_audio: Option<bool>,
    pub(super) draft: bool,
    pub(super) draft_task_id: Option<String>,
    pub(super) service_tier: &'static str,
    pub(super) execution_expires_after: i64,
    pub(super) return_last_frame: bool,
    pub(super) priority: Option<i64>,
    pub(super) safety_identifier: Option<String>,
    pub(super) tools: Option<Value>,
    pub(super) output_format: Option<&'static str>,
}

impl TaskSpec {
    /// The ratio the output has: `adaptive` plays out as 16:9 here.
    pub(super) fn billed_ratio(&self) -> &'static str {
        if self.ratio == "adaptive" {
            DEFAULT_RATIO
        } else {
            self.ratio
        }
    }

    /// A final video keeps what its draft fixed: length, framing and the seed
    /// the draft ran with.
    pub(super) fn finish_draft(&mut self, draft: &Self, seed: i64) {
        self.duration = draft.duration;
        self.frames = draft.frames;
        self.ratio = draft.ratio;
        self.seed = Some(seed);
    }

    /// W × H × frames / 1024, with frames = 24 × duration + 1 unless `frames`
    /// was given. Confirmed on one real task: 5 s, 720p, 16:9 → 108 900.
    pub(super) fn usage_tokens(&self) -> u64 {
        let (width, height) = frame_size(self.resolution, self.billed_ratio());
        let frames = self.frames.unwrap_or(FRAMES_PER_SECOND * self.duration + 1);
        width * height * frames / 1024
    }
}

/// Output pixel sizes. Only 720p 16:9 (1280×720) is confirmed by a real bill;
/// the rest is an assumption taken from the project's research notes, with 4k
/// twice the 1080p sides.
fn frame_size(resolution: &str, ratio: &str) -> (u64, u64) {
    let p1080 = |ratio: &str| match ratio {
        "4:3" => (1664, 1248),
        "1:1" => (1440, 1440),
        "3:4" => (1248, 1664),
        "9:16" => (1080, 1920),
        "21:9" => (2206, 946),
        _ => (1920, 1080),
    };
    match resolution {
        "480p" => match ratio {
            "4:3" => (736, 544),
            "1:1" => (640, 640),
            "3:4" => (544, 736),
            "9:16" => (480, 864),
            "21:9" => (960, 416),
            _ => (864, 480),
        },
        "1080p" => p1080(ratio),
        "4k" => {
            let (width, height) = p1080(ratio);
            (width * 2, height * 2)
        }
        _ => match ratio {
            "4:3" => (1112, 834),
            "1:1" => (960, 960),
            "3:4" => (834, 1112),
            "9:16" => (720, 1280),
            "21:9" => (1470, 630),
            _ => (1280, 720),
        },
    }
}

/// A `draft_task` item, checked against the fake's tasks by the caller.
#[derive(Debug, Clone)]
pub(super) struct DraftSource {
    /// `content[i].draft_task.id`, for the error's `param`.
    pub(super) param: String,
    pub(super) id: String,
}

/// What a valid create request asks for.
#[derive(Debug)]
pub(super) struct Plan {
    pub(super) model: String,
    pub(super) spec: TaskSpec,
    pub(super) draft_source: Option<DraftSource>,
}

/// Validates a create body for `region`. The model is resolved before the
/// other fields are looked at, so an unknown model is a 404 whatever else
/// is wrong.
pub(super) fn plan(body: &[u8], region: ArkRegion) -> Result<Plan, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| invalid("", format!("The request body is not valid JSON: {error}.")))?;
    let Value::Object(map) = value else {
        return Err(invalid("", "The request body must be a JSON object."));
    };
    let fields = Fields::new(&map, words);
    fields.only(TOP_LEVEL_KEYS)?;
    let model = fields.required_string("model")?;
    let kind = region
        .resolve(model)
        .ok_or_else(|| model_not_found(model))?;
    let content = Content::parse(fields.get("content"))?;
    let options = Options::read(&fields)?;
    check_content(kind, &content, &options)?;
    check_options(kind, region, &content, &options)?;
    Ok(Plan {
        model: model.to_owned(),
        spec: options.into_spec(kind, &content),
        draft_source: content.draft.map(|(index, id)| DraftSource {
            param: format!("content[{index}].draft_task.id"),
            id,
        }),
    })
}

// ---------------------------------------------------------------------------
// The wording of refusals
// ---------------------------------------------------------------------------

/// Words refusals the Ark way: 400 `InvalidParameter` (or `MissingParameter`)
/// with `param` naming the field and a message quoting it in backticks.
fn words(key: &str, problem: Problem<'_>) -> ApiError {
    let message = match problem {
        Problem::Missing | Problem::MissingChoice(_) => return missing(key),
        Problem::Unknown { .. } => {
            format!("The parameter `{key}` specified in the request is not supported.")
        }
        Problem::NotString => format!("`{key}` must be a string."),
        Problem::NotBool(got) => format!("`{key}` must be true or false (got {got})."),
        Problem::NotInteger { got, .. } => format!("`{key}` must be an integer (got {got})."),
        Problem::OutOfRange { min, max, got } => {
            format!("`{key}` must be between {min} and {max} (got {got}).")
        }
        Problem::NotOneOf(allowed, got) => {
            format!("`{key}` must be one of {} (got {got}).", allowed.join(", "))
        }
        _ => format!("`{key}` must be a non-empty string."),
    };
    invalid(key, message)
}

/// Every integer Ark takes without a range of its own.
const ANY: (i64, i64) = (i64::MIN, i64::MAX);

// ---------------------------------------------------------------------------
// Content items
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    Image,
    Video,
    Audio,
}

impl Media {
    fn key(self) -> &'static str {
        match self {
            Self::Image => "image_url",
            Self::Video => "video_url",
            Self::Audio => "audio_url",
        }
    }

    fn roles(self) -> &'static [&'static str] {
        match self {
            Self::Image => &["first_frame", "last_frame", "reference_image"],
            Self::Video => &["reference_video"],
            Self::Audio => &["reference_audio"],
        }
    }
}

/// The items of `content`, sorted by what they do; each entry keeps its index
/// so errors can name `content[i]`.
#[derive(Debug, Default)]
struct Content {
    texts: Vec<usize>,
    /// Images without a role: allowed only as the single image.
    unroled_images: Vec<usize>,
    first_frames: Vec<usize>,
    last_frames: Vec<usize>,
    reference_images: Vec<usize>,
    reference_videos: Vec<usize>,
    reference_audios: Vec<usize>,
    draft: Option<(usize, String)>,
}

impl Content {
    fn parse(value: Option<&Value>) -> Result<Self, ApiError> {
        let value = value.ok_or_else(|| missing("content"))?;
        let items = value
            .as_array()
            .ok_or_else(|| invalid("content", "`content` must be an array of content items."))?;
        if items.is_empty() {
            return Err(invalid(
                "content",
                "`content` must not be empty: send at least a text item with the prompt.",
            ));
        }
        let mut content = Self::default();
        for (index, item) in items.iter().enumerate() {
            content.add(index, item)?;
        }
        Ok(content)
    }

    fn add(&mut self, index: usize, item: &Value) -> Result<(), ApiError> {
        let at = |key: &str| format!("content[{index}].{key}");
        let object = item.as_object().ok_or_else(|| {
            invalid(
                format!("content[{index}]"),
                "A content item must be a JSON object.",
            )
        })?;
        let fields = Fields::new(object, words);
        if let Some(key) = object.keys().find(|key| !ITEM_KEYS.contains(&key.as_str())) {
            return Err(invalid(
                at(key),
                format!("The content item key `{key}` is not supported."),
            ));
        }
        let kind = fields
            .required_string("type")
            .map_err(|error| error.param(at("type")))?;
        let used: &[&str] = match kind {
            "text" => &["type", "text"],
            "image_url" => &["type", "image_url", "role"],
            "video_url" => &["type", "video_url", "role"],
            "audio_url" => &["type", "audio_url", "role"],
            "draft_task" => &["type", "draft_task"],
            other => {
                return Err(invalid(
                    at("type"),
                    format!(
                        "Unknown content item type {other:?}; use text, image_url, video_url, \
                         audio_url or draft_task."
                    ),
                ));
            }
        };
        if let Some(key) = object
            .iter()
            .find(|(key, value)| !value.is_null() && !used.contains(&key.as_str()))
            .map(|(key, _)| key)
        {
            return Err(invalid(
                at(key),
                format!("A {kind} item cannot carry `{key}`."),
            ));
        }
        match kind {
            "text" => {
                let text = fields.get("text").ok_or_else(|| missing(&at("text")))?;
                if text.as_str().is_none_or(|text| text.trim().is_empty()) {
                    return Err(invalid(
                        at("text"),
                        "The text of a text item must be a non-empty string.",
                    ));
                }
                self.texts.push(index);
            }
            "draft_task" => {
                let id = draft_task_id(index, fields.get("draft_task"))?;
                if self.draft.is_some() {
                    return Err(invalid(
                        format!("content[{index}]"),
                        "Only one draft_task item is allowed.",
                    ));
                }
                self.draft = Some((index, id));
            }
            _ => {
                let media = match kind {
                    "image_url" => Media::Image,
                    "video_url" => Media::Video,
                    _ => Media::Audio,
                };
                check_media(index, media, fields.get(media.key()))?;
                self.add_media(index, media, &fields)?;
            }
        }
        Ok(())
    }

    fn add_media(
        &mut self,
        index: usize,
        media: Media,
        fields: &Fields<'_>,
    ) -> Result<(), ApiError> {
        let param = format!("content[{index}].role");
        let role = fields
            .string("role")
            .map_err(|error| error.param(param.clone()))?;
        let Some(role) = role else {
            if media == Media::Image {
                self.unroled_images.push(index);
                return Ok(());
            }
            return Err(missing(&param));
        };
        let list = match role {
            "first_frame" if media == Media::Image => &mut self.first_frames,
            "last_frame" if media == Media::Image => &mut self.last_frames,
            "reference_image" if media == Media::Image => &mut self.reference_images,
            "reference_video" if media == Media::Video => &mut self.reference_videos,
            "reference_audio" if media == Media::Audio => &mut self.reference_audios,
            other => {
                return Err(invalid(
                    param,
                    format!(
                        "The role {other:?} is not valid for a {} item; use {}.",
                        media.key(),
                        media.roles().join(" or ")
                    ),
                ));
            }
        };
        list.push(index);
        Ok(())
    }

    fn image_count(&self) -> usize {
        self.unroled_images.len()
            + self.first_frames.len()
            + self.last_frames.len()
            + self.reference_images.len()
    }

    /// First-frame mode: first/last frames, or a single image without a role.
    fn frame_items(&self) -> Vec<usize> {
        let mut items = [
            self.unroled_images.as_slice(),
            &self.first_frames,
            &self.last_frames,
        ]
        .concat();
        items.sort_unstable();
        items
    }

    fn reference_items(&self) -> Vec<usize> {
        let mut items = [
            self.reference_images.as_slice(),
            &self.reference_videos,
            &self.reference_audios,
        ]
        .concat();
        items.sort_unstable();
        items
    }
}

fn draft_task_id(index: usize, value: Option<&Value>) -> Result<String, ApiError> {
    let param = format!("content[{index}].draft_task.id");
    let object = value
        .ok_or_else(|| missing(&format!("content[{index}].draft_task")))?
        .as_object()
        .ok_or_else(|| {
            invalid(
                format!("content[{index}].draft_task"),
                "`draft_task` must be an object {\"id\": \"cgt-…\"}.",
            )
        })?;
    let fields = Fields::new(object, words);
    if let Some(key) = object.keys().find(|key| key.as_str() != "id") {
        return Err(invalid(
            format!("content[{index}].draft_task.{key}"),
            format!("`draft_task` takes only `id`, not `{key}`."),
        ));
    }
    let id = fields
        .required_string("id")
        .map_err(|error| error.param(param.clone()))?;
    if !id.starts_with("cgt-") {
        return Err(invalid(
            param,
            format!("{id:?} is not a task id (they look like cgt-20260514183217-t8rzv)."),
        ));
    }
    Ok(id.to_owned())
}

/// `{"url": U}` where U is an http(s) URL, an `asset://` id or (images and
/// audio only) a base64 data URL whose bytes really are that kind of media.
fn check_media(index: usize, media: Media, value: Option<&Value>) -> Result<(), ApiError> {
    let key = media.key();
    let object = value
        .ok_or_else(|| missing(&format!("content[{index}].{key}")))?
        .as_object()
        .ok_or_else(|| {
            invalid(
                format!("content[{index}].{key}"),
                format!("`{key}` must be an object {{\"url\": \"…\"}}."),
            )
        })?;
    if let Some(extra) = object.keys().find(|name| name.as_str() != "url") {
        return Err(invalid(
            format!("content[{index}].{key}.{extra}"),
            format!("`{key}` takes only `url`, not `{extra}`."),
        ));
    }
    let param = format!("content[{index}].{key}.url");
    let url = Fields::new(object, words)
        .required_string("url")
        .map_err(|error| error.param(param.clone()))?;
    if is_http_url(url) {
        return Ok(());
    }
    if url
        .strip_prefix("asset://")
        .is_some_and(|id| !id.is_empty())
    {
        return Ok(());
    }
    if let Some(data) = url.strip_prefix("data:") {
        return check_data_url(&param, media, data);
    }
    let expected = if media == Media::Video {
        "an http(s) URL or an asset:// id"
    } else {
        "an http(s) URL, an asset:// id or a data:<mime>;base64,<data> URL"
    };
    Err(invalid(param, format!("The {key} url must be {expected}.")))
}

fn check_data_url(param: &str, media: Media, data: &str) -> Result<(), ApiError> {
    let (family, limit, what) = match media {
        Media::Video => {
            return Err(invalid(
                param,
                "Videos cannot be sent as data URLs: pass an http(s) URL or an asset:// id.",
            ));
        }
        Media::Image => (
            "image/",
            MAX_IMAGE_BYTES,
            "an image (JPEG, PNG, WebP, BMP, GIF or TIFF)",
        ),
        Media::Audio => ("audio/", MAX_AUDIO_BYTES, "audio (WAV or MP3)"),
    };
    let Some((mime, payload)) = data.split_once(";base64,") else {
        return Err(invalid(
            param,
            "A data URL must look like data:<mime>;base64,<data>.",
        ));
    };
    if !mime.starts_with(family) || mime.len() == family.len() {
        return Err(invalid(
            param,
            format!("The data URL type {mime:?} is not {family}<format>."),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .map_err(|error| invalid(param, format!("The data URL is not valid base64: {error}.")))?;
    if bytes.len() > limit {
        return Err(invalid(
            param,
            format!(
                "The decoded data is {} bytes; the limit is {limit} bytes ({} MB).",
                bytes.len(),
                limit / (1024 * 1024)
            ),
        ));
    }
    let recognised = match media {
        Media::Image => sniff_image(&bytes).is_some() || is_tiff(&bytes),
        _ => is_wav_or_mp3(&bytes),
    };
    if !recognised {
        return Err(invalid(
            param,
            format!("The data URL does not contain {what}."),
        ));
    }
    Ok(())
}

/// Ark takes TIFF images, which the shared sniffer does not know.
fn is_tiff(bytes: &[u8]) -> bool {
    bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*")
}

/// WAV (`RIFF…WAVE`) or MP3 (an ID3 tag or an MPEG audio frame sync).
fn is_wav_or_mp3(bytes: &[u8]) -> bool {
    let wav = bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE");
    let id3 = bytes.starts_with(b"ID3");
    let frame_sync = matches!(bytes, [0xFF, second, ..] if second & 0xE0 == 0xE0);
    wav || id3 || frame_sync
}

// ---------------------------------------------------------------------------
// Top-level options
// ---------------------------------------------------------------------------

/// The optional top-level fields, type- and range-checked.
struct Options {
    return_last_frame: Option<bool>,
    service_tier: Option<&'static str>,
    execution_expires_after: Option<i64>,
    priority: Option<i64>,
    generate_audio: Option<bool>,
    draft: Option<bool>,
    camera_fixed: Option<bool>,
    seed: Option<i64>,
    resolution: Option<&'static str>,
    ratio: Option<&'static str>,
    duration: Option<i64>,
    frames: Option<i64>,
    safety_identifier: Option<String>,
    tools: Option<Value>,
    output_format: Option<&'static str>,
}

impl Options {
    fn read(fields: &Fields<'_>) -> Result<Self, ApiError> {
        if let Some(url) = fields.string("callback_url")?
            && !is_http_url(url)
        {
            return Err(invalid(
                "callback_url",
                "`callback_url` must be an http(s) URL.",
            ));
        }
        fields.boolean("watermark")?;
        if let Some(kind) = fields.string("omni_reference_task_type")?
            && kind.is_empty()
        {
            return Err(invalid(
                "omni_reference_task_type",
                "`omni_reference_task_type` must not be empty.",
            ));
        }
        let safety_identifier = fields.string("safety_identifier")?;
        if let Some(identifier) = safety_identifier {
            let length = identifier.chars().count();
            if length > MAX_SAFETY_IDENTIFIER_CHARS {
                return Err(invalid(
                    "safety_identifier",
                    format!(
                        "`safety_identifier` is {length} characters; at most \
                         {MAX_SAFETY_IDENTIFIER_CHARS} are allowed."
                    ),
                ));
            }
        }
        Ok(Self {
            return_last_frame: fields.boolean("return_last_frame")?,
            service_tier: fields.one_of("service_tier", SERVICE_TIERS)?,
            execution_expires_after: fields
                .integer("execution_expires_after", EXPIRES_AFTER_RANGE)?,
            priority: fields.integer("priority", PRIORITY_RANGE)?,
            generate_audio: fields.boolean("generate_audio")?,
            draft: fields.boolean("draft")?,
            camera_fixed: fields.boolean("camera_fixed")?,
            seed: fields.integer("seed", SEED_RANGE)?,
            resolution: fields.one_of("resolution", RESOLUTIONS)?,
            ratio: fields.one_of("ratio", RATIOS)?,
            duration: fields.integer("duration", ANY)?,
            frames: fields.integer("frames", ANY)?,
            safety_identifier: safety_identifier.map(str::to_owned),
            tools: read_tools(fields)?,
            output_format: fields.one_of("output_format", OUTPUT_FORMATS)?,
        })
    }

    fn draft(&self) -> bool {
        self.draft == Some(true)
    }

    fn into_spec(self, kind: ArkModel, content: &Content) -> TaskSpec {
        let frames = self.frames.and_then(|frames| u64::try_from(frames).ok());
        let duration = match (frames, self.duration) {
            (Some(frames), _) => frames / FRAMES_PER_SECOND,
            // -1 lets the model choose; the fake's model always picks 5 s.
            (None, Some(seconds)) => u64::try_from(seconds).unwrap_or(DEFAULT_DURATION),
            (None, None) => DEFAULT_DURATION,
        };
        let default_resolution = if self.draft() {
            DRAFT_RESOLUTION
        } else {
            DEFAULT_RESOLUTION
        };
        TaskSpec {
            resolution: self.resolution.unwrap_or(default_resolution),
            ratio: self.ratio.unwrap_or(DEFAULT_RATIO),
            duration,
            frames,
            seed: self.seed,
            generate_audio: has_audio(kind).then_some(self.generate_audio.unwrap_or(true)),
            draft: self.draft(),
            draft_task_id: content.draft.as_ref().map(|(_, id)| id.clone()),
            service_tier: self.service_tier.unwrap_or("default"),
            execution_expires_after: self
                .execution_expires_after
                .unwrap_or(DEFAULT_EXPIRES_AFTER),
            return_last_frame: self.return_last_frame == Some(true),
            priority: self.priority,
            safety_identifier: self.safety_identifier,
            tools: self.tools,
            output_format: self.output_format,
        }
    }
}

/// `tools` is a list of `{"type":"web_search"}` objects.
fn read_tools(fields: &Fields<'_>) -> Result<Option<Value>, ApiError> {
    let Some(value) = fields.get("tools") else {
        return Ok(None);
    };
    let valid = value.as_array().is_some_and(|tools| {
        tools.iter().all(|tool| {
            tool.as_object().is_some_and(|object| {
                object.len() == 1 && object.get("type") == Some(&Value::from("web_search"))
            })
        })
    });
    if !valid {
        return Err(invalid(
            "tools",
            "`tools` must be a list of {\"type\": \"web_search\"} objects.",
        ));
    }
    Ok(Some(value.clone()))
}

/// Models that render a soundtrack (and so take `generate_audio`).
fn has_audio(kind: ArkModel) -> bool {
    matches!(
        kind,
        ArkModel::Seedance2
            | ArkModel::Seedance2Fast
            | ArkModel::Seedance2Mini
            | ArkModel::Seedance15Pro
    )
}

// ---------------------------------------------------------------------------
// Rules across fields
// ---------------------------------------------------------------------------

fn item(index: usize) -> String {
    format!("content[{index}]")
}

fn role_of(index: usize) -> String {
    format!("content[{index}].role")
}

/// What the items may be for this model, and how they combine.
fn check_content(kind: ArkModel, content: &Content, options: &Options) -> Result<(), ApiError> {
    let name = kind.names().1;
    if !kind.is_v2()
        && let Some(&index) = content
            .reference_videos
            .iter()
            .chain(&content.reference_audios)
            .min()
    {
        return Err(invalid(
            item(index),
            format!(
                "Reference videos and audio are only supported by the Seedance 2.0 models, \
                     not {name}."
            ),
        ));
    }
    if let Some((index, _)) = &content.draft {
        if kind != ArkModel::Seedance15Pro {
            return Err(invalid(
                item(*index),
                format!("draft_task items are only supported by Seedance 1.5 pro, not {name}."),
            ));
        }
        let media = content
            .frame_items()
            .into_iter()
            .chain(content.reference_items())
            .min();
        if let Some(other) = media {
            return Err(invalid(
                item(other),
                "A draft_task item cannot be combined with image, video or audio items.",
            ));
        }
        if options.draft() {
            return Err(invalid(
                "draft",
                "A task made from a draft_task cannot itself be a draft.",
            ));
        }
        if let Some(&text) = content.texts.first() {
            return Err(invalid(
                item(text),
                "A video made from a draft_task takes no text item: the draft's prompt is kept. \
                 Send content: [draft_task] and, if wanted, resolution.",
            ));
        }
        // The draft fixed what the clip shows, how long it runs and its framing.
        let fixed = [
            ("duration", options.duration.is_some()),
            ("frames", options.frames.is_some()),
            ("ratio", options.ratio.is_some()),
            ("seed", options.seed.is_some()),
            ("camera_fixed", options.camera_fixed.is_some()),
        ];
        if let Some((key, _)) = fixed.into_iter().find(|(_, set)| *set) {
            return Err(invalid(
                key,
                format!(
                    "`{key}` cannot be set for a video made from a draft_task: the draft fixed \
                     it. Send content: [draft_task] and, if wanted, resolution."
                ),
            ));
        }
    }
    if content.texts.len() > 1 {
        return Err(invalid(
            item(content.texts[1]),
            "Only one text item is allowed: put the whole prompt in it.",
        ));
    }
    if content.texts.is_empty() && content.image_count() == 0 && content.draft.is_none() {
        return Err(invalid(
            "content",
            "A text item with the prompt is required unless the content has an image.",
        ));
    }
    check_images(kind, content)?;
    check_modes(content)
}

/// Per-model image support, and the single-image role rule.
fn check_images(kind: ArkModel, content: &Content) -> Result<(), ApiError> {
    let name = kind.names().1;
    if kind == ArkModel::Seedance10LiteT2v
        && let Some(&index) = content
            .frame_items()
            .iter()
            .chain(&content.reference_images)
            .min()
    {
        return Err(invalid(
            item(index),
            "Seedance 1.0 lite t2v is text-to-video only; use the i2v model for images.",
        ));
    }
    if kind == ArkModel::Seedance10ProFast
        && let Some(&index) = content.last_frames.first()
    {
        return Err(invalid(
            role_of(index),
            "Seedance 1.0 pro fast takes a first frame only, not a last frame; use Seedance \
             1.0 pro or 1.5 pro for first + last frames.",
        ));
    }
    if kind == ArkModel::Seedance10LiteI2v && content.image_count() == 0 {
        return Err(invalid(
            "content",
            "Seedance 1.0 lite i2v needs at least one image item.",
        ));
    }
    if let Some(&index) = content.unroled_images.first()
        && content.image_count() > 1
    {
        return Err(invalid(
            role_of(index),
            "Every image needs a role (first_frame, last_frame or reference_image) when \
                 more than one image is sent.",
        ));
    }
    let max_references = match kind {
        ArkModel::Seedance2 | ArkModel::Seedance2Fast | ArkModel::Seedance2Mini => 9,
        ArkModel::Seedance10LiteI2v => 4,
        _ => 0,
    };
    if max_references == 0
        && let Some(&index) = content.reference_images.first()
    {
        return Err(invalid(
            role_of(index),
            format!("{name} does not take reference images; use first_frame/last_frame."),
        ));
    }
    if let Some(&index) = content.reference_images.get(max_references) {
        return Err(invalid(
            role_of(index),
            format!(
                "At most {max_references} reference images are allowed for {name} (got {}).",
                content.reference_images.len()
            ),
        ));
    }
    Ok(())
}

/// First/last-frame mode and reference mode exclude each other.
fn check_modes(content: &Content) -> Result<(), ApiError> {
    let frames = content.frame_items();
    let references = content.reference_items();
    if let (Some(_), Some(&reference)) = (frames.first(), references.first()) {
        return Err(invalid(
            role_of(reference),
            "first_frame/last_frame images cannot be mixed with reference_image, \
             reference_video or reference_audio items: use one mode or the other.",
        ));
    }
    if let Some(&index) = content.first_frames.get(1) {
        return Err(invalid(
            role_of(index),
            "At most one first_frame image is allowed.",
        ));
    }
    if let Some(&index) = content.last_frames.get(1) {
        return Err(invalid(
            role_of(index),
            "At most one last_frame image is allowed.",
        ));
    }
    if let Some(&index) = content.last_frames.first()
        && content.first_frames.is_empty()
    {
        return Err(invalid(
            role_of(index),
            "A last_frame image needs a first_frame image too.",
        ));
    }
    if let Some(&index) = content.reference_videos.get(MAX_REFERENCE_VIDEOS) {
        return Err(invalid(
            item(index),
            format!(
                "At most {MAX_REFERENCE_VIDEOS} reference videos are allowed (got {}).",
                content.reference_videos.len()
            ),
        ));
    }
    if let Some(&index) = content.reference_audios.get(MAX_REFERENCE_AUDIOS) {
        return Err(invalid(
            item(index),
            format!(
                "At most {MAX_REFERENCE_AUDIOS} reference audio items are allowed (got {}).",
                content.reference_audios.len()
            ),
        ));
    }
    if let Some(&index) = content.reference_audios.first()
        && content.reference_images.is_empty()
        && content.reference_videos.is_empty()
    {
        return Err(invalid(
            item(index),
            "Reference audio cannot be sent alone: add a reference image or video.",
        ));
    }
    Ok(())
}

/// What each model supports among the top-level options.
fn check_options(
    kind: ArkModel,
    region: ArkRegion,
    content: &Content,
    options: &Options,
) -> Result<(), ApiError> {
    let name = kind.names().1;
    let flex = options.service_tier == Some("flex");
    match options.resolution {
        Some("4k") if !(kind == ArkModel::Seedance2 && region == ArkRegion::BytePlus) => {
            return Err(invalid(
                "resolution",
                format!(
                    "4k is only available for Seedance 2.0 on BytePlus ModelArk, not {name} here."
                ),
            ));
        }
        Some("1080p") if matches!(kind, ArkModel::Seedance2Fast | ArkModel::Seedance2Mini) => {
            return Err(invalid(
                "resolution",
                format!("{name} renders 480p or 720p only."),
            ));
        }
        _ => {}
    }
    check_duration(kind, options)?;
    if kind.is_v2() && flex {
        return Err(invalid(
            "service_tier",
            format!("{name} does not support service_tier flex."),
        ));
    }
    if options.draft() {
        if kind != ArkModel::Seedance15Pro {
            return Err(invalid(
                "draft",
                format!("Drafts are only supported by Seedance 1.5 pro, not {name}."),
            ));
        }
        if options
            .resolution
            .is_some_and(|resolution| resolution != DRAFT_RESOLUTION)
        {
            return Err(invalid("resolution", "A draft renders at 480p only."));
        }
        if options.return_last_frame == Some(true) {
            return Err(invalid(
                "return_last_frame",
                "A draft cannot return its last frame.",
            ));
        }
        if flex {
            return Err(invalid(
                "service_tier",
                "A draft cannot use service_tier flex.",
            ));
        }
    }
    if options.camera_fixed == Some(true) {
        if kind.is_v2() {
            return Err(invalid(
                "camera_fixed",
                format!("{name} does not support camera_fixed."),
            ));
        }
        if !content.reference_images.is_empty() {
            return Err(invalid(
                "camera_fixed",
                "camera_fixed is not supported with reference images.",
            ));
        }
    }
    if options.generate_audio == Some(true) && !has_audio(kind) {
        return Err(invalid(
            "generate_audio",
            format!(
                "{name} renders silent video; generate_audio is for the 2.0 models and 1.5 pro."
            ),
        ));
    }
    if options.tools.is_some() {
        if region != ArkRegion::Volcengine {
            return Err(invalid(
                "tools",
                "`tools` is only available on Volcengine Ark.",
            ));
        }
        if !kind.is_v2() {
            return Err(invalid(
                "tools",
                format!("`tools` is only supported by the Seedance 2.0 models, not {name}."),
            ));
        }
    }
    Ok(())
}

fn check_duration(kind: ArkModel, options: &Options) -> Result<(), ApiError> {
    let name = kind.names().1;
    if let Some(duration) = options.duration {
        let ((min, max), chooses) = match kind {
            _ if kind.is_v2() => (V2_DURATION_RANGE, true),
            ArkModel::Seedance15Pro => (V15_PRO_DURATION_RANGE, true),
            _ => (V1_DURATION_RANGE, false),
        };
        let model_decides = chooses && duration == MODEL_CHOOSES;
        if !model_decides && !(min..=max).contains(&duration) {
            let auto = if chooses {
                ", or -1 to let the model choose"
            } else {
                ""
            };
            return Err(invalid(
                "duration",
                format!(
                    "`duration` for {name} must be {min} to {max} seconds{auto} (got {duration})."
                ),
            ));
        }
    }
    if let Some(frames) = options.frames {
        if kind.is_v2() || kind == ArkModel::Seedance15Pro {
            return Err(invalid(
                "frames",
                format!("{name} does not support `frames`; use `duration`."),
            ));
        }
        let (min, max) = FRAMES_RANGE;
        if !(min..=max).contains(&frames) || (frames - 25) % 4 != 0 {
            return Err(invalid(
                "frames",
                format!("`frames` must be 25 + 4n between {min} and {max} (got {frames})."),
            ));
        }
    }
    Ok(())
}
