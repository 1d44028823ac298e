//! What a caller asks for: the typed `submit_task` arguments and the validated
//! request that providers translate into their wire formats.
//!
//! [`SubmitTaskParams`] is the public schema (MCP tool input and CLI flags alike).
//! Enum-like fields are received as strings and checked in [`crate::validate`], so a
//! wrong value gets a message that names the field and the allowed values instead
//! of a bare deserialisation error; their JSON schemas still list the values.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    /// Reference audio (URL or path; mp3/wav, 2-15 s), at most 3, only beside an
    /// image or video; @audio_file_N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 3))]
    #[arg(long = "audio-file")]
    pub audio_files: Vec<String>,
    /// Opening frame image, URL or path (`first_last_frames`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub first_frame: Option<String>,
    /// Closing frame image, URL or path (`first_last_frames`, with `first_frame`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub last_frame: Option<String>,
    /// Aspect ratio of the video (default 16:9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Ratio>")]
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
    /// true: pay again for a request identical to one from the last 30 minutes
    /// (otherwise refused as an accidental duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub resubmit: Option<bool>,
    /// seedance2ai.io: `standard` (default), `real` or `wild`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Channel>")]
    #[arg(long)]
    pub channel: Option<String>,
    /// true: validate and return the exact request, its cost and the balance;
    /// nothing is sent or paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub dry_run: Option<bool>,
    /// The estimate a `spend_limit` refusal quoted, once the user accepts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub confirm_cost: Option<f64>,
}

/// Options only BytePlus ModelArk / Volcengine Ark understand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ArkOptions {
    /// `flex`: cheaper and slower (not for Seedance 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ServiceTier>")]
    #[arg(long)]
    pub service_tier: Option<String>,
    /// Seconds before the task expires, 3600 to 259200 (default 172800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 3600, max = 259_200))]
    #[arg(long)]
    pub execution_expires_after: Option<i64>,
    /// A cheap 480p draft first (Seedance 1.5 pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub draft: Option<bool>,
    /// Finalise this succeeded draft (Seedance 1.5 pro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub draft_task_id: Option<String>,
}

/// How reference media are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Mix reference images, videos and audio freely.
    OmniReference,
    /// Animate from a first frame, optionally towards a last frame.
    FirstLastFrames,
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The value as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Parses the wire spelling.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
            /// The allowed values, for error messages.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

string_enum! {
    /// Output aspect ratio.
    Ratio {
        /// Cinema wide.
        Wide21x9 = "21:9",
        /// Landscape (YouTube, TV).
        Landscape16x9 = "16:9",
        /// Classic landscape.
        Landscape4x3 = "4:3",
        /// Square.
        Square = "1:1",
        /// Classic portrait.
        Portrait3x4 = "3:4",
        /// Vertical (TikTok, Reels, Shorts).
        Portrait9x16 = "9:16",
        /// The provider picks from the inputs (not every provider has it).
        Adaptive = "adaptive",
    }
}

string_enum! {
    /// Output size of the Seedream image models.
    ImageSize {
        /// Automatic, about 2K.
        Auto2K = "auto_2K",
        /// Automatic, about 4K.
        Auto4K = "auto_4K",
        /// Square, high definition.
        SquareHd = "square_hd",
        /// Portrait 3:4.
        Portrait4x3 = "portrait_4_3",
        /// Portrait 9:16.
        Portrait16x9 = "portrait_16_9",
        /// Landscape 4:3.
        Landscape4x3 = "landscape_4_3",
        /// Landscape 16:9.
        Landscape16x9 = "landscape_16_9",
    }
}

string_enum! {
    /// The models we know by a portable name; each provider maps the ones it has.
    KnownModel {
        /// Seedance 2.0 fast.
        SeedanceFast = "seedance-2.0-fast",
        /// Seedance 2.0 standard.
        Seedance = "seedance-2.0",
        /// Seedance 2.0 mini (cheapest; Ark and seedance2ai.io).
        SeedanceMini = "seedance-2.0-mini",
        /// Seedream 4.5 text to image.
        SeedreamText = "seedream-4.5",
        /// Seedream 4.5 image edit.
        SeedreamEdit = "seedream-4.5-edit",
        /// GPT Image 2 (seedance2ai.io).
        GptImage2 = "gpt-image-2",
        /// Nano Banana Pro (seedance2ai.io).
        NanoBananaPro = "nano-banana-pro",
    }
}

impl KnownModel {
    /// True for the models that make still images.
    pub fn makes_images(self) -> bool {
        matches!(
            self,
            Self::SeedreamText | Self::SeedreamEdit | Self::GptImage2 | Self::NanoBananaPro
        )
    }
}

