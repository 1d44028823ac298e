//! The four tools through a real MCP client (rmcp) in-process, over the simulator
//! and over the xskill fake.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, settings, submit_and_wait, xskill_settings};
use provider_fakes::{
    FakeControl, TaskOutcome,
    xskill::{FakeXskill, FakeXskillConfig, ResultShape},
};
use seedance_mcp::{
    domain::{Amount, FailureKind, TaskStatus},
    providers::sim::render,
    service::{BalanceOutput, GetTaskOutput, SubmitTaskOutput, UploadImageOutput},
};
use serde_json::json;

fn real_clip() -> Vec<u8> {
    render::render_mp4(&render::ClipSpec {
        width: 320,
        height: 180,
        fps: 12,
        duration_secs: 4,
        seed: 7,
        caption: "fake xskill result".into(),
    })
}

#[tokio::test]
async fn every_tool_is_listed_with_schemas_and_truthful_annotations() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let info = client.peer_info().unwrap();
    let server_info = info.server_info.clone().unwrap();
    assert_eq!(server_info.name, "seedance-mcp");
    assert_eq!(server_info.version, env!("CARGO_PKG_VERSION"));
    assert!(info.instructions.as_deref().unwrap().contains("SIMULATED"));
    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cancel_task",
            "extract_frame",
            "get_balance",
            "get_task",
            "list_tasks",
            "stitch_videos",
            "submit_story",
            "submit_task",
            "upload_image"
        ]
    );
    for tool in &tools {
        assert!(
            tool.output_schema.is_some(),
            "{} has no output schema",
            tool.name
        );
        let a = tool.annotations.as_ref().unwrap();
        // Only list_tasks and the local video tools stay on this machine; only
        // cancel_task destroys anything.
        let local = ["list_tasks", "extract_frame", "stitch_videos"];
        assert_eq!(
            a.open_world_hint,
            Some(!local.contains(&&*tool.name)),
            "{}",
            tool.name
        );
        assert_eq!(
            a.destructive_hint,
            Some(tool.name == "cancel_task"),
            "{}",
            tool.name
        );
        assert!(
            a.read_only_hint.is_some() && a.idempotent_hint.is_some(),
            "{}",
            tool.name
        );
    }
    let submit = tools.iter().find(|t| t.name == "submit_task").unwrap();
    // The input schema is raw JSON Schema as the client receives it.
    let schema = serde_json::to_value(&*submit.input_schema).unwrap();
    assert_eq!(schema["required"], json!(["prompt"]));
    assert_eq!(schema["properties"]["duration"]["minimum"], json!(4));
    assert_eq!(schema["properties"]["duration"]["maximum"], json!(15));
    let schema_text = schema.to_string();
    for ratio in ["21:9", "16:9", "4:3", "1:1", "3:4", "9:16"] {
        assert!(
            schema_text.contains(ratio),
            "ratio {ratio} missing from the schema"
        );
    }
    assert!(schema_text.contains("first_last_frames"));
    let annotations = |name: &str| {
        tools
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .annotations
            .clone()
            .unwrap()
    };
    assert_eq!(annotations("get_balance").read_only_hint, Some(true));
    assert_eq!(annotations("submit_task").idempotent_hint, Some(false));
    assert_eq!(annotations("get_task").idempotent_hint, Some(true));
}

#[tokio::test]
async fn a_simulated_task_runs_to_success_and_the_clip_is_saved() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let balance: BalanceOutput = call_ok(&client, "get_balance", json!({})).await;
    assert!(balance.simulated);
    let submitted: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a lighthouse at dusk", "duration": 6}),
    )
    .await;
    assert_eq!(submitted.status, Some(TaskStatus::Queued));
    assert_eq!(submitted.price.map(|p| p.amount), Some(60.0));
    assert!(submitted.next_step.contains("get_task"));
    let task = submit_and_wait(&client, json!({"prompt": "a lighthouse at dusk"})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    let file = task.local_files[0].to_str().unwrap();
    let bytes = std::fs::read(file).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "the saved file is an MP4");
    assert!(file.starts_with(out.path().to_str().unwrap()));
    // Asking again does not download again: same file.
    let again: GetTaskOutput = call_ok(&client, "get_task", json!({"task_id": task.task_id})).await;
    assert_eq!(again.local_files, task.local_files);
}

