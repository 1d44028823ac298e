//! The MP4 container, written with `mp4-atom`: ftyp, moov, then mdat, with
//! one H.264 video track and one AAC track of silence, interleaved a second
//! at a time like the models' own files.
//!
//! moov comes before the media ("fast start") so a browser can begin playing
//! before the whole file has arrived.

use mp4_atom::{
    Audio, Avc1, Avcc, Codec, Dinf, Dref, DrefEntry, Encode, Esds, FourCC, Ftyp, Hdlr, Header,
    Mdhd, Mdia, Minf, Moov, Mp4a, Mvhd, Smhd, Stbl, Stco, Stsc, StscEntry, Stsd, Stss, Stsz,
    StszSamples, Stts, SttsEntry, Tkhd, Trak, Url, Visual, Vmhd,
    esds::{DecoderConfig, DecoderSpecific, EsDescriptor},
};

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

/// Media ticks per frame; the video timescale is fps times this.
const TICKS_PER_FRAME: u32 = 1000;
const AUDIO_RATE: u32 = 48_000;
/// Samples an AAC-LC frame decodes to.
const AAC_FRAME: u32 = 1024;
/// AudioSpecificConfig: AAC-LC (2), 48 kHz (index 3), mono (1).
const AAC_CONFIG: [u8; 2] = [0x11, 0x88];
/// One AAC-LC frame of silence: a single-channel element whose window codes
/// no scale-factor bands (max_sfb 0), hence no spectral data, then the end
/// element. Every decoder turns it into 1024 zero samples. There is no
/// pure-Rust AAC encoder to use instead, and silence needs nothing more.
const SILENT_AAC_FRAME: [u8; 4] = [0x00, 0x00, 0x00, 0x07];

/// The silent AAC frames of a clip `frames / fps` long: the last one lasts
/// only what remains, so the sound ends exactly with the picture and clips
/// joined end to end stay in sync.
fn audio_durations(frames: u32, fps: u32) -> Vec<u32> {
    let total = u64::from(frames) * u64::from(AUDIO_RATE) / u64::from(fps.max(1));
    let full = total / u64::from(AAC_FRAME);
    let rest = u32::try_from(total % u64::from(AAC_FRAME)).unwrap_or(0);
    let mut durations = vec![AAC_FRAME; to_usize(u32::try_from(full).unwrap_or(0))];
    if rest > 0 {
        durations.push(rest);
    }
    durations
}

pub(super) fn write_mp4(track: &Track, samples: &[Sample]) -> Vec<u8> {
    let audio = audio_durations(u32_of(samples.len()), track.fps);
    // One chunk per second of each track, video then audio.
    let per_video_chunk = to_usize(track.fps.max(1));
    let per_audio_chunk = to_usize(AUDIO_RATE.div_ceil(AAC_FRAME));
    let video_chunks: Vec<&[Sample]> = samples.chunks(per_video_chunk).collect();
    let audio_chunks: Vec<&[u32]> = audio.chunks(per_audio_chunk).collect();

    let mut payload = Vec::new();
    let mut video_offsets = Vec::new();
    let mut audio_offsets = Vec::new();
    for i in 0..video_chunks.len().max(audio_chunks.len()) {
        if let Some(chunk) = video_chunks.get(i) {
            video_offsets.push(payload.len() as u64);
            for sample in *chunk {
                payload.extend_from_slice(&sample.data);
            }
        }
        if let Some(chunk) = audio_chunks.get(i) {
            audio_offsets.push(payload.len() as u64);
            for _ in *chunk {
                payload.extend_from_slice(&SILENT_AAC_FRAME);
            }
        }
    }

    let ftyp = Ftyp {
        major_brand: FourCC::new(b"isom"),
        minor_version: 0x200,
        compatible_brands: [b"isom", b"iso2", b"avc1", b"mp41"]
            .map(FourCC::new)
            .to_vec(),
    };
    let tables = Tables {
        track,
        samples,
        audio: &audio,
        video_chunks: &video_chunks,
        audio_chunks: &audio_chunks,
    };
    let mut head = Vec::new();
    let mdat = Header {
        kind: FourCC::new(b"mdat"),
        size: Some(payload.len()),
    };
    // stco holds absolute offsets, yet moov precedes mdat; its size does not
    // depend on the offsets, so build it once to measure, then for real.
    let mut probe = Vec::new();
    let encoded = ftyp
        .encode(&mut head)
        .and_then(|()| {
            tables
                .moov(&video_offsets, &audio_offsets, 0)
                .encode(&mut probe)
        })
        .and_then(|()| {
            let base = (head.len() + probe.len() + 8) as u64;
            tables
                .moov(&video_offsets, &audio_offsets, base)
                .encode(&mut head)
        })
        .and_then(|()| mdat.encode(&mut head));
    if let Err(e) = encoded {
        // Only sizes far past the renderer's clamps could fail to encode.
        tracing::warn!(error = %e, "the simulated clip could not be written");
        return Vec::new();
    }
    head.extend_from_slice(&payload);
    head
}

