//! Tests of the Ark fake, written as the sentences they prove.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;

use super::*;

const TINY_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=";
/// `RIFF....WAVE` and nothing else: enough for the sniffer.
const TINY_WAV_BASE64: &str = "UklGRiQAAABXQVZF";

async fn download(url: &str) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

use reqwest::Method;

use crate::{
    FakeControl, PLACEHOLDER_PNG, TaskOutcome,
    every_fake::{Provider, refused},
    test_client::{self, Reply, client, keyed, send},
};

const TASKS: &str = "/contents/generations/tasks";

fn tasks_url(fake: &FakeArk) -> String {
    format!("{}/contents/generations/tasks", fake.base_url())
}

async fn create(fake: &FakeArk, body: Value) -> Reply {
    send(keyed(fake, Method::POST, TASKS).json(&body)).await
}

async fn create_ok(fake: &FakeArk, body: Value) -> String {
    let reply = create(fake, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn get_task(fake: &FakeArk, id: &str) -> Reply {
    send(keyed(fake, Method::GET, &format!("{TASKS}/{id}"))).await
}

async fn list(fake: &FakeArk, query: &str) -> Reply {
    send(keyed(fake, Method::GET, &format!("{TASKS}?{query}"))).await
}

async fn delete(fake: &FakeArk, id: &str) -> Reply {
    send(keyed(fake, Method::DELETE, &format!("{TASKS}/{id}")).json(&json!({}))).await
}

/// Reads the task until it settles; returns every status seen and the last
/// task object.
async fn poll_to_end(fake: &FakeArk, id: &str) -> (Vec<String>, Value) {
    test_client::poll_to_end(|| get_task(fake, id), |body| &body["status"]).await
}

/// An error in Ark's envelope with this `code` and `param`, its message
/// ending with the answer's request id.
fn assert_error(reply: &Reply, status: u16, code: &str, param: &str) {
    let error = json!({ "code": code, "param": param });
    refused::<Ark>(reply, &json!([status, { "error": error }, ""]));
}

fn invalid(reply: &Reply, param: &str) {
    assert_error(reply, 400, "InvalidParameter", param);
    assert_eq!(reply.body["error"]["type"], "BadRequest");
}

fn text(prompt: &str) -> Value {
    json!({ "type": "text", "text": prompt })
}

fn image(url: &str, role: &str) -> Value {
    json!({ "type": "image_url", "image_url": { "url": url }, "role": role })
}

fn video(index: usize) -> Value {
    json!({
        "type": "video_url",
        "video_url": { "url": format!("https://example.com/{index}.mp4") },
        "role": "reference_video",
    })
}

fn audio(index: usize) -> Value {
    json!({
        "type": "audio_url",
        "audio_url": { "url": format!("https://example.com/{index}.mp3") },
        "role": "reference_audio",
    })
}

fn references(count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            image(
                &format!("https://example.com/{index}.png"),
                "reference_image",
            )
        })
        .collect()
}

/// A create body for `model` with these items and extra top-level fields.
fn body(model: &str, content: Vec<Value>, extra: Value) -> Value {
    let mut body = json!({ "model": model, "content": content });
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            body[key] = value;
        }
    }
    body
}

fn prompt_only(model: &str, extra: Value) -> Value {
    body(model, vec![text("a cat on a skateboard")], extra)
}

impl Provider for Ark {
    fn table() -> Value {
        let refusal = |status: u16, [code, param, kind]: [&str; 3], words: &str| {
            let error = json!({ "code": code, "param": param, "type": kind });
            json!([status, { "error": error }, words])
        };
        let invalid =
            |param, words: &str| refusal(400, ["InvalidParameter", param, "BadRequest"], words);
        let scripted = |status, code, kind| refusal(status, [code, "", kind], "scripted");
        let failed = json!({ "status": "failed", "error": {
            "code": OUTPUT_POLICY_VIOLATION,
            "message": "The request failed because the output video may be related to \
                copyright restrictions.",
        } });
        let overdue = ["AccountOverdueError", "", "Forbidden"];
        let model = ArkRegion::BytePlus.model_id(ArkModel::Seedance2);
        let unknown_task = "cgt-20260101000000-nope0";
        json!({
            "key": "ark-fake-key", "balance": null, "price": 0,
            "create": TASKS, "params": "", "idempotent": false,
            "body": prompt_only(&model, json!({})),
            "read": ["GET", format!("{TASKS}/{{id}}"), null],
            "id": "/id", "task": "", "status": "/status", "message": "/error/message",
            "video": "/content/video_url", "video_at": "/cdn/{id}.mp4", "signed": true,
            "words": ["queued", "running", "succeeded"], "reads": [1, 1], "request_id": true,
            "unauthorized": refusal(401, ["AuthenticationError", "", "Unauthorized"], "API key"),
            "scripted": [
                [429, 7, scripted(429, "RateLimitExceeded.EndpointRPMExceeded", "TooManyRequests")],
                [500, null, scripted(500, "InternalServiceError", "InternalServerError")],
                [403, null, scripted(403, overdue[0], overdue[2])],
            ],
            "outcomes": [
                [{ "fail": OUTPUT_POLICY_VIOLATION }, failed],
                ["moderation", failed],
                ["expire", { "status": "expired", "error": null }],
            ],
            "short": null,
            "unable": refusal(403, overdue, "overdue balance"),
            "unknown_task": [
                unknown_task, refusal(404, [TASK_NOT_FOUND_CODE, "id", "NotFound"], unknown_task),
            ],
            "no_route": { "error": { "code": "NotFound", "param": "", "type": "NotFound" } },
            "no_routes": [["GET", "/chat/completions"]],
            "strict": [
                [{ "aspect_ratio": "16:9" }, invalid("aspect_ratio", "`aspect_ratio`")],
                [{ "prompt": null }, invalid("prompt", "`prompt`")],
                [{ "generate_audio": "true" }, invalid("generate_audio", "`generate_audio`")],
                [{ "ratio": "2:1" }, invalid("ratio", "`ratio`")],
                [{ "content": [text("  ")] }, invalid("content[0].text", "non-empty string")],
            ],
            "not_json": invalid("", "not valid JSON"),
            "nulls": prompt_only(&model, json!({ "seed": null, "ratio": null, "priority": null })),
        })
    }