string_enum! {
    /// Output resolution.
    Resolution {
        /// Video 480p.
        P480 = "480p",
        /// Video 720p.
        P720 = "720p",
        /// Video 1080p.
        P1080 = "1080p",
        /// Video 1080p, enhanced (seedance2ai.io pro).
        P1080Plus = "1080p-plus",
        /// Video 4K.
        Uhd4k = "4k",
        /// Image about 1K.
        Image1K = "1K",
        /// Image about 2K.
        Image2K = "2K",
        /// Image about 4K.
        Image4K = "4K",
    }
}

impl Resolution {
    /// True for the image resolutions.
    pub fn is_image(self) -> bool {
        matches!(self, Self::Image1K | Self::Image2K | Self::Image4K)
    }
}

string_enum! {
    /// Ark service tier.
    ServiceTier {
        /// Normal queue.
        Default = "default",
        /// Cheaper, slower queue.
        Flex = "flex",
    }
}

string_enum! {
    /// seedance2ai.io generation channel.
    Channel {
        /// The default channel.
        Standard = "standard",
        /// The channel for realistic output (no seed).
        Real = "real",
        /// The permissive channel.
        Wild = "wild",
    }
}

/// Which model to run, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    /// One of our portable names.
    Known(KnownModel),
    /// A provider-native id, passed through as given.
    Native(String),
}

/// Seedance quality tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoTier {
    /// `seedance-2.0-fast`.
    Fast,
    /// `seedance-2.0`.
    Standard,
    /// `seedance-2.0-mini`.
    Mini,
}

/// Where the reference media of a video go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoInputs {
    /// Omni reference: up to 9 images, 3 videos, 3 audio clips.
    Omni {
        /// Reference images (@image_file_N).
        images: Vec<String>,
        /// Reference videos (@video_file_N).
        videos: Vec<String>,
        /// Reference audio (@audio_file_N).
        audios: Vec<String>,
    },
    /// First/last frame animation; both absent is plain text to video.
    Frames {
        /// The opening frame.
        first: Option<String>,
        /// The closing frame (only with `first`).
        last: Option<String>,
    },
}

impl VideoInputs {
    /// True when reference videos are given (providers price those higher).
    pub fn has_video(&self) -> bool {
        matches!(self, Self::Omni { videos, .. } if !videos.is_empty())
    }

    /// True when reference audio is given.
    pub fn has_audio(&self) -> bool {
        matches!(self, Self::Omni { audios, .. } if !audios.is_empty())
    }
}

/// A validated video request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoRequest {
    /// The prompt, trimmed.
    pub prompt: String,
    /// Quality tier (ignored for native model ids, which name their own).
    pub tier: VideoTier,
    /// Reference media.
    pub inputs: VideoInputs,
    /// Aspect ratio; `None` leaves the provider default (16:9).
    pub ratio: Option<Ratio>,
    /// Seconds, 4 to 15.
    pub duration: u8,
    /// Output resolution; `None` leaves the provider default.
    pub resolution: Option<Resolution>,
    /// Sound on or off; `None` leaves the provider default.
    pub generate_audio: Option<bool>,
    /// Seed, -1 to 4294967295.
    pub seed: Option<i64>,
    /// Still camera.
    pub camera_fixed: Option<bool>,
    /// Return the last frame too.
    pub return_last_frame: bool,
    /// Provider watermark.
    pub watermark: Option<bool>,
    /// Ark-only options, validated.
    pub ark: ArkSettings,
    /// seedance2ai.io channel.
    pub channel: Option<Channel>,
}

/// Validated Ark-only options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArkSettings {
    /// Service tier.
    pub service_tier: Option<ServiceTier>,
    /// Expiry in seconds.
    pub execution_expires_after: Option<u32>,
    /// Draft mode.
    pub draft: bool,
    /// The draft to finalise.
    pub draft_task_id: Option<String>,
}

impl ArkSettings {
    /// True when any option is set.
    pub fn is_set(&self) -> bool {
        *self != Self::default()
    }
}

/// A validated image request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRequest {
    /// The prompt, trimmed.
    pub prompt: String,
    /// True when input images are given (edit / image-to-image).
    pub edit: bool,
    /// Aspect ratio (gpt-image-2, nano-banana-pro).
    pub ratio: Option<Ratio>,
    /// Resolution (gpt-image-2, nano-banana-pro).
    pub resolution: Option<Resolution>,
    /// Output size; `None` leaves the provider default.
    pub image_size: Option<ImageSize>,
    /// How many images, 1 to 6.
    pub num_images: u8,
    /// Images to edit.
    pub image_urls: Vec<String>,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generation {
    /// A Seedance video.
    Video(VideoRequest),
    /// Seedream images.
    Image(ImageRequest),
}

/// A request that passed validation and may be sent to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationRequest {
    /// The model as the caller named it.
    pub model: ModelChoice,
    /// What to make.
    pub generation: Generation,
}

/// Input of `upload_image`, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUpload {
    /// A URL the provider should fetch and re-host.
    Url(String),
    /// The image bytes.
    Bytes(Vec<u8>),
}
