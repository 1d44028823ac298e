//! Tests of the xskill fake, written as the sentences they prove.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const TINY_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=";

use reqwest::Method;

use crate::{
    FakeControl,
    every_fake::{Provider, refused},
    test_client::{self, Reply, keyed, send, urls},
};

/// An error in xskill's envelope (`code` is the status, `data` null) whose
/// message says `words`.
fn refusal(status: u16, words: &str) -> Value {
    json!([status, { "code": status, "data": null }, words])
}

impl Provider for Xskill {
    fn table() -> Value {
        let failed = |error: &str| json!({ "status": "failed", "error": error, "result": null });
        let unknown = refusal(400, "unknown parameter function_mode");
        json!({
            "key": "sk-fake-xskill-key", "balance": 10_000, "price": 50,
            "create": "/api/v3/tasks/create", "params": "/params", "idempotent": false,
            "body": { "model": SEEDANCE_MODEL, "params": text_to_video(json!({})) },
            "read": ["POST", "/api/v3/tasks/query", { "task_id": "{id}" }],
            "id": "/data/task_id", "task": "/data", "status": "/status", "message": "/message",
            "video": "/result/output/images/0", "video_at": "/cdn/{id}.mp4", "signed": false,
            "words": ["pending", "processing", "completed"], "reads": [1, 1],
            "request_id": false,
            "unauthorized": refusal(401, "unauthorized"),
            "scripted": [
                [429, 7, refusal(429, "rate limited")],
                [503, null, refusal(503, "Service Unavailable")],
            ],
            "outcomes": [
                [{ "fail": FACE_DETECTED_ERROR }, failed(FACE_DETECTED_ERROR)],
                ["moderation", failed("content moderation refused the output")],
                ["expire", failed("生成超时，任务已取消")],
            ],
            "short": refusal(402, "insufficient balance: this task needs 50 credits but only 49"),
            "unable": refusal(402, "needs 50 credits but only 0"),
            "unknown_task": ["task_does_not_exist", refusal(404, "task_does_not_exist")],
            "no_route": { "code": 404, "data": null },
            "no_routes": [["GET", "/api/v3/nothing-here"]],
            "strict": [
                [{ "function_mode": "omni_reference" }, unknown],
                [{ "function_mode": null }, unknown],
                [{ "duration": "5" }, refusal(400, "duration must be an integer")],
                [{ "ratio": "2:1" }, refusal(400, "ratio must be one of")],
                [{ "prompt": "  " }, refusal(400, "prompt is required")],
            ],
            "not_json": refusal(400, "invalid request body"),
            "nulls": {
                "model": SEEDANCE_MODEL, "channel": null, "callback_url": null,
                "params": { "prompt": "a cat", "functionMode": "first_last_frames", "ratio": null },
            },
        })
    }

    fn configure(config: &mut FakeXskillConfig, reads: (u32, u32), video: &[u8]) {
        (config.pending_polls, config.processing_polls) = reads;
        config.result_bytes = video.to_vec();
    }

    fn snapshot_status(task: &FakeTask) -> &str {
        &task.status
    }
}

async fn post(fake: &FakeXskill, path: &str, body: Value) -> Reply {
    send(keyed(fake, Method::POST, path).json(&body)).await
}

async fn get(fake: &FakeXskill, path: &str) -> Reply {
    send(keyed(fake, Method::GET, path)).await
}

async fn create(fake: &FakeXskill, model: &str, params: Value) -> Reply {
    post(
        fake,
        "/api/v3/tasks/create",
        json!({ "model": model, "params": params }),
    )
    .await
}

/// `extra` over a text-to-video request (prompt "a cat", first_last_frames, no filePaths).
fn text_to_video(extra: Value) -> Value {
    let mut params = json!({ "prompt": "a cat", "functionMode": "first_last_frames" });
    if let (Some(params), Value::Object(extra)) = (params.as_object_mut(), extra) {
        params.extend(extra);
    }
    params
}

async fn create_video(fake: &FakeXskill, params: Value) -> Reply {
    create(fake, SEEDANCE_MODEL, params).await
}

async fn query(fake: &FakeXskill, task_id: &str) -> Reply {
    post(fake, "/api/v3/tasks/query", json!({ "task_id": task_id })).await
}

