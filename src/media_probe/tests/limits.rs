use std::time::Duration;

use crate::media_probe::limits::{Asset, AssetLimits, LimitViolation};
use crate::media_probe::{MediaFormat, Probe};

const MIB: u64 = 1024 * 1024;

fn probe(
    format: MediaFormat,
    size_bytes: u64,
    wh: Option<(u32, u32)>,
    duration: Option<Duration>,
) -> Probe {
    Probe {
        kind: format.kind(),
        format,
        size_bytes,
        width: wh.map(|(w, _)| w),
        height: wh.map(|(_, h)| h),
        duration,
        mime: format.mime(),
    }
}

fn image(w: u32, h: u32) -> Asset {
    Asset::new(
        "image_files[0]",
        "/m/pic.png",
        probe(MediaFormat::Png, 1000, Some((w, h)), None),
    )
}

fn clip(format: MediaFormat, field: &str, millis: u64) -> Asset {
    let file = format!("/m/{field}.{}", format.name().to_lowercase());
    Asset::new(
        field,
        file,
        probe(format, 1000, None, Some(Duration::from_millis(millis))),
    )
}

fn video(millis: u64) -> Asset {
    clip(MediaFormat::Mp4, "video_files[0]", millis)
}

fn audio(millis: u64) -> Asset {
    clip(MediaFormat::Mp3, "audio_files[0]", millis)
}

fn check_one(asset: &Asset) -> Vec<LimitViolation> {
    let limits = AssetLimits::seedance_2();
    match asset.probe.kind {
        crate::media_probe::MediaKind::Image => limits.check_image(asset),
        crate::media_probe::MediaKind::Video => limits.check_video(asset),
        crate::media_probe::MediaKind::Audio => limits.check_audio(asset),
    }
}

fn only(asset: &Asset, wanted: &[&str]) {
    let found = check_one(asset);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, asset.field);
    let message = &found[0].message;
    assert!(message.contains(&asset.file), "names the file: {message}");
    for part in wanted {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
}

fn fine(asset: &Asset) {
    assert_eq!(check_one(asset), vec![], "{asset:?}");
}

#[test]
fn image_sides_between_300_and_6000() {
    fine(&image(300, 300));
    fine(&image(6000, 6000));
    only(
        &image(299, 300),
        &[
            "299×300 px",
            "resize so each side is between 300 and 6000 px",
        ],
    );
    only(&image(6000, 6001), &["6000×6001"]);
}

#[test]
fn image_aspect_between_0_4_and_2_5() {
    fine(&image(750, 300));
    fine(&image(300, 750));
    only(&image(753, 300), &["2.51:1", "crop to at most 2.5:1"]);
    only(&image(300, 753), &["1:2.51", "crop to at most 1:2.5"]);
}

#[test]
fn image_bytes_at_most_30_mb() {
    let mut asset = image(1000, 1000);
    asset.probe.size_bytes = 30 * MIB;
    fine(&asset);
    asset.probe.size_bytes = 30 * MIB + 1;
    only(&asset, &["31457281 bytes", "compress below 30 MB"]);
}

#[test]
fn heic_needs_the_flag_and_other_kinds_are_refused_as_images() {
    let heic = Asset::new(
        "image_files[0]",
        "/m/a.heic",
        probe(MediaFormat::Heic, 10, Some((1000, 1000)), None),
    );
    only(&heic, &["HEIC", "convert it to JPEG or PNG"]);
    let allowing = AssetLimits {
        allow_heic: true,
        ..AssetLimits::default()
    };
    assert_eq!(allowing.check_image(&heic), vec![]);
    let mislaid = video(5000);
    let found = AssetLimits::default().check_image(&mislaid);
    assert!(
        found[0].message.contains("is an MP4 video, not an image"),
        "{found:?}"
    );
}

#[test]
fn clips_last_2_to_15_seconds() {
    for make in [video, audio] {
        fine(&make(2000));
        fine(&make(15_000));
        only(&make(15_100), &["lasts 15.1 s", "trim it to 15 s"]);
        only(&make(1_900), &["lasts 1.9 s", "at least 2 s"]);
    }
    only(&video(15_001), &["15.001 s"]);
}

#[test]
fn clip_file_sizes() {
    let mut v = video(5000);
    v.probe.size_bytes = 50 * MIB;
    fine(&v);
    v.probe.size_bytes = 50 * MIB + 1;
    only(&v, &["at most 50 MB"]);
    let mut a = audio(5000);
    a.probe.size_bytes = 15 * MIB;
    fine(&a);
    a.probe.size_bytes = 16 * MIB;
    only(&a, &["16 MB", "at most 15 MB"]);
}

#[test]
fn an_unreadable_duration_is_reported() {
    let mut v = video(5000);
    v.probe.duration = None;
    only(&v, &["could not be read"]);
}

#[test]
fn totals_per_kind_are_at_most_15_seconds() {
    let limits = AssetLimits::seedance_2();
    let pic = [image(1000, 1000)];
    let two = |make: fn(u64) -> Asset, a: u64, b: u64, second: &str| {
        let mut second_clip = make(b);
        second_clip.field = second.to_owned();
        second_clip.file = format!("/m/{second}");
        [make(a), second_clip]
    };
    let videos = two(video, 7000, 8000, "video_files[1]");
    assert_eq!(limits.check_assets(&pic, &videos, &[]), vec![]);
    let videos = two(video, 8000, 8000, "video_files[1]");
    let found = limits.check_assets(&pic, &videos, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "video_files[1]");
    assert!(
        found[0].message.contains("together last 16 s"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("trim them to 15 s in total"));
    let audios = two(audio, 10_000, 5_100, "audio_files[1]");
    let found = limits.check_assets(&pic, &[], &audios);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("15.1 s"), "{}", found[0].message);
}

#[test]
fn audio_never_goes_alone() {
    let limits = AssetLimits::seedance_2();
    let found = limits.check_assets(&[], &[], &[audio(5000)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "audio_files[0]");
    assert!(
        found[0]
            .message
            .contains("needs at least one image or video")
    );
    assert_eq!(
        limits.check_assets(&[image(1000, 1000)], &[], &[audio(5000)]),
        vec![]
    );
    assert_eq!(
        limits.check_assets(&[], &[video(5000)], &[audio(5000)]),
        vec![]
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let limits = AssetLimits::seedance_2();
    let found = limits.check_assets(&[image(100, 1000)], &[video(20_000)], &[audio(1000)]);
    let fields: Vec<&str> = found.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "image_files[0]",
            "image_files[0]",
            "video_files[0]",
            "audio_files[0]"
        ]
    );
}
