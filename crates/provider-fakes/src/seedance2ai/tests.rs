//! Tests of the seedance2ai.io fake, written as the sentences they prove.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};

use super::*;

use reqwest::Method;

use crate::{
    FakeControl,
    every_fake::{Provider, refused},
    test_client::{self, Reply, client, keyed, send, urls},
};

/// An error in seedance2ai.io's envelope, with its `code`, whose message says
/// `words`.
fn refusal(status: u16, code: &str, words: &str) -> Value {
    json!([status, { "error": { "code": code } }, words])
}

impl Provider for Seedance2ai {
    fn table() -> Value {
        let invalid = |words: &str| refusal(400, "invalid_request", words);
        let failed = |code: &str, message: &str| {
            let error = json!({ "code": code, "message": message });
            json!({
                "status": "failed", "error": error, "output": null,
                "credits_used": 30, "credits_refunded": 30,
            })
        };
        let (policy, face) = (
            "content_policy_violation",
            "The start frame shows a real face",
        );
        let moderation = "content moderation refused the output";
        let short = json!({ "error": {
            "code": "insufficient_credits", "required_credits": 30, "available_credits": 29,
        } });
        json!({
            "key": "sk_live_fake", "balance": DEFAULT_CREDITS, "price": 30,
            "create": VIDEO_PATH, "params": "", "idempotent": true,
            "body": { "prompt": "a cat" },
            "read": ["GET", "/tasks/{id}", null],
            "id": "/id", "task": "", "status": "/status", "message": "/error/message",
            "video": "/output/video_url", "video_at": "/cdn/{id}.mp4", "signed": false,
            "words": [null, "processing", "completed"], "reads": [0, 2], "request_id": false,
            "unauthorized": refusal(401, "unauthorized", "API key"),
            "scripted": [
                [429, 7, refusal(429, "rate_limited", "scripted")],
                [503, null, refusal(503, "service_busy", "scripted")],
                [500, null, refusal(500, "internal_error", "scripted")],
            ],
            "outcomes": [
                [{ "fail": policy }, failed(policy, "The generation failed \
                    (content_policy_violation); its credits were refunded.")],
                [{ "fail": face }, failed("generation_failed", face)],
                ["expire", failed("generation_timeout", "The generation did not finish \
                    in time; its credits were refunded.")],
                ["moderation", failed("generation_failed", moderation)],
            ],
            "short": [402, short, "this request needs 30, the key owner has 29"],
            "unable": refusal(402, "insufficient_credits", "needs 30, the key owner has 0"),
            "unknown_task": ["sd2_nope", refusal(404, "not_found", "sd2_nope")],
            "no_route": { "error": { "code": "not_found" } },
            "no_routes": [
                ["GET", "/balance"], ["GET", "/user/balance"], ["GET", "/upload"],
                ["GET", "/video/seedance"], ["GET", "/tasks"], ["GET", VIDEO_PATH],
                ["POST", "/upload/image"],
            ],
            "strict": [
                [{ "aspectRatio": "16:9" }, invalid("Unsupported field aspectRatio")],
                [{ "aspectRatio": null }, invalid("Unsupported field aspectRatio")],
                [{ "generate_audio": "yes" }, invalid("generate_audio must be a boolean")],
                [{ "aspect_ratio": "2:1" }, invalid("aspect_ratio must be one of")],
                [{ "prompt": "   " }, invalid("prompt must not be blank")],
            ],
            "not_json": invalid("Invalid request body"),
            "nulls": {
                "prompt": "a cat", "mode": "text-to-video", "image_url": null, "media_urls": null,
            },
        })
    }

    /// The API has no pending state: only the processing reads apply.
    fn configure(config: &mut FakeSeedance2aiConfig, reads: (u32, u32), video: &[u8]) {
        config.processing_polls = reads.1;
        config.result_bytes = video.to_vec();
    }

    fn snapshot_status(task: &FakeTask) -> &str {
        &task.status
    }
}

