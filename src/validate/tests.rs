use super::*;

fn params(prompt: &str) -> SubmitTaskParams {
    SubmitTaskParams {
        prompt: prompt.to_owned(),
        ..SubmitTaskParams::default()
    }
}

fn urls(n: usize, kind: &str) -> Vec<String> {
    (1..=n)
        .map(|i| format!("https://cdn.example.com/{kind}{i}"))
        .collect()
}

fn field_of(p: &SubmitTaskParams) -> String {
    submit(p).expect_err("should be refused").field
}

#[test]
fn defaults_make_a_five_second_fast_omni_video() {
    let request = submit(&params("a red kite over the sea")).unwrap();
    assert_eq!(request.model, ModelChoice::Known(KnownModel::SeedanceFast));
    let Generation::Video(video) = request.generation else {
        panic!("video expected")
    };
    assert_eq!(
        (video.duration, video.tier, video.ratio),
        (5, VideoTier::Fast, None)
    );
    assert!(matches!(video.inputs, VideoInputs::Omni { .. }));
}

#[test]
fn duration_is_checked_at_both_ends() {
    for (d, ok) in [
        (3, false),
        (4, true),
        (15, true),
        (16, false),
        (20, false),
        (-1, false),
    ] {
        let mut p = params("x");
        p.duration = Some(d);
        assert_eq!(submit(&p).is_ok(), ok, "duration {d}");
    }
    let mut p = params("x");
    p.duration = Some(20);
    let err = submit(&p).unwrap_err();
    assert_eq!(err.field, "duration");
    assert!(err.to_string().contains("4-15"), "{err}");
}

#[test]
fn ratio_must_be_one_of_the_supported_values() {
    let mut p = params("x");
    p.ratio = Some("9:16".into());
    assert!(submit(&p).is_ok());
    p.ratio = Some("2:1".into());
    let err = submit(&p).unwrap_err();
    assert_eq!(err.field, "ratio");
    assert!(err.fix.contains("16:9"), "{err}");
}

#[test]
fn list_limits_are_enforced_one_past_the_limit() {
    let mut p = params("x");
    p.image_files = urls(9, "i");
    assert!(submit(&p).is_ok());
    p.image_files = urls(10, "i");
    assert_eq!(field_of(&p), "image_files");
    let mut p = params("x");
    p.image_files = urls(1, "i");
    p.video_files = urls(3, "v");
    assert!(submit(&p).is_ok());
    p.video_files = urls(4, "v");
    assert_eq!(field_of(&p), "video_files");
    p.video_files = urls(1, "v");
    p.audio_files = urls(4, "a");
    assert_eq!(field_of(&p), "audio_files");
}

#[test]
fn twelve_files_in_all_is_the_limit() {
    let mut p = params("x");
    p.image_files = urls(9, "i");
    p.video_files = urls(3, "v");
    assert!(submit(&p).is_ok());
    p.audio_files = urls(1, "a");
    let err = submit(&p).unwrap_err();
    assert!(err.problem.contains("13 files"), "{err}");
}

#[test]
fn audio_alone_is_each_providers_call_and_only_seed2_takes_it() {
    let mut p = params("x");
    p.audio_files = urls(1, "a");
    let request = submit(&p).expect("validation leaves it to the provider");
    for entry in crate::providers::registry::entries() {
        let checked = entry.capabilities.check(entry.id, &request);
        let summary = entry.capabilities.summary(entry.id);
        if entry.id.as_str() == "seed2" {
            assert!(checked.is_ok(), "its README sends audio alone: {checked:?}");
            assert!(
                summary.contains("3 audio (audio may go alone)"),
                "{summary}"
            );
            continue;
        }
        if entry.capabilities.max_audios > 0 {
            assert!(
                summary.contains("audio (audio only beside an image or video)"),
                "{summary}"
            );
        }
        let err = checked.expect_err(entry.id.as_str());
        assert_eq!(err.kind(), crate::error::ErrorKind::Unsupported, "{err}");
        // seedance2ai.io takes no audio at all, which it says first.
        if entry.capabilities.max_audios > 0 {
            let text = err.to_string();
            assert!(
                text.contains("`audio_files` as the only reference"),
                "{text}"
            );
        }
    }
    // Beside an image, every provider that takes audio at all takes it.
    p.image_files = urls(1, "i");
    let request = submit(&p).unwrap();
    for entry in crate::providers::registry::entries() {
        let checked = entry.capabilities.check(entry.id, &request);
        assert_eq!(
            checked.is_ok(),
            entry.capabilities.max_audios > 0,
            "{}",
            entry.id
        );
    }
}

