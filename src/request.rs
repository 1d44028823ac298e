//! What a caller asks for: the typed `submit_task` arguments, the one public
//! schema shared by the MCP tool input and the CLI flags.
//!
//! Enum-like fields are received as strings and checked by validation, so a wrong
//! value gets a message that names the field and the allowed values instead of a
//! bare deserialisation error; their JSON schemas still list the values. Options
//! that only one backend reads are typed by that backend (`providers::<name>::options`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{ImageRatio, ImageSize, Mode, Ratio, Resolution},
    providers::{
        ark::options::ArkOptions,
        seedance2ai::options::{Channel, OutputFormat},
    },
};

/// Arguments of `submit_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct SubmitTaskParams {
    /// What to make. Timed shots as lines `0-3s: slow push in`, from 0 to `duration`.
    /// Inputs are @image_file_N, @video_file_N, @audio_file_N (the Nth of each list).
    #[arg(long)]
    pub prompt: String,
    /// `seedance-2.0-fast` (default), `seedance-2.0` (best, ~2x price), `seedream-4.5`
    /// (image), `seedream-4.5-edit` (edits `image_urls`), or a provider's own model id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub model: Option<String>,
    /// `omni_reference` (default: any references) or `first_last_frames` (animate
    /// `first_frame`, optionally to `last_frame`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Mode>")]
    #[arg(long)]
    pub mode: Option<String>,
    /// Reference images (URL or local path), at most 9; the Nth is @image_file_N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 9))]
    #[arg(long = "image-file")]
    pub image_files: Vec<String>,
    /// Reference videos (URL or path; mp4/mov, 2-15 s, 15 s in all), at most 3; @video_file_N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 3))]
    #[arg(long = "video-file")]
    pub video_files: Vec<String>,
    /// Reference audio (URL or path; mp3/wav, 2-15 s), at most 3; @audio_file_N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 3))]
    #[arg(long = "audio-file")]
    pub audio_files: Vec<String>,
    /// Opening frame, URL or path (`first_last_frames`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub first_frame: Option<String>,
    /// Closing frame, URL or path (`first_last_frames`, with `first_frame`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub last_frame: Option<String>,
    /// Aspect ratio (default 16:9); after `adaptive`: images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "ratio_schema")]
    #[arg(long)]
    pub ratio: Option<String>,
    /// Seconds, 4 to 15 (default 5); the price grows with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 4, max = 15))]
    #[arg(long)]
    pub duration: Option<i64>,
    /// Image models: output size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ImageSize>")]
    #[arg(long)]
    pub image_size: Option<String>,
    /// Image models: how many, 1 to 6 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 6))]
    #[arg(long)]
    pub num_images: Option<i64>,
    /// `seedream-4.5-edit`: the images to edit, 1 to 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 10))]
    #[arg(long = "image-url")]
    pub image_urls: Vec<String>,
    /// Where offered: video 480p to 4k (default 720p); gpt-image-2 and
    /// nano-banana-pro 1K to 4K.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Resolution>")]
    #[arg(long)]
    pub resolution: Option<String>,
    /// Generate sound (default true where offered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub generate_audio: Option<bool>,
    /// For repeatable results: -1 (random) to 4294967295.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1, max = 4_294_967_295_i64))]
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<i64>,
    /// Keep the camera still.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub camera_fixed: Option<bool>,
    /// Also return the last frame, to start the next clip from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub return_last_frame: Option<bool>,
    /// Provider watermark (Ark; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub watermark: Option<bool>,
    /// Options only BytePlus ModelArk / Volcengine Ark understand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[command(flatten)]
    pub ark: Option<ArkOptions>,
    /// true: pay again for a request identical to one of the last 30 minutes
    /// (else refused as a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub resubmit: Option<bool>,
    /// seedance2ai.io (default `standard`); `real`/`wild` video, `economy` gpt-image-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Channel>")]
    #[arg(long)]
    pub channel: Option<String>,
    /// nano-banana-pro (default png).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<OutputFormat>")]
    #[arg(long)]
    pub output_format: Option<String>,
    /// true: validate and show the exact request, its cost and the balance;
    /// nothing is sent or paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub dry_run: Option<bool>,
    /// The estimate a `spend_limit` refusal quoted, once the user accepts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub confirm_cost: Option<f64>,
}

/// The schema of `ratio`: the video ratios, then the image models' others.
fn ratio_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut words: Vec<&str> = Ratio::ALL.iter().map(|r| r.as_str()).collect();
    for extra in ImageRatio::ALL.iter().map(|r| r.as_str()) {
        if !words.contains(&extra) {
            words.push(extra);
        }
    }
    schemars::json_schema!({ "type": "string", "enum": words })
}
