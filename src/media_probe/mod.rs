//! Identifying and measuring a local media file by its content, never by its name.
//!
//! Owns the [`Probe`] result (kind, format, size, pixel dimensions, duration, MIME),
//! the [`ProbeError`]s a user sees when a file cannot be used, and the per-format
//! readers: kept crates where one does the job (`imagesize` for PNG, GIF, WebP and
//! TIFF; `mp4-atom` for the boxes of MP4, MOV and HEIF; symphonia's MPEG audio
//! demuxer for MP3 timing), our own code where none does (format sniffing, the
//! ISO box walk, ID3 tags, JPEG, BMP, WAV; each module says why). Every read
//! is bounded (see `input`, and `stream` for the crates): big payloads such as
//! `mdat` are skipped by offset, and no allocation is sized from a length read out
//! of the file. [`limits`] turns probes into Seedance 2.0 rule checks.

mod error;
mod image;
mod input;
mod isobmff;
mod jpeg;
pub mod limits;
mod mp3;
mod sniff;
mod stream;
mod wav;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::Duration;

pub use error::ProbeError;

use input::Input;
use sniff::Sniffed;

/// Broad family of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A still picture.
    Image,
    /// A moving picture (may carry sound).
    Video,
    /// Sound only.
    Audio,
}

/// Container format, as found in the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaFormat {
    /// JPEG / JFIF / Exif.
    Jpeg,
    /// PNG (APNG included).
    Png,
    /// WebP (lossy, lossless or extended).
    Webp,
    /// Windows bitmap.
    Bmp,
    /// TIFF (classic, not BigTIFF).
    Tiff,
    /// GIF 87a / 89a.
    Gif,
    /// HEIC / HEIF still image.
    Heic,
    /// MPEG-4 part 14 (and other ISO base media brands).
    Mp4,
    /// QuickTime movie.
    Mov,
    /// RIFF WAVE.
    Wav,
    /// MPEG audio layer III (layers I and II are measured the same way).
    Mp3,
}

impl MediaFormat {
    /// Which family the format belongs to.
    pub fn kind(self) -> MediaKind {
        match self {
            Self::Jpeg
            | Self::Png
            | Self::Webp
            | Self::Bmp
            | Self::Tiff
            | Self::Gif
            | Self::Heic => MediaKind::Image,
            Self::Mp4 | Self::Mov => MediaKind::Video,
            Self::Wav | Self::Mp3 => MediaKind::Audio,
        }
    }

    /// MIME type to send along with the bytes.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Bmp => "image/bmp",
            Self::Tiff => "image/tiff",
            Self::Gif => "image/gif",
            Self::Heic => "image/heic",
            Self::Mp4 => "video/mp4",
            Self::Mov => "video/quicktime",
            Self::Wav => "audio/wav",
            Self::Mp3 => "audio/mpeg",
        }
    }

    /// Usual file extension, without the dot (for naming saved files).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
            Self::Gif => "gif",
            Self::Heic => "heic",
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Wav => "wav",
            Self::Mp3 => "mp3",
        }
    }

    /// Name for messages, as people usually write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
            Self::Gif => "GIF",
            Self::Heic => "HEIC",
            Self::Mp4 => "MP4",
            Self::Mov => "MOV",
            Self::Wav => "WAV",
            Self::Mp3 => "MP3",
        }
    }
}

/// What a media file is and how big it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Image, video or audio.
    pub kind: MediaKind,
    /// Container format.
    pub format: MediaFormat,
    /// Length of the whole file in bytes.
    pub size_bytes: u64,
    /// Pixel width as displayed, when the format tells it.
    pub width: Option<u32>,
    /// Pixel height as displayed, when the format tells it.
    pub height: Option<u32>,
    /// Playing time of video and audio; `None` for images or when unknown.
    pub duration: Option<Duration>,
    /// MIME type of [`Probe::format`].
    pub mime: &'static str,
}

/// What a parser found, before the common fields are filled in.
#[derive(Debug, Default)]
struct Measured {
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<Duration>,
}

impl Measured {
    fn size(width: u32, height: u32) -> Self {
        Self {
            width: Some(width),
            height: Some(height),
            duration: None,
        }
    }
}

/// `num / den` seconds, exact to the nanosecond; `None` when `den` is zero.
fn fraction(num: u64, den: u64) -> Option<Duration> {
    if den == 0 {
        return None;
    }
    let secs = num / den;
    let nanos = u128::from(num % den) * 1_000_000_000 / u128::from(den);
    Some(Duration::new(secs, u32::try_from(nanos).unwrap_or(0)))
}

/// Identifies and measures the file at `path`, reading only its headers.
pub fn probe_path(path: &Path) -> Result<Probe, ProbeError> {
    let mut input = Input::open(path)?;
    probe_input(&mut input)
}

/// Identifies and measures an already opened file, named `label` in messages.
/// Callers that go on to read the same file (to hash or send it) probe through
/// their own handle, so what was checked is what is sent even if the path changes.
pub fn probe_file(file: &std::fs::File, label: &str) -> Result<Probe, ProbeError> {
    let mut input = Input::from_file(file, label)?;
    probe_input(&mut input)
}

/// The format the first bytes of a file show, without measuring anything: for
/// naming a downloaded file from the start of its body.
pub fn sniff_format(head: &[u8]) -> Option<MediaFormat> {
    let mut input = Input::bytes(head);
    match sniff::sniff(&mut input) {
        Ok(Sniffed::Known(format)) => Some(format),
        _ => None,
    }
}

/// Identifies and measures in-memory bytes (for example the payload of a `data:` URL).
pub fn probe_bytes(bytes: &[u8]) -> Result<Probe, ProbeError> {
    let mut input = Input::bytes(bytes);
    probe_input(&mut input)
}

fn probe_input(input: &mut Input<'_>) -> Result<Probe, ProbeError> {
    if input.len() == 0 {
        return Err(ProbeError::Empty {
            file: input.label().to_owned(),
        });
    }
    let format = match sniff::sniff(input)? {
        Sniffed::Known(format) => format,
        Sniffed::Unknown(found) => {
            return Err(ProbeError::UnknownFormat {
                file: input.label().to_owned(),
                found,
            });
        }
    };
    input.set_format(format);
    let measured = match format {
        MediaFormat::Jpeg => image::jpeg(input)?,
        MediaFormat::Png => image::png(input)?,
        MediaFormat::Webp => image::webp(input)?,
        MediaFormat::Bmp => image::bmp(input)?,
        MediaFormat::Tiff => image::tiff(input)?,
        MediaFormat::Gif => image::gif(input)?,
        MediaFormat::Heic => isobmff::heic(input)?,
        MediaFormat::Mp4 | MediaFormat::Mov => isobmff::movie(input)?,
        MediaFormat::Wav => wav::wav(input)?,
        MediaFormat::Mp3 => mp3::mp3(input)?,
    };
    Ok(Probe {
        kind: format.kind(),
        format,
        size_bytes: input.len(),
        width: measured.width,
        height: measured.height,
        duration: measured.duration,
        mime: format.mime(),
    })
}
