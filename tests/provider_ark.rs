//! BytePlus ModelArk / Volcengine Ark specifics through the MCP tools: content
//! items with roles, "[Image N]" references, per-model rules refused before
//! sending, token usage turned into a cost estimate, last frames, drafts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl,
    ark::{ArkRegion, FakeArk, FakeArkConfig},
};
use seedance_mcp::{
    domain::{FailureKind, TaskStatus},
    service::{GetTaskOutput, SubmitTaskOutput},
};
use serde_json::json;

async fn setup(
    region: ArkRegion,
) -> (
    FakeArk,
    tempfile::TempDir,
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
) {
    let fake = FakeArk::start_with(FakeArkConfig {
        region,
        ..Default::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::ark_settings(&fake, out.path()))).await;
    (fake, out, client)
}

#[tokio::test]
async fn references_become_content_items_with_roles_and_the_prompt_says_image_n() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    // Data URLs are checked by content like local files: this one is 300x300 px.
    let png = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        common::media::png(300, 300),
    );
    let args = json!({
        "prompt": "@image_file_2 hands @image_file_1 to the dancer in @video_file_1, music from @audio_file_1",
        "image_files": ["https://cdn.example.com/a.png", format!("data:image/png;base64,{png}")],
        "video_files": ["https://cdn.example.com/dance.mp4"],
        "audio_files": ["https://cdn.example.com/song.mp3"],
        "model": "seedance-2.0",
        "resolution": "1080p",
        "ratio": "adaptive",
        "seed": 7,
        "generate_audio": false,
        "ark": {"execution_expires_after": 7200}
    });
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let task = &fake.created_tasks()[0];
    assert_eq!(task.model, "dreamina-seedance-2-0-260128");
    let body = &task.request;
    let content = body["content"].as_array().unwrap();
    assert_eq!(content[0]["type"], "text");
    assert_eq!(
        content[0]["text"],
        "[Image 2] hands [Image 1] to the dancer in [Video 1], music from [Audio 1]"
    );
    let roles: Vec<_> = content[1..]
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "reference_image",
            "reference_image",
            "reference_video",
            "reference_audio"
        ]
    );
    assert_eq!(body["resolution"], "1080p");
    assert_eq!(body["ratio"], "adaptive");
    assert_eq!(body["generate_audio"], false);
    assert_eq!(body["execution_expires_after"], 7200);
    assert!(
        body.get("watermark").is_none(),
        "unset options are left out, not sent as null"
    );
}

