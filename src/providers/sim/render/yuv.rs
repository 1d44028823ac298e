//! The pictures as an H.264 decoder holds them: 4:2:0 YUV planes addressed
//! by macroblock, converted from the RGB canvas.
//!
//! No residual is ever coded, so these planes are at once what the encoder
//! codes and what every decoder rebuilds. Working per macroblock lets a P
//! frame reconvert and compare only the macroblocks something moved over.

use super::{
    canvas::{Canvas, Rect, Rgb},
    u8_of,
};

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
pub(super) struct Geometry {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) mb_cols: usize,
    pub(super) mb_rows: usize,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct MbPos {
    pub(super) index: usize,
    pub(super) col: usize,
    pub(super) row: usize,
}

impl Geometry {
    pub(super) fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            mb_cols: width.div_ceil(16),
            mb_rows: height.div_ceil(16),
        }
    }
    pub(super) fn coded_width(&self) -> usize {
        self.mb_cols * 16
    }
    pub(super) fn coded_height(&self) -> usize {
        self.mb_rows * 16
    }
    pub(super) fn mb_count(&self) -> usize {
        self.mb_cols * self.mb_rows
    }
    pub(super) fn mb(&self, col: usize, row: usize) -> MbPos {
        MbPos {
            index: row * self.mb_cols + col,
            col,
            row,
        }
    }
    pub(super) fn mbs(self) -> impl Iterator<Item = MbPos> + use<> {
        (0..self.mb_rows).flat_map(move |row| (0..self.mb_cols).map(move |col| self.mb(col, row)))
    }
    pub(super) fn mbs_touching(self, rect: Rect) -> impl Iterator<Item = MbPos> + use<> {
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
pub(super) struct MbSamples {
    pub(super) y: [u8; 256],
    pub(super) u: [u8; 64],
    pub(super) v: [u8; 64],
}

pub(super) struct Planes {
    pub(super) width: usize,
    height: usize,
    pub(super) y: Vec<u8>,
    pub(super) u: Vec<u8>,
    pub(super) v: Vec<u8>,
}

impl Planes {
    pub(super) fn new(width: usize, height: usize) -> Self {
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
    pub(super) fn clamped(&self, cr: Option<bool>, x: i64, y: i64) -> Option<u8> {
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

    pub(super) fn luma_at(&self, x: usize, y: usize) -> Option<u8> {
        self.y.get(y * self.width + x).copied()
    }

    fn chroma_plane(&self, cr: bool) -> &[u8] {
        if cr { &self.v } else { &self.u }
    }

    pub(super) fn chroma_at(&self, cr: bool, x: usize, y: usize) -> Option<u8> {
        self.chroma_plane(cr).get(y * (self.width / 2) + x).copied()
    }

    pub(super) fn convert_all(&mut self, canvas: &Canvas, geometry: Geometry) {
        for mb in geometry.mbs() {
            self.convert_mb(canvas, mb);
        }
    }

    /// Converts one macroblock from the canvas; true if its samples changed.
    pub(super) fn convert_mb(&mut self, canvas: &Canvas, mb: MbPos) -> bool {
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

    pub(super) fn load(&self, mb: MbPos) -> Option<MbSamples> {
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

    pub(super) fn store(&mut self, mb: MbPos, samples: &MbSamples) {
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
