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

#![forbid(unsafe_code)]

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
const TITLE: &str = "SIMULATED";

/// The frame size the simulator uses for a Seedance aspect ratio string like
/// "16:9", "9:16", "21:9", "4:3", "3:4", "1:1" (anything else: 16:9). Small:
/// the long side about 320 px, both sides even.
pub fn frame_size_for_ratio(ratio: &str) -> (u32, u32) {
    match ratio.trim() {
        "9:16" => (180, 320),
        "21:9" => (320, 138),
        "4:3" => (320, 240),
        "3:4" => (240, 320),
        "1:1" => (320, 320),
        _ => (320, 180),
    }
}

/// Renders the clip as a fast-start MP4 (moov before mdat) holding one
/// Constrained Baseline H.264 track.
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

fn to_usize(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn u32_of(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn u8_of(value: i32) -> u8 {
    u8::try_from(value.clamp(0, 255)).unwrap_or(u8::MAX)
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

#[derive(Clone)]
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Rgb>,
}

impl Canvas {
    fn new(width: usize, height: usize, fill: Rgb) -> Self {
        Self {
            width,
            height,
            pixels: vec![fill; width.saturating_mul(height)],
        }
    }

    /// Row spans of `rect` clipped to the canvas, as index ranges.
    fn spans(&self, rect: Rect) -> impl Iterator<Item = std::ops::Range<usize>> + use<> {
        let x0 = rect.x.min(self.width);
        let x1 = rect.x.saturating_add(rect.w).min(self.width);
        let y0 = rect.y.min(self.height);
        let y1 = rect.y.saturating_add(rect.h).min(self.height);
        let width = self.width;
        (y0..y1).map(move |row| row * width + x0..row * width + x1)
    }

    fn fill(&mut self, rect: Rect, colour: Rgb) {
        for span in self.spans(rect) {
            if let Some(row) = self.pixels.get_mut(span) {
                row.fill(colour);
            }
        }
    }

    fn restore(&mut self, from: &Canvas, rect: Rect) {
        for span in self.spans(rect) {
            if let (Some(to), Some(src)) =
                (self.pixels.get_mut(span.clone()), from.pixels.get(span))
            {
                to.copy_from_slice(src);
            }
        }
    }

    fn at(&self, x: usize, y: usize) -> Rgb {
        if x >= self.width {
            return Rgb(0, 0, 0);
        }
        self.pixels
            .get(y.saturating_mul(self.width).saturating_add(x))
            .copied()
            .unwrap_or(Rgb(0, 0, 0))
    }

    fn text(&mut self, line: &TextLine, colour: Rgb) {
        let scale = line.scale;
        for (slot, &ch) in line.glyphs.iter().enumerate() {
            let Some(rows) = glyph(ch) else { continue };
            let gx = line
                .x
                .saturating_add(slot.saturating_mul(GLYPH_ADVANCE * scale));
            for (row, bits) in rows.iter().enumerate() {
                for col in 0..GLYPH_WIDTH {
                    if bits & (0x10 >> col) != 0 {
                        let rect = Rect {
                            x: gx.saturating_add(col * scale),
                            y: line.y.saturating_add(row * scale),
                            w: scale,
                            h: scale,
                        };
                        self.fill(rect, colour);
                    }
                }
            }
        }
    }
}

/// Colours derived from the seed, so different jobs look different but the
/// same job always renders the same bytes.
#[derive(Debug, Clone, Copy)]
struct Palette {
    background: Rgb,
    track: Rgb,
    accent: Rgb,
    title: Rgb,
    caption: Rgb,
    muted: Rgb,
}

impl Palette {
    fn from_seed(seed: u64) -> Self {
        let bits = mix64(seed);
        let hue = u32::try_from(bits % 360).unwrap_or(0);
        let value = 70 + u32::try_from((bits >> 16) % 40).unwrap_or(0);
        Self {
            // Dark and saturated so the light text always stands out.
            background: hsv(hue, 150, value),
            track: hsv(hue, 110, value + 60),
            accent: hsv((hue + 150) % 360, 190, 250),
            title: Rgb(245, 245, 245),
            caption: hsv(hue, 45, 235),
            muted: hsv(hue, 35, 200),
        }
    }
}

fn mix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Integer HSV to RGB; hue in degrees, saturation and value in 0..=255.
fn hsv(hue: u32, saturation: u32, value: u32) -> Rgb {
    let (h, s, v) = (hue % 360, saturation.min(255), value.min(255));
    let rem = (h % 60) * 255 / 60;
    let p = v * (255 - s) / 255;
    let q = v * (255 - s * rem / 255) / 255;
    let t = v * (255 - s * (255 - rem) / 255) / 255;
    let (r, g, b) = match h / 60 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    let byte = |c: u32| u8::try_from(c).unwrap_or(u8::MAX);
    Rgb(byte(r), byte(g), byte(b))
}

const GLYPH_WIDTH: usize = 5;
const GLYPH_HEIGHT: usize = 7;
const GLYPH_ADVANCE: usize = GLYPH_WIDTH + 1;

/// A 5x7 bitmap font: one byte per row, bit 4 is the leftmost column.
fn glyph(ch: u8) -> Option<[u8; GLYPH_HEIGHT]> {
    Some(match ch {
        b'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        b'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        b'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        b'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        b'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        b'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        b'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        b'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        b'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        b'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        b'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        b'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        b'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        b'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        b'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        b'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        b'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        b'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        b'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        b'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        b'Y' => [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04],
        b'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        b'0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        b'1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        b'2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        b'3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        b'4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        b'5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        b'6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        b'7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        b'8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        b'9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        b' ' => [0x00; GLYPH_HEIGHT],
        b'.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        b',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        b'!' => [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04],
        b'?' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
        b'-' => [0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00],
        b':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        b';' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08],
        b'\'' => [0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
        b'"' => [0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00],
        b'/' => [0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10],
        b'(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        b')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        b'+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        b'=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        b'&' => [0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D],
        b'%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        b'#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        b'*' => [0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00],
        b'_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        _ => return None,
    })
}

/// Pixel width of `chars` glyphs at `scale` (no trailing gap).
fn text_width(chars: usize, scale: usize) -> usize {
    chars
        .saturating_mul(GLYPH_ADVANCE)
        .saturating_sub(1)
        .saturating_mul(scale)
}

fn chars_fitting(width: usize, scale: usize) -> usize {
    (width / scale.max(1)).saturating_add(1) / GLYPH_ADVANCE
}

/// Uppercases, drops characters the font lacks and collapses whitespace.
fn sanitize(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let Ok(byte) = u8::try_from(u32::from(ch.to_ascii_uppercase())) else {
            continue;
        };
        if glyph(byte).is_none() {
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(byte);
    }
    out
}

/// Cuts `text` to `max_chars`, marking the cut with "..." when there is room.
fn truncate(mut text: Vec<u8>, max_chars: usize) -> Vec<u8> {
    if text.len() <= max_chars {
        return text;
    }
    if max_chars >= 4 {
        text.truncate(max_chars - 3);
        while text.last() == Some(&b' ') {
            text.pop();
        }
        text.extend_from_slice(b"...");
    } else {
        text.truncate(max_chars);
    }
    text
}

/// Word-wraps into at most `max_lines` lines of `max_chars`; the rest is cut.
fn wrap(text: &[u8], max_chars: usize, max_lines: usize) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && max_chars > 0 {
        if lines.len() + 1 >= max_lines || rest.len() <= max_chars {
            lines.push(truncate(rest.to_vec(), max_chars));
            break;
        }
        let window = rest.get(..=max_chars).unwrap_or(rest);
        let cut = window
            .iter()
            .rposition(|&b| b == b' ')
            .filter(|&at| at > 0)
            .unwrap_or(max_chars);
        let (line, tail) = rest.split_at(cut.min(rest.len()));
        lines.push(line.to_vec());
        rest = tail.strip_prefix(b" ").unwrap_or(tail);
    }
    lines
}

#[derive(Debug, Clone)]
struct TextLine {
    glyphs: Vec<u8>,
    x: usize,
    y: usize,
    scale: usize,
}

impl TextLine {
    /// Centred, then nudged left if needed so the text ends at least two
    /// pixels short of a macroblock edge (see `top_of_rows` for why).
    fn centred(glyphs: Vec<u8>, frame_width: usize, y: usize, scale: usize) -> Self {
        let width = text_width(glyphs.len(), scale);
        let mut x = frame_width.saturating_sub(width) / 2;
        let last = (x + width).saturating_sub(1) % 16;
        if width > 0 && last >= 14 {
            x = x.saturating_sub(last - 13);
        }
        Self {
            glyphs,
            x,
            y,
            scale,
        }
    }

    fn bounds(&self) -> Rect {
        Rect {
            x: self.x,
            y: self.y,
            w: text_width(self.glyphs.len(), self.scale),
            h: GLYPH_HEIGHT * self.scale,
        }
    }
}

/// The title scale: as large as suits the frame, shrunk until it fits.
fn title_scale(available: usize, short_side: usize) -> usize {
    let mut scale = (short_side / 60).max(1);
    while scale > 1 && text_width(TITLE.len(), scale) > available {
        scale -= 1;
    }
    scale
}

fn caption_lines(
    caption: &str,
    frame_width: usize,
    ys: &[usize],
    scale: usize,
    margin: usize,
) -> Vec<TextLine> {
    let available = frame_width.saturating_sub(margin * 2);
    let lines = wrap(
        &sanitize(caption),
        chars_fitting(available, scale),
        ys.len(),
    );
    lines
        .into_iter()
        .zip(ys)
        .map(|(glyphs, &y)| TextLine::centred(glyphs, frame_width, y, scale))
        .collect()
}

/// Where everything in a clip goes. Keyframes carry every non-flat
/// macroblock as raw samples, so each text line gets whole macroblock rows
/// of its own rather than straddling a boundary, and the moving parts stay
/// inside single rows so P frames touch few macroblocks.
struct ClipLayout {
    palette: Palette,
    title: TextLine,
    captions: Vec<TextLine>,
    square_side: usize,
    square_y: usize,
    square_left: usize,
    square_travel: usize,
    bar: Rect,
    timecode: TextLine,
    duration_secs: u32,
}

/// How many macroblock rows an element `px` pixels tall needs, leaving two
/// background rows below it (see `top_of_rows`).
fn mb_rows_for(px: usize) -> usize {
    (px + 2).div_ceil(16).max(1)
}

/// Where an element placed in macroblock row `row` starts: flush with the
/// top, so (given one spare pixel row, see `mb_rows_for`) its last two pixel
/// rows stay background. Those rows, and the 4:2:0 chroma row they share,
/// are the edge the macroblock below predicts from; background there lets
/// it be coded as a flat block instead of raw samples.
fn top_of_rows(row: usize) -> usize {
    row * 16
}

impl ClipLayout {
    fn new(width: usize, height: usize, seed: u64, caption: &str, duration_secs: u32) -> Self {
        let short = width.min(height);
        let margin = (width / 24).max(2);
        let available = width.saturating_sub(margin * 2);
        let scale = title_scale(available, short);
        let full_rows = (height / 16).max(1);
        let last_row = full_rows - 1;

        let title_h = GLYPH_HEIGHT * scale;
        let title_rows = mb_rows_for(title_h);
        let mut row = full_rows / 8;
        let title_glyphs = truncate(TITLE.as_bytes().to_vec(), chars_fitting(available, scale));
        let title = TextLine::centred(title_glyphs, width, top_of_rows(row), scale);
        row += title_rows;

        let caption_scale = ((scale * 2 + 1) / 3).clamp(1, (short / 160).max(2));
        let caption_h = GLYPH_HEIGHT * caption_scale;
        let caption_rows = mb_rows_for(caption_h);
        // Up to four lines, as room allows: tall frames show more of the prompt.
        let max_lines = (full_rows.saturating_sub(row) / 4).clamp(1, 4);
        let ys: Vec<usize> = (0..max_lines)
            .map(|line| top_of_rows(row + line * caption_rows))
            .collect();
        let captions = caption_lines(caption, width, &ys, caption_scale, margin);
        row += caption_rows * captions.len();

        // Even height and position keep the bar's chroma clean, and it ends
        // two rows above the macroblock edge.
        let bar_h = (short / 60).clamp(2, 4) & !1;
        let bar_y = (last_row * 16 + 14).saturating_sub(bar_h);
        let bar = Rect {
            x: margin,
            y: bar_y,
            w: available,
            h: bar_h,
        };

        // The timecode shares the bar's row when it fits above the bar there.
        let timecode_scale = (scale / 3).max(1);
        let timecode_h = GLYPH_HEIGHT * timecode_scale;
        let timecode_y = if last_row * 16 + timecode_h + 2 <= bar_y {
            last_row * 16
        } else {
            let rows = mb_rows_for(timecode_h);
            top_of_rows(last_row.saturating_sub(rows))
        };
        let timecode = TextLine {
            glyphs: timecode_text(0, duration_secs),
            x: margin,
            y: timecode_y,
            scale: timecode_scale,
        };

        let square_side = ((short / 12) & !1).clamp(6, 14);
        let square_row = (row + timecode_y / 16) / 2;
        let square_y = top_of_rows(square_row);
        let square_travel = width.saturating_sub(margin * 2 + square_side);
        Self {
            palette: Palette::from_seed(seed),
            title,
            captions,
            square_side,
            square_y,
            square_left: margin,
            square_travel,
            bar,
            timecode,
            duration_secs,
        }
    }

    fn paint_static(&self, canvas: &mut Canvas) {
        canvas.text(&self.title, self.palette.title);
        for line in &self.captions {
            canvas.text(line, self.palette.caption);
        }
        canvas.fill(self.bar, self.palette.track);
    }

    /// The square sweeps across and back every four seconds.
    fn square(&self, index: u32, fps: u32) -> Rect {
        let half = u64::from(fps.max(1)) * 2;
        let phase = u64::from(index) % (half * 2);
        let along = if phase <= half {
            phase
        } else {
            half * 2 - phase
        };
        let travel = u64::try_from(self.square_travel).unwrap_or(0);
        // Even steps keep the 2x2 chroma grid aligned, so the previous frame
        // shifted by the step reproduces the square exactly (see `motions`).
        let offset = usize::try_from(travel * along / half).unwrap_or(0) & !1;
        Rect {
            x: self.square_left + offset,
            y: self.square_y,
            w: self.square_side,
            h: self.square_side,
        }
    }

    /// The filled part of the progress bar after frame `index`. It grows in
    /// 4-pixel steps: smooth enough to read, yet the macroblock at its tip
    /// changes only every few frames.
    fn bar_fill(&self, index: u32, frame_count: u32) -> Rect {
        let elapsed = u64::from(index) + 1;
        let total = u64::from(frame_count.max(1));
        let full = u64::try_from(self.bar.w).unwrap_or(0);
        let mut filled = full * elapsed / total;
        if elapsed < total {
            filled -= filled % 4;
        }
        Rect {
            w: usize::try_from(filled).unwrap_or(0),
            ..self.bar
        }
    }

    fn timecode(&self, index: u32, fps: u32) -> TextLine {
        TextLine {
            glyphs: timecode_text(index / fps.max(1), self.duration_secs),
            ..self.timecode.clone()
        }
    }

    /// How far things moved since the previous frame, as candidate vectors
    /// for copying whole macroblocks from it.
    fn motions(&self, index: u32, fps: u32, frame_count: u32) -> Vec<Mv> {
        let Some(previous) = index.checked_sub(1) else {
            return Vec::new();
        };
        let step = |now: usize, before: usize| {
            let (now, before) = (
                i64::try_from(now).unwrap_or(0),
                i64::try_from(before).unwrap_or(0),
            );
            i32::try_from(now - before).unwrap_or(0)
        };
        let square = step(self.square(index, fps).x, self.square(previous, fps).x);
        let bar = step(
            self.bar_fill(index, frame_count).w,
            self.bar_fill(previous, frame_count).w,
        );
        [square, bar]
            .into_iter()
            .filter(|&dx| dx != 0 && dx % 2 == 0)
            .map(|dx| Mv::shift(dx, 0))
            .collect()
    }

    /// Everything `paint_dynamic` may touch in frame `index`.
    fn dynamic_boxes(&self, index: u32, fps: u32) -> Vec<Rect> {
        vec![
            self.square(index, fps),
            self.bar,
            self.timecode(index, fps).bounds(),
        ]
    }

    fn paint_dynamic(&self, canvas: &mut Canvas, index: u32, fps: u32, frame_count: u32) {
        canvas.fill(self.bar_fill(index, frame_count), self.palette.accent);
        canvas.fill(self.square(index, fps), self.palette.accent);
        canvas.text(&self.timecode(index, fps), self.palette.muted);
    }
}

fn timecode_text(elapsed_secs: u32, total_secs: u32) -> Vec<u8> {
    let clock = |s: u32| format!("{:02}:{:02}", s / 60, s % 60);
    format!("{} / {}", clock(elapsed_secs), clock(total_secs)).into_bytes()
}

fn paint_still(canvas: &mut Canvas, palette: &Palette, caption: &str) {
    let (width, height) = (canvas.width, canvas.height);
    let short = width.min(height);
    let margin = (width / 24).max(2);
    let available = width.saturating_sub(margin * 2);
    let scale = title_scale(available, short);
    let title_glyphs = truncate(TITLE.as_bytes().to_vec(), chars_fitting(available, scale));
    let title = TextLine::centred(title_glyphs, width, height * 3 / 10, scale);
    canvas.text(&title, palette.title);
    let rule_w = text_width(TITLE.len(), scale).min(available);
    let rule_y = title.y + GLYPH_HEIGHT * scale + scale * 2;
    canvas.fill(
        Rect {
            x: width.saturating_sub(rule_w) / 2,
            y: rule_y,
            w: rule_w,
            h: scale.max(2),
        },
        palette.accent,
    );
    let caption_scale = ((scale * 2 + 1) / 3).clamp(1, (short / 160).max(2));
    let caption_y = rule_y + scale.max(2) + (height / 20).max(3);
    let pitch = (GLYPH_HEIGHT + 3) * caption_scale;
    let room = height.saturating_sub(caption_y + margin) / pitch.max(1);
    let ys: Vec<usize> = (0..room.clamp(1, 4))
        .map(|line| caption_y + line * pitch)
        .collect();
    for line in caption_lines(caption, width, &ys, caption_scale, margin) {
        canvas.text(&line, palette.caption);
    }
    let frame = (short / 60).max(1);
    for rect in [
        Rect {
            x: 0,
            y: 0,
            w: width,
            h: frame,
        },
        Rect {
            x: 0,
            y: height.saturating_sub(frame),
            w: width,
            h: frame,
        },
        Rect {
            x: 0,
            y: 0,
            w: frame,
            h: height,
        },
        Rect {
            x: width.saturating_sub(frame),
            y: 0,
            w: frame,
            h: height,
        },
    ] {
        canvas.fill(rect, palette.track);
    }
}

// ---------------------------------------------------------------------------
// YUV 4:2:0
// ---------------------------------------------------------------------------

/// BT.601 limited range. Its output never reaches 0, which also keeps I_PCM
/// samples inside the range older decoders insist on (sample value 0 was
/// forbidden in I_PCM before the 2005 revision).
fn luma(c: Rgb) -> i32 {
    let (r, g, b) = (i32::from(c.0), i32::from(c.1), i32::from(c.2));
    ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
}

fn chroma(c: Rgb) -> (i32, i32) {
    let (r, g, b) = (i32::from(c.0), i32::from(c.1), i32::from(c.2));
    let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    (u, v)
}

#[derive(Debug, Clone, Copy)]
struct Geometry {
    width: usize,
    height: usize,
    mb_cols: usize,
    mb_rows: usize,
}

#[derive(Debug, Clone, Copy)]
struct MbPos {
    index: usize,
    col: usize,
    row: usize,
}

impl Geometry {
    fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            mb_cols: width.div_ceil(16),
            mb_rows: height.div_ceil(16),
        }
    }
    fn coded_width(&self) -> usize {
        self.mb_cols * 16
    }
    fn coded_height(&self) -> usize {
        self.mb_rows * 16
    }
    fn mb_count(&self) -> usize {
        self.mb_cols * self.mb_rows
    }
    fn mb(&self, col: usize, row: usize) -> MbPos {
        MbPos {
            index: row * self.mb_cols + col,
            col,
            row,
        }
    }
    fn mbs(self) -> impl Iterator<Item = MbPos> + use<> {
        (0..self.mb_rows).flat_map(move |row| (0..self.mb_cols).map(move |col| self.mb(col, row)))
    }
    fn mbs_touching(self, rect: Rect) -> impl Iterator<Item = MbPos> + use<> {
        let col0 = rect.x / 16;
        let row0 = rect.y / 16;
        let col1 = rect.x.saturating_add(rect.w).div_ceil(16).min(self.mb_cols);
        let row1 = rect.y.saturating_add(rect.h).div_ceil(16).min(self.mb_rows);
        let empty = rect.w == 0 || rect.h == 0;
        (row0..row1)
            .flat_map(move |row| (col0..col1).map(move |col| self.mb(col, row)))
            .filter(move |_| !empty)
    }
}

