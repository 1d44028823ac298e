//! A test-only MP4 reader: walks the box tree checking that sizes and
//! tables add up, and reads the SPS as far as the picture size a decoder
//! will show.

use super::be32;

/// (kind, absolute offset of the box, body) for each box in `data`.
fn boxes(data: &[u8], base: usize) -> Vec<(String, usize, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let size = be32(data, at) as usize;
        assert!(
            size >= 8 && at + size <= data.len(),
            "box at {} has size {size}",
            base + at
        );
        let kind = String::from_utf8(data[at + 4..at + 8].to_vec()).unwrap();
        out.push((kind, base + at, &data[at + 8..at + size]));
        at += size;
    }
    assert_eq!(at, data.len(), "box sizes add up to their parent");
    out
}

/// The body of the box at `path` (and its absolute body offset).
fn find<'a>(file: &'a [u8], path: &[&str]) -> (&'a [u8], usize) {
    let (mut data, mut base) = (file, 0);
    for name in path {
        let (_, offset, body) = boxes(data, base)
            .into_iter()
            .find(|(kind, _, _)| kind == name)
            .unwrap_or_else(|| panic!("no {name} box"));
        data = body;
        base = offset + 8;
    }
    (data, base)
}

fn table(body: &[u8], header: usize, entry: usize) -> Vec<Vec<u32>> {
    let count = be32(body, header - 4) as usize;
    assert_eq!(
        body.len(),
        header + count * entry * 4,
        "table length matches its count"
    );
    (0..count)
        .map(|i| {
            (0..entry)
                .map(|j| be32(body, header + (i * entry + j) * 4))
                .collect()
        })
        .collect()
}

const STBL: [&str; 5] = ["moov", "trak", "mdia", "minf", "stbl"];

fn stbl_box<'a>(file: &'a [u8], name: &str) -> &'a [u8] {
    let mut path = STBL.to_vec();
    path.push(name);
    find(file, &path).0
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> u32 {
        let bit = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        u32::from(bit)
    }
    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, _| (acc << 1) | self.bit())
    }
    fn ue(&mut self) -> u32 {
        let mut zeros = 0;
        while self.bit() == 0 {
            zeros += 1;
        }
        ((1 << zeros) - 1) + self.bits(zeros)
    }
}

fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// The displayed size an SPS describes, as a decoder computes it.
fn sps_size(sps: &[u8]) -> (u32, u32, u8, u8) {
    let rbsp = unescape(&sps[1..]);
    let mut r = BitReader {
        data: &rbsp,
        pos: 0,
    };
    let profile = r.bits(8) as u8;
    let constraints = r.bits(8) as u8;
    let _level = r.bits(8);
    assert_eq!(r.ue(), 0, "sps id");
    r.ue(); // log2_max_frame_num_minus4
    assert_eq!(r.ue(), 2, "poc type");
    assert_eq!(r.ue(), 1, "one reference frame");
    r.bit();
    let w_mbs = r.ue() + 1;
    let h_mbs = r.ue() + 1;
    assert_eq!(r.bit(), 1, "frame_mbs_only");
    r.bit();
    let (mut crop_x, mut crop_y) = (0, 0);
    if r.bit() == 1 {
        crop_x = r.ue() + r.ue();
        crop_y = r.ue() + r.ue();
    }
    (
        w_mbs * 16 - crop_x * 2,
        h_mbs * 16 - crop_y * 2,
        profile,
        constraints,
    )
}

pub(super) struct Parsed {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) samples: Vec<(usize, usize)>,
    pub(super) sync: Vec<u32>,
}

