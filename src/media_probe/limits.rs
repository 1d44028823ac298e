//! The Seedance 2.0 rules for reference files, checked against probes before any
//! upload or spending.
//!
//! Every broken rule becomes one [`LimitViolation`] and all of them are returned
//! together, so a user fixes a whole request in one round. Each message names the
//! file, the limit, and what to do about it.

mod text;

use std::time::Duration;

use super::{MediaFormat, MediaKind, Probe};
use text::{a_format, megabytes, ratio, seconds};

const MIB: u64 = 1024 * 1024;

/// Seedance 2.0 limits on reference images, videos and audio.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetLimits {
    /// Whether HEIC images may be sent (some providers take them, some do not).
    pub allow_heic: bool,
    /// Smallest allowed width and height, in pixels.
    pub image_min_side: u32,
    /// Largest allowed width and height, in pixels.
    pub image_max_side: u32,
    /// Narrowest allowed width / height.
    pub image_min_aspect: f64,
    /// Widest allowed width / height.
    pub image_max_aspect: f64,
    /// Largest image file, in bytes.
    pub image_max_bytes: u64,
    /// Shortest video clip.
    pub video_min: Duration,
    /// Longest video clip.
    pub video_max: Duration,
    /// Largest video file, in bytes.
    pub video_max_bytes: u64,
    /// Longest total of all video clips in one request.
    pub videos_total_max: Duration,
    /// Shortest audio clip.
    pub audio_min: Duration,
    /// Longest audio clip.
    pub audio_max: Duration,
    /// Largest audio file, in bytes.
    pub audio_max_bytes: u64,
    /// Longest total of all audio clips in one request.
    pub audios_total_max: Duration,
}

impl AssetLimits {
    /// The published Seedance 2.0 limits, HEIC refused.
    pub const fn seedance_2() -> Self {
        Self {
            allow_heic: false,
            image_min_side: 300,
            image_max_side: 6000,
            image_min_aspect: 0.4,
            image_max_aspect: 2.5,
            image_max_bytes: 30 * MIB,
            video_min: Duration::from_secs(2),
            video_max: Duration::from_secs(15),
            video_max_bytes: 50 * MIB,
            videos_total_max: Duration::from_secs(15),
            audio_min: Duration::from_secs(2),
            audio_max: Duration::from_secs(15),
            audio_max_bytes: 15 * MIB,
            audios_total_max: Duration::from_secs(15),
        }
    }
}

impl Default for AssetLimits {
    fn default() -> Self {
        Self::seedance_2()
    }
}

/// One probed file and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Request field that named it, e.g. `image_files[1]`.
    pub field: String,
    /// How the user wrote it (path or URL), for messages.
    pub file: String,
    /// What the file turned out to be.
    pub probe: Probe,
}