/// One macroblock's samples in I_PCM order: 16x16 luma, 8x8 Cb, 8x8 Cr.
struct MbSamples {
    y: [u8; 256],
    u: [u8; 64],
    v: [u8; 64],
}

struct Planes {
    width: usize,
    height: usize,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl Planes {
    fn new(width: usize, height: usize) -> Self {
        let chroma_len = (width / 2) * (height / 2);
        Self {
            width,
            height,
            y: vec![16; width * height],
            u: vec![128; chroma_len],
            v: vec![128; chroma_len],
        }
    }

    /// A sample at a possibly out-of-picture position, clamped to the
    /// nearest edge sample as inter prediction does (clause 8.4.2.2).
    fn clamped(&self, cr: Option<bool>, x: i64, y: i64) -> Option<u8> {
        let (plane, width, height) = match cr {
            None => (self.y.as_slice(), self.width, self.height),
            Some(cr) => (self.chroma_plane(cr), self.width / 2, self.height / 2),
        };
        let limit = |v: i64, len: usize| {
            usize::try_from(v.clamp(0, i64::try_from(len).ok()?.checked_sub(1)?)).ok()
        };
        let (x, y) = (limit(x, width)?, limit(y, height)?);
        plane.get(y * width + x).copied()
    }

    fn luma_at(&self, x: usize, y: usize) -> Option<u8> {
        self.y.get(y * self.width + x).copied()
    }

    fn chroma_plane(&self, cr: bool) -> &[u8] {
        if cr { &self.v } else { &self.u }
    }

    fn chroma_at(&self, cr: bool, x: usize, y: usize) -> Option<u8> {
        self.chroma_plane(cr).get(y * (self.width / 2) + x).copied()
    }

    fn convert_all(&mut self, canvas: &Canvas, geometry: Geometry) {
        for mb in geometry.mbs() {
            self.convert_mb(canvas, mb);
        }
    }

    /// Converts one macroblock from the canvas; true if its samples changed.
    fn convert_mb(&mut self, canvas: &Canvas, mb: MbPos) -> bool {
        let samples = mb_from_canvas(canvas, mb);
        let changed = self
            .load(mb)
            .is_none_or(|old| old.y != samples.y || old.u != samples.u || old.v != samples.v);
        if changed {
            self.store(mb, &samples);
        }
        changed
    }

    fn rows(&self, mb: MbPos) -> (usize, usize, usize) {
        (mb.col * 16, mb.row * 16, self.width / 2)
    }

    fn load(&self, mb: MbPos) -> Option<MbSamples> {
        let (x0, y0, cw) = self.rows(mb);
        let mut out = MbSamples {
            y: [0; 256],
            u: [0; 64],
            v: [0; 64],
        };
        for (row, dst) in out.y.chunks_exact_mut(16).enumerate() {
            let start = (y0 + row) * self.width + x0;
            dst.copy_from_slice(self.y.get(start..start + 16)?);
        }
        for (plane, out_plane) in [(&self.u, &mut out.u), (&self.v, &mut out.v)] {
            for (row, dst) in out_plane.chunks_exact_mut(8).enumerate() {
                let start = (y0 / 2 + row) * cw + x0 / 2;
                dst.copy_from_slice(plane.get(start..start + 8)?);
            }
        }
        Some(out)
    }

    fn store(&mut self, mb: MbPos, samples: &MbSamples) {
        let (x0, y0, cw) = self.rows(mb);
        for (row, src) in samples.y.chunks_exact(16).enumerate() {
            let start = (y0 + row) * self.width + x0;
            if let Some(dst) = self.y.get_mut(start..start + 16) {
                dst.copy_from_slice(src);
            }
        }
        for (plane, src_plane) in [(&mut self.u, &samples.u), (&mut self.v, &samples.v)] {
            for (row, src) in src_plane.chunks_exact(8).enumerate() {
                let start = (y0 / 2 + row) * cw + x0 / 2;
                if let Some(dst) = plane.get_mut(start..start + 8) {
                    dst.copy_from_slice(src);
                }
            }
        }
    }
}

fn mb_from_canvas(canvas: &Canvas, mb: MbPos) -> MbSamples {
    let (x0, y0) = (mb.col * 16, mb.row * 16);
    let mut out = MbSamples {
        y: [0; 256],
        u: [0; 64],
        v: [0; 64],
    };
    for (i, sample) in out.y.iter_mut().enumerate() {
        *sample = u8_of(luma(canvas.at(x0 + i % 16, y0 + i / 16)));
    }
    for (i, (u_out, v_out)) in out.u.iter_mut().zip(out.v.iter_mut()).enumerate() {
        let (cx, cy) = (x0 + (i % 8) * 2, y0 + (i / 8) * 2);
        let (mut su, mut sv) = (0, 0);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (u, v) = chroma(canvas.at(cx + dx, cy + dy));
            su += u;
            sv += v;
        }
        *u_out = u8_of((su + 2) >> 2);
        *v_out = u8_of((sv + 2) >> 2);
    }
    out
}

