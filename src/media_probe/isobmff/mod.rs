//! ISO base media files (MP4, QuickTime MOV, HEIF): walking the box tree.
//!
//! Only header boxes are read; `mdat` and any other payload is skipped by its
//! declared size, so the index (`moov`) is found wherever it sits, before or
//! after the media data. 64-bit sizes and size 0 ("up to the end of the
//! enclosing box") are understood. A box claiming more bytes than its parent
//! has is reported as a cut-short file.

mod heif;
mod movie;

pub(crate) use heif::heic;
pub(crate) use movie::movie;

use super::ProbeError;
use super::input::{Input, arr, be32, be64};

/// One box: its type and where its header, body and end are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxHeader {
    pub(crate) kind: [u8; 4],
    pub(crate) body: u64,
    pub(crate) end: u64,
}

impl BoxHeader {
    pub(crate) fn body_len(&self) -> u64 {
        self.end - self.body
    }
}

/// The boxes directly inside `[start, end)`, read one at a time.
pub(crate) struct Children {
    pos: u64,
    end: u64,
}

impl Children {
    pub(crate) fn new(start: u64, end: u64) -> Self {
        Self { pos: start, end }
    }

    /// Children of a container box whose body starts right away.
    pub(crate) fn of(parent: &BoxHeader) -> Self {
        Self::new(parent.body, parent.end)
    }

    /// Children of a full box (version and flags come first).
    pub(crate) fn of_full(parent: &BoxHeader) -> Self {
        Self::new((parent.body + 4).min(parent.end), parent.end)
    }

    pub(crate) fn next(&mut self, input: &mut Input<'_>) -> Result<Option<BoxHeader>, ProbeError> {
        // Fewer than 8 bytes left cannot hold a box; old QuickTime writes a 4-byte
        // zero terminator there, so such a tail is ignored rather than refused.
        if self.end.saturating_sub(self.pos) < 8 {
            return Ok(None);
        }
        input.step()?;
        let pos = self.pos;
        let header = input.exact(pos, 8, "a box header")?;
        let (size, kind) = (be32(header, 0), arr::<4>(header, 4));
        let (body, size) = match size {
            1 => {
                let large = be64(input.exact(pos + 8, 8, "a 64-bit box size")?, 0);
                (pos + 16, large)
            }
            0 => (pos + 8, self.end - pos),
            n => (pos + 8, u64::from(n)),
        };
        let name = String::from_utf8_lossy(&kind).into_owned();
        if size < body - pos {
            return Err(input.corrupt(format!(
                "box '{name}' declares {size} bytes, less than its own header"
            )));
        }
        let room = self.end - pos;
        if size > room {
            return Err(input.truncated(format!(
                "box '{name}' declares {size} bytes but only {room} are there"
            )));
        }
        self.pos = pos + size;
        Ok(Some(BoxHeader {
            kind,
            body,
            end: pos + size,
        }))
    }

    /// The first child of type `kind`, skipping the others.
    pub(crate) fn find(
        &mut self,
        input: &mut Input<'_>,
        kind: &[u8; 4],
    ) -> Result<Option<BoxHeader>, ProbeError> {
        while let Some(child) = self.next(input)? {
            if &child.kind == kind {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }
}

/// Up to `n` bytes of a box body (capped by the body and by the read window).
pub(crate) fn body<'i>(
    input: &'i mut Input<'_>,
    header: &BoxHeader,
    n: usize,
) -> Result<&'i [u8], ProbeError> {
    let n = usize::try_from(header.body_len())
        .unwrap_or(usize::MAX)
        .min(n);
    input.at(header.body, n)
}