#[tokio::test]
async fn a_simulated_failure_reports_the_reason_and_what_to_change() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let task = submit_and_wait(&client, json!({"prompt": "fight scene #simulate-failure"})).await;
    assert_eq!(task.status, TaskStatus::Failed);
    assert_eq!(
        task.failure.map(|f| f.kind),
        Some(FailureKind::ContentRejected)
    );
    assert!(task.next_step.contains("Rephrase"));
}

#[tokio::test]
async fn an_xskill_task_runs_to_success_and_the_provider_video_is_saved() {
    let clip = real_clip();
    for shape in [
        ResultShape::OutputImagesStrings,
        ResultShape::OutputVideoUrl,
        ResultShape::OutputImagesObjects,
        ResultShape::OutputVideos,
    ] {
        let fake = FakeXskill::start_with(FakeXskillConfig {
            result_bytes: clip.clone(),
            result_shape: shape,
            ..Default::default()
        })
        .await
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let client = connect(server(&xskill_settings(&fake, out.path()))).await;
        let submitted: SubmitTaskOutput = call_ok(
            &client,
            "submit_task",
            json!({"prompt": "@image_file_1 spins", "image_files": ["https://cdn.example.com/cup.png"], "ratio": "1:1", "duration": 8}),
        )
        .await;
        assert_eq!(submitted.price, Some(Amount::new(80.0, "credits")));
        assert_eq!(submitted.balance_after.map(|b| b.amount), Some(9920.0));
        let task_id = submitted.task_id.unwrap();
        let created = fake.created_tasks();
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].model, "st-ai/super-seed2");
        assert_eq!(created[0].params["functionMode"], json!("omni_reference"));
        assert_eq!(created[0].params["model"], json!("seedance_2.0_fast"));
        assert_eq!(created[0].params["duration"], json!(8));
        let mut last = None;
        for _ in 0..5 {
            let task: GetTaskOutput =
                call_ok(&client, "get_task", json!({"task_id": task_id})).await;
            let finished = task.finished;
            last = Some(task);
            if finished {
                break;
            }
        }
        let last = last.unwrap();
        assert_eq!(last.status, TaskStatus::Succeeded, "{shape:?}: {last:?}");
        let saved = std::fs::read(&last.local_files[0]).unwrap();
        assert_eq!(
            saved, clip,
            "{shape:?}: the saved file is the provider's bytes"
        );
        assert!(last.local_files[0].to_str().unwrap().ends_with(".mp4"));
    }
}

#[tokio::test]
async fn an_xskill_failure_is_explained_in_actionable_words() {
    let fake = FakeXskill::start().await.unwrap();
    fake.script_next_outcome(TaskOutcome::Fail(
        provider_fakes::xskill::FACE_DETECTED_ERROR.into(),
    ));
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let task = submit_and_wait(
        &client,
        json!({"prompt": "@image_file_1 smiles", "image_files": ["https://c.example/me.jpg"]}),
    )
    .await;
    assert_eq!(task.status, TaskStatus::Failed);
    let failure = task.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::FaceDetected);
    assert_eq!(failure.code.as_deref(), Some("4011"));
    assert!(failure.advice.contains("stylised"));
}

