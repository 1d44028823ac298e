//! Local files and data: URLs in requests, through the MCP tools: every limit
//! just inside and just outside with nothing sent, confinement against traversal,
//! guarded fetches, delivery per provider (xskill uploads once per content, Ark
//! gets the exact bytes as a data URL), and the HTTP rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use base64::Engine;
use common::{
    call, call_err, call_ok, connect,
    media::{MIB, connect_with_roots, file_uri, mp4, png, wav, write},
    server,
};
use provider_fakes::{FakeControl, ark::FakeArk, xskill::FakeXskill};
use seedance_mcp::{
    config::Settings,
    service::{ListTasksOutput, SubmitTaskOutput, UploadImageOutput},
};
use serde_json::{Value, json};

const A_URL: &str = "https://cdn.example.com/a.png";

fn allowing(settings: Settings, dir: &Path) -> Settings {
    Settings {
        allowed_dirs: Some(dir.as_os_str().to_owned()),
        ..settings
    }
}

/// One limit: a request just inside it passes a dry run, one just outside is
/// refused naming the field, the file, the limit and the fix.
struct Case {
    field: &'static str,
    inside: Value,
    outside: Value,
    needle: &'static str,
}

async fn check_cases<H: rmcp::ClientHandler>(
    client: &rmcp::service::RunningService<rmcp::RoleClient, H>,
    cases: Vec<Case>,
) {
    for case in cases {
        let mut inside = case.inside.clone();
        inside["dry_run"] = json!(true);
        // Just inside passes.
        let _: SubmitTaskOutput = call_ok(client, "submit_task", inside).await;
        // Just outside is refused.
        let message = call_err(client, "submit_task", case.outside.clone()).await;
        assert!(
            message.starts_with("invalid_argument")
                && message.contains(&format!("`{}`", case.field))
                && message.contains(case.needle)
                && message.contains("Fix:")
                && message.contains("nothing was charged"),
            "{}: {message}",
            case.field
        );
    }
}

#[tokio::test]
async fn image_and_audio_limits_just_inside_pass_and_just_outside_are_refused_with_nothing_sent() {
    let fake = FakeArk::start().await.unwrap();
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = media.path();
    let settings = allowing(common::ark_settings(&fake, out.path()), dir);
    let client = connect(server(&settings)).await;
    let img = |name: &str, w, h, len| write(dir, name, &png(w, h), len);
    let audio =
        |name: &str, rate: u32, data: u32| write(dir, name, &wav(rate, data), 44 + u64::from(data));
    let image = |p: std::path::PathBuf| json!({"prompt": "x", "image_files": [A_URL, p]});
    let clips = |ps: Vec<std::path::PathBuf>| json!({"prompt": "x", "image_files": [A_URL], "audio_files": ps});
    let cases = vec![
        Case {
            field: "image_files[1]",
            inside: image(img("small.png", 300, 300, 100)),
            outside: image(img("tiny.png", 299, 300, 100)),
            needle: "between 300 and 6000 px",
        },
        Case {
            field: "image_files[1]",
            inside: image(img("big.png", 6000, 6000, 100)),
            outside: image(img("huge.png", 6001, 6000, 100)),
            needle: "6001×6000 px",
        },
        Case {
            field: "image_files[1]",
            inside: image(img("wide.png", 750, 300, 100)),
            outside: image(img("wider.png", 751, 300, 100)),
            needle: "beyond the 2.5:1 limit",
        },
        Case {
            field: "image_files[1]",
            inside: image(img("tall.png", 300, 750, 100)),
            outside: image(img("taller.png", 300, 751, 100)),
            needle: "beyond the 1:2.5 limit",
        },
        Case {
            field: "image_files[1]",
            inside: image(img("heavy.png", 800, 800, 30 * MIB)),
            outside: image(img("heavier.png", 800, 800, 30 * MIB + 1)),
            needle: "images may be at most 30 MB",
        },
        Case {
            field: "audio_files[0]",
            inside: clips(vec![audio("2s.wav", 8000, 16_000)]),
            outside: clips(vec![audio("short.wav", 8000, 15_992)]),
            needle: "at least 2 s",
        },
        Case {
            field: "audio_files[0]",
            inside: clips(vec![audio("15s.wav", 8000, 120_000)]),
            outside: clips(vec![audio("long.wav", 8000, 120_008)]),
            needle: "lasts 15.001 s",
        },
        Case {
            field: "audio_files[0]",
            inside: clips(vec![audio("15mb.wav", 2_000_000, (15 * MIB - 44) as u32)]),
            outside: clips(vec![audio("16mb.wav", 2_000_000, (15 * MIB - 43) as u32)]),
            needle: "at most 15 MB",
        },
        Case {
            field: "audio_files[1]",
            inside: clips(vec![
                audio("a.wav", 8000, 60_000),
                audio("b.wav", 8000, 60_000),
            ]),
            outside: clips(vec![
                audio("a.wav", 8000, 60_000),
                audio("c.wav", 8000, 60_008),
            ]),
            needle: "together last 15.001 s",
        },
    ];
    check_cases(&client, cases).await;
    assert!(
        fake.requests().is_empty(),
        "nothing may reach Ark: {:?}",
        fake.requests()
    );
}

