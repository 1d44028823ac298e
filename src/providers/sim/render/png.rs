//! The PNG writer: 8-bit RGB through the `png` crate, which the frame
//! extractor uses too, so the simulator carries no encoder of its own.

use super::{canvas::Canvas, u32_of};

pub(super) fn encode_png(canvas: &Canvas) -> Vec<u8> {
    let mut raw = Vec::with_capacity(canvas.width * canvas.height * 3);
    for px in &canvas.pixels {
        raw.extend_from_slice(&[px.0, px.1, px.2]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, u32_of(canvas.width), u32_of(canvas.height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    // Writing into a Vec fails only on a size the canvas clamp rules out.
    let written = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&raw));
    if let Err(e) = written {
        tracing::warn!(error = %e, "the simulated still could not be encoded");
    }
    out
}
