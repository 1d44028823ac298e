//! Frictions a new user or agent met in the first hour (issue 18): the words the
//! server gives an agent agree with the skill and read cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{connect, server, settings};
use rmcp::model::GetPromptRequestParams;
use serde_json::json;

/// The storyboard prompt tells agents to pass local paths (as the skill does), not
/// to upload first; the instructions carry no empty "not none" list; each skill
/// resource describes its own file.
#[tokio::test]
async fn prompts_instructions_and_resources_read_cleanly() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let instructions = client
        .peer_info()
        .unwrap()
        .instructions
        .clone()
        .unwrap_or_default();
    assert!(!instructions.contains("not none"), "{instructions}");
    let mut arguments = serde_json::Map::new();
    arguments.insert("idea".into(), json!("a paper boat"));
    let plan = client
        .get_prompt(GetPromptRequestParams::new("storyboard").with_arguments(arguments))
        .await
        .unwrap();
    let plan = serde_json::to_value(&plan.messages[0]).unwrap()["content"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !plan.contains("upload_image, then"),
        "the skill passes paths directly: {plan}"
    );
    assert!(plan.contains("path"), "{plan}");
    let resources = client.list_all_resources().await.unwrap();
    let skill: Vec<_> = resources
        .iter()
        .filter(|r| r.uri.starts_with("seedance://skill/"))
        .collect();
    assert_eq!(skill.len(), seedance_mcp::skill::FILES.len());
    let mut descriptions: Vec<_> = skill.iter().map(|r| r.description.clone()).collect();
    descriptions.sort();
    descriptions.dedup();
    assert_eq!(descriptions.len(), skill.len(), "{descriptions:?}");
}

/// A simulated queued task can be cancelled like a real one, and its price goes back.
#[tokio::test(start_paused = true)]
async fn the_simulator_cancels_a_queued_task() {
    let out = tempfile::tempdir().unwrap();
    let settings = seedance_mcp::config::Settings {
        sim_seconds: 60.0,
        ..settings(out.path())
    };
    let client = connect(server(&settings)).await;
    let submitted: seedance_mcp::service::SubmitTaskOutput =
        common::call_ok(&client, "submit_task", json!({"prompt": "a kite"})).await;
    let task_id = submitted.task_id.unwrap();
    let cancelled: serde_json::Value =
        common::call_ok(&client, "cancel_task", json!({"task_id": task_id})).await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    tokio::time::advance(std::time::Duration::from_secs(120)).await;
    let task: serde_json::Value =
        common::call_ok(&client, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(task["status"], "cancelled", "{task}");
}

/// list_tasks always carries each task's `local_files`, empty when nothing was
/// saved, so `jq '.tasks[].local_files[]'` never meets a null.
#[tokio::test(start_paused = true)]
async fn listed_tasks_always_carry_their_file_list() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let _: seedance_mcp::service::SubmitTaskOutput =
        common::call_ok(&client, "submit_task", json!({"prompt": "a kite"})).await;
    let listed: serde_json::Value = common::call_ok(&client, "list_tasks", json!({})).await;
    assert_eq!(listed["tasks"][0]["local_files"], json!([]), "{listed}");
}

/// A dry run identical to a recent task predicts the duplicate refusal, and the
/// refusal blames no field and says nothing was charged.
#[tokio::test(start_paused = true)]
async fn a_dry_run_predicts_a_duplicate_and_the_refusal_says_nothing_was_charged() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let args = json!({"prompt": "a paper boat", "duration": 5});
    let _: seedance_mcp::service::SubmitTaskOutput =
        common::call_ok(&client, "submit_task", args.clone()).await;
    let mut dry = args.clone();
    dry["dry_run"] = json!(true);
    let predicted: seedance_mcp::service::SubmitTaskOutput =
        common::call_ok(&client, "submit_task", dry).await;
    assert!(
        predicted
            .next_step
            .contains("would be refused (duplicate_submission)"),
        "{}",
        predicted.next_step
    );
    assert!(
        !predicted.next_step.contains("call submit_task again"),
        "{}",
        predicted.next_step
    );
    let refused = common::call_err(&client, "submit_task", args).await;
    assert!(refused.starts_with("duplicate_submission"), "{refused}");
    assert!(!refused.contains("`prompt`"), "{refused}");
    assert!(refused.contains("charged nothing"), "{refused}");
}

