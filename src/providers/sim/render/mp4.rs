//! The MP4 (ISO BMFF) container: ftyp, moov, then mdat, holding one H.264
//! video track stored one chunk per second.
//!
//! moov comes before the media ("fast start") so a browser can begin playing
//! before the whole file has arrived.

use super::{
    h264::{CONSTRAINT_FLAGS, PROFILE_BASELINE},
    to_usize, u32_of,
};

pub(super) struct Sample {
    pub(super) data: Vec<u8>,
    pub(super) sync: bool,
}

pub(super) struct Track {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) fps: u32,
    pub(super) sps: Vec<u8>,
    pub(super) pps: Vec<u8>,
}

/// Big-endian field writer for box bodies.
#[derive(Default)]
pub(super) struct Body(pub(super) Vec<u8>);

impl Body {
    pub(super) fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(super) fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn bytes(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    fn full(version: u8, flags: u32) -> Self {
        let [_, a, b, c] = flags.to_be_bytes();
        Self(vec![version, a, b, c])
    }
    fn matrix(self) -> Self {
        [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000]
            .into_iter()
            .fold(self, Body::u32)
    }
    fn into_box(self, kind: &[u8; 4]) -> Vec<u8> {
        make_box(kind, &[&self.0])
    }
}

fn make_box(kind: &[u8; 4], children: &[&[u8]]) -> Vec<u8> {
    let len = children.iter().map(|c| c.len()).sum::<usize>() + 8;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&u32_of(len).to_be_bytes());
    out.extend_from_slice(kind);
    for child in children {
        out.extend_from_slice(child);
    }
    out
}

const MOVIE_TIMESCALE: u32 = 1000;
/// Media ticks per frame; the media timescale is fps times this.
const TICKS_PER_FRAME: u32 = 1000;

pub(super) fn write_mp4(track: &Track, samples: &[Sample]) -> Vec<u8> {
    let ftyp = Body::default()
        .bytes(b"isom")
        .u32(0x200)
        .bytes(b"isom")
        .bytes(b"iso2")
        .bytes(b"avc1")
        .bytes(b"mp41")
        .into_box(b"ftyp");
    // stco holds absolute file offsets, yet moov precedes mdat; its size does
    // not depend on the offsets, so build it once to measure, then for real.
    let probe = moov(track, samples, 0);
    let payload_start = ftyp.len() + probe.len() + 8;
    let moov = moov(track, samples, payload_start);
    let payload_len: usize = samples.iter().map(|s| s.data.len()).sum();
    let mut out = Vec::with_capacity(payload_start + payload_len);
    out.extend_from_slice(&ftyp);
    out.extend_from_slice(&moov);
    out.extend_from_slice(&u32_of(payload_len + 8).to_be_bytes());
    out.extend_from_slice(b"mdat");
    for sample in samples {
        out.extend_from_slice(&sample.data);
    }
    out
}

fn moov(track: &Track, samples: &[Sample], payload_start: usize) -> Vec<u8> {
    let count = u32_of(samples.len());
    let media_timescale = track.fps.saturating_mul(TICKS_PER_FRAME);
    let media_duration = count.saturating_mul(TICKS_PER_FRAME);
    let movie_duration =
        u32::try_from(u64::from(count) * u64::from(MOVIE_TIMESCALE) / u64::from(track.fps.max(1)))
            .unwrap_or(u32::MAX);

    let mvhd = Body::full(0, 0)
        .u32(0) // creation_time
        .u32(0) // modification_time
        .u32(MOVIE_TIMESCALE)
        .u32(movie_duration)
        .u32(0x0001_0000) // rate 1.0
        .u16(0x0100) // volume 1.0
        .u16(0)
        .u32(0)
        .u32(0)
        .matrix()
        .bytes(&[0; 24]) // pre_defined
        .u32(2) // next_track_ID
        .into_box(b"mvhd");
    let tkhd = Body::full(0, 0x3) // enabled, in movie
        .u32(0)
        .u32(0)
        .u32(1) // track_ID
        .u32(0)
        .u32(movie_duration)
        .u32(0)
        .u32(0)
        .u16(0) // layer
        .u16(0) // alternate_group
        .u16(0) // volume: not audio
        .u16(0)
        .matrix()
        .u32(track.width << 16)
        .u32(track.height << 16)
        .into_box(b"tkhd");
    let mdhd = Body::full(0, 0)
        .u32(0)
        .u32(0)
        .u32(media_timescale)
        .u32(media_duration)
        .u16(0x55C4) // language "und"
        .u16(0)
        .into_box(b"mdhd");
    let hdlr = Body::full(0, 0)
        .u32(0)
        .bytes(b"vide")
        .bytes(&[0; 12])
        .bytes(b"VideoHandler\0")
        .into_box(b"hdlr");
    let vmhd = Body::full(0, 1)
        .u16(0)
        .u16(0)
        .u16(0)
        .u16(0)
        .into_box(b"vmhd");
    let url = Body::full(0, 1).into_box(b"url "); // media is in this file
    let dref = Body::full(0, 0).u32(1).bytes(&url).into_box(b"dref");
    let dinf = make_box(b"dinf", &[&dref]);
    let stbl = stbl(track, samples, payload_start);
    let minf = make_box(b"minf", &[&vmhd, &dinf, &stbl]);
    let mdia = make_box(b"mdia", &[&mdhd, &hdlr, &minf]);
    let trak = make_box(b"trak", &[&tkhd, &mdia]);
    make_box(b"moov", &[&mvhd, &trak])
}

