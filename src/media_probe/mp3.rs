//! MPEG audio (MP3, and layers I/II alike): timed by symphonia's MPEG audio
//! demuxer, which finds the first frame confirmed by the next one and reads a
//! Xing/Info header (less LAME's encoder delay and padding) or a VBRI header,
//! or else projects the first frames' average size over the stream.
//!
//! Kept here: skipping the ID3v2 tags at the start and the ID3v1 tag at the end,
//! so that symphonia is given exactly the audio (its demuxer expects to start at
//! a frame, and a tag left in would count as audio); and the 4-byte header check
//! that sniffing uses to recognise an MP3 without tags.

use symphonia_bundle_mp3::MpaReader;
use symphonia_core::codecs::CodecParameters;
use symphonia_core::errors::Error as AudioError;
use symphonia_core::formats::{FormatOptions, FormatReader};
use symphonia_core::io::{MediaSourceStream, MediaSourceStreamOptions};

use super::input::{Input, arr};
use super::stream::Stream;
use super::{Measured, ProbeError, fraction};

/// Stacked ID3v2 tags followed one after another, at most.
const MAX_ID3_TAGS: usize = 8;

/// Whether `b` starts with a plausible MPEG audio frame header: the sync word,
/// and a version, layer, bitrate and sample rate that are not reserved or
/// free-format (whose frame length cannot be known).
pub(crate) fn is_frame_header(b: &[u8]) -> bool {
    let &[b0, b1, b2, _, ..] = b else {
        return false;
    };
    let version = (b1 >> 3) & 3;
    let layer = (b1 >> 1) & 3;
    let bitrate = b2 >> 4;
    let rate = (b2 >> 2) & 3;
    b0 == 0xFF
        && b1 & 0xE0 == 0xE0
        && version != 1
        && layer != 0
        && !matches!(bitrate, 0 | 15)
        && rate != 3
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
    let audio = Stream::range(input, start, end);
    let stream = MediaSourceStream::new(Box::new(audio), MediaSourceStreamOptions::default());
    // The demuxer borrows the input; it is dropped once the timing is read.
    let timing = MpaReader::try_new(stream, FormatOptions::default()).map(|reader| timing(&reader));
    if let Some(refusal) = input.take_refusal() {
        return Err(refusal);
    }
    match timing {
        Ok(duration) => Ok(Measured {
            duration,
            ..Measured::default()
        }),
        // The demuxer looks for a frame until the end of the file.
        Err(AudioError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(input.corrupt("no MPEG audio frame was found after the start of the audio"))
        }
        Err(e) => Err(input.corrupt(format!("the audio cannot be read ({e})"))),
    }
}

/// The playing time the demuxer worked out, when it could: a stream too short
/// to estimate from and without a Xing or VBRI count has none.
fn timing(reader: &MpaReader<'_>) -> Option<std::time::Duration> {
    let track = reader.tracks().first()?;
    let Some(CodecParameters::Audio(audio)) = &track.codec_params else {
        return None;
    };
    fraction(track.num_frames?, u64::from(audio.sample_rate?))
}

/// End of the audio: the file end, less an ID3v1 tag if there is one.
fn audio_end(input: &mut Input<'_>) -> Result<u64, ProbeError> {
    let len = input.len();
    if len >= 128 && input.at(len - 128, 3)? == b"TAG" {
        return Ok(len - 128);
    }
    Ok(len)
}
