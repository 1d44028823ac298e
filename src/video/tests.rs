//! Frames and joins on real clips: the simulator's renderer makes them, so
//! every test decodes a genuine H.264 stream with OpenH264.

use std::path::{Path, PathBuf};

use super::{FrameAt, Incompatibility, StitchMethod, VideoError, extract_frame, stitch};
use crate::providers::sim::render::{ClipSpec, render_mp4};

fn clip(dir: &Path, name: &str, width: u32, height: u32, secs: u32, seed: u64) -> PathBuf {
    let path = dir.join(name);
    let spec = ClipSpec {
        width,
        height,
        fps: 12,
        duration_secs: secs,
        seed,
        caption: format!("clip {name}"),
    };
    std::fs::write(&path, render_mp4(&spec)).unwrap();
    path
}

fn movie_of(path: &Path) -> super::movie::Movie {
    super::movie::Movie::open(path).unwrap()
}

#[test]
fn the_last_frame_is_decoded_at_the_clip_size() {
    let dir = tempfile::tempdir().unwrap();
    let video = clip(dir.path(), "a.mp4", 320, 180, 3, 1);
    let out = dir.path().join("last.png");
    let frame = extract_frame(&video, FrameAt::Last, &out).unwrap();
    assert_eq!((frame.width, frame.height), (320, 180));
    let png = std::fs::read(&out).unwrap();
    assert_eq!(png.len() as u64, frame.bytes);
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn first_and_last_frames_differ_and_a_second_past_the_end_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let video = clip(dir.path(), "a.mp4", 320, 180, 3, 1);
    let first = extract_frame(&video, FrameAt::First, &dir.path().join("f.png")).unwrap();
    let last = extract_frame(&video, FrameAt::Last, &dir.path().join("l.png")).unwrap();
    let f = std::fs::read(first.path).unwrap();
    let l = std::fs::read(last.path).unwrap();
    assert_ne!(f, l, "the progress bar moves, so the pictures differ");
    let err = extract_frame(&video, FrameAt::Second(9.0), &dir.path().join("x.png")).unwrap_err();
    assert!(matches!(err, VideoError::PastEnd { .. }), "{err}");
}

#[test]
fn a_file_that_is_not_an_mp4_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.mp4");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n not a movie").unwrap();
    let err = extract_frame(&path, FrameAt::Last, &dir.path().join("o.png")).unwrap_err();
    assert!(matches!(err, VideoError::NotMp4 { .. }), "{err}");
}

#[test]
fn two_matching_clips_are_remuxed_with_every_sample_and_the_summed_length() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.mp4", 320, 180, 3, 1);
    let b = clip(dir.path(), "b.mp4", 320, 180, 2, 2);
    let out = dir.path().join("ab.mp4");
    let joined = stitch(&[a.clone(), b.clone()], &out).unwrap();
    assert_eq!(joined.method, StitchMethod::Remux);
    assert!((joined.duration_seconds - 5.0).abs() < 1e-9);
    assert_eq!(joined.starts_seconds, vec![0.0, 3.0]);

    let movie = movie_of(&out);
    let samples = movie.samples(movie.video_trak().unwrap()).unwrap();
    assert_eq!(samples.list.len(), 12 * 5);
    assert_eq!(samples.seconds(samples.presented()), 5.0);
    // The bytes of each sample are the inputs' bytes, in order.
    let source = movie_of(&b);
    let b_samples = source.samples(source.video_trak().unwrap()).unwrap();
    let joined_bytes = std::fs::read(&out).unwrap();
    let b_bytes = std::fs::read(&b).unwrap();
    for (mine, theirs) in samples.list[36..].iter().zip(&b_samples.list) {
        let m = &joined_bytes[mine.offset as usize..][..mine.size as usize];
        let t = &b_bytes[theirs.offset as usize..][..theirs.size as usize];
        assert_eq!(m, t);
    }
    // The last frame of the join is the last frame of b.
    let from_join = extract_frame(&out, FrameAt::Last, &dir.path().join("j.png")).unwrap();
    let from_b = extract_frame(&b, FrameAt::Last, &dir.path().join("b.png")).unwrap();
    assert_eq!(
        std::fs::read(from_join.path).unwrap(),
        std::fs::read(from_b.path).unwrap()
    );
}

#[test]
fn clips_of_different_sizes_are_refused_with_the_sizes_when_no_ffmpeg_is_found() {
    if super::reencode::ffmpeg().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.mp4", 320, 180, 1, 1);
    let b = clip(dir.path(), "b.mp4", 180, 320, 1, 2);
    let err = stitch(&[a, b], &dir.path().join("ab.mp4")).unwrap_err();
    match err {
        VideoError::Incompatible { index, reason } => {
            assert_eq!(index, 2);
            assert!(matches!(reason, Incompatibility::FrameSize { .. }));
        }
        other => panic!("{other}"),
    }
    assert!(!dir.path().join("ab.mp4").exists());
}

#[test]
fn one_input_is_not_a_join() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.mp4", 320, 180, 1, 1);
    let err = stitch(&[a], &dir.path().join("o.mp4")).unwrap_err();
    assert!(matches!(err, VideoError::TooFewInputs { count: 1 }));
}
