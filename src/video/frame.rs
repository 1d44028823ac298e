//! Single frames out of an H.264 MP4: the first, the last or the one shown
//! at a given second, decoded with OpenH264 from the key frame before it.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::{Path, PathBuf},
};

use openh264::{
    OpenH264API,
    decoder::{DecodedYUV, Decoder, DecoderConfig, Flush},
    formats::YUVSource,
};

use super::{
    VideoError,
    image::Rgb,
    movie::{Movie, Samples},
};

/// Which frame of a clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FrameAt {
    First,
    Last,
    /// The frame on screen this many seconds after the clip starts.
    Second(f64),
}

/// A frame saved as a PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedFrame {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Decodes the frame `at` of the H.264 MP4 `video` and writes it as a PNG at `out`.
pub fn extract_frame(video: &Path, at: FrameAt, out: &Path) -> Result<ExtractedFrame, VideoError> {
    let clip = Clip::open(video)?;
    let picture = clip.decode_at(at)?;
    let bytes = picture.save_png(out)?;
    Ok(ExtractedFrame {
        path: out.to_path_buf(),
        width: picture.width,
        height: picture.height,
        bytes,
    })
}

/// A PNG of `count` frames spread over the clip, side by side, each
/// `height` px tall, and never more than `max_bytes` (it is shrunk until it fits).
pub fn preview_strip(
    video: &Path,
    count: usize,
    height: u32,
    max_bytes: usize,
) -> Result<Vec<u8>, VideoError> {
    let clip = Clip::open(video)?;
    let duration = clip.video.seconds(clip.video.presented());
    let count = count.max(1);
    let frames = (0..count)
        .map(|i| {
            // Midpoints of equal slices: never the black first frame of a fade-in.
            let at = duration * (2 * i + 1) as f64 / (2 * count) as f64;
            clip.decode_at(FrameAt::Second(at))
        })
        .collect::<Result<Vec<_>, _>>()?;
    fit(&frames, height, max_bytes, video)
}

/// A PNG no taller than `height` and no larger than `max_bytes`, made from
/// the RGB PNG at `png` (a frame [`extract_frame`] saved).
pub fn shrink_png(png: &Path, height: u32, max_bytes: usize) -> Result<Vec<u8>, VideoError> {
    let picture = Rgb::load_png(png)?;
    fit(&[picture], height, max_bytes, png)
}

/// `pictures` side by side, shrunk until the PNG fits in `max_bytes`.
fn fit(
    pictures: &[Rgb],
    height: u32,
    max_bytes: usize,
    source: &Path,
) -> Result<Vec<u8>, VideoError> {
    let mut height = height;
    loop {
        let small: Vec<Rgb> = pictures
            .iter()
            .map(|f| f.shrink_to_height(height))
            .collect();
        let png = Rgb::side_by_side(&small)
            .png_bytes()
            .map_err(|e| VideoError::Decode {
                path: source.to_path_buf(),
                reason: e.to_string(),
            })?;
        if png.len() <= max_bytes || height <= 16 {
            return Ok(png);
        }
        height = height * 3 / 4;
    }
}

struct Clip {
    movie: Movie,
    video: Samples,
    avc: mp4_atom::Avcc,
}

impl Clip {
    fn open(path: &Path) -> Result<Self, VideoError> {
        let movie = Movie::open(path)?;
        let avc = movie.avc()?.avcc.clone();
        let video = movie.samples(movie.video_trak()?)?;
        if video.list.is_empty() {
            return Err(VideoError::NoVideo {
                path: path.to_path_buf(),
            });
        }
        Ok(Self { movie, video, avc })
    }

    fn path(&self) -> &Path {
        &self.movie.path
    }

