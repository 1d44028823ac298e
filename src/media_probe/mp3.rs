//! MPEG audio (MP3, and layers I/II alike): skipping ID3v2 tags, finding the first
//! real frame, and timing the stream.
//!
//! The exact duration comes from a Xing/Info or VBRI header when the encoder wrote
//! one. Otherwise frames are walked (up to [`WALK_BYTES`]), which is exact for the
//! short clips Seedance accepts; past that the average bitrate seen so far is
//! projected over the rest of the file, which is enough to refuse a long file.

use std::time::Duration;

use super::input::{Input, arr, be32};
use super::{Measured, ProbeError, fraction};

/// How far past the ID3 tags (or a damaged stretch) to look for a frame.
const SYNC_SEARCH: u64 = 256 * 1024;
/// How much audio is walked frame by frame before projecting.
const WALK_BYTES: u64 = 2 * 1024 * 1024;
/// Stacked ID3v2 tags followed one after another, at most.
const MAX_ID3_TAGS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Mpeg1,
    Mpeg2,
    Mpeg25,
}

/// One decoded 4-byte frame header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameHeader {
    version: Version,
    layer: u8,
    bitrate: u32,
    sample_rate: u32,
    padding: bool,
    mono: bool,
}

const BITRATES_V1: [[u32; 14]; 3] = [
    [
        32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ],
    [
        32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ],
    [
        32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
];
const BITRATES_V2_L1: [u32; 14] = [
    32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
];
const BITRATES_V2_L23: [u32; 14] = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

impl FrameHeader {
    /// Decodes a header at the start of `b`; `None` for anything invalid or
    /// free-format (whose frame length cannot be known from the header).
    pub(crate) fn parse(b: &[u8]) -> Option<Self> {
        let &[b0, b1, b2, b3, ..] = b else {
            return None;
        };
        if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
            return None;
        }
        let version = match (b1 >> 3) & 3 {
            0 => Version::Mpeg25,
            2 => Version::Mpeg2,
            3 => Version::Mpeg1,
            _ => return None,
        };
        let layer = match (b1 >> 1) & 3 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let index = usize::from(b2 >> 4).checked_sub(1)?;
        let table: &[u32; 14] = match (version, layer) {
            (Version::Mpeg1, l) => BITRATES_V1.get(usize::from(l) - 1)?,
            (_, 1) => &BITRATES_V2_L1,
            _ => &BITRATES_V2_L23,
        };
        let bitrate = *table.get(index)? * 1000;
        let base = match (b2 >> 2) & 3 {
            0 => 44_100,
            1 => 48_000,
            2 => 32_000,
            _ => return None,
        };
        let sample_rate = match version {
            Version::Mpeg1 => base,
            Version::Mpeg2 => base / 2,
            Version::Mpeg25 => base / 4,
        };
        Some(Self {
            version,
            layer,
            bitrate,
            sample_rate,
            padding: b2 & 2 != 0,
            mono: b3 >> 6 == 3,
        })
    }

    fn samples(self) -> u32 {
        match (self.layer, self.version) {
            (1, _) => 384,
            (3, Version::Mpeg2 | Version::Mpeg25) => 576,
            _ => 1152,
        }
    }

    fn len(self) -> u64 {
        if self.layer == 1 {
            (12 * u64::from(self.bitrate) / u64::from(self.sample_rate) + u64::from(self.padding))
                * 4
        } else {
            u64::from(self.samples()) / 8 * u64::from(self.bitrate) / u64::from(self.sample_rate)
                + u64::from(self.padding)
        }
    }

    /// Where the Xing/Info tag would start, counted from the frame start.
    fn xing_offset(self) -> u64 {
        4 + match (self.version, self.mono) {
            (Version::Mpeg1, false) => 32,
            (Version::Mpeg1, true) | (_, false) => 17,
            (_, true) => 9,
        }
    }

    fn same_stream(self, other: Self) -> bool {
        self.version == other.version
            && self.layer == other.layer
            && self.sample_rate == other.sample_rate
    }
}

/// Offset just past any ID3v2 tags at the start of the input.
pub(crate) fn skip_id3(input: &mut Input<'_>) -> Result<u64, ProbeError> {
    let mut offset = 0u64;
    for _ in 0..MAX_ID3_TAGS {
        let tag = input.at(offset, 10)?;
        if tag.len() < 10 || !tag.starts_with(b"ID3") {
            break;
        }
        let tag: [u8; 10] = arr(tag, 0);
        let footer = if tag[5] & 0x10 != 0 { 10 } else { 0 };
        let mut size = 0u64;
        for byte in [tag[6], tag[7], tag[8], tag[9]] {
            if byte & 0x80 != 0 {
                return Err(input.corrupt("the ID3 tag size is not synchsafe"));
            }
            size = size << 7 | u64::from(byte);
        }
        offset += 10 + size + footer;
    }
    Ok(offset)
}