    fn configure(config: &mut FakeArkConfig, reads: (u32, u32), video: &[u8]) {
        (config.queued_polls, config.running_polls) = reads;
        config.result_bytes = video.to_vec();
    }

    fn snapshot_status(task: &FakeArkTask) -> &str {
        &task.status
    }
}

async fn volcengine() -> FakeArk {
    FakeArk::start_with(FakeArkConfig {
        region: ArkRegion::Volcengine,
        ..FakeArkConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_body_the_official_sdk_sends_with_explicit_nulls_is_accepted() {
    let fake = volcengine().await;
    let probe = json!({
        "model": "doubao-seedance-2-0-260128",
        "content": [
            { "type": "text", "text": "hi" },
            { "type": "image_url", "image_url": { "url": "https://x/a.png" }, "role": "reference_image" },
        ],
        "safety_identifier": null, "callback_url": null, "return_last_frame": null,
        "service_tier": null, "execution_expires_after": null, "priority": null,
        "generate_audio": true, "draft": null, "camera_fixed": null, "watermark": null,
        "seed": null, "resolution": null, "ratio": "16:9", "duration": 5, "frames": null,
        "tools": null, "output_format": null, "omni_reference_task_type": null,
    });
    let id = create_ok(&fake, probe.clone()).await;
    let recorded = fake.task(&id).unwrap();
    assert_eq!(recorded.request, probe);
    assert_eq!(recorded.model, "doubao-seedance-2-0-260128");
    assert_eq!(recorded.status, "queued");

    // The BytePlus SDK has no `tools` key at all; the same body otherwise passes there.
    let byteplus = FakeArk::start().await.unwrap();
    let mut probe = probe;
    probe.as_object_mut().unwrap().remove("tools");
    probe["model"] = json!("dreamina-seedance-2-0-260128");
    create_ok(&byteplus, probe).await;
}

#[tokio::test]
async fn a_task_is_queued_then_running_then_succeeded_and_bills_108900_tokens_for_5_s_720p_16_9() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2);
    let created = create(&fake, prompt_only(&model, json!({ "duration": 5 }))).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.headers.contains_key("x-request-id"));
    assert_eq!(
        created.body.as_object().unwrap().len(),
        1,
        "{}",
        created.body
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let (stamp, tail) = id.strip_prefix("cgt-").unwrap().split_once('-').unwrap();
    assert_eq!(stamp.len(), 14);
    assert!(stamp.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(tail.len(), 5);
    assert!(
        tail.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );

    let (seen, done) = poll_to_end(&fake, &id).await;
    assert_eq!(seen, ["queued", "running", "succeeded"]);
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["model"], model.as_str());
    assert_eq!(done["error"], Value::Null);
    assert_eq!(
        done["usage"],
        json!({ "completion_tokens": 108_900, "total_tokens": 108_900 })
    );
    assert_eq!(done["resolution"], "720p");
    assert_eq!(done["ratio"], "16:9");
    assert_eq!(done["duration"], 5);
    assert_eq!(done["framespersecond"], 24);
    assert_eq!(done["generate_audio"], true);
    assert_eq!(done["draft"], false);
    assert_eq!(done["service_tier"], "default");
    assert_eq!(done["execution_expires_after"], 172_800);
    assert!(done["seed"].is_i64());
    assert!(done["created_at"].as_u64().unwrap() <= done["updated_at"].as_u64().unwrap());
    assert!(done["content"].get("last_frame_url").is_none());

    assert_eq!(fake.task(&id).unwrap().usage_tokens, Some(108_900));
}

#[tokio::test]
async fn queued_and_running_answers_carry_no_content_and_no_usage() {
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 2,
        running_polls: 2,
        ..FakeArkConfig::default()
    })
    .await
    .unwrap();
    let id = create_ok(
        &fake,
        prompt_only(&fake.model_id(ArkModel::Seedance2Fast), json!({})),
    )
    .await;
    let running = {
        get_task(&fake, &id).await;
        get_task(&fake, &id).await;
        get_task(&fake, &id).await
    };
    assert_eq!(running.body["status"], "running");
    assert!(running.body.get("content").is_none());
    assert!(running.body.get("usage").is_none());
    assert_eq!(running.body["error"], Value::Null);
    assert_eq!(fake.task(&id).unwrap().usage_tokens, None);
}

#[tokio::test]
async fn usage_follows_resolution_ratio_and_duration() {
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 0,
        running_polls: 0,
        ..FakeArkConfig::default()
    })
    .await
    .unwrap();
    let standard = fake.model_id(ArkModel::Seedance2);
    let cases = [
        (
            json!({ "resolution": "480p", "ratio": "9:16" }),
            480 * 864 * 121 / 1024,
        ),
        (
            json!({ "resolution": "1080p", "duration": 10 }),
            1920 * 1080 * 241 / 1024,
        ),
        (
            json!({ "resolution": "4k", "ratio": "1:1", "duration": 4 }),
            2880 * 2880 * 97 / 1024,
        ),
        (json!({ "ratio": "adaptive", "duration": -1 }), 108_900),
        (
            json!({ "ratio": "21:9", "duration": 15 }),
            1470 * 630 * 361 / 1024,
        ),
    ];
    for (extra, tokens) in cases {
        let id = create_ok(&fake, prompt_only(&standard, extra.clone())).await;
        let (_, done) = poll_to_end(&fake, &id).await;
        assert_eq!(done["usage"]["total_tokens"], tokens, "{extra}");
    }
    let adaptive = fake.created_tasks()[3].id.clone();
    let done = get_task(&fake, &adaptive).await.body;
    assert_eq!(
        (done["ratio"].clone(), done["duration"].clone()),
        (json!("16:9"), json!(5))
    );

    // 1.0 pro with `frames` bills the frames given.
    let pro = fake.model_id(ArkModel::Seedance10Pro);
    let id = create_ok(&fake, prompt_only(&pro, json!({ "frames": 121 }))).await;
    let (_, done) = poll_to_end(&fake, &id).await;
    assert_eq!(done["usage"]["total_tokens"], 108_900);
    assert_eq!(done["frames"], 121);
    assert!(done.get("generate_audio").is_none());
}