#[tokio::test]
async fn video_limits_just_inside_pass_and_just_outside_are_refused() {
    // Ark and xskill take local videos only as URLs, so the simulator checks them.
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = media.path();
    let client = connect(server(&allowing(common::settings(out.path()), dir))).await;
    let clip = |name: &str, millis, len| write(dir, name, &mp4(millis), len);
    let videos = |ps: Vec<std::path::PathBuf>| json!({"prompt": "x", "video_files": ps});
    let cases = vec![
        Case {
            field: "video_files[0]",
            inside: videos(vec![clip("2s.mp4", 2000, 1000)]),
            outside: videos(vec![clip("short.mp4", 1999, 1000)]),
            needle: "at least 2 s",
        },
        Case {
            field: "video_files[0]",
            inside: videos(vec![clip("15s.mp4", 15_000, 1000)]),
            outside: videos(vec![clip("long.mp4", 15_001, 1000)]),
            needle: "lasts 15.001 s",
        },
        Case {
            field: "video_files[0]",
            inside: videos(vec![clip("50mb.mp4", 5000, 50 * MIB)]),
            outside: videos(vec![clip("51mb.mp4", 5000, 50 * MIB + 1)]),
            needle: "at most 50 MB",
        },
        Case {
            field: "video_files[1]",
            inside: videos(vec![clip("a.mp4", 7500, 1000), clip("b.mp4", 7500, 1000)]),
            outside: videos(vec![clip("a.mp4", 7500, 1000), clip("c.mp4", 7501, 1000)]),
            needle: "together last 15.001 s",
        },
    ];
    check_cases(&client, cases).await;
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "no refused request is journalled");
}

