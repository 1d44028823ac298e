//! Why a frame or a join failed, by meaning, so callers map each case to
//! the tool error it deserves without reading messages.

use std::path::PathBuf;

/// A failure of [`super::extract_frame`], [`super::preview_strip`] or [`super::stitch`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VideoError {
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not an MP4 this can read ({reason})", path.display())]
    NotMp4 { path: PathBuf, reason: String },
    #[error(
        "{} is a fragmented MP4 (moof boxes); only plain MP4 files, as the models deliver, are supported",
        path.display()
    )]
    Fragmented { path: PathBuf },
    #[error("{} has no video track", path.display())]
    NoVideo { path: PathBuf },
    #[error("{} holds {codec} video; only H.264 is supported", path.display())]
    UnsupportedCodec { path: PathBuf, codec: String },
    #[error("the H.264 video of {} could not be decoded: {reason}", path.display())]
    Decode { path: PathBuf, reason: String },
    #[error("`at` {requested} s is past the end of the clip ({duration:.3} s long)")]
    PastEnd { requested: f64, duration: f64 },
    #[error("`at` must be a number of seconds from 0 up, got {requested}")]
    BadTime { requested: f64 },
    #[error("stitching needs at least two inputs, got {count}")]
    TooFewInputs { count: usize },
    /// Input `index` (from 1) cannot be joined losslessly to the first one,
    /// and no ffmpeg was found to re-encode.
    #[error(
        "input {index} cannot be joined without re-encoding: {reason}; install ffmpeg on PATH to \
         re-encode, or make the clips with the same model, ratio and resolution"
    )]
    Incompatible {
        index: usize,
        reason: Incompatibility,
    },
    #[error("re-encoding with ffmpeg failed ({reason})")]
    ReencodeFailed { reason: String },
}

/// What differs between two inputs that must match for a lossless join.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Incompatibility {
    #[error("its frame size is {this_w}x{this_h}, the first input's {first_w}x{first_h}")]
    FrameSize {
        first_w: u16,
        first_h: u16,
        this_w: u16,
        this_h: u16,
    },
    #[error("its H.264 settings (profile, level or parameter sets) differ from the first input's")]
    VideoSettings,
    #[error("its video timescale is {this}, the first input's {first}")]
    VideoTimescale { first: u32, this: u32 },
    #[error("it {} an audio track and the first input {}", if *this { "has" } else { "has no" }, if *this { "has none" } else { "has one" })]
    AudioPresence { this: bool },
    #[error("its audio is not AAC")]
    AudioCodec,
    #[error("its audio settings (rate, channels or AAC profile) differ from the first input's")]
    AudioSettings,
}

impl VideoError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