/// Polls until the task is terminal, returning every status seen and the
/// final `data`.
async fn poll_to_end(fake: &FakeXskill, task_id: &str) -> (Vec<String>, Value) {
    let read = || query(fake, task_id);
    let (seen, body) = test_client::poll_to_end(read, |body| &body["data"]["status"]).await;
    (seen, body["data"].clone())
}

fn assert_error(reply: &Reply, status: u16, mentions: &str) {
    refused::<Xskill>(reply, &refusal(status, mentions));
}

fn extract_video_url(data: &Value, shape: ResultShape) -> String {
    let url = match shape {
        ResultShape::OutputImagesStrings => &data["result"]["output"]["images"][0],
        ResultShape::OutputVideoUrl => &data["output"]["video_url"],
        ResultShape::OutputImagesObjects => &data["result"]["output"]["images"][0]["url"],
        ResultShape::OutputVideos => &data["result"]["output"]["videos"][0],
    };
    url.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_task_is_pending_then_processing_then_completed_in_every_result_shape() {
    let shapes = [
        ResultShape::OutputImagesStrings,
        ResultShape::OutputVideoUrl,
        ResultShape::OutputImagesObjects,
        ResultShape::OutputVideos,
    ];
    for shape in shapes {
        let config = FakeXskillConfig {
            result_shape: shape,
            result_bytes: b"real mp4 goes here".to_vec(),
            ..FakeXskillConfig::default()
        };
        let fake = FakeXskill::start_with(config).await.unwrap();
        let created = create_video(&fake, text_to_video(json!({ "duration": 6 }))).await;
        assert_eq!(created.status, 200, "{}", created.body);
        assert_eq!(created.body["code"], 200);
        assert_eq!(created.body["message"], "任务创建成功");
        let data = &created.body["data"];
        assert_eq!(data["status"], "pending");
        assert_eq!(data["model"], SEEDANCE_MODEL);
        assert_eq!(data["price"], 60);
        assert_eq!(data["balance"], 10_000 - 60);
        assert!(data["request_id"].is_string());
        let task_id = data["task_id"].as_str().unwrap().to_owned();
        assert!(task_id.starts_with("task_"));

        let (seen, done) = poll_to_end(&fake, &task_id).await;
        assert_eq!(seen, ["pending", "processing", "completed"], "{shape:?}");
        assert_eq!(done["error"], Value::Null);
        let url = extract_video_url(&done, shape);
        assert_eq!(url, format!("{}/cdn/{task_id}.mp4", fake.base_url()));

        let download = reqwest::get(&url).await.unwrap();
        assert_eq!(download.status().as_u16(), 200);
        assert_eq!(download.headers()["content-type"], "video/mp4");
        assert_eq!(
            download.bytes().await.unwrap().as_ref(),
            b"real mp4 goes here"
        );
        assert_eq!(fake.created_tasks()[0].status, "completed");
        assert_eq!(fake.balance(), Some(10_000 - 60));
    }
}

#[tokio::test]
async fn processing_answers_carry_a_progress_object() {
    let fake = FakeXskill::start().await.unwrap();
    let created = create_video(&fake, text_to_video(json!({}))).await;
    let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();
    let first = query(&fake, &task_id).await;
    assert_eq!(first.body["data"]["status"], "pending");
    let second = query(&fake, &task_id).await;
    assert_eq!(second.body["data"]["status"], "processing");
    assert!(second.body["data"]["progress"]["stage"].is_string());
    assert!(second.body["data"]["progress"]["message"].is_string());
}

#[tokio::test]
async fn an_out_of_range_or_string_duration_is_rejected_naming_duration() {
    let fake = FakeXskill::start().await.unwrap();
    for duration in [json!(20), json!("5"), json!(3), json!(5.5)] {
        let reply = create_video(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
        assert_error(&reply, 400, "duration must be an integer between 4 and 15");
    }
    assert!(fake.created_tasks().is_empty());
    assert_eq!(fake.create_calls(), 4);
    assert_eq!(fake.balance(), Some(10_000));
}

#[tokio::test]
async fn ten_image_files_are_rejected() {
    let fake = FakeXskill::start().await.unwrap();
    let reply = create_video(&fake, json!({ "prompt": "a cat", "image_files": urls(10) })).await;
    assert_error(&reply, 400, "image_files");
    let nine = create_video(&fake, json!({ "prompt": "a cat", "image_files": urls(9) })).await;
    assert_eq!(nine.status, 200, "{}", nine.body);
}

#[tokio::test]
async fn file_paths_in_omni_reference_mode_are_rejected() {
    let fake = FakeXskill::start().await.unwrap();
    let reply = create_video(&fake, json!({ "prompt": "a cat", "filePaths": urls(1) })).await;
    assert_error(&reply, 400, "filePaths");
    assert!(fake.created_tasks().is_empty());
}

#[tokio::test]
async fn first_last_frames_accepts_two_file_paths_but_not_omni_arrays() {
    let fake = FakeXskill::start().await.unwrap();
    let ok = create_video(
        &fake,
        json!({ "prompt": "a cat", "functionMode": "first_last_frames", "filePaths": urls(2) }),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let three = create_video(
        &fake,
        json!({ "prompt": "a cat", "functionMode": "first_last_frames", "filePaths": urls(3) }),
    )
    .await;
    assert_error(&three, 400, "filePaths");
    let mixed = create_video(
        &fake,
        json!({
            "prompt": "a cat",
            "functionMode": "first_last_frames",
            "filePaths": urls(1),
            "image_files": urls(1),
        }),
    )
    .await;
    assert_error(&mixed, 400, "image_files");
}

#[tokio::test]
async fn text_to_video_is_first_last_frames_without_file_paths_and_omni_needs_a_reference() {
    let fake = FakeXskill::start().await.unwrap();
    // The guide's text-to-video row: first_last_frames, no assets; filePaths may
    // be left out or empty ("0 items: text-to-video").
    for params in [
        text_to_video(json!({})),
        text_to_video(json!({ "filePaths": [] })),
    ] {
        let reply = create_video(&fake, params.clone()).await;
        assert_eq!(reply.status, 200, "{params}: {}", reply.body);
    }
    // omni_reference, named or by default, is for the reference arrays.
    for params in [
        json!({ "prompt": "a cat" }),
        json!({ "prompt": "a cat", "functionMode": "omni_reference" }),
        json!({ "prompt": "a cat", "functionMode": "omni_reference", "image_files": [] }),
    ] {
        let reply = create_video(&fake, params.clone()).await;
        assert_error(&reply, 400, "first_last_frames");
    }
    assert_eq!(fake.created_tasks().len(), 2);
}

#[tokio::test]
async fn audio_files_alone_are_rejected() {
    let fake = FakeXskill::start().await.unwrap();
    let audio = ["https://example.com/a.mp3"];
    let alone = create_video(&fake, json!({ "prompt": "a cat", "audio_files": audio })).await;
    assert_error(&alone, 400, "audio_files");
    let with_image = create_video(
        &fake,
        json!({ "prompt": "a cat", "audio_files": audio, "image_files": urls(1) }),
    )
    .await;
    assert_eq!(with_image.status, 200, "{}", with_image.body);
}

#[tokio::test]
async fn more_than_twelve_files_in_all_are_rejected() {
    let fake = FakeXskill::start().await.unwrap();
    let videos = ["https://example.com/v1.mp4", "https://example.com/v2.mp4"];
    let audios = ["https://example.com/a1.mp3", "https://example.com/a2.mp3"];
    let reply = create_video(
        &fake,
        json!({ "prompt": "a cat", "image_files": urls(9), "video_files": videos, "audio_files": audios }),
    )
    .await;
    assert_error(&reply, 400, "too many reference files");
}

#[tokio::test]
async fn prices_follow_tier_duration_and_video_input() {
    let fake = FakeXskill::start().await.unwrap();
    let video = ["https://example.com/v.mp4"];
    let cases = [
        (text_to_video(json!({ "duration": 4 })), 40),
        (
            json!({ "prompt": "p", "duration": 4, "video_files": video }),
            80,
        ),
        (
            text_to_video(json!({ "model": "seedance_2.0", "duration": 10 })),
            200,
        ),
        (
            json!({ "prompt": "p", "model": "seedance_2.0", "duration": 15, "video_files": video }),
            600,
        ),
    ];
    let mut expected_balance = 10_000;
    for (params, price) in cases {
        let reply = create_video(&fake, params).await;
        assert_eq!(reply.body["data"]["price"], price, "{}", reply.body);
        expected_balance -= price;
        assert_eq!(reply.body["data"]["balance"], expected_balance);
    }
    assert_eq!(fake.balance(), Some(expected_balance));
    for path in ["/api/v3/balance", "/api/v3/user/balance"] {
        let balance = get(&fake, path).await;
        assert_eq!(balance.body["data"]["balance"], expected_balance);
        assert_eq!(balance.body["data"]["currency"], "credits");
    }
}

#[tokio::test]
async fn uploads_accept_a_png_in_base64_and_reject_non_image_bytes() {
    let fake = FakeXskill::start().await.unwrap();
    let reply = post(
        &fake,
        "/api/v3/upload/image",
        json!({ "image_data": TINY_PNG_BASE64 }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let url = reply.body["data"]["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("{}/cdn/uploads/1.png", fake.base_url()));
    let download = reqwest::get(&url).await.unwrap();
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PLACEHOLDER_PNG);

    let text = base64::engine::general_purpose::STANDARD.encode(b"just some text");
    let not_image = post(&fake, "/api/v3/upload/image", json!({ "image_data": text })).await;
    assert_error(&not_image, 400, "image_data");
    let not_base64 = post(
        &fake,
        "/api/v3/upload/image",
        json!({ "image_data": "%%%" }),
    )
    .await;
    assert_error(&not_base64, 400, "base64");
    let prefixed = format!("data:image/png;base64,{TINY_PNG_BASE64}");
    let data_url = post(
        &fake,
        "/api/v3/upload/image",
        json!({ "image_data": prefixed }),
    )
    .await;
    assert_error(&data_url, 400, "data:");
    let both = post(
        &fake,
        "/api/v3/upload/image",
        json!({ "image_data": TINY_PNG_BASE64, "image_url": "https://example.com/a.png" }),
    )
    .await;
    assert_error(&both, 400, "exactly one");
    assert_eq!(fake.uploads().len(), 1);
}

#[tokio::test]
async fn an_upload_over_ten_megabytes_is_rejected_with_413() {
    let fake = FakeXskill::start().await.unwrap();
    let mut bytes = PLACEHOLDER_PNG.to_vec();
    bytes.resize(MAX_UPLOAD_BYTES + 1, 0);
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let reply = post(&fake, "/api/v3/upload/image", json!({ "image_data": data })).await;
    assert_error(&reply, 413, "10 MB");
}

#[tokio::test]
async fn an_upload_by_url_is_hosted_without_fetching() {
    let fake = FakeXskill::start().await.unwrap();
    let reply = post(
        &fake,
        "/api/v3/upload/image",
        json!({ "image_url": "https://example.com/cat.jpg" }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let uploads = fake.uploads();
    assert_eq!(
        uploads[0].source_url.as_deref(),
        Some("https://example.com/cat.jpg")
    );
    assert_eq!(reply.body["data"]["url"], uploads[0].url);
}

#[tokio::test]
async fn an_unknown_model_gives_404() {
    let fake = FakeXskill::start().await.unwrap();
    let model = create(&fake, "st-ai/nope", json!({ "prompt": "a cat" })).await;
    assert_error(&model, 404, "st-ai/nope");
}

#[tokio::test]
async fn seedream_tasks_return_one_png_url_per_requested_image() {
    let fake = FakeXskill::start().await.unwrap();
    let created = create(
        &fake,
        SEEDREAM_TEXT_TO_IMAGE_MODEL,
        json!({ "prompt": "a cat", "image_size": "square_hd", "num_images": 3 }),
    )
    .await;
    assert_eq!(created.body["data"]["price"], 48, "{}", created.body);
    let task_id = created.body["data"]["task_id"].as_str().unwrap().to_owned();
    let (_, done) = poll_to_end(&fake, &task_id).await;
    let images = done["result"]["output"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    let download = reqwest::get(images[2].as_str().unwrap()).await.unwrap();
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.headers()["content-type"], "image/png");

    let seven = create(
        &fake,
        SEEDREAM_TEXT_TO_IMAGE_MODEL,
        json!({ "prompt": "a", "num_images": 7 }),
    )
    .await;
    assert_error(&seven, 400, "num_images");
    let no_sources = create(&fake, SEEDREAM_EDIT_MODEL, json!({ "prompt": "a" })).await;
    assert_error(&no_sources, 400, "image_urls");
    let edit = create(
        &fake,
        SEEDREAM_EDIT_MODEL,
        json!({ "prompt": "a", "image_urls": urls(2) }),
    )
    .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
}