fn stbl(track: &Track, samples: &[Sample], payload_start: usize) -> Vec<u8> {
    let count = u32_of(samples.len());
    let avcc = Body::default()
        .u8(1) // configurationVersion
        .u8(PROFILE_BASELINE)
        .u8(CONSTRAINT_FLAGS)
        .u8(track.sps.get(3).copied().unwrap_or(30)) // level_idc as in the SPS
        .u8(0xFF) // lengthSizeMinusOne = 3
        .u8(0xE1) // one SPS
        .u16(u16::try_from(track.sps.len()).unwrap_or(u16::MAX))
        .bytes(&track.sps)
        .u8(1) // one PPS
        .u16(u16::try_from(track.pps.len()).unwrap_or(u16::MAX))
        .bytes(&track.pps)
        .into_box(b"avcC");
    let mut compressor = [0u8; 32];
    let name = b"seedance-mcp simulated";
    for (slot, &byte) in compressor.iter_mut().skip(1).zip(name.iter()) {
        *slot = byte;
    }
    if let Some(len) = compressor.first_mut() {
        *len = u8::try_from(name.len()).unwrap_or(0);
    }
    let avc1 = Body::default()
        .bytes(&[0; 6])
        .u16(1) // data_reference_index
        .u16(0)
        .u16(0)
        .bytes(&[0; 12])
        .u16(u16::try_from(track.width).unwrap_or(u16::MAX))
        .u16(u16::try_from(track.height).unwrap_or(u16::MAX))
        .u32(0x0048_0000) // 72 dpi
        .u32(0x0048_0000)
        .u32(0)
        .u16(1) // frame_count
        .bytes(&compressor)
        .u16(0x0018) // depth
        .u16(0xFFFF) // pre_defined = -1
        .bytes(&avcc)
        .into_box(b"avc1");
    let stsd = Body::full(0, 0).u32(1).bytes(&avc1).into_box(b"stsd");
    let stts = Body::full(0, 0)
        .u32(1)
        .u32(count)
        .u32(TICKS_PER_FRAME)
        .into_box(b"stts");

    let sync: Vec<u32> = samples
        .iter()
        .enumerate()
        .filter(|(_, s)| s.sync)
        .map(|(i, _)| u32_of(i + 1))
        .collect();
    let stss = sync
        .iter()
        .fold(Body::full(0, 0).u32(u32_of(sync.len())), |b, &n| b.u32(n))
        .into_box(b"stss");

    // One chunk per second of video: few stco entries, and a player never
    // has to read far ahead to find the next frame.
    let per_chunk = to_usize(track.fps.max(1));
    let chunks: Vec<&[Sample]> = samples.chunks(per_chunk).collect();
    let mut stsc_entries: Vec<(u32, u32)> = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let len = u32_of(chunk.len());
        if stsc_entries.last().is_none_or(|&(_, last)| last != len) {
            stsc_entries.push((u32_of(index + 1), len));
        }
    }
    let stsc = stsc_entries
        .iter()
        .fold(
            Body::full(0, 0).u32(u32_of(stsc_entries.len())),
            |b, &(first, len)| b.u32(first).u32(len).u32(1),
        )
        .into_box(b"stsc");
    let stsz = samples
        .iter()
        .fold(Body::full(0, 0).u32(0).u32(count), |b, s| {
            b.u32(u32_of(s.data.len()))
        })
        .into_box(b"stsz");
    let mut offset = payload_start;
    let mut stco = Body::full(0, 0).u32(u32_of(chunks.len()));
    for chunk in &chunks {
        stco = stco.u32(u32_of(offset));
        offset += chunk.iter().map(|s| s.data.len()).sum::<usize>();
    }
    let stco = stco.into_box(b"stco");
    make_box(b"stbl", &[&stsd, &stts, &stss, &stsc, &stsz, &stco])
}
