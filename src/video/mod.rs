//! Local work on finished H.264 MP4 clips, with no provider knowledge: one
//! frame decoded to a PNG ([`extract_frame`]), a strip of frames for previews
//! ([`preview_strip`]), and clips joined into one file ([`stitch`]).
//!
//! Decoding uses the OpenH264 library (the `openh264` crate builds it from
//! its bundled source), so no system ffmpeg is needed; box reading and
//! writing uses `mp4-atom`. Every function here blocks on file IO and CPU:
//! async callers run them in `spawn_blocking`.

mod error;
mod frame;
mod image;
mod movie;
mod reencode;
mod stitch;

pub use error::{Incompatibility, VideoError};
pub use frame::{ExtractedFrame, FrameAt, extract_frame, preview_strip, shrink_png};
pub use stitch::{StitchMethod, Stitched, stitch};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
