//! RIFF WAVE: the `fmt ` chunk's byte rate and the `data` chunk's length give the
//! duration. Chunks are walked by their declared sizes (padded to even, as RIFF
//! requires), so chunk order does not matter and the samples are never read.
//!
//! Kept rather than symphonia's WAV reader: that reader gives no duration when
//! the data size is the "unknown" all-ones value of a streamed file, does not
//! notice a data chunk longer than the file, and refuses codecs it cannot decode,
//! where any codec with a byte rate can be timed.

use super::input::{Input, le32};
use super::{Measured, ProbeError, fraction};

/// Written by encoders that could not seek back to fill in the size.
const UNKNOWN_SIZE: u32 = u32::MAX;

pub(crate) fn wav(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let len = input.len();
    let mut pos = 12u64;
    let mut byte_rate = None;
    let mut data_len = None;
    while pos + 8 <= len && (byte_rate.is_none() || data_len.is_none()) {
        input.step()?;
        let header = input.exact(pos, 8, "a chunk header")?;
        let (id, size) = (super::input::arr::<4>(header, 0), le32(header, 4));
        let body = pos + 8;
        let available = len - body;
        match &id {
            b"fmt " => {
                if size < 16 {
                    return Err(input.corrupt(format!("the fmt chunk is only {size} bytes")));
                }
                let fmt = input.exact(body, 16, "the fmt chunk")?;
                byte_rate = Some(le32(fmt, 8));
            }
            b"data" if size == UNKNOWN_SIZE => data_len = Some(available),
            b"data" if u64::from(size) > available => {
                return Err(input.truncated(format!(
                    "the data chunk declares {size} bytes but only {available} follow"
                )));
            }
            b"data" => data_len = Some(u64::from(size)),
            _ => {}
        }
        if size == UNKNOWN_SIZE {
            break;
        }
        pos = body + u64::from(size) + u64::from(size & 1);
    }
    let Some(byte_rate) = byte_rate else {
        return Err(input.corrupt("there is no fmt chunk describing the audio"));
    };
    let Some(data_len) = data_len else {
        return Err(input.truncated("there is no data chunk holding the audio"));
    };
    let duration = fraction(data_len, u64::from(byte_rate))
        .ok_or_else(|| input.corrupt("the fmt chunk gives a byte rate of zero"))?;
    Ok(Measured {
        duration: Some(duration),
        ..Measured::default()
    })
}