/// The simulator's dry-run request shows everything it was given, so a rehearsal
/// can check chaining settings.
#[tokio::test]
async fn the_simulators_dry_run_shows_every_setting() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let frames: seedance_mcp::service::SubmitTaskOutput = common::call_ok(
        &client,
        "submit_task",
        json!({"prompt": "the fox runs on", "model": "seedance-2.0", "mode": "first_last_frames",
               "first_frame": "https://cdn.example.com/last.png", "return_last_frame": true,
               "seed": 42, "dry_run": true}),
    )
    .await;
    let body = serde_json::to_value(&frames.request.unwrap().body).unwrap();
    assert_eq!(body["model"], "seedance-2.0", "{body}");
    assert_eq!(body["mode"], "first_last_frames", "{body}");
    assert_eq!(
        body["first_frame"], "https://cdn.example.com/last.png",
        "{body}"
    );
    assert_eq!(body["return_last_frame"], true, "{body}");
    assert_eq!(body["seed"], 42, "{body}");
    let omni: seedance_mcp::service::SubmitTaskOutput = common::call_ok(
        &client,
        "submit_task",
        json!({"prompt": "@image_file_1 spins", "image_files": ["https://cdn.example.com/a.png"],
               "dry_run": true}),
    )
    .await;
    let body = serde_json::to_value(&omni.request.unwrap().body).unwrap();
    assert_eq!(
        body["image_files"],
        json!(["https://cdn.example.com/a.png"]),
        "{body}"
    );
    assert_eq!(body["mode"], "omni_reference", "{body}");
}

/// first_last_frames with a file list is refused before anything is charged, on
/// the simulator as on every provider (validation is shared), dry run included.
#[tokio::test]
async fn frames_mode_with_a_file_list_is_refused_even_on_a_dry_run() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    for dry_run in [true, false] {
        let text = common::call_err(
            &client,
            "submit_task",
            json!({"prompt": "day to night", "mode": "first_last_frames",
                   "image_files": ["https://cdn.example.com/a.png"], "dry_run": dry_run}),
        )
        .await;
        assert!(text.contains("image_files"), "{text}");
        assert!(text.contains("first_frame"), "{text}");
    }
}

/// Media URLs at loopback, private or link-local addresses, or at `localhost`,
/// are refused before sending (dry run included) with the fix; tests whose media
/// come from local fakes opt in through a test-only setting.
#[tokio::test]
async fn media_urls_no_cloud_provider_can_fetch_are_refused_before_sending() {
    use provider_fakes::{FakeControl, xskill::FakeXskill};
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let strict = |s: seedance_mcp::config::Settings| seedance_mcp::config::Settings {
        private_media_urls: false,
        ..s
    };
    for settings in [
        strict(settings(out.path())),
        strict(common::xskill_settings(&fake, out.path())),
    ] {
        let client = connect(server(&settings)).await;
        for url in [
            "http://127.0.0.1:1/x.png",
            "http://169.254.169.254/latest/meta-data/x.png",
            "https://localhost/x.png",
            "https://10.1.2.3/x.png",
            "https://[::1]/x.png",
        ] {
            for dry_run in [true, false] {
                let text = common::call_err(
                    &client,
                    "submit_task",
                    json!({"prompt": "@image_file_1 spins", "image_files": [url], "dry_run": dry_run}),
                )
                .await;
                assert!(text.contains("image_files[0]"), "{url}: {text}");
                assert!(text.contains("public https URL"), "{url}: {text}");
            }
        }
        let text = common::call_err(
            &client,
            "upload_image",
            json!({"image_url": "http://192.168.1.5/x.png"}),
        )
        .await;
        assert!(text.contains("image_url"), "{text}");
    }
    assert!(fake.requests().is_empty(), "nothing reached the provider");
    // Opted in (as the fakes' tests are), the same URL passes validation.
    let client = connect(server(&settings(out.path()))).await;
    let _: seedance_mcp::service::SubmitTaskOutput = common::call_ok(
        &client,
        "submit_task",
        json!({"prompt": "@image_file_1 spins", "image_files": ["http://127.0.0.1:1/x.png"], "dry_run": true}),
    )
    .await;
}

