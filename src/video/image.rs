//! Decoded pictures as 8-bit RGB, shrunk and written as PNG with the `png` crate.

use std::{io::Write, path::Path};

use super::VideoError;

/// One picture, rows top to bottom, three bytes a pixel.
#[derive(Debug, Clone)]
pub(super) struct Rgb {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) data: Vec<u8>,
}

impl Rgb {
    /// This picture shrunk to `height` rows (never enlarged), averaging the
    /// source pixels each target pixel covers so thin text stays legible.
    pub(super) fn shrink_to_height(&self, height: u32) -> Self {
        if height >= self.height || self.height == 0 {
            return self.clone();
        }
        let height = height.max(1);
        let width = (u64::from(self.width) * u64::from(height) / u64::from(self.height)).max(1);
        let width = u32::try_from(width).unwrap_or(1);
        let mut data = Vec::with_capacity(width as usize * height as usize * 3);
        for y in 0..height {
            let y0 = y * self.height / height;
            let y1 = ((y + 1) * self.height / height).max(y0 + 1);
            for x in 0..width {
                let x0 = x * self.width / width;
                let x1 = ((x + 1) * self.width / width).max(x0 + 1);
                let mut sum = [0u32; 3];
                let mut count = 0u32;
                for sy in y0..y1 {
                    let row = sy as usize * self.width as usize * 3;
                    for sx in x0..x1 {
                        let at = row + sx as usize * 3;
                        if let Some(px) = self.data.get(at..at + 3) {
                            for (s, &v) in sum.iter_mut().zip(px) {
                                *s += u32::from(v);
                            }
                            count += 1;
                        }
                    }
                }
                for s in sum {
                    data.push(u8::try_from(s / count.max(1)).unwrap_or(u8::MAX));
                }
            }
        }
        Self {
            width,
            height,
            data,
        }
    }

    /// Pictures side by side, left to right, on the height of the shortest.
    pub(super) fn side_by_side(pictures: &[Rgb]) -> Self {
        let height = pictures.iter().map(|p| p.height).min().unwrap_or(0);
        let width: u32 = pictures.iter().map(|p| p.width).sum();
        let mut data = Vec::with_capacity(width as usize * height as usize * 3);
        for y in 0..height as usize {
            for p in pictures {
                let row = p.width as usize * 3;
                if let Some(line) = p.data.get(y * row..(y + 1) * row) {
                    data.extend_from_slice(line);
                }
            }
        }
        Self {
            width,
            height,
            data,
        }
    }

    /// Reads an 8-bit RGB or RGBA PNG (alpha dropped).
    pub(super) fn load_png(path: &Path) -> Result<Self, VideoError> {
        let file = std::fs::File::open(path).map_err(VideoError::io(path))?;
        let bad = |reason: String| VideoError::Decode {
            path: path.to_path_buf(),
            reason,
        };
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .map_err(|e| bad(e.to_string()))?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| bad("the PNG is too large".into()))?;
        let mut buf = vec![0; size];
        let info = reader
            .next_frame(&mut buf)
            .map_err(|e| bad(e.to_string()))?;
        let data = match (info.color_type, info.bit_depth) {
            (png::ColorType::Rgb, png::BitDepth::Eight) => {
                buf.truncate(info.buffer_size());
                buf
            }
            (png::ColorType::Rgba, png::BitDepth::Eight) => buf
                .get(..info.buffer_size())
                .unwrap_or_default()
                .chunks_exact(4)
                .flat_map(|px| px.iter().take(3).copied())
                .collect(),
            _ => return Err(bad("only 8-bit RGB or RGBA PNGs are read".into())),
        };
        Ok(Self {
            width: info.width,
            height: info.height,
            data,
        })
    }

    pub(super) fn png_bytes(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        self.write_png(&mut out)?;
        Ok(out)
    }

    fn write_png<W: Write>(&self, writer: W) -> Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(writer, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.data)?;
        writer.finish()
    }

    /// Writes the PNG next to `out` and renames it into place, so a reader
    /// never sees half a file; returns the file's size.
    pub(super) fn save_png(&self, out: &Path) -> Result<u64, VideoError> {
        let bytes = self.png_bytes().map_err(|e| VideoError::Io {
            path: out.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        super::stitch::write_atomically(out, |file| file.write_all(&bytes))?;
        Ok(bytes.len() as u64)
    }
}
