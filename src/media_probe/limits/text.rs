//! Number formatting for limit messages: short where the value is round, precise
//! where rounding would make an over-the-limit value look equal to the limit.

use std::time::Duration;

use super::MIB;
use crate::media_probe::MediaFormat;

/// Seconds with millisecond precision and no trailing zeros ("15", "15.1",
/// "1.999"); sub-millisecond excess is shown in microseconds so 15.0004 s never
/// reads as "15".
pub(super) fn seconds(d: Duration) -> String {
    let decimals = if d.subsec_nanos().is_multiple_of(1_000_000) {
        3
    } else {
        6
    };
    trim(format!("{:.*}", decimals, d.as_secs_f64()))
}

/// Binary megabytes ("30 MB", "31.25 MB"), with the exact byte count when the
/// rounded figure is a whole number that would hide the excess.
pub(super) fn megabytes(bytes: u64) -> String {
    if bytes.is_multiple_of(MIB) {
        return format!("{} MB", bytes / MIB);
    }
    let shown = format!("{:.2}", bytes as f64 / MIB as f64);
    if shown.ends_with(".00") {
        format!("{shown} MB ({bytes} bytes)")
    } else {
        format!("{shown} MB")
    }
}

/// A ratio with up to four decimals ("2.5", "2.51", "0.4").
pub(super) fn ratio(x: f64) -> String {
    trim(format!("{x:.4}"))
}

fn trim(mut s: String) -> String {
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// "a PNG", "an MP4": the format name with its article.
pub(super) fn a_format(format: MediaFormat) -> String {
    let article = match format {
        MediaFormat::Mp4 | MediaFormat::Mp3 => "an",
        _ => "a",
    };
    format!("{article} {}", format.name())
}