/// A key no other request in this test binary uses.
fn fresh_key() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("test-key-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A POST with full control over the bearer key and `Idempotency-Key`.
async fn post_as(
    fake: &FakeSeedance2ai,
    bearer: Option<&str>,
    idempotency_key: Option<&str>,
    path: &str,
    body: &Value,
) -> Reply {
    let mut request = client()
        .post(format!("{}{path}", fake.base_url()))
        .json(body);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    send(request).await
}

async fn post_keyed(fake: &FakeSeedance2ai, key: &str, path: &str, body: &Value) -> Reply {
    post_as(fake, Some(fake.api_key()), Some(key), path, body).await
}

async fn create(fake: &FakeSeedance2ai, path: &str, body: Value) -> Reply {
    post_keyed(fake, &fresh_key(), path, &body).await
}

async fn create_video(fake: &FakeSeedance2ai, body: Value) -> Reply {
    create(fake, VIDEO_PATH, body).await
}

async fn get(fake: &FakeSeedance2ai, path: &str) -> Reply {
    send(keyed(fake, Method::GET, path)).await
}

async fn get_task(fake: &FakeSeedance2ai, id: &str) -> Reply {
    get(fake, &format!("/tasks/{id}")).await
}

fn id_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Polls until the task is terminal, returning every status seen and the
/// final task JSON.
async fn poll_to_end(fake: &FakeSeedance2ai, id: &str) -> (Vec<String>, Value) {
    test_client::poll_to_end(|| get_task(fake, id), |body| &body["status"]).await
}

fn assert_error(reply: &Reply, status: u16, code: &str, mentions: &str) {
    refused::<Seedance2ai>(reply, &refusal(status, code, mentions));
}

fn assert_invalid(reply: &Reply, mentions: &str) {
    assert_error(reply, 400, "invalid_request", mentions);
}

/// The document asks for the key on every POST but names no error without one:
/// such a POST is served, and nothing protects its retry from paying twice.
#[tokio::test]
async fn a_post_without_an_idempotency_key_is_served_and_its_retry_pays_again() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let body = json!({ "prompt": "a cat" });
    let reply = post_as(&fake, Some(fake.api_key()), None, VIDEO_PATH, &body).await;
    let first = id_of(&reply);
    let blank = post_as(&fake, Some(fake.api_key()), Some("  "), VIDEO_PATH, &body).await;
    assert_ne!(id_of(&blank), first, "a blank key is no key: a second task");
    let image = json!({ "type": "text-to-image", "prompt": "a cat" });
    let image_reply = post_as(
        &fake,
        Some(fake.api_key()),
        None,
        NANO_BANANA_PRO_PATH,
        &image,
    )
    .await;
    id_of(&image_reply);
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 3);
    assert!(tasks.iter().all(|t| t.idempotency_key.is_none()));
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 30 - 30 - 12));
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_original_answer_and_charges_once() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let body = json!({ "prompt": "a glass train", "duration": "5" });
    let first = post_keyed(&fake, "retry-1", VIDEO_PATH, &body).await;
    let id = id_of(&first);
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 30));

    // The task moves on; a replay still answers what the first POST answered.
    poll_to_end(&fake, &id).await;
    let again = post_keyed(&fake, "retry-1", VIDEO_PATH, &body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);

    // Key order and whitespace are not part of "the same body".
    let raw = client()
        .post(format!("{}{VIDEO_PATH}", fake.base_url()))
        .bearer_auth(fake.api_key())
        .header("Idempotency-Key", "retry-1")
        .header("Content-Type", "application/json")
        .body(r#"{ "duration" : "5",   "prompt" : "a glass train" }"#);
    assert_eq!(send(raw).await.body["id"], id.as_str());

    assert_eq!(fake.created_tasks().len(), 1);
    assert_eq!(
        fake.created_tasks()[0].idempotency_key.as_deref(),
        Some("retry-1")
    );
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 30));
    assert_eq!(fake.create_calls(), 3);
}

#[tokio::test]
async fn the_same_key_with_a_different_body_or_endpoint_is_an_idempotency_conflict() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let first = post_keyed(&fake, "k", VIDEO_PATH, &json!({ "prompt": "a cat" })).await;
    id_of(&first);
    let other = post_keyed(&fake, "k", VIDEO_PATH, &json!({ "prompt": "a dog" })).await;
    assert_error(
        &other,
        409,
        "idempotency_conflict",
        "different request body",
    );
    let image = json!({ "type": "text-to-image", "prompt": "a cat" });
    let elsewhere = post_keyed(&fake, "k", NANO_BANANA_PRO_PATH, &image).await;
    assert_error(&elsewhere, 409, "idempotency_conflict", "Idempotency-Key");
    assert_eq!(fake.created_tasks().len(), 1);
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 30));
}

