//! `extract_frame` and `stitch_videos`: frames and joins of clips already on
//! this machine, named by task id (its saved video) or by a local path inside
//! the allowed folders. The work itself is [`crate::video`]'s, run on the
//! blocking pool; results land in the output folder.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Service, ToolError, ToolErrorKind, media::LocalScope};
use crate::{
    domain::ValidationError,
    video::{self, FrameAt, StitchMethod, VideoError},
};

/// Arguments of `extract_frame`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractFrameParams {
    /// task_id or local .mp4 path.
    pub source: String,
    /// "first", "last" (default) or seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
}

/// Where in the clip: a word or a number of seconds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum At {
    Seconds(f64),
    Word(String),
}

/// Result of `extract_frame`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExtractFrameOutput {
    /// The PNG, in the output folder.
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The video it came from.
    pub video: PathBuf,
    pub next_step: String,
}

/// Arguments of `stitch_videos`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StitchVideosParams {
    /// 2+ task_ids or local .mp4 paths.
    pub inputs: Vec<String>,
}

/// Result of `stitch_videos`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StitchVideosOutput {
    /// The joined MP4, in the output folder.
    pub path: PathBuf,
    pub duration_seconds: f64,
    /// Where each input starts, in order.
    pub starts_seconds: Vec<f64>,
    /// "remux" (lossless) or "reencoded" (ffmpeg, inputs did not match).
    pub method: String,
    pub next_step: String,
}

/// At most this many inputs to one join: a long story is at most a few dozen clips.
const MAX_INPUTS: usize = 64;

/// How many preview strips a server keeps (each at most `PREVIEW_MAX_BYTES`).
pub(super) const PREVIEWS_KEPT: std::num::NonZeroUsize = match std::num::NonZeroUsize::new(64) {
    Some(n) => n,
    None => unreachable!(),
};