// ---------------------------------------------------------------------------
// H.264
// ---------------------------------------------------------------------------

/// Accumulates an RBSP most significant bit first.
struct BitWriter {
    bytes: Vec<u8>,
    current: u8,
    used: u32,
}

impl BitWriter {
    fn new() -> Self {
        Self {
            bytes: Vec::new(),
            current: 0,
            used: 0,
        }
    }

    fn bit(&mut self, on: bool) {
        self.current = (self.current << 1) | u8::from(on);
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.current);
            self.current = 0;
            self.used = 0;
        }
    }

    fn bits(&mut self, value: u64, count: u32) {
        for shift in (0..count.min(64)).rev() {
            self.bit((value >> shift) & 1 == 1);
        }
    }

    /// Unsigned Exp-Golomb, ue(v).
    fn ue(&mut self, value: u32) {
        let code = u64::from(value) + 1;
        let len = 64 - code.leading_zeros();
        self.bits(0, len - 1);
        self.bits(code, len);
    }

    /// Signed Exp-Golomb, se(v).
    fn se(&mut self, value: i32) {
        let magnitude = value.unsigned_abs();
        let code = if value > 0 {
            magnitude.saturating_mul(2) - 1
        } else {
            magnitude.saturating_mul(2)
        };
        self.ue(code);
    }

    fn align_with_zeros(&mut self) {
        while self.used != 0 {
            self.bit(false);
        }
    }

    fn bytes(&mut self, data: &[u8]) {
        if self.used == 0 {
            self.bytes.extend_from_slice(data);
        } else {
            for &byte in data {
                self.bits(u64::from(byte), 8);
            }
        }
    }

    /// rbsp_trailing_bits(): the stop bit, then zeros to the byte boundary.
    fn finish(mut self) -> Vec<u8> {
        self.bit(true);
        self.align_with_zeros();
        self.bytes
    }
}

const NAL_SLICE: u8 = 1;
const NAL_IDR: u8 = 5;
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;

/// Wraps an RBSP in a NAL unit, inserting emulation prevention bytes so no
/// start code pattern appears inside it.
fn nal_unit(ref_idc: u8, kind: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 2);
    out.push(((ref_idc & 3) << 5) | (kind & 0x1F));
    let mut zeros = 0;
    for &byte in rbsp {
        if zeros >= 2 && byte <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(byte);
        zeros = if byte == 0 { zeros + 1 } else { 0 };
    }
    if zeros > 0 {
        out.push(3);
    }
    out
}

fn length_prefixed(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len() + 4);
    out.extend_from_slice(&u32_of(nal.len()).to_be_bytes());
    out.extend_from_slice(nal);
    out
}

const PROFILE_BASELINE: u8 = 66;
/// constraint_set0 and constraint_set1: Baseline and Main decoders both
/// accept it, which is what "Constrained Baseline" means.
const CONSTRAINT_FLAGS: u8 = 0xC0;
const LOG2_MAX_FRAME_NUM: u32 = 4;
/// Intra 16x16 DC with no residual, and I_PCM, as numbered in an I slice;
/// a P slice numbers intra types five higher.
const MB_TYPE_I16X16_DC: u32 = 3;
const MB_TYPE_I_PCM: u32 = 25;
const P_INTRA_OFFSET: u32 = 5;

/// A motion vector in quarter luma samples, the unit of the bitstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Mv {
    x: i32,
    y: i32,
}

impl Mv {
    /// The vector that finds, in the previous frame, content that has since
    /// moved `dx`, `dy` whole pixels: it points back to where it was.
    fn shift(dx: i32, dy: i32) -> Self {
        Self {
            x: -dx.saturating_mul(4),
            y: -dy.saturating_mul(4),
        }
    }
}