#[tokio::test]
async fn every_problem_of_a_request_is_reported_at_once() {
    let fake = FakeArk::start().await.unwrap();
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = media.path();
    let client = connect(server(&allowing(
        common::ark_settings(&fake, out.path()),
        dir,
    )))
    .await;
    write(dir, "notes.txt", b"just some text, not media", 25);
    write(dir, "tiny.png", &png(10, 10), 100);
    let message = call_err(
        &client,
        "submit_task",
        json!({"prompt": "x", "image_files": [dir.join("notes.txt"), dir.join("tiny.png"), dir.join("missing.png")]}),
    )
    .await;
    for needle in [
        "`image_files[0]`",
        "text, such as HTML",
        "`image_files[1]`",
        "10×10 px",
        "`image_files[2]`",
        "no such file",
    ] {
        assert!(message.contains(needle), "{needle} missing from {message}");
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn traversal_and_secret_paths_are_refused_with_a_clear_message() {
    let fake = FakeArk::start().await.unwrap();
    let (out, base) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let root = base.path().join("project");
    std::fs::create_dir_all(root.join(".ssh")).unwrap();
    write(base.path(), "secret.png", &png(400, 400), 100);
    write(&root.join(".ssh"), "key.png", &png(400, 400), 100);
    std::os::unix::fs::symlink(base.path().join("secret.png"), root.join("link.png")).unwrap();
    let (client, _) = connect_with_roots(
        server(&common::ark_settings(&fake, out.path())),
        vec![file_uri(&root)],
    )
    .await;
    let root_uri = file_uri(&root);
    let cases = [
        ("../secret.png".to_owned(), "outside the allowed folders"),
        ("link.png".to_owned(), "(really "),
        ("/etc/passwd".to_owned(), "outside the allowed folders"),
        ("~/.ssh/id_rsa".to_owned(), "starts with ~"),
        (format!("{root_uri}/%2e%2e%2fsecret.png"), "contains '..'"),
        (format!("{root_uri}/../secret.png"), "contains '..'"),
        (".ssh/key.png".to_owned(), "holds credentials"),
        (
            "file://evil.example/etc/passwd".to_owned(),
            "names the host",
        ),
    ];
    for (path, needle) in cases {
        let message = call_err(
            &client,
            "submit_task",
            json!({"prompt": "x", "image_files": [path]}),
        )
        .await;
        assert!(
            message.contains("`image_files[0]`") && message.contains(needle),
            "{path}: {message}"
        );
        assert!(
            !message.contains("PNG"),
            "nothing is read before confinement: {message}"
        );
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn relative_paths_follow_the_clients_first_root_and_its_changes() {
    let fake = FakeArk::start().await.unwrap();
    let (out, one, two) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    write(one.path(), "a.png", &png(400, 400), 100);
    write(two.path(), "b.png", &png(400, 400), 100);
    let (client, roots) = connect_with_roots(
        server(&common::ark_settings(&fake, out.path())),
        vec![file_uri(one.path())],
    )
    .await;
    let dry = |file: &str| json!({"prompt": "x", "image_files": [file], "dry_run": true});
    let out: SubmitTaskOutput = call_ok(&client, "submit_task", dry("a.png")).await;
    // The previewed body is raw JSON by design: the provider's own request.
    let url = out.request.as_ref().unwrap().body["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap();
    let shown = format!(
        "data:image/png;base64,<100 bytes from {}>",
        one.path().canonicalize().unwrap().join("a.png").display()
    );
    assert_eq!(url, shown, "a dry run shows the file, not its bytes");
    // A folder the client did not share is refused.
    call_err(
        &client,
        "submit_task",
        dry(two.path().join("b.png").to_str().unwrap()),
    )
    .await;
    *roots.roots.lock().unwrap() = vec![file_uri(two.path())];
    client.notify_roots_list_changed().await.unwrap();
    let mut allowed = false;
    for _ in 0..50 {
        allowed = !call(&client, "submit_task", dry("b.png")).await.0;
        if allowed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        allowed,
        "the new root is used once the client says its roots changed"
    );
    // The first root is no longer shared.
    call_err(
        &client,
        "submit_task",
        dry(one.path().join("a.png").to_str().unwrap()),
    )
    .await;
}

#[tokio::test]
async fn a_local_image_reaches_ark_as_a_data_url_holding_the_files_bytes() {
    let fake = FakeArk::start().await.unwrap();
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut bytes = png(1024, 768);
    bytes.extend((0..700_000_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let image = write(media.path(), "frame.png", &bytes, bytes.len() as u64);
    let mut sound = wav(8000, 24_000);
    sound.extend(vec![7_u8; 24_000]);
    write(media.path(), "voice.wav", &sound, sound.len() as u64);
    let client = connect(server(&allowing(
        common::ark_settings(&fake, out.path()),
        media.path(),
    )))
    .await;
    let args = json!({"prompt": "@image_file_1 sings @audio_file_1", "image_files": [format!("file://{}", image.display())], "audio_files": [media.path().join("voice.wav")]});
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let task = &fake.created_tasks()[0];
    let content = task.request["content"].as_array().unwrap();
    let decode = |item: &Value, key: &str, mime: &str| {
        let url = item[key]["url"].as_str().unwrap();
        let payload = url
            .strip_prefix(&format!("data:{mime};base64,"))
            .unwrap_or_else(|| panic!("{}", &url[..60]));
        base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap()
    };
    assert!(
        decode(&content[1], "image_url", "image/png") == bytes,
        "the image bytes differ"
    );
    assert!(
        decode(&content[2], "audio_url", "audio/wav") == sound,
        "the audio bytes differ"
    );
}

#[tokio::test]
async fn a_local_image_is_uploaded_to_xskill_once_and_its_url_reused() {
    let fake = FakeXskill::start().await.unwrap();
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut bytes = png(640, 480);
    bytes.extend([1_u8; 5000]);
    let path = write(media.path(), "cup.png", &bytes, bytes.len() as u64);
    let client = connect(server(&allowing(
        common::xskill_settings(&fake, out.path()),
        media.path(),
    )))
    .await;
    let submit = |prompt: &str| json!({"prompt": prompt, "image_files": [path.clone()]});
    let dry: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "x", "image_files": [path.clone()], "dry_run": true}),
    )
    .await;
    // The previewed body is raw JSON by design: the provider's own request.
    let shown = dry.request.as_ref().unwrap().body["params"]["image_files"][0]
        .as_str()
        .unwrap();
    assert!(
        shown.contains("cup.png") && shown.contains("uploaded on submit"),
        "{shown}"
    );
    assert!(fake.uploads().is_empty(), "a dry run uploads nothing");
    for prompt in ["@image_file_1 spins", "@image_file_1 falls"] {
        let _: SubmitTaskOutput = call_ok(&client, "submit_task", submit(prompt)).await;
    }
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 1, "the same content is uploaded once");
    assert!(uploads[0].bytes == bytes);
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 2);
    for task in &tasks {
        assert_eq!(task.params["image_files"][0], json!(uploads[0].url));
    }
    let up: UploadImageOutput = call_ok(&client, "upload_image", json!({"image_url": path})).await;
    assert_eq!(up.url, uploads[0].url, "{up:?}");
    // The cache follows the content, whatever form it comes in.
    let inline = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "@image_file_1 glows", "image_files": [inline]}),
    )
    .await;
    assert_eq!(fake.uploads().len(), 1);
    std::fs::write(&path, [bytes.as_slice(), b"changed"].concat()).unwrap();
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", submit("@image_file_1 rolls")).await;
    assert_eq!(fake.uploads().len(), 2, "new content is a new upload");
}

