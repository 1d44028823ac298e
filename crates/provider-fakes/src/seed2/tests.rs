//! Tests of the seed2.io fake, written as the sentences they prove.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

use reqwest::Method;

use crate::{
    FakeControl,
    every_fake::{Provider, refused},
    test_client::{self, Reply, keyed, send, urls},
};

/// An error in seed2.io's envelope (its `code`, `data` null) whose message
/// says `words`.
fn refusal(status: u16, code: i64, words: &str) -> Value {
    json!([status, { "code": code, "data": null }, words])
}

impl Provider for Seed2 {
    fn table() -> Value {
        let invalid = |words: &str| refusal(400, CODE_INVALID_PARAMS, words);
        let failed = |error: &str| {
            let result = json!({ "error": error });
            json!({ "status": "failed", "result": result, "points_cost": 2900 })
        };
        let face = "face detected in the reference";
        let short = "insufficient points: this task needs 2900 points but only 2899";
        json!({
            "key": "sk-s2-fake", "balance": DEFAULT_INITIAL_POINTS, "price": 2900,
            "create": CREATE_PATH, "params": "", "idempotent": false,
            "body": { "prompt": "a cat" },
            "read": ["GET", "/v1/tasks/{id}", null],
            "id": "/data/task_id", "task": "/data", "status": "/status", "message": "/message",
            "video": "/result/video_url", "video_at": "/cdn/videos/{id}.mp4", "signed": false,
            "words": ["pending", "processing", "completed"], "reads": [1, 1],
            "request_id": false,
            "unauthorized": refusal(401, CODE_UNAUTHORIZED, "unauthorized"),
            "scripted": [
                [429, 7, refusal(429, CODE_RATE_LIMITED, "rate limited")],
                [500, null, refusal(500, CODE_INTERNAL, "Internal Server Error")],
                [503, 1, refusal(503, 50_301, "Service Unavailable")],
            ],
            "outcomes": [
                [{ "fail": face }, failed(face)],
                ["expire", failed(TIMEOUT_ERROR)],
                ["moderation", failed("content moderation refused the output")],
            ],
            "short": refusal(402, CODE_INSUFFICIENT_POINTS, short),
            "unable": refusal(402, CODE_INSUFFICIENT_POINTS, "needs 2900 points but only 0"),
            "unknown_task": ["42", refusal(404, CODE_NOT_FOUND, "task 42")],
            "no_route": { "code": CODE_NOT_FOUND, "data": null },
            "no_routes": [
                ["GET", "/v1/balance"], ["GET", "/v1/user/balance"], ["GET", "/v1/tasks"],
                ["GET", "/v1/tasks/"], ["GET", "/v1"], ["GET", CREATE_PATH], ["POST", "/v1/upload"],
            ],
            "strict": [
                [{ "duration": 16 }, invalid("duration must be an integer between 4 and 15")],
                [{ "ratio": "2:1" }, invalid("ratio must be one of")],
                [{ "duration": "5" }, invalid("duration must be an integer")],
                [{ "model": "seedance_1.0" }, invalid("model must be one of")],
                [{ "prompt": "   " }, invalid("prompt is required")],
            ],
            "not_json": invalid("JSON object"),
            "nulls": { "prompt": "a cat", "ratio": null, "image_files": null },
        })
    }

    fn configure(config: &mut FakeSeed2Config, reads: (u32, u32), video: &[u8]) {
        (config.pending_polls, config.processing_polls) = reads;
        config.result_bytes = video.to_vec();
    }

    fn snapshot_status(task: &FakeTask) -> &str {
        &task.status
    }
}

async fn generate(fake: &FakeSeed2, body: Value) -> Reply {
    send(keyed(fake, Method::POST, CREATE_PATH).json(&body)).await
}

async fn get(fake: &FakeSeed2, path: &str) -> Reply {
    send(keyed(fake, Method::GET, path)).await
}

async fn query(fake: &FakeSeed2, id: u64) -> Reply {
    get(fake, &format!("/v1/tasks/{id}")).await
}

fn created_id(reply: &Reply) -> u64 {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["task_id"].as_u64().unwrap()
}

/// Polls until the task is terminal, returning every status seen and the
/// final `data`.
async fn poll_to_end(fake: &FakeSeed2, id: u64) -> (Vec<String>, Value) {
    let read = || async move {
        let reply = query(fake, id).await;
        assert_eq!(reply.body["code"], 0);
        reply
    };
    let (seen, body) = test_client::poll_to_end(read, |body| &body["data"]["status"]).await;
    (seen, body["data"].clone())
}

fn assert_error(reply: &Reply, status: u16, code: i64, mentions: &str) {
    refused::<Seed2>(reply, &refusal(status, code, mentions));
}

const VIDEO: &str = "https://example.com/dance.mp4";
const AUDIO: &str = "https://example.com/speech.mp3";

