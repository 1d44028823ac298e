//! Reads an MP4's `moov` and turns each track's sample tables into a flat
//! list of samples (where each one is, how long, when shown). Only the
//! `moov` is loaded; `mdat` is skipped by seeking, so memory follows the
//! number of samples, never the file's size.

use std::{
    fs::File,
    io::{BufReader, Seek, SeekFrom},
    path::{Path, PathBuf},
};

use mp4_atom::{Atom, Codec, FourCC, Header, Moov, ReadAtom, ReadFrom, Trak};

use super::VideoError;

/// Past this a `moov` is not one the models or this crate wrote; refusing it
/// keeps a hostile file from making us allocate its claimed size.
const MAX_MOOV_BYTES: usize = 64 << 20;

/// One opened MP4: its movie header and tracks.
#[derive(Debug)]
pub(super) struct Movie {
    pub(super) path: PathBuf,
    pub(super) moov: Moov,
}

/// A track's samples in decode order.
#[derive(Debug, Clone)]
pub(super) struct Samples {
    pub(super) timescale: u32,
    pub(super) list: Vec<Sample>,
    /// The parts of the media that play, in order (the edit list, in `timescale`).
    pub(super) edits: Vec<Edit>,
}

/// One played range of a track's media timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Edit {
    pub(super) media_time: u64,
    pub(super) duration: u64,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) offset: u64,
    pub(super) size: u32,
    pub(super) dts: u64,
    pub(super) duration: u32,
    pub(super) cts_offset: i64,
    pub(super) sync: bool,
    /// Index of the chunk holding it.
    pub(super) chunk: usize,
}

impl Sample {
    /// Composition (presentation) time in media units, before the edit list.
    pub(super) fn cts(&self) -> i64 {
        i64::try_from(self.dts)
            .unwrap_or(i64::MAX)
            .saturating_add(self.cts_offset)
    }
}

impl Samples {
    pub(super) fn seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / f64::from(self.timescale.max(1))
    }

    /// How long the track plays, in `timescale`.
    pub(super) fn presented(&self) -> u64 {
        self.edits.iter().map(|e| e.duration).sum()
    }

    /// The media time at which presentation starts.
    pub(super) fn media_start(&self) -> u64 {
        self.edits.first().map_or(0, |e| e.media_time)
    }

    /// Total media duration (sum of sample durations).
    pub(super) fn media_duration(&self) -> u64 {
        self.list.iter().map(|s| u64::from(s.duration)).sum()
    }
}

const VIDE: FourCC = FourCC::new(b"vide");
const SOUN: FourCC = FourCC::new(b"soun");

