//! Tiny but structurally valid media files, built byte by byte for the tests.

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    out.extend(chunk_be(b"IHDR", &ihdr));
    out.extend(chunk_be(b"IEND", &[]));
    out
}

fn chunk_be(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(body);
    out.extend([0; 4]); // CRC: not checked by the probe
    out
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend(((body.len() + 2) as u16).to_be_bytes());
    out.extend(body);
    out
}

fn sof_body(width: u16, height: u16) -> Vec<u8> {
    let mut body = vec![8];
    body.extend(height.to_be_bytes());
    body.extend(width.to_be_bytes());
    body.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    body
}

/// SOI, JFIF APP0, an Exif-ish APP1, DQT, fill bytes, then `sof` (e.g. 0xC0 or
/// 0xC2), a scan with stuffing and a restart marker, and EOI.
pub fn jpeg(width: u16, height: u16, sof: u8) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    out.extend(segment(0xE1, &[0xFF; 300]));
    out.extend(segment(0xDB, &[0; 65]));
    out.extend([0xFF, 0xFF, 0xFF]); // fill bytes before the next marker
    out.extend(segment(sof, &sof_body(width, height)));
    out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    out.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
    out.extend([0xFF, 0xD9]);
    out
}

/// A frame whose height is 0 in SOF and arrives in a DNL after the first scan.
pub fn jpeg_with_dnl(width: u16, lines: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend(segment(0xC0, &sof_body(width, 0)));
    out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    out.extend([0x01, 0xFF, 0x00, 0xFF, 0xD3, 0x02, 0xFF, 0xFF, 0x00, 0x03]);
    out.extend(segment(0xDC, &lines.to_be_bytes()));
    out.extend([0xFF, 0xD9]);
    out
}

pub fn gif(width: u16, height: u16) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend(width.to_le_bytes());
    out.extend(height.to_le_bytes());
    out.extend([0, 0, 0, b';']);
    out
}

/// A BMP with a BITMAPCOREHEADER (`core`) or a BITMAPINFOHEADER.
pub fn bmp(width: i32, height: i32, core: bool) -> Vec<u8> {
    let mut dib = Vec::new();
    if core {
        dib.extend(12u32.to_le_bytes());
        dib.extend((width as u16).to_le_bytes());
        dib.extend((height as u16).to_le_bytes());
        dib.extend([1, 0, 24, 0]);
    } else {
        dib.extend(40u32.to_le_bytes());
        dib.extend(width.to_le_bytes());
        dib.extend(height.to_le_bytes());
        dib.extend([1, 0, 24, 0]);
        dib.extend([0; 24]);
    }
    let mut out = b"BM".to_vec();
    out.extend(((14 + dib.len()) as u32).to_le_bytes());
    out.extend([0; 4]);
    out.extend(((14 + dib.len()) as u32).to_le_bytes());
    out.extend(dib);
    out
}

fn riff(form: &[u8; 4], chunks: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend(((chunks.len() + 4) as u32).to_le_bytes());
    out.extend(form);
    out.extend(chunks);
    out
}

pub fn chunk_le(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

pub fn webp_vp8(width: u16, height: u16) -> Vec<u8> {
    let mut body = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
    body.extend(width.to_le_bytes());
    body.extend(height.to_le_bytes());
    riff(b"WEBP", &chunk_le(b"VP8 ", &body))
}

pub fn webp_vp8l(width: u32, height: u32) -> Vec<u8> {
    let bits = (width - 1) | (height - 1) << 14;
    let mut body = vec![0x2F];
    body.extend(bits.to_le_bytes());
    body.extend([0; 5]);
    riff(b"WEBP", &chunk_le(b"VP8L", &body))
}

pub fn webp_vp8x(width: u32, height: u32) -> Vec<u8> {
    let mut body = vec![0x10, 0, 0, 0];
    body.extend(&(width - 1).to_le_bytes()[..3]);
    body.extend(&(height - 1).to_le_bytes()[..3]);
    riff(b"WEBP", &chunk_le(b"VP8X", &body))
}

/// A TIFF whose IFD0 holds a few tags, width and length as SHORT or LONG.
pub fn tiff(width: u32, height: u32, little: bool, long: bool) -> Vec<u8> {
    let u16b = |v: u16| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let u32b = |v: u32| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let mut out = if little {
        b"II".to_vec()
    } else {
        b"MM".to_vec()
    };
    out.extend(u16b(42));
    out.extend(u32b(8));
    let entry = |tag: u16, value: u32| {
        let mut e = u16b(tag).to_vec();
        if long {
            e.extend(u16b(4));
            e.extend(u32b(1));
            e.extend(u32b(value));
        } else {
            e.extend(u16b(3));
            e.extend(u32b(1));
            e.extend(u16b(value as u16));
            e.extend([0, 0]);
        }
        e
    };
    let entries = [
        entry(254, 0),
        entry(256, width),
        entry(257, height),
        entry(258, 8),
    ];
    out.extend(u16b(entries.len() as u16));
    out.extend(entries.concat());
    out.extend(u32b(0));
    out
}

/// PCM WAV of silence: `data_bytes` of samples, an odd-sized chunk before them.
pub fn wav(sample_rate: u32, channels: u16, bits: u16, data_bytes: usize) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut fmt = 1u16.to_le_bytes().to_vec();
    fmt.extend(channels.to_le_bytes());
    fmt.extend(sample_rate.to_le_bytes());
    fmt.extend((sample_rate * u32::from(align)).to_le_bytes());
    fmt.extend(align.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    let mut chunks = chunk_le(b"fmt ", &fmt);
    chunks.extend(chunk_le(b"LIST", b"INFOodd"));
    chunks.extend(chunk_le(b"data", &vec![0; data_bytes]));
    riff(b"WAVE", &chunks)
}

/// An ISO box around `body`.
pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(body);
    out
}