/// How one macroblock is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MbKind {
    /// P_Skip: the decoder copies the reference at the predicted vector.
    Skip(Mv),
    /// P_L0_16x16 with no residual: a whole-sample copy of the reference.
    Copy(Mv),
    /// Intra 16x16 DC with no residual.
    FlatDc,
    /// I_PCM: the raw samples.
    Pcm,
}

impl MbKind {
    /// nN of clause 9.2.1: what a neighbour contributes to nC. I_PCM counts
    /// as 16 coefficients; skipped and residual-free blocks as none.
    fn coefficients(self) -> u32 {
        match self {
            MbKind::Pcm => 16,
            MbKind::Skip(_) | MbKind::Copy(_) | MbKind::FlatDc => 0,
        }
    }

    /// refIdxL0 0 with this vector, or None for intra (refIdx -1).
    fn motion(self) -> Option<Mv> {
        match self {
            MbKind::Skip(mv) | MbKind::Copy(mv) => Some(mv),
            MbKind::FlatDc | MbKind::Pcm => None,
        }
    }
}

fn median(a: i32, b: i32, c: i32) -> i32 {
    a.max(b).min(a.min(b).max(c))
}

struct Encoder {
    geometry: Geometry,
    fps: u32,
    frame_num: u32,
    idr_pic_id: u32,
    kinds: Vec<MbKind>,
}

impl Encoder {
    fn new(geometry: Geometry, fps: u32) -> Self {
        Self {
            geometry,
            fps,
            frame_num: 0,
            idr_pic_id: 0,
            kinds: vec![MbKind::Pcm; geometry.mb_count()],
        }
    }

    /// Lowest level whose frame size and macroblock rate fit, but at least
    /// 3.0: raw I_PCM keyframes burst past the bit rate and buffer limits of
    /// the lower levels, and every decoder in use handles 3.0.
    fn level_idc(&self) -> u8 {
        const LEVELS: [(u8, u64, u64); 5] = [
            (30, 40_500, 1_620),
            (31, 108_000, 3_600),
            (32, 216_000, 5_120),
            (40, 245_760, 8_192),
            (42, 522_240, 8_704),
        ];
        let frame = u64::try_from(self.geometry.mb_count()).unwrap_or(u64::MAX);
        let side =
            u64::try_from(self.geometry.mb_cols.max(self.geometry.mb_rows)).unwrap_or(u64::MAX);
        let rate = frame.saturating_mul(u64::from(self.fps));
        LEVELS
            .iter()
            .find(|&&(_, max_rate, max_frame)| {
                frame <= max_frame && rate <= max_rate && side.saturating_mul(side) <= max_frame * 8
            })
            .map_or(42, |&(level, _, _)| level)
    }

    fn sps(&self) -> Vec<u8> {
        let g = self.geometry;
        let mut w = BitWriter::new();
        w.bits(u64::from(PROFILE_BASELINE), 8);
        w.bits(u64::from(CONSTRAINT_FLAGS), 8);
        w.bits(u64::from(self.level_idc()), 8);
        w.ue(0); // seq_parameter_set_id
        w.ue(LOG2_MAX_FRAME_NUM - 4);
        // Picture order follows frame_num: no reordering, nothing to signal.
        w.ue(2); // pic_order_cnt_type
        w.ue(1); // max_num_ref_frames
        w.bit(false); // gaps_in_frame_num_value_allowed_flag
        w.ue(u32_of(g.mb_cols.saturating_sub(1)));
        w.ue(u32_of(g.mb_rows.saturating_sub(1)));
        w.bit(true); // frame_mbs_only_flag
        w.bit(true); // direct_8x8_inference_flag
        // Cropping works in 2-pixel units for 4:2:0 progressive frames.
        let crop_right = u32_of((g.coded_width() - g.width) / 2);
        let crop_bottom = u32_of((g.coded_height() - g.height) / 2);
        let cropped = crop_right > 0 || crop_bottom > 0;
        w.bit(cropped);
        if cropped {
            w.ue(0);
            w.ue(crop_right);
            w.ue(0);
            w.ue(crop_bottom);
        }
        w.bit(true); // vui_parameters_present_flag
        self.vui(&mut w);
        nal_unit(3, NAL_SPS, &w.finish())
    }

    /// Tells players the pixel aspect, the colour matrix the samples were
    /// made with and that no frame is ever held back for reordering, so
    /// they neither guess nor buffer.
    fn vui(&self, w: &mut BitWriter) {
        w.bit(true); // aspect_ratio_info_present_flag
        w.bits(1, 8); // aspect_ratio_idc: square pixels
        w.bit(false); // overscan_info_present_flag
        w.bit(true); // video_signal_type_present_flag
        w.bits(5, 3); // video_format: unspecified
        w.bit(false); // video_full_range_flag: limited range
        w.bit(true); // colour_description_present_flag
        w.bits(6, 8); // colour_primaries: SMPTE 170M
        w.bits(6, 8); // transfer_characteristics: SMPTE 170M
        w.bits(6, 8); // matrix_coefficients: BT.601
        w.bit(false); // chroma_loc_info_present_flag
        w.bit(true); // timing_info_present_flag
        w.bits(1, 32); // num_units_in_tick
        w.bits(u64::from(self.fps) * 2, 32); // time_scale: two ticks a frame
        w.bit(true); // fixed_frame_rate_flag
        w.bit(false); // nal_hrd_parameters_present_flag
        w.bit(false); // vcl_hrd_parameters_present_flag
        w.bit(false); // pic_struct_present_flag
        w.bit(true); // bitstream_restriction_flag
        w.bit(true); // motion_vectors_over_pic_boundaries_flag
        w.ue(0); // max_bytes_per_pic_denom
        w.ue(0); // max_bits_per_mb_denom
        w.ue(15); // log2_max_mv_length_horizontal
        w.ue(15); // log2_max_mv_length_vertical
        w.ue(0); // max_num_reorder_frames
        w.ue(1); // max_dec_frame_buffering
    }

    fn pps(&self) -> Vec<u8> {
        let mut w = BitWriter::new();
        w.ue(0); // pic_parameter_set_id
        w.ue(0); // seq_parameter_set_id
        w.bit(false); // entropy_coding_mode_flag: CAVLC
        w.bit(false); // bottom_field_pic_order_in_frame_present_flag
        w.ue(0); // num_slice_groups_minus1
        w.ue(0); // num_ref_idx_l0_default_active_minus1
        w.ue(0); // num_ref_idx_l1_default_active_minus1
        w.bit(false); // weighted_pred_flag
        w.bits(0, 2); // weighted_bipred_idc
        w.se(0); // pic_init_qp_minus26
        w.se(0); // pic_init_qs_minus26
        w.se(0); // chroma_qp_index_offset
        // Present so each slice can switch the deblocking filter off: the
        // decoded pictures must equal the drawn ones sample for sample.
        w.bit(true); // deblocking_filter_control_present_flag
        w.bit(false); // constrained_intra_pred_flag
        w.bit(false); // redundant_pic_cnt_present_flag
        nal_unit(3, NAL_PPS, &w.finish())
    }

    /// Codes one picture as a single slice: an IDR I slice, or a P slice in
    /// which each macroblock is, in order of preference, skipped, copied
    /// from the reference at one of the `shifts` the scene moved things by,
    /// predicted flat, or sent raw. Every choice is checked against the
    /// samples it must produce, so the decoded picture is `current` exactly.
    fn encode_picture(
        &mut self,
        reference: &Planes,
        current: &Planes,
        changed: &[bool],
        idr: bool,
        shifts: &[Mv],
    ) -> Vec<u8> {
        if idr {
            self.frame_num = 0;
        }
        let mut w = BitWriter::new();
        w.ue(0); // first_mb_in_slice
        w.ue(if idr { 7 } else { 5 }); // slice_type: I or P, every slice alike
        w.ue(0); // pic_parameter_set_id
        w.bits(u64::from(self.frame_num), LOG2_MAX_FRAME_NUM);
        if idr {
            w.ue(self.idr_pic_id);
            // Back-to-back IDR pictures must differ in idr_pic_id.
            self.idr_pic_id = (self.idr_pic_id + 1) % 2;
        } else {
            w.bit(false); // num_ref_idx_active_override_flag
            w.bit(false); // ref_pic_list_modification_flag_l0
        }
        if idr {
            w.bit(false); // no_output_of_prior_pics_flag
            w.bit(false); // long_term_reference_flag
        } else {
            w.bit(false); // adaptive_ref_pic_marking_mode_flag: sliding window
        }
        w.se(0); // slice_qp_delta
        w.ue(1); // disable_deblocking_filter_idc

        let mut skip_run = 0u32;
        for mb in self.geometry.mbs() {
            let kind = if idr {
                if flat_dc_predicts(current, mb) {
                    MbKind::FlatDc
                } else {
                    MbKind::Pcm
                }
            } else {
                let changed = changed.get(mb.index).copied().unwrap_or(true);
                self.choose(reference, current, mb, changed, shifts)
            };
            if let MbKind::Skip(_) = kind {
                skip_run += 1;
                self.set_kind(mb, kind);
                continue;
            }
            if !idr {
                w.ue(skip_run);
                skip_run = 0;
            }
            let intra_offset = if idr { 0 } else { P_INTRA_OFFSET };
            match kind {
                MbKind::Skip(_) => {}
                MbKind::Copy(mv) => {
                    let predicted = self.predicted_mv(mb);
                    w.ue(0); // mb_type P_L0_16x16; one reference, so no ref_idx
                    w.se(mv.x.saturating_sub(predicted.x)); // mvd_l0
                    w.se(mv.y.saturating_sub(predicted.y));
                    w.ue(0); // coded_block_pattern 0 (inter codeNum 0): no residual
                }
                MbKind::FlatDc => {
                    w.ue(MB_TYPE_I16X16_DC + intra_offset);
                    w.ue(0); // intra_chroma_pred_mode: DC
                    w.se(0); // mb_qp_delta
                    self.write_empty_dc_block(&mut w, mb);
                }
                MbKind::Pcm => {
                    w.ue(MB_TYPE_I_PCM + intra_offset);
                    w.align_with_zeros(); // pcm_alignment_zero_bit
                    write_pcm_samples(&mut w, current, mb);
                }
            }
            self.set_kind(mb, kind);
        }
        if skip_run > 0 {
            w.ue(skip_run);
        }
        self.frame_num = (self.frame_num + 1) % (1 << LOG2_MAX_FRAME_NUM);
        if idr {
            nal_unit(3, NAL_IDR, &w.finish())
        } else {
            nal_unit(2, NAL_SLICE, &w.finish())
        }
    }