#[tokio::test]
async fn return_last_frame_adds_a_last_frame_url_served_by_the_fake() {
    let fake = FakeArk::start_with(FakeArkConfig {
        last_frame_bytes: b"png bytes".to_vec(),
        ..FakeArkConfig::default()
    })
    .await
    .unwrap();
    let model = fake.model_id(ArkModel::Seedance2);
    let id = create_ok(
        &fake,
        prompt_only(&model, json!({ "return_last_frame": true })),
    )
    .await;
    let url = format!("{}/cdn/{id}-last-frame.png", fake.origin());
    let early = send(client().get(&url)).await;
    assert_eq!(early.status, 404);
    assert!(early.headers.contains_key("x-request-id"));

    let (_, done) = poll_to_end(&fake, &id).await;
    let last_frame = done["content"]["last_frame_url"].as_str().unwrap();
    assert!(last_frame.starts_with(&url));
    let download = download(last_frame).await;
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"png bytes");
}

#[tokio::test]
async fn an_unknown_model_is_404_and_each_region_knows_only_its_own_ids() {
    let fake = FakeArk::start().await.unwrap();
    let unknown = create(&fake, prompt_only("seedance-9-9-999999", json!({}))).await;
    assert_error(&unknown, 404, "InvalidEndpointOrModel.NotFound", "model");
    assert_eq!(unknown.body["error"]["type"], "NotFound");
    // A model that does not exist is a 404 even when other fields are wrong too.
    let both = create(&fake, prompt_only("nope", json!({ "duration": 99 }))).await;
    assert_error(&both, 404, "InvalidEndpointOrModel.NotFound", "model");
    let volc_id = create(&fake, prompt_only("doubao-seedance-2-0-260128", json!({}))).await;
    assert_error(&volc_id, 404, "InvalidEndpointOrModel.NotFound", "model");
    for model in ArkModel::ALL {
        let payload = match model {
            ArkModel::Seedance10LiteI2v => body(
                &fake.model_id(model),
                vec![
                    text("a cat"),
                    image("https://example.com/a.png", "first_frame"),
                ],
                json!({}),
            ),
            _ => prompt_only(&fake.model_id(model), json!({})),
        };
        create_ok(&fake, payload).await;
    }
    create_ok(&fake, prompt_only("ep-20260101123456-abcde", json!({}))).await;

    let volc = volcengine().await;
    let byteplus_id = create(
        &volc,
        prompt_only("dreamina-seedance-2-0-260128", json!({})),
    )
    .await;
    assert_error(
        &byteplus_id,
        404,
        "InvalidEndpointOrModel.NotFound",
        "model",
    );
    create_ok(
        &volc,
        prompt_only("doubao-seedance-1-5-pro-251215", json!({})),
    )
    .await;
    assert_eq!(
        volc.model_id(ArkModel::Seedance2Fast),
        "doubao-seedance-2-0-fast-260128"
    );
}

#[tokio::test]
async fn the_1_x_models_answer_to_the_seed_s_ids_and_not_to_other_dates() {
    let fake = FakeArk::start().await.unwrap();
    let seed_ids = [
        (ArkModel::Seedance15Pro, "seedance-1-5-pro-251215"),
        (ArkModel::Seedance10Pro, "seedance-1-0-pro-250428"),
        (ArkModel::Seedance10ProFast, "seedance-1-0-pro-fast-250528"),
        (ArkModel::Seedance10LiteT2v, "seedance-1-0-lite-t2v-250219"),
        (ArkModel::Seedance10LiteI2v, "seedance-1-0-lite-i2v-250219"),
    ];
    let first = image("https://example.com/a.png", "first_frame");
    for (model, id) in seed_ids {
        assert_eq!(fake.model_id(model), id);
        let mut content = vec![text("a cat")];
        if model != ArkModel::Seedance10LiteT2v {
            content.push(first.clone());
        }
        create_ok(&fake, body(id, content, json!({}))).await;
    }
    for other_date in [
        "seedance-1-0-pro-250528",
        "seedance-1-0-pro-fast-251015",
        "seedance-1-0-lite-t2v-250428",
    ] {
        let reply = create(&fake, prompt_only(other_date, json!({}))).await;
        assert_error(&reply, 404, "InvalidEndpointOrModel.NotFound", "model");
    }
    let volc = volcengine().await;
    create_ok(
        &volc,
        prompt_only("doubao-seedance-1-0-pro-250428", json!({})),
    )
    .await;
}

#[tokio::test]
async fn pro_fast_takes_a_first_frame_but_no_last_frame_and_lite_t2v_no_image() {
    let fake = FakeArk::start().await.unwrap();
    let fast = fake.model_id(ArkModel::Seedance10ProFast);
    let first = image("https://example.com/first.png", "first_frame");
    let last = image("https://example.com/last.png", "last_frame");
    create_ok(
        &fake,
        body(&fast, vec![text("go"), first.clone()], json!({})),
    )
    .await;
    let both = body(
        &fast,
        vec![text("go"), first.clone(), last.clone()],
        json!({}),
    );
    invalid(&create(&fake, both).await, "content[2].role");
    for model in [
        ArkModel::Seedance15Pro,
        ArkModel::Seedance10Pro,
        ArkModel::Seedance10LiteI2v,
    ] {
        let both = body(
            &fake.model_id(model),
            vec![text("go"), first.clone(), last.clone()],
            json!({}),
        );
        create_ok(&fake, both).await;
    }
    let t2v = fake.model_id(ArkModel::Seedance10LiteT2v);
    invalid(
        &create(
            &fake,
            body(&t2v, vec![text("go"), references(1)[0].clone()], json!({})),
        )
        .await,
        "content[1]",
    );
    create_ok(&fake, prompt_only(&t2v, json!({ "duration": 2 }))).await;
}