/// What a kept preview belongs to: the file as it is now. A file rewritten
/// under the same name (a frame saved again, a story joined anew) has another
/// size or time, so its old preview is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreviewKey {
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl PreviewKey {
    async fn of(path: &Path) -> Option<Self> {
        let meta = tokio::fs::metadata(path).await.ok()?;
        Some(Self {
            path: path.to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

impl Service {
    /// [`Self::extract_frame_in`] with the service's own scope (the CLI's folder).
    pub async fn extract_frame(
        &self,
        params: &ExtractFrameParams,
    ) -> Result<ExtractFrameOutput, ToolError> {
        let scope = self.scope.clone();
        self.extract_frame_in(params, &scope).await
    }

    /// [`Self::stitch_videos_in`] with the service's own scope (the CLI's folder).
    pub async fn stitch_videos(
        &self,
        params: &StitchVideosParams,
    ) -> Result<StitchVideosOutput, ToolError> {
        let scope = self.scope.clone();
        self.stitch_videos_in(params, &scope).await
    }

    /// Decodes one frame of `params.source` into a PNG in the output folder.
    pub async fn extract_frame_in(
        &self,
        params: &ExtractFrameParams,
        scope: &LocalScope,
    ) -> Result<ExtractFrameOutput, ToolError> {
        let at = frame_at(params.at.as_ref())?;
        let video = self.clip_path("source", &params.source, scope).await?;
        // The same frame of the same video is the same file: asking again
        // rewrites it (the tool is idempotent) instead of piling up copies.
        let name = format!("{}_frame-{}.png", stem(&video), at_label(at));
        let out = self.output_file(&name, Reuse::Replace).await?;
        let source = video.clone();
        let frame = blocking(move || video::extract_frame(&source, at, &out)).await?;
        Ok(ExtractFrameOutput {
            next_step: format!(
                "Saved {}. To continue the story from it, pass this path as first_frame of the next \
                 submit_task.",
                frame.path.display()
            ),
            path: frame.path,
            width: frame.width,
            height: frame.height,
            bytes: frame.bytes,
            video,
        })
    }

    /// Joins `params.inputs` into one MP4 in the output folder.
    pub async fn stitch_videos_in(
        &self,
        params: &StitchVideosParams,
        scope: &LocalScope,
    ) -> Result<StitchVideosOutput, ToolError> {
        if params.inputs.len() < 2 || params.inputs.len() > MAX_INPUTS {
            return Err(ValidationError::new(
                "inputs",
                format!("it has {} entries", params.inputs.len()),
                format!("pass 2 to {MAX_INPUTS} task ids or .mp4 paths, in playing order"),
            )
            .into());
        }
        let mut paths = Vec::with_capacity(params.inputs.len());
        for (i, input) in params.inputs.iter().enumerate() {
            paths.push(
                self.clip_path(&format!("inputs[{i}]"), input, scope)
                    .await?,
            );
        }
        let name = format!(
            "{}_stitched-{}-clips.mp4",
            crate::clock::now_rfc3339()
                .chars()
                .filter(char::is_ascii_digit)
                .take(14)
                .collect::<String>(),
            paths.len()
        );
        let out = self.output_file(&name, Reuse::NewName).await?;
        let joined = blocking(move || video::stitch(&paths, &out)).await?;
        let method = match joined.method {
            StitchMethod::Remux => "remux",
            StitchMethod::Reencoded => "reencoded",
        };
        let how = match joined.method {
            StitchMethod::Remux => "losslessly (no re-encoding)",
            StitchMethod::Reencoded => "by re-encoding with ffmpeg, as the inputs did not match",
        };
        Ok(StitchVideosOutput {
            next_step: format!(
                "Joined {} clips {how} into {} ({:.2} s). Give the user this file.",
                joined.starts_seconds.len(),
                joined.path.display(),
                joined.duration_seconds
            ),
            path: joined.path,
            duration_seconds: joined.duration_seconds,
            starts_seconds: joined.starts_seconds,
            method: method.into(),
        })
    }

    /// A small strip of frames of a saved video, as PNG bytes, for get_task's
    /// preview; `None` (logged) when the video cannot be decoded.
    pub async fn preview_png(&self, video: &Path) -> Option<Vec<u8>> {
        let key = PreviewKey::of(video).await;
        if let Some(key) = &key
            && let Some(png) = crate::sync::lock(&self.previews).get(key)
        {
            return Some(png.clone());
        }
        let path = video.to_path_buf();
        let strip = tokio::task::spawn_blocking(move || {
            video::preview_strip(&path, PREVIEW_FRAMES, PREVIEW_HEIGHT, PREVIEW_MAX_BYTES)
        })
        .await;
        match strip {
            Ok(Ok(png)) => {
                if let Some(key) = key {
                    crate::sync::lock(&self.previews).put(key, png.clone());
                }
                Some(png)
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "no preview for this video");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "the preview worker died");
                None
            }
        }
    }

    /// A small copy of a saved PNG frame, for the agent to see; `None` (logged)
    /// when it cannot be made.
    pub async fn thumbnail_png(&self, png: &Path) -> Option<Vec<u8>> {
        let png = png.to_path_buf();
        let small = tokio::task::spawn_blocking(move || {
            video::shrink_png(&png, PREVIEW_HEIGHT * 3, PREVIEW_MAX_BYTES)
        })
        .await;
        match small {
            Ok(Ok(bytes)) => Some(bytes),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "no thumbnail for this frame");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "the thumbnail worker died");
                None
            }
        }
    }

    /// The video `value` names: a task's saved MP4, or a local path inside the
    /// folders this call may read.
    async fn clip_path(
        &self,
        field: &str,
        value: &str,
        scope: &LocalScope,
    ) -> Result<PathBuf, ToolError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ValidationError::new(
                field,
                "it is empty",
                "pass a task_id or a local .mp4 path",
            )
            .into());
        }
        if looks_like_path(value) {
            let access = self.access(scope);
            return access.resolve(field, value);
        }
        let entry = self.journal_entry(value).await;
        let saved = entry.as_ref().and_then(|e| {
            e.local_files
                .iter()
                .find(|f| f.extension().is_some_and(|x| x.eq_ignore_ascii_case("mp4")))
                .filter(|f| f.is_file())
                .cloned()
        });
        saved.ok_or_else(|| {
            ToolError::new(
                ToolErrorKind::NotFound,
                format!(
                    "`{field}`: task {value} has no saved video on this machine. Call get_task with \
                     this task_id until it has finished (that saves the video), or pass a local .mp4 path."
                ),
            )
        })
    }

    /// The path for `name` in the output folder, which is created if needed.
    async fn output_file(&self, name: &str, reuse: Reuse) -> Result<PathBuf, ToolError> {
        let dir = self.output_dir.clone();
        let name = name.to_owned();
        blocking(move || {
            std::fs::create_dir_all(&dir).map_err(VideoError::io(&dir))?;
            let stem = name.trim_end_matches(".png").trim_end_matches(".mp4");
            let ext = name.rsplit('.').next().unwrap_or("bin");
            let mut path = dir.join(&name);
            let mut n = 2;
            while reuse == Reuse::NewName && path.exists() {
                path = dir.join(format!("{stem}-{n}.{ext}"));
                n += 1;
            }
            Ok(path)
        })
        .await
    }
}

