mod build;
mod limits;
mod robust;

use std::time::Duration;

use super::*;
use build::*;

fn dims(bytes: &[u8]) -> (MediaFormat, Option<u32>, Option<u32>) {
    let probe = probe_bytes(bytes).unwrap();
    assert_eq!(probe.size_bytes, bytes.len() as u64);
    assert_eq!(probe.mime, probe.format.mime());
    assert_eq!(probe.kind, probe.format.kind());
    (probe.format, probe.width, probe.height)
}

fn duration_of(bytes: &[u8]) -> (MediaFormat, Duration) {
    let probe = probe_bytes(bytes).unwrap();
    (probe.format, probe.duration.unwrap())
}

fn secs(num: u64, den: u64) -> Duration {
    fraction(num, den).unwrap()
}

#[test]
fn png_size_comes_from_ihdr() {
    assert_eq!(
        dims(&png(640, 480)),
        (MediaFormat::Png, Some(640), Some(480))
    );
}

#[test]
fn jpeg_size_comes_from_the_frame_header() {
    for sof in [0xC0, 0xC1, 0xC2, 0xC9] {
        assert_eq!(
            dims(&jpeg(1920, 1080, sof)),
            (MediaFormat::Jpeg, Some(1920), Some(1080))
        );
    }
    assert_eq!(
        dims(&jpeg_with_dnl(800, 600)),
        (MediaFormat::Jpeg, Some(800), Some(600))
    );
}

#[test]
fn jpeg_without_a_frame_header_is_refused() {
    let mut bytes = vec![0xFF, 0xD8];
    bytes.extend([0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xD9]);
    let err = probe_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ProbeError::Corrupt { .. }), "{err}");
    let scan_first = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9];
    assert!(matches!(
        probe_bytes(&scan_first),
        Err(ProbeError::Corrupt { .. })
    ));
}

#[test]
fn gif_bmp_and_webp_sizes() {
    assert_eq!(
        dims(&gif(500, 400)),
        (MediaFormat::Gif, Some(500), Some(400))
    );
    assert_eq!(
        dims(&bmp(1024, 768, false)),
        (MediaFormat::Bmp, Some(1024), Some(768))
    );
    assert_eq!(
        dims(&bmp(1024, -768, false)),
        (MediaFormat::Bmp, Some(1024), Some(768))
    );
    assert_eq!(
        dims(&bmp(320, 200, true)),
        (MediaFormat::Bmp, Some(320), Some(200))
    );
    assert!(matches!(
        probe_bytes(&bmp(-5, 10, false)),
        Err(ProbeError::Corrupt { .. })
    ));
    assert_eq!(
        dims(&webp_vp8(1280, 720)),
        (MediaFormat::Webp, Some(1280), Some(720))
    );
    assert_eq!(
        dims(&webp_vp8l(16383, 1)),
        (MediaFormat::Webp, Some(16383), Some(1))
    );
    assert_eq!(
        dims(&webp_vp8x(5000, 300)),
        (MediaFormat::Webp, Some(5000), Some(300))
    );
}

#[test]
fn a_gif_that_ends_right_after_its_size_is_measured() {
    assert_eq!(
        dims(b"GIF89a\x01\0\x02\0"),
        (MediaFormat::Gif, Some(1), Some(2))
    );
}

#[test]
fn tiff_size_in_both_byte_orders_and_field_types() {
    for little in [true, false] {
        for long in [true, false] {
            assert_eq!(
                dims(&tiff(3000, 2000, little, long)),
                (MediaFormat::Tiff, Some(3000), Some(2000)),
                "little={little} long={long}"
            );
        }
    }
}

#[test]
fn heic_size_is_the_primary_items_not_the_first_tiles() {
    assert_eq!(
        dims(&heic(4032, 3024, false)),
        (MediaFormat::Heic, Some(4032), Some(3024))
    );
    assert_eq!(
        dims(&heic(4032, 3024, true)),
        (MediaFormat::Heic, Some(3024), Some(4032))
    );
    let bare = [ftyp(b"mif1", &[b"heic"]), bx(b"mdat", &[0; 8])].concat();
    assert_eq!(dims(&bare), (MediaFormat::Heic, None, None));
}

