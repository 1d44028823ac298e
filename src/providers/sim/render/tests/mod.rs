//! End-to-end tests of the rendered files: they read back what `render_mp4`
//! and `render_png` produce with the test-only readers in `mp4_reader` and
//! `png_reader`, and compare the decoded pictures with fresh drawings.

mod mp4_reader;
mod png_reader;

use self::{
    mp4_reader::{durations, parse_mp4},
    png_reader::decode_png,
};
use super::{
    Clip, ClipSpec, StillSpec,
    canvas::{Canvas, Palette},
    encode_clip, frame_size_for_ratio,
    layout::{ClipLayout, paint_still},
    render_mp4, render_png,
    yuv::{Geometry, Planes},
};

fn clip(ratio: &str, fps: u32, secs: u32) -> ClipSpec {
    let (width, height) = frame_size_for_ratio(ratio);
    ClipSpec {
        width,
        height,
        fps,
        duration_secs: secs,
        seed: 7,
        caption: "A red fox jumps over the lazy dog at sunset, cinematic".into(),
    }
}

fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
}

#[test]
fn mp4_box_tree_hangs_together_for_every_ratio() {
    for (ratio, fps, secs) in [
        ("16:9", 24, 4),
        ("9:16", 24, 5),
        ("21:9", 12, 3),
        ("4:3", 30, 2),
        ("3:4", 1, 3),
        ("1:1", 7, 2),
    ] {
        let spec = clip(ratio, fps, secs);
        let file = render_mp4(&spec);
        let parsed = parse_mp4(&file);
        assert_eq!(
            (parsed.width, parsed.height),
            (spec.width, spec.height),
            "{ratio}"
        );
        assert_eq!(
            parsed.samples.len() as u32,
            fps * secs,
            "{ratio}: one sample per frame"
        );
        let (count, movie_secs, media_secs) = durations(&file);
        assert_eq!(count, fps * secs);
        assert_eq!(movie_secs, secs);
        assert!((media_secs - f64::from(secs)).abs() < 1e-9);
        let expected_sync: Vec<u32> = (0..fps * secs)
            .step_by((fps * 2) as usize)
            .map(|i| i + 1)
            .collect();
        assert_eq!(
            parsed.sync, expected_sync,
            "{ratio}: stss lists the IDR frames"
        );
        for (index, &(at, _)) in parsed.samples.iter().enumerate() {
            let nal_type = file[at + 4] & 0x1F;
            let is_sync = parsed.sync.contains(&(index as u32 + 1));
            assert_eq!(
                nal_type,
                if is_sync { 5 } else { 1 },
                "{ratio}: sample {index}"
            );
        }
    }
}

/// A picture drawn from nothing, as the incremental renderer must match.
fn fresh_frame(spec: &ClipSpec, index: u32) -> Planes {
    let c = Clip::from_spec(spec);
    let geometry = Geometry::new(c.width, c.height);
    let layout = ClipLayout::new(c.width, c.height, spec.seed, &spec.caption, c.secs);
    let mut canvas = Canvas::new(
        geometry.coded_width(),
        geometry.coded_height(),
        layout.palette.background,
    );
    layout.paint_static(&mut canvas);
    layout.paint_dynamic(&mut canvas, index, c.fps, c.frame_count);
    let mut planes = Planes::new(geometry.coded_width(), geometry.coded_height());
    planes.convert_all(&canvas, geometry);
    planes
}

#[test]
fn every_reconstructed_picture_equals_a_fresh_drawing_of_that_frame() {
    for spec in [
        clip("16:9", 24, 5),
        clip("9:16", 10, 4),
        clip("21:9", 30, 3),
    ] {
        let mut first_and_last = Vec::new();
        encode_clip(&spec, |index, planes| {
            let fresh = fresh_frame(&spec, index);
            assert!(
                planes.y == fresh.y && planes.u == fresh.u && planes.v == fresh.v,
                "frame {index} of {spec:?}"
            );
            if index == 0 || index + 1 == spec.fps * spec.duration_secs {
                first_and_last.push(planes.y.clone());
            }
        });
        assert_ne!(first_and_last[0], first_and_last[1], "the clip animates");
    }
}