#[tokio::test]
async fn the_tool_list_stays_under_sixteen_and_a_half_kilobytes() {
    // Some clients cap what they read of tools/list; the schemas are kept compact.
    // 12,000 bytes until seedance2ai.io's image options (channel, output_format,
    // the image ratios) took the last of them; then 12 KiB, plus 1.5 KiB for
    // extract_frame and stitch_videos (1,575 bytes when they came) and 3 KiB for
    // submit_story (about 2.4 KB) and the story part of get_task's result (0.4 KB).
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let tools = client.list_all_tools().await.unwrap();
    let response = json!({"jsonrpc": "2.0", "id": 2, "result": {"tools": tools}}).to_string();
    assert!(
        response.len() < 12 * 1024 + 1536 + 3 * 1024,
        "tools/list is {} bytes",
        response.len()
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_before_anything_reaches_the_provider() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let cases = [
        (json!({"prompt": "a cat", "duration": 20}), "duration"),
        (
            json!({"prompt": "@image_file_3 dances", "image_files": ["https://c.example/a.png"]}),
            "@image_file_3",
        ),
        (json!({"prompt": "x", "ratio": "2:1"}), "ratio"),
        (json!({"prompt": "x", "ratio": "adaptive"}), "adaptive"),
        (
            json!({"prompt": "x", "image_files": ["/home/me/a.png"]}),
            "image_files[0]",
        ),
        (
            json!({"prompt": "x", "audio_files": ["https://c.example/a.mp3"]}),
            "audio_files",
        ),
        (
            json!({"prompt": "x", "video_files": ["https://c/1.mp4", "https://c/2.mp4", "https://c/3.mp4", "https://c/4.mp4"]}),
            "video_files",
        ),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(
            text.contains(needle),
            "{args}: message `{text}` should name {needle}"
        );
        assert!(text.contains("Fix:") || text.contains("Pick one"), "{text}");
    }
    assert!(
        fake.requests().is_empty(),
        "the fake received {:?}",
        fake.requests()
    );
    assert_eq!(fake.balance(), Some(10_000));
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_tool_errors_not_crashes() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "x", "functionMode": "omni_reference"}),
    )
    .await;
    assert!(text.contains("functionMode"), "{text}");
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "x", "duration": "5"}),
    )
    .await;
    assert!(
        text.starts_with("invalid_argument: invalid `duration`"),
        "the field is named: {text}"
    );
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "x", "image_files": ["https://c.example/a.png", 7]}),
    )
    .await;
    assert!(text.contains("`image_files[1]`"), "{text}");
    let text = call_err(&client, "get_task", json!({"task_id": "sim-nope-1"})).await;
    assert!(text.starts_with("not_found"), "{text}");
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let result = client
        .call_tool(rmcp::model::CallToolRequestParams::new("make_video"))
        .await;
    match result {
        Err(rmcp::ServiceError::McpError(e)) => assert_eq!(e.code.0, -32602),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_errors_become_tool_errors_with_next_steps() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    fake.set_balance(10);
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "a long shot", "duration": 15}),
    )
    .await;
    assert!(text.starts_with("insufficient_balance"), "{text}");
    assert!(text.contains("Nothing was charged"), "{text}");
    // Balance reads are retried; a Retry-After beyond the retry budget is not
    // waited out but handed to the agent.
    fake.fail_next_request(429, Some(60));
    let text = call_err(&client, "get_balance", json!({})).await;
    assert!(
        text.starts_with("rate_limited") && text.contains("60 s"),
        "{text}"
    );
    let text = call_err(&client, "get_task", json!({"task_id": "task_missing"})).await;
    assert!(text.starts_with("not_found"), "{text}");
}

#[tokio::test]
async fn a_wrong_key_is_reported_without_revealing_it() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let s = common::settings(out.path()).with_provider(
        "xskill",
        "sk-wrong-secret-value",
        &fake.base_url(),
    );
    let client = connect(server(&s)).await;
    let text = call_err(&client, "get_balance", json!({})).await;
    assert!(
        text.starts_with("unauthenticated") && text.contains("XSKILL_API_KEY"),
        "{text}"
    );
    assert!(!text.contains("sk-wrong-secret-value"));
}

