//! ISO base media files (MP4, QuickTime MOV, HEIF): walking the box tree here,
//! decoding the boxes the probe needs with `mp4-atom`.
//!
//! mp4-atom decodes a box from bytes already in memory and has no way to skip a
//! payload it was not given, so the tree is walked here, one header at a time
//! through the bounded `Input`: `mdat` and any other payload is skipped by its
//! declared size, and the index (`moov`) is found wherever it sits, before or
//! after the media data. Each header is decoded by mp4-atom (32- and 64-bit
//! sizes, size 0 meaning "up to the end of the enclosing box"); a box claiming
//! more bytes than its parent has is reported as a cut-short file. Only the small
//! leaf boxes whose fields the probe uses are read into memory, each capped at
//! the read window, and decoded by mp4-atom.

mod heif;
mod movie;

pub(crate) use heif::heic;
pub(crate) use movie::movie;

use mp4_atom::{Atom, Decode, Header};

use super::ProbeError;
use super::input::{Input, WINDOW};

/// One box: its type and where its body and end are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxHeader {
    pub(crate) kind: [u8; 4],
    pub(crate) body: u64,
    pub(crate) end: u64,
}

impl BoxHeader {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
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
        let room = self.end.saturating_sub(self.pos);
        if room < 8 {
            return Ok(None);
        }
        input.step()?;
        let pos = self.pos;
        // At most the 16 bytes of the longest header, and never past the parent,
        // so a 64-bit size is not read out of the next box.
        let bytes = input.at(pos, usize::try_from(room.min(16)).unwrap_or(16))?;
        let mut rest = bytes;
        let decoded = Header::decode(&mut rest);
        let header_len = (bytes.len() - rest.len()) as u64;
        let header = match decoded {
            Ok(header) => header,
            Err(mp4_atom::Error::InvalidSize) => {
                let name = String::from_utf8_lossy(bytes.get(4..8).unwrap_or(&[])).into_owned();
                return Err(input.corrupt(format!(
                    "box '{name}' declares a size smaller than its own header"
                )));
            }
            Err(_) => return Err(input.truncated("a box header is cut short")),
        };
        let body_len = match header.size {
            Some(len) => u64::try_from(len).unwrap_or(u64::MAX),
            None => room - header_len,
        };
        let kind = *header.kind.as_ref();
        let size = header_len.saturating_add(body_len);
        if size > room {
            let name = String::from_utf8_lossy(&kind);
            return Err(input.truncated(format!(
                "box '{name}' declares {size} bytes but only {room} are there"
            )));
        }
        self.pos = pos + size;
        Ok(Some(BoxHeader {
            kind,
            body: pos + header_len,
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

/// A leaf box decoded by mp4-atom from its whole body.
pub(crate) fn decode<T: Atom>(input: &mut Input<'_>, header: &BoxHeader) -> Result<T, ProbeError> {
    decode_first::<T>(input, header, usize::MAX)
}

/// A leaf box decoded by mp4-atom from the first `n` bytes of its body.
///
/// Bytes after the fields mp4-atom reads are left alone rather than refused
/// (`decode_body`, not `decode`): writers pad boxes, and the probe wants the
/// fields, not a conformance check. A body larger than the read window is more
/// than any box the probe reads ever needs, so it is refused before reading.
pub(crate) fn decode_first<T: Atom>(
    input: &mut Input<'_>,
    header: &BoxHeader,
    n: usize,
) -> Result<T, ProbeError> {
    let name = header.name();
    let len = usize::try_from(header.end - header.body)
        .unwrap_or(usize::MAX)
        .min(n);
    if len > WINDOW {
        return Err(input.too_complex());
    }
    let mut body = input.exact(header.body, len, &format!("box '{name}'"))?;
    let decoded = T::decode_body(&mut body);
    decoded.map_err(|e| input.corrupt(format!("box '{name}' cannot be read: {e}")))
}