pub(crate) fn mp3(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let start = skip_id3(input)?;
    if start >= input.len() {
        return Err(input.truncated("the ID3 tag runs to the end of the file; no audio follows"));
    }
    let end = audio_end(input)?;
    let Some((first, header)) = find_frame(input, start, end)? else {
        return Err(input.corrupt(format!(
            "no MPEG audio frame within {} KiB after the start of the audio",
            SYNC_SEARCH / 1024
        )));
    };
    let info = info_header(input, first, header)?;
    if let Info::Frames(frames) = info {
        let duration = fraction(
            frames * u64::from(header.samples()),
            u64::from(header.sample_rate),
        );
        return Ok(Measured {
            duration,
            ..Measured::default()
        });
    }
    // An Info/Xing frame without a count is silence, not audio: do not time it.
    let first_audio = match info {
        Info::Present => first + header.len(),
        _ => first,
    };
    let duration = walk(input, first_audio, end, header)?;
    Ok(Measured {
        duration: Some(duration),
        ..Measured::default()
    })
}

/// End of the audio: the file end, less an ID3v1 tag if there is one.
fn audio_end(input: &mut Input<'_>) -> Result<u64, ProbeError> {
    let len = input.len();
    if len >= 128 && input.at(len - 128, 3)? == b"TAG" {
        return Ok(len - 128);
    }
    Ok(len)
}

/// The first offset in `[from, end)` holding a frame that is confirmed by the
/// next frame's header (or by ending exactly at `end`).
fn find_frame(
    input: &mut Input<'_>,
    from: u64,
    end: u64,
) -> Result<Option<(u64, FrameHeader)>, ProbeError> {
    let limit = end.min(from.saturating_add(SYNC_SEARCH));
    let mut pos = from;
    while pos < limit {
        input.step()?;
        let chunk = input.at(pos, super::input::WINDOW)?.to_vec();
        if chunk.len() < 4 {
            break;
        }
        for (i, _) in chunk.iter().enumerate().filter(|(_, b)| **b == 0xFF) {
            let at = pos + i as u64;
            if at >= limit {
                break;
            }
            let Some(header) = chunk.get(i..).and_then(FrameHeader::parse) else {
                continue;
            };
            let next = at + header.len();
            let confirmed = next == end
                || FrameHeader::parse(input.at(next, 4)?)
                    .is_some_and(|following| following.same_stream(header));
            if confirmed {
                return Ok(Some((at, header)));
            }
        }
        // Overlap so a header split across two chunks is still seen.
        pos += (chunk.len() as u64 - 3).max(1);
    }
    Ok(None)
}

enum Info {
    /// A Xing/Info or VBRI header giving the number of audio frames.
    Frames(u64),
    /// A Xing/Info header without a frame count.
    Present,
    None,
}

fn info_header(input: &mut Input<'_>, first: u64, header: FrameHeader) -> Result<Info, ProbeError> {
    let xing = input.at(first + header.xing_offset(), 12)?;
    if xing.starts_with(b"Xing") || xing.starts_with(b"Info") {
        let flags = be32(xing, 4);
        if flags & 1 != 0 && xing.len() >= 12 {
            let frames = be32(xing, 8);
            if frames > 0 {
                return Ok(Info::Frames(u64::from(frames)));
            }
        }
        return Ok(Info::Present);
    }
    let vbri = input.at(first + 36, 18)?;
    if vbri.len() == 18 && vbri.starts_with(b"VBRI") {
        let frames = be32(vbri, 14);
        if frames > 0 {
            return Ok(Info::Frames(u64::from(frames)));
        }
    }
    Ok(Info::None)
}

/// Times the frames from `first` to `end`, resynchronising over damaged stretches.
fn walk(
    input: &mut Input<'_>,
    first: u64,
    end: u64,
    stream: FrameHeader,
) -> Result<Duration, ProbeError> {
    let rate = u64::from(stream.sample_rate);
    let (mut pos, mut samples, mut audio_bytes) = (first, 0u64, 0u64);
    while pos < end {
        input.step()?;
        let header = FrameHeader::parse(input.at(pos, 4)?).filter(|h| h.same_stream(stream));
        let Some(header) = header else {
            match find_frame(input, pos + 1, end)? {
                Some((next, _)) => {
                    pos = next;
                    continue;
                }
                None => break,
            }
        };
        if audio_bytes >= WALK_BYTES {
            let remaining = end - pos;
            let projected = u128::from(samples) * u128::from(remaining) / u128::from(audio_bytes);
            samples += u64::try_from(projected).unwrap_or(u64::MAX);
            break;
        }
        samples += u64::from(header.samples());
        audio_bytes += header.len();
        pos += header.len();
    }
    fraction(samples, rate).ok_or_else(|| input.corrupt("the sample rate is zero"))
}
