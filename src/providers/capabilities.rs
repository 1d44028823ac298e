//! What each backend can do, declared as data, and the one check that refuses a
//! request needing something the backend lacks, before anything is sent.
//!
//! Finer rules that depend on the model (Seedance 2.0 fast has no 1080p, ...) stay
//! in the backend's own request builder, which also runs before sending.

use crate::{
    domain::{
        Generation, GenerationRequest, KnownModel, ModelChoice, ProviderId, ProviderOptions, Ratio,
        Resolution, VideoInputs, VideoRequest,
    },
    error::ProviderError,
};

/// Where `get_balance` gets its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceSource {
    /// A balance endpoint.
    Endpoint,
    /// Only create answers carry it: the last one seen is reported.
    LastSeen,
    /// Not available at all.
    Unavailable,
}

/// Which media references the provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRules {
    /// Inline `data:` URLs.
    pub data_urls: bool,
    /// `asset://` ids of the provider's asset library.
    pub asset_ids: bool,
    /// Plain `http://` (not only https).
    pub plain_http: bool,
    /// How files from this machine (and `data:` URLs) reach it.
    pub local: LocalFiles,
}

/// How a provider receives media that are not URLs it can fetch: files on this
/// machine and `data:` URLs. Every form is checked by content first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFiles {
    /// Inside the create request as base64 `data:` URLs (Ark): images and audio;
    /// videos only travel as URLs there.
    Inline,
    /// Images go through the provider's upload endpoint first (xskill), cached by
    /// content; `urls`: that endpoint also fetches URLs itself.
    Upload {
        /// The upload endpoint takes URLs (else the server fetches them, guarded).
        urls: bool,
    },
    /// Checked, never sent: the simulator renders placeholders.
    Simulated,
    /// Not at all: the provider fetches every medium from a public https URL.
    Refused,
}

/// A backend's abilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The built-in simulator: free, offline, placeholder results.
    pub simulated: bool,
    /// The provider-only option groups it reads, by their `submit_task` argument
    /// (`ark`, `channel`); any other group is refused before sending.
    pub options: &'static [&'static str],
    /// Portable model names it maps to its own models.
    pub models: &'static [KnownModel],
    /// Hosts images (`upload_image`).
    pub upload: bool,
    /// Where the balance comes from.
    pub balance: BalanceSource,
    /// Lists past tasks.
    pub list: bool,
    /// Cancels queued tasks.
    pub cancel: bool,
    /// Returns the last frame on request.
    pub last_frame: bool,
    /// Lets the caller switch generated sound on or off.
    pub audio_switch: bool,
    /// Takes a seed.
    pub seed: bool,
    /// Takes a still-camera switch.
    pub camera_fixed: bool,
    /// Takes a watermark switch.
    pub watermark: bool,
    /// Aspect ratios.
    pub ratios: &'static [Ratio],
    /// Selectable resolutions (empty: the provider decides).
    pub resolutions: &'static [Resolution],
    /// Reference images, videos and audio clips.
    pub max_images: usize,
    /// See `max_images`.
    pub max_videos: usize,
    /// See `max_images`.
    pub max_audios: usize,
    /// Takes reference audio with no image or video beside it.
    pub audio_only_reference: bool,
    /// Media reference forms.
    pub media: MediaRules,
    /// Create requests carry an idempotency key the provider honours, so a create
    /// may be retried safely.
    pub idempotent_create: bool,
    /// Shortest and longest prompt, in characters, where the provider enforces them.
    pub prompt_chars: Option<(usize, usize)>,
    /// How prices are counted, in a sentence.
    pub pricing: &'static str,
}

/// The six ratios every Seedance provider has.
pub const FIXED_RATIOS: &[Ratio] = &[
    Ratio::Wide21x9,
    Ratio::Landscape16x9,
    Ratio::Landscape4x3,
    Ratio::Square,
    Ratio::Portrait3x4,
    Ratio::Portrait9x16,
];

/// The six ratios plus `adaptive`.
pub const ALL_RATIOS: &[Ratio] = Ratio::ALL;