#[tokio::test]
async fn missing_model_or_content_is_a_missing_parameter_and_unknown_keys_are_named() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2);
    let no_model = create(&fake, json!({ "content": [text("a cat")] })).await;
    assert_error(&no_model, 400, "MissingParameter", "model");
    let null_content = create(&fake, json!({ "model": model, "content": null })).await;
    assert_error(&null_content, 400, "MissingParameter", "content");
    invalid(
        &create(&fake, json!({ "model": model, "content": [] })).await,
        "content",
    );
    invalid(
        &create(&fake, json!({ "model": model, "content": "a cat" })).await,
        "content",
    );

    let item_typo = create(
        &fake,
        body(
            &model,
            vec![json!({ "type": "text", "txt": "a cat" })],
            json!({}),
        ),
    )
    .await;
    invalid(&item_typo, "content[0].txt");
    assert!(fake.created_tasks().is_empty());
}

#[tokio::test]
async fn wrong_types_are_rejected_naming_the_field() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2);
    let cases = [
        ("duration", json!("5")),
        ("duration", json!(5.5)),
        ("watermark", json!(1)),
        ("seed", json!("42")),
        ("callback_url", json!("ftp://example.com/hook")),
        ("tools", json!("web_search")),
        ("priority", json!(10)),
        ("output_format", json!("gif")),
    ];
    for (key, value) in cases {
        let reply = create(&fake, prompt_only(&model, json!({ key: value }))).await;
        invalid(&reply, key);
    }
    create_ok(
        &fake,
        prompt_only(
            &model,
            json!({
                "callback_url": "https://example.com/hook", "watermark": false, "priority": 9,
                "output_format": "mp4", "omni_reference_task_type": "auto", "seed": 42,
            }),
        ),
    )
    .await;
}

#[tokio::test]
async fn ranges_accept_their_edges_and_reject_one_past_them() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let v2_fast = fake.model_id(ArkModel::Seedance2Fast);
    let pro = fake.model_id(ArkModel::Seedance10Pro);
    let pro15 = fake.model_id(ArkModel::Seedance15Pro);
    let long_id = "x".repeat(64);
    let too_long_id = "é".repeat(65);
    let (v2, v2_fast, pro, pro15) = (v2.as_str(), v2_fast.as_str(), pro.as_str(), pro15.as_str());
    let cases: Vec<(&str, &str, Value, Value)> = vec![
        (v2, "duration", json!(4), json!(3)),
        (v2, "duration", json!(15), json!(16)),
        (v2_fast, "duration", json!(-1), json!(-2)),
        (pro, "duration", json!(2), json!(1)),
        (pro, "duration", json!(12), json!(13)),
        (pro15, "duration", json!(4), json!(3)),
        (pro15, "duration", json!(12), json!(13)),
        (pro15, "duration", json!(-1), json!(-2)),
        (pro, "duration", json!(12), json!(-1)),
        (v2, "execution_expires_after", json!(3600), json!(3599)),
        (
            v2,
            "execution_expires_after",
            json!(259_200),
            json!(259_201),
        ),
        (v2, "seed", json!(-1), json!(-2)),
        (
            v2,
            "seed",
            json!(4_294_967_295_i64),
            json!(4_294_967_296_i64),
        ),
        (v2, "safety_identifier", json!(long_id), json!(too_long_id)),
        (pro, "frames", json!(29), json!(25)),
        (pro, "frames", json!(289), json!(293)),
        (pro, "frames", json!(121), json!(120)),
        (v2, "priority", json!(0), json!(-1)),
    ];
    for (model, key, inside, outside) in cases {
        let ok = create(&fake, prompt_only(model, json!({ key: inside.clone() }))).await;
        assert_eq!(ok.status, 200, "{model} {key}={inside}: {}", ok.body);
        let refused = create(&fake, prompt_only(model, json!({ key: outside.clone() }))).await;
        invalid(&refused, key);
    }
}

#[tokio::test]
async fn ratio_and_resolution_must_come_from_the_model_s_sets() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let fast = fake.model_id(ArkModel::Seedance2Fast);
    let mini = fake.model_id(ArkModel::Seedance2Mini);
    assert_eq!(mini, "dreamina-seedance-2-0-mini-260615");
    create_ok(&fake, prompt_only(&mini, json!({ "resolution": "720p" }))).await;
    invalid(
        &create(&fake, prompt_only(&mini, json!({ "resolution": "1080p" }))).await,
        "resolution",
    );
    for ratio in ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"] {
        create_ok(&fake, prompt_only(&v2, json!({ "ratio": ratio }))).await;
    }
    invalid(
        &create(&fake, prompt_only(&v2, json!({ "resolution": "1080P" }))).await,
        "resolution",
    );
    create_ok(&fake, prompt_only(&v2, json!({ "resolution": "1080p" }))).await;
    create_ok(&fake, prompt_only(&v2, json!({ "resolution": "4k" }))).await;
    create_ok(&fake, prompt_only(&fast, json!({ "resolution": "720p" }))).await;
    invalid(
        &create(&fake, prompt_only(&fast, json!({ "resolution": "1080p" }))).await,
        "resolution",
    );
    invalid(
        &create(&fake, prompt_only(&fast, json!({ "resolution": "4k" }))).await,
        "resolution",
    );
    let pro = fake.model_id(ArkModel::Seedance10Pro);
    invalid(
        &create(&fake, prompt_only(&pro, json!({ "resolution": "4k" }))).await,
        "resolution",
    );

    let volc = volcengine().await;
    let volc_v2 = volc.model_id(ArkModel::Seedance2);
    invalid(
        &create(&volc, prompt_only(&volc_v2, json!({ "resolution": "4k" }))).await,
        "resolution",
    );
}

