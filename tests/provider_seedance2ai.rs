//! seedance2ai.io specifics through the MCP tools: idempotent creates that are
//! retried with the same key, mode derived from the inputs, references in words,
//! https-only media, image models and their own options, gpt-image-2 batches,
//! prompt limits on what is sent, and answers read in whatever form they come.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl, TaskOutcome,
    faults::{Fault, FaultProxy},
    seedance2ai::FakeSeedance2ai,
};
use seedance_mcp::{
    domain::{Amount, TaskStatus},
    journal::SubmitState,
    service::{BalanceOutput, GetTaskOutput, ListTasksOutput, SubmitTaskOutput},
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

#[tokio::test]
async fn a_gpt_image_2_batch_is_one_task_that_reports_and_saves_every_paid_image() {
    let (fake, out, client) = setup().await;
    let args = json!({"prompt": "a paper lantern", "model": "gpt-image-2", "num_images": 3});
    let submitted: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let task_id = submitted.task_id.unwrap();
    let created: Vec<String> = fake.created_tasks().into_iter().map(|t| t.id).collect();
    assert_eq!(created.len(), 3, "one provider task per image");
    assert_eq!(
        task_id,
        created.join("+"),
        "the caller's id names every image"
    );
    assert_eq!(submitted.price, Some(Amount::new(24.0, "credits")));
    let mut task: GetTaskOutput = call_ok(&client, "get_task", json!({ "task_id": task_id })).await;
    while !task.finished {
        task = call_ok(&client, "get_task", json!({ "task_id": task_id })).await;
    }
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(task.result_urls.len(), 3, "{task:?}");
    for id in &created {
        assert!(
            task.result_urls.iter().any(|u| u.contains(id.as_str())),
            "{id}: {task:?}"
        );
    }
    assert_eq!(task.local_files.len(), 3, "every image is saved");
    assert!(
        task.local_files
            .iter()
            .all(|f| f.starts_with(out.path()) && f.is_file())
    );
    assert_eq!(task.price, Some(Amount::new(24.0, "credits")));
    assert!(task.failure.is_none(), "{task:?}");
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 1, "one submission, one journal row");
}

#[tokio::test]
async fn a_batch_with_a_failed_image_keeps_the_others_and_says_which_failed() {
    let (fake, _out, client) = setup().await;
    for outcome in [
        TaskOutcome::Succeed,
        TaskOutcome::Fail("nsfw_output".into()),
        TaskOutcome::Succeed,
    ] {
        fake.script_next_outcome(outcome);
    }
    let args = json!({"prompt": "three lanterns", "model": "gpt-image-2", "num_images": 3});
    let task = submit_and_wait(&client, args).await;
    let failed = &fake.created_tasks()[1].id;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    assert_eq!(task.local_files.len(), 2, "{task:?}");
    let failure = task.failure.as_ref().expect("the lost image is reported");
    assert!(
        failure.message.starts_with("1 of 3 images failed"),
        "{failure:?}"
    );
    assert!(failure.message.contains(failed.as_str()), "{failure:?}");
    assert_eq!(failure.code.as_deref(), Some("nsfw_output"));
    assert_eq!(
        task.price,
        Some(Amount::new(16.0, "credits")),
        "the failed image is refunded"
    );
}