#[tokio::test]
async fn duration_must_be_a_string_from_4_to_15() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    for wrong in [
        json!(5),
        json!("3"),
        json!("16"),
        json!("5.0"),
        json!(" 5"),
        json!("05"),
    ] {
        let reply = create_video(&fake, json!({ "prompt": "a cat", "duration": wrong })).await;
        assert_invalid(&reply, "duration must be a string");
    }
    assert!(fake.created_tasks().is_empty());
    fake.set_balance(1_000);
    let four = create_video(&fake, json!({ "prompt": "a cat", "duration": "4" })).await;
    assert_eq!(four.body["credits_used"], 24, "{}", four.body);
    let fifteen = create_video(&fake, json!({ "prompt": "a cat", "duration": "15" })).await;
    assert_eq!(fifteen.body["credits_used"], 90, "{}", fifteen.body);
}

#[tokio::test]
async fn the_mode_must_match_the_media_sent() {
    let fake = FakeSeedance2ai::start_with(FakeSeedance2aiConfig {
        initial_credits: 10_000,
        ..FakeSeedance2aiConfig::default()
    })
    .await
    .unwrap();
    let image = "https://example.com/start.png";
    let end = "https://example.com/end.png";
    let rejected = [
        (
            json!({ "image_url": image }),
            "text-to-video takes no media",
        ),
        (
            json!({ "media_urls": urls(1) }),
            "text-to-video takes no media",
        ),
        (
            json!({ "mode": "image-to-video" }),
            "image_url (the start frame) is required",
        ),
        (
            json!({ "mode": "image-to-video", "end_image_url": end }),
            "image_url (the start frame) is required",
        ),
        (
            json!({ "mode": "image-to-video", "image_url": image, "media_urls": urls(1) }),
            "media_urls is only allowed",
        ),
        (json!({ "mode": "media-to-video" }), "media_urls (1 to 12"),
        (
            json!({ "mode": "media-to-video", "media_urls": urls(1), "image_url": image }),
            "only allowed when mode is image-to-video",
        ),
        (
            json!({ "mode": "media-to-video", "media_urls": urls(1), "end_image_url": end }),
            "only allowed when mode is image-to-video",
        ),
        (
            json!({ "mode": "media-to-video", "media_urls": [] }),
            "1 to 12 URLs",
        ),
        (
            json!({ "mode": "media-to-video", "media_urls": urls(13) }),
            "1 to 12 URLs",
        ),
        (json!({ "mode": "video-to-video" }), "mode must be one of"),
    ];
    for (mut body, mentions) in rejected {
        body["prompt"] = json!("a cat");
        let reply = create_video(&fake, body).await;
        assert_invalid(&reply, mentions);
    }
    assert!(fake.created_tasks().is_empty());

    let accepted = [
        json!({ "mode": "text-to-video", "image_url": null, "media_urls": null }),
        json!({ "mode": "image-to-video", "image_url": image }),
        json!({ "mode": "image-to-video", "image_url": image, "end_image_url": end }),
        json!({ "mode": "media-to-video", "media_urls": urls(12) }),
    ];
    for mut body in accepted {
        body["prompt"] = json!("a cat");
        let reply = create_video(&fake, body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}

#[tokio::test]
async fn media_that_are_not_public_https_urls_are_rejected() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let cases = [
        ("http://example.com/a.png", "plain http"),
        ("data:image/png;base64,iVBORw0KGgo=", "data: URLs"),
        ("asset://abc123", "asset:// URLs"),
        ("ftp://example.com/a.png", "not an https URL"),
        ("https://", "no host"),
        ("https://localhost/a.png", "not public"),
        ("https://127.0.0.1:8443/a.png", "not public"),
        ("https://192.168.1.10/a.png", "not public"),
        ("https://[::1]/a.png", "not public"),
        ("https://example.com/a b.png", "whitespace"),
    ];
    for (url, why) in cases {
        let i2v = create_video(
            &fake,
            json!({ "prompt": "a cat", "mode": "image-to-video", "image_url": url }),
        )
        .await;
        assert_invalid(&i2v, "media must be public https URLs");
        assert_invalid(&i2v, why);
        let m2v = create_video(
            &fake,
            json!({ "prompt": "a cat", "mode": "media-to-video", "media_urls": [url] }),
        )
        .await;
        assert_invalid(&m2v, "media_urls[0]: media must be public https URLs");
    }
    let image_edit = create(
        &fake,
        GPT_IMAGE_2_PATH,
        json!({
            "type": "image-to-image", "prompt": "edit", "resolution": "1K",
            "aspect_ratio": "1:1", "image_urls": ["http://example.com/a.png"],
        }),
    )
    .await;
    assert_invalid(&image_edit, "media must be public https URLs");
    assert!(fake.created_tasks().is_empty());

    let upper = create_video(
        &fake,
        json!({ "prompt": "a cat", "mode": "image-to-video", "image_url": "HTTPS://Example.com/a.png" }),
    )
    .await;
    assert_eq!(upper.status, 200, "{}", upper.body);
}

#[tokio::test]
async fn a_seed_is_rejected_on_the_real_channel_and_the_mini_tier() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let real = create_video(
        &fake,
        json!({ "prompt": "a cat", "channel": "real", "seed": 7 }),
    )
    .await;
    assert_invalid(&real, "real channel");
    let mini = create_video(
        &fake,
        json!({ "prompt": "a cat", "quality_tier": "mini", "seed": -1 }),
    )
    .await;
    assert_invalid(&mini, "mini tier");
    for out_of_range in [json!(-2), json!(4_294_967_296_i64), json!(1.5), json!("7")] {
        let reply = create_video(&fake, json!({ "prompt": "a cat", "seed": out_of_range })).await;
        assert_invalid(&reply, "seed must be an integer from -1 to 4294967295");
    }
    assert!(fake.created_tasks().is_empty());

    let wild = create_video(
        &fake,
        json!({ "prompt": "a cat", "channel": "wild", "seed": 4_294_967_295_i64 }),
    )
    .await;
    let id = id_of(&wild);
    let (_, done) = poll_to_end(&fake, &id).await;
    assert_eq!(done["output"]["seed"], 4_294_967_295_i64);
    assert_eq!(done["channel"], "wild");
}

