//! Synthesises the result media of the simulated provider: a short H.264 MP4
//! for the simulated video models and a PNG for the simulated image models.
//!
//! Users without an API key still get results they can open, play in a
//! browser and hand on to other tools, so these must be real, standard files
//! rather than placeholders. An encoder dependency (ffmpeg, a C library or a
//! crate) would weigh far more than placeholder media is worth, so both
//! formats are written by hand with std only. The H.264 side stays small
//! because every macroblock is coded in a way that needs no residual: raw
//! samples (I_PCM), a flat block the decoder predicts exactly (Intra 16x16
//! DC), or, in P frames, a copy of the previous frame, either in place
//! (P_Skip) or shifted by whole pixels where something moved (P_L0_16x16).
//! No transform, quantiser or residual coding is ever needed, and every
//! decoder rebuilds exactly the pictures drawn here; the encoder checks each
//! choice against the samples it must produce.
//!
//! The pieces, in the order a clip flows through them: `layout` decides
//! what goes where and draws it with `font` onto a `canvas`; `yuv` turns the
//! drawing into the pictures a decoder will rebuild; `macroblock` and
//! `h264` code them, with `bits` for the bit-level syntax; `mp4` wraps the
//! stream. A still is the canvas itself, written by `png`. This module holds
//! the public API and the loop that drives a clip frame by frame.

#![forbid(unsafe_code)]

mod bits;
mod canvas;
mod font;
mod h264;
mod layout;
mod macroblock;
mod mp4;
mod png;
mod yuv;

use self::{
    bits::length_prefixed,
    canvas::{Canvas, Palette, Rect},
    h264::Encoder,
    layout::{ClipLayout, paint_still},
    mp4::{Sample, Track, write_mp4},
    png::encode_png,
    yuv::{Geometry, Planes},
};

/// What a simulated clip looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration_secs: u32,
    pub seed: u64,
    pub caption: String,
}

/// What a simulated still image looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StillSpec {
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    pub caption: String,
}

const MIN_SIDE: u32 = 16;
const MAX_SIDE: u32 = 1280;
const MAX_FPS: u32 = 30;
const MAX_DURATION_SECS: u32 = 30;
/// Players can only start decoding (seek) at an IDR frame, so one every two
/// seconds keeps seeking responsive while the raw keyframes stay rare.
const IDR_INTERVAL_SECS: u32 = 2;

/// The frame size the simulator uses for a Seedance aspect ratio string like
/// "16:9", "9:16", "21:9", "4:3", "3:4", "1:1" (anything else: 16:9): 480 px
/// on the short side, like the models' 480p, so a frame taken from a clip is
/// big enough to start the next one (`first_frame` needs 300 px a side).
pub fn frame_size_for_ratio(ratio: &str) -> (u32, u32) {
    match ratio.trim() {
        "9:16" => (480, 854),
        "21:9" => (1120, 480),
        "4:3" => (640, 480),
        "3:4" => (480, 640),
        "1:1" => (480, 480),
        _ => (854, 480),
    }
}

/// Renders the clip as a fast-start MP4 (moov before mdat) holding one
/// Constrained Baseline H.264 track and one silent AAC track.
pub fn render_mp4(spec: &ClipSpec) -> Vec<u8> {
    encode_clip(spec, |_, _| {})
}

/// A `ClipSpec` clamped into what the encoder supports.
#[derive(Debug, Clone, Copy)]
struct Clip {
    width: usize,
    height: usize,
    fps: u32,
    secs: u32,
    frame_count: u32,
}

impl Clip {
    fn from_spec(spec: &ClipSpec) -> Self {
        let fps = spec.fps.clamp(1, MAX_FPS);
        let secs = spec.duration_secs.clamp(1, MAX_DURATION_SECS);
        Self {
            width: clamp_side(spec.width),
            height: clamp_side(spec.height),
            fps,
            secs,
            frame_count: fps.saturating_mul(secs),
        }
    }