#[tokio::test]
async fn channel_output_format_and_every_documented_image_ratio_reach_the_wire() {
    let (fake, _out, client) = setup().await;
    let gpt = json!({"prompt": "a tall tower", "model": "gpt-image-2", "channel": "economy", "ratio": "9:21"});
    let task = submit_and_wait(&client, gpt).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    let body = &fake.created_tasks()[0].body;
    assert_eq!(body["channel"], "economy");
    assert_eq!(body["aspect_ratio"], "9:21");
    let nano = json!({"prompt": "a frame", "model": "nano-banana-pro", "output_format": "jpeg", "ratio": "5:4"});
    let task = submit_and_wait(&client, nano).await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    let body = &fake.created_tasks()[1].body;
    assert_eq!(body["output_format"], "jpeg");
    assert_eq!(body["image_size"], "5:4");
    let saved = std::fs::read(&task.local_files[0]).unwrap();
    assert_eq!(
        &saved[..3],
        [0xff, 0xd8, 0xff],
        "a JPEG was asked for and saved"
    );

    let refused = [
        (
            json!({"prompt": "a frame", "model": "nano-banana-pro", "ratio": "2:1"}),
            "nano-banana-pro",
        ),
        (
            json!({"prompt": "a frame", "model": "gpt-image-2", "channel": "wild"}),
            "standard or economy",
        ),
        (
            json!({"prompt": "a frame", "model": "nano-banana-pro", "channel": "economy"}),
            "channel",
        ),
        (
            json!({"prompt": "a frame", "model": "gpt-image-2", "output_format": "jpeg"}),
            "output_format",
        ),
        (
            json!({"prompt": "a dancing cat", "channel": "economy"}),
            "standard, real or wild",
        ),
    ];
    let before = fake.create_calls();
    for (args, needle) in refused {
        let text = call_err(&client, "submit_task", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert_eq!(fake.create_calls(), before, "refused before sending");
}

#[tokio::test]
async fn each_endpoint_caps_the_prompt_it_is_sent() {
    let (fake, _out, client) = setup().await;
    // gpt-image-2 takes 20,000 characters.
    let long = "x".repeat(15_000);
    let args = json!({"prompt": long, "model": "gpt-image-2"});
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let sent = fake.created_tasks()[0].body["prompt"]
        .as_str()
        .unwrap()
        .chars()
        .count();
    assert_eq!(sent, 15_000);
    // The video and nano-banana-pro endpoints take 10,000; a reference counts as
    // the words it becomes, which is what is sent.
    let near = format!("@image_file_1 {}", "y".repeat(9_980));
    assert!(near.chars().count() <= 10_000);
    let cases = [
        (
            json!({"prompt": long, "model": "nano-banana-pro"}),
            "a prompt of 15000 characters",
        ),
        (
            json!({"prompt": "x".repeat(10_001)}),
            "Write 3 to 10000 characters",
        ),
        (
            json!({"prompt": near, "image_files": ["https://cdn.example.com/a.png"]}),
            "once its references are written out in words",
        ),
    ];
    for (args, needle) in cases {
        let text = call_err(&client, "submit_task", args).await;
        assert!(text.contains(needle), "{text}");
    }
    assert_eq!(fake.create_calls(), 1);
}

#[tokio::test]
async fn a_failed_tasks_error_is_read_in_any_form() {
    let (fake, _out, client) = setup().await;
    let forms = [
        (
            json!("the output was refused by moderation"),
            "the output was refused by moderation",
            None,
        ),
        (json!(4011), "error 4011", Some("4011")),
        (
            json!({"msg": "upstream busy", "code": 7}),
            "upstream busy",
            Some("7"),
        ),
        (json!({"detail": "bad frame"}), "bad frame", None),
        (json!(null), "the provider gave no reason", None),
    ];
    for (n, (form, words, code)) in forms.into_iter().enumerate() {
        fake.report_failures_as(form.clone());
        fake.script_next_outcome(TaskOutcome::Fail("x".into()));
        let args = json!({"prompt": format!("a failing task {n}")});
        let task = submit_and_wait(&client, args).await;
        assert_eq!(task.status, TaskStatus::Failed, "{form}: {task:?}");
        let failure = task.failure.unwrap();
        assert_eq!(failure.message, words, "{form}");
        assert_eq!(failure.code.as_deref(), code, "{form}");
    }
}

/// A client for the fake behind a fault proxy, to answer in forms the fake never uses.
async fn behind_proxy() -> (
    FakeSeedance2ai,
    FaultProxy,
    tempfile::TempDir,
    rmcp::service::RunningService<rmcp::RoleClient, ()>,
) {
    let fake = FakeSeedance2ai::start().await.unwrap();
    let proxy = FaultProxy::start(&fake.origin()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let api = fake
        .base_url()
        .trim_start_matches(&fake.origin())
        .to_owned();
    let settings = common::settings(out.path()).with_provider(
        "seedance2ai",
        fake.api_key(),
        &format!("{}{api}", proxy.base_url()),
    );
    let client = connect(server(&settings)).await;
    (fake, proxy, out, client)
}

#[tokio::test]
async fn an_answer_that_says_the_create_failed_is_a_refusal_that_created_nothing() {
    let (fake, proxy, _out, client) = behind_proxy().await;
    let answers = [
        (
            200,
            json!({"error": {"code": "content_policy", "message": "prompt refused"}}),
            "prompt refused (content_policy)",
        ),
        (
            200,
            json!({"success": false, "message": "model offline"}),
            "model offline",
        ),
        (200, json!({"error": "quota exceeded"}), "quota exceeded"),
        (400, json!({"error": "bad duration"}), "bad duration"),
        (
            422,
            json!({"error": {"detail": "prompt too short", "code": 12}}),
            "prompt too short (12)",
        ),
    ];
    for (n, (status, body, words)) in answers.into_iter().enumerate() {
        proxy.inject(
            "/video/",
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
        assert!(!text.contains("Do not submit again"), "{body}: {text}");
    }
    assert_eq!(fake.tasks_created(), 0);
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 5);
    for row in &listed.tasks {
        assert_eq!(row.submit_state, SubmitState::Rejected, "{row:?}");
    }
}

#[tokio::test]
async fn a_task_answer_with_odd_optional_fields_still_reads() {
    let (_fake, proxy, _out, client) = behind_proxy().await;
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "an odd answer"})).await;
    let id = submitted.task_id.unwrap();
    // No model, no timestamps, credits as strings, a lone URL as output.
    let body = json!({"id": id, "status": "completed", "credits_used": "30", "output": "https://cdn.example.com/v.mp4", "error": ""});
    proxy.inject(
        "/tasks/",
        Fault::Respond {
            status: 200,
            body: body.to_string().into_bytes(),
        },
    );
    let (is_error, task) = common::call(&client, "get_task", json!({ "task_id": id })).await;
    assert!(!is_error, "{task}");
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(
        task["result_urls"],
        json!(["https://cdn.example.com/v.mp4"])
    );
    assert_eq!(task["price"]["amount"], 30.0);
}

/// seedance2ai.io reports each task's refund (`credits_refunded`): a failed task
/// shows what it gave back, in the answer, its next step and the CLI's words
/// (issue 18, item 10).
#[tokio::test]
async fn a_failed_task_shows_the_refund_the_provider_reports() {
    let (fake, _out, client) = setup().await;
    fake.script_next_outcome(TaskOutcome::Fail("content_policy_violation".into()));
    let task = submit_and_wait(&client, json!({"prompt": "a storm over the harbour"})).await;
    assert_eq!(task.status, TaskStatus::Failed, "{task:?}");
    assert_eq!(
        task.refunded,
        Some(Amount::new(30.0, "credits")),
        "{task:?}"
    );
    assert_eq!(
        task.price,
        Some(Amount::new(0.0, "credits")),
        "nothing is left charged"
    );
    assert!(
        task.next_step.contains("refunded 30 credits"),
        "{}",
        task.next_step
    );
    use seedance_mcp::cli::human::Human;
    assert!(
        task.human()
            .contains("Cost: 0 credits (30 credits refunded)"),
        "{}",
        task.human()
    );
    assert_eq!(fake.balance(), Some(200), "the fake gave the credits back");
}
