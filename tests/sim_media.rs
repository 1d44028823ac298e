//! The simulated provider's media, decoded by a real, independent decoder
//! (FFmpeg's, through PyAV): users without an API key must get clips that
//! play and stills that open, not placeholders that only look like media.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{path::Path, process::Command};

use seedance_mcp::providers::sim::render::{
    ClipSpec, StillSpec, frame_size_for_ratio, render_mp4, render_png,
};

/// Decodes a clip and checks it against what was asked for. Any decoder
/// message at warning level or worse fails it, so a stream that FFmpeg
/// merely conceals errors in does not pass.
const CHECK_CLIP: &str = r#"
import sys, av
path = sys.argv[1]
fps, secs, width, height, layout_checks = map(int, sys.argv[2:7])
frames = fps * secs
av.logging.set_level(av.logging.VERBOSE)
with av.logging.Capture() as logs:
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264", stream.codec_context.name
        assert (stream.width, stream.height) == (width, height), (stream.width, stream.height)
        assert stream.frames == frames, ("container frame count", stream.frames)
        assert stream.average_rate == fps, stream.average_rate
        assert abs(float(stream.duration * stream.time_base) - secs) < 1e-6, stream.duration
        lumas, keys = [], []
        for index, frame in enumerate(container.decode(stream)):
            assert (frame.width, frame.height) == (width, height), (index, frame.width, frame.height)
            assert frame.format.name == "yuv420p", frame.format.name
            if frame.key_frame:
                keys.append(index)
            plane = frame.planes[0]
            data = bytes(plane)
            lumas.append(b"".join(
                data[row * plane.line_size: row * plane.line_size + width] for row in range(height)
            ))
problems = [entry for entry in logs if entry[0] <= av.logging.WARNING]
assert not problems, problems
assert len(lumas) == frames, ("decoded", len(lumas), "expected", frames)
assert keys[0] == 0, keys
assert all(b - a <= 2 * fps for a, b in zip(keys, keys[1:] + [frames])), ("keyframe gaps", keys)
assert lumas[0] != lumas[-1], "the first and last frames are identical: nothing moves"
# Exactness, checked through the picture (in frames big enough for the
# layout to keep its parts apart). Skipped and copied macroblocks must
# rebuild every frame exactly; a wrong predicted motion vector would smear.
if layout_checks:
    # The title and caption at the top never change.
    top = width * (height // 4)
    drifted = [index for index, luma in enumerate(lumas) if luma[:top] != lumas[0][:top]]
    assert not drifted, ("static area changed in frames", drifted[:10])
    # The square sweeps there and back every four seconds, so frames p and
    # 4*fps - p show it at the same place. They come from different chains
    # of P frames (one moving right, one left): above the progress bar and
    # timecode in the bottom quarter they must be identical.
    above_bar = width * (height * 3 // 4)
    pairs = [(p, 4 * fps - p) for p in range(1, 2 * fps) if 4 * fps - p < frames]
    unequal = [pair for pair in pairs if lumas[pair[0]][:above_bar] != lumas[pair[1]][:above_bar]]
    assert not unequal, ("mirror frames differ", unequal[:10])
print(f"ok {len(lumas)} frames {width}x{height}")
"#;

/// Checks a PNG with the standard library (chunk CRCs, zlib stream, size)
/// and decodes it with PyAV.
const CHECK_STILL: &str = r#"
import sys, struct, zlib, av
path = sys.argv[1]
width, height = map(int, sys.argv[2:4])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
pos, kinds, idat = 8, [], b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(kind + body) == crc, ("bad CRC", kind)
    kinds.append(kind)
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT":
        idat += body
    pos += 12 + length
assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND", kinds
assert header == (width, height, 8, 2, 0, 0, 0), header
raw = zlib.decompress(idat)
assert len(raw) == height * (1 + 3 * width), len(raw)
with av.open(path) as container:
    frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (width, height), (frame.width, frame.height)
    rgb = frame.to_rgb()
    pixels = bytes(rgb.planes[0])
    assert len(set(pixels)) > 2, "the image is blank"
print(f"ok {width}x{height}")
"#;

fn run_python(script: &str, file: &Path, args: &[u32]) {
    let output = Command::new(common::python::python())
        .arg("-c")
        .arg(script)
        .arg(file)
        .args(args.iter().map(u32::to_string))
        .output()
        .expect("run the test Python");
    assert!(
        output.status.success(),
        "PyAV rejected {} ({}):\nstdout:\n{}\nstderr:\n{}",
        file.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

fn clip(ratio: &str, fps: u32, duration_secs: u32) -> ClipSpec {
    let (width, height) = frame_size_for_ratio(ratio);
    ClipSpec {
        width,
        height,
        fps,
        duration_secs,
        seed: u64::from(fps * 100 + duration_secs),
        caption: "A red fox jumps over the lazy dog at sunset, cinematic".into(),
    }
}

#[test]
fn simulated_clips_decode_frame_by_frame_with_a_real_decoder() {
    let dir = tempfile::tempdir().unwrap();
    for (ratio, fps, secs) in [
        ("16:9", 24, 5),
        ("9:16", 24, 4),
        ("21:9", 12, 3),
        ("1:1", 30, 2),
        ("4:3", 1, 3),
    ] {
        let spec = clip(ratio, fps, secs);
        let path = dir
            .path()
            .join(format!("clip-{}.mp4", ratio.replace(':', "x")));
        std::fs::write(&path, render_mp4(&spec)).unwrap();
        run_python(CHECK_CLIP, &path, &[fps, secs, spec.width, spec.height, 1]);
    }
}

#[test]
fn a_fifteen_second_clip_is_small_and_plays_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    for ratio in ["16:9", "9:16"] {
        let spec = clip(ratio, 24, 15);
        let bytes = render_mp4(&spec);
        assert!(bytes.len() < 1_000_000, "{ratio}: {} bytes", bytes.len());
        let path = dir.path().join("long.mp4");
        std::fs::write(&path, &bytes).unwrap();
        run_python(CHECK_CLIP, &path, &[24, 15, spec.width, spec.height, 1]);
    }
}

#[test]
fn clips_of_unusual_sizes_still_decode_at_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    for (width, height) in [(16, 16), (100, 50), (34, 130)] {
        let spec = ClipSpec {
            width,
            height,
            fps: 10,
            duration_secs: 2,
            seed: 1,
            caption: String::new(),
        };
        let path = dir.path().join(format!("odd-{width}x{height}.mp4"));
        std::fs::write(&path, render_mp4(&spec)).unwrap();
        // Too small for the layout to keep its parts apart.
        run_python(CHECK_CLIP, &path, &[10, 2, width, height, 0]);
    }
}

#[test]
fn simulated_stills_decode_to_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    for ratio in ["16:9", "9:16", "1:1"] {
        let (width, height) = frame_size_for_ratio(ratio);
        let spec = StillSpec {
            width,
            height,
            seed: 5,
            caption: "A quiet lake at dawn".into(),
        };
        let path = dir
            .path()
            .join(format!("still-{}.png", ratio.replace(':', "x")));
        std::fs::write(&path, render_png(&spec)).unwrap();
        run_python(CHECK_STILL, &path, &[width, height]);
    }
}
