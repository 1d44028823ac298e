//! Joined files checked by an independent decoder (FFmpeg's, through PyAV):
//! simulator clips, and clips made the way real encoders make them (x264 with
//! B-frames, AAC with its priming edit list), so the join is tested on the
//! kinds of files the models deliver and not only on our own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use seedance_mcp::{
    providers::sim::render::{ClipSpec, frame_size_for_ratio, render_mp4},
    video::{FrameAt, Incompatibility, StitchMethod, VideoError, extract_frame, stitch},
};

fn python(script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    common::python::run_script(script, args)
}

/// Clips from tests/python/make_clips.py, `seconds` long each.
fn encoded_clips(dir: &Path, seconds: &[u32], size: &str) -> Vec<PathBuf> {
    let mut args: Vec<String> = vec![dir.display().to_string()];
    args.extend(seconds.iter().map(u32::to_string));
    args.extend(["--size".into(), size.into()]);
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|a| a as _).collect();
    python("make_clips.py", &refs)
        .lines()
        .map(PathBuf::from)
        .collect()
}

#[test]
fn three_ten_second_sim_clips_join_with_every_frame_and_the_sound_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let (width, height) = frame_size_for_ratio("16:9");
    let inputs: Vec<PathBuf> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("sim{i}.mp4"));
            let spec = ClipSpec {
                width,
                height,
                fps: 12,
                duration_secs: 10,
                seed: i,
                caption: format!("part {i}"),
            };
            std::fs::write(&path, render_mp4(&spec)).unwrap();
            path
        })
        .collect();
    let out = dir.path().join("story.mp4");
    let joined = stitch(&inputs, &out).unwrap();
    assert_eq!(joined.method, StitchMethod::Remux);
    assert_eq!(joined.starts_seconds, vec![0.0, 10.0, 20.0]);
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&out, &"0"];
    args.extend(inputs.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
    python("check_join.py", &args);
}

#[test]
fn encoder_made_clips_with_b_frames_and_priming_join_in_sync() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = encoded_clips(dir.path(), &[2, 3, 2], "320x240");
    let out = dir.path().join("joined.mp4");
    let joined = stitch(&inputs, &out).unwrap();
    assert_eq!(joined.method, StitchMethod::Remux);
    assert_eq!(joined.starts_seconds, vec![0.0, 2.0, 5.0]);
    assert!((joined.duration_seconds - 7.0).abs() < 1e-9);
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&out, &"1"];
    args.extend(inputs.iter().map(|p| p as &dyn AsRef<std::ffi::OsStr>));
    python("check_join.py", &args);

    // Frames come from the right clip, B-frames and all: OpenH264's last frame
    // of the join is FFmpeg's last frame of the last clip.
    let png = dir.path().join("last.png");
    extract_frame(&out, FrameAt::Last, &png).unwrap();
    python("same_picture.py", &[&png, &inputs[2], &"last"]);
    let png = dir.path().join("mid.png");
    extract_frame(&out, FrameAt::Second(3.5), &png).unwrap();
    python("same_picture.py", &[&png, &inputs[1], &"36"]);
}

#[test]
fn clips_of_different_sizes_are_refused_naming_both_sizes_when_ffmpeg_is_absent() {
    if std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join("ffmpeg").is_file())
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide");
    let tall = dir.path().join("tall");
    std::fs::create_dir_all(&wide).unwrap();
    std::fs::create_dir_all(&tall).unwrap();
    let a = encoded_clips(&wide, &[1], "320x240");
    let b = encoded_clips(&tall, &[1], "240x320");
    let err = stitch(&[a[0].clone(), b[0].clone()], &dir.path().join("x.mp4")).unwrap_err();
    let VideoError::Incompatible { index, reason } = &err else {
        panic!("{err}")
    };
    assert_eq!(*index, 2);
    assert_eq!(
        *reason,
        Incompatibility::FrameSize {
            first_w: 320,
            first_h: 240,
            this_w: 240,
            this_h: 320
        }
    );
    assert!(err.to_string().contains("240x320"), "{err}");
}