#[tokio::test]
async fn pro_only_resolutions_are_rejected_below_pro_and_priced_on_pro() {
    let fake = FakeSeedance2ai::start_with(FakeSeedance2aiConfig {
        initial_credits: 10_000,
        ..FakeSeedance2aiConfig::default()
    })
    .await
    .unwrap();
    for tier in ["mini", "standard"] {
        for resolution in ["1080p-plus", "4k"] {
            let reply = create_video(
                &fake,
                json!({ "prompt": "a cat", "quality_tier": tier, "resolution": resolution }),
            )
            .await;
            assert_invalid(&reply, "needs quality_tier pro");
        }
    }
    assert!(fake.created_tasks().is_empty());

    let prices = [
        (json!({ "quality_tier": "mini" }), 20),
        (json!({ "quality_tier": "mini", "resolution": "1080p" }), 30),
        (json!({}), 30),
        (json!({ "resolution": "1080p", "duration": "10" }), 90),
        (json!({ "quality_tier": "pro" }), 50),
        (
            json!({ "quality_tier": "pro", "resolution": "1080p-plus" }),
            100,
        ),
        (
            json!({ "quality_tier": "pro", "resolution": "4k", "duration": "4" }),
            160,
        ),
        (
            json!({ "channel": "real", "generate_audio": false, "fixed_lens": true }),
            30,
        ),
    ];
    let mut spent = 0;
    for (mut body, price) in prices {
        body["prompt"] = json!("a cat");
        let reply = create_video(&fake, body).await;
        assert_eq!(reply.body["credits_used"], price, "{}", reply.body);
        spent += price;
    }
    assert_eq!(fake.balance(), Some(10_000 - spent));
}

