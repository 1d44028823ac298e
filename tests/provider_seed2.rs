//! seed2.io specifics: integer ids, points, the last-seen balance, no frames mode,
//! audio alone as its README sends it, and answers read in whatever form they come.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl, TaskOutcome,
    faults::{Fault, FaultProxy},
    seed2::FakeSeed2,
};
use seedance_mcp::{
    domain::{Amount, TaskStatus},
    journal::SubmitState,
    service::{BalanceOutput, ListTasksOutput, SubmitTaskOutput},
};
use serde_json::json;

#[tokio::test]
async fn a_task_runs_with_an_integer_id_and_the_balance_is_the_last_one_reported() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    // No balance before the first create.
    let before = call_err(&client, "get_balance", json!({})).await;
    assert!(before.contains("no balance endpoint"), "{before}");
    let task = submit_and_wait(&client, json!({"prompt": "@image_file_1 rolls down a hill", "image_files": ["https://cdn.example.com/ball.png"], "duration": 5})).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert!(task.task_id.parse::<u64>().is_ok());
    assert_eq!(task.price, Some(Amount::new(2900.0, "points")));
    let body = &fake.created_tasks()[0].body;
    assert_eq!(
        body["prompt"], "@image_file_1 rolls down a hill",
        "seed2 understands @-references as written"
    );
    let balance: BalanceOutput = call_ok(&client, "get_balance", json!({})).await;
    assert_eq!(balance.available.amount, 7100.0);
    assert!(balance.last_seen_at.as_deref().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn first_last_frames_is_refused_with_the_omni_alternative() {
    let fake = FakeSeed2::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let text = call_err(&client, "submit_task", json!({"prompt": "x", "mode": "first_last_frames", "first_frame": "https://c.example/a.png"})).await;
    assert!(text.contains("omni_reference"), "{text}");
    assert_eq!(fake.create_calls(), 0);
}

#[tokio::test]
async fn audio_alone_runs_as_the_readmes_audio_sync_example_sends_it() {
    let fake = FakeSeed2::start().await.unwrap();
    fake.set_balance(100_000);
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let args = json!({"prompt": "A DJ mixing at a nightclub, energetic crowd", "duration": 10,
        "audio_files": ["https://cdn.example.com/edm-track.mp3"]});
    let task = submit_and_wait(&client, args).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    let body = &fake.created_tasks()[0].body;
    assert_eq!(
        body["audio_files"],
        json!(["https://cdn.example.com/edm-track.mp3"])
    );
    assert!(body.get("image_files").is_none() && body.get("video_files").is_none());
    assert_eq!(task.price, Some(Amount::new(11_600.0, "points")));
}

#[tokio::test]
async fn a_failed_tasks_reason_is_read_in_any_form() {
    let fake = FakeSeed2::start().await.unwrap();
    fake.set_balance(100_000);
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::seed2_settings(&fake, out.path()))).await;
    let forms = [
        (json!("face detected"), "face detected", None),
        (json!(4011), "error code 4011", Some("4011")),
        (
            json!({"code": "E_FACE", "msg": "a real face"}),
            "a real face",
            Some("E_FACE"),
        ),
        (json!({"message": "timed out"}), "timed out", None),
        (json!(null), "the provider gave no reason", None),
    ];
    for (n, (form, words, code)) in forms.into_iter().enumerate() {
        fake.report_failures_as(form.clone());
        fake.script_next_outcome(TaskOutcome::Fail("x".into()));
        let task = submit_and_wait(&client, json!({"prompt": format!("a failing task {n}")})).await;
        assert_eq!(task.status, TaskStatus::Failed, "{form}: {task:?}");
        let failure = task.failure.unwrap();
        assert_eq!(failure.message, words, "{form}");
        assert_eq!(failure.code.as_deref(), code, "{form}");
    }
}

/// The fake behind a fault proxy, to answer in forms the fake never uses.
async fn behind_proxy() -> (
    FakeSeed2,
    FaultProxy,
    tempfile::TempDir,
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
) {
    let fake = FakeSeed2::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.base_url()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let settings =
        common::settings(out.path()).with_provider("seed2", fake.api_key(), &proxy.base_url());
    let client = connect(server(&settings)).await;
    (fake, proxy, out, client)
}

#[tokio::test]
async fn an_envelope_that_says_the_create_failed_is_a_refusal_that_created_nothing() {
    let (fake, proxy, _out, client) = behind_proxy().await;
    let answers = [
        (
            200,
            json!({"code": 1001, "message": "prompt too long", "data": null}),
            "prompt too long (code 1001)",
        ),
        (
            200,
            json!({"code": "E_PARAM", "msg": "bad ratio"}),
            "bad ratio (code E_PARAM)",
        ),
        (
            200,
            json!({"code": -1, "error": {"message": "model busy"}}),
            "model busy (code -1)",
        ),
        (200, json!({"code": 7}), "error code 7"),
        (
            400,
            json!({"code": 1002, "detail": "duration must be an integer"}),
            "duration must be an integer",
        ),
    ];
    for (n, (status, body, words)) in answers.into_iter().enumerate() {
        proxy.inject(
            "/video/generate",
            Fault::Respond {
                status,
                body: body.to_string().into_bytes(),
            },
        );
        let args = json!({"prompt": format!("a refused task {n}")});
        let text = call_err(&client, "submit_task", args).await;
        assert!(text.starts_with("invalid_request: "), "{body}: {text}");
        assert!(text.contains(words), "{body}: {text}");
        assert!(text.contains("nothing was created"), "{body}: {text}");
        assert!(
            !text.contains("may exist") && !text.contains("unexpected"),
            "{body}: {text}"
        );
    }
    assert_eq!(fake.tasks_created(), 0);
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 5);
    for row in &listed.tasks {
        assert_eq!(row.submit_state, SubmitState::Rejected, "{row:?}");
    }
}

#[tokio::test]
async fn a_task_query_refused_in_the_envelope_says_so_in_its_words() {
    let (_fake, proxy, _out, client) = behind_proxy().await;
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "a query refused"})).await;
    let id = submitted.task_id.unwrap();
    let body = json!({"code": 2001, "message": "task is archived"});
    proxy.inject(
        "/v1/tasks/",
        Fault::Respond {
            status: 200,
            body: body.to_string().into_bytes(),
        },
    );
    let text = call_err(&client, "get_task", json!({ "task_id": id })).await;
    assert!(text.contains("task is archived (code 2001)"), "{text}");
    assert!(
        !text.contains("could not read") && !text.contains("unexpected"),
        "{text}"
    );
    // Ids and figures as strings, a missing `id` and `result` of an odd form still read.
    let body = json!({"code": "0", "data": {"status": "processing", "result": "pending", "points_cost": "2900"}});
    proxy.inject(
        "/v1/tasks/",
        Fault::Respond {
            status: 200,
            body: body.to_string().into_bytes(),
        },
    );
    let (is_error, task) = common::call(&client, "get_task", json!({ "task_id": id })).await;
    assert!(!is_error, "{task}");
    assert_eq!(task["task_id"], json!(id));
    assert_eq!(task["status"], "running");
    assert_eq!(task["price"]["amount"], 2900.0);
}