#[test]
fn avif_and_m4a_are_not_mistaken_for_heic_or_video() {
    for bytes in [
        ftyp(b"avif", &[b"mif1"]),
        ftyp(b"mif1", &[b"avif"]),
        ftyp(b"M4A ", &[b"isom"]),
    ] {
        let err = probe_bytes(&bytes).unwrap_err();
        assert!(matches!(err, ProbeError::UnknownFormat { .. }), "{err}");
    }
}

fn movie(major: &[u8; 4], moov: Vec<u8>, moov_first: bool) -> Vec<u8> {
    let head = ftyp(major, &[b"isom", b"mp42"]);
    let mdat = mdat64(5000);
    if moov_first {
        [head, moov, mdat].concat()
    } else {
        [head, mdat, moov].concat()
    }
}

#[test]
fn mp4_duration_and_size_from_mvhd_and_the_video_track() {
    let moov = bx(
        b"moov",
        &[
            mvhd(0, 600, 6030),
            trak(0, b"soun", 0, 0, false),
            trak(0, b"vide", 1280, 720, false),
        ]
        .concat(),
    );
    let probe = probe_bytes(&movie(b"isom", moov.clone(), true)).unwrap();
    assert_eq!(
        (probe.format, probe.width, probe.height),
        (MediaFormat::Mp4, Some(1280), Some(720))
    );
    assert_eq!(probe.duration, Some(Duration::from_millis(10_050)));
    let after = probe_bytes(&movie(b"mp42", moov, false)).unwrap();
    assert_eq!(after.duration, Some(Duration::from_millis(10_050)));
}

#[test]
fn mvhd_version_1_and_quarter_turned_tracks() {
    let moov = bx(
        b"moov",
        &[
            mvhd(1, 90_000, 1_350_000),
            trak(1, b"vide", 1920, 1080, true),
        ]
        .concat(),
    );
    let probe = probe_bytes(&movie(b"qt  ", moov, false)).unwrap();
    assert_eq!(probe.format, MediaFormat::Mov);
    assert_eq!(probe.mime, "video/quicktime");
    assert_eq!((probe.width, probe.height), (Some(1080), Some(1920)));
    assert_eq!(probe.duration, Some(Duration::from_secs(15)));
}

#[test]
fn unknown_or_fragmented_durations() {
    let unknown = bx(b"moov", &mvhd(0, 1000, u64::from(u32::MAX)));
    assert_eq!(
        probe_bytes(&movie(b"isom", unknown, true))
            .unwrap()
            .duration,
        None
    );
    let mehd = full(b"mehd", 0, &4500u32.to_be_bytes());
    let fragmented = bx(b"moov", &[mvhd(0, 1000, 0), bx(b"mvex", &mehd)].concat());
    assert_eq!(
        probe_bytes(&movie(b"iso6", fragmented, true))
            .unwrap()
            .duration,
        Some(Duration::from_millis(4500))
    );
}

#[test]
fn box_size_zero_runs_to_the_end_and_old_quicktime_has_no_ftyp() {
    let moov = bx(b"moov", &mvhd(0, 1000, 3000));
    let mut open_ended = [ftyp(b"isom", &[]), moov.clone()].concat();
    open_ended.extend([0, 0, 0, 0]);
    open_ended.extend(b"mdat");
    open_ended.extend([7; 100]);
    assert_eq!(
        duration_of(&open_ended),
        (MediaFormat::Mp4, Duration::from_secs(3))
    );
    let old = [bx(b"wide", &[]), bx(b"mdat", &[1; 10]), moov].concat();
    assert_eq!(
        duration_of(&old),
        (MediaFormat::Mov, Duration::from_secs(3))
    );
}

#[test]
fn quicktime_handler_names_and_padded_headers_do_not_fail_a_movie() {
    // A QuickTime hdlr name is a counted string in a legacy encoding (here Mac
    // Roman 0xA9, not UTF-8), and some writers pad a header past its fields.
    let name = b"\x0cApple \xA9 Video";
    let mut padded_mvhd = mvhd(0, 1000, 4000);
    padded_mvhd.extend([0; 4]);
    let len = padded_mvhd.len() as u32;
    padded_mvhd[..4].copy_from_slice(&len.to_be_bytes());
    let moov = bx(
        b"moov",
        &[padded_mvhd, trak_named(0, b"vide", name, 640, 480, false)].concat(),
    );
    let probe = probe_bytes(&movie(b"qt  ", moov, true)).unwrap();
    assert_eq!(probe.duration, Some(Duration::from_secs(4)));
    assert_eq!((probe.width, probe.height), (Some(640), Some(480)));
}