#[tokio::test]
async fn a_bare_prompt_gets_the_fast_model_five_seconds_and_sixteen_by_nine() {
    let fake = FakeSeed2::start().await.unwrap();
    let reply = generate(&fake, json!({ "prompt": "a cat playing piano" })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({
            "code": 0,
            "message": "ok",
            "data": { "task_id": FIRST_TASK_ID, "status": "pending", "points_cost": 2900, "balance": 7100 },
        })
    );
    let task = fake.task(FIRST_TASK_ID).unwrap();
    assert_eq!(task.model, FAST_MODEL);
    assert_eq!(task.duration, 5);
    assert_eq!(task.ratio, "16:9");
    assert_eq!(task.points_cost, 2900);
    assert_eq!(task.body, json!({ "prompt": "a cat playing piano" }));
    assert_eq!(fake.balance(), Some(7100));
}

#[tokio::test]
async fn durations_of_four_and_fifteen_pass_but_three_sixteen_and_strings_do_not() {
    let fake = FakeSeed2::start_with(FakeSeed2Config {
        initial_points: 1_000_000,
        ..FakeSeed2Config::default()
    })
    .await
    .unwrap();
    for duration in [json!(3), json!(16), json!("5"), json!(5.5)] {
        let reply = generate(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
        assert_error(
            &reply,
            400,
            CODE_INVALID_PARAMS,
            "duration must be an integer between 4 and 15",
        );
    }
    assert!(fake.created_tasks().is_empty());
    assert_eq!(fake.balance(), Some(1_000_000));
    for (duration, cost) in [(4, 2320), (15, 8700)] {
        let reply = generate(&fake, json!({ "prompt": "a cat", "duration": duration })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["data"]["points_cost"], cost);
    }
    assert_eq!(fake.create_calls(), 6);
}

#[tokio::test]
async fn an_adaptive_ratio_is_rejected_naming_the_allowed_ratios() {
    let fake = FakeSeed2::start().await.unwrap();
    let reply = generate(&fake, json!({ "prompt": "a cat", "ratio": "adaptive" })).await;
    assert_error(&reply, 400, CODE_INVALID_PARAMS, "ratio must be one of");
    assert!(reply.body["message"].as_str().unwrap().contains("21:9"));
    let tall = generate(&fake, json!({ "prompt": "a cat", "ratio": "9:16" })).await;
    assert_eq!(tall.status, 200, "{}", tall.body);
    assert_eq!(fake.created_tasks()[0].ratio, "9:16");
}

#[tokio::test]
async fn ten_image_files_are_rejected_but_nine_are_accepted() {
    let fake = FakeSeed2::start().await.unwrap();
    let ten = generate(&fake, json!({ "prompt": "a cat", "image_files": urls(10) })).await;
    assert_error(&ten, 400, CODE_INVALID_PARAMS, "image_files has 10 entries");
    let nine = generate(&fake, json!({ "prompt": "a cat", "image_files": urls(9) })).await;
    assert_eq!(nine.status, 200, "{}", nine.body);
    // Image references do not raise the price.
    assert_eq!(nine.body["data"]["points_cost"], 2900);
}

#[tokio::test]
async fn four_videos_four_audios_and_non_http_urls_are_rejected() {
    let fake = FakeSeed2::start().await.unwrap();
    let videos = vec![VIDEO; 4];
    let reply = generate(&fake, json!({ "prompt": "p", "video_files": videos })).await;
    assert_error(&reply, 400, CODE_INVALID_PARAMS, "video_files");
    let audios = vec![AUDIO; 4];
    let reply = generate(
        &fake,
        json!({ "prompt": "p", "image_files": urls(1), "audio_files": audios }),
    )
    .await;
    assert_error(&reply, 400, CODE_INVALID_PARAMS, "audio_files");
    for bad in [
        "ftp://example.com/a.png",
        "data:image/png;base64,AAAA",
        "/tmp/a.png",
    ] {
        let reply = generate(&fake, json!({ "prompt": "p", "image_files": [bad] })).await;
        assert_error(&reply, 400, CODE_INVALID_PARAMS, "image_files[0]");
    }
    let not_array = generate(&fake, json!({ "prompt": "p", "image_files": VIDEO })).await;
    assert_error(&not_array, 400, CODE_INVALID_PARAMS, "image_files");
    assert!(fake.created_tasks().is_empty());
}

#[tokio::test]
async fn audio_files_alone_are_accepted_as_the_readmes_audio_sync_sends_them() {
    let fake = FakeSeed2::start_with(FakeSeed2Config {
        initial_points: 100_000,
        ..FakeSeed2Config::default()
    })
    .await
    .unwrap();
    // The README's "Audio Sync" example: a prompt, 10 s, one audio file, nothing else.
    let sync =
        json!({ "prompt": "A DJ mixing at a nightclub", "duration": 10, "audio_files": [AUDIO] });
    let alone = generate(&fake, sync).await;
    assert_eq!(alone.status, 200, "{}", alone.body);
    assert_eq!(
        alone.body["data"]["points_cost"], 11_600,
        "fast with audio: 1160 per second"
    );
    let with_image = generate(
        &fake,
        json!({ "prompt": "a DJ", "audio_files": [AUDIO], "image_files": urls(1) }),
    )
    .await;
    assert_eq!(with_image.status, 200, "{}", with_image.body);
    let with_video = generate(
        &fake,
        json!({ "prompt": "a DJ", "audio_files": [AUDIO], "video_files": [VIDEO] }),
    )
    .await;
    assert_eq!(with_video.status, 200, "{}", with_video.body);
}

#[tokio::test]
async fn a_failed_task_reports_its_reason_in_the_form_a_test_names() {
    let fake = FakeSeed2::start().await.unwrap();
    fake.script_next_outcome(TaskOutcome::Fail("face detected".into()));
    let id = created_id(&generate(&fake, json!({ "prompt": "a cat" })).await);
    let (_, data) = poll_to_end(&fake, id).await;
    assert_eq!(data["result"]["error"], "face detected");
    let form = json!({ "code": 4011, "msg": "face detected" });
    fake.report_failures_as(form.clone());
    let (_, data) = poll_to_end(&fake, id).await;
    assert_eq!(data["status"], "failed");
    assert_eq!(data["result"]["error"], form);
}

/// The README refuses neither fields it does not list nor a reference to a
/// list entry that is not there, so neither does the fake: the task is made,
/// priced as documented, and the body is recorded as sent.
#[tokio::test]
async fn unlisted_fields_and_dangling_references_are_served_as_the_readme_allows() {
    let fake = FakeSeed2::start().await.unwrap();
    let body = json!({
        "prompt": "@image_file_1 hugs @image_file_2, dancing like @video_file_1",
        "image_files": urls(1),
        "resolution": "1080p",
        "seed": null,
    });
    let reply = generate(&fake, body.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["data"]["points_cost"], 2900,
        "images keep the base rate"
    );
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].body, body, "the body is recorded as sent");
}