struct Tables<'a> {
    track: &'a Track,
    samples: &'a [Sample],
    audio: &'a [u32],
    video_chunks: &'a [&'a [Sample]],
    audio_chunks: &'a [&'a [u32]],
}

impl Tables<'_> {
    fn moov(&self, video_offsets: &[u64], audio_offsets: &[u64], base: u64) -> Moov {
        let track = self.track;
        let fps = track.fps.max(1);
        let frames = u32_of(self.samples.len());
        let video_timescale = fps.saturating_mul(TICKS_PER_FRAME);
        let video_duration = u64::from(frames) * u64::from(TICKS_PER_FRAME);
        // The movie timescale is the video's, so durations are exact.
        let audio_duration: u64 = self.audio.iter().map(|&d| u64::from(d)).sum();

        let avcc = Avcc {
            configuration_version: 1,
            avc_profile_indication: PROFILE_BASELINE,
            profile_compatibility: CONSTRAINT_FLAGS,
            avc_level_indication: track.sps.get(3).copied().unwrap_or(30),
            length_size: 4,
            sequence_parameter_sets: vec![track.sps.clone()],
            picture_parameter_sets: vec![track.pps.clone()],
            ext: None,
        };
        let avc1 = Avc1 {
            visual: Visual {
                data_reference_index: 1,
                width: u16::try_from(track.width).unwrap_or(u16::MAX),
                height: u16::try_from(track.height).unwrap_or(u16::MAX),
                compressor: "seedance-mcp simulated".into(),
                ..Visual::default()
            },
            avcc,
            ..Avc1::default()
        };
        let video_counts: Vec<u32> = self.video_chunks.iter().map(|c| u32_of(c.len())).collect();
        let video_stbl = Stbl {
            stsd: Stsd {
                codecs: vec![Codec::Avc1(avc1)],
            },
            stts: Stts {
                entries: vec![SttsEntry {
                    sample_count: frames,
                    sample_delta: TICKS_PER_FRAME,
                }],
            },
            stss: Some(Stss {
                entries: self
                    .samples
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.sync)
                    .map(|(i, _)| u32_of(i + 1))
                    .collect(),
            }),
            stsc: stsc(&video_counts),
            stsz: Stsz {
                samples: StszSamples::Different {
                    sizes: self.samples.iter().map(|s| u32_of(s.data.len())).collect(),
                },
            },
            stco: Some(stco(video_offsets, base)),
            ..Stbl::default()
        };
        let mp4a = Mp4a {
            audio: Audio {
                data_reference_index: 1,
                channel_count: 1,
                sample_size: 16,
                sample_rate: u16::try_from(AUDIO_RATE).unwrap_or(u16::MAX).into(),
            },
            esds: Esds {
                es_desc: EsDescriptor {
                    es_id: 2,
                    dec_config: DecoderConfig {
                        object_type_indication: 0x40, // MPEG-4 audio
                        stream_type: 5,               // audio stream
                        up_stream: 0,
                        buffer_size_db: Default::default(),
                        max_bitrate: 2000,
                        avg_bitrate: 2000,
                        dec_specific: Some(DecoderSpecific {
                            profile: 2,
                            freq_index: 3,
                            chan_conf: 1,
                            raw: AAC_CONFIG.to_vec(),
                        }),
                    },
                    ..EsDescriptor::default()
                },
            },
            btrt: None,
            taic: None,
        };
        let mut audio_entries: Vec<SttsEntry> = Vec::new();
        for &delta in self.audio {
            match audio_entries.last_mut() {
                Some(e) if e.sample_delta == delta => e.sample_count += 1,
                _ => audio_entries.push(SttsEntry {
                    sample_count: 1,
                    sample_delta: delta,
                }),
            }
        }
        let audio_counts: Vec<u32> = self.audio_chunks.iter().map(|c| u32_of(c.len())).collect();
        let audio_stbl = Stbl {
            stsd: Stsd {
                codecs: vec![Codec::Mp4a(mp4a)],
            },
            stts: Stts {
                entries: audio_entries,
            },
            stsc: stsc(&audio_counts),
            stsz: Stsz {
                samples: StszSamples::Identical {
                    count: u32_of(self.audio.len()),
                    size: u32_of(SILENT_AAC_FRAME.len()),
                },
            },
            stco: Some(stco(audio_offsets, base)),
            ..Stbl::default()
        };
        let audio_in_movie = u64::try_from(
            u128::from(audio_duration) * u128::from(video_timescale) / u128::from(AUDIO_RATE),
        )
        .unwrap_or(u64::MAX);

        Moov {
            mvhd: Mvhd {
                timescale: video_timescale,
                duration: video_duration.max(audio_in_movie),
                rate: 1.into(),
                volume: 1.into(),
                next_track_id: 3,
                ..Mvhd::default()
            },
            trak: vec![
                trak(
                    Tkhd {
                        track_id: 1,
                        duration: video_duration,
                        enabled: true,
                        in_movie: true,
                        width: u16::try_from(track.width).unwrap_or(u16::MAX).into(),
                        height: u16::try_from(track.height).unwrap_or(u16::MAX).into(),
                        ..Tkhd::default()
                    },
                    (video_timescale, video_duration),
                    (b"vide", "VideoHandler"),
                    Minf {
                        vmhd: Some(Vmhd::default()),
                        dinf: dinf(),
                        stbl: video_stbl,
                        ..Minf::default()
                    },
                ),
                trak(
                    Tkhd {
                        track_id: 2,
                        duration: audio_in_movie,
                        enabled: true,
                        in_movie: true,
                        alternate_group: 1,
                        volume: 1.into(),
                        ..Tkhd::default()
                    },
                    (AUDIO_RATE, audio_duration),
                    (b"soun", "SoundHandler"),
                    Minf {
                        smhd: Some(Smhd::default()),
                        dinf: dinf(),
                        stbl: audio_stbl,
                        ..Minf::default()
                    },
                ),
            ],
            ..Moov::default()
        }
    }
}

