//! The PNG writer: 8-bit RGB, one fixed-Huffman deflate block, CRC-32 and
//! Adler-32.
//!
//! The drawings are flat colour, so a deflate that only looks one pixel back
//! and one row up compresses them well with no general match finder or
//! Huffman table builder. The IHDR fields are laid out with the MP4 writer's
//! big-endian `Body`, as both formats store integers the same way.

use super::{canvas::Canvas, mp4::Body, u32_of};

pub(super) fn encode_png(canvas: &Canvas) -> Vec<u8> {
    let stride = canvas.width * 3 + 1;
    let mut raw = Vec::with_capacity(stride * canvas.height);
    for row in canvas.pixels.chunks(canvas.width.max(1)) {
        raw.push(0); // filter type None
        for px in row {
            raw.extend_from_slice(&[px.0, px.1, px.2]);
        }
    }
    let ihdr = Body::default()
        .u32(u32_of(canvas.width))
        .u32(u32_of(canvas.height))
        .u8(8) // bit depth
        .u8(2) // colour type RGB
        .u8(0) // compression
        .u8(0) // filter
        .u8(0) // interlace
        .0;
    let mut zlib = vec![0x78, 0x01];
    zlib.extend_from_slice(&deflate(&raw, stride));
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr.as_slice()),
        (b"IDAT", zlib.as_slice()),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&u32_of(data.len()).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(out.get(start..).unwrap_or(&[]));
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// Deflate bit writer: values go in least significant bit first.
struct DeflateBits {
    out: Vec<u8>,
    acc: u64,
    used: u32,
}

impl DeflateBits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.used;
        self.used += count;
        while self.used >= 8 {
            self.out.push((self.acc & 0xFF) as u8);
            self.acc >>= 8;
            self.used -= 8;
        }
    }

    /// Huffman codes are defined most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn symbol(&mut self, sym: u32) {
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xC0 + sym - 280, 8),
        }
    }
}

pub(super) const LENGTH_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
pub(super) const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
pub(super) const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
pub(super) const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// (code index, extra bits, extra value) for a length or distance.
fn bucket(value: u32, bases: &[u32], extras: &[u32]) -> (u32, u32, u32) {
    let index = bases.iter().rposition(|&base| base <= value).unwrap_or(0);
    let base = bases.get(index).copied().unwrap_or(0);
    let extra = extras.get(index).copied().unwrap_or(0);
    (u32_of(index), extra, value.saturating_sub(base))
}

/// One fixed-Huffman deflate block. The drawings are flat colour, so
/// repeating the previous pixel (distance 3) or the row above (distance
/// `stride`) finds nearly everything; no general match finder is needed.
fn deflate(data: &[u8], stride: usize) -> Vec<u8> {
    const MAX_MATCH: usize = 258;
    const MAX_DISTANCE: usize = 32_768;
    let mut bits = DeflateBits {
        out: Vec::new(),
        acc: 0,
        used: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE fixed Huffman
    let mut pos = 0;
    while pos < data.len() {
        let mut best = (0, 0);
        for distance in [3, stride] {
            if distance == 0 || distance > pos || distance > MAX_DISTANCE {
                continue;
            }
            let len = data
                .get(pos..)
                .unwrap_or(&[])
                .iter()
                .zip(data.get(pos - distance..).unwrap_or(&[]))
                .take(MAX_MATCH)
                .take_while(|(a, b)| a == b)
                .count();
            if len > best.0 {
                best = (len, distance);
            }
        }
        let (len, distance) = best;
        if len >= 3 {
            let (code, extra_bits, extra) = bucket(u32_of(len), &LENGTH_BASE, &LENGTH_EXTRA);
            bits.symbol(257 + code);
            bits.put(extra, extra_bits);
            let (code, extra_bits, extra) = bucket(u32_of(distance), &DIST_BASE, &DIST_EXTRA);
            bits.code(code, 5);
            bits.put(extra, extra_bits);
            pos += len;
        } else {
            bits.symbol(u32::from(data.get(pos).copied().unwrap_or(0)));
            pos += 1;
        }
    }
    bits.symbol(256); // end of block
    if bits.used > 0 {
        bits.put(0, 8 - bits.used);
    }
    bits.out
}

/// CRC-32 as PNG defines it, bit by bit: the chunks are small, as the drawings
/// compress to almost nothing.
pub(super) fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |mut crc, &byte| {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
        crc
    })
}

pub(super) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // 5552 is the longest run whose sums cannot overflow u32 before reducing.
    let (a, b) = data
        .chunks(5552)
        .fold((1u32, 0u32), |(mut a, mut b), chunk| {
            for &byte in chunk {
                a += u32::from(byte);
                b += a;
            }
            (a % MOD, b % MOD)
        });
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }
}
