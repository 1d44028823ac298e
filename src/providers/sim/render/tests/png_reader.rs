//! Reads the stills back with the `png` crate's decoder, as scanlines with
//! a leading filter byte of 0 (what the tests compare against).

pub(super) fn decode_png(png: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let (w, h) = (info.width as usize, info.height as usize);
    let raw = pixels[..info.buffer_size()]
        .chunks(w * 3)
        .flat_map(|row| std::iter::once(0).chain(row.iter().copied()))
        .collect();
    (w, h, raw)
}