/// A full box (version and flags first).
pub fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    let mut inner = vec![version, 0, 0, 0];
    inner.extend(body);
    bx(kind, &inner)
}

pub fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let mut body = major.to_vec();
    body.extend([0, 0, 2, 0]);
    for brand in compatible {
        body.extend(*brand);
    }
    bx(b"ftyp", &body)
}

pub fn mvhd(version: u8, timescale: u32, duration: u64) -> Vec<u8> {
    let mut body = Vec::new();
    if version == 1 {
        body.extend([0; 16]);
        body.extend(timescale.to_be_bytes());
        body.extend(duration.to_be_bytes());
    } else {
        body.extend([0; 8]);
        body.extend(timescale.to_be_bytes());
        body.extend((duration as u32).to_be_bytes());
    }
    body.extend([0; 80]);
    full(b"mvhd", version, &body)
}

/// A track: `tkhd` with a 16.16 size (turned a quarter if `rotated`) and an
/// `mdia/hdlr` of `handler` (`vide`, `soun`).
pub fn trak(version: u8, handler: &[u8; 4], width: u32, height: u32, rotated: bool) -> Vec<u8> {
    trak_named(version, handler, &[0], width, height, rotated)
}

/// [`trak`] whose `hdlr` ends in `name` (bytes as written, terminator included).
pub fn trak_named(
    version: u8,
    handler: &[u8; 4],
    name: &[u8],
    width: u32,
    height: u32,
    rotated: bool,
) -> Vec<u8> {
    let mut tkhd = vec![0; if version == 1 { 32 } else { 20 }];
    tkhd.extend([0; 16]);
    let one = 0x0001_0000u32;
    let matrix: [u32; 9] = if rotated {
        [0, one, 0, one.wrapping_neg(), 0, 0, 0, 0, 0x4000_0000]
    } else {
        [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000]
    };
    for value in matrix {
        tkhd.extend(value.to_be_bytes());
    }
    tkhd.extend((width << 16).to_be_bytes());
    tkhd.extend((height << 16).to_be_bytes());
    let mut hdlr = vec![0; 4];
    hdlr.extend(handler);
    hdlr.extend([0; 12]);
    hdlr.extend(name);
    let mdia = bx(
        b"mdia",
        &[full(b"mdhd", 0, &[0; 20]), full(b"hdlr", 0, &hdlr)].concat(),
    );
    bx(b"trak", &[full(b"tkhd", version, &tkhd), mdia].concat())
}

/// A 64-bit-size `mdat` of `payload` zero bytes.
pub fn mdat64(payload: usize) -> Vec<u8> {
    let mut out = 1u32.to_be_bytes().to_vec();
    out.extend(b"mdat");
    out.extend(((payload + 16) as u64).to_be_bytes());
    out.extend(vec![0; payload]);
    out
}

