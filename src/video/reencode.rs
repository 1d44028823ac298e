//! The fallback for clips that cannot be joined losslessly: ffmpeg's concat
//! filter, when an `ffmpeg` is on `PATH`. It is never required: without it
//! such a join is refused with the reason.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use super::VideoError;

/// The `ffmpeg` on `PATH`, if any.
pub(super) fn ffmpeg() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("ffmpeg"))
        .find(|candidate| candidate.is_file())
}

/// One input as the filter graph needs to know it.
pub(super) struct Source<'a> {
    pub(super) path: &'a Path,
    pub(super) has_audio: bool,
    pub(super) seconds: f64,
}

/// Re-encodes `inputs` end to end into `out`, fitted into `size` (the first
/// input's frame). Inputs without sound get silence so the concat filter can pair them.
pub(super) fn run(
    ffmpeg: &Path,
    inputs: &[Source<'_>],
    size: (u16, u16),
    out: &Path,
) -> Result<(), VideoError> {
    let mut command = Command::new(ffmpeg);
    command.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]);
    for input in inputs {
        command.arg("-i").arg(input.path);
    }
    let n = inputs.len();
    // Scale every clip to the first one's size with padding, then join picture and sound.
    let mut graph = String::new();
    let (w, h) = size;
    for (i, input) in inputs.iter().enumerate() {
        graph.push_str(&format!(
            "[{i}:v:0]scale={w}:{h}:force_original_aspect_ratio=decrease,\
             pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=24[v{i}];"
        ));
        if input.has_audio {
            graph.push_str(&format!(
                "[{i}:a:0]aresample=48000,aformat=channel_layouts=stereo[a{i}];"
            ));
        } else {
            graph.push_str(&format!(
                "anullsrc=r=48000:cl=stereo,atrim=duration={:.3}[a{i}];",
                input.seconds
            ));
        }
    }
    for i in 0..n {
        graph.push_str(&format!("[v{i}][a{i}]"));
    }
    graph.push_str(&format!("concat=n={n}:v=1:a=1[v][a]"));
    let mut part = out.as_os_str().to_os_string();
    part.push(".part.mp4");
    let part = PathBuf::from(part);
    let output = command
        .args(["-filter_complex", &graph, "-map", "[v]", "-map", "[a]"])
        .args([
            "-c:v", "libx264", "-crf", "18", "-preset", "medium", "-pix_fmt", "yuv420p",
        ])
        .args(["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"])
        .arg(&part)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| VideoError::ReencodeFailed {
            reason: format!("could not run ffmpeg: {e}"),
        })?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&part);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
        return Err(VideoError::ReencodeFailed {
            reason: format!("ffmpeg exited with {}: {tail}", output.status),
        });
    }
    std::fs::rename(&part, out).map_err(VideoError::io(out))
}