/// What to do when the output name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    Replace,
    NewName,
}

const PREVIEW_FRAMES: usize = 4;
const PREVIEW_HEIGHT: u32 = 90;
const PREVIEW_MAX_BYTES: usize = 100 * 1000;

/// Whether `value` is a path rather than a task id.
pub fn looks_like_path(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.contains('/')
        || value.contains('\\')
        || lower.starts_with("file:")
        || [".mp4", ".mov", ".m4v"].iter().any(|x| lower.ends_with(x))
}

fn frame_at(at: Option<&At>) -> Result<FrameAt, ToolError> {
    let bad = |problem: String| -> ToolError {
        ValidationError::new(
            "at",
            problem,
            "send \"first\", \"last\" or a number of seconds from 0",
        )
        .into()
    };
    match at {
        None => Ok(FrameAt::Last),
        Some(At::Seconds(s)) if s.is_finite() && *s >= 0.0 => Ok(FrameAt::Second(*s)),
        Some(At::Seconds(s)) => Err(bad(format!("{s} is not a time in the clip"))),
        Some(At::Word(word)) => match word.trim().to_ascii_lowercase().as_str() {
            "first" | "start" => Ok(FrameAt::First),
            "last" | "end" => Ok(FrameAt::Last),
            other => match other.trim_end_matches('s').parse::<f64>() {
                Ok(s) if s.is_finite() && s >= 0.0 => Ok(FrameAt::Second(s)),
                _ => Err(bad(format!(
                    "\"{word}\" is not first, last or a number of seconds"
                ))),
            },
        },
    }
}

fn at_label(at: FrameAt) -> String {
    match at {
        FrameAt::First => "first".into(),
        FrameAt::Last => "last".into(),
        FrameAt::Second(s) => format!("{s:.2}s"),
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into())
}

/// Runs `work` on the blocking pool, mapping its failure to a tool error.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, VideoError> + Send + 'static,
) -> Result<T, ToolError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(tool_error),
        Err(e) => Err(ToolError::new(
            ToolErrorKind::InternalError,
            format!("the video worker stopped ({e})"),
        )),
    }
}

/// Bad inputs are the caller's to fix; disk trouble and a failed re-encode are not.
fn tool_error(e: VideoError) -> ToolError {
    let kind = match &e {
        VideoError::Io { .. } | VideoError::ReencodeFailed { .. } => ToolErrorKind::InternalError,
        _ => ToolErrorKind::InvalidArgument,
    };
    ToolError::new(kind, e.to_string())
}

#[cfg(test)]
mod preview_tests {
    use super::*;
    use crate::providers::sim::render::{ClipSpec, render_mp4};

    #[tokio::test]
    async fn a_preview_is_decoded_once_per_version_of_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let journal = crate::journal::Journal::open(&dir.path().join("data")).unwrap();
        let provider = crate::config::Config::from_settings(&crate::config::Settings {
            output_dir: Some(dir.path().to_owned()),
            ..Default::default()
        })
        .unwrap()
        .build_provider()
        .unwrap();
        let service = Service::new(provider, dir.path().to_owned(), journal);
        let video = dir.path().join("clip.mp4");
        let spec = ClipSpec {
            width: 160,
            height: 90,
            fps: 12,
            duration_secs: 2,
            seed: 7,
            caption: "preview".into(),
        };
        let bytes = render_mp4(&spec);
        std::fs::write(&video, &bytes).unwrap();
        let first = service.preview_png(&video).await.unwrap();
        // The same size and time, but no longer a video: only a kept preview answers.
        let modified = std::fs::metadata(&video).unwrap().modified().unwrap();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&video)
            .unwrap();
        std::io::Write::write_all(&mut &file, &vec![0u8; bytes.len()]).unwrap();
        file.set_modified(modified).unwrap();
        drop(file);
        assert_eq!(service.preview_png(&video).await.unwrap(), first);
        // Another version of the file (another size) is decoded again.
        std::fs::write(&video, b"not a video any more").unwrap();
        assert_eq!(service.preview_png(&video).await, None);
    }
}