#[tokio::test]
async fn forbidden_unknown_and_badly_typed_fields_are_rejected() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let cases = [
        (json!({ "teamSlug": "acme" }), "Do not send teamSlug"),
        (json!({ "provider": "byteplus" }), "Do not send provider"),
        (
            json!({ "quality_tier": "ultra" }),
            "quality_tier must be one of",
        ),
    ];
    for (mut body, mentions) in cases {
        body["prompt"] = json!("a cat");
        assert_invalid(&create_video(&fake, body).await, mentions);
    }
    for prompt in [json!("ab"), json!(3), json!("x".repeat(10_001))] {
        let reply = create_video(&fake, json!({ "prompt": prompt })).await;
        assert_invalid(&reply, "prompt");
    }
    assert_invalid(&create_video(&fake, json!({})).await, "prompt is required");
    let not_object = create_video(&fake, json!(["a cat"])).await;
    assert_invalid(&not_object, "JSON object");

    let form = client()
        .post(format!("{}{VIDEO_PATH}", fake.base_url()))
        .bearer_auth(fake.api_key())
        .header("Idempotency-Key", fresh_key())
        .header("Content-Type", "text/plain")
        .body(r#"{"prompt":"a cat"}"#);
    assert_invalid(&send(form).await, "Content-Type");
    assert!(fake.created_tasks().is_empty());

    let shortest = create_video(&fake, json!({ "prompt": "cat" })).await;
    assert_eq!(shortest.status, 200, "{}", shortest.body);
}

#[tokio::test]
async fn a_create_refused_for_credits_busy_or_rate_limited_does_not_burn_its_key() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let body = json!({ "prompt": "a cat", "duration": "5" });
    fake.set_balance(29);
    let poor = post_keyed(&fake, "k", VIDEO_PATH, &body).await;
    assert_error(&poor, 402, "insufficient_credits", "30");
    fake.set_balance(30);
    fake.fail_next_request(503, None);
    let busy = post_keyed(&fake, "k", VIDEO_PATH, &body).await;
    assert_error(&busy, 503, "service_busy", "scripted");
    fake.fail_next_request(429, Some(1));
    let limited = post_keyed(&fake, "k", VIDEO_PATH, &body).await;
    assert_error(&limited, 429, "rate_limited", "scripted");
    id_of(&post_keyed(&fake, "k", VIDEO_PATH, &body).await);
    assert_eq!((fake.create_calls(), fake.tasks_created()), (4, 1));
    assert_eq!(fake.balance(), Some(0));
}

#[tokio::test]
async fn a_video_task_answers_its_documented_fields_and_a_last_frame() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let created = create_video(
        &fake,
        json!({
            "mode": "text-to-video", "quality_tier": "standard", "prompt": "a glass train",
            "aspect_ratio": "16:9", "duration": "5", "resolution": "720p",
        }),
    )
    .await;
    let id = id_of(&created);
    assert!(id.starts_with("sd2_"), "{id}");
    assert_eq!(
        created.body,
        json!({
            "id": id, "status": "processing", "model": "seedance2",
            "quality_tier": "standard", "channel": "standard", "credits_used": 30,
        })
    );

    let (_, done) = poll_to_end(&fake, &id).await;
    assert_eq!(done["model"], "seedance2");
    assert_eq!(done["credits_used"], 30);
    assert_eq!(done["credits_refunded"], 0);
    assert_eq!(done["error"], Value::Null);
    assert_eq!(done["created_at"], "2026-06-03T10:00:00.000Z");
    assert_eq!(done["updated_at"], "2026-06-03T10:01:30.000Z");
    assert!(done["output"]["seed"].as_i64().unwrap() >= 0);
    let frame = reqwest::get(done["output"]["last_frame_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(frame.headers()["content-type"], "image/png");
    assert_eq!(frame.bytes().await.unwrap().as_ref(), PLACEHOLDER_PNG);
}

#[tokio::test]
async fn the_rate_limiter_answers_429_with_retry_after_and_creates_nothing() {
    let fake = FakeSeedance2ai::start_with(FakeSeedance2aiConfig {
        rate_limit_per_minute: Some(2),
        ..FakeSeedance2aiConfig::default()
    })
    .await
    .unwrap();
    let id = id_of(&create_video(&fake, json!({ "prompt": "a cat" })).await);
    assert_eq!(get_task(&fake, &id).await.status, 200);
    let body = json!({ "prompt": "a dog" });
    let limited = post_keyed(&fake, "limited", VIDEO_PATH, &body).await;
    assert_error(&limited, 429, "rate_limited", "Retry-After");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_error(
        &get_task(&fake, &id).await,
        429,
        "rate_limited",
        "Retry-After",
    );
    assert_eq!(fake.created_tasks().len(), 1);
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 30));

    // Unauthorised requests and CDN downloads do not count against the account.
    let anonymous = post_as(&fake, None, Some("x"), VIDEO_PATH, &body).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn the_sliding_window_frees_a_slot_sixty_seconds_after_an_admission() {
    let fake = FakeSeedance2ai::start_with(FakeSeedance2aiConfig {
        rate_limit_per_minute: Some(1),
        ..FakeSeedance2aiConfig::default()
    })
    .await
    .unwrap();
    let limiter = &mut fake.state().api;
    let start = Instant::now();
    assert_eq!(limiter.admit(start), Ok(()));
    assert_eq!(limiter.admit(start + Duration::from_millis(500)), Err(60));
    assert_eq!(limiter.admit(start + Duration::from_secs(59)), Err(1));
    assert_eq!(limiter.admit(start + Duration::from_secs(60)), Ok(()));
    assert_eq!(limiter.admit(start + Duration::from_secs(61)), Err(59));
}