#[tokio::test]
async fn first_last_frame_and_reference_modes_cannot_be_mixed() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let first = image("https://example.com/first.png", "first_frame");
    let last = image("https://example.com/last.png", "last_frame");
    let reference = image("https://example.com/ref.png", "reference_image");

    create_ok(
        &fake,
        body(
            &v2,
            vec![text("go"), first.clone(), last.clone()],
            json!({}),
        ),
    )
    .await;
    let mixed = body(
        &v2,
        vec![text("go"), first.clone(), reference.clone()],
        json!({}),
    );
    invalid(&create(&fake, mixed).await, "content[2].role");
    let with_video = body(&v2, vec![text("go"), first.clone(), video(0)], json!({}));
    invalid(&create(&fake, with_video).await, "content[2].role");
    let last_alone = body(&v2, vec![text("go"), last.clone()], json!({}));
    invalid(&create(&fake, last_alone).await, "content[1].role");
    let two_firsts = body(
        &v2,
        vec![text("go"), first.clone(), first.clone()],
        json!({}),
    );
    invalid(&create(&fake, two_firsts).await, "content[2].role");
    let two_lasts = body(
        &v2,
        vec![text("go"), first.clone(), last.clone(), last],
        json!({}),
    );
    invalid(&create(&fake, two_lasts).await, "content[3].role");
    let wrong_role = body(
        &v2,
        vec![text("go"), image("https://e.com/a.png", "reference_video")],
        json!({}),
    );
    invalid(&create(&fake, wrong_role).await, "content[1].role");
}

#[tokio::test]
async fn a_single_image_may_omit_its_role_and_then_is_the_first_frame() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let unroled =
        json!({ "type": "image_url", "image_url": { "url": "https://example.com/a.png" } });
    create_ok(
        &fake,
        body(&v2, vec![text("go"), unroled.clone()], json!({})),
    )
    .await;
    // Without a prompt, an image is enough.
    create_ok(&fake, body(&v2, vec![unroled.clone()], json!({}))).await;
    let two = body(
        &v2,
        vec![text("go"), unroled.clone(), unroled.clone()],
        json!({}),
    );
    invalid(&create(&fake, two).await, "content[1].role");
    let with_reference = body(
        &v2,
        vec![unroled.clone(), references(1)[0].clone()],
        json!({}),
    );
    invalid(&create(&fake, with_reference).await, "content[0].role");
    let unroled_video =
        json!({ "type": "video_url", "video_url": { "url": "https://example.com/v.mp4" } });
    let reply = create(&fake, body(&v2, vec![text("go"), unroled_video], json!({}))).await;
    assert_error(&reply, 400, "MissingParameter", "content[1].role");
}

#[tokio::test]
async fn text_items_are_one_at_most_and_required_without_an_image() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let two = body(&v2, vec![text("a"), text("b")], json!({}));
    invalid(&create(&fake, two).await, "content[1]");
    let videos_only = body(&v2, vec![video(0)], json!({}));
    invalid(&create(&fake, videos_only).await, "content");
    let empty_text = body(&v2, vec![text("  ")], json!({}));
    invalid(&create(&fake, empty_text).await, "content[0].text");
    let unknown_type = body(
        &v2,
        vec![json!({ "type": "html", "html": "<p>" })],
        json!({}),
    );
    invalid(&create(&fake, unknown_type).await, "content[0].html");
    let unknown_type = body(&v2, vec![json!({ "type": "html" })], json!({}));
    invalid(&create(&fake, unknown_type).await, "content[0].type");
}

#[tokio::test]
async fn reference_counts_are_capped_and_audio_never_goes_alone() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let with = |items: Vec<Value>| {
        let mut content = vec![text("go")];
        content.extend(items);
        body(&v2, content, json!({}))
    };
    create_ok(&fake, with(references(9))).await;
    invalid(
        &create(&fake, with(references(10))).await,
        "content[10].role",
    );
    create_ok(&fake, with((0..3).map(video).collect())).await;
    invalid(
        &create(&fake, with((0..4).map(video).collect())).await,
        "content[4]",
    );
    let mut three_audios: Vec<Value> = (0..3).map(audio).collect();
    three_audios.push(video(0));
    create_ok(&fake, with(three_audios)).await;
    let mut four_audios: Vec<Value> = (0..4).map(audio).collect();
    four_audios.push(video(0));
    invalid(&create(&fake, with(four_audios)).await, "content[4]");

    invalid(&create(&fake, with(vec![audio(0)])).await, "content[1]");
    create_ok(&fake, with(vec![audio(0), references(1)[0].clone()])).await;
    create_ok(&fake, with(vec![audio(0), video(0)])).await;
}

#[tokio::test]
async fn older_models_take_neither_reference_media_nor_2_0_options() {
    let fake = FakeArk::start().await.unwrap();
    let pro15 = fake.model_id(ArkModel::Seedance15Pro);
    let pro = fake.model_id(ArkModel::Seedance10Pro);
    let t2v = fake.model_id(ArkModel::Seedance10LiteT2v);
    let i2v = fake.model_id(ArkModel::Seedance10LiteI2v);
    let v2 = fake.model_id(ArkModel::Seedance2);

    invalid(
        &create(&fake, body(&pro15, vec![text("go"), video(0)], json!({}))).await,
        "content[1]",
    );
    let audio_on_pro = body(
        &pro,
        vec![text("go"), references(1)[0].clone(), audio(0)],
        json!({}),
    );
    invalid(&create(&fake, audio_on_pro).await, "content[2]");
    invalid(
        &create(
            &fake,
            body(
                &pro15,
                [vec![text("go")], references(1)].concat(),
                json!({}),
            ),
        )
        .await,
        "content[1].role",
    );
    invalid(
        &create(
            &fake,
            body(
                &t2v,
                vec![text("go"), image("https://e.com/a.png", "first_frame")],
                json!({}),
            ),
        )
        .await,
        "content[1]",
    );
    invalid(
        &create(&fake, prompt_only(&i2v, json!({}))).await,
        "content",
    );
    create_ok(
        &fake,
        body(&i2v, [vec![text("go")], references(4)].concat(), json!({})),
    )
    .await;
    invalid(
        &create(
            &fake,
            body(&i2v, [vec![text("go")], references(5)].concat(), json!({})),
        )
        .await,
        "content[5].role",
    );

    invalid(
        &create(&fake, prompt_only(&v2, json!({ "frames": 121 }))).await,
        "frames",
    );
    invalid(
        &create(&fake, prompt_only(&pro15, json!({ "frames": 121 }))).await,
        "frames",
    );
    invalid(
        &create(&fake, prompt_only(&v2, json!({ "service_tier": "flex" }))).await,
        "service_tier",
    );
    invalid(
        &create(
            &fake,
            prompt_only(
                &fake.model_id(ArkModel::Seedance2Fast),
                json!({ "service_tier": "flex" }),
            ),
        )
        .await,
        "service_tier",
    );
    create_ok(
        &fake,
        prompt_only(&pro15, json!({ "service_tier": "flex" })),
    )
    .await;
    invalid(
        &create(&fake, prompt_only(&v2, json!({ "service_tier": "slow" }))).await,
        "service_tier",
    );

    invalid(
        &create(&fake, prompt_only(&v2, json!({ "camera_fixed": true }))).await,
        "camera_fixed",
    );
    create_ok(&fake, prompt_only(&v2, json!({ "camera_fixed": false }))).await;
    create_ok(&fake, prompt_only(&pro, json!({ "camera_fixed": true }))).await;
    let fixed_with_references = body(
        &i2v,
        [vec![text("go")], references(2)].concat(),
        json!({ "camera_fixed": true }),
    );
    invalid(&create(&fake, fixed_with_references).await, "camera_fixed");

    invalid(
        &create(&fake, prompt_only(&pro, json!({ "generate_audio": true }))).await,
        "generate_audio",
    );
    create_ok(&fake, prompt_only(&pro, json!({ "generate_audio": false }))).await;
    create_ok(
        &fake,
        prompt_only(&pro15, json!({ "generate_audio": false })),
    )
    .await;
}

