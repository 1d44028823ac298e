//! Joins H.264/AAC MP4 clips end to end. When the clips match (as clips of
//! one model, ratio and resolution do) the samples are copied as they are:
//! new sample tables and edit lists are written with `mp4-atom` and the
//! media is streamed chunk by chunk, so memory stays flat whatever the
//! files weigh. Clips that do not match are re-encoded by ffmpeg when it is
//! installed ([`super::reencode`]), and refused with the reason otherwise.

use std::{
    fs::File,
    io::{BufWriter, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use mp4_atom::{
    Co64, Codec, Ctts, CttsEntry, Edts, Elst, ElstEntry, Encode, FourCC, Ftyp, Header, Moov, Stco,
    Stsc, StscEntry, Stss, Stsz, StszSamples, Stts, SttsEntry, Trak,
};

use super::{
    Incompatibility, VideoError,
    movie::{Edit, Movie, Samples},
    reencode,
};

/// The joined file.
#[derive(Debug, Clone, PartialEq)]
pub struct Stitched {
    pub path: PathBuf,
    pub duration_seconds: f64,
    /// Where each input starts in the joined file, in input order.
    pub starts_seconds: Vec<f64>,
    pub method: StitchMethod,
}

/// How the inputs were joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StitchMethod {
    /// Samples copied unchanged: no quality lost.
    Remux,
    /// Decoded and encoded again by ffmpeg, because the inputs did not match.
    Reencoded,
}

/// Joins `inputs`, in order, into one MP4 at `out`.
pub fn stitch(inputs: &[PathBuf], out: &Path) -> Result<Stitched, VideoError> {
    if inputs.len() < 2 {
        return Err(VideoError::TooFewInputs {
            count: inputs.len(),
        });
    }
    let clips = inputs
        .iter()
        .map(|path| Input::open(path))
        .collect::<Result<Vec<_>, _>>()?;
    match check_compatible(&clips) {
        Ok(()) => remux(&clips, out),
        Err(refusal @ VideoError::Incompatible { .. }) => match reencode::ffmpeg() {
            Some(ffmpeg) => {
                let starts = starts(&clips);
                let sources: Vec<_> = clips
                    .iter()
                    .map(|c| reencode::Source {
                        path: &c.movie.path,
                        has_audio: c.audio.is_some(),
                        seconds: c.video.seconds(c.video.presented()),
                    })
                    .collect();
                let size = clips
                    .first()
                    .and_then(Input::avc1)
                    .map_or((1280, 720), |a| (a.visual.width, a.visual.height));
                reencode::run(&ffmpeg, &sources, size, out)?;
                let joined = Input::open(out)?;
                Ok(Stitched {
                    path: out.to_path_buf(),
                    duration_seconds: joined.video.seconds(joined.video.presented()),
                    starts_seconds: starts.0,
                    method: StitchMethod::Reencoded,
                })
            }
            None => Err(refusal),
        },
        Err(other) => Err(other),
    }
}

struct Input {
    movie: Movie,
    video: Samples,
    audio: Option<Samples>,
}

impl Input {
    fn open(path: &Path) -> Result<Self, VideoError> {
        let movie = Movie::open(path)?;
        movie.avc()?;
        let video = movie.samples(movie.video_trak()?)?;
        let audio = match movie.audio_trak() {
            Some(trak) => Some(movie.samples(trak)?),
            None => None,
        };
        Ok(Self {
            movie,
            video,
            audio,
        })
    }

    fn avc1(&self) -> Option<&mp4_atom::Avc1> {
        self.movie.avc().ok()
    }

    fn mp4a(&self) -> Result<Option<&mp4_atom::Mp4a>, Incompatibility> {
        match self.movie.audio_trak() {
            None => Ok(None),
            Some(trak) => match trak.mdia.minf.stbl.stsd.codecs.as_slice() {
                [Codec::Mp4a(mp4a)] => Ok(Some(mp4a)),
                _ => Err(Incompatibility::AudioCodec),
            },
        }
    }
}

fn check_compatible(clips: &[Input]) -> Result<(), VideoError> {
    let Some(first) = clips.first() else {
        return Ok(());
    };
    let incompatible = |index: usize, reason| VideoError::Incompatible {
        index: index + 1,
        reason,
    };
    let first_avc = first.avc1();
    let first_audio = first.mp4a().map_err(|r| incompatible(0, r))?;
    for (index, clip) in clips.iter().enumerate().skip(1) {
        let (Some(a), Some(b)) = (first_avc, clip.avc1()) else {
            return Err(incompatible(index, Incompatibility::VideoSettings));
        };
        if (a.visual.width, a.visual.height) != (b.visual.width, b.visual.height) {
            return Err(incompatible(
                index,
                Incompatibility::FrameSize {
                    first_w: a.visual.width,
                    first_h: a.visual.height,
                    this_w: b.visual.width,
                    this_h: b.visual.height,
                },
            ));
        }
        if a.avcc != b.avcc {
            return Err(incompatible(index, Incompatibility::VideoSettings));
        }
        if first.video.timescale != clip.video.timescale {
            return Err(incompatible(
                index,
                Incompatibility::VideoTimescale {
                    first: first.video.timescale,
                    this: clip.video.timescale,
                },
            ));
        }
        let audio = clip.mp4a().map_err(|r| incompatible(index, r))?;
        match (first_audio, audio) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                return Err(incompatible(
                    index,
                    Incompatibility::AudioPresence {
                        this: audio.is_some(),
                    },
                ));
            }
            (Some(a), Some(b)) => {
                let same = a.audio.channel_count == b.audio.channel_count
                    && a.audio.sample_rate == b.audio.sample_rate
                    && a.esds.es_desc.dec_config.object_type_indication
                        == b.esds.es_desc.dec_config.object_type_indication
                    && a.esds.es_desc.dec_config.dec_specific
                        == b.esds.es_desc.dec_config.dec_specific
                    && first.audio.as_ref().map(|s| s.timescale)
                        == clip.audio.as_ref().map(|s| s.timescale);
                if !same {
                    return Err(incompatible(index, Incompatibility::AudioSettings));
                }
            }
        }
    }
    Ok(())
}