#[test]
fn references_must_point_at_existing_entries() {
    let mut p = params("@image_file_1 walks, then @image_file_3 waves");
    p.image_files = urls(1, "i");
    let err = submit(&p).unwrap_err();
    assert_eq!(err.field, "prompt");
    assert!(err.problem.contains("@image_file_3"), "{err}");
    p.image_files = urls(3, "i");
    assert!(submit(&p).is_ok());
    let mut p = params("music from @audio_file_1 over @video_file_2");
    p.video_files = urls(2, "v");
    assert!(submit(&p).unwrap_err().problem.contains("@audio_file_1"));
    let p = params("@image_file_0 is never valid");
    assert_eq!(field_of(&p), "prompt");
}

#[test]
fn legacy_chinese_references_are_checked_too() {
    let mut p = params("@图片2 在跳舞，配乐 @音频1");
    p.image_files = urls(1, "i");
    p.audio_files = urls(1, "a");
    assert!(submit(&p).unwrap_err().problem.contains("@图片2"));
    p.image_files = urls(2, "i");
    assert!(submit(&p).is_ok());
    let mut p = params("@视频1");
    p.image_files = urls(1, "i");
    assert!(submit(&p).unwrap_err().problem.contains("@视频1"));
}

#[test]
fn first_last_frames_takes_frames_but_no_video_or_audio() {
    let mut p = params("turn from day to night");
    p.mode = Some("first_last_frames".into());
    p.first_frame = Some("https://c.example/a.png".into());
    p.last_frame = Some("https://c.example/b.png".into());
    let Generation::Video(v) = submit(&p).unwrap().generation else {
        panic!()
    };
    assert!(matches!(
        v.inputs,
        VideoInputs::Frames {
            first: Some(_),
            last: Some(_)
        }
    ));
    p.video_files = urls(1, "v");
    assert_eq!(field_of(&p), "video_files");
    let mut p = params("x");
    p.mode = Some("first_last_frames".into());
    p.image_files = urls(3, "i");
    assert_eq!(field_of(&p), "image_files");
    // No file list at all, not even one or two images: the frames have their fields.
    for n in [1, 2] {
        p.image_files = urls(n, "i");
        assert_eq!(field_of(&p), "image_files");
        assert!(submit(&p).unwrap_err().fix.contains("first_frame"));
    }
    p.image_files.clear();
    let mut p = params("x");
    p.mode = Some("first_last_frames".into());
    p.last_frame = Some("https://c.example/b.png".into());
    assert_eq!(field_of(&p), "last_frame");
}

#[test]
fn frames_outside_their_mode_are_refused_with_the_way_round() {
    let mut p = params("x");
    p.first_frame = Some("https://c.example/a.png".into());
    let err = submit(&p).unwrap_err();
    assert_eq!(err.field, "first_frame");
    assert!(err.fix.contains("first_last_frames"));
}

#[test]
fn local_files_pass_by_form_and_junk_urls_are_refused_with_advice() {
    // Local files are read, confined and measured later (service::media), not here.
    for local in [
        "/home/me/cat.png",
        "cat.png",
        "file:///etc/passwd",
        "C:/clips/a.png",
    ] {
        let mut p = params("x");
        p.image_files = vec![local.to_owned()];
        assert!(submit(&p).is_ok(), "{local}");
    }
    for bad in ["ftp://x/y.png", "javascript:alert(1)", ""] {
        let mut p = params("x");
        p.image_files = vec![bad.to_owned()];
        let err = submit(&p).unwrap_err();
        assert_eq!(err.field, "image_files[0]", "{bad}");
    }
    let mut p = params("x");
    p.image_files = vec!["ftp://x/y.png".into()];
    assert!(submit(&p).unwrap_err().fix.contains("path of a file"));
    assert_eq!(scheme("https://a"), Some("https"));
    assert_eq!(scheme("C:/a.png"), None);
    assert_eq!(scheme("./a:b.png"), None);
}

#[test]
fn image_models_take_image_fields_only() {
    let mut p = params("a teapot");
    p.model = Some("seedream-4.5".into());
    p.num_images = Some(6);
    p.image_size = Some("square_hd".into());
    let Generation::Image(i) = submit(&p).unwrap().generation else {
        panic!()
    };
    assert_eq!((i.num_images, i.edit), (6, false));
    p.num_images = Some(7);
    assert_eq!(field_of(&p), "num_images");
    p.num_images = Some(1);
    p.duration = Some(5);
    assert_eq!(field_of(&p), "duration");
    let mut p = params("make it blue");
    p.model = Some("seedream-4.5-edit".into());
    assert_eq!(field_of(&p), "image_urls");
    p.image_urls = urls(1, "i");
    assert!(submit(&p).is_ok());
    p.image_size = Some("huge".into());
    assert_eq!(field_of(&p), "image_size");
}

#[test]
fn video_models_refuse_image_fields() {
    let mut p = params("x");
    p.num_images = Some(2);
    assert_eq!(field_of(&p), "num_images");
}

#[test]
fn native_model_ids_pass_through() {
    let mut p = params("x");
    p.model = Some("st-ai/super-seed2".into());
    assert_eq!(
        submit(&p).unwrap().model,
        ModelChoice::Native("st-ai/super-seed2".into())
    );
}