#[tokio::test]
async fn tools_are_for_2_0_on_volcengine_only() {
    let volc = volcengine().await;
    let search = json!({ "tools": [{ "type": "web_search" }] });
    let id = create_ok(
        &volc,
        prompt_only(&volc.model_id(ArkModel::Seedance2Fast), search.clone()),
    )
    .await;
    assert_eq!(get_task(&volc, &id).await.body["tools"], search["tools"]);
    invalid(
        &create(
            &volc,
            prompt_only(&volc.model_id(ArkModel::Seedance15Pro), search.clone()),
        )
        .await,
        "tools",
    );
    let wrong_tool = json!({ "tools": [{ "type": "code_interpreter" }] });
    invalid(
        &create(
            &volc,
            prompt_only(&volc.model_id(ArkModel::Seedance2), wrong_tool),
        )
        .await,
        "tools",
    );

    let byteplus = FakeArk::start().await.unwrap();
    invalid(
        &create(
            &byteplus,
            prompt_only(&byteplus.model_id(ArkModel::Seedance2), search),
        )
        .await,
        "tools",
    );
}

#[tokio::test]
async fn drafts_are_1_5_pro_480p_only_and_a_succeeded_draft_can_be_turned_into_a_video() {
    let fake = FakeArk::start().await.unwrap();
    let pro15 = fake.model_id(ArkModel::Seedance15Pro);
    let v2 = fake.model_id(ArkModel::Seedance2);
    let draft = json!({ "draft": true });
    invalid(
        &create(&fake, prompt_only(&v2, draft.clone())).await,
        "draft",
    );
    invalid(
        &create(
            &fake,
            prompt_only(&pro15, json!({ "draft": true, "resolution": "720p" })),
        )
        .await,
        "resolution",
    );
    invalid(
        &create(
            &fake,
            prompt_only(&pro15, json!({ "draft": true, "return_last_frame": true })),
        )
        .await,
        "return_last_frame",
    );
    invalid(
        &create(
            &fake,
            prompt_only(&pro15, json!({ "draft": true, "service_tier": "flex" })),
        )
        .await,
        "service_tier",
    );
    create_ok(&fake, prompt_only(&v2, json!({ "draft": false }))).await;

    let draft_id = create_ok(
        &fake,
        prompt_only(&pro15, json!({ "draft": true, "resolution": "480p" })),
    )
    .await;
    let from_draft = |id: &str| {
        body(
            &pro15,
            vec![json!({ "type": "draft_task", "draft_task": { "id": id } })],
            json!({}),
        )
    };
    // Not yet succeeded.
    invalid(
        &create(&fake, from_draft(&draft_id)).await,
        "content[0].draft_task.id",
    );
    let (_, done) = poll_to_end(&fake, &draft_id).await;
    assert_eq!(
        (done["draft"].clone(), done["resolution"].clone()),
        (json!(true), json!("480p"))
    );

    let final_id = create_ok(&fake, from_draft(&draft_id)).await;
    assert_eq!(
        get_task(&fake, &final_id).await.body["draft_task_id"],
        draft_id.as_str()
    );
    invalid(
        &create(&fake, from_draft("cgt-20260101000000-zzzzz")).await,
        "content[0].draft_task.id",
    );
    let not_a_draft = create_ok(&fake, prompt_only(&pro15, json!({}))).await;
    poll_to_end(&fake, &not_a_draft).await;
    invalid(
        &create(&fake, from_draft(&not_a_draft)).await,
        "content[0].draft_task.id",
    );
    let on_v2 = body(
        &v2,
        vec![json!({ "type": "draft_task", "draft_task": { "id": draft_id } })],
        json!({}),
    );
    invalid(&create(&fake, on_v2).await, "content[0]");
    let with_image = body(
        &pro15,
        vec![
            json!({ "type": "draft_task", "draft_task": { "id": draft_id } }),
            image("https://e.com/a.png", "first_frame"),
        ],
        json!({}),
    );
    invalid(&create(&fake, with_image).await, "content[1]");
}

