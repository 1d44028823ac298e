use super::*;

fn params(json: serde_json::Value) -> SubmitTaskParams {
    serde_json::from_value(json).unwrap()
}

#[test]
fn only_entries_the_provider_cannot_fetch_are_wanted() {
    let p = params(serde_json::json!({
        "prompt": "x",
        "image_files": ["https://c.example/a.png", "a.png", "data:image/png;base64,AAAA"],
        "audio_files": ["file:///m/v.wav"],
        "video_files": ["asset://abc"],
    }));
    let wanted: Vec<_> = wants(&p).into_iter().map(|w| (w.field, w.kind)).collect();
    assert_eq!(
        wanted,
        [
            ("image_files[1]".to_owned(), MediaKind::Image),
            ("image_files[2]".to_owned(), MediaKind::Image),
            ("audio_files[0]".to_owned(), MediaKind::Audio),
        ]
    );
    assert!(reads_files(&p));
    assert!(
        is_local_path("../x.png") && is_local_path("file:///x") && !is_local_path("data:a;base64,")
    );
    assert!(is_remote("HTTPS://x/y") && is_remote("asset://1") && !is_remote("C:/x"));
}

#[test]
fn sizes_read_naturally_in_previews() {
    let probe = |size_bytes| {
        crate::media_probe::probe_bytes(b"GIF89a\x01\0\x01\0")
            .map(|p| Probe { size_bytes, ..p })
            .unwrap()
    };
    let file = |size| LocalFile {
        raw: String::new(),
        label: String::new(),
        probe: probe(size),
        sha256: [0; 32],
        source: Source::Bytes(bytes::Bytes::new()),
        token: String::new(),
        hosted: None,
    };
    assert_eq!(file(100).size(), "100 bytes");
    assert_eq!(file(2_100_000).size(), "2.1 MB");
    assert_eq!(file(340_001).size(), "341 KB");
}
