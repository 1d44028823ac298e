//! Why a media file could not be identified or measured, worded for the person
//! who chose the file: which file, what is wrong, what to do about it.

use std::io;

/// Formats listed whenever a file is refused, so the user knows what would work.
pub(crate) const ACCEPTED: &str = "images: JPEG, PNG, WebP, BMP, TIFF, GIF, HEIC; \
videos: MP4, MOV; audio: WAV, MP3";

/// A media file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}; check that the path is right and the file is readable")]
    Io {
        /// Path or label of the input.
        file: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A directory, device or pipe was given instead of a file.
    #[error("{file} is not a regular file; pass the path of an image, video or audio file")]
    NotAFile {
        /// Path or label of the input.
        file: String,
    },
    /// Zero bytes.
    #[error("{file} is empty (0 bytes); pass a real image, video or audio file")]
    Empty {
        /// Path or label of the input.
        file: String,
    },
    /// The first bytes match no accepted format.
    #[error(
        "{file} is not a media file this server accepts: it {found}. Accepted {}; convert it to one of these",
        ACCEPTED
    )]
    UnknownFormat {
        /// Path or label of the input.
        file: String,
        /// What the first bytes look like, e.g. `starts with bytes 50 4B 03 04 (a zip archive?)`.
        found: String,
    },
    /// The format was recognised but the file ends too early.
    #[error("{file} looks like {format} but is cut short ({what}); download or export it again")]
    Truncated {
        /// Path or label of the input.
        file: String,
        /// Format name, e.g. `MP4`.
        format: &'static str,
        /// Which part is missing.
        what: String,
    },
    /// The format was recognised but a header makes no sense.
    #[error("{file} looks like {format} but is damaged ({what}); re-export or re-encode it")]
    Corrupt {
        /// Path or label of the input.
        file: String,
        /// Format name, e.g. `JPEG`.
        format: &'static str,
        /// Which header is wrong and how.
        what: String,
    },
    /// Finding the headers needed more reading than a sane file requires.
    #[error(
        "{file} looks like {format} but its headers are unusually large or scattered \
(gave up after reading {limit} bytes or {steps} headers); re-encode it with a standard tool"
    )]
    TooComplex {
        /// Path or label of the input.
        file: String,
        /// Format name.
        format: &'static str,
        /// Read budget in bytes.
        limit: u64,
        /// Step budget (boxes, markers, chunks or frames).
        steps: u32,
    },
}