#[tokio::test]
async fn images_upload_and_seedream_tasks_return_every_image() {
    use base64::Engine;
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let png = render::render_png(&render::StillSpec {
        width: 64,
        height: 64,
        seed: 1,
        caption: "ref".into(),
    });
    let data = base64::engine::general_purpose::STANDARD.encode(&png);
    let uploaded: UploadImageOutput = call_ok(
        &client,
        "upload_image",
        json!({"image_data": format!("data:image/png;base64,{data}")}),
    )
    .await;
    let url = uploaded.url;
    assert_eq!(fake.uploads()[0].bytes, png);
    let task = submit_and_wait(
        &client,
        json!({"prompt": "make it night", "model": "seedream-4.5-edit", "image_urls": [url], "num_images": 2, "image_size": "square_hd"}),
    )
    .await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(task.local_files.len(), 2);
    let created = &fake.created_tasks()[0];
    assert_eq!(created.model, "fal-ai/bytedance/seedream/v4.5/edit");
    assert_eq!(created.price, 32);
}

#[tokio::test]
async fn the_last_frame_is_returned_and_saved_for_chaining_clips() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let task = submit_and_wait(
        &client,
        json!({"prompt": "a train leaves", "return_last_frame": true}),
    )
    .await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(
        task.last_frame_url
            .as_deref()
            .unwrap()
            .ends_with("-last.png")
    );
    let files: Vec<_> = task
        .local_files
        .iter()
        .map(|f| f.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].ends_with(".mp4") && files[1].ends_with(".png"),
        "{files:?}"
    );
    assert_eq!(&std::fs::read(&files[1]).unwrap()[1..4], b"PNG");
}

#[tokio::test]
async fn what_the_provider_cannot_do_is_refused_before_sending_with_the_alternative() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let cases = [
        (json!({"prompt": "x", "seed": 42}), "`seed`"),
        (
            json!({"prompt": "x", "resolution": "1080p"}),
            "resolution `1080p`",
        ),
        (
            json!({"prompt": "x", "return_last_frame": true}),
            "return_last_frame",
        ),
        (
            json!({"prompt": "x", "ark": {"service_tier": "flex"}}),
            "`ark`",
        ),
        (
            json!({"prompt": "x", "model": "gpt-image-2"}),
            "gpt-image-2",
        ),
        (
            json!({"prompt": "x", "image_files": ["https://c.example/a.png"], "video_files": ["data:video/mp4;base64,AAAAGGZ0eXA="]}),
            "data: video",
        ),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(
            text.starts_with("unsupported") && text.contains(needle),
            "{args}: {text}"
        );
    }
    assert!(
        fake.requests().is_empty(),
        "nothing may reach the provider: {:?}",
        fake.requests()
    );
}

#[tokio::test]
async fn saved_results_are_mcp_resources_for_clients_without_file_access() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let task = submit_and_wait(
        &client,
        json!({"prompt": "a harbour at noon", "duration": 4}),
    )
    .await;
    let uri = task.resource_uris[0].clone();
    assert!(uri.starts_with("seedance://tasks/"), "{task:?}");
    let listed = client.list_all_resources().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|r| r.uri == uri && r.mime_type.as_deref() == Some("video/mp4")),
        "{listed:?}"
    );
    let templates = client.list_all_resource_templates().await.unwrap();
    assert_eq!(
        templates[0].uri_template,
        "seedance://tasks/{local_id}/files/{n}"
    );
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(uri.clone()))
        .await
        .unwrap();
    let json = serde_json::to_value(&read).unwrap();
    let blob = json["contents"][0]["blob"].as_str().unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap();
    assert_eq!(bytes, std::fs::read(&task.local_files[0]).unwrap());
    for bad in [
        "seedance://tasks/999/files/1",
        "seedance://tasks/1/files/9",
        "file:///etc/passwd",
        "seedance://tasks/../../etc/passwd",
    ] {
        let err = client
            .read_resource(rmcp::model::ReadResourceRequestParams::new(bad.to_owned()))
            .await;
        assert!(err.is_err(), "{bad} must not be readable");
    }
}
