//! Broken input must give an error (or a plausible probe), never a panic, a hang
//! or an allocation sized by a number read from the file.

use super::build::*;
use super::*;

fn samples() -> Vec<Vec<u8>> {
    vec![
        png(640, 480),
        jpeg(1920, 1080, 0xC0),
        jpeg_with_dnl(800, 600),
        gif(10, 10),
        bmp(300, -300, false),
        bmp(300, 300, true),
        webp_vp8(400, 400),
        webp_vp8l(400, 400),
        webp_vp8x(400, 400),
        tiff(500, 500, true, false),
        tiff(500, 500, false, true),
        heic(1000, 800, true),
        [
            ftyp(b"isom", &[]),
            bx(
                b"moov",
                &[mvhd(1, 1000, 5000), trak(1, b"vide", 64, 64, false)].concat(),
            ),
        ]
        .concat(),
        wav(8000, 1, 8, 300),
        mp3_xing(b"Xing", 50),
        mp3_vbri(50),
        mp3_cbr(5),
    ]
}

#[test]
fn every_truncation_is_handled() {
    for sample in samples() {
        for cut in 0..sample.len() {
            let _ = probe_bytes(&sample[..cut]);
        }
    }
}

#[test]
fn truncated_headers_are_reported_as_cut_short() {
    let samples = [
        (png(640, 480), 14),
        (gif(10, 10), 9),
        (tiff(500, 500, true, true), 14),
        (webp_vp8x(400, 400), 14),
    ];
    for (sample, cut) in samples {
        let err = probe_bytes(&sample[..cut]).unwrap_err();
        assert!(matches!(err, ProbeError::Truncated { .. }), "{err}");
        assert!(
            err.to_string().contains("download or export it again"),
            "{err}"
        );
    }
}

#[test]
fn random_byte_damage_is_handled() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for sample in samples() {
        for _ in 0..300 {
            let mut damaged = sample.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] = next() as u8;
            }
            let _ = probe_bytes(&damaged);
        }
    }
}

#[test]
fn huge_length_fields_are_refused_not_trusted() {
    let giant_box = [ftyp(b"isom", &[]), {
        let mut b = 1u32.to_be_bytes().to_vec();
        b.extend(b"moov");
        b.extend((u64::MAX - 3).to_be_bytes());
        b
    }]
    .concat();
    assert!(matches!(
        probe_bytes(&giant_box),
        Err(ProbeError::Truncated { .. })
    ));
    let mut tiff_many = tiff(10, 10, true, true);
    tiff_many[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(probe_bytes(&tiff_many).is_ok());
    let mut big_id3 = id3(0);
    big_id3[6..10].copy_from_slice(&[0x7F; 4]);
    assert!(matches!(
        probe_bytes(&big_id3),
        Err(ProbeError::Truncated { .. })
    ));
    let mut bad_id3 = id3(0);
    bad_id3[6] = 0x80;
    assert!(matches!(
        probe_bytes(&bad_id3),
        Err(ProbeError::Corrupt { .. })
    ));
    let mut wav_big = wav(8000, 1, 8, 10);
    let at = wav_big.windows(4).position(|w| w == b"data").unwrap();
    wav_big[at + 4..at + 8].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    assert!(matches!(
        probe_bytes(&wav_big),
        Err(ProbeError::Truncated { .. })
    ));
}

#[test]
fn endless_fill_bytes_and_zero_byte_rate_end_cleanly() {
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend(vec![0xFF; 200_000]);
    assert!(probe_bytes(&jpeg).is_err());
    let mut zero_rate = wav(8000, 1, 8, 10);
    let at = zero_rate.windows(4).position(|w| w == b"fmt ").unwrap();
    zero_rate[at + 16..at + 20].copy_from_slice(&0u32.to_le_bytes());
    assert!(matches!(
        probe_bytes(&zero_rate),
        Err(ProbeError::Corrupt { .. })
    ));
}

#[test]
fn a_crate_reading_through_a_stream_is_stopped_by_the_read_budget() {
    use std::io::{Read, Seek, SeekFrom};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.bin");
    let len = crate::media_probe::input::READ_BUDGET + 1024 * 1024;
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mut input = crate::media_probe::input::Input::from_file(&file, "long.bin").unwrap();
    let mut stream = crate::media_probe::stream::Stream::new(&mut input);
    assert_eq!(stream.seek(SeekFrom::End(-10)).unwrap(), len - 10);
    assert!(stream.seek(SeekFrom::Current(-(len as i64))).is_err());
    stream.seek(SeekFrom::Start(0)).unwrap();
    let err = std::io::copy(&mut stream, &mut std::io::sink()).unwrap_err();
    // The crate sees an io::Error; the probe reports the real reason.
    assert_eq!(err.kind(), std::io::ErrorKind::Other);
    let mut rest = Vec::new();
    stream.seek(SeekFrom::Start(len - 3)).unwrap();
    assert!(
        stream.read_to_end(&mut rest).is_err(),
        "the budget stays spent"
    );
    // The stream's borrow of the input ends here.
    assert!(matches!(
        input.take_refusal(),
        Some(ProbeError::TooComplex { .. })
    ));
}

#[test]
fn a_stream_over_a_range_sees_only_that_range() {
    use std::io::{Read, Seek, SeekFrom};
    let bytes: Vec<u8> = (0..=255).collect();
    let mut input = crate::media_probe::input::Input::bytes(&bytes);
    let mut stream = crate::media_probe::stream::Stream::range(&mut input, 10, 20);
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    assert_eq!(all, (10..20).collect::<Vec<u8>>());
    assert_eq!(stream.seek(SeekFrom::End(-1)).unwrap(), 9);
    let mut last = [0; 4];
    assert_eq!(stream.read(&mut last).unwrap(), 1);
    assert_eq!(last[0], 19);
}