    fn choose(
        &self,
        reference: &Planes,
        current: &Planes,
        mb: MbPos,
        changed: bool,
        shifts: &[Mv],
    ) -> MbKind {
        let reproduces = |mv: Mv| {
            if mv == Mv::default() {
                !changed
            } else {
                copy_reproduces(reference, current, mb, mv)
            }
        };
        let skip = self.skip_mv(mb);
        if reproduces(skip) {
            return MbKind::Skip(skip);
        }
        if !changed {
            return MbKind::Copy(Mv::default());
        }
        if flat_dc_predicts(current, mb) {
            return MbKind::FlatDc;
        }
        shifts
            .iter()
            .copied()
            .find(|&mv| reproduces(mv))
            .map_or(MbKind::Pcm, MbKind::Copy)
    }

    /// The motion of the macroblock `dc`, `dr` away, decided earlier in this
    /// picture: None if it is outside the picture, Some(None) if intra.
    fn neighbour(&self, mb: MbPos, dc: isize, dr: isize) -> Option<Option<Mv>> {
        let col = mb
            .col
            .checked_add_signed(dc)
            .filter(|&col| col < self.geometry.mb_cols)?;
        let row = mb.row.checked_add_signed(dr)?;
        self.kinds
            .get(row * self.geometry.mb_cols + col)
            .map(|kind| kind.motion())
    }

    /// mvpL0 of clause 8.4.1.3 for a 16x16 partition referring to picture 0.
    fn predicted_mv(&self, mb: MbPos) -> Mv {
        let a = self.neighbour(mb, -1, 0);
        let b = self.neighbour(mb, 0, -1);
        let c = self
            .neighbour(mb, 1, -1)
            .or_else(|| self.neighbour(mb, -1, -1));
        let (b, c) = if b.is_none() && c.is_none() && a.is_some() {
            (a, a)
        } else {
            (b, c)
        };
        // Missing and intra neighbours alike count as refIdx -1, motion 0.
        let [a, b, c] = [a, b, c].map(Option::flatten);
        // Exactly one neighbour using the same reference: take its vector.
        let mut same_reference = [a, b, c].into_iter().flatten();
        if let (Some(only), None) = (same_reference.next(), same_reference.next()) {
            return only;
        }
        let [a, b, c] = [a, b, c].map(Option::unwrap_or_default);
        Mv {
            x: median(a.x, b.x, c.x),
            y: median(a.y, b.y, c.y),
        }
    }

    /// The vector a P_Skip here would use (clause 8.4.1.1).
    fn skip_mv(&self, mb: MbPos) -> Mv {
        let a = self.neighbour(mb, -1, 0);
        let b = self.neighbour(mb, 0, -1);
        let still = Some(Some(Mv::default()));
        if a.is_none() || b.is_none() || a == still || b == still {
            Mv::default()
        } else {
            self.predicted_mv(mb)
        }
    }

    fn set_kind(&mut self, mb: MbPos, kind: MbKind) {
        if let Some(slot) = self.kinds.get_mut(mb.index) {
            *slot = kind;
        }
    }

    fn kind(&self, col: usize, row: usize) -> MbKind {
        self.kinds
            .get(row * self.geometry.mb_cols + col)
            .copied()
            .unwrap_or(MbKind::Pcm)
    }

    /// The Intra16x16DCLevel block with no coefficients: coeff_token for
    /// TotalCoeff 0, whose code depends on nC from the left and upper
    /// neighbours of this picture (clause 9.2.1, table 9-5).
    fn write_empty_dc_block(&self, w: &mut BitWriter, mb: MbPos) {
        let left = (mb.col > 0).then(|| self.kind(mb.col - 1, mb.row).coefficients());
        let above = (mb.row > 0).then(|| self.kind(mb.col, mb.row - 1).coefficients());
        let nc = match (left, above) {
            (Some(a), Some(b)) => (a + b + 1) >> 1,
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => 0,
        };
        match nc {
            0..=1 => w.bits(0b1, 1),
            2..=3 => w.bits(0b11, 2),
            4..=7 => w.bits(0b1111, 4),
            _ => w.bits(0b00_0011, 6),
        }
    }
}

fn write_pcm_samples(w: &mut BitWriter, planes: &Planes, mb: MbPos) {
    let (x0, y0) = (mb.col * 16, mb.row * 16);
    for row in 0..16 {
        let start = (y0 + row) * planes.width + x0;
        w.bytes(planes.y.get(start..start + 16).unwrap_or(&[128; 16]));
    }
    let cw = planes.width / 2;
    for plane in [&planes.u, &planes.v] {
        for row in 0..8 {
            let start = (y0 / 2 + row) * cw + x0 / 2;
            w.bytes(plane.get(start..start + 8).unwrap_or(&[128; 8]));
        }
    }
}

/// Whether Intra 16x16 DC prediction with chroma DC prediction reproduces
/// this macroblock exactly with no residual: it must be one flat colour and
/// the neighbouring samples the decoder averages (clauses 8.3.3 and 8.3.4)
/// must average to that colour. Neighbours come from the current picture,
/// which the decoder has already rebuilt exactly.
fn flat_dc_predicts(planes: &Planes, mb: MbPos) -> bool {
    let Some(samples) = planes.load(mb) else {
        return false;
    };
    let flat = |block: &[u8]| {
        block
            .first()
            .map(|&first| (first, block.iter().all(|&s| s == first)))
    };
    let (Some((y, true)), Some((u, true)), Some((v, true))) =
        (flat(&samples.y), flat(&samples.u), flat(&samples.v))
    else {
        return false;
    };
    let (x0, y0) = (mb.col * 16, mb.row * 16);
    let has_left = mb.col > 0;
    let has_top = mb.row > 0;
    let top = if has_top {
        sum((0..16).map(|i| planes.luma_at(x0 + i, y0 - 1)))
    } else {
        None
    };
    let left = if has_left {
        sum((0..16).map(|i| planes.luma_at(x0 - 1, y0 + i)))
    } else {
        None
    };
    if has_top && top.is_none() || has_left && left.is_none() {
        return false;
    }
    let luma_prediction = match (top, left) {
        (Some(t), Some(l)) => (t + l + 16) >> 5,
        (Some(t), None) => (t + 8) >> 4,
        (None, Some(l)) => (l + 8) >> 4,
        (None, None) => 128,
    };
    if luma_prediction != u32::from(y) {
        return false;
    }
    let (cx0, cy0) = (x0 / 2, y0 / 2);
    for (cr, value) in [(false, u), (true, v)] {
        for (xo, yo) in [(0, 0), (4, 0), (0, 4), (4, 4)] {
            let top = if has_top {
                sum((0..4).map(|i| planes.chroma_at(cr, cx0 + xo + i, cy0 - 1)))
            } else {
                None
            };
            let left = if has_left {
                sum((0..4).map(|i| planes.chroma_at(cr, cx0 - 1, cy0 + yo + i)))
            } else {
                None
            };
            if has_top && top.is_none() || has_left && left.is_none() {
                return false;
            }
            let prediction = match (xo > 0, yo > 0) {
                // Blocks on the diagonal average both edges when both exist.
                (false, false) | (true, true) => match (top, left) {
                    (Some(t), Some(l)) => (t + l + 4) >> 3,
                    (Some(edge), None) | (None, Some(edge)) => (edge + 2) >> 2,
                    (None, None) => 128,
                },
                // The top-right block prefers the edge above it...
                (true, false) => top.or(left).map_or(128, |edge| (edge + 2) >> 2),
                // ...and the bottom-left one the edge beside it.
                (false, true) => left.or(top).map_or(128, |edge| (edge + 2) >> 2),
            };
            if prediction != u32::from(value) {
                return false;
            }
        }
    }
    true
}

/// Whether copying the reference displaced by `mv` (whole luma samples and,
/// being a multiple of 8 quarter samples, whole chroma samples too, so no
/// interpolation filter is involved) gives exactly this macroblock.
fn copy_reproduces(reference: &Planes, current: &Planes, mb: MbPos, mv: Mv) -> bool {
    if mv.x % 8 != 0 || mv.y % 8 != 0 {
        return false;
    }
    let Some(samples) = current.load(mb) else {
        return false;
    };
    let at = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    let (x0, y0) = (at(mb.col * 16), at(mb.row * 16));
    let (dx, dy) = (i64::from(mv.x / 4), i64::from(mv.y / 4));
    let luma_matches = samples
        .y
        .iter()
        .zip(0i64..)
        .all(|(&s, i)| reference.clamped(None, x0 + i % 16 + dx, y0 + i / 16 + dy) == Some(s));
    let chroma_matches = |cr: bool, block: &[u8; 64]| {
        block.iter().zip(0i64..).all(|(&s, i)| {
            reference.clamped(Some(cr), x0 / 2 + i % 8 + dx / 2, y0 / 2 + i / 8 + dy / 2) == Some(s)
        })
    };
    luma_matches && chroma_matches(false, &samples.u) && chroma_matches(true, &samples.v)
}

/// Sum of edge samples, or None if any lies outside the picture.
fn sum(mut samples: impl Iterator<Item = Option<u8>>) -> Option<u32> {
    samples.try_fold(0u32, |acc, s| Some(acc + u32::from(s?)))
}