#[test]
fn empty_prompt_and_unknown_mode_are_refused() {
    assert_eq!(field_of(&params("   ")), "prompt");
    let mut p = params("x");
    p.mode = Some("omni".into());
    assert_eq!(field_of(&p), "mode");
}

#[test]
fn uploads_need_exactly_one_source_and_real_image_bytes() {
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .encode(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\0\0\0\0");
    assert!(matches!(
        upload(None, Some(&png)),
        Ok(ImageUpload::Bytes(_))
    ));
    let data_url = format!("data:image/png;base64,{png}");
    assert!(upload(None, Some(&data_url)).is_ok());
    assert_eq!(upload(None, None).unwrap_err().field, "image_data");
    assert_eq!(
        upload(Some("https://x.example/a.png"), Some(&png))
            .unwrap_err()
            .field,
        "image_url"
    );
    let text = base64::engine::general_purpose::STANDARD.encode(b"hello world");
    assert!(
        upload(None, Some(&text))
            .unwrap_err()
            .problem
            .contains("not a PNG")
    );
    assert!(
        upload(None, Some("@@@"))
            .unwrap_err()
            .problem
            .contains("base64")
    );
    assert!(upload(Some("ftp://x/a.png"), None).is_err());
    // A local path passes by form; the service confines it before reading.
    assert!(upload(Some("/etc/passwd"), None).is_ok());
}

#[test]
fn the_image_models_take_their_own_ratios_channel_and_format() {
    let image = |model: &str, extra: serde_json::Value| {
        let mut args = serde_json::json!({"prompt": "a lantern", "model": model});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        submit(&serde_json::from_value(args).unwrap())
    };
    let ratio_of = |request: &GenerationRequest| match &request.generation {
        Generation::Image(i) => i.ratio,
        Generation::Video(_) => panic!("an image request"),
    };
    // gpt-image-2: every documented ratio, and the economy channel.
    for word in ["9:21", "2:1", "1:3", "5:4", "auto"] {
        let request = image("gpt-image-2", serde_json::json!({ "ratio": word })).unwrap();
        assert_eq!(ratio_of(&request).map(ImageRatio::as_str), Some(word));
    }
    let adaptive = image("gpt-image-2", serde_json::json!({"ratio": "adaptive"})).unwrap();
    assert_eq!(ratio_of(&adaptive), Some(ImageRatio::Auto));
    let economy = image("gpt-image-2", serde_json::json!({"channel": "economy"})).unwrap();
    assert_eq!(economy.options.get::<Channel>(), Some(&Channel::Economy));
    let real = image("gpt-image-2", serde_json::json!({"channel": "real"})).unwrap_err();
    assert_eq!(real.field, "channel");
    assert!(real.fix.contains("standard or economy"), "{real}");
    // nano-banana-pro: output_format, but no channel.
    let jpeg = image(
        "nano-banana-pro",
        serde_json::json!({"output_format": "jpeg"}),
    )
    .unwrap();
    assert_eq!(
        jpeg.options.get::<OutputFormat>(),
        Some(&OutputFormat::Jpeg)
    );
    let gif = image(
        "nano-banana-pro",
        serde_json::json!({"output_format": "gif"}),
    )
    .unwrap_err();
    assert_eq!(gif.field, "output_format");
    let field = |model: &str, extra| image(model, extra).unwrap_err().field;
    assert_eq!(
        field("nano-banana-pro", serde_json::json!({"channel": "economy"})),
        "channel"
    );
    assert_eq!(
        field("gpt-image-2", serde_json::json!({"output_format": "png"})),
        "output_format"
    );
    assert_eq!(
        field("gpt-image-2", serde_json::json!({"ratio": "7:5"})),
        "ratio"
    );
    // Video keeps its own words.
    let mut p = params("x");
    p.ratio = Some("5:4".into());
    assert_eq!(field_of(&p), "ratio");
    let mut p = params("x");
    p.channel = Some("economy".into());
    let err = submit(&p).unwrap_err();
    assert_eq!(err.field, "channel");
    assert!(err.fix.contains("standard, real or wild"), "{err}");
    let mut p = params("x");
    p.output_format = Some("png".into());
    assert_eq!(field_of(&p), "output_format");
    // A backend with the model but not the option refuses the option, for
    // images as for video.
    let seedance2ai = crate::providers::registry::find("seedance2ai").unwrap();
    let without_options = crate::providers::Capabilities {
        options: &[],
        ..seedance2ai.capabilities.clone()
    };
    let err = without_options.check(seedance2ai.id, &economy).unwrap_err();
    assert!(err.to_string().contains("`channel`"), "{err}");
    assert!(
        seedance2ai
            .capabilities
            .check(seedance2ai.id, &economy)
            .is_ok()
    );
    assert!(
        seedance2ai
            .capabilities
            .check(seedance2ai.id, &jpeg)
            .is_ok()
    );
}
