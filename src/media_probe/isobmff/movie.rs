//! MP4 and MOV: duration from `moov/mvhd` (or `mvex/mehd` for fragmented files
//! whose `mvhd` says 0) and the picture size from the first video track's `tkhd`.

use super::super::input::{Input, be32, be64};
use super::super::{Measured, ProbeError, fraction};
use super::{BoxHeader, Children, body};

pub(crate) fn movie(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let Some(moov) = Children::new(0, input.len()).find(input, b"moov")? else {
        return Err(input.truncated(
            "there is no 'moov' index box; the file may be incomplete or still being written",
        ));
    };
    let mut measured = Measured::default();
    let (mut timescale, mut duration, mut fragments) = (None, None, None);
    let mut children = Children::of(&moov);
    while let Some(child) = children.next(input)? {
        match &child.kind {
            b"mvhd" => (timescale, duration) = mvhd(input, &child)?,
            b"mvex" => {
                if let Some(mehd) = Children::of(&child).find(input, b"mehd")? {
                    fragments = mehd_duration(input, &mehd)?;
                }
            }
            b"trak" if measured.width.is_none() => {
                if let Some((width, height)) = video_track_size(input, &child)? {
                    (measured.width, measured.height) = (Some(width), Some(height));
                }
            }
            _ => {}
        }
    }
    let Some(timescale) = timescale else {
        return Err(input.corrupt("the 'moov' box has no 'mvhd' movie header"));
    };
    let ticks = match (duration, fragments) {
        (Some(0), Some(total)) => Some(total),
        (Some(0), None) => None,
        (ticks, _) => ticks,
    };
    measured.duration = ticks.and_then(|ticks| fraction(ticks, u64::from(timescale)));
    Ok(measured)
}

/// Timescale and duration; a duration of all ones means "unknown".
fn mvhd(input: &mut Input<'_>, mvhd: &BoxHeader) -> Result<(Option<u32>, Option<u64>), ProbeError> {
    let version = body(input, mvhd, 1)?.first().copied();
    let (timescale, duration) = if version == Some(1) {
        let b = input.exact(mvhd.body, 32, "the version 1 movie header")?;
        (be32(b, 20), Some(be64(b, 24)).filter(|d| *d != u64::MAX))
    } else {
        let b = input.exact(mvhd.body, 20, "the movie header")?;
        (
            be32(b, 12),
            Some(u64::from(be32(b, 16))).filter(|d| *d != u64::from(u32::MAX)),
        )
    };
    if timescale == 0 {
        return Err(input.corrupt("the movie header gives a timescale of zero"));
    }
    Ok((Some(timescale), duration))
}

fn mehd_duration(input: &mut Input<'_>, mehd: &BoxHeader) -> Result<Option<u64>, ProbeError> {
    let b = input.exact(mehd.body, 12, "the movie extends header")?;
    Ok(Some(if b.first() == Some(&1) {
        be64(b, 4)
    } else {
        u64::from(be32(b, 4))
    }))
}

/// The displayed size of `trak` if it is a video track.
fn video_track_size(
    input: &mut Input<'_>,
    trak: &BoxHeader,
) -> Result<Option<(u32, u32)>, ProbeError> {
    let (mut size, mut is_video) = (None, false);
    let mut children = Children::of(trak);
    while let Some(child) = children.next(input)? {
        match &child.kind {
            b"tkhd" => size = tkhd_size(input, &child)?,
            b"mdia" => {
                if let Some(hdlr) = Children::of(&child).find(input, b"hdlr")? {
                    let b = input.exact(hdlr.body, 12, "a handler box")?;
                    is_video = b.get(8..12) == Some(b"vide");
                }
            }
            _ => {}
        }
    }
    Ok(size.filter(|(w, h)| is_video && *w > 0 && *h > 0))
}

/// Width and height from a track header, swapped when the matrix turns the
/// picture a quarter turn (as phones record portrait video).
fn tkhd_size(input: &mut Input<'_>, tkhd: &BoxHeader) -> Result<Option<(u32, u32)>, ProbeError> {
    let version = body(input, tkhd, 1)?.first().copied();
    let matrix_at = if version == Some(1) { 52 } else { 40 };
    let b = input.exact(tkhd.body, matrix_at + 44, "a track header")?;
    let (a, d) = (be32(b, matrix_at), be32(b, matrix_at + 16));
    let fixed = |i: usize| (be32(b, i).saturating_add(0x8000)) >> 16;
    let (width, height) = (fixed(matrix_at + 36), fixed(matrix_at + 40));
    let quarter_turn = a == 0 && d == 0 && be32(b, matrix_at + 4) != 0;
    Ok(Some(if quarter_turn {
        (height, width)
    } else {
        (width, height)
    }))
}