#[test]
fn movies_without_an_index_are_refused() {
    let bytes = [ftyp(b"isom", &[]), bx(b"mdat", &[0; 100])].concat();
    let err = probe_bytes(&bytes).unwrap_err();
    assert!(matches!(err, ProbeError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("moov"), "{err}");
}

#[test]
fn wav_duration_is_data_over_byte_rate() {
    let (format, duration) = duration_of(&wav(8000, 1, 16, 8000 * 2 * 15));
    assert_eq!(
        (format, duration),
        (MediaFormat::Wav, Duration::from_secs(15))
    );
    let (_, duration) = duration_of(&wav(44_100, 2, 16, 44_100 * 4 / 10 * 25));
    assert_eq!(duration, Duration::from_millis(2500));
    let mut stereo = wav(22_050, 2, 8, 3);
    let probe = probe_bytes(&stereo).unwrap();
    assert_eq!(probe.duration, Some(secs(3, 44_100)));
    stereo.truncate(stereo.len() - 3);
    assert!(matches!(
        probe_bytes(&stereo),
        Err(ProbeError::Truncated { .. })
    ));
}

#[test]
fn wav_with_a_streaming_size_uses_what_is_there() {
    let mut bytes = wav(8000, 1, 8, 16_000);
    let data_at = bytes.windows(4).position(|w| w == b"data").unwrap();
    bytes[data_at + 4..data_at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(duration_of(&bytes).1, Duration::from_secs(2));
}

#[test]
fn mp3_duration_from_xing_info_and_vbri_headers() {
    assert_eq!(
        duration_of(&mp3_xing(b"Xing", 575)),
        (MediaFormat::Mp3, secs(575 * 1152, 44_100))
    );
    assert_eq!(
        duration_of(&mp3_xing(b"Info", 100)).1,
        secs(100 * 1152, 44_100)
    );
    assert_eq!(duration_of(&mp3_vbri(1000)).1, secs(1000 * 1152, 44_100));
}

#[test]
fn mp3_from_lame_leaves_out_the_encoder_delay_and_padding() {
    // LAME stores its own 576-sample delay; decoders add 529 to it and take the
    // same 529 off the stored padding.
    let probe = probe_bytes(&mp3_lame(100, 576, 1000)).unwrap();
    let played = 100 * 1152 - (576 + 529) - (1000 - 529);
    assert_eq!(probe.duration, Some(secs(played, 44_100)));
}

#[test]
fn cbr_mp3_is_timed_from_its_frames() {
    let probe = probe_bytes(&mp3_cbr(383)).unwrap();
    assert_eq!((probe.format, probe.mime), (MediaFormat::Mp3, "audio/mpeg"));
    assert_eq!(probe.duration, Some(secs(383 * 1152, 44_100)));
}

#[test]
fn mp3_after_junk_and_mono_mpeg2_xing() {
    let mut bytes = id3(10);
    bytes.extend([0xFF, 0x00, 0xFF, 0xFB, 0x00, 0x12]); // false syncs
    for _ in 0..40 {
        bytes.extend(mp3_frame(MP3_HEADER, MP3_FRAME));
    }
    assert_eq!(duration_of(&bytes).1, secs(40 * 1152, 44_100));
    // MPEG-2 layer III, 64 kbit/s, 22.05 kHz, mono: 576 samples, Xing at 4 + 9.
    let header = [0xFF, 0xF3, 0x80, 0xC4];
    let mut first = mp3_frame(header, 208);
    first.splice(
        13..25,
        [
            b"Xing".as_slice(),
            &1u32.to_be_bytes(),
            &900u32.to_be_bytes(),
        ]
        .concat(),
    );
    let mut bytes = first;
    bytes.extend(mp3_frame(header, 208));
    assert_eq!(duration_of(&bytes).1, secs(900 * 576, 22_050));
}

#[test]
fn long_cbr_mp3_is_projected_from_its_first_frames() {
    let frames = 8000; // 3.3 MB
    let probe = probe_bytes(&mp3_cbr(frames)).unwrap();
    let exact = secs(frames as u64 * 1152, 44_100).as_secs_f64();
    let got = probe.duration.unwrap().as_secs_f64();
    assert!((got - exact).abs() < 0.5, "{got} vs {exact}");
}

#[test]
fn unknown_files_say_what_they_look_like_and_what_is_accepted() {
    let err = probe_bytes(b"PK\x03\x04\x14\x00\x00\x00rest of a zip").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("starts with bytes 50 4B 03 04 (a zip archive?)"),
        "{message}"
    );
    assert!(
        message.contains("JPEG, PNG")
            && message.contains("MP4, MOV")
            && message.contains("WAV, MP3")
    );
    assert!(
        !message.contains("rest of a zip"),
        "no contents beyond four bytes: {message}"
    );
    let text = probe_bytes(b"<!DOCTYPE html><html>")
        .unwrap_err()
        .to_string();
    assert!(text.contains("text"), "{text}");
    let odd = probe_bytes(&[0x00, 0x01, 0x02, 0x03, 0x04])
        .unwrap_err()
        .to_string();
    assert!(
        odd.contains("00 01 02 03, which match no known media format"),
        "{odd}"
    );
    assert!(matches!(probe_bytes(&[]), Err(ProbeError::Empty { .. })));
}

#[test]
fn files_are_probed_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holiday.mp3"); // a PNG in disguise
    std::fs::write(&path, png(800, 600)).unwrap();
    let probe = probe_path(&path).unwrap();
    assert_eq!((probe.format, probe.width), (MediaFormat::Png, Some(800)));
    let err = probe_path(dir.path()).unwrap_err();
    assert!(matches!(err, ProbeError::NotAFile { .. }), "{err}");
    #[cfg(unix)]
    {
        let socket = dir.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(matches!(
            probe_path(&socket),
            Err(ProbeError::NotAFile { .. })
        ));
    }
    let err = probe_path(&dir.path().join("missing.png")).unwrap_err();
    assert!(err.to_string().contains("missing.png"), "{err}");
}