    fn is_idr(&self, index: u32) -> bool {
        index.is_multiple_of(self.fps.saturating_mul(IDR_INTERVAL_SECS).max(1))
    }
}

/// Draws and encodes the clip; `on_frame` sees each picture exactly as a
/// decoder will rebuild it (tests compare it with a fresh drawing).
fn encode_clip(spec: &ClipSpec, mut on_frame: impl FnMut(u32, &Planes)) -> Vec<u8> {
    let clip = Clip::from_spec(spec);
    let Clip {
        width,
        height,
        fps,
        secs,
        frame_count,
    } = clip;
    let geometry = Geometry::new(width, height);
    let layout = ClipLayout::new(width, height, spec.seed, &spec.caption, secs);

    let mut backdrop = Canvas::new(
        geometry.coded_width(),
        geometry.coded_height(),
        layout.palette.background,
    );
    layout.paint_static(&mut backdrop);
    let mut canvas = backdrop.clone();
    let mut planes = Planes::new(geometry.coded_width(), geometry.coded_height());
    // What the decoder holds as the previous picture when decoding this one.
    let mut reference = Planes::new(geometry.coded_width(), geometry.coded_height());
    let mut encoder = Encoder::new(geometry, fps);
    let mut changed = vec![false; geometry.mb_count()];
    let mut previous_boxes: Vec<Rect> = Vec::new();
    let mut samples = Vec::with_capacity(to_usize(frame_count));

    for index in 0..frame_count {
        let boxes = layout.dynamic_boxes(index, fps);
        for rect in previous_boxes.iter().chain(boxes.iter()) {
            canvas.restore(&backdrop, *rect);
        }
        layout.paint_dynamic(&mut canvas, index, fps, frame_count);
        let idr = clip.is_idr(index);
        if idr {
            planes.convert_all(&canvas, geometry);
            changed.fill(true);
        } else {
            // Only macroblocks under this or the previous frame's moving
            // parts can differ, so only those are reconverted and compared.
            changed.fill(false);
            for rect in previous_boxes.iter().chain(boxes.iter()) {
                for mb in geometry.mbs_touching(*rect) {
                    if let Some(flag) = changed.get_mut(mb.index) {
                        *flag |= planes.convert_mb(&canvas, mb);
                    }
                }
            }
        }
        let shifts = if idr {
            Vec::new()
        } else {
            layout.motions(index, fps, frame_count)
        };
        let nal = encoder.encode_picture(&reference, &planes, &changed, idr, &shifts);
        for mb in geometry
            .mbs()
            .filter(|mb| changed.get(mb.index) == Some(&true))
        {
            if let Some(samples) = planes.load(mb) {
                reference.store(mb, &samples);
            }
        }
        on_frame(index, &reference);
        samples.push(Sample {
            data: length_prefixed(&nal),
            sync: idr,
        });
        previous_boxes = boxes;
    }

    let track = Track {
        width: u32_of(width),
        height: u32_of(height),
        fps,
        sps: encoder.sps(),
        pps: encoder.pps(),
    };
    write_mp4(&track, &samples)
}

/// Renders the still as an 8-bit RGB PNG.
pub fn render_png(spec: &StillSpec) -> Vec<u8> {
    let width = clamp_side(spec.width);
    let height = clamp_side(spec.height);
    let palette = Palette::from_seed(spec.seed);
    let mut canvas = Canvas::new(width, height, palette.background);
    paint_still(&mut canvas, &palette, &spec.caption);
    encode_png(&canvas)
}

fn clamp_side(value: u32) -> usize {
    // 4:2:0 chroma and the SPS crop both work in two-pixel steps.
    to_usize(value.clamp(MIN_SIDE, MAX_SIDE) & !1)
}

// Conversions the sibling modules share. The values involved are clamped
// far below every type's limit, so saturating never changes one; it keeps
// unwrap out of the encoder.

fn to_usize(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn u32_of(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn u8_of(value: i32) -> u8 {
    u8::try_from(value.clamp(0, 255)).unwrap_or(u8::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