fn trak(
    tkhd: Tkhd,
    (timescale, duration): (u32, u64),
    handler: (&[u8; 4], &str),
    minf: Minf,
) -> Trak {
    Trak {
        tkhd,
        mdia: Mdia {
            mdhd: Mdhd {
                timescale,
                duration,
                language: "und".into(),
                ..Mdhd::default()
            },
            hdlr: Hdlr {
                handler: FourCC::new(handler.0),
                name: handler.1.into(),
            },
            minf,
        },
        ..Trak::default()
    }
}

fn dinf() -> Dinf {
    // One self-contained data reference: the media is in this file.
    Dinf {
        dref: Dref {
            entries: vec![DrefEntry::Url(Url::default())],
        },
    }
}

fn stsc(counts: &[u32]) -> Stsc {
    let mut entries: Vec<StscEntry> = Vec::new();
    for (index, &count) in counts.iter().enumerate() {
        if entries.last().is_none_or(|e| e.samples_per_chunk != count) {
            entries.push(StscEntry {
                first_chunk: u32_of(index + 1),
                samples_per_chunk: count,
                sample_description_index: 1,
            });
        }
    }
    Stsc { entries }
}

fn stco(offsets: &[u64], base: u64) -> Stco {
    Stco {
        entries: offsets
            .iter()
            .map(|o| u32::try_from(base + o).unwrap_or(u32::MAX))
            .collect(),
    }
}
