//! The agent's path through the product, through a real MCP client: the
//! storyboard prompt, a dry run showing the cost, one submit, a wait with
//! progress, the file on disk; and the guards on the way (linter, spend limits).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call, call_err, call_ok, connect, server, settings, xskill_settings};
use provider_fakes::{FakeControl, xskill::FakeXskill};
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
use seedance_mcp::{
    config::Settings,
    domain::TaskStatus,
    service::{GetTaskOutput, ListTasksOutput, SubmitTaskOutput},
};
use serde_json::json;

fn prompt_text(result: &rmcp::model::GetPromptResult) -> String {
    let message = serde_json::to_value(&result.messages[0]).unwrap();
    message["content"]["text"].as_str().unwrap().to_owned()
}

// On tokio's paused clock: the simulated 3 s task takes no real time.
#[tokio::test(start_paused = true)]
async fn the_skill_flow_runs_end_to_end_through_an_mcp_client() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        sim_seconds: 3.0,
        ..settings(out.path())
    };
    let recorder = common::ProgressRecorder::default();
    let client = common::connect_with(server(&settings), recorder.clone()).await;

    // 1. The prompt lays out the workflow and shots for the length asked.
    let prompts = client.list_all_prompts().await.unwrap();
    assert!(
        prompts.iter().any(|p| p.name == "storyboard"),
        "{prompts:?}"
    );
    let mut arguments = serde_json::Map::new();
    arguments.insert("idea".into(), json!("a paper boat sails across a puddle"));
    arguments.insert("duration".into(), json!("8"));
    arguments.insert("ratio".into(), json!("9:16"));
    let plan = client
        .get_prompt(GetPromptRequestParams::new("storyboard").with_arguments(arguments))
        .await
        .unwrap();
    let plan = prompt_text(&plan);
    assert!(
        plan.contains("dry_run: true") && plan.contains("wait_seconds 45"),
        "{plan}"
    );
    // The agent fills in the laid-out shots.
    let shots: Vec<String> = plan
        .lines()
        .filter(|line| {
            line.trim_start().starts_with(|c: char| c.is_ascii_digit()) && line.contains("s: <")
        })
        .map(|line| {
            line.trim().replace(
                "<what the camera sees; one move>",
                "the boat drifts, slow push in",
            )
        })
        .collect();
    assert_eq!(shots.len(), 2, "{plan}");
    let prompt = format!("A paper boat on a rainy street.\n{}", shots.join("\n"));
    let args = json!({"prompt": prompt, "duration": 8, "ratio": "9:16"});

    // 2. The dry run shows the cost, the balance and the request, and creates nothing.
    let mut dry = args.clone();
    dry["dry_run"] = json!(true);
    let preview: SubmitTaskOutput = call_ok(&client, "submit_task", dry).await;
    assert!(preview.dry_run);
    // Left out, not null: `call_ok` refuses a null where the type leaves a field out.
    assert!(preview.task_id.is_none(), "{preview:?}");
    assert_eq!(
        preview.estimated_price.as_ref().map(|p| p.amount),
        Some(80.0),
        "{preview:?}"
    );
    assert!(
        preview.balance.as_ref().unwrap().amount > 0.0,
        "{preview:?}"
    );
    // The previewed body is raw JSON by design: the provider's own request.
    assert_eq!(
        preview.request.as_ref().unwrap().body["duration"],
        8,
        "{preview:?}"
    );
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "a dry run journals nothing");

    // 3. One submit, 4. waiting with progress, 5. the file on disk.
    let submitted: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
    let task_id = submitted.task_id.unwrap();
    let mut task = None;
    for _ in 0..5 {
        let polled: GetTaskOutput = call_ok(
            &client,
            "get_task",
            json!({"task_id": task_id, "wait_seconds": 10}),
        )
        .await;
        let finished = polled.finished;
        task = Some(polled);
        if finished {
            break;
        }
    }
    let task = task.unwrap();
    assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
    let file = &task.local_files[0];
    assert!(
        file.starts_with(out.path()) && file.metadata().unwrap().len() > 1000,
        "{task:?}"
    );
    assert!(recorder.count() > 0, "no progress while waiting");

    // The skill itself is readable as resources.
    let skill = client
        .read_resource(ReadResourceRequestParams::new("seedance://skill/SKILL.md"))
        .await
        .unwrap();
    let skill = serde_json::to_value(&skill).unwrap();
    assert!(skill.to_string().contains("name: seedance"), "{skill}");
}