#[tokio::test]
async fn a_data_url_image_is_accepted_and_a_non_image_data_url_is_rejected() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    let png = format!("data:image/png;base64,{TINY_PNG_BASE64}");
    create_ok(
        &fake,
        body(&v2, vec![text("go"), image(&png, "first_frame")], json!({})),
    )
    .await;
    create_ok(
        &fake,
        body(
            &v2,
            vec![
                text("go"),
                image("asset://asset-20260101-abc", "reference_image"),
            ],
            json!({}),
        ),
    )
    .await;

    let param = "content[1].image_url.url";
    let text_bytes = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(b"hello, not an image")
    );
    let cases = [
        text_bytes.as_str(),
        "data:image/png;base64,@@@not-base64@@@",
        "data:text/plain;base64,aGVsbG8=",
        "data:image/png,rawbytes",
        "file:///tmp/a.png",
        "example.com/a.png",
    ];
    for url in cases {
        invalid(
            &create(
                &fake,
                body(&v2, vec![text("go"), image(url, "first_frame")], json!({})),
            )
            .await,
            param,
        );
    }

    let wav = json!({
        "type": "audio_url",
        "audio_url": { "url": format!("data:audio/wav;base64,{TINY_WAV_BASE64}") },
        "role": "reference_audio",
    });
    create_ok(&fake, body(&v2, vec![text("go"), video(0), wav], json!({}))).await;
    let png_as_audio = json!({
        "type": "audio_url",
        "audio_url": { "url": format!("data:audio/wav;base64,{TINY_PNG_BASE64}") },
        "role": "reference_audio",
    });
    invalid(
        &create(
            &fake,
            body(&v2, vec![text("go"), video(0), png_as_audio], json!({})),
        )
        .await,
        "content[2].audio_url.url",
    );
    let data_video = json!({
        "type": "video_url",
        "video_url": { "url": "data:video/mp4;base64,AAAAGGZ0eXBtcDQy" },
        "role": "reference_video",
    });
    invalid(
        &create(&fake, body(&v2, vec![text("go"), data_video], json!({}))).await,
        "content[1].video_url.url",
    );
}

#[tokio::test]
async fn an_image_over_30_mb_and_a_body_over_64_mb_are_refused() {
    let fake = FakeArk::start().await.unwrap();
    let v2 = fake.model_id(ArkModel::Seedance2);
    // Raw JSON text: serialising tens of megabytes through `json!` would make
    // this test slow in debug builds.
    let post_raw = |raw: String| {
        send(
            client()
                .post(tasks_url(&fake))
                .bearer_auth(fake.api_key())
                .header("content-type", "application/json")
                .body(raw),
        )
    };
    let mut big_png = PLACEHOLDER_PNG.to_vec();
    big_png.resize(30 * 1024 * 1024 + 1, 0);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&big_png);
    let big_image = format!(
        r#"{{"model":"{v2}","content":[{{"type":"text","text":"go"}},{{"type":"image_url","image_url":{{"url":"data:image/png;base64,{encoded}"}},"role":"first_frame"}}]}}"#
    );
    invalid(&post_raw(big_image).await, "content[1].image_url.url");

    let huge = "a".repeat(64 * 1024 * 1024);
    let too_big = format!(
        r#"{{"model":"{v2}","content":[{{"type":"text","text":"go"}}],"safety_identifier":"{huge}"}}"#
    );
    let reply = post_raw(too_big).await;
    assert_error(&reply, 413, "RequestEntityTooLarge", "");
    assert!(fake.created_tasks().is_empty());
}

#[tokio::test]
async fn delete_of_an_unknown_task_is_404_resource_not_found() {
    let fake = FakeArk::start().await.unwrap();
    let reply = delete(&fake, "cgt-20260101000000-nope0").await;
    assert_error(&reply, 404, TASK_NOT_FOUND_CODE, "id");
}

#[tokio::test]
async fn list_with_repeated_task_ids_returns_just_those_newest_first_and_advances_them() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2Fast);
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(create_ok(&fake, prompt_only(&model, json!({}))).await);
    }
    let query = format!("filter.task_ids={}&filter.task_ids={}", ids[0], ids[2]);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let reply = list(&fake, &query).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["total"], 2);
        let items = reply.body["items"].as_array().unwrap();
        let listed: Vec<&str> = items
            .iter()
            .map(|item| item["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [ids[2].as_str(), ids[0].as_str()]);
        seen.push(items[0]["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["queued", "running", "succeeded"]);
    assert_eq!(fake.task(&ids[0]).unwrap().status, "succeeded");
    assert_eq!(fake.task(&ids[2]).unwrap().usage_tokens, Some(108_900));
    // The task left out was never read, so it has not moved.
    assert_eq!(fake.task(&ids[1]).unwrap().status, "queued");
    assert_eq!(get_task(&fake, &ids[1]).await.body["status"], "queued");
}

#[tokio::test]
async fn list_pages_filters_on_the_status_it_returns_and_validates_its_query() {
    let fake = FakeArk::start().await.unwrap();
    let fast = fake.model_id(ArkModel::Seedance2Fast);
    let pro15 = fake.model_id(ArkModel::Seedance15Pro);
    let mut ids = Vec::new();
    for index in 0..5 {
        let model = if index % 2 == 0 { &fast } else { &pro15 };
        ids.push(create_ok(&fake, prompt_only(model, json!({}))).await);
    }
    let listed = |reply: &Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();

    // Read 1 of every task: all still queued.
    let queued = list(&fake, "filter.status=queued").await;
    assert_eq!(queued.body["total"], 5);
    assert_eq!(listed(&queued), newest_first);
    // Read 2 of ids[2] and ids[1] only.
    let page = list(&fake, "page_num=2&page_size=2").await;
    assert_eq!(page.body["total"], 5);
    assert_eq!(listed(&page), [ids[2].clone(), ids[1].clone()]);
    assert!(
        page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["status"] == "running")
    );
    // The status filter applies to the status this read gives: ids[1] and
    // ids[2] would now succeed, the others turn running.
    let running = list(&fake, "filter.status=running").await;
    assert_eq!(
        listed(&running),
        [ids[4].clone(), ids[3].clone(), ids[0].clone()]
    );
    assert_eq!(running.body["total"], 3);
    // Every task has had two reads; the 1.5 pro ones now succeed.
    let by_model = list(&fake, &format!("filter.model={pro15}")).await;
    assert_eq!(listed(&by_model), [ids[3].clone(), ids[1].clone()]);
    let succeeded = list(&fake, "filter.status=succeeded&page_size=500").await;
    assert_eq!(succeeded.body["total"], 5, "{}", succeeded.body);
    assert_eq!(list(&fake, "filter.status=queued").await.body["total"], 0);
    assert_eq!(
        list(&fake, "filter.service_tier=flex").await.body["total"],
        0
    );
    assert_eq!(
        list(&fake, "filter.service_tier=default").await.body["total"],
        5
    );
    let beyond = list(&fake, "page_num=9").await;
    assert_eq!(
        (beyond.body["total"].clone(), beyond.body["items"].clone()),
        (json!(5), json!([]))
    );

    invalid(&list(&fake, "page_size=0").await, "page_size");
    invalid(&list(&fake, "page_size=501").await, "page_size");
    assert_eq!(list(&fake, "page_size=500").await.status, 200);
    invalid(&list(&fake, "page_num=0").await, "page_num");
    invalid(&list(&fake, "filter.status=done").await, "filter.status");
    invalid(&list(&fake, "status=queued").await, "status");
    invalid(&list(&fake, "page_size=2&page_size=3").await, "page_size");
    invalid(&list(&fake, "filter.task_ids=").await, "filter.task_ids");
}

#[tokio::test]
async fn delete_cancels_a_queued_task_refuses_a_running_one_and_removes_a_finished_one() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2);

    let queued = create_ok(&fake, prompt_only(&model, json!({}))).await;
    let cancelled = delete(&fake, &queued).await;
    assert_eq!((cancelled.status, cancelled.body.clone()), (200, json!({})));
    let after = get_task(&fake, &queued).await;
    assert_eq!(after.body["status"], "cancelled");
    assert!(after.body.get("usage").is_none());
    assert_eq!(get_task(&fake, &queued).await.body["status"], "cancelled");
    let again = delete(&fake, &queued).await;
    assert_error(&again, 400, DELETE_REFUSED_CODE, "id");

    let running = create_ok(&fake, prompt_only(&model, json!({}))).await;
    get_task(&fake, &running).await;
    assert_eq!(get_task(&fake, &running).await.body["status"], "running");
    let refused = delete(&fake, &running).await;
    assert_error(&refused, 400, DELETE_REFUSED_CODE, "id");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("running")
    );
    assert_eq!(get_task(&fake, &running).await.body["status"], "succeeded");

    // The SDK sends `{}`; an empty body is fine too.
    let removed = send(
        client()
            .delete(format!("{}/{running}", tasks_url(&fake)))
            .bearer_auth(fake.api_key()),
    )
    .await;
    assert_eq!((removed.status, removed.body.clone()), (200, json!({})));
    assert_error(
        &get_task(&fake, &running).await,
        404,
        TASK_NOT_FOUND_CODE,
        "id",
    );
    assert_eq!(list(&fake, "").await.body["total"], 1);
    let record = fake.task(&running).unwrap();
    assert!(record.deleted);
    assert_eq!(record.usage_tokens, Some(108_900));
}