// ---------------------------------------------------------------------------
// MP4 (ISO BMFF)
// ---------------------------------------------------------------------------

struct Sample {
    data: Vec<u8>,
    sync: bool,
}

struct Track {
    width: u32,
    height: u32,
    fps: u32,
    sps: Vec<u8>,
    pps: Vec<u8>,
}

/// Big-endian field writer for box bodies.
#[derive(Default)]
struct Body(Vec<u8>);

impl Body {
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn bytes(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    fn full(version: u8, flags: u32) -> Self {
        let [_, a, b, c] = flags.to_be_bytes();
        Self(vec![version, a, b, c])
    }
    fn matrix(self) -> Self {
        [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000]
            .into_iter()
            .fold(self, Body::u32)
    }
    fn into_box(self, kind: &[u8; 4]) -> Vec<u8> {
        make_box(kind, &[&self.0])
    }
}

fn make_box(kind: &[u8; 4], children: &[&[u8]]) -> Vec<u8> {
    let len = children.iter().map(|c| c.len()).sum::<usize>() + 8;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&u32_of(len).to_be_bytes());
    out.extend_from_slice(kind);
    for child in children {
        out.extend_from_slice(child);
    }
    out
}

const MOVIE_TIMESCALE: u32 = 1000;
/// Media ticks per frame; the media timescale is fps times this.
const TICKS_PER_FRAME: u32 = 1000;

fn write_mp4(track: &Track, samples: &[Sample]) -> Vec<u8> {
    let ftyp = Body::default()
        .bytes(b"isom")
        .u32(0x200)
        .bytes(b"isom")
        .bytes(b"iso2")
        .bytes(b"avc1")
        .bytes(b"mp41")
        .into_box(b"ftyp");
    // stco holds absolute file offsets, yet moov precedes mdat; its size does
    // not depend on the offsets, so build it once to measure, then for real.
    let probe = moov(track, samples, 0);
    let payload_start = ftyp.len() + probe.len() + 8;
    let moov = moov(track, samples, payload_start);
    let payload_len: usize = samples.iter().map(|s| s.data.len()).sum();
    let mut out = Vec::with_capacity(payload_start + payload_len);
    out.extend_from_slice(&ftyp);
    out.extend_from_slice(&moov);
    out.extend_from_slice(&u32_of(payload_len + 8).to_be_bytes());
    out.extend_from_slice(b"mdat");
    for sample in samples {
        out.extend_from_slice(&sample.data);
    }
    out
}

fn moov(track: &Track, samples: &[Sample], payload_start: usize) -> Vec<u8> {
    let count = u32_of(samples.len());
    let media_timescale = track.fps.saturating_mul(TICKS_PER_FRAME);
    let media_duration = count.saturating_mul(TICKS_PER_FRAME);
    let movie_duration =
        u32::try_from(u64::from(count) * u64::from(MOVIE_TIMESCALE) / u64::from(track.fps.max(1)))
            .unwrap_or(u32::MAX);

    let mvhd = Body::full(0, 0)
        .u32(0) // creation_time
        .u32(0) // modification_time
        .u32(MOVIE_TIMESCALE)
        .u32(movie_duration)
        .u32(0x0001_0000) // rate 1.0
        .u16(0x0100) // volume 1.0
        .u16(0)
        .u32(0)
        .u32(0)
        .matrix()
        .bytes(&[0; 24]) // pre_defined
        .u32(2) // next_track_ID
        .into_box(b"mvhd");
    let tkhd = Body::full(0, 0x3) // enabled, in movie
        .u32(0)
        .u32(0)
        .u32(1) // track_ID
        .u32(0)
        .u32(movie_duration)
        .u32(0)
        .u32(0)
        .u16(0) // layer
        .u16(0) // alternate_group
        .u16(0) // volume: not audio
        .u16(0)
        .matrix()
        .u32(track.width << 16)
        .u32(track.height << 16)
        .into_box(b"tkhd");
    let mdhd = Body::full(0, 0)
        .u32(0)
        .u32(0)
        .u32(media_timescale)
        .u32(media_duration)
        .u16(0x55C4) // language "und"
        .u16(0)
        .into_box(b"mdhd");
    let hdlr = Body::full(0, 0)
        .u32(0)
        .bytes(b"vide")
        .bytes(&[0; 12])
        .bytes(b"VideoHandler\0")
        .into_box(b"hdlr");
    let vmhd = Body::full(0, 1)
        .u16(0)
        .u16(0)
        .u16(0)
        .u16(0)
        .into_box(b"vmhd");
    let url = Body::full(0, 1).into_box(b"url "); // media is in this file
    let dref = Body::full(0, 0).u32(1).bytes(&url).into_box(b"dref");
    let dinf = make_box(b"dinf", &[&dref]);
    let stbl = stbl(track, samples, payload_start);
    let minf = make_box(b"minf", &[&vmhd, &dinf, &stbl]);
    let mdia = make_box(b"mdia", &[&mdhd, &hdlr, &minf]);
    let trak = make_box(b"trak", &[&tkhd, &mdia]);
    make_box(b"moov", &[&mvhd, &trak])
}

fn stbl(track: &Track, samples: &[Sample], payload_start: usize) -> Vec<u8> {
    let count = u32_of(samples.len());
    let avcc = Body::default()
        .u8(1) // configurationVersion
        .u8(PROFILE_BASELINE)
        .u8(CONSTRAINT_FLAGS)
        .u8(track.sps.get(3).copied().unwrap_or(30)) // level_idc as in the SPS
        .u8(0xFF) // lengthSizeMinusOne = 3
        .u8(0xE1) // one SPS
        .u16(u16::try_from(track.sps.len()).unwrap_or(u16::MAX))
        .bytes(&track.sps)
        .u8(1) // one PPS
        .u16(u16::try_from(track.pps.len()).unwrap_or(u16::MAX))
        .bytes(&track.pps)
        .into_box(b"avcC");
    let mut compressor = [0u8; 32];
    let name = b"seedance-mcp simulated";
    for (slot, &byte) in compressor.iter_mut().skip(1).zip(name.iter()) {
        *slot = byte;
    }
    if let Some(len) = compressor.first_mut() {
        *len = u8::try_from(name.len()).unwrap_or(0);
    }
    let avc1 = Body::default()
        .bytes(&[0; 6])
        .u16(1) // data_reference_index
        .u16(0)
        .u16(0)
        .bytes(&[0; 12])
        .u16(u16::try_from(track.width).unwrap_or(u16::MAX))
        .u16(u16::try_from(track.height).unwrap_or(u16::MAX))
        .u32(0x0048_0000) // 72 dpi
        .u32(0x0048_0000)
        .u32(0)
        .u16(1) // frame_count
        .bytes(&compressor)
        .u16(0x0018) // depth
        .u16(0xFFFF) // pre_defined = -1
        .bytes(&avcc)
        .into_box(b"avc1");
    let stsd = Body::full(0, 0).u32(1).bytes(&avc1).into_box(b"stsd");
    let stts = Body::full(0, 0)
        .u32(1)
        .u32(count)
        .u32(TICKS_PER_FRAME)
        .into_box(b"stts");

    let sync: Vec<u32> = samples
        .iter()
        .enumerate()
        .filter(|(_, s)| s.sync)
        .map(|(i, _)| u32_of(i + 1))
        .collect();
    let stss = sync
        .iter()
        .fold(Body::full(0, 0).u32(u32_of(sync.len())), |b, &n| b.u32(n))
        .into_box(b"stss");

    // One chunk per second of video: few stco entries, and a player never
    // has to read far ahead to find the next frame.
    let per_chunk = to_usize(track.fps.max(1));
    let chunks: Vec<&[Sample]> = samples.chunks(per_chunk).collect();
    let mut stsc_entries: Vec<(u32, u32)> = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let len = u32_of(chunk.len());
        if stsc_entries.last().is_none_or(|&(_, last)| last != len) {
            stsc_entries.push((u32_of(index + 1), len));
        }
    }
    let stsc = stsc_entries
        .iter()
        .fold(
            Body::full(0, 0).u32(u32_of(stsc_entries.len())),
            |b, &(first, len)| b.u32(first).u32(len).u32(1),
        )
        .into_box(b"stsc");
    let stsz = samples
        .iter()
        .fold(Body::full(0, 0).u32(0).u32(count), |b, s| {
            b.u32(u32_of(s.data.len()))
        })
        .into_box(b"stsz");
    let mut offset = payload_start;
    let mut stco = Body::full(0, 0).u32(u32_of(chunks.len()));
    for chunk in &chunks {
        stco = stco.u32(u32_of(offset));
        offset += chunk.iter().map(|s| s.data.len()).sum::<usize>();
    }
    let stco = stco.into_box(b"stco");
    make_box(b"stbl", &[&stsd, &stts, &stss, &stsc, &stsz, &stco])
}

// ---------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------

fn encode_png(canvas: &Canvas) -> Vec<u8> {
    let stride = canvas.width * 3 + 1;
    let mut raw = Vec::with_capacity(stride * canvas.height);
    for row in canvas.pixels.chunks(canvas.width.max(1)) {
        raw.push(0); // filter type None
        for px in row {
            raw.extend_from_slice(&[px.0, px.1, px.2]);
        }
    }
    let ihdr = Body::default()
        .u32(u32_of(canvas.width))
        .u32(u32_of(canvas.height))
        .u8(8) // bit depth
        .u8(2) // colour type RGB
        .u8(0) // compression
        .u8(0) // filter
        .u8(0) // interlace
        .0;
    let mut zlib = vec![0x78, 0x01];
    zlib.extend_from_slice(&deflate(&raw, stride));
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr.as_slice()),
        (b"IDAT", zlib.as_slice()),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&u32_of(data.len()).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(out.get(start..).unwrap_or(&[]));
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// Deflate bit writer: values go in least significant bit first.
struct DeflateBits {
    out: Vec<u8>,
    acc: u64,
    used: u32,
}

