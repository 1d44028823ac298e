//! The RGB canvas everything is drawn on, and the colours drawn with.
//!
//! Both outputs start from the same drawing: a still is the canvas written
//! out as it is, a clip converts it to YUV per macroblock (`yuv`). Drawing in
//! RGB first keeps a single set of drawing code for both.

use super::font::{GLYPH_ADVANCE, GLYPH_WIDTH, TextLine, glyph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rgb(pub(super) u8, pub(super) u8, pub(super) u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rect {
    pub(super) x: usize,
    pub(super) y: usize,
    pub(super) w: usize,
    pub(super) h: usize,
}

#[derive(Clone)]
pub(super) struct Canvas {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) pixels: Vec<Rgb>,
}

impl Canvas {
    pub(super) fn new(width: usize, height: usize, fill: Rgb) -> Self {
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

    pub(super) fn fill(&mut self, rect: Rect, colour: Rgb) {
        for span in self.spans(rect) {
            if let Some(row) = self.pixels.get_mut(span) {
                row.fill(colour);
            }
        }
    }

    pub(super) fn restore(&mut self, from: &Canvas, rect: Rect) {
        for span in self.spans(rect) {
            if let (Some(to), Some(src)) =
                (self.pixels.get_mut(span.clone()), from.pixels.get(span))
            {
                to.copy_from_slice(src);
            }
        }
    }

    pub(super) fn at(&self, x: usize, y: usize) -> Rgb {
        if x >= self.width {
            return Rgb(0, 0, 0);
        }
        self.pixels
            .get(y.saturating_mul(self.width).saturating_add(x))
            .copied()
            .unwrap_or(Rgb(0, 0, 0))
    }

    pub(super) fn text(&mut self, line: &TextLine, colour: Rgb) {
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
pub(super) struct Palette {
    pub(super) background: Rgb,
    pub(super) track: Rgb,
    pub(super) accent: Rgb,
    pub(super) title: Rgb,
    pub(super) caption: Rgb,
    pub(super) muted: Rgb,
}

impl Palette {
    pub(super) fn from_seed(seed: u64) -> Self {
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