#[test]
fn p_frames_code_only_what_moved() {
    let file = render_mp4(&clip("16:9", 24, 15));
    let parsed = parse_mp4(&file);
    let p_sizes: Vec<usize> = parsed
        .samples
        .iter()
        .filter(|&&(at, _)| file[at + 4] & 0x1F == 1)
        .map(|&(_, size)| size)
        .collect();
    let average = p_sizes.iter().sum::<usize>() / p_sizes.len();
    assert!(average < 200, "average P frame {average} bytes");
}

#[test]
fn fifteen_second_480p_clips_stay_under_a_megabyte() {
    for ratio in ["16:9", "9:16", "1:1"] {
        let size = render_mp4(&clip(ratio, 24, 15)).len();
        assert!(size < 1024 * 1024, "{ratio}: {size} bytes");
    }
}

#[test]
fn silly_inputs_are_clamped_instead_of_failing() {
    let cases = [
        (0, 0, 0, 0, (16, 16, 1)),
        (u32::MAX, 17, u32::MAX, 2, (1280, 16, 60)),
        (321, 181, 5, u32::MAX, (320, 180, 150)),
        (15, 1281, 1, 1, (16, 1280, 1)),
    ];
    for (width, height, fps, duration_secs, (w, h, frames)) in cases {
        let spec = ClipSpec {
            width,
            height,
            fps,
            duration_secs,
            seed: u64::MAX,
            caption: "ÜBER ✓ 日本 \n\t ok".into(),
        };
        let parsed = parse_mp4(&render_mp4(&spec));
        assert_eq!(
            (parsed.width, parsed.height, parsed.samples.len()),
            (w, h, frames),
            "{spec:?}"
        );
        let png = render_png(&StillSpec {
            width,
            height,
            seed: 0,
            caption: String::new(),
        });
        let (pw, ph, _) = decode_png(&png);
        assert_eq!((pw as u32, ph as u32), (w, h));
    }
}

#[test]
fn frame_sizes_are_480p_even_and_follow_the_ratio() {
    for (ratio, expected) in [
        ("16:9", (854, 480)),
        ("9:16", (480, 854)),
        ("21:9", (1120, 480)),
        ("4:3", (640, 480)),
        ("3:4", (480, 640)),
        ("1:1", (480, 480)),
        (" 4:3 ", (640, 480)),
        ("adaptive", (854, 480)),
        ("", (854, 480)),
    ] {
        let (w, h) = frame_size_for_ratio(ratio);
        assert_eq!((w, h), expected, "{ratio:?}");
        assert!(w % 2 == 0 && h % 2 == 0 && w.min(h) == 480);
    }
}

#[test]
fn png_chunks_checksums_and_pixels_are_right() {
    let spec = StillSpec {
        width: 320,
        height: 180,
        seed: 3,
        caption: "A quiet lake at dawn".into(),
    };
    let png = render_png(&spec);
    let (w, h, raw) = decode_png(&png);
    assert_eq!((w, h), (320, 180));
    let palette = Palette::from_seed(3);
    let mut canvas = Canvas::new(w, h, palette.background);
    paint_still(&mut canvas, &palette, &spec.caption);
    let expected: Vec<u8> = canvas
        .pixels
        .chunks(w)
        .flat_map(|row| std::iter::once(0).chain(row.iter().flat_map(|p| [p.0, p.1, p.2])))
        .collect();
    assert!(raw == expected, "decoded pixels equal the drawing");
    assert!(
        png.len() < 20_000,
        "flat drawings compress: {} bytes",
        png.len()
    );
}

#[test]
fn the_same_spec_renders_the_same_bytes() {
    let spec = clip("16:9", 12, 2);
    assert_eq!(render_mp4(&spec), render_mp4(&spec));
    assert_ne!(render_mp4(&spec), render_mp4(&ClipSpec { seed: 8, ..spec }));
}
