//! seedance2ai.io specifics through the MCP tools: idempotent creates that are
//! retried with the same key, mode derived from the inputs, references in words,
//! https-only media, image models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{FakeControl, seedance2ai::FakeSeedance2ai};
use seedance_mcp::{
    domain::TaskStatus,
    service::{BalanceOutput, SubmitTaskOutput},
};
use serde_json::json;

async fn setup() -> (
    FakeSeedance2ai,
    tempfile::TempDir,
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
) {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seedance2ai_settings(&fake, out.path()))).await;
    (fake, out, client)
}

#[tokio::test]
async fn a_create_that_meets_a_transient_failure_is_retried_with_the_same_key_and_charged_once() {
    let (fake, _out, client) = setup().await;
    fake.fail_next_request(503, None);
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a glass train on a snowy bridge"}),
    )
    .await;
    let creates: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(creates.len(), 2, "one failed attempt, one retry");
    assert_eq!(creates[0].idempotency_key, creates[1].idempotency_key);
    assert!(creates[0].idempotency_key.is_some());
    assert_eq!(fake.created_tasks().len(), 1);
    assert_eq!(
        fake.balance(),
        Some(200 - 30),
        "5 s standard costs 30 credits, once"
    );
}

#[tokio::test]
async fn two_submissions_use_two_keys() {
    let (fake, _out, client) = setup().await;
    for resubmit in [false, true] {
        let args = json!({"prompt": "a kite over dunes", "resubmit": resubmit});
        let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    }
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 2);
    assert_ne!(tasks[0].idempotency_key, tasks[1].idempotency_key);
}

#[tokio::test]
async fn the_mode_follows_the_inputs_and_references_become_words() {
    let (fake, _out, client) = setup().await;
    let args = json!({
        "prompt": "@image_file_1 walks past @video_file_1",
        "image_files": ["https://cdn.example.com/a.png"],
        "video_files": ["https://cdn.example.com/b.mp4"],
        "model": "seedance-2.0",
        "resolution": "1080p",
        "duration": 6,
        "camera_fixed": true,
        "channel": "wild"
    });
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let body = &fake.created_tasks()[0].body;
    assert_eq!(body["mode"], "media-to-video");
    assert_eq!(body["quality_tier"], "pro");
    assert_eq!(
        body["duration"], "6",
        "the API takes the duration as a string"
    );
    assert_eq!(body["fixed_lens"], true);
    assert_eq!(
        body["media_urls"],
        json!([
            "https://cdn.example.com/a.png",
            "https://cdn.example.com/b.mp4"
        ])
    );
    let prompt = body["prompt"].as_str().unwrap();
    assert!(!prompt.contains('@'), "{prompt}");
    assert!(
        prompt.contains("reference image 1") && prompt.contains("reference video 1 (media 2)"),
        "{prompt}"
    );

    let frames = json!({"prompt": "dawn breaks", "mode": "first_last_frames",
        "first_frame": "https://cdn.example.com/a.png", "last_frame": "https://cdn.example.com/b.png"});
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", frames).await;
    let body = &fake.created_tasks()[1].body;
    assert_eq!(body["mode"], "image-to-video");
    assert_eq!(body["end_image_url"], "https://cdn.example.com/b.png");
}

#[tokio::test]
async fn provider_rules_are_checked_before_sending() {
    let (fake, _out, client) = setup().await;
    let cases = [
        (json!({"prompt": "a cat", "resolution": "4k"}), "pro tier"),
        (
            json!({"prompt": "a cat", "seed": 5, "channel": "real"}),
            "real channel",
        ),
        (
            json!({"prompt": "a cat", "image_files": ["http://cdn.example.com/a.png"]}),
            "https",
        ),
        (
            json!({"prompt": "a cat", "audio_files": ["https://c.example/a.mp3"], "image_files": ["https://c.example/a.png"]}),
            "audio_files",
        ),
        (
            json!({"prompt": "a cat", "model": "seedream-4.5"}),
            "seedream-4.5",
        ),
        (json!({"prompt": "hi"}), "3 to 10000 characters"),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert_eq!(fake.create_calls(), 0);
}

#[tokio::test]
async fn image_models_run_to_completion_and_report_the_balance() {
    let (fake, out, client) = setup().await;
    let before = call_err(&client, "get_balance", json!({})).await;
    assert!(before.starts_with("unsupported"), "{before}");
    let task = submit_and_wait(&client, json!({"prompt": "a paper lantern at night", "model": "gpt-image-2", "ratio": "1:1", "resolution": "2K"})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(
        task.local_files[0]
            .to_str()
            .unwrap()
            .starts_with(out.path().to_str().unwrap())
    );
    assert_eq!(fake.created_tasks()[0].body["resolution"], "2K");
    let balance: BalanceOutput = call_ok(&client, "get_balance", json!({})).await;
    assert_eq!(balance.available.amount, fake.balance().unwrap() as f64);
    assert!(balance.last_seen_at.is_some());
    let task = submit_and_wait(&client, json!({"prompt": "make it blue", "model": "nano-banana-pro", "image_urls": ["https://cdn.example.com/a.png"]})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(fake.created_tasks()[1].body["type"], "image-to-image");
}

#[tokio::test]
async fn a_video_task_returns_its_last_frame() {
    let (_fake, _out, client) = setup().await;
    let task = submit_and_wait(
        &client,
        json!({"prompt": "waves at dusk", "return_last_frame": true}),
    )
    .await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(task.last_frame_url.is_some(), "{task:?}");
    assert!(
        task.seed.is_some(),
        "the seed the provider used is reported: {task:?}"
    );
    assert_eq!(task.local_files.len(), 2);
}
