//! The seam between stories and the video library: what a story needs done to
//! video files (a clip's last frame, the clips joined into one file), behind a
//! small trait so the story logic is tested with a double; [`VideoLibrary`]
//! (`crate::video`) is what the service uses.
//!
//! The calls block (decoding, remuxing): the story runs them on the blocking pool.

use std::path::{Path, PathBuf};

/// What stories need of the video library.
pub trait StoryMedia: Send + Sync + std::fmt::Debug + 'static {
    /// False when the calls below can only fail: a story that would need them
    /// is refused before anything is paid.
    fn available(&self) -> bool {
        true
    }

    /// Saves the last frame of `video` as a PNG at `out`.
    fn last_frame(&self, video: &Path, out: &Path) -> Result<PathBuf, StoryMediaError>;

    /// Joins `inputs`, in order, into one MP4 at `out`.
    fn stitch(&self, inputs: &[PathBuf], out: &Path) -> Result<Joined, StoryMediaError>;
}

/// The joined video.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// Where it was written.
    pub path: PathBuf,
    /// Its length.
    pub duration_seconds: f64,
}

/// Why a video operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoryMediaError {
    /// This build has no in-process video library.
    #[error(
        "this build cannot decode or join videos in-process; join the saved clips with a video editor."
    )]
    Unavailable,
    /// The library refused the files (and says why).
    #[error("{0}")]
    Refused(String),
}

/// The adapter used until the in-process video library is wired in: it does
/// nothing and says so, so a story on a provider that returns its last frame
/// still runs, and ends with its clips saved and the reason they are not joined.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoVideoLibrary;

impl StoryMedia for NoVideoLibrary {
    fn available(&self) -> bool {
        false
    }

    fn last_frame(&self, _video: &Path, _out: &Path) -> Result<PathBuf, StoryMediaError> {
        Err(StoryMediaError::Unavailable)
    }

    fn stitch(&self, _inputs: &[PathBuf], _out: &Path) -> Result<Joined, StoryMediaError> {
        Err(StoryMediaError::Unavailable)
    }
}

/// The in-process video library (`crate::video`: OpenH264 decoding, lossless
/// MP4 remuxing), which every build carries.
#[derive(Debug, Default, Clone, Copy)]
pub struct VideoLibrary;

impl StoryMedia for VideoLibrary {
    fn last_frame(&self, video: &Path, out: &Path) -> Result<PathBuf, StoryMediaError> {
        crate::video::extract_frame(video, crate::video::FrameAt::Last, out)
            .map(|frame| frame.path)
            .map_err(|e| StoryMediaError::Refused(e.to_string()))
    }

    fn stitch(&self, inputs: &[PathBuf], out: &Path) -> Result<Joined, StoryMediaError> {
        crate::video::stitch(inputs, out)
            .map(|joined| Joined {
                path: joined.path,
                duration_seconds: joined.duration_seconds,
            })
            .map_err(|e| StoryMediaError::Refused(e.to_string()))
    }
}