impl Movie {
    pub(super) fn open(path: &Path) -> Result<Self, VideoError> {
        let file = File::open(path).map_err(VideoError::io(path))?;
        let mut reader = BufReader::new(file);
        let not_mp4 = |reason: String| VideoError::NotMp4 {
            path: path.to_path_buf(),
            reason,
        };
        let mut moov = None;
        let mut first = true;
        loop {
            let header = match <Option<Header>>::read_from(&mut reader) {
                Ok(Some(header)) => header,
                Ok(None) => break,
                Err(e) if first => return Err(not_mp4(e.to_string())),
                Err(mp4_atom::Error::Io(e)) => return Err(VideoError::io(path)(e)),
                Err(e) => return Err(not_mp4(e.to_string())),
            };
            if first && header.kind != FourCC::new(b"ftyp") {
                return Err(not_mp4("it does not start with an ftyp box".into()));
            }
            first = false;
            match header.kind {
                kind if kind == Moov::KIND => {
                    if header.size.is_none_or(|size| size > MAX_MOOV_BYTES) {
                        return Err(not_mp4("its moov box is unreasonably large".into()));
                    }
                    moov = Some(
                        Moov::read_atom(&header, &mut reader)
                            .map_err(|e| not_mp4(e.to_string()))?,
                    );
                }
                kind if kind == FourCC::new(b"moof") => {
                    return Err(VideoError::Fragmented {
                        path: path.to_path_buf(),
                    });
                }
                _ => match header.size {
                    Some(size) => {
                        let skip = i64::try_from(size).map_err(|e| not_mp4(e.to_string()))?;
                        reader
                            .seek(SeekFrom::Current(skip))
                            .map_err(VideoError::io(path))?;
                    }
                    None => break,
                },
            }
        }
        let moov = moov.ok_or_else(|| not_mp4("it has no moov box".into()))?;
        if moov.mvex.is_some() {
            return Err(VideoError::Fragmented {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            moov,
        })
    }

    pub(super) fn video_trak(&self) -> Result<&Trak, VideoError> {
        self.moov
            .trak
            .iter()
            .find(|t| t.mdia.hdlr.handler == VIDE)
            .ok_or_else(|| VideoError::NoVideo {
                path: self.path.clone(),
            })
    }

    pub(super) fn audio_trak(&self) -> Option<&Trak> {
        self.moov.trak.iter().find(|t| t.mdia.hdlr.handler == SOUN)
    }

    /// The video track's H.264 configuration, or why there is none.
    pub(super) fn avc(&self) -> Result<&mp4_atom::Avc1, VideoError> {
        let trak = self.video_trak()?;
        match trak.mdia.minf.stbl.stsd.codecs.as_slice() {
            [Codec::Avc1(avc1)] => Ok(avc1),
            [other] => Err(VideoError::UnsupportedCodec {
                path: self.path.clone(),
                codec: codec_name(other),
            }),
            _ => Err(VideoError::UnsupportedCodec {
                path: self.path.clone(),
                codec: "several sample descriptions of".into(),
            }),
        }
    }

    pub(super) fn samples(&self, trak: &Trak) -> Result<Samples, VideoError> {
        samples_of(trak, self.moov.mvhd.timescale).map_err(|reason| VideoError::NotMp4 {
            path: self.path.clone(),
            reason: reason.into(),
        })
    }
}

fn codec_name(codec: &Codec) -> String {
    match codec {
        Codec::Avc3(_) => "H.264 (avc3, in-band parameter sets)".into(),
        Codec::Hev1(_) | Codec::Hvc1(_) => "H.265/HEVC".into(),
        Codec::Av01(_) => "AV1".into(),
        Codec::Vp09(_) | Codec::Vp08(_) => "VP8/VP9".into(),
        _ => "non-H.264".into(),
    }
}

fn samples_of(trak: &Trak, movie_timescale: u32) -> Result<Samples, &'static str> {
    let stbl = &trak.mdia.minf.stbl;
    let timescale = trak.mdia.mdhd.timescale;
    if timescale == 0 {
        return Err("a track has timescale 0");
    }
    let sizes: Vec<u32> = match &stbl.stsz.samples {
        mp4_atom::StszSamples::Identical { count, size } => {
            vec![*size; usize::try_from(*count).map_err(|_| "too many samples")?]
        }
        mp4_atom::StszSamples::Different { sizes } => sizes.clone(),
    };
    let chunk_offsets: Vec<u64> = match (&stbl.stco, &stbl.co64) {
        (Some(stco), _) => stco.entries.iter().map(|&o| u64::from(o)).collect(),
        (None, Some(co64)) => co64.entries.clone(),
        (None, None) => return Err("a track has no chunk offsets"),
    };
    let mut durations = stbl
        .stts
        .entries
        .iter()
        .flat_map(|e| std::iter::repeat_n(e.sample_delta, e.sample_count as usize));
    let mut offsets = stbl.ctts.iter().flat_map(|c| {
        c.entries
            .iter()
            .flat_map(|e| std::iter::repeat_n(e.sample_offset, e.sample_count as usize))
    });
    let syncs = stbl.stss.as_ref().map(|s| &s.entries);

    let mut list = Vec::with_capacity(sizes.len());
    let mut dts = 0u64;
    let mut sizes_iter = sizes.iter();
    let entries = &stbl.stsc.entries;
    for (chunk, &chunk_offset) in chunk_offsets.iter().enumerate() {
        let chunk_number = u32::try_from(chunk + 1).map_err(|_| "too many chunks")?;
        let per_chunk = entries
            .iter()
            .rev()
            .find(|e| e.first_chunk <= chunk_number)
            .map_or(0, |e| e.samples_per_chunk);
        let mut offset = chunk_offset;
        for _ in 0..per_chunk {
            let Some(&size) = sizes_iter.next() else {
                return Err("the sample tables disagree on the sample count");
            };
            let duration = durations.next().unwrap_or(0);
            let number = u32::try_from(list.len() + 1).map_err(|_| "too many samples")?;
            list.push(Sample {
                offset,
                size,
                dts,
                duration,
                cts_offset: offsets.next().unwrap_or(0),
                sync: syncs.is_none_or(|s| s.binary_search(&number).is_ok()),
                chunk,
            });
            offset = offset.saturating_add(u64::from(size));
            dts = dts.saturating_add(u64::from(duration));
        }
    }
    if list.len() != sizes.len() {
        return Err("the sample tables disagree on the sample count");
    }
    // Empty edits (an initial delay) are dropped: the clips the models make
    // start at once, and a join places each clip by its played length anyway.
    let mut edits: Vec<Edit> = trak
        .edts
        .iter()
        .filter_map(|e| e.elst.as_ref())
        .flat_map(|e| e.entries.iter())
        .filter_map(|e| {
            let media_time = e.media_time?;
            let scaled = u128::from(e.segment_duration) * u128::from(timescale)
                / u128::from(movie_timescale.max(1));
            let duration = u64::try_from(scaled).unwrap_or(u64::MAX);
            // A zero-length edit means "to the end of the media".
            let duration = if duration == 0 {
                dts.saturating_sub(media_time)
            } else {
                duration
            };
            Some(Edit {
                media_time,
                duration,
            })
        })
        .collect();
    if edits.is_empty() {
        edits.push(Edit {
            media_time: 0,
            duration: dts,
        });
    }
    Ok(Samples {
        timescale,
        list,
        edits,
    })
}