#[tokio::test]
async fn prices_follow_the_model_the_duration_and_video_or_audio_references() {
    let fake = FakeSeed2::start().await.unwrap();
    fake.set_balance(100_000);
    let cases = [
        (json!({ "prompt": "p", "duration": 5 }), 2900),
        (
            json!({ "prompt": "p", "duration": 5, "image_files": urls(1), "audio_files": [AUDIO] }),
            5800,
        ),
        (
            json!({ "prompt": "p", "model": STANDARD_MODEL, "duration": 5, "video_files": [VIDEO] }),
            11_600,
        ),
        (
            json!({ "prompt": "p", "model": STANDARD_MODEL, "duration": 10 }),
            11_600,
        ),
        (
            json!({ "prompt": "p", "duration": 10, "video_files": [VIDEO] }),
            11_600,
        ),
    ];
    let mut expected = 100_000;
    for (body, cost) in cases {
        let reply = generate(&fake, body).await;
        assert_eq!(reply.body["data"]["points_cost"], cost, "{}", reply.body);
        expected -= cost;
        assert_eq!(reply.body["data"]["balance"], expected);
    }
    assert_eq!(fake.balance(), Some(expected));
    let costs: Vec<i64> = fake
        .created_tasks()
        .iter()
        .map(|task| task.points_cost)
        .collect();
    assert_eq!(costs, [2900, 5800, 11_600, 11_600, 11_600]);
}

#[tokio::test]
async fn a_task_has_an_integer_id_answered_as_task_id_then_id_and_a_video_url() {
    let fake = FakeSeed2::start().await.unwrap();
    let id = created_id(&generate(&fake, json!({ "prompt": "a cat", "duration": 6 })).await);
    let second = created_id(&generate(&fake, json!({ "prompt": "a dog" })).await);
    assert_eq!(second, id + 1);

    let first = query(&fake, id).await;
    assert_eq!(
        first.body,
        json!({
            "code": 0,
            "message": "ok",
            "data": { "id": id, "status": "pending", "result": null, "points_cost": 3480 },
        })
    );
    let (seen, done) = poll_to_end(&fake, id).await;
    assert_eq!(seen, ["processing", "completed"]);
    assert_eq!(done["id"], id);
    assert!(done.get("task_id").is_none());
    assert_eq!(done["result"]["duration"], 6);
    let video_url = format!("{}/cdn/videos/{id}.mp4", fake.base_url());
    assert_eq!(done["result"]["video_url"], video_url.as_str());
    assert_eq!(done["points_cost"], 3480);
    assert_eq!(fake.balance(), Some(10_000 - 3480 - 2900));
}

#[tokio::test]
async fn a_non_integer_task_id_is_invalid_params() {
    let fake = FakeSeed2::start().await.unwrap();
    for raw in ["abc", "12.5", "-3", "+7", "task_1"] {
        let reply = get(&fake, &format!("/v1/tasks/{raw}")).await;
        assert_error(
            &reply,
            400,
            CODE_INVALID_PARAMS,
            "task_id must be an integer",
        );
    }
    let too_big = get(&fake, "/v1/tasks/99999999999999999999999").await;
    assert_error(&too_big, 400, CODE_INVALID_PARAMS, "task_id");
}
