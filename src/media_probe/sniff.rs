//! Deciding the format from the first bytes, and describing files we refuse.
//!
//! The description of an unknown file shows at most four leading bytes plus a
//! guess at what it is, so the user learns why it was refused without the
//! message echoing the file's contents.

use super::input::{Input, be32, le32};
use super::{MediaFormat, ProbeError, mp3};

/// Bytes looked at to decide; `ftyp` compatible brands past this are ignored.
const HEAD: usize = 512;

pub(crate) enum Sniffed {
    Known(MediaFormat),
    /// What the file seems to be, as a phrase completing "it ...".
    Unknown(String),
}

pub(crate) fn sniff(input: &mut Input<'_>) -> Result<Sniffed, ProbeError> {
    let head = input.at(0, HEAD)?.to_vec();
    if let Some(format) = simple(&head) {
        return Ok(Sniffed::Known(format));
    }
    if head.get(4..8) == Some(b"ftyp") {
        return Ok(iso_brand(&head));
    }
    if is_old_quicktime(&head) {
        return Ok(Sniffed::Known(MediaFormat::Mov));
    }
    if head.starts_with(b"ID3") {
        input.set_format(MediaFormat::Mp3);
        let end = mp3::skip_id3(input)?;
        let after = input.at(end, 4)?;
        if after == b"fLaC" {
            return Ok(unknown(&head, Some("a FLAC audio file with an ID3 tag?")));
        }
        return Ok(Sniffed::Known(MediaFormat::Mp3));
    }
    if mp3::is_frame_header(&head) {
        return Ok(Sniffed::Known(MediaFormat::Mp3));
    }
    Ok(unknown(&head, guess(&head)))
}

fn simple(head: &[u8]) -> Option<MediaFormat> {
    let riff_type = if head.starts_with(b"RIFF") {
        head.get(8..12)
    } else {
        None
    };
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaFormat::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(MediaFormat::Png)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(MediaFormat::Gif)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(MediaFormat::Tiff)
    } else if riff_type == Some(b"WEBP") {
        Some(MediaFormat::Webp)
    } else if riff_type == Some(b"WAVE") {
        Some(MediaFormat::Wav)
    } else if head.starts_with(b"BM")
        && matches!(le32(head, 14), 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
    {
        Some(MediaFormat::Bmp)
    } else {
        None
    }
}

/// Major brands of HEIF stills coded with HEVC.
const HEIC_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];

fn iso_brand(head: &[u8]) -> Sniffed {
    let major: [u8; 4] = super::input::arr(head, 8);
    let declared = usize::try_from(be32(head, 0)).unwrap_or(usize::MAX);
    let end = declared.clamp(16, head.len().max(16));
    let compatible: Vec<&[u8]> = head.get(16..end).unwrap_or(&[]).chunks_exact(4).collect();
    let has = |brand: &[u8; 4]| compatible.contains(&brand.as_slice());
    match &major {
        b if HEIC_BRANDS.contains(&b) => Sniffed::Known(MediaFormat::Heic),
        b"mif1" | b"msf1" if has(b"avif") || has(b"avis") => unknown(head, Some("an AVIF image?")),
        b"mif1" | b"msf1" => Sniffed::Known(MediaFormat::Heic),
        b"avif" | b"avis" => unknown(head, Some("an AVIF image?")),
        b"qt  " => Sniffed::Known(MediaFormat::Mov),
        b"M4A " | b"M4B " | b"M4P " | b"F4A " => unknown(head, Some("an M4A / AAC audio file?")),
        b"crx " => unknown(head, Some("a Canon raw photo?")),
        _ => Sniffed::Known(MediaFormat::Mp4),
    }
}

/// QuickTime files from before `ftyp` existed start straight with an atom.
fn is_old_quicktime(head: &[u8]) -> bool {
    let atom = head.get(4..8).unwrap_or(&[]);
    be32(head, 0) >= 8
        && [b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"]
            .iter()
            .any(|a| atom == a.as_slice())
}

fn unknown(head: &[u8], guess: Option<&str>) -> Sniffed {
    let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02X}")).collect();
    let shown = shown.join(" ");
    Sniffed::Unknown(match guess {
        Some(guess) => format!("starts with bytes {shown} ({guess})"),
        None => format!("starts with bytes {shown}, which match no known media format"),
    })
}

fn guess(head: &[u8]) -> Option<&'static str> {
    let starts = |prefix: &[u8]| head.starts_with(prefix);
    let riff = |kind: &[u8]| starts(b"RIFF") && head.get(8..12) == Some(kind);
    Some(if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        "a zip archive?"
    } else if starts(b"%PDF") {
        "a PDF document?"
    } else if starts(b"OggS") {
        "an Ogg audio file (Vorbis or Opus)?"
    } else if starts(b"fLaC") {
        "a FLAC audio file?"
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "a Matroska or WebM video?"
    } else if riff(b"AVI ") {
        "an AVI video?"
    } else if starts(b"FORM") && matches!(head.get(8..12), Some(b"AIFF" | b"AIFC")) {
        "an AIFF audio file?"
    } else if starts(b"RIFF") {
        "a RIFF file that is neither WAVE nor WebP?"
    } else if starts(&[0x1F, 0x8B]) {
        "a gzip archive?"
    } else if starts(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        "a 7-Zip archive?"
    } else if starts(b"Rar!") {
        "a RAR archive?"
    } else if starts(b"II+\0") || starts(b"MM\0+") {
        "a BigTIFF image, which is not supported?"
    } else if starts(b"8BPS") {
        "a Photoshop document?"
    } else if starts(&[0, 0, 1, 0]) {
        "a Windows icon?"
    } else if starts(&[0, 0, 1, 0xBA]) || starts(&[0, 0, 1, 0xB3]) {
        "an MPEG-1/2 video stream?"
    } else if head.first() == Some(&0x47) && head.get(188) == Some(&0x47) {
        "an MPEG transport stream?"
    } else if head.first() == Some(&0xFF) && head.get(1).is_some_and(|b| b & 0xF6 == 0xF0) {
        "an AAC (ADTS) audio stream?"
    } else if starts(b"\x7FELF") || starts(b"MZ") {
        "a program, not media?"
    } else if looks_like_text(head) {
        "text, such as HTML, SVG or JSON?"
    } else {
        return None;
    })
}

fn looks_like_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The head may end in the middle of a multi-byte character.
        Err(e) if e.error_len().is_none() => head
            .get(..e.valid_up_to())
            .and_then(|h| std::str::from_utf8(h).ok())
            .unwrap_or(""),
        Err(_) => "",
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
}
