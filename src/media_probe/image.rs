//! Still images: PNG, GIF, WebP and TIFF are measured by `imagesize`; BMP stays
//! here because imagesize reads it wrong (see [`bmp`]). JPEG needs walking and
//! lives in its own module.

use std::io::{Seek, SeekFrom};

use imagesize::{ImageError, ImageType};

use super::input::{Input, arr, le16, le32};
use super::stream::Stream;
use super::{Measured, ProbeError};

pub(crate) use super::jpeg::jpeg;

pub(crate) fn png(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    // imagesize reads the size at a fixed offset without looking at the chunk
    // type; a file whose first chunk is not IHDR (such as Apple's CgBI PNGs,
    // which other software cannot open) would give a made-up size.
    let chunk = input.exact(12, 4, "the IHDR chunk")?;
    if chunk != b"IHDR" {
        return Err(input.corrupt("the first chunk is not IHDR"));
    }
    measured(input, ImageType::Png, "the IHDR chunk")
}

pub(crate) fn gif(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    measured(input, ImageType::Gif, "the logical screen descriptor")
}

pub(crate) fn webp(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    measured(input, ImageType::Webp, "the WebP bitstream header")
}

pub(crate) fn tiff(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    measured(input, ImageType::Tiff, "the first image directory")
}

/// Size as imagesize reads it; `what` names the header in a cut-short message.
///
/// The format is already known, so imagesize's own detection (which wants 12
/// bytes, more than a minimal GIF has) is skipped. Its WebP reader starts where
/// that detection stops, just past the 12-byte RIFF header, so the stream is put
/// there first; the other readers seek for themselves.
fn measured(input: &mut Input<'_>, kind: ImageType, what: &str) -> Result<Measured, ProbeError> {
    let mut stream = Stream::new(input);
    let result = stream
        .seek(SeekFrom::Start(12))
        .map_err(ImageError::from)
        .and_then(|_| kind.reader_size(&mut stream));
    if let Some(refusal) = input.take_refusal() {
        return Err(refusal);
    }
    let size = match result {
        Ok(size) => size,
        Err(ImageError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(input.truncated(format!("{what} is missing")));
        }
        Err(ImageError::IoError(e)) => return Err(input.corrupt(e.to_string())),
        Err(e) => return Err(input.corrupt(format!("{what} cannot be read ({e})"))),
    };
    let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Measured::size(side(size.width), side(size.height)))
}

/// imagesize reads every BMP as a BITMAPINFOHEADER with unsigned sides, so the
/// 16-bit BITMAPCOREHEADER (OS/2) comes out wrong, and so does the negative
/// height of a top-down bitmap.
pub(crate) fn bmp(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let header_size = le32(input.exact(14, 4, "the DIB header")?, 0);
    if header_size == 12 {
        // BITMAPCOREHEADER (OS/2 1.x): unsigned 16-bit sides.
        let core = input.exact(18, 4, "the BITMAPCOREHEADER")?;
        return Ok(Measured::size(
            u32::from(le16(core, 0)),
            u32::from(le16(core, 2)),
        ));
    }
    let info = input.exact(18, 8, "the BITMAPINFOHEADER")?;
    let width = i32::from_le_bytes(arr(info, 0));
    // A negative height only means the rows are stored top-down.
    let height = i32::from_le_bytes(arr(info, 4)).unsigned_abs();
    let Ok(width) = u32::try_from(width) else {
        return Err(input.corrupt(format!("the width is negative ({width})")));
    };
    Ok(Measured::size(width, height))
}