impl Capabilities {
    /// One paragraph an agent can plan with: models, ratios, options, what is missing.
    pub fn summary(&self, provider: ProviderId) -> String {
        let join = |items: Vec<&str>| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        let models = join(self.models.iter().map(|m| m.as_str()).collect());
        let ratios = join(self.ratios.iter().map(|r| r.as_str()).collect());
        let resolutions = join(self.resolutions.iter().map(|r| r.as_str()).collect());
        let flags = [
            ("upload_image", self.upload),
            ("return_last_frame", self.last_frame),
            ("generate_audio", self.audio_switch),
            ("seed", self.seed),
            ("camera_fixed", self.camera_fixed),
            ("watermark", self.watermark),
        ];
        let has = join(
            flags
                .iter()
                .filter(|(_, on)| *on)
                .map(|(name, _)| *name)
                .collect(),
        );
        let lacking: Vec<&str> = flags
            .iter()
            .filter(|(_, on)| !*on)
            .map(|(name, _)| *name)
            .collect();
        // Nothing missing is said by saying nothing (not "not none").
        let lacks = if lacking.is_empty() {
            String::new()
        } else {
            format!(" not {};", lacking.join(", "))
        };
        let balance = match self.balance {
            BalanceSource::Endpoint => "live",
            BalanceSource::LastSeen => "last figure reported by a create",
            BalanceSource::Unavailable => "not available through the API",
        };
        let audio_alone = match (self.max_audios, self.audio_only_reference) {
            (0, _) => "",
            (_, true) => " (audio may go alone)",
            (_, false) => " (audio only beside an image or video)",
        };
        format!(
            "Provider {provider}: models {models}; ratios {ratios}; resolutions {resolutions}; references up to \
             {} images, {} videos, {} audio{audio_alone}; supports {has};{lacks} balance {balance}. \
             Pricing: {}",
            self.max_images, self.max_videos, self.max_audios, self.pricing
        )
    }

    /// Refuses, before sending, a request that needs what this backend lacks.
    pub fn check(
        &self,
        provider: ProviderId,
        request: &GenerationRequest,
    ) -> Result<(), ProviderError> {
        let unsupported = |feature: String, alternative: String| ProviderError::Unsupported {
            provider,
            feature,
            alternative,
        };
        if let ModelChoice::Known(model) = &request.model
            && !self.models.contains(model)
        {
            let offered: Vec<_> = self.models.iter().map(|m| m.as_str()).collect();
            return Err(unsupported(
                format!("model `{}`", model.as_str()),
                format!(
                    "Use one of {}, or a {provider} model id.",
                    offered.join(", ")
                ),
            ));
        }
        let prompt = match &request.generation {
            Generation::Video(v) => &v.prompt,
            Generation::Image(i) => &i.prompt,
        };
        if let Some((min, max)) = self.prompt_chars {
            let chars = prompt.chars().count();
            if !(min..=max).contains(&chars) {
                return Err(unsupported(
                    format!("a prompt of {chars} characters"),
                    format!("Write {min} to {max} characters."),
                ));
            }
        }
        match &request.generation {
            Generation::Video(video) => self.check_video(provider, video, &request.options),
            Generation::Image(image) => {
                self.check_options(provider, &request.options)?;
                for url in &image.image_urls {
                    self.check_media("image_urls", url, provider)?;
                }
                Ok(())
            }
        }
    }