    /// The index (decode order) of the sample shown at `at`.
    fn target(&self, at: FrameAt) -> Result<usize, VideoError> {
        let samples = &self.video;
        let start = i64::try_from(samples.media_start()).unwrap_or(i64::MAX);
        let end = start.saturating_add(i64::try_from(samples.presented()).unwrap_or(i64::MAX));
        let wanted = match at {
            FrameAt::First => start,
            FrameAt::Last => end.saturating_sub(1),
            FrameAt::Second(s) if !s.is_finite() || s < 0.0 => {
                return Err(VideoError::BadTime { requested: s });
            }
            FrameAt::Second(s) => {
                let duration = samples.seconds(samples.presented());
                if s > duration {
                    return Err(VideoError::PastEnd {
                        requested: s,
                        duration,
                    });
                }
                let ticks = (s * f64::from(samples.timescale)).floor() as i64;
                start.saturating_add(ticks).min(end.saturating_sub(1))
            }
        };
        // The frame on screen at `wanted`: the latest one starting by then,
        // else (a time before the first frame) the earliest.
        let on_screen = samples
            .list
            .iter()
            .enumerate()
            .filter(|(_, s)| s.cts() <= wanted)
            .max_by_key(|(_, s)| s.cts())
            .or_else(|| samples.list.iter().enumerate().min_by_key(|(_, s)| s.cts()));
        on_screen
            .map(|(i, _)| i)
            .ok_or_else(|| VideoError::NoVideo {
                path: self.path().to_path_buf(),
            })
    }

    fn decode_at(&self, at: FrameAt) -> Result<Rgb, VideoError> {
        let target = self.target(at)?;
        let list = &self.video.list;
        let key = list
            .get(..=target)
            .and_then(|head| head.iter().rposition(|s| s.sync))
            .unwrap_or(0);
        let gop_end = list
            .iter()
            .enumerate()
            .skip(target + 1)
            .find(|(_, s)| s.sync)
            .map_or(list.len(), |(i, _)| i);
        let target_cts = list.get(target).map_or(0, |s| s.cts());
        // Pictures come out in presentation order, so the target is the one
        // after every picture of its group shown before it.
        let rank = list
            .get(key..gop_end)
            .unwrap_or_default()
            .iter()
            .filter(|s| s.cts() < target_cts)
            .count();

        let decode_error = |reason: String| VideoError::Decode {
            path: self.path().to_path_buf(),
            reason,
        };
        // Flushing after every packet breaks streams with B-frames (OpenH264
        // then fails with "out of memory"); pictures are drained once at the end.
        let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
        let mut decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| decode_error(e.to_string()))?;
        let mut headers = Vec::new();
        for nal in self
            .avc
            .sequence_parameter_sets
            .iter()
            .chain(&self.avc.picture_parameter_sets)
        {
            headers.extend_from_slice(&[0, 0, 0, 1]);
            headers.extend_from_slice(nal);
        }
        decoder
            .decode(&headers)
            .map_err(|e| decode_error(e.to_string()))?;

        let mut file = File::open(self.path()).map_err(VideoError::io(self.path()))?;
        let mut seen = 0usize;
        let mut raw = Vec::new();
        for sample in list.get(key..gop_end).unwrap_or_default() {
            raw.resize(sample.size as usize, 0);
            file.seek(SeekFrom::Start(sample.offset))
                .and_then(|_| file.read_exact(&mut raw))
                .map_err(VideoError::io(self.path()))?;
            let annex_b = to_annex_b(&raw, usize::from(self.avc.length_size))
                .ok_or_else(|| decode_error("a sample's NAL lengths overrun it".into()))?;
            if let Some(picture) = decoder
                .decode(&annex_b)
                .map_err(|e| decode_error(e.to_string()))?
            {
                if seen == rank {
                    return Ok(to_rgb(&picture));
                }
                seen += 1;
            }
        }
        let rest = decoder
            .flush_remaining()
            .map_err(|e| decode_error(e.to_string()))?;
        rest.get(rank.saturating_sub(seen))
            .filter(|_| rank >= seen)
            .map(|p| to_rgb(p))
            .ok_or_else(|| decode_error("the decoder returned fewer pictures than samples".into()))
    }
}

fn to_rgb(picture: &DecodedYUV<'_>) -> Rgb {
    let (width, height) = picture.dimensions();
    let mut data = vec![0; width * height * 3];
    picture.write_rgb8(&mut data);
    Rgb {
        width: u32::try_from(width).unwrap_or(0),
        height: u32::try_from(height).unwrap_or(0),
        data,
    }
}

/// MP4 stores NAL units behind big-endian lengths; the decoder wants start codes.
fn to_annex_b(sample: &[u8], length_size: usize) -> Option<Vec<u8>> {
    let length_size = length_size.clamp(1, 4);
    let mut out = Vec::with_capacity(sample.len() + 16);
    let mut rest = sample;
    while !rest.is_empty() {
        let (len_bytes, tail) = rest.split_at_checked(length_size)?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let (nal, tail) = tail.split_at_checked(len)?;
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
        rest = tail;
    }
    Some(out)
}