#[tokio::test]
async fn a_finished_task_reports_tokens_an_estimated_price_and_its_last_frame() {
    let (_fake, out, client) = setup(ArkRegion::BytePlus).await;
    let task = submit_and_wait(&client, json!({"prompt": "a lighthouse at dusk", "model": "seedance-2.0", "return_last_frame": true})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(task.usage_tokens, Some(108_900), "5 s 720p 16:9");
    assert!(task.seed.is_some(), "{task:?}");
    assert!(
        task.urls_expire_at.as_deref().unwrap().ends_with('Z'),
        "{task:?}"
    );
    let price = task.price.as_ref().unwrap();
    assert_eq!(price.amount, 0.76);
    assert!(price.unit.starts_with("USD"));
    assert!(task.last_frame_url.is_some());
    let files = &task.local_files;
    assert_eq!(files.len(), 2);
    assert!(
        files[0]
            .to_str()
            .unwrap()
            .starts_with(out.path().to_str().unwrap())
    );
}

#[tokio::test]
async fn a_task_with_a_reference_video_is_priced_at_that_rate_after_a_restart() {
    let fake = FakeArk::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let settings = common::ark_settings(&fake, out.path());
    let args = json!({
        "prompt": "the dancer in @video_file_1 on a rooftop",
        "model": "seedance-2.0",
        "video_files": ["https://cdn.example.com/dance.mp4"],
    });
    let submitted: SubmitTaskOutput =
        call_ok(&connect(server(&settings)).await, "submit_task", args).await;
    let task_id = submitted.task_id.unwrap();
    // A new server over the same journal, as after a restart.
    let client = connect(server(&settings)).await;
    let task = loop {
        let task: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": task_id })).await;
        if task.finished {
            break task;
        }
    };
    let tokens = task.usage_tokens.unwrap() as f64;
    // Seedance 2.0 at 720p: 4.3 USD per million tokens with a reference video, 7.0 without.
    let with_reference = (tokens / 1_000_000.0 * 4.3 * 100.0).round() / 100.0;
    assert_eq!(
        task.price.as_ref().map(|p| p.amount),
        Some(with_reference),
        "{task:?}"
    );
}

#[tokio::test]
async fn volcengine_uses_its_own_model_ids_and_prices_in_cny() {
    let (fake, _out, client) = setup(ArkRegion::Volcengine).await;
    let task = submit_and_wait(&client, json!({"prompt": "a lighthouse at dusk"})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(
        fake.created_tasks()[0].model,
        "doubao-seedance-2-0-fast-260128"
    );
    assert!(task.price.unwrap().unit.starts_with("CNY"));
}

#[tokio::test]
async fn per_model_rules_are_refused_before_sending() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let cases = [
        (json!({"prompt": "x", "resolution": "1080p"}), "2.0 fast"),
        (
            json!({"prompt": "x", "model": "seedance-2.0", "ark": {"service_tier": "flex"}}),
            "flex",
        ),
        (json!({"prompt": "x", "camera_fixed": true}), "camera_fixed"),
        (
            json!({"prompt": "x", "ark": {"draft": true}}),
            "seedance-1-5-pro",
        ),
        (
            json!({"prompt": "x", "model": "seedance-1-0-pro-250528", "video_files": ["https://c.example/v.mp4"], "image_files": ["https://c.example/a.png"]}),
            "reference videos",
        ),
        (
            json!({"prompt": "x", "model": "seedream-4.5"}),
            "seedream-4.5",
        ),
        (json!({"prompt": "x", "channel": "wild"}), "channel"),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert_eq!(fake.create_calls(), 0, "{:?}", fake.requests());
}

#[tokio::test]
async fn a_draft_can_be_made_and_then_finalised() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let draft = submit_and_wait(&client, json!({"prompt": "a fox runs", "model": "seedance-1-5-pro-251215", "resolution": "480p", "ark": {"draft": true}})).await;
    assert_eq!(draft.status, TaskStatus::Succeeded, "{draft:?}");
    let final_task = submit_and_wait(&client, json!({"prompt": "a fox runs", "model": "seedance-1-5-pro-251215", "ark": {"draft_task_id": draft.task_id}})).await;
    assert_eq!(final_task.status, TaskStatus::Succeeded, "{final_task:?}");
    let content = &fake.created_tasks()[1].request["content"];
    assert!(
        content
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "draft_task"),
        "{content}"
    );
}

#[tokio::test]
async fn ark_has_no_upload_or_balance_and_says_what_to_do_instead() {
    let (_fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let text = call_err(
        &client,
        "upload_image",
        json!({"image_url": "https://cdn.example.com/a.png"}),
    )
    .await;
    assert!(text.contains("data: URL"), "{text}");
    let text = call_err(&client, "get_balance", json!({})).await;
    assert!(text.contains("console"), "{text}");
}

#[tokio::test]
async fn a_moderation_failure_and_a_privacy_failure_are_told_apart() {
    use provider_fakes::{TaskOutcome, ark::INPUT_IMAGE_PRIVACY};
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    fake.script_next_outcome(TaskOutcome::Fail(INPUT_IMAGE_PRIVACY.into()));
    let task = submit_and_wait(
        &client,
        json!({"prompt": "@image_file_1 smiles", "image_files": ["https://c.example/me.jpg"]}),
    )
    .await;
    assert_eq!(
        task.failure.as_ref().map(|f| f.kind),
        Some(FailureKind::FaceDetected),
        "{task:?}"
    );
    fake.script_next_outcome(TaskOutcome::Expire);
    let task = submit_and_wait(&client, json!({"prompt": "a long queue"})).await;
    assert_eq!(task.status, TaskStatus::Expired);
    assert_eq!(task.failure.map(|f| f.kind), Some(FailureKind::Expired));
}