    fn check_video(
        &self,
        provider: ProviderId,
        video: &VideoRequest,
        options: &ProviderOptions,
    ) -> Result<(), ProviderError> {
        let unsupported = |feature: String, alternative: String| ProviderError::Unsupported {
            provider,
            feature,
            alternative,
        };
        if let Some(ratio) = video.ratio
            && !self.ratios.contains(&ratio)
        {
            let offered: Vec<_> = self.ratios.iter().map(|r| r.as_str()).collect();
            return Err(unsupported(
                format!("ratio `{}`", ratio.as_str()),
                format!("Pick one of {}.", offered.join(", ")),
            ));
        }
        if let Some(resolution) = video.resolution
            && !self.resolutions.contains(&resolution)
        {
            let alternative = if self.resolutions.is_empty() {
                "Drop `resolution`; this provider picks it.".to_owned()
            } else {
                let offered: Vec<_> = self
                    .resolutions
                    .iter()
                    .filter(|r| !r.is_image())
                    .map(|r| r.as_str())
                    .collect();
                format!("Pick one of {}.", offered.join(", "))
            };
            return Err(unsupported(
                format!("resolution `{}`", resolution.as_str()),
                alternative,
            ));
        }
        let switches = [
            ("seed", video.seed.is_some(), self.seed),
            (
                "camera_fixed",
                video.camera_fixed.is_some(),
                self.camera_fixed,
            ),
            ("watermark", video.watermark.is_some(), self.watermark),
            (
                "return_last_frame",
                video.return_last_frame,
                self.last_frame,
            ),
            (
                "generate_audio",
                video.generate_audio.is_some(),
                self.audio_switch,
            ),
        ];
        for (field, asked, offered) in switches {
            if asked && !offered {
                return Err(unsupported(
                    format!("`{field}`"),
                    format!("Drop `{field}`."),
                ));
            }
        }
        self.check_options(provider, options)?;
        match &video.inputs {
            VideoInputs::Omni {
                images,
                videos,
                audios,
            } => {
                for (field, list, max) in [
                    ("image_files", images, self.max_images),
                    ("video_files", videos, self.max_videos),
                    ("audio_files", audios, self.max_audios),
                ] {
                    if list.len() > max {
                        let alternative = if max == 0 {
                            format!("Drop `{field}`, or use a provider that takes them.")
                        } else {
                            format!("Keep at most {max}.")
                        };
                        return Err(unsupported(
                            format!("{} entries in `{field}`", list.len()),
                            alternative,
                        ));
                    }
                    for url in list {
                        self.check_media(field, url, provider)?;
                    }
                }
                if !audios.is_empty()
                    && images.is_empty()
                    && videos.is_empty()
                    && !self.audio_only_reference
                {
                    return Err(unsupported(
                        "`audio_files` as the only reference".to_owned(),
                        "Pick one image or video reference to go with the audio, or drop the audio."
                            .to_owned(),
                    ));
                }
            }
            VideoInputs::Frames { first, last } => {
                for (field, url) in [("first_frame", first), ("last_frame", last)] {
                    if let Some(url) = url {
                        self.check_media(field, url, provider)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Refuses option groups this backend does not read.
    fn check_options(
        &self,
        provider: ProviderId,
        options: &ProviderOptions,
    ) -> Result<(), ProviderError> {
        match options
            .groups()
            .find(|group| !self.options.contains(&group.argument()))
        {
            Some(group) => {
                let (feature, alternative) = group.refusal();
                Err(ProviderError::Unsupported {
                    provider,
                    feature,
                    alternative,
                })
            }
            None => Ok(()),
        }
    }

    fn check_media(
        &self,
        field: &str,
        url: &str,
        provider: ProviderId,
    ) -> Result<(), ProviderError> {
        let lower = url.trim_start().to_ascii_lowercase();
        let refused = if lower.starts_with("data:") && !self.media.data_urls {
            Some("inline data: URLs")
        } else if lower.starts_with("asset://") && !self.media.asset_ids {
            Some("asset:// ids")
        } else if lower.starts_with("http://") && !self.media.plain_http {
            Some("plain http:// URLs")
        } else {
            None
        };
        match refused {
            None => Ok(()),
            Some(form) => Err(ProviderError::Unsupported {
                provider,
                feature: format!("{form} in `{field}`"),
                alternative: if self.upload {
                    "Pass a public https URL, or upload the image with upload_image and use the url it returns."
                        .to_owned()
                } else {
                    format!(
                        "{provider} needs public https URLs for media: host the file somewhere public (or with a provider that hosts files) and pass its https URL."
                    )
                },
            }),
        }
    }
}
