//! The 5x7 bitmap font and the text handling around it: which characters
//! can be drawn, how a prompt is cleaned up, wrapped and truncated to fit,
//! and where a line of text sits.
//!
//! A font file or a text-rendering crate would weigh far more than a caption
//! needs, so the glyphs are bitmaps here, scaled by whole pixels; `sanitize`
//! keeps only the characters they cover.

use super::canvas::Rect;

pub(super) const GLYPH_WIDTH: usize = 5;
pub(super) const GLYPH_HEIGHT: usize = 7;
pub(super) const GLYPH_ADVANCE: usize = GLYPH_WIDTH + 1;

/// A 5x7 bitmap font: one byte per row, bit 4 is the leftmost column.
pub(super) fn glyph(ch: u8) -> Option<[u8; GLYPH_HEIGHT]> {
    Some(match ch {
        b'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        b'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        b'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        b'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        b'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        b'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        b'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        b'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        b'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        b'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        b'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        b'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        b'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        b'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        b'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        b'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        b'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        b'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        b'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        b'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        b'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        b'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        b'Y' => [0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04],
        b'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        b'0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        b'1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        b'2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        b'3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        b'4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        b'5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        b'6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        b'7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        b'8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        b'9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        b' ' => [0x00; GLYPH_HEIGHT],
        b'.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        b',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        b'!' => [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04],
        b'?' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
        b'-' => [0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00],
        b':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        b';' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08],
        b'\'' => [0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
        b'"' => [0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00],
        b'/' => [0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10],
        b'(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        b')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        b'+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        b'=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        b'&' => [0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D],
        b'%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        b'#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        b'*' => [0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00],
        b'_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        _ => return None,
    })
}

/// Pixel width of `chars` glyphs at `scale` (no trailing gap).
pub(super) fn text_width(chars: usize, scale: usize) -> usize {
    chars
        .saturating_mul(GLYPH_ADVANCE)
        .saturating_sub(1)
        .saturating_mul(scale)
}

pub(super) fn chars_fitting(width: usize, scale: usize) -> usize {
    (width / scale.max(1)).saturating_add(1) / GLYPH_ADVANCE
}

/// Uppercases, drops characters the font lacks and collapses whitespace.
pub(super) fn sanitize(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let Ok(byte) = u8::try_from(u32::from(ch.to_ascii_uppercase())) else {
            continue;
        };
        if glyph(byte).is_none() {
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(byte);
    }
    out
}

/// Cuts `text` to `max_chars`, marking the cut with "..." when there is room.
pub(super) fn truncate(mut text: Vec<u8>, max_chars: usize) -> Vec<u8> {
    if text.len() <= max_chars {
        return text;
    }
    if max_chars >= 4 {
        text.truncate(max_chars - 3);
        while text.last() == Some(&b' ') {
            text.pop();
        }
        text.extend_from_slice(b"...");
    } else {
        text.truncate(max_chars);
    }
    text
}

/// Word-wraps into at most `max_lines` lines of `max_chars`; the rest is cut.
pub(super) fn wrap(text: &[u8], max_chars: usize, max_lines: usize) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && max_chars > 0 {
        if lines.len() + 1 >= max_lines || rest.len() <= max_chars {
            lines.push(truncate(rest.to_vec(), max_chars));
            break;
        }
        let window = rest.get(..=max_chars).unwrap_or(rest);
        let cut = window
            .iter()
            .rposition(|&b| b == b' ')
            .filter(|&at| at > 0)
            .unwrap_or(max_chars);
        let (line, tail) = rest.split_at(cut.min(rest.len()));
        lines.push(line.to_vec());
        rest = tail.strip_prefix(b" ").unwrap_or(tail);
    }
    lines
}

#[derive(Debug, Clone)]
pub(super) struct TextLine {
    pub(super) glyphs: Vec<u8>,
    pub(super) x: usize,
    pub(super) y: usize,
    pub(super) scale: usize,
}

impl TextLine {
    /// Centred, then nudged left if needed so the text ends at least two
    /// pixels short of a macroblock edge (see `top_of_rows` in `layout` for
    /// why).
    pub(super) fn centred(glyphs: Vec<u8>, frame_width: usize, y: usize, scale: usize) -> Self {
        let width = text_width(glyphs.len(), scale);
        let mut x = frame_width.saturating_sub(width) / 2;
        let last = (x + width).saturating_sub(1) % 16;
        if width > 0 && last >= 14 {
            x = x.saturating_sub(last - 13);
        }
        Self {
            glyphs,
            x,
            y,
            scale,
        }
    }

    pub(super) fn bounds(&self) -> Rect {
        Rect {
            x: self.x,
            y: self.y,
            w: text_width(self.glyphs.len(), self.scale),
            h: GLYPH_HEIGHT * self.scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_are_uppercased_filtered_wrapped_and_truncated() {
        assert_eq!(sanitize("  Hello,\n wörld  #1!  "), b"HELLO, WRLD #1!");
        assert_eq!(sanitize("日本"), b"");
        assert_eq!(
            wrap(b"ONE TWO THREE", 7, 2),
            [b"ONE TWO".to_vec(), b"THREE".to_vec()]
        );
        assert_eq!(
            wrap(b"ONE TWO THREE FOUR", 7, 2),
            [b"ONE TWO".to_vec(), b"THRE...".to_vec()]
        );
        assert_eq!(
            wrap(b"ABCDEFGHIJ", 4, 2),
            [b"ABCD".to_vec(), b"E...".to_vec()]
        );
        assert_eq!(truncate(b"ABCDEF".to_vec(), 3), b"ABC");
        assert!(wrap(b"ANY", 0, 2).is_empty());
        for ch in (b'A'..=b'Z').chain(b'0'..=b'9') {
            assert!(glyph(ch).is_some(), "{}", ch as char);
        }
    }
}
