//! The ways a macroblock can be coded without any residual (skip, a
//! whole-pixel copy of the previous picture, flat DC prediction, raw I_PCM
//! samples), and the checks that a given way rebuilds exactly the samples
//! drawn.
//!
//! With no residual to correct it, a prediction is only usable where it is
//! exact; these checks are what lets every decoder rebuild the drawn
//! pictures sample for sample.

use super::{
    bits::BitWriter,
    yuv::{MbPos, Planes},
};

/// A motion vector in quarter luma samples, the unit of the bitstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Mv {
    pub(super) x: i32,
    pub(super) y: i32,
}

impl Mv {
    /// The vector that finds, in the previous frame, content that has since
    /// moved `dx`, `dy` whole pixels: it points back to where it was.
    pub(super) fn shift(dx: i32, dy: i32) -> Self {
        Self {
            x: -dx.saturating_mul(4),
            y: -dy.saturating_mul(4),
        }
    }
}

/// How one macroblock is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MbKind {
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
    pub(super) fn coefficients(self) -> u32 {
        match self {
            MbKind::Pcm => 16,
            MbKind::Skip(_) | MbKind::Copy(_) | MbKind::FlatDc => 0,
        }
    }

    /// refIdxL0 0 with this vector, or None for intra (refIdx -1).
    pub(super) fn motion(self) -> Option<Mv> {
        match self {
            MbKind::Skip(mv) | MbKind::Copy(mv) => Some(mv),
            MbKind::FlatDc | MbKind::Pcm => None,
        }
    }
}

pub(super) fn write_pcm_samples(w: &mut BitWriter, planes: &Planes, mb: MbPos) {
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
pub(super) fn flat_dc_predicts(planes: &Planes, mb: MbPos) -> bool {
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
pub(super) fn copy_reproduces(reference: &Planes, current: &Planes, mb: MbPos, mv: Mv) -> bool {
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