#[tokio::test]
async fn upload_image_takes_a_path_and_refuses_what_is_not_an_image() {
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(media.path(), "small.png", &png(120, 80), 200);
    write(media.path(), "v.mp4", &mp4(5000), 1000);
    let client = connect(server(&allowing(
        common::settings(out.path()),
        media.path(),
    )))
    .await;
    let up: UploadImageOutput = call_ok(
        &client,
        "upload_image",
        json!({"image_url": media.path().join("small.png")}),
    )
    .await;
    // Uploads are not held to the Seedance reference limits (they may feed Seedream).
    assert!(up.url.ends_with(".png"), "{up:?}");
    let text = call_err(
        &client,
        "upload_image",
        json!({"image_url": media.path().join("v.mp4")}),
    )
    .await;
    assert!(text.contains("not an image"), "{text}");
    let text = call_err(&client, "upload_image", json!({"image_url": "/etc/passwd"})).await;
    assert!(text.contains("outside the allowed folders"), "{text}");
}

#[tokio::test]
async fn providers_that_cannot_take_a_local_file_say_what_to_do_instead() {
    let (out, media) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(media.path(), "a.png", &png(400, 400), 100);
    write(media.path(), "v.mp4", &mp4(5000), 1000);
    let seed2 = provider_fakes::seed2::FakeSeed2::start().await.unwrap();
    let xskill = FakeXskill::start().await.unwrap();
    let ark = FakeArk::start().await.unwrap();
    let png_path = media.path().join("a.png");
    let mp4_path = media.path().join("v.mp4");
    let cases = [
        (
            common::seed2_settings(&seed2, out.path()),
            json!({"prompt": "x", "image_files": [png_path]}),
            "public https URL",
        ),
        (
            common::xskill_settings(&xskill, out.path()),
            json!({"prompt": "x", "video_files": [mp4_path]}),
            "takes images only",
        ),
        (
            common::ark_settings(&ark, out.path()),
            json!({"prompt": "x", "video_files": [mp4_path]}),
            "only as http(s) URLs",
        ),
    ];
    for (settings, args, needle) in cases {
        let client = connect(server(&allowing(settings, media.path()))).await;
        let message = call_err(&client, "submit_task", args).await;
        assert!(
            message.starts_with("unsupported") && message.contains(needle),
            "{message}"
        );
    }
    assert!(
        seed2.requests().is_empty() && xskill.requests().is_empty() && ark.requests().is_empty()
    );
}

#[tokio::test]
async fn private_addresses_are_never_fetched() {
    use seedance_mcp::providers::safe_fetch::{FetchError, FetchPolicy, fetch};
    let policy = FetchPolicy::public_https(1024);
    for url in [
        "https://127.0.0.1/a.png",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/a.png",
        "https://10.0.0.1/a.png",
        "https://localhost/a.png",
    ] {
        let err = fetch(url, &policy).await.unwrap_err();
        assert!(matches!(err, FetchError::NotPublic { .. }), "{url}: {err}");
    }
}

#[tokio::test]
async fn over_http_local_paths_need_allowed_folders_on_the_server() {
    use rmcp::{ServiceExt, transport::StreamableHttpClientTransport};
    let media = tempfile::tempdir().unwrap();
    write(media.path(), "a.png", &png(400, 400), 100);
    let file = media.path().join("a.png");
    for allowed in [false, true] {
        let out = tempfile::tempdir().unwrap();
        let mut settings = common::settings(out.path());
        if allowed {
            settings = allowing(settings, media.path());
        }
        let shutdown = tokio_util::sync::CancellationToken::new();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (server, stop) = (server(&settings), shutdown.clone());
        tokio::spawn(async move {
            seedance_mcp::mcp::transport::serve_http(
                server,
                "127.0.0.1:0".parse().unwrap(),
                Default::default(),
                stop,
                Some(tx),
            )
            .await
        });
        let addr = rx.await.unwrap();
        let client = ()
            .serve(StreamableHttpClientTransport::from_uri(format!(
                "http://{addr}/mcp"
            )))
            .await
            .unwrap();
        let args = json!({"prompt": "x", "image_files": [file], "dry_run": true});
        if allowed {
            let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
        } else {
            let message = call_err(&client, "submit_task", args).await;
            assert!(
                message.contains("SEEDANCE_ALLOWED_DIRS") && message.contains("over HTTP"),
                "{message}"
            );
        }
        client.cancel().await.unwrap();
        shutdown.cancel();
    }
}