#[tokio::test]
async fn gpt_image_2_batches_create_one_task_per_image_that_complete_with_url_arrays() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let created = create(
        &fake,
        GPT_IMAGE_2_PATH,
        json!({
            "type": "text-to-image", "prompt": "a shoe on chrome", "resolution": "2K",
            "aspect_ratio": "1:1", "channel": "economy", "batch_count": 2,
        }),
    )
    .await;
    let id = id_of(&created);
    assert!(id.starts_with("gpt2_"), "{id}");
    assert_eq!(created.body["model"], "gpt-image-2");
    assert_eq!(created.body["credits_used"], 24);
    assert_eq!(created.body["remaining_credits"], DEFAULT_CREDITS - 24);
    assert_eq!(created.body["batch_success"], 2);
    assert_eq!(created.body["batch_failed"], 0);
    let batch: Vec<String> = created.body["batch_task_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[0], id);

    for task_id in &batch {
        let (_, done) = poll_to_end(&fake, task_id).await;
        assert_eq!(done["status"], "completed");
        assert_eq!(done["credits_used"], 12);
        let urls = done["output"].as_array().unwrap();
        assert_eq!(urls.len(), 1);
        let download = reqwest::get(urls[0].as_str().unwrap()).await.unwrap();
        assert_eq!(download.headers()["content-type"], "image/png");
        assert_eq!(download.bytes().await.unwrap().as_ref(), PLACEHOLDER_PNG);
    }
    let tasks = fake.created_tasks();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|task| task.kind == TaskKind::GptImage2));
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS - 24));

    let single = create(
        &fake,
        GPT_IMAGE_2_PATH,
        json!({ "type": "text-to-image", "prompt": "a shoe", "resolution": "1K", "aspect_ratio": "auto" }),
    )
    .await;
    assert_eq!(single.body["credits_used"], 8);
    assert!(single.body.get("batch_task_ids").is_none());
}

#[tokio::test]
async fn nano_banana_pro_completes_with_image_objects_in_the_requested_format() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let created = create(
        &fake,
        NANO_BANANA_PRO_PATH,
        json!({
            "type": "image-to-image", "prompt": "a packaging mockup", "image_size": "1:1",
            "resolution": "1K", "output_format": "jpeg", "image_urls": urls(8),
        }),
    )
    .await;
    let id = id_of(&created);
    assert!(id.starts_with("nbp_"), "{id}");
    assert_eq!(created.body["model"], "nano-banana-pro");
    assert_eq!(created.body["credits_used"], 12);
    assert!(
        created.body["request_id"]
            .as_str()
            .unwrap()
            .starts_with("kie_")
    );
    assert_eq!(created.body["remaining_credits"], DEFAULT_CREDITS - 12);

    let (seen, done) = poll_to_end(&fake, &id).await;
    assert_eq!(seen.last().unwrap(), "completed");
    let image = &done["output"]["images"][0];
    for field in ["url", "provider_url"] {
        let url = image[field].as_str().unwrap();
        assert!(url.ends_with(".jpg"), "{url}");
        let download = reqwest::get(url).await.unwrap();
        assert_eq!(download.headers()["content-type"], "image/jpeg");
        let bytes = download.bytes().await.unwrap();
        assert_eq!(
            crate::media::sniff_image(&bytes),
            Some(("image/jpeg", "jpg"))
        );
    }
    assert_eq!(fake.task(&id).unwrap().kind, TaskKind::NanoBananaPro);
    assert_eq!(fake.task(&id).unwrap().body["output_format"], "jpeg");

    let four_k = create(
        &fake,
        NANO_BANANA_PRO_PATH,
        json!({ "type": "text-to-image", "prompt": "a mockup", "resolution": "4K" }),
    )
    .await;
    assert_eq!(four_k.body["credits_used"], 24, "{}", four_k.body);
}

