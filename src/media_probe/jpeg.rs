//! JPEG: walking marker segments from SOI to the frame header (SOFn) that holds
//! the size, skipping each segment by its length.
//!
//! Fill bytes (extra 0xFF before a marker) and stand-alone markers (RSTn, TEM)
//! are stepped over. A frame whose height is 0 gets it later from a DNL marker,
//! so then the scan data is crossed too, where 0xFF 0x00 stuffing and restart
//! markers are not segment boundaries.
//!
//! Kept rather than `imagesize`: its JPEG reader takes the byte after every
//! 0xFF as a marker with a length, so fill bytes and stand-alone markers derail
//! it, and it cannot wait for a DNL height.

use super::input::{Input, WINDOW, be16};
use super::{Measured, ProbeError};

const SOS: u8 = 0xDA;
const DNL: u8 = 0xDC;
const EOI: u8 = 0xD9;

fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

fn is_standalone(marker: u8) -> bool {
    matches!(marker, 0x01 | 0xD0..=0xD7)
}

pub(crate) fn jpeg(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let mut pos = 2u64;
    let mut in_scan = false;
    // Width of a frame whose height waits for a DNL marker.
    let mut pending_width = None;
    loop {
        input.step()?;
        let (marker, after) = if in_scan {
            scan_to_marker(input, pos)?
        } else {
            next_marker(input, pos)?
        };
        in_scan = false;
        if is_standalone(marker) {
            pos = after;
            continue;
        }
        if marker == EOI || marker == 0xD8 {
            return Err(input.corrupt(match pending_width {
                Some(_) => "the frame height was deferred to a DNL marker that never came",
                None => "the image has no frame header (SOF) before its end",
            }));
        }
        let length = u64::from(be16(input.exact(after, 2, "a segment length")?, 0));
        if length < 2 {
            return Err(input.corrupt(format!("a segment declares length {length}")));
        }
        if is_sof(marker) && pending_width.is_none() {
            let sof = input.exact(after + 2, 5, "the frame header (SOF)")?;
            let (height, width) = (u32::from(be16(sof, 1)), u32::from(be16(sof, 3)));
            if height != 0 {
                return Ok(Measured::size(width, height));
            }
            pending_width = Some(width);
        } else if marker == DNL {
            if let Some(width) = pending_width {
                let lines = input.exact(after + 2, 2, "the DNL segment")?;
                return Ok(Measured::size(width, u32::from(be16(lines, 0))));
            }
        } else if marker == SOS {
            if pending_width.is_none() {
                return Err(input.corrupt("scan data starts before any frame header (SOF)"));
            }
            in_scan = true;
        }
        pos = after + length;
    }
}

/// The marker at `pos` (after any fill bytes) and the offset just past it.
fn next_marker(input: &mut Input<'_>, mut pos: u64) -> Result<(u8, u64), ProbeError> {
    match input.at(pos, 1)?.first() {
        None => return Err(input.truncated("the file ends before the frame header (SOF)")),
        Some(0xFF) => {}
        Some(_) => return Err(input.corrupt(format!("expected a marker at byte {pos}"))),
    }
    loop {
        input.step()?;
        let bytes = input.at(pos, 64)?.to_vec();
        let fill = bytes.iter().take_while(|b| **b == 0xFF).count();
        match bytes.get(fill) {
            Some(0) => {
                return Err(input.corrupt(format!(
                    "a stuffed zero byte at byte {pos} outside scan data"
                )));
            }
            Some(&marker) => return Ok((marker, pos + fill as u64 + 1)),
            None if bytes.len() < 64 => {
                return Err(input.truncated("the file ends inside a marker"));
            }
            None => pos += 64,
        }
    }
}

/// The first real marker in entropy-coded data starting at `pos`.
fn scan_to_marker(input: &mut Input<'_>, mut pos: u64) -> Result<(u8, u64), ProbeError> {
    loop {
        input.step()?;
        let chunk = input.at(pos, WINDOW)?.to_vec();
        if chunk.len() < 2 {
            return Err(input.truncated("the file ends inside scan data"));
        }
        let mut i = 0;
        while i + 1 < chunk.len() {
            let (byte, next) = (chunk.get(i).copied(), chunk.get(i + 1).copied());
            match (byte, next) {
                // 0xFF 0xFF is fill: the second 0xFF may start the marker.
                (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                (Some(0xFF), Some(0xFF)) => i += 1,
                (Some(0xFF), Some(marker)) => return Ok((marker, pos + i as u64 + 2)),
                _ => i += 1,
            }
        }
        pos += i as u64;
    }
}