/// HEIC: a 512×512 tile `ispe` first, then the primary grid item's `ispe`.
pub fn heic(width: u32, height: u32, turned: bool) -> Vec<u8> {
    let ispe = |w: u32, h: u32| full(b"ispe", 0, &[w.to_be_bytes(), h.to_be_bytes()].concat());
    let mut ipco = [bx(b"hvcC", &[0; 23]), ispe(512, 512), ispe(width, height)].concat();
    ipco.extend(bx(b"irot", &[u8::from(turned)]));
    // item 2 (a tile) -> properties 1, 2; item 1 (primary) -> 3 (essential), 4
    let ipma_body = [
        2u32.to_be_bytes().to_vec(),
        vec![0, 2, 2, 0x81, 0x02],
        vec![0, 1, 2, 0x83, 0x04],
    ]
    .concat();
    let iprp = bx(
        b"iprp",
        &[bx(b"ipco", &ipco), full(b"ipma", 0, &ipma_body)].concat(),
    );
    let mut hdlr = vec![0; 4];
    hdlr.extend(b"pict");
    hdlr.extend([0; 13]);
    let meta = full(
        b"meta",
        0,
        &[
            full(b"hdlr", 0, &hdlr),
            full(b"pitm", 0, &1u16.to_be_bytes()),
            iprp,
        ]
        .concat(),
    );
    [
        ftyp(b"heic", &[b"mif1", b"heic"]),
        meta,
        bx(b"mdat", &[0; 64]),
    ]
    .concat()
}

/// MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417-byte frames.
pub const MP3_HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0x44];
pub const MP3_FRAME: usize = 417;

pub fn mp3_frame(header: [u8; 4], len: usize) -> Vec<u8> {
    let mut out = header.to_vec();
    out.resize(len, 0);
    out
}

/// An ID3v2.4 tag of `body` bytes, its size synchsafe.
pub fn id3(body: usize) -> Vec<u8> {
    let mut out = b"ID3\x04\x00\x00".to_vec();
    let size = body as u32;
    out.extend([
        (size >> 21) as u8 & 0x7F,
        (size >> 14) as u8 & 0x7F,
        (size >> 7) as u8 & 0x7F,
        size as u8 & 0x7F,
    ]);
    out.extend(vec![0; body]);
    out
}

/// Constant bitrate: an ID3 tag, `frames` frames, then an ID3v1 tag.
pub fn mp3_cbr(frames: usize) -> Vec<u8> {
    let mut out = id3(300);
    for _ in 0..frames {
        out.extend(mp3_frame(MP3_HEADER, MP3_FRAME));
    }
    let mut v1 = b"TAG".to_vec();
    v1.resize(128, b' ');
    out.extend(v1);
    out
}

/// A Xing header frame claiming `frames` frames, then a few real frames.
pub fn mp3_xing(tag: &[u8; 4], frames: u32) -> Vec<u8> {
    let mut first = mp3_frame(MP3_HEADER, MP3_FRAME);
    let mut xing = tag.to_vec();
    xing.extend(0x0Fu32.to_be_bytes());
    xing.extend(frames.to_be_bytes());
    xing.extend(((frames as usize * MP3_FRAME) as u32).to_be_bytes());
    first.splice(36..36 + xing.len(), xing);
    let mut out = id3(20);
    out.extend(first);
    for _ in 0..5 {
        out.extend(mp3_frame(MP3_HEADER, MP3_FRAME));
    }
    out
}

/// A LAME-written Xing frame: `frames` frames, and in its LAME extension the
/// encoder delay and padding in samples, as LAME stores them.
pub fn mp3_lame(frames: u32, delay: u32, padding: u32) -> Vec<u8> {
    let mut first = mp3_frame(MP3_HEADER, MP3_FRAME);
    let mut tag = b"Xing".to_vec();
    tag.extend(0x0Fu32.to_be_bytes());
    tag.extend(frames.to_be_bytes());
    tag.extend(((frames as usize * MP3_FRAME) as u32).to_be_bytes());
    tag.extend([0; 100]); // seek table
    tag.extend(0u32.to_be_bytes()); // quality
    tag.extend(b"LAME3.100");
    // revision, lowpass, peak, two replay gains, flags, ABR bitrate
    tag.extend([0; 1 + 1 + 4 + 2 + 2 + 1 + 1]);
    tag.extend(&(delay << 12 | padding).to_be_bytes()[1..]);
    // misc, MP3 gain, surround, music length, music CRC, tag CRC (0: unchecked)
    tag.extend([0; 1 + 1 + 2 + 4 + 2 + 2]);
    first.splice(36..36 + tag.len(), tag);
    for _ in 0..5 {
        first.extend(mp3_frame(MP3_HEADER, MP3_FRAME));
    }
    first
}

/// A VBRI (Fraunhofer) header frame claiming `frames` frames.
pub fn mp3_vbri(frames: u32) -> Vec<u8> {
    let mut first = mp3_frame(MP3_HEADER, MP3_FRAME);
    let mut vbri = b"VBRI\x00\x01\x04\x00\x00\x50".to_vec();
    vbri.extend(100_000u32.to_be_bytes());
    vbri.extend(frames.to_be_bytes());
    first.splice(36..36 + vbri.len(), vbri);
    let mut out = first;
    for _ in 0..3 {
        out.extend(mp3_frame(MP3_HEADER, MP3_FRAME));
    }
    out
}