/// Each input's start and the total, in seconds, by the video's played length.
fn starts(clips: &[Input]) -> (Vec<f64>, f64) {
    let mut starts = Vec::with_capacity(clips.len());
    let mut at = 0u64;
    let scale = clips.first().map_or(1, |c| c.video.timescale);
    for clip in clips {
        starts.push(at as f64 / f64::from(scale.max(1)));
        at += clip.video.presented();
    }
    (starts, at as f64 / f64::from(scale.max(1)))
}

/// A run of samples that is contiguous in one input and is copied as one piece.
struct Piece {
    input: usize,
    from: u64,
    len: u64,
    /// Which output track (0 video, 1 audio) and how many samples.
    track: usize,
    samples: u32,
}

/// One output track being assembled.
#[derive(Default)]
struct TrackOut {
    durations: Vec<u32>,
    cts_offsets: Vec<i64>,
    any_cts: bool,
    sizes: Vec<u32>,
    syncs: Vec<u32>,
    all_sync: bool,
    /// Samples per output chunk, and the chunk's offset inside the mdat payload.
    chunks: Vec<(u32, u64)>,
    edits: Vec<Edit>,
    media_total: u64,
}

impl TrackOut {
    fn add_input(&mut self, samples: &Samples, played: Option<u64>) {
        let base = self.media_total;
        let first_number = u32::try_from(self.sizes.len()).unwrap_or(u32::MAX);
        for (i, s) in samples.list.iter().enumerate() {
            self.durations.push(s.duration);
            self.cts_offsets.push(s.cts_offset);
            self.any_cts |= s.cts_offset != 0;
            self.sizes.push(s.size);
            if s.sync {
                let number = first_number.saturating_add(u32::try_from(i + 1).unwrap_or(u32::MAX));
                self.syncs.push(number);
            } else {
                self.all_sync = false;
            }
        }
        let mut edits: Vec<Edit> = samples
            .edits
            .iter()
            .map(|e| Edit {
                media_time: e.media_time + base,
                duration: e.duration,
            })
            .collect();
        // Audio plays exactly as long as its clip's video, so every later
        // clip's sound starts with its picture even when the tracks' own
        // lengths differ by part of an audio frame.
        if let (Some(played), Some(last)) = (played, edits.last_mut()) {
            let others: u64 = samples.edits.iter().map(|e| e.duration).sum::<u64>() - last.duration;
            last.duration = played.saturating_sub(others);
        }
        for edit in edits {
            match self.edits.last_mut() {
                Some(prev) if prev.media_time + prev.duration == edit.media_time => {
                    prev.duration += edit.duration;
                }
                _ => self.edits.push(edit),
            }
        }
        self.media_total = base + samples.media_duration();
    }

    fn presented(&self) -> u64 {
        self.edits.iter().map(|e| e.duration).sum()
    }
}

