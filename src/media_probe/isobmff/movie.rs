//! MP4 and MOV: duration from `moov/mvhd` (or `mvex/mehd` for fragmented files
//! whose `mvhd` says 0) and the picture size from the first video track's `tkhd`.

use mp4_atom::{Hdlr, Mehd, Mvhd, Tkhd};

use super::super::input::Input;
use super::super::{Measured, ProbeError, fraction};
use super::{BoxHeader, Children, decode, decode_first};

/// Version/flags, pre_defined, handler type and the reserved words of `hdlr`:
/// the name after them is free text that QuickTime writes in legacy encodings,
/// which mp4-atom refuses as a string, and the probe needs only the type.
const HDLR_FIXED: usize = 24;

pub(crate) fn movie(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let Some(moov) = Children::new(0, input.len()).find(input, b"moov")? else {
        return Err(input.truncated(
            "there is no 'moov' index box; the file may be incomplete or still being written",
        ));
    };
    let mut measured = Measured::default();
    let (mut header, mut fragments) = (None, None);
    let mut children = Children::of(&moov);
    while let Some(child) = children.next(input)? {
        match &child.kind {
            b"mvhd" => header = Some(decode::<Mvhd>(input, &child)?),
            b"mvex" => {
                if let Some(mehd) = Children::of(&child).find(input, b"mehd")? {
                    fragments = Some(decode::<Mehd>(input, &mehd)?.fragment_duration);
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
    let Some(header) = header else {
        return Err(input.corrupt("the 'moov' box has no 'mvhd' movie header"));
    };
    if header.timescale == 0 {
        return Err(input.corrupt("the movie header gives a timescale of zero"));
    }
    // All ones (in the 32-bit field of version 0 or the 64-bit one of version 1)
    // means "unknown"; mp4-atom widens both to u64.
    let ticks = match (header.duration, fragments) {
        (0, Some(total)) => Some(total),
        (0, None) => None,
        (d, _) if d == u64::MAX || d == u64::from(u32::MAX) => None,
        (d, _) => Some(d),
    };
    measured.duration = ticks.and_then(|ticks| fraction(ticks, u64::from(header.timescale)));
    Ok(measured)
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
            b"tkhd" => size = Some(displayed_size(&decode::<Tkhd>(input, &child)?)),
            b"mdia" => {
                if let Some(hdlr) = Children::of(&child).find(input, b"hdlr")? {
                    let hdlr = decode_first::<Hdlr>(input, &hdlr, HDLR_FIXED)?;
                    is_video = hdlr.handler.as_ref() == b"vide";
                }
            }
            _ => {}
        }
    }
    Ok(size.filter(|(w, h)| is_video && *w > 0 && *h > 0))
}

/// Width and height from a track header, rounded to whole pixels and swapped
/// when the matrix turns the picture a quarter turn (as phones record portrait
/// video).
fn displayed_size(tkhd: &Tkhd) -> (u32, u32) {
    let round = |side: mp4_atom::FixedPoint<u16>| {
        u32::from(side.integer()) + u32::from(side.decimal() >= 0x8000)
    };
    let (width, height) = (round(tkhd.width), round(tkhd.height));
    let m = &tkhd.matrix;
    if m.a == 0 && m.d == 0 && m.b != 0 {
        (height, width)
    } else {
        (width, height)
    }
}
