//! xskill through the MCP tools where its API guide is silent or was misread:
//! text to video in the guide's own mode, refusals in any envelope shape, and
//! answers with odd or missing optional fields. A fault proxy in front of the
//! strict xskill fake plays the answers the fake itself never gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, settings, xskill_settings};
use provider_fakes::{
    FakeControl,
    faults::{Fault, FaultProxy},
    xskill::FakeXskill,
};
use seedance_mcp::{
    config::Settings,
    domain::TaskStatus,
    journal::SubmitState,
    service::{GetTaskOutput, ListTasksOutput, SubmitTaskOutput},
};
use serde_json::{Value, json};

fn via(proxy: &FaultProxy, fake: &FakeXskill, out: &std::path::Path) -> Settings {
    settings(out).with_provider("xskill", fake.api_key(), &proxy.base_url())
}

fn respond(status: u16, body: &Value) -> Fault {
    Fault::Respond {
        status,
        body: body.to_string().into_bytes(),
    }
}

#[tokio::test]
async fn text_to_video_reaches_xskill_as_first_last_frames_without_file_paths() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(common::server(&xskill_settings(&fake, out.path()))).await;
    // The fake refuses an omni_reference request with no reference, as the guide
    // files text to video under first_last_frames only.
    let submitted: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a lighthouse at dusk", "duration": 6}),
    )
    .await;
    assert_eq!(submitted.status, Some(TaskStatus::Queued));
    let created = fake.created_tasks();
    assert_eq!(created.len(), 1);
    let params = &created[0].params;
    assert_eq!(params["functionMode"], "first_last_frames", "{params}");
    for absent in ["filePaths", "image_files", "video_files", "audio_files"] {
        assert!(params.get(absent).is_none(), "{absent} sent: {params}");
    }
    assert_eq!(submitted.price.map(|p| p.amount), Some(60.0));
}

#[tokio::test]
async fn a_create_the_envelope_refuses_is_a_refusal_in_the_providers_words_and_nothing_was_created()
{
    let fake = FakeXskill::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(common::server(&via(&proxy, &fake, out.path()))).await;
    let shapes: Vec<(u16, Value, &str, &[&str])> = vec![
        (
            200,
            json!({"code": 1001, "message": "参数错误：提示词过长", "data": null}),
            "invalid_request",
            &["参数错误", "code 1001"],
        ),
        (
            200,
            json!({"code": 1001, "msg": "ratio not allowed"}),
            "invalid_request",
            &["ratio not allowed"],
        ),
        (
            200,
            json!({"code": "E_PARAM", "error": {"message": "prompt rejected"}}),
            "invalid_request",
            &["prompt rejected", "E_PARAM"],
        ),
        (
            200,
            json!({"code": 1001, "message": {"detail": "nested words"}}),
            "invalid_request",
            &["nested words"],
        ),
        (
            200,
            json!({"code": 1001, "message": 4242}),
            "invalid_request",
            &["4242"],
        ),
        (
            200,
            json!({"success": false, "error": "key expired"}),
            "invalid_request",
            &["key expired"],
        ),
        (
            200,
            json!({"error": {"code": 77, "msg": "quota gone"}}),
            "invalid_request",
            &["quota gone", "77"],
        ),
        (
            422,
            json!({"detail": [{"loc": ["body", "params", "prompt"], "msg": "field required"}]}),
            "invalid_request",
            &["field required"],
        ),
        (
            200,
            json!({"code": "4011", "message": "检测到人脸"}),
            "content_rejected",
            &["检测到人脸"],
        ),
        (
            401,
            json!({"code": 401, "message": null, "error": "bad key"}),
            "unauthenticated",
            &["bad key"],
        ),
    ];
    for (n, (status, body, kind, words)) in shapes.iter().enumerate() {
        proxy.inject("tasks/create", respond(*status, body));
        let text = call_err(
            &client,
            "submit_task",
            json!({"prompt": format!("@image_file_1 shot {n}"), "image_files": ["https://c.example/a.png"]}),
        )
        .await;
        assert!(text.starts_with(&format!("{kind}: ")), "{body}: {text}");
        for word in *words {
            assert!(text.contains(word), "{body}: `{text}` lacks {word}");
        }
        assert!(text.contains("nothing was created"), "{body}: {text}");
        for ambiguous in ["unexpected answer", "may exist", "may still have created"] {
            assert!(!text.contains(ambiguous), "{body}: {text}");
        }
    }
    // The journal agrees: refused, not of unknown outcome.
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), shapes.len());
    for task in &listed.tasks {
        assert_eq!(task.submit_state, SubmitState::Rejected, "{task:?}");
    }
    assert_eq!(fake.create_calls(), 0);
}

#[tokio::test]
async fn a_status_read_the_envelope_refuses_is_reported_in_the_providers_words() {
    let fake = FakeXskill::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(common::server(&via(&proxy, &fake, out.path()))).await;
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "a quiet harbour"})).await;
    let task_id = submitted.task_id.unwrap();
    proxy.inject(
        "tasks/query",
        respond(
            200,
            &json!({"code": 1002, "msg": {"detail": "task id malformed"}}),
        ),
    );
    let text = call_err(&client, "get_task", json!({"task_id": task_id})).await;
    assert!(text.starts_with("invalid_request: "), "{text}");
    assert!(text.contains("task id malformed"), "{text}");
    assert!(!text.contains("unexpected answer"), "{text}");
    // The next read goes through: the refusal was about that answer only.
    let task: GetTaskOutput = call_ok(&client, "get_task", json!({"task_id": task_id})).await;
    assert!(!task.finished);
}

#[tokio::test]
async fn odd_or_missing_optional_fields_never_sink_an_answer() {
    let fake = FakeXskill::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(common::server(&via(&proxy, &fake, out.path()))).await;
    // A create answer without its message, status, price and balance, with the
    // task id as the one thing left in `data` besides odd extras.
    proxy.inject(
        "tasks/create",
        Fault::Patch(json!({"message": null, "data": {
            "status": null, "price": {"credits": 50}, "balance": null,
            "model": null, "request_id": 7
        }})),
    );
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "a paper boat"})).await;
    assert_eq!(submitted.status, Some(TaskStatus::Queued));
    assert!(submitted.price.is_none() && submitted.balance_after.is_none());
    let task_id = submitted.task_id.unwrap();
    // pending, with odd members the guide never shows
    proxy.inject(
        "tasks/query",
        Fault::Patch(json!({"message": 0, "data": {
            "progress": {"stage": 3, "message": ["queued"]}, "price": "n/a",
            "output": "pending", "error": {"msg": 7}, "result": "none yet"
        }})),
    );
    let pending: GetTaskOutput = call_ok(&client, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(pending.status, TaskStatus::Queued);
    let processing: GetTaskOutput = call_ok(&client, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(processing.status, TaskStatus::Running);
    // completed, the URL in its documented place, every optional member odd or gone
    proxy.inject(
        "tasks/query",
        Fault::Patch(json!({"message": null, "data": {
            "price": null, "model": null, "error": null, "task_id": null,
            "output": {"video_url": 5, "images": null},
            "result": {"output": {"videos": null, "extra": true}}
        }})),
    );
    let done: GetTaskOutput = call_ok(&client, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    assert_eq!(done.result_urls.len(), 1, "{done:?}");
    assert!(done.result_urls[0].ends_with(&format!("{task_id}.mp4")));
    assert_eq!(done.local_files.len(), 1, "{done:?}");
}