#[tokio::test]
async fn the_linter_refuses_a_storyboard_that_does_not_fill_the_clip_before_sending() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "0-4s: a cup\n3-10s: steam rises", "duration": 10}),
    )
    .await;
    assert!(
        text.contains("`prompt`") && text.contains("timed shot 2"),
        "{text}"
    );
    assert!(fake.requests().is_empty(), "nothing may reach the provider");
    let ok: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "0-4s: a cup\n4-10s: a caption that says \"HELLO\"", "duration": 10}),
    )
    .await;
    assert!(ok.warnings[0].contains("garbled"), "{ok:?}");
}

#[tokio::test]
async fn a_dry_run_shows_the_exact_request_without_the_key_and_sends_no_create() {
    let fake = FakeXskill::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&xskill_settings(&fake, out.path()))).await;
    let balance_before = fake.balance();
    let (err, raw) = call(
        &client,
        "submit_task",
        json!({"prompt": "a kite over dunes", "duration": 6, "dry_run": true}),
    )
    .await;
    assert!(!err, "{raw}");
    let preview: SubmitTaskOutput = common::typed(&raw);
    let request = preview.request.unwrap();
    assert_eq!(request.method, "POST");
    assert!(request.url.ends_with("/api/v3/tasks/create"), "{request:?}");
    assert_eq!(request.headers, ["Authorization: Bearer <XSKILL_API_KEY>"]);
    // The body is raw JSON by design: the provider's own request.
    assert_eq!(request.body["params"]["duration"], json!(6), "{request:?}");
    // Raw on purpose: the key must appear nowhere in the result as sent.
    assert!(
        !raw.to_string().contains(fake.api_key()),
        "the key leaked: {raw}"
    );
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.iter().all(|p| !p.contains("create")), "{paths:?}");
    assert_eq!(fake.balance(), balance_before);
    // The same arguments without dry_run send exactly the previewed body.
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a kite over dunes", "duration": 6}),
    )
    .await;
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.path.contains("create"))
        .unwrap();
    assert_eq!(create.body, request.body);
}

fn limited(out: &std::path::Path, per_task: Option<f64>, daily: Option<f64>) -> Settings {
    Settings {
        max_cost_per_task: per_task,
        daily_budget: daily,
        sim_seconds: 0.2,
        ..settings(out)
    }
}

#[tokio::test]
async fn the_spend_guard_refuses_a_dear_task_until_its_cost_is_confirmed() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&limited(out.path(), Some(30.0), None))).await;
    // 5 s of the fast model on the simulator: 50 simulated credits.
    let args = json!({"prompt": "a lighthouse at dusk", "duration": 5});
    let text = call_err(&client, "submit_task", args.clone()).await;
    assert!(text.starts_with("spend_limit:"), "{text}");
    assert!(
        text.contains("50 simulated credits") && text.contains("limit of 30"),
        "{text}"
    );
    assert!(text.contains("confirm_cost: 50"), "{text}");
    let mut wrong = args.clone();
    wrong["confirm_cost"] = json!(40);
    let text = call_err(&client, "submit_task", wrong).await;
    assert!(text.contains("`confirm_cost`"), "{text}");
    let listed: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    assert!(listed.tasks.is_empty(), "refusals journal nothing");
    let mut confirmed = args;
    confirmed["confirm_cost"] = json!(50);
    let submitted: SubmitTaskOutput = call_ok(&client, "submit_task", confirmed).await;
    assert!(submitted.task_id.is_some());
}

#[tokio::test]
async fn the_daily_budget_counts_what_was_spent_in_the_last_day() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&limited(out.path(), None, Some(80.0)))).await;
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "clip one", "duration": 5}),
    )
    .await;
    let text = call_err(
        &client,
        "submit_task",
        json!({"prompt": "clip two", "duration": 5}),
    )
    .await;
    assert!(
        text.contains("50 simulated credits was spent in the last 24 hours"),
        "{text}"
    );
    assert!(text.contains("budget of 80"), "{text}");
    let preview: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "clip two", "duration": 5, "dry_run": true}),
    )
    .await;
    assert!(
        preview.next_step.contains("would be refused"),
        "{preview:?}"
    );
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "clip two", "duration": 5, "confirm_cost": 50}),
    )
    .await;
}
