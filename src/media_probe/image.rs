//! Still images whose size sits at a fixed place near the start: PNG, GIF, BMP
//! and the three WebP flavours. JPEG and TIFF need walking and live in their own
//! modules.

use super::input::{Input, arr, be32, le16, le32};
use super::{Measured, ProbeError};

pub(crate) use super::jpeg::jpeg;
pub(crate) use super::tiff::tiff;

pub(crate) fn png(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let ihdr = input.exact(8, 16, "the IHDR chunk")?;
    if ihdr.get(4..8) != Some(b"IHDR") {
        return Err(input.corrupt("the first chunk is not IHDR"));
    }
    let (width, height) = (be32(ihdr, 8), be32(ihdr, 12));
    Ok(Measured::size(width, height))
}

pub(crate) fn gif(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let screen = input.exact(6, 4, "the logical screen descriptor")?;
    Ok(Measured::size(
        u32::from(le16(screen, 0)),
        u32::from(le16(screen, 2)),
    ))
}

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

pub(crate) fn webp(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let chunk: [u8; 4] = arr(input.exact(12, 8, "the first WebP chunk")?, 0);
    let body = input.exact(20, 10, "the WebP bitstream header")?;
    match &chunk {
        b"VP8 " => {
            if body.get(3..6) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(input.corrupt("the VP8 start code is missing"));
            }
            Ok(Measured::size(
                u32::from(le16(body, 6) & 0x3FFF),
                u32::from(le16(body, 8) & 0x3FFF),
            ))
        }
        b"VP8L" => {
            if body.first() != Some(&0x2F) {
                return Err(input.corrupt("the VP8L signature is missing"));
            }
            let bits = le32(body, 1);
            Ok(Measured::size(
                (bits & 0x3FFF) + 1,
                ((bits >> 14) & 0x3FFF) + 1,
            ))
        }
        b"VP8X" => Ok(Measured::size(le24(body, 4) + 1, le24(body, 7) + 1)),
        other => Err(input.corrupt(format!(
            "the first chunk is {:?}, not VP8, VP8L or VP8X",
            String::from_utf8_lossy(other)
        ))),
    }
}

fn le24(b: &[u8], i: usize) -> u32 {
    let [x, y, z] = arr(b, i);
    u32::from_le_bytes([x, y, z, 0])
}