fn remux(clips: &[Input], out: &Path) -> Result<Stitched, VideoError> {
    let (starts_seconds, duration_seconds) = starts(clips);
    let has_audio = clips.first().is_some_and(|c| c.audio.is_some());
    let mut tracks: Vec<TrackOut> = (0..if has_audio { 2 } else { 1 })
        .map(|_| TrackOut {
            all_sync: true,
            ..TrackOut::default()
        })
        .collect();

    let mut pieces = Vec::new();
    for (index, clip) in clips.iter().enumerate() {
        let mut by_offset = Vec::new();
        let video_played = clip.video.presented();
        for (track, samples) in std::iter::once(&clip.video)
            .chain(clip.audio.as_ref())
            .enumerate()
        {
            let played = (track == 1).then(|| {
                let ticks = u128::from(video_played) * u128::from(samples.timescale)
                    / u128::from(clip.video.timescale.max(1));
                u64::try_from(ticks).unwrap_or(u64::MAX)
            });
            if let Some(out_track) = tracks.get_mut(track) {
                out_track.add_input(samples, played);
            }
            // Samples of one input chunk sit back to back; each chunk is one piece.
            let mut previous_chunk = None;
            for s in &samples.list {
                let same_chunk = previous_chunk == Some(s.chunk);
                previous_chunk = Some(s.chunk);
                match by_offset.last_mut() {
                    Some(Piece {
                        track: t,
                        from,
                        len,
                        samples: n,
                        ..
                    }) if same_chunk && *t == track && *from + *len == s.offset => {
                        *len += u64::from(s.size);
                        *n += 1;
                    }
                    _ => by_offset.push(Piece {
                        input: index,
                        from: s.offset,
                        len: u64::from(s.size),
                        track,
                        samples: 1,
                    }),
                }
            }
        }
        // Keep the inputs' own interleaving of picture and sound.
        by_offset.sort_by_key(|p| p.from);
        pieces.extend(by_offset);
    }

    let mut at = 0u64;
    for piece in &pieces {
        if let Some(track) = tracks.get_mut(piece.track) {
            track.chunks.push((piece.samples, at));
        }
        at += piece.len;
    }
    let payload = at;

    let first = clips.first().ok_or(VideoError::TooFewInputs { count: 0 })?;
    let ftyp = Ftyp {
        major_brand: FourCC::new(b"isom"),
        minor_version: 512,
        compatible_brands: vec![
            FourCC::new(b"isom"),
            FourCC::new(b"iso2"),
            FourCC::new(b"avc1"),
            FourCC::new(b"mp41"),
        ],
    };
    let encode_err = |e: mp4_atom::Error| VideoError::Io {
        path: out.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let mut head = Vec::new();
    ftyp.encode(&mut head).map_err(encode_err)?;
    let wide = payload + 1024 * 1024 > u64::from(u32::MAX);
    let draft = build_moov(first, &tracks, 0, wide);
    let mut moov_bytes = Vec::new();
    draft.encode(&mut moov_bytes).map_err(encode_err)?;
    let mdat = Header {
        kind: FourCC::new(b"mdat"),
        size: Some(usize::try_from(payload).unwrap_or(usize::MAX)),
    };
    let mut mdat_head = Vec::new();
    mdat.encode(&mut mdat_head).map_err(encode_err)?;
    let base = (head.len() + moov_bytes.len() + mdat_head.len()) as u64;
    let moov = build_moov(first, &tracks, base, wide);
    moov_bytes.clear();
    moov.encode(&mut moov_bytes).map_err(encode_err)?;

    write_atomically(out, |file| {
        let mut writer = BufWriter::with_capacity(256 * 1024, file);
        writer.write_all(&head)?;
        writer.write_all(&moov_bytes)?;
        writer.write_all(&mdat_head)?;
        let mut open: Option<(usize, File)> = None;
        for piece in &pieces {
            let file = match &mut open {
                Some((index, file)) if *index == piece.input => file,
                _ => {
                    let path = clips
                        .get(piece.input)
                        .map(|c| c.movie.path.as_path())
                        .unwrap_or(out);
                    &mut open.insert((piece.input, File::open(path)?)).1
                }
            };
            file.seek(SeekFrom::Start(piece.from))?;
            let copied = std::io::copy(&mut file.take(piece.len), &mut writer)?;
            if copied != piece.len {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "an input ended inside its own media data",
                ));
            }
        }
        writer.flush()
    })?;

    Ok(Stitched {
        path: out.to_path_buf(),
        duration_seconds,
        starts_seconds,
        method: StitchMethod::Remux,
    })
}