#[tokio::test]
async fn a_failed_or_expired_task_carries_no_content_nor_usage_and_can_be_deleted() {
    let fake = FakeArk::start().await.unwrap();
    let model = fake.model_id(ArkModel::Seedance2);
    fake.script_next_outcome(TaskOutcome::Fail(OUTPUT_POLICY_VIOLATION.to_owned()));
    fake.script_next_outcome(TaskOutcome::Expire);
    let failing = create_ok(&fake, prompt_only(&model, json!({}))).await;
    let expiring = create_ok(&fake, prompt_only(&model, json!({}))).await;
    for id in [&failing, &expiring] {
        let (_, settled) = poll_to_end(&fake, id).await;
        assert!(settled.get("content").is_none());
        assert!(settled.get("usage").is_none());
        assert_eq!(fake.task(id).unwrap().usage_tokens, None);
    }
    // Finished failures can be deleted like successes.
    assert_eq!(delete(&fake, &failing).await.status, 200);
}

#[tokio::test]
async fn a_wrong_method_is_405_and_every_answer_has_its_own_request_id() {
    let fake = FakeArk::start().await.unwrap();
    let mut request_ids = Vec::new();
    for _ in 0..2 {
        let method = send(client().put(tasks_url(&fake)).bearer_auth(fake.api_key())).await;
        assert_error(&method, 405, "MethodNotAllowed", "");
        request_ids.push(method.headers["x-request-id"].to_str().unwrap().to_owned());
    }
    assert_ne!(request_ids[0], request_ids[1]);
}

#[test]
fn task_id_stamps_use_beijing_time() {
    // 1778754737 is 2026-05-14 10:32:17 UTC; real ids show 18:32:17.
    assert_eq!(beijing_stamp(1_778_754_737), "20260514183217");
    assert_eq!(beijing_stamp(0), "19700101080000");
    assert_eq!(beijing_stamp(951_782_400 - 8 * 3600), "20000229000000");
}

#[tokio::test]
async fn a_video_from_a_draft_is_the_draft_task_plus_a_resolution_and_keeps_the_draft_s_clip() {
    let fake = FakeArk::start().await.unwrap();
    let pro15 = fake.model_id(ArkModel::Seedance15Pro);
    let draft_id = create_ok(
        &fake,
        prompt_only(
            &pro15,
            json!({ "draft": true, "duration": 8, "ratio": "9:16" }),
        ),
    )
    .await;
    let (_, draft) = poll_to_end(&fake, &draft_id).await;
    let draft_item = json!({ "type": "draft_task", "draft_task": { "id": draft_id } });

    let with_text = body(&pro15, vec![draft_item.clone(), text("a cat")], json!({}));
    invalid(&create(&fake, with_text).await, "content[1]");
    let text_first = body(&pro15, vec![text("a cat"), draft_item.clone()], json!({}));
    invalid(&create(&fake, text_first).await, "content[0]");
    for (key, value) in [
        ("duration", json!(8)),
        ("frames", json!(121)),
        ("ratio", json!("9:16")),
        ("seed", json!(3)),
        ("camera_fixed", json!(true)),
    ] {
        let restated = body(&pro15, vec![draft_item.clone()], json!({ key: value }));
        invalid(&create(&fake, restated).await, key);
    }
    // `null` is absent, as everywhere.
    let nulls = body(
        &pro15,
        vec![draft_item.clone()],
        json!({ "duration": null, "ratio": null, "resolution": "720p" }),
    );
    let final_id = create_ok(&fake, nulls).await;
    let (_, done) = poll_to_end(&fake, &final_id).await;
    assert_eq!(done["resolution"], "720p");
    assert_eq!(done["draft"], false);
    for key in ["duration", "ratio", "seed"] {
        assert_eq!(done[key], draft[key], "{key}");
    }
}