#[tokio::test]
async fn image_requests_follow_their_documented_fields() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let gpt = |extra: Value| {
        let mut body = json!({
            "type": "text-to-image", "prompt": "a shoe", "resolution": "1K", "aspect_ratio": "1:1",
        });
        for (key, value) in extra.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        body
    };
    let gpt_cases = [
        (gpt(json!({ "type": null })), "type is required"),
        (gpt(json!({ "resolution": null })), "resolution is required"),
        (
            gpt(json!({ "aspect_ratio": null })),
            "aspect_ratio is required",
        ),
        (
            gpt(json!({ "aspect_ratio": "adaptive" })),
            "aspect_ratio must be one of",
        ),
        (gpt(json!({ "batch_count": 5 })), "batch_count"),
        (
            gpt(json!({ "num_images": 2 })),
            "Unsupported field num_images",
        ),
        (
            gpt(json!({ "type": "image-to-image" })),
            "image_urls (1 to 10",
        ),
        (
            gpt(json!({ "image_urls": urls(1) })),
            "only allowed when type is image-to-image",
        ),
        (
            gpt(json!({ "type": "image-to-image", "image_urls": urls(11) })),
            "1 to 10 URLs",
        ),
        (gpt(json!({ "provider": "openai" })), "Do not send provider"),
    ];
    for (body, mentions) in gpt_cases {
        assert_invalid(&create(&fake, GPT_IMAGE_2_PATH, body).await, mentions);
    }
    let nbp_cases = [
        (json!({ "prompt": "a mockup" }), "type is required"),
        (
            json!({ "type": "image-to-image", "prompt": "a mockup", "image_urls": urls(9) }),
            "1 to 8 URLs",
        ),
        (
            json!({ "type": "text-to-image", "prompt": "a mockup", "output_format": "webp" }),
            "output_format must be one of",
        ),
        (
            json!({ "type": "text-to-image", "prompt": "a mockup", "aspect_ratio": "1:1" }),
            "Unsupported field aspect_ratio",
        ),
    ];
    for (body, mentions) in nbp_cases {
        assert_invalid(&create(&fake, NANO_BANANA_PRO_PATH, body).await, mentions);
    }
    assert!(fake.created_tasks().is_empty());
    assert_eq!(fake.balance(), Some(DEFAULT_CREDITS));
}

#[tokio::test]
async fn ids_are_distinct_and_timestamps_advance_per_task() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let first = id_of(&create_video(&fake, json!({ "prompt": "one" })).await);
    let second = id_of(&create_video(&fake, json!({ "prompt": "two" })).await);
    assert_ne!(first, second);
    let task = get_task(&fake, &second).await;
    assert_eq!(task.body["created_at"], "2026-06-03T10:01:00.000Z");
    assert_eq!(task.body["updated_at"], "2026-06-03T10:01:30.000Z");
    assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339_millis(951_782_400), "2000-02-29T00:00:00.000Z");
    assert_eq!(rfc3339_millis(1_767_225_599), "2025-12-31T23:59:59.000Z");
}

#[tokio::test]
async fn a_failed_task_reports_its_error_in_the_form_a_test_names() {
    let fake = FakeSeedance2ai::start().await.unwrap();
    fake.script_next_outcome(TaskOutcome::Fail("nsfw_output".into()));
    let id = id_of(&create_video(&fake, json!({ "prompt": "a cat" })).await);
    let (_, failed) = poll_to_end(&fake, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "nsfw_output");
    for form in [
        json!("refused by moderation"),
        json!(4011),
        json!({ "msg": "busy" }),
    ] {
        fake.report_failures_as(form.clone());
        let (_, failed) = poll_to_end(&fake, &id).await;
        assert_eq!(failed["error"], form);
        assert_eq!(failed["credits_refunded"], failed["credits_used"]);
    }
}