fn build_moov(first: &Input, tracks: &[TrackOut], base: u64, wide: bool) -> Moov {
    let mut moov = first.movie.moov.clone();
    let movie_timescale = first.video.timescale.max(1);
    moov.meta = None;
    moov.udta = None;
    moov.mvhd.timescale = movie_timescale;
    let template: Vec<Trak> = std::iter::once(first.movie.video_trak().ok())
        .chain(std::iter::once(first.movie.audio_trak()))
        .flatten()
        .cloned()
        .collect();
    let mut longest = 0u64;
    moov.trak = template
        .into_iter()
        .zip(tracks)
        .enumerate()
        .map(|(i, (mut trak, out))| {
            let timescale = trak.mdia.mdhd.timescale.max(1);
            let to_movie = |ticks: u64| {
                let scaled =
                    u128::from(ticks) * u128::from(movie_timescale) / u128::from(timescale);
                u64::try_from(scaled).unwrap_or(u64::MAX)
            };
            trak.tkhd.track_id = u32::try_from(i + 1).unwrap_or(1);
            trak.tkhd.duration = to_movie(out.presented());
            longest = longest.max(trak.tkhd.duration);
            trak.mdia.mdhd.duration = out.media_total;
            trak.edts = Some(Edts {
                elst: Some(Elst {
                    entries: out
                        .edits
                        .iter()
                        .map(|e| ElstEntry {
                            segment_duration: to_movie(e.duration),
                            media_time: Some(e.media_time),
                            media_rate: 1.into(),
                        })
                        .collect(),
                }),
            });
            trak.meta = None;
            trak.udta = None;
            let stbl = &mut trak.mdia.minf.stbl;
            stbl.stts = Stts {
                entries: run_lengths(&out.durations)
                    .map(|(sample_count, sample_delta)| SttsEntry {
                        sample_count,
                        sample_delta,
                    })
                    .collect(),
            };
            stbl.ctts = out.any_cts.then(|| Ctts {
                entries: run_lengths(&out.cts_offsets)
                    .map(|(sample_count, sample_offset)| CttsEntry {
                        sample_count,
                        sample_offset,
                    })
                    .collect(),
            });
            stbl.stss = (!out.all_sync).then(|| Stss {
                entries: out.syncs.clone(),
            });
            stbl.stsz = Stsz {
                samples: StszSamples::Different {
                    sizes: out.sizes.clone(),
                },
            };
            let counts: Vec<u32> = out.chunks.iter().map(|c| c.0).collect();
            let mut chunk = 1u32;
            stbl.stsc = Stsc {
                entries: run_lengths(&counts)
                    .map(|(run, samples_per_chunk)| {
                        let entry = StscEntry {
                            first_chunk: chunk,
                            samples_per_chunk,
                            sample_description_index: 1,
                        };
                        chunk = chunk.saturating_add(run);
                        entry
                    })
                    .collect(),
            };
            let offsets = out.chunks.iter().map(|c| base + c.1);
            if wide {
                stbl.co64 = Some(Co64 {
                    entries: offsets.collect(),
                });
                stbl.stco = None;
            } else {
                stbl.stco = Some(Stco {
                    entries: offsets
                        .map(|o| u32::try_from(o).unwrap_or(u32::MAX))
                        .collect(),
                });
                stbl.co64 = None;
            }
            stbl.sbgp.clear();
            stbl.sgpd.clear();
            stbl.subs.clear();
            stbl.saiz.clear();
            stbl.saio.clear();
            stbl.cslg = None;
            trak
        })
        .collect();
    moov.mvhd.duration = longest;
    moov.mvhd.next_track_id = u32::try_from(moov.trak.len() + 1).unwrap_or(u32::MAX);
    moov
}

/// (run length, value) pairs of equal neighbours.
fn run_lengths<T: PartialEq + Copy>(values: &[T]) -> impl Iterator<Item = (u32, T)> + '_ {
    let mut rest = values;
    std::iter::from_fn(move || {
        let (&value, _) = rest.split_first()?;
        let run = rest.iter().take_while(|&&v| v == value).count();
        rest = rest.get(run..).unwrap_or_default();
        Some((u32::try_from(run).unwrap_or(u32::MAX), value))
    })
}

/// Writes `out` through a `.part` file beside it, synced and renamed into
/// place, so no reader ever sees half a file and a failure leaves none.
pub(super) fn write_atomically(
    out: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), VideoError> {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    let part = out.with_file_name(name);
    let result = File::create(&part).and_then(|mut file| {
        write(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&part, out)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result.map_err(VideoError::io(out))
}
