//! A test-only PNG reader: checks the chunks and both checksums, and
//! inflates the fixed-Huffman data `deflate` writes.

use super::{
    super::png::{DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA, adler32, crc32},
    be32,
};

/// A test-only inflater for the fixed-Huffman blocks `deflate` writes.
fn inflate_fixed(data: &[u8]) -> Vec<u8> {
    let mut pos = 0;
    let mut bit = || {
        let b = u32::from((data[pos / 8] >> (pos % 8)) & 1);
        pos += 1;
        b
    };
    let mut out: Vec<u8> = Vec::new();
    let bits = |n: u32, bit: &mut dyn FnMut() -> u32| (0..n).fold(0, |acc, i| acc | (bit() << i));
    assert_eq!(bits(1, &mut bit), 1, "final block");
    assert_eq!(bits(2, &mut bit), 1, "fixed Huffman");
    loop {
        let mut code = 0;
        let mut symbol = None;
        for len in 1..=9 {
            code = (code << 1) | bit();
            symbol = match (len, code) {
                (7, 0..=23) => Some(256 + code),
                (8, 48..=191) => Some(code - 48),
                (8, 192..=199) => Some(280 + code - 192),
                (9, 400..=511) => Some(144 + code - 400),
                _ => None,
            };
            if symbol.is_some() {
                break;
            }
        }
        let symbol = symbol.expect("valid code");
        match symbol {
            0..=255 => out.push(symbol as u8),
            256 => break,
            _ => {
                let i = (symbol - 257) as usize;
                let len = LENGTH_BASE[i] + bits(LENGTH_EXTRA[i], &mut bit);
                let d = (0..5).fold(0, |acc, _| (acc << 1) | bit()) as usize;
                let dist = (DIST_BASE[d] + bits(DIST_EXTRA[d], &mut bit)) as usize;
                for _ in 0..len {
                    out.push(out[out.len() - dist]);
                }
            }
        }
    }
    out
}

/// Checks every chunk and returns (width, height, RGB rows).
pub(super) fn decode_png(png: &[u8]) -> (usize, usize, Vec<u8>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut chunks = Vec::new();
    while at < png.len() {
        let len = be32(png, at) as usize;
        let kind = &png[at + 4..at + 8];
        let data = &png[at + 8..at + 8 + len];
        assert_eq!(
            be32(png, at + 8 + len),
            crc32(&png[at + 4..at + 8 + len]),
            "CRC of {kind:?}"
        );
        chunks.push((kind.to_vec(), data.to_vec()));
        at += 12 + len;
    }
    let kinds: Vec<&[u8]> = chunks.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(kinds, [&b"IHDR"[..], b"IDAT", b"IEND"]);
    let ihdr = &chunks[0].1;
    let (w, h) = (be32(ihdr, 0) as usize, be32(ihdr, 4) as usize);
    assert_eq!(&ihdr[8..], [8, 2, 0, 0, 0]);
    let zlib = &chunks[1].1;
    assert_eq!(
        (u16::from(zlib[0]) << 8 | u16::from(zlib[1])) % 31,
        0,
        "zlib header check"
    );
    let raw = inflate_fixed(&zlib[2..zlib.len() - 4]);
    assert_eq!(be32(zlib, zlib.len() - 4), adler32(&raw));
    assert_eq!(raw.len(), h * (1 + 3 * w));
    (w, h, raw)
}
