//! A test-only MP4 reader: decodes the boxes with `mp4-atom`, checks that
//! the tables add up, and reads the SPS as far as the picture size a decoder
//! will show.

use super::be32;

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

/// The top-level boxes, decoded with `mp4-atom`: ftyp, moov, and where the
/// mdat payload lies.
fn top(file: &[u8]) -> (mp4_atom::Ftyp, mp4_atom::Moov, std::ops::Range<usize>) {
    use mp4_atom::{Any, DecodeMaybe};
    let mut buf = file;
    let mut kinds = Vec::new();
    let (mut ftyp, mut moov, mut payload) = (None, None, None);
    loop {
        let at = file.len() - buf.len();
        match Any::decode_maybe(&mut buf).unwrap() {
            None => break,
            Some(Any::Ftyp(f)) => {
                kinds.push("ftyp");
                ftyp = Some(f)
            }
            Some(Any::Moov(m)) => {
                kinds.push("moov");
                moov = Some(m)
            }
            Some(Any::Mdat(m)) => {
                kinds.push("mdat");
                payload = Some(at + 8..at + 8 + m.data.len())
            }
            Some(other) => panic!("unexpected box {:?}", other.kind()),
        }
    }
    assert_eq!(
        kinds,
        ["ftyp", "moov", "mdat"],
        "fast start: moov before mdat"
    );
    (ftyp.unwrap(), moov.unwrap(), payload.unwrap())
}

/// Walks the whole file, checking it hangs together, and returns where
/// each video sample lives.
pub(super) fn parse_mp4(file: &[u8]) -> Parsed {
    let (ftyp, moov, payload) = top(file);
    assert_eq!(ftyp.major_brand, mp4_atom::FourCC::new(b"isom"));
    let brands: Vec<_> = ftyp.compatible_brands.clone();
    assert_eq!(
        brands,
        [b"isom", b"iso2", b"avc1", b"mp41"].map(mp4_atom::FourCC::new)
    );
    assert_eq!(moov.trak.len(), 2, "video and sound");
    let video = &moov.trak[0];
    let audio = &moov.trak[1];
    assert_eq!(video.mdia.hdlr.handler, mp4_atom::FourCC::new(b"vide"));
    assert_eq!(audio.mdia.hdlr.handler, mp4_atom::FourCC::new(b"soun"));
    let mp4_atom::Codec::Avc1(avc1) = &video.mdia.minf.stbl.stsd.codecs[0] else {
        panic!("not avc1")
    };
    let avcc = &avc1.avcc;
    assert_eq!(avcc.length_size, 4, "4-byte NAL lengths");
    assert_eq!(avcc.sequence_parameter_sets.len(), 1, "one SPS");
    assert_eq!(avcc.picture_parameter_sets.len(), 1, "one PPS");
    let sps = &avcc.sequence_parameter_sets[0];
    assert_eq!(sps[0] & 0x1F, 7);
    assert_eq!(avcc.picture_parameter_sets[0][0] & 0x1F, 8);
    let (width, height, profile, constraints) = sps_size(sps);
    assert_eq!(
        (profile, constraints & 0x40),
        (66, 0x40),
        "Constrained Baseline"
    );
    assert_eq!(
        (
            avcc.avc_profile_indication,
            avcc.profile_compatibility,
            avcc.avc_level_indication
        ),
        (sps[1], sps[2], sps[3])
    );
    assert_eq!(
        (u32::from(avc1.visual.width), u32::from(avc1.visual.height)),
        (width, height)
    );
    assert!(video.tkhd.enabled, "track enabled");
    assert_eq!(
        (
            u32::from(video.tkhd.width.integer()),
            u32::from(video.tkhd.height.integer())
        ),
        (width, height)
    );

    let mut all = Vec::new();
    let mut samples = Vec::new();
    for (n, trak) in moov.trak.iter().enumerate() {
        let stbl = &trak.mdia.minf.stbl;
        let sizes: Vec<usize> = match &stbl.stsz.samples {
            mp4_atom::StszSamples::Different { sizes } => {
                sizes.iter().map(|&s| s as usize).collect()
            }
            mp4_atom::StszSamples::Identical { count, size } => {
                vec![*size as usize; *count as usize]
            }
        };
        let offsets = &stbl.stco.as_ref().unwrap().entries;
        let mut next = 0;
        for (chunk, offset) in offsets.iter().enumerate() {
            let chunk_no = chunk as u32 + 1;
            let per_chunk = stbl
                .stsc
                .entries
                .iter()
                .rev()
                .find(|e| e.first_chunk <= chunk_no)
                .unwrap()
                .samples_per_chunk as usize;
            let mut at = *offset as usize;
            for size in &sizes[next..next + per_chunk] {
                all.push((at, *size));
                if n == 0 {
                    samples.push((at, *size));
                }
                at += size;
            }
            next += per_chunk;
        }
        assert_eq!(next, sizes.len(), "chunks hold every sample");
    }
    all.sort();
    assert_eq!(
        all.first().unwrap().0,
        payload.start,
        "first chunk starts the mdat payload"
    );
    for pair in all.windows(2) {
        assert_eq!(pair[0].0 + pair[0].1, pair[1].0, "samples are back to back");
    }
    let end = all.last().map(|&(at, size)| at + size).unwrap();
    assert_eq!(end, payload.end, "samples fill the mdat payload exactly");
    for &(at, size) in &samples {
        assert_eq!(
            be32(file, at) as usize + 4,
            size,
            "one length-prefixed NAL per sample"
        );
    }
    let sync = video.mdia.minf.stbl.stss.as_ref().unwrap().entries.clone();
    Parsed {
        width,
        height,
        samples,
        sync,
    }
}

/// (video samples, whole movie seconds, video media seconds), checking
/// that movie, track and media durations agree, and that the sound lasts
/// exactly as long as the picture.
pub(super) fn durations(file: &[u8]) -> (u32, u32, f64) {
    let (_, moov, _) = top(file);
    let video = &moov.trak[0];
    let audio = &moov.trak[1];
    assert_eq!(
        moov.mvhd.duration, video.tkhd.duration,
        "movie and track durations agree"
    );
    let ticks: u64 = video
        .mdia
        .minf
        .stbl
        .stts
        .entries
        .iter()
        .map(|e| u64::from(e.sample_count) * u64::from(e.sample_delta))
        .sum();
    assert_eq!(
        video.mdia.mdhd.duration, ticks,
        "media duration is the sum of sample durations"
    );
    let audio_ticks: u64 = audio
        .mdia
        .minf
        .stbl
        .stts
        .entries
        .iter()
        .map(|e| u64::from(e.sample_count) * u64::from(e.sample_delta))
        .sum();
    assert_eq!(audio.mdia.mdhd.duration, audio_ticks);
    let video_secs = ticks as f64 / f64::from(video.mdia.mdhd.timescale);
    let audio_secs = audio_ticks as f64 / f64::from(audio.mdia.mdhd.timescale);
    assert_eq!(video_secs, audio_secs, "sound ends with the picture");
    let count: u32 = video
        .mdia
        .minf
        .stbl
        .stts
        .entries
        .iter()
        .map(|e| e.sample_count)
        .sum();
    (
        count,
        (moov.mvhd.duration / u64::from(moov.mvhd.timescale)) as u32,
        video_secs,
    )
}