#[test]
fn a_60_mb_movie_is_probed_without_reading_its_media_data() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mp4");
    let mut file = std::fs::File::create(&path).unwrap();
    let payload = 60u64 * 1024 * 1024;
    let head = ftyp(b"isom", &[b"avc1"]);
    file.write_all(&head).unwrap();
    file.write_all(&1u32.to_be_bytes()).unwrap();
    file.write_all(b"mdat").unwrap();
    file.write_all(&(payload + 16).to_be_bytes()).unwrap();
    file.seek(SeekFrom::Current(payload as i64)).unwrap();
    file.write_all(&bx(
        b"moov",
        &[mvhd(1, 1000, 12_345), trak(0, b"vide", 720, 1280, false)].concat(),
    ))
    .unwrap();
    drop(file);
    let probe = probe_path(&path).unwrap();
    assert_eq!(probe.duration, Some(Duration::from_millis(12_345)));
    assert_eq!((probe.width, probe.height), (Some(720), Some(1280)));
    assert!(probe.size_bytes > payload);
}

#[test]
fn a_5_gib_sparse_movie_costs_a_few_windows_of_reading() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.mov");
    let mut file = std::fs::File::create(&path).unwrap();
    // Past 4 GiB, so the mdat needs a 64-bit size; a hole on disk, so the test
    // writes a few hundred bytes.
    let payload = 5u64 * 1024 * 1024 * 1024;
    file.write_all(&ftyp(b"qt  ", &[b"qt  "])).unwrap();
    file.write_all(&1u32.to_be_bytes()).unwrap();
    file.write_all(b"mdat").unwrap();
    file.write_all(&(payload + 16).to_be_bytes()).unwrap();
    file.seek(SeekFrom::Current(payload as i64)).unwrap();
    file.write_all(&bx(
        b"moov",
        &[mvhd(0, 600, 5400), trak(0, b"vide", 1920, 1080, true)].concat(),
    ))
    .unwrap();
    drop(file);
    let file = std::fs::File::open(&path).unwrap();
    let mut input = input::Input::from_file(&file, "huge.mov").unwrap();
    let probe = probe_input(&mut input).unwrap();
    assert_eq!(probe.format, MediaFormat::Mov);
    assert_eq!(probe.duration, Some(Duration::from_secs(9)));
    assert_eq!((probe.width, probe.height), (Some(1080), Some(1920)));
    assert!(probe.size_bytes > payload);
    // One window for the head, one for the index at the end: the payload
    // between them is skipped by its size, never read.
    let read = input.fetched();
    assert!(read <= 2 * input::WINDOW as u64, "read {read} bytes");
}
