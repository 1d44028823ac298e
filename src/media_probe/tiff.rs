//! TIFF: the ImageWidth and ImageLength tags of the first image file directory,
//! in either byte order, stored as SHORT or LONG.

use super::input::{Input, arr};
use super::{Measured, ProbeError};

const IMAGE_WIDTH: u16 = 256;
const IMAGE_LENGTH: u16 = 257;
/// Tags are sorted, so width and length are among the first few; this caps a
/// directory that declares thousands of entries.
const MAX_ENTRIES: u16 = 1024;

#[derive(Clone, Copy)]
struct Order {
    little: bool,
}

impl Order {
    fn u16(self, b: &[u8], i: usize) -> u16 {
        let bytes = arr(b, i);
        if self.little {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        }
    }

    fn u32(self, b: &[u8], i: usize) -> u32 {
        let bytes = arr(b, i);
        if self.little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        }
    }
}

pub(crate) fn tiff(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let header = input.exact(0, 8, "the TIFF header")?;
    let order = Order {
        little: header.starts_with(b"II"),
    };
    let ifd = u64::from(order.u32(header, 4));
    if ifd < 8 {
        return Err(input.corrupt(format!("the first directory offset is {ifd}")));
    }
    let count = order.u16(input.exact(ifd, 2, "the first image directory")?, 0);
    let (mut width, mut height) = (None, None);
    for index in 0..count.min(MAX_ENTRIES) {
        input.step()?;
        let entry = input.exact(ifd + 2 + 12 * u64::from(index), 12, "a directory entry")?;
        let (tag, kind) = (order.u16(entry, 0), order.u16(entry, 2));
        let value = match kind {
            3 => Some(u32::from(order.u16(entry, 8))),
            4 => Some(order.u32(entry, 8)),
            _ => None,
        };
        let slot = match tag {
            IMAGE_WIDTH => &mut width,
            IMAGE_LENGTH => &mut height,
            _ => continue,
        };
        if value.is_none() {
            return Err(input.corrupt(format!(
                "tag {tag} has field type {kind}, not SHORT or LONG"
            )));
        }
        *slot = value;
        if let (Some(width), Some(height)) = (width, height) {
            return Ok(Measured::size(width, height));
        }
    }
    Err(input.corrupt("the first image directory lacks ImageWidth or ImageLength"))
}