/// A failed task whose provider refunds failures says its price was refunded (the
/// simulator refunds, as seed2's documents say it does).
#[tokio::test(start_paused = true)]
async fn a_failed_task_shows_its_refund() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&settings(out.path()))).await;
    let task =
        common::submit_and_wait(&client, json!({"prompt": "a storm #simulate-failure"})).await;
    assert_eq!(task.status, seedance_mcp::domain::TaskStatus::Failed);
    assert!(task.price.is_some(), "{task:?}");
    assert!(task.next_step.contains("refunded"), "{}", task.next_step);
    use seedance_mcp::cli::human::Human;
    assert!(task.human().contains("(refunded)"), "{}", task.human());
}

/// One CLI command, in a process of its own, on the simulator whose tasks take
/// `sim_seconds`; its JSON answer and exit code.
fn cli(data: &std::path::Path, sim_seconds: &str, args: &[&str]) -> (serde_json::Value, i32) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
        .arg("--json")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEEDANCE_DATA_DIR", data.join("data"))
        .env("SEEDANCE_OUTPUT_DIR", data.join("out"))
        .env("SEEDANCE_SIM_SECONDS", sim_seconds)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer = serde_json::from_str(&stdout).unwrap_or_else(|_| {
        panic!(
            "{args:?} printed no JSON: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (answer, output.status.code().unwrap_or(-1))
}

/// Simulated tasks live in the journal: a task submitted by one process is
/// answered for, waited on, cancelled and listed by others, and the balance
/// follows (issue 18, item 1).
#[test]
fn simulated_tasks_outlive_the_process_that_submitted_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // Done as soon as it is submitted; nobody waits in the submitting process.
    let (done, code) = cli(
        data,
        "0",
        &["submit", "--prompt", "a kite over dunes", "--duration", "4"],
    );
    assert_eq!(
        (code, done["status"].as_str()),
        (0, Some("queued")),
        "{done}"
    );
    let done_id = done["task_id"].as_str().unwrap();
    // Abandoned right away: listing in another process finds it finished.
    let (listed, code) = cli(data, "0", &["list"]);
    assert_eq!(code, 0, "{listed}");
    assert_eq!(listed["tasks"][0]["status"], "succeeded", "{listed}");
    let (status, code) = cli(data, "0", &["status", done_id]);
    assert_eq!(
        (code, status["status"].as_str()),
        (0, Some("succeeded")),
        "{status}"
    );
    let (waited, code) = cli(data, "0", &["wait", done_id]);
    assert_eq!(code, 0, "{waited}");
    assert!(
        waited["local_files"][0].as_str().unwrap().ends_with(".mp4"),
        "{waited}"
    );

    // Queued for 12 minutes: cancelled from a third process, seen so by a fourth.
    let (queued, _) = cli(
        data,
        "3600",
        &["submit", "--prompt", "a slow tide", "--duration", "4"],
    );
    let queued_id = queued["task_id"].as_str().unwrap();
    let (cancelled, code) = cli(data, "1", &["cancel", queued_id]);
    assert_eq!(
        (code, cancelled["status"].as_str()),
        (0, Some("cancelled")),
        "{cancelled}"
    );
    let (status, _) = cli(data, "1", &["status", queued_id]);
    assert_eq!(status["status"], "cancelled", "{status}");

    // Only the finished task was charged; the cancelled one gave its price back.
    let (balance, code) = cli(data, "1", &["balance"]);
    let spent = done["price"]["amount"].as_f64().unwrap();
    assert!(spent > 0.0, "{done}");
    assert_eq!(code, 0, "{balance}");
    assert_eq!(
        balance["available"]["amount"].as_f64(),
        Some(10_000.0 - spent),
        "{balance}"
    );
}