/// Walks the whole file, checking it hangs together, and returns where
/// each sample lives.
pub(super) fn parse_mp4(file: &[u8]) -> Parsed {
    let top = boxes(file, 0);
    let kinds: Vec<&str> = top.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["ftyp", "moov", "mdat"],
        "fast start: moov before mdat"
    );
    let ftyp = top[0].2;
    assert_eq!(&ftyp[0..4], b"isom");
    let brands: Vec<&[u8]> = ftyp[8..].chunks(4).collect();
    assert_eq!(brands, [&b"isom"[..], b"iso2", b"avc1", b"mp41"]);
    let (mdat_offset, mdat) = (top[2].1, top[2].2);
    let payload = mdat_offset + 8..mdat_offset + 8 + mdat.len();

    let (stsd, _) = find(file, &[&STBL[..], &["stsd"]].concat());
    let avc1 = &stsd[8..];
    assert_eq!(&avc1[4..8], b"avc1");
    let entry_w = u32::from(u16::from_be_bytes([avc1[8 + 24], avc1[8 + 25]]));
    let entry_h = u32::from(u16::from_be_bytes([avc1[8 + 26], avc1[8 + 27]]));
    let avcc = &avc1[8 + 78..];
    assert_eq!(&avcc[4..8], b"avcC");
    let avcc = &avcc[8..];
    assert_eq!(avcc[4], 0xFF, "4-byte NAL lengths");
    assert_eq!(avcc[5], 0xE1, "one SPS");
    let sps_len = usize::from(u16::from_be_bytes([avcc[6], avcc[7]]));
    let sps = &avcc[8..8 + sps_len];
    assert_eq!(sps[0] & 0x1F, 7);
    let pps_at = 8 + sps_len;
    assert_eq!(avcc[pps_at], 1, "one PPS");
    let pps_len = usize::from(u16::from_be_bytes([avcc[pps_at + 1], avcc[pps_at + 2]]));
    assert_eq!(avcc[pps_at + 3] & 0x1F, 8);
    assert_eq!(avcc.len(), pps_at + 3 + pps_len);
    let (width, height, profile, constraints) = sps_size(sps);
    assert_eq!(
        (profile, constraints & 0x40),
        (66, 0x40),
        "Constrained Baseline"
    );
    assert_eq!((avcc[1], avcc[2], avcc[3]), (sps[1], sps[2], sps[3]));
    assert_eq!((entry_w, entry_h), (width, height));

    let tkhd = find(file, &["moov", "trak", "tkhd"]).0;
    assert_eq!(tkhd[3] & 1, 1, "track enabled");
    assert_eq!(
        (be32(tkhd, 76), be32(tkhd, 80)),
        (width << 16, height << 16)
    );

    let sizes = table(stbl_box(file, "stsz"), 12, 1);
    assert_eq!(be32(stbl_box(file, "stsz"), 4), 0, "per-sample sizes");
    let sizes: Vec<usize> = sizes.iter().map(|e| e[0] as usize).collect();
    let offsets = table(stbl_box(file, "stco"), 8, 1);
    let stsc = table(stbl_box(file, "stsc"), 8, 3);
    let mut samples = Vec::new();
    let mut next = 0;
    for (chunk, offset) in offsets.iter().enumerate() {
        let chunk_no = chunk as u32 + 1;
        let per_chunk = stsc.iter().rev().find(|e| e[0] <= chunk_no).unwrap()[1] as usize;
        let mut at = offset[0] as usize;
        for size in &sizes[next..next + per_chunk] {
            samples.push((at, *size));
            at += size;
        }
        next += per_chunk;
    }
    assert_eq!(next, sizes.len(), "chunks hold every sample");
    assert_eq!(
        samples.first().unwrap().0,
        payload.start,
        "first chunk starts the mdat payload"
    );
    let end = samples.last().map(|&(at, size)| at + size).unwrap();
    assert_eq!(end, payload.end, "samples fill the mdat payload exactly");
    for &(at, size) in &samples {
        assert_eq!(
            be32(file, at) as usize + 4,
            size,
            "one length-prefixed NAL per sample"
        );
    }
    let sync = table(stbl_box(file, "stss"), 8, 1)
        .into_iter()
        .map(|e| e[0])
        .collect();
    Parsed {
        width,
        height,
        samples,
        sync,
    }
}

pub(super) fn durations(file: &[u8]) -> (u32, u32, f64) {
    let mvhd = find(file, &["moov", "mvhd"]).0;
    let tkhd = find(file, &["moov", "trak", "tkhd"]).0;
    let mdhd = find(file, &["moov", "trak", "mdia", "mdhd"]).0;
    assert_eq!(
        be32(mvhd, 16),
        be32(tkhd, 20),
        "movie and track durations agree"
    );
    let stts = table(stbl_box(file, "stts"), 8, 2);
    let ticks: u32 = stts.iter().map(|e| e[0] * e[1]).sum();
    assert_eq!(
        be32(mdhd, 16),
        ticks,
        "media duration is the sum of sample durations"
    );
    let count: u32 = stts.iter().map(|e| e[0]).sum();
    (
        count,
        be32(mvhd, 16) / be32(mvhd, 12),
        f64::from(be32(mdhd, 16)) / f64::from(be32(mdhd, 12)),
    )
}