impl DeflateBits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.used;
        self.used += count;
        while self.used >= 8 {
            self.out.push((self.acc & 0xFF) as u8);
            self.acc >>= 8;
            self.used -= 8;
        }
    }

    /// Huffman codes are defined most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn symbol(&mut self, sym: u32) {
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xC0 + sym - 280, 8),
        }
    }
}

const LENGTH_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// (code index, extra bits, extra value) for a length or distance.
fn bucket(value: u32, bases: &[u32], extras: &[u32]) -> (u32, u32, u32) {
    let index = bases.iter().rposition(|&base| base <= value).unwrap_or(0);
    let base = bases.get(index).copied().unwrap_or(0);
    let extra = extras.get(index).copied().unwrap_or(0);
    (u32_of(index), extra, value.saturating_sub(base))
}

/// One fixed-Huffman deflate block. The drawings are flat colour, so
/// repeating the previous pixel (distance 3) or the row above (distance
/// `stride`) finds nearly everything; no general match finder is needed.
fn deflate(data: &[u8], stride: usize) -> Vec<u8> {
    const MAX_MATCH: usize = 258;
    const MAX_DISTANCE: usize = 32_768;
    let mut bits = DeflateBits {
        out: Vec::new(),
        acc: 0,
        used: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE fixed Huffman
    let mut pos = 0;
    while pos < data.len() {
        let mut best = (0, 0);
        for distance in [3, stride] {
            if distance == 0 || distance > pos || distance > MAX_DISTANCE {
                continue;
            }
            let len = data
                .get(pos..)
                .unwrap_or(&[])
                .iter()
                .zip(data.get(pos - distance..).unwrap_or(&[]))
                .take(MAX_MATCH)
                .take_while(|(a, b)| a == b)
                .count();
            if len > best.0 {
                best = (len, distance);
            }
        }
        let (len, distance) = best;
        if len >= 3 {
            let (code, extra_bits, extra) = bucket(u32_of(len), &LENGTH_BASE, &LENGTH_EXTRA);
            bits.symbol(257 + code);
            bits.put(extra, extra_bits);
            let (code, extra_bits, extra) = bucket(u32_of(distance), &DIST_BASE, &DIST_EXTRA);
            bits.code(code, 5);
            bits.put(extra, extra_bits);
            pos += len;
        } else {
            bits.symbol(u32::from(data.get(pos).copied().unwrap_or(0)));
            pos += 1;
        }
    }
    bits.symbol(256); // end of block
    if bits.used > 0 {
        bits.put(0, 8 - bits.used);
    }
    bits.out
}

/// CRC-32 as PNG defines it, bit by bit: the chunks are small, as the drawings
/// compress to almost nothing.
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |mut crc, &byte| {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
        crc
    })
}

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // 5552 is the longest run whose sums cannot overflow u32 before reducing.
    let (a, b) = data
        .chunks(5552)
        .fold((1u32, 0u32), |(mut a, mut b), chunk| {
            for &byte in chunk {
                a += u32::from(byte);
                b += a;
            }
            (a % MOD, b % MOD)
        });
    (b << 16) | a
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

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

    /// (kind, absolute offset of the box, body) for each box in `data`.
    fn boxes(data: &[u8], base: usize) -> Vec<(String, usize, &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let size = be32(data, at) as usize;
            assert!(
                size >= 8 && at + size <= data.len(),
                "box at {} has size {size}",
                base + at
            );
            let kind = String::from_utf8(data[at + 4..at + 8].to_vec()).unwrap();
            out.push((kind, base + at, &data[at + 8..at + size]));
            at += size;
        }
        assert_eq!(at, data.len(), "box sizes add up to their parent");
        out
    }

    /// The body of the box at `path` (and its absolute body offset).
    fn find<'a>(file: &'a [u8], path: &[&str]) -> (&'a [u8], usize) {
        let (mut data, mut base) = (file, 0);
        for name in path {
            let (_, offset, body) = boxes(data, base)
                .into_iter()
                .find(|(kind, _, _)| kind == name)
                .unwrap_or_else(|| panic!("no {name} box"));
            data = body;
            base = offset + 8;
        }
        (data, base)
    }

    fn table(body: &[u8], header: usize, entry: usize) -> Vec<Vec<u32>> {
        let count = be32(body, header - 4) as usize;
        assert_eq!(
            body.len(),
            header + count * entry * 4,
            "table length matches its count"
        );
        (0..count)
            .map(|i| {
                (0..entry)
                    .map(|j| be32(body, header + (i * entry + j) * 4))
                    .collect()
            })
            .collect()
    }

    const STBL: [&str; 5] = ["moov", "trak", "mdia", "minf", "stbl"];

    fn stbl_box<'a>(file: &'a [u8], name: &str) -> &'a [u8] {
        let mut path = STBL.to_vec();
        path.push(name);
        find(file, &path).0
    }

    struct BitReader<'a> {
        data: &'a [u8],
        pos: usize,
    }

    impl BitReader<'_> {
        fn bit(&mut self) -> u32 {
            let bit = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(bit)
        }
        fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, _| (acc << 1) | self.bit())
        }
        fn ue(&mut self) -> u32 {
            let mut zeros = 0;
            while self.bit() == 0 {
                zeros += 1;
            }
            ((1 << zeros) - 1) + self.bits(zeros)
        }
    }

    fn unescape(nal: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut zeros = 0;
        for &b in nal {
            if zeros >= 2 && b == 3 {
                zeros = 0;
                continue;
            }
            zeros = if b == 0 { zeros + 1 } else { 0 };
            out.push(b);
        }
        out
    }

    /// The displayed size an SPS describes, as a decoder computes it.
    fn sps_size(sps: &[u8]) -> (u32, u32, u8, u8) {
        let rbsp = unescape(&sps[1..]);
        let mut r = BitReader {
            data: &rbsp,
            pos: 0,
        };
        let profile = r.bits(8) as u8;
        let constraints = r.bits(8) as u8;
        let _level = r.bits(8);
        assert_eq!(r.ue(), 0, "sps id");
        r.ue(); // log2_max_frame_num_minus4
        assert_eq!(r.ue(), 2, "poc type");
        assert_eq!(r.ue(), 1, "one reference frame");
        r.bit();
        let w_mbs = r.ue() + 1;
        let h_mbs = r.ue() + 1;
        assert_eq!(r.bit(), 1, "frame_mbs_only");
        r.bit();
        let (mut crop_x, mut crop_y) = (0, 0);
        if r.bit() == 1 {
            crop_x = r.ue() + r.ue();
            crop_y = r.ue() + r.ue();
        }
        (
            w_mbs * 16 - crop_x * 2,
            h_mbs * 16 - crop_y * 2,
            profile,
            constraints,
        )
    }

    struct Parsed {
        width: u32,
        height: u32,
        samples: Vec<(usize, usize)>,
        sync: Vec<u32>,
    }

    /// Walks the whole file, checking it hangs together, and returns where
    /// each sample lives.
    fn parse_mp4(file: &[u8]) -> Parsed {
        let top = boxes(file, 0);
        let kinds: Vec<&str> = top.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["ftyp", "moov", "mdat"],
            "fast start: moov before mdat"
        );
        let ftyp = top[0].2;
        assert_eq!(&ftyp[0..4], b"isom");
        let brands: Vec<&[u8]> = ftyp[8..].chunks(4).collect();
        assert_eq!(brands, [&b"isom"[..], b"iso2", b"avc1", b"mp41"]);
        let (mdat_offset, mdat) = (top[2].1, top[2].2);
        let payload = mdat_offset + 8..mdat_offset + 8 + mdat.len();

        let (stsd, _) = find(file, &[&STBL[..], &["stsd"]].concat());
        let avc1 = &stsd[8..];
        assert_eq!(&avc1[4..8], b"avc1");
        let entry_w = u32::from(u16::from_be_bytes([avc1[8 + 24], avc1[8 + 25]]));
        let entry_h = u32::from(u16::from_be_bytes([avc1[8 + 26], avc1[8 + 27]]));
        let avcc = &avc1[8 + 78..];
        assert_eq!(&avcc[4..8], b"avcC");
        let avcc = &avcc[8..];
        assert_eq!(avcc[4], 0xFF, "4-byte NAL lengths");
        assert_eq!(avcc[5], 0xE1, "one SPS");
        let sps_len = usize::from(u16::from_be_bytes([avcc[6], avcc[7]]));
        let sps = &avcc[8..8 + sps_len];
        assert_eq!(sps[0] & 0x1F, 7);
        let pps_at = 8 + sps_len;
        assert_eq!(avcc[pps_at], 1, "one PPS");
        let pps_len = usize::from(u16::from_be_bytes([avcc[pps_at + 1], avcc[pps_at + 2]]));
        assert_eq!(avcc[pps_at + 3] & 0x1F, 8);
        assert_eq!(avcc.len(), pps_at + 3 + pps_len);
        let (width, height, profile, constraints) = sps_size(sps);
        assert_eq!(
            (profile, constraints & 0x40),
            (66, 0x40),
            "Constrained Baseline"
        );
        assert_eq!((avcc[1], avcc[2], avcc[3]), (sps[1], sps[2], sps[3]));
        assert_eq!((entry_w, entry_h), (width, height));

        let tkhd = find(file, &["moov", "trak", "tkhd"]).0;
        assert_eq!(tkhd[3] & 1, 1, "track enabled");
        assert_eq!(
            (be32(tkhd, 76), be32(tkhd, 80)),
            (width << 16, height << 16)
        );

        let sizes = table(stbl_box(file, "stsz"), 12, 1);
        assert_eq!(be32(stbl_box(file, "stsz"), 4), 0, "per-sample sizes");
        let sizes: Vec<usize> = sizes.iter().map(|e| e[0] as usize).collect();
        let offsets = table(stbl_box(file, "stco"), 8, 1);
        let stsc = table(stbl_box(file, "stsc"), 8, 3);
        let mut samples = Vec::new();
        let mut next = 0;
        for (chunk, offset) in offsets.iter().enumerate() {
            let chunk_no = chunk as u32 + 1;
            let per_chunk = stsc.iter().rev().find(|e| e[0] <= chunk_no).unwrap()[1] as usize;
            let mut at = offset[0] as usize;
            for size in &sizes[next..next + per_chunk] {
                samples.push((at, *size));
                at += size;
            }
            next += per_chunk;
        }
        assert_eq!(next, sizes.len(), "chunks hold every sample");
        assert_eq!(
            samples.first().unwrap().0,
            payload.start,
            "first chunk starts the mdat payload"
        );
        let end = samples.last().map(|&(at, size)| at + size).unwrap();
        assert_eq!(end, payload.end, "samples fill the mdat payload exactly");
        for &(at, size) in &samples {
            assert_eq!(
                be32(file, at) as usize + 4,
                size,
                "one length-prefixed NAL per sample"
            );
        }
        let sync = table(stbl_box(file, "stss"), 8, 1)
            .into_iter()
            .map(|e| e[0])
            .collect();
        Parsed {
            width,
            height,
            samples,
            sync,
        }
    }

    fn durations(file: &[u8]) -> (u32, u32, f64) {
        let mvhd = find(file, &["moov", "mvhd"]).0;
        let tkhd = find(file, &["moov", "trak", "tkhd"]).0;
        let mdhd = find(file, &["moov", "trak", "mdia", "mdhd"]).0;
        assert_eq!(
            be32(mvhd, 16),
            be32(tkhd, 20),
            "movie and track durations agree"
        );
        let stts = table(stbl_box(file, "stts"), 8, 2);
        let ticks: u32 = stts.iter().map(|e| e[0] * e[1]).sum();
        assert_eq!(
            be32(mdhd, 16),
            ticks,
            "media duration is the sum of sample durations"
        );
        let count: u32 = stts.iter().map(|e| e[0]).sum();
        (
            count,
            be32(mvhd, 16) / be32(mvhd, 12),
            f64::from(be32(mdhd, 16)) / f64::from(be32(mdhd, 12)),
        )
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
    fn fifteen_second_clips_stay_well_under_a_megabyte() {
        for ratio in ["16:9", "9:16", "1:1"] {
            let size = render_mp4(&clip(ratio, 24, 15)).len();
            assert!(size < 512 * 1024, "{ratio}: {size} bytes");
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
    fn frame_sizes_are_small_even_and_follow_the_ratio() {
        for (ratio, expected) in [
            ("16:9", (320, 180)),
            ("9:16", (180, 320)),
            ("21:9", (320, 138)),
            ("4:3", (320, 240)),
            ("3:4", (240, 320)),
            ("1:1", (320, 320)),
            (" 4:3 ", (320, 240)),
            ("adaptive", (320, 180)),
            ("", (320, 180)),
        ] {
            let (w, h) = frame_size_for_ratio(ratio);
            assert_eq!((w, h), expected, "{ratio:?}");
            assert!(w % 2 == 0 && h % 2 == 0 && w.max(h) == 320);
        }
    }

    #[test]
    fn captions_are_uppercased_filtered_wrapped_and_truncated() {
        assert_eq!(sanitize("  Hello,\n wörld  #1!  "), b"HELLO, WRLD #1!");
        assert_eq!(sanitize("日本"), b"");
        assert_eq!(
            wrap(b"ONE TWO THREE", 7, 2),
            [b"ONE TWO".to_vec(), b"THREE".to_vec()]
        );
        assert_eq!(
            wrap(b"ONE TWO THREE FOUR", 7, 2),
            [b"ONE TWO".to_vec(), b"THRE...".to_vec()]
        );
        assert_eq!(
            wrap(b"ABCDEFGHIJ", 4, 2),
            [b"ABCD".to_vec(), b"E...".to_vec()]
        );
        assert_eq!(truncate(b"ABCDEF".to_vec(), 3), b"ABC");
        assert!(wrap(b"ANY", 0, 2).is_empty());
        for ch in (b'A'..=b'Z').chain(b'0'..=b'9') {
            assert!(glyph(ch).is_some(), "{}", ch as char);
        }
    }

    #[test]
    fn exp_golomb_codes_and_emulation_prevention_follow_the_spec() {
        let mut w = BitWriter::new();
        w.ue(0); // 1
        w.ue(1); // 010
        w.ue(3); // 00100
        w.se(-1); // 011
        w.se(1); // 010, then the stop bit
        assert_eq!(w.finish(), [0b1010_0010, 0b0011_0101]);
        assert_eq!(
            nal_unit(3, 7, &[0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0]),
            [0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 3, 0, 0, 3]
        );
    }

    #[test]
    fn motion_vector_prediction_follows_clause_8_4_1() {
        let geometry = Geometry::new(64, 48);
        let mut enc = Encoder::new(geometry, 24);
        let set = |enc: &mut Encoder, col, row, kind| enc.set_kind(geometry.mb(col, row), kind);
        let mv = |x| Mv { x, y: 0 };
        // First row and column: a skip always gets the zero vector.
        set(&mut enc, 0, 0, MbKind::Copy(mv(-16)));
        assert_eq!(enc.skip_mv(geometry.mb(1, 0)), Mv::default());
        // Below the first row, B and C fall back to A's motion.
        assert_eq!(enc.predicted_mv(geometry.mb(1, 0)), mv(-16));
        // Only one neighbour refers to the picture: its vector is taken.
        for col in 0..4 {
            set(&mut enc, col, 0, MbKind::Pcm);
        }
        set(&mut enc, 0, 1, MbKind::Copy(mv(-24)));
        assert_eq!(enc.predicted_mv(geometry.mb(1, 1)), mv(-24));
        assert_eq!(enc.skip_mv(geometry.mb(1, 1)), mv(-24));
        // A zero-motion neighbour forces a zero skip vector.
        set(&mut enc, 1, 0, MbKind::Skip(Mv::default()));
        assert_eq!(enc.skip_mv(geometry.mb(1, 1)), Mv::default());
        // Otherwise the median of A, B and C (D standing in for a missing C).
        set(&mut enc, 1, 0, MbKind::Copy(mv(8)));
        set(&mut enc, 2, 0, MbKind::Copy(mv(40)));
        assert_eq!(enc.predicted_mv(geometry.mb(1, 1)), mv(8));
        set(&mut enc, 3, 0, MbKind::Copy(mv(-8)));
        set(&mut enc, 2, 1, MbKind::Copy(mv(16)));
        assert_eq!(
            enc.predicted_mv(geometry.mb(3, 1)),
            mv(16),
            "C is outside: D stands in; median(16, -8, 40)"
        );
    }

    /// A test-only inflater for the fixed-Huffman blocks `deflate` writes.
    fn inflate_fixed(data: &[u8]) -> Vec<u8> {
        let mut pos = 0;
        let mut bit = || {
            let b = u32::from((data[pos / 8] >> (pos % 8)) & 1);
            pos += 1;
            b
        };
        let mut out: Vec<u8> = Vec::new();
        let bits =
            |n: u32, bit: &mut dyn FnMut() -> u32| (0..n).fold(0, |acc, i| acc | (bit() << i));
        assert_eq!(bits(1, &mut bit), 1, "final block");
        assert_eq!(bits(2, &mut bit), 1, "fixed Huffman");
        loop {
            let mut code = 0;
            let mut symbol = None;
            for len in 1..=9 {
                code = (code << 1) | bit();
                symbol = match (len, code) {
                    (7, 0..=23) => Some(256 + code),
                    (8, 48..=191) => Some(code - 48),
                    (8, 192..=199) => Some(280 + code - 192),
                    (9, 400..=511) => Some(144 + code - 400),
                    _ => None,
                };
                if symbol.is_some() {
                    break;
                }
            }
            let symbol = symbol.expect("valid code");
            match symbol {
                0..=255 => out.push(symbol as u8),
                256 => break,
                _ => {
                    let i = (symbol - 257) as usize;
                    let len = LENGTH_BASE[i] + bits(LENGTH_EXTRA[i], &mut bit);
                    let d = (0..5).fold(0, |acc, _| (acc << 1) | bit()) as usize;
                    let dist = (DIST_BASE[d] + bits(DIST_EXTRA[d], &mut bit)) as usize;
                    for _ in 0..len {
                        out.push(out[out.len() - dist]);
                    }
                }
            }
        }
        out
    }

    /// Checks every chunk and returns (width, height, RGB rows).
    fn decode_png(png: &[u8]) -> (usize, usize, Vec<u8>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut at = 8;
        let mut chunks = Vec::new();
        while at < png.len() {
            let len = be32(png, at) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + len];
            assert_eq!(
                be32(png, at + 8 + len),
                crc32(&png[at + 4..at + 8 + len]),
                "CRC of {kind:?}"
            );
            chunks.push((kind.to_vec(), data.to_vec()));
            at += 12 + len;
        }
        let kinds: Vec<&[u8]> = chunks.iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(kinds, [&b"IHDR"[..], b"IDAT", b"IEND"]);
        let ihdr = &chunks[0].1;
        let (w, h) = (be32(ihdr, 0) as usize, be32(ihdr, 4) as usize);
        assert_eq!(&ihdr[8..], [8, 2, 0, 0, 0]);
        let zlib = &chunks[1].1;
        assert_eq!(
            (u16::from(zlib[0]) << 8 | u16::from(zlib[1])) % 31,
            0,
            "zlib header check"
        );
        let raw = inflate_fixed(&zlib[2..zlib.len() - 4]);
        assert_eq!(be32(zlib, zlib.len() - 4), adler32(&raw));
        assert_eq!(raw.len(), h * (1 + 3 * w));
        (w, h, raw)
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
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn the_same_spec_renders_the_same_bytes() {
        let spec = clip("16:9", 12, 2);
        assert_eq!(render_mp4(&spec), render_mp4(&spec));
        assert_ne!(render_mp4(&spec), render_mp4(&ClipSpec { seed: 8, ..spec }));
    }
}
