//! What a validated request asks a provider for: the model, the video or image
//! to make and its inputs, and the closed vocabularies (ratios, resolutions,
//! model names) every backend maps into its own wire words.
//!
//! Validation builds a [`GenerationRequest`] from the tool arguments; a backend
//! translates it, reading its own typed options from [`GenerationRequest::options`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProviderOptions;

/// How reference media are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Mix reference images, videos and audio freely.
    OmniReference,
    /// Animate from a first frame, optionally towards a last frame.
    FirstLastFrames,
}

/// A closed set of wire words as an enum: serde and the JSON schema use the
/// words, `parse` and `allowed` serve the messages of validation.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
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

pub(crate) use string_enum;

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
    /// Aspect ratio of the image models sized by ratio (gpt-image-2 takes them
    /// all; nano-banana-pro all but 2:1, 1:2, 3:1, 1:3 and 9:21).
    ImageRatio {
        /// Cinema wide.
        Wide21x9 = "21:9",
        /// Landscape 16:9.
        Landscape16x9 = "16:9",
        /// Landscape 4:3.
        Landscape4x3 = "4:3",
        /// Square.
        Square = "1:1",
        /// Portrait 3:4.
        Portrait3x4 = "3:4",
        /// Vertical 9:16.
        Portrait9x16 = "9:16",
        /// The model picks.
        Auto = "auto",
        /// Landscape 5:4.
        Landscape5x4 = "5:4",
        /// Portrait 4:5.
        Portrait4x5 = "4:5",
        /// Landscape 3:2.
        Landscape3x2 = "3:2",
        /// Portrait 2:3.
        Portrait2x3 = "2:3",
        /// Landscape 2:1.
        Landscape2x1 = "2:1",
        /// Portrait 1:2.
        Portrait1x2 = "1:2",
        /// Panorama 3:1.
        Landscape3x1 = "3:1",
        /// Tall 1:3.
        Portrait1x3 = "1:3",
        /// Tall 9:21.
        Tall9x21 = "9:21",
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
}

/// A validated image request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRequest {
    /// The prompt, trimmed.
    pub prompt: String,
    /// True when input images are given (edit / image-to-image).
    pub edit: bool,
    /// Aspect ratio (gpt-image-2, nano-banana-pro).
    pub ratio: Option<ImageRatio>,
    /// Resolution (gpt-image-2, nano-banana-pro).
    pub resolution: Option<Resolution>,
    /// Output size; `None` leaves the provider default.
    pub image_size: Option<ImageSize>,
    /// How many images, 1 to 6.
    pub num_images: u8,
    /// Images to edit.
    pub image_urls: Vec<String>,
}

/// Whether a request makes a video or still images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// A video clip.
    Video,
    /// One or more still images.
    Image,
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
    /// Options only some backends read, each typed by the backend that declares it.
    pub options: ProviderOptions,
}

/// Input of `upload_image`, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUpload {
    /// A URL the provider should fetch and re-host.
    Url(String),
    /// The image bytes.
    Bytes(Vec<u8>),
}

impl Generation {
    /// Video or images.
    pub fn kind(&self) -> OutputKind {
        match self {
            Self::Video(_) => OutputKind::Video,
            Self::Image(_) => OutputKind::Image,
        }
    }
}
