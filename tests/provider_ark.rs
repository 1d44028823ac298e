//! BytePlus ModelArk / Volcengine Ark specifics through the MCP tools: content
//! items with roles, "[Image N]" references, per-model rules refused before
//! sending, token usage turned into a cost estimate, last frames, drafts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl,
    ark::{ArkRegion, FakeArk, FakeArkConfig},
    faults::{Fault, FaultProxy},
};
use seedance_mcp::{
    domain::{FailureKind, TaskStatus},
    service::{GetTaskOutput, SubmitTaskOutput},
};
use serde_json::json;

/// The 1.x ids of the BytePlus Seedance skill's model table.
const PRO_15: &str = "seedance-1-5-pro-251215";
const PRO_10: &str = "seedance-1-0-pro-250428";
const PRO_FAST: &str = "seedance-1-0-pro-fast-250528";
const LITE_T2V: &str = "seedance-1-0-lite-t2v-250219";
const LITE_I2V: &str = "seedance-1-0-lite-i2v-250219";

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
            json!({"prompt": "x", "model": PRO_10, "video_files": ["https://c.example/v.mp4"], "image_files": ["https://c.example/a.png"]}),
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
async fn a_draft_is_finished_with_the_draft_task_alone_plus_a_resolution() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let draft = submit_and_wait(&client, json!({"prompt": "a fox runs", "model": PRO_15, "resolution": "480p", "duration": 8, "ark": {"draft": true}})).await;
    assert_eq!(draft.status, TaskStatus::Succeeded, "{draft:?}");
    // What the draft fixed cannot be restated; refused before sending.
    for (extra, field) in [
        (
            json!({"image_files": ["https://c.example/a.png"]}),
            "image_files",
        ),
        (json!({"ratio": "9:16"}), "ratio"),
        (json!({"seed": 3}), "seed"),
        (json!({"duration": -1}), "duration"),
    ] {
        let mut args = json!({"prompt": "a fox runs", "model": PRO_15, "ark": {"draft_task_id": draft.task_id}});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let text = call_err(&client, "submit_task", args).await;
        assert!(text.contains(&format!("{field}: drop it")), "{text}");
    }
    assert_eq!(fake.create_calls(), 1);
    let final_task = submit_and_wait(&client, json!({"prompt": "a fox runs", "model": PRO_15, "resolution": "720p", "ark": {"draft_task_id": draft.task_id}})).await;
    assert_eq!(final_task.status, TaskStatus::Succeeded, "{final_task:?}");
    assert_eq!(
        fake.created_tasks()[1].request,
        json!({
            "model": PRO_15,
            "content": [{"type": "draft_task", "draft_task": {"id": draft.task_id}}],
            "resolution": "720p",
        })
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

#[tokio::test]
async fn each_1_x_model_s_durations_and_images_are_refused_before_sending_naming_the_fix() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let image = "https://c.example/a.png";
    let frames = |model: &str, last: bool| {
        let mut args = json!({"prompt": "x", "model": model, "mode": "first_last_frames", "first_frame": image});
        if last {
            args["last_frame"] = json!(image);
        }
        args
    };
    let cases = [
        (
            json!({"prompt": "x", "model": PRO_10, "duration": 13}),
            "duration: Seedance 1.0 pro takes 2-12 s; pass 2 to 12",
        ),
        (
            json!({"prompt": "x", "model": LITE_T2V, "duration": 15}),
            "duration: Seedance 1.0 lite t2v takes 2-12 s",
        ),
        (
            json!({"prompt": "x", "model": PRO_15, "duration": 13}),
            "duration: Seedance 1.5 pro takes 4-12 s, or -1 to let the model choose",
        ),
        (
            json!({"prompt": "x", "model": PRO_15, "duration": 3}),
            "pass 4 to 12, or -1",
        ),
        (
            json!({"prompt": "x", "model": PRO_FAST, "duration": -1}),
            "duration: only seedance-1-5-pro-251215 chooses its own length; pass 2 to 12 s",
        ),
        (
            json!({"prompt": "x", "model": LITE_T2V, "image_files": [image]}),
            "image_files: drop it, or use model seedance-1-0-lite-i2v-250219",
        ),
        (frames(LITE_T2V, false), "first_frame: drop it"),
        (
            frames(PRO_FAST, true),
            "last_frame: drop it, or use model seedance-1-0-pro-250428",
        ),
        (
            json!({"prompt": "x", "model": PRO_10, "image_files": [image]}),
            "image_files: only seedance-1-0-lite-i2v-250219 takes reference images",
        ),
        (
            json!({"prompt": "x", "model": PRO_15, "image_files": [image]}),
            "pass it as first_frame with mode first_last_frames",
        ),
        (
            json!({"prompt": "x", "model": LITE_I2V, "image_files": vec![image; 5]}),
            "image_files: it takes 1 to 4",
        ),
        (
            json!({"prompt": "x", "model": LITE_I2V}),
            "without an image",
        ),
        (
            json!({"prompt": "0-4s: a fox runs", "model": PRO_15, "duration": -1}),
            "timed shots",
        ),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert_eq!(fake.create_calls(), 0, "{:?}", fake.requests());
}

#[tokio::test]
async fn what_the_1_x_models_take_is_sent_as_the_skill_words_it() {
    let (fake, _out, client) = setup(ArkRegion::BytePlus).await;
    let image = "https://c.example/a.png";
    let accepted = [
        json!({"prompt": "x", "model": PRO_10, "duration": 2}),
        json!({"prompt": "x", "model": PRO_15, "duration": -1}),
        json!({"prompt": "x", "model": PRO_15, "duration": 12}),
        json!({"prompt": "x", "model": PRO_FAST, "mode": "first_last_frames", "first_frame": image}),
        json!({"prompt": "x", "model": PRO_10, "mode": "first_last_frames", "first_frame": image, "last_frame": image}),
        json!({"prompt": "@image_file_1 and @image_file_4", "model": LITE_I2V, "image_files": vec![image; 4]}),
        json!({"prompt": "x", "model": LITE_T2V, "duration": 3}),
    ];
    for args in accepted {
        let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    }
    let sent: Vec<_> = fake
        .created_tasks()
        .into_iter()
        .map(|t| t.request)
        .collect();
    assert_eq!(sent[0]["duration"], 2);
    assert_eq!(sent[1]["duration"], -1);
    assert_eq!(sent[2]["duration"], 12);
    let roles = |body: &serde_json::Value| -> Vec<String> {
        body["content"].as_array().unwrap()[1..]
            .iter()
            .map(|c| c["role"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(roles(&sent[3]), ["first_frame"]);
    assert_eq!(roles(&sent[4]), ["first_frame", "last_frame"]);
    assert_eq!(roles(&sent[5]), ["reference_image"; 4]);
    assert_eq!(sent[5]["content"][0]["text"], "[Image 1] and [Image 4]");
    assert_eq!(sent[6]["model"], LITE_T2V);
}

/// A server whose Ark backend talks to the fake through a fault proxy, which
/// can answer in the fake's place.
async fn behind_a_proxy() -> (
    FakeArk,
    FaultProxy,
    tempfile::TempDir,
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
) {
    let fake = FakeArk::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.origin()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let base = format!("{}/api/v3", proxy.base_url());
    let settings = common::settings(out.path()).with_provider("byteplus", fake.api_key(), &base);
    let client = connect(server(&settings)).await;
    (fake, proxy, out, client)
}

#[tokio::test]
async fn a_refused_create_in_any_error_shape_is_a_refusal_in_ark_s_words_that_created_nothing() {
    let (fake, proxy, _out, client) = behind_a_proxy().await;
    let shapes = [
        (
            400,
            json!({"error": "duration is not valid"}),
            "duration is not valid",
        ),
        (
            400,
            json!({"error": {"code": 1234, "message": "bad ratio"}}),
            "1234: bad ratio",
        ),
        (400, json!({"error": 42}), "rejected the request: 42"),
        (
            400,
            json!({"error": {"message": "no code here"}}),
            "no code here",
        ),
        (
            422,
            json!({"code": "InvalidParameter", "message": "flat"}),
            "InvalidParameter: flat",
        ),
        (
            400,
            json!({"error": {"code": "InvalidParameter", "message": null, "param": 7}}),
            "InvalidParameter (parameter `7`)",
        ),
        (
            200,
            json!({"error": {"code": "InvalidParameter", "message": "in a 200", "type": "BadRequest"}}),
            "InvalidParameter: in a 200",
        ),
        (
            200,
            json!({"error": "refused with a 200"}),
            "refused with a 200",
        ),
        (
            200,
            json!({"error": {"code": "InputTextSensitiveContentDetected", "message": "no"}}),
            "refused the content",
        ),
    ];
    for (n, (status, body, words)) in shapes.into_iter().enumerate() {
        proxy.inject(
            "/contents/generations/tasks",
            Fault::Respond {
                status,
                body: body.to_string().into_bytes(),
            },
        );
        let args = json!({"prompt": format!("a kite, take {n}")});
        let text = call_err(&client, "submit_task", args).await;
        assert!(text.contains(words), "{body}: {text}");
        assert!(text.contains("no task was created"), "{body}: {text}");
        assert!(!text.contains("may exist"), "{body}: {text}");
        assert!(!text.contains("may still have created"), "{body}: {text}");
    }
    assert_eq!(fake.create_calls(), 0, "the proxy answered every create");
}

#[tokio::test]
async fn a_task_s_error_and_optional_fields_are_read_in_any_shape() {
    let (fake, proxy, _out, client) = behind_a_proxy().await;
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "a kite"})).await;
    let id = submitted.task_id.unwrap();
    let failed = |error: serde_json::Value| json!({"id": id, "status": "failed", "error": error});
    let shapes = [
        (
            failed(json!("the output was unsafe")),
            None,
            "the output was unsafe",
        ),
        (failed(json!({"code": 5001})), Some("5001"), "5001"),
        (failed(json!(77)), Some("77"), "77"),
        (
            failed(json!({"code": null, "message": ["odd"]})),
            None,
            "no reason",
        ),
        (failed(json!(null)), None, "no reason"),
        (json!({"id": id, "status": "failed"}), None, "no reason"),
        (
            failed(json!({"code": "OutputVideoSensitiveContentDetected", "message": 3})),
            Some("OutputVideoSensitiveContentDetected"),
            "3",
        ),
    ];
    for (body, code, words) in shapes {
        proxy.inject(
            &format!("/tasks/{id}"),
            Fault::Respond {
                status: 200,
                body: body.to_string().into_bytes(),
            },
        );
        let task: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": id })).await;
        assert_eq!(task.status, TaskStatus::Failed, "{body}");
        let failure = task.failure.unwrap();
        assert_eq!(failure.code.as_deref(), code, "{body}");
        assert!(failure.message.contains(words), "{body}: {failure:?}");
    }
    // Optional fields of unexpected types are taken as absent.
    let odd = json!({
        "id": id, "status": "running", "model": 5, "usage": "lots", "seed": "x",
        "updated_at": "yesterday", "content": [], "resolution": {"p": 720},
    });
    proxy.inject(
        &format!("/tasks/{id}"),
        Fault::Respond {
            status: 200,
            body: odd.to_string().into_bytes(),
        },
    );
    let task: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": id })).await;
    assert_eq!(task.status, TaskStatus::Running, "{task:?}");
    assert_eq!(task.seed, None);
    // The fake's own answer still reads after all that.
    let task = loop {
        let task: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": id })).await;
        if task.finished {
            break task;
        }
    };
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(fake.create_calls(), 1);
}