impl Asset {
    /// Bundles a probe with the field and file it came from.
    pub fn new(field: impl Into<String>, file: impl Into<String>, probe: Probe) -> Self {
        Self {
            field: field.into(),
            file: file.into(),
            probe,
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitViolation {
    /// Request field to fix, e.g. `video_files[0]`.
    pub field: String,
    /// What is wrong and how to fix it, naming the file.
    pub message: String,
}

impl std::fmt::Display for LimitViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn violation(asset: &Asset, message: String) -> LimitViolation {
    LimitViolation {
        field: asset.field.clone(),
        message,
    }
}

impl AssetLimits {
    /// Every rule one reference image breaks.
    pub fn check_image(&self, asset: &Asset) -> Vec<LimitViolation> {
        let (file, probe) = (&asset.file, &asset.probe);
        if probe.kind != MediaKind::Image {
            let accepted = "JPEG, PNG, WebP, BMP, TIFF or GIF";
            let message = wrong_kind(file, probe.format, "an image", accepted);
            return vec![violation(asset, message)];
        }
        let mut found = Vec::new();
        if probe.format == MediaFormat::Heic && !self.allow_heic {
            found.push(format!(
                "{file} is a HEIC image, which this provider does not accept; \
                 convert it to JPEG or PNG"
            ));
        }
        if let (Some(w), Some(h)) = (probe.width, probe.height) {
            found.extend(self.image_size(file, w, h));
        }
        if probe.size_bytes > self.image_max_bytes {
            let (size, limit) = (megabytes(probe.size_bytes), megabytes(self.image_max_bytes));
            found.push(format!(
                "{file} is {size}; images may be at most {limit}; compress below {limit}"
            ));
        }
        found.into_iter().map(|m| violation(asset, m)).collect()
    }

    fn image_size(&self, file: &str, w: u32, h: u32) -> Vec<String> {
        let mut found = Vec::new();
        let (min, max) = (self.image_min_side, self.image_max_side);
        if w < min || h < min || w > max || h > max {
            found.push(format!(
                "{file} is {w}×{h} px; each side must be between {min} and {max} px; \
                 resize so each side is between {min} and {max} px"
            ));
        }
        if w == 0 || h == 0 {
            return found;
        }
        let aspect = f64::from(w) / f64::from(h);
        let (low, high) = (self.image_min_aspect, self.image_max_aspect);
        if aspect > high {
            let (is, limit) = (ratio(aspect), ratio(high));
            found.push(format!(
                "{file} is {w}×{h} px, {is}:1 wide, beyond the {limit}:1 limit; \
                 crop to at most {limit}:1"
            ));
        } else if aspect < low {
            let (is, limit) = (ratio(1.0 / aspect), ratio(1.0 / low));
            found.push(format!(
                "{file} is {w}×{h} px, 1:{is} tall, beyond the 1:{limit} limit \
                 (width/height at least {}); crop to at most 1:{limit}",
                ratio(low)
            ));
        }
        found
    }

    /// Every rule one reference video breaks on its own.
    pub fn check_video(&self, asset: &Asset) -> Vec<LimitViolation> {
        if asset.probe.kind != MediaKind::Video {
            let message = wrong_kind(&asset.file, asset.probe.format, "a video", "MP4 or MOV");
            return vec![violation(asset, message)];
        }
        let range = (self.video_min, self.video_max);
        self.clip(asset, "video", range, self.video_max_bytes)
    }

    /// Every rule one reference audio clip breaks on its own.
    pub fn check_audio(&self, asset: &Asset) -> Vec<LimitViolation> {
        if asset.probe.kind != MediaKind::Audio {
            let message = wrong_kind(&asset.file, asset.probe.format, "audio", "WAV or MP3");
            return vec![violation(asset, message)];
        }
        let range = (self.audio_min, self.audio_max);
        self.clip(asset, "audio", range, self.audio_max_bytes)
    }

    fn clip(
        &self,
        asset: &Asset,
        noun: &str,
        (min, max): (Duration, Duration),
        max_bytes: u64,
    ) -> Vec<LimitViolation> {
        let file = &asset.file;
        let (low, high) = (seconds(min), seconds(max));
        let mut found = Vec::new();
        match asset.probe.duration.map(|d| (d, seconds(d))) {
            None => found.push(format!(
                "{file}: the length of this {noun} could not be read, so the {low}–{high} s \
                 rule cannot be checked; re-encode it with a standard tool"
            )),
            Some((d, is)) if d > max => found.push(format!(
                "{file} lasts {is} s; each {noun} clip may last at most {high} s; \
                 trim it to {high} s"
            )),
            Some((d, is)) if d < min => found.push(format!(
                "{file} lasts {is} s; each {noun} clip must last at least {low} s; \
                 use a clip of at least {low} s"
            )),
            Some(_) => {}
        }
        if asset.probe.size_bytes > max_bytes {
            let (size, limit) = (megabytes(asset.probe.size_bytes), megabytes(max_bytes));
            found.push(format!(
                "{file} is {size}; each {noun} file may be at most {limit}; \
                 compress or shorten it below {limit}"
            ));
        }
        found.into_iter().map(|m| violation(asset, m)).collect()
    }

    /// Every rule a whole request breaks: each file on its own, the totals per
    /// kind, and audio sent without any image or video.
    pub fn check_assets(
        &self,
        images: &[Asset],
        videos: &[Asset],
        audios: &[Asset],
    ) -> Vec<LimitViolation> {
        let mut found = self.check_files(images, videos, audios);
        if let Some(first) = audios.first()
            && images.is_empty()
            && videos.is_empty()
        {
            let message = format!(
                "{} is audio, but audio cannot be the only reference: it needs at least one \
                 image or video in the same request; add a reference image or video, \
                 or leave the audio out",
                first.file
            );
            found.push(violation(first, message));
        }
        found
    }

    /// Every rule the files break, each on its own and as totals per kind. For a
    /// request that also has references not probed here (URLs), whose presence
    /// the audio-alone rule would not see.
    pub fn check_files(
        &self,
        images: &[Asset],
        videos: &[Asset],
        audios: &[Asset],
    ) -> Vec<LimitViolation> {
        let mut found: Vec<LimitViolation> =
            images.iter().flat_map(|a| self.check_image(a)).collect();
        found.extend(videos.iter().flat_map(|a| self.check_video(a)));
        found.extend(total(
            videos,
            MediaKind::Video,
            "videos",
            self.videos_total_max,
        ));
        found.extend(audios.iter().flat_map(|a| self.check_audio(a)));
        found.extend(total(
            audios,
            MediaKind::Audio,
            "audio clips",
            self.audios_total_max,
        ));
        found
    }
}

/// The violation for clips of `kind` lasting longer than `max` together, blamed
/// on the clip that goes over.
fn total(assets: &[Asset], kind: MediaKind, noun: &str, max: Duration) -> Option<LimitViolation> {
    let timed: Vec<(&Asset, Duration)> = assets
        .iter()
        .filter(|a| a.probe.kind == kind)
        .filter_map(|a| a.probe.duration.map(|d| (a, d)))
        .collect();
    if timed.len() < 2 {
        return None;
    }
    let sum: Duration = timed.iter().map(|(_, d)| *d).sum();
    if sum <= max {
        return None;
    }
    let mut running = Duration::ZERO;
    let (culprit, _) = timed.iter().find(|(_, d)| {
        running += *d;
        running > max
    })?;
    let parts: Vec<String> = timed
        .iter()
        .map(|(a, d)| format!("{} ({} s)", a.file, seconds(*d)))
        .collect();
    let (listed, sum, limit) = (parts.join(" + "), seconds(sum), seconds(max));
    let message = format!(
        "{listed} together last {sum} s; all {noun} in one request may last at most \
         {limit} s together; trim them to {limit} s in total"
    );
    Some(violation(culprit, message))
}

fn wrong_kind(file: &str, format: MediaFormat, wanted: &str, accepted: &str) -> String {
    let kind = match format.kind() {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio file",
    };
    let format = a_format(format);
    format!(
        "{file} is {format} {kind}, not {wanted}; pass {wanted} here ({accepted}) \
         or move it to the matching field"
    )
}
