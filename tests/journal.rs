//! The task journal through the tools: duplicates refused, tasks listed, queued
//! tasks cancelled, and interrupted submissions reconciled after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
};
use seedance_mcp::{
    domain::TaskStatus,
    service::{ListTasksOutput, SubmitTaskOutput, TaskSummary},
};
use serde_json::json;

#[tokio::test]
async fn the_same_request_twice_is_refused_unless_resubmit_is_set() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let args = json!({"prompt": "a red kite", "duration": 4});
    let first: SubmitTaskOutput = call_ok(&client, "submit_task", args.clone()).await;
    let text = call_err(&client, "submit_task", args).await;
    assert!(text.starts_with("duplicate_submission"), "{text}");
    assert!(
        text.contains(first.task_id.as_deref().unwrap()) && text.contains("resubmit"),
        "{text}"
    );
    let second: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a red kite", "duration": 4, "resubmit": true}),
    )
    .await;
    assert_ne!(first.task_id, second.task_id);
    // A different request is not a duplicate.
    let _: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a red kite", "duration": 5}),
    )
    .await;
}

#[tokio::test]
async fn a_failed_task_may_be_submitted_again_without_resubmit() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let args = json!({"prompt": "a storm #simulate-failure"});
    let task = submit_and_wait(&client, args.clone()).await;
    assert_eq!(task.status, TaskStatus::Failed);
    let _: SubmitTaskOutput = call_ok(&client, "submit_task", args).await;
}

#[tokio::test]
async fn list_tasks_shows_the_journal_newest_first_with_filters_and_pages() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let done = submit_and_wait(&client, json!({"prompt": "first clip"})).await;
    for n in 0..3 {
        let _: SubmitTaskOutput = call_ok(
            &client,
            "submit_task",
            json!({"prompt": format!("clip {n}")}),
        )
        .await;
    }
    let all: ListTasksOutput = call_ok(&client, "list_tasks", json!({})).await;
    let tasks = &all.tasks;
    assert_eq!(tasks.len(), 4);
    assert_eq!(tasks[0].prompt, "clip 2");
    assert_eq!(tasks[3].task_id.as_deref(), Some(done.task_id.as_str()));
    assert_eq!(tasks[3].status, Some(TaskStatus::Succeeded));
    assert_eq!(tasks[3].local_files, done.local_files);
    let page: ListTasksOutput = call_ok(&client, "list_tasks", json!({"limit": 3})).await;
    assert_eq!(page.tasks.len(), 3);
    let rest: ListTasksOutput = call_ok(
        &client,
        "list_tasks",
        json!({"limit": 3, "cursor": page.next_cursor}),
    )
    .await;
    assert_eq!(rest.tasks.len(), 1);
    // Left out, not null: `call_ok` refuses a null where the type leaves a field out.
    assert!(rest.next_cursor.is_none());
    let succeeded: ListTasksOutput = call_ok(
        &client,
        "list_tasks",
        json!({"status": "succeeded", "since": "1h"}),
    )
    .await;
    assert_eq!(succeeded.tasks.len(), 1);
    let text = call_err(&client, "list_tasks", json!({"since": "last tuesday"})).await;
    assert!(text.contains("`since`"), "{text}");
}

#[tokio::test]
async fn a_queued_ark_task_is_cancelled_and_a_running_one_is_explained() {
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 5,
        running_polls: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::ark_settings(&fake, out.path()))).await;
    let submitted: SubmitTaskOutput = call_ok(
        &client,
        "submit_task",
        json!({"prompt": "a queue of boats"}),
    )
    .await;
    let cancelled: TaskSummary = call_ok(
        &client,
        "cancel_task",
        json!({"task_id": submitted.task_id}),
    )
    .await;
    assert_eq!(cancelled.status, Some(TaskStatus::Cancelled));
    assert_eq!(fake.created_tasks()[0].status, "cancelled");
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 0,
        running_polls: 9,
        ..Default::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::ark_settings(&fake, out.path()))).await;
    let submitted: SubmitTaskOutput =
        call_ok(&client, "submit_task", json!({"prompt": "a running horse"})).await;
    let text = call_err(
        &client,
        "cancel_task",
        json!({"task_id": submitted.task_id}),
    )
    .await;
    assert!(text.contains("already running"), "{text}");
    let text = {
        let out = tempfile::tempdir().unwrap();
        let client = connect(server(&common::settings(out.path()))).await;
        call_err(&client, "cancel_task", json!({"task_id": "sim-x-1"})).await
    };
    // The simulator cancels queued tasks; one it never made is not found.
    assert!(text.starts_with("not_found"), "{text}");
}

#[tokio::test]
async fn after_a_restart_pending_ark_tasks_are_refreshed_with_one_list_request() {
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 3,
        running_polls: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let settings = common::ark_settings(&fake, out.path());
    {
        let (_, service) = common::service(&settings);
        for n in 0..3 {
            let params = seedance_mcp::request::SubmitTaskParams {
                prompt: format!("boat {n}"),
                ..Default::default()
            };
            service.submit(&params).await.unwrap();
        }
    }
    let before = fake.requests().len();
    // A new service on the same journal is the server after a restart.
    let (_, restarted) = common::service(&settings);
    assert_eq!(restarted.reconcile().await.unwrap(), 3);
    let after: Vec<_> = fake.requests().into_iter().skip(before).collect();
    assert_eq!(
        after.len(),
        1,
        "one batch request for three tasks: {after:?}"
    );
    assert_eq!(after[0].method, "GET");
    assert_eq!(
        after[0].path.matches("filter.task_ids").count(),
        3,
        "{}",
        after[0].path
    );
    let listed = restarted.list_tasks(&Default::default()).await.unwrap();
    assert!(
        listed
            .tasks
            .iter()
            .all(|t| t.status.is_some_and(|s| s.as_str() == "queued")),
        "{:?}",
        listed.tasks
    );
}

/// Two identical `submit_task` calls issued in parallel by one client: one task,
/// one charge, and the other call is told which task to follow.
#[tokio::test]
async fn identical_parallel_calls_in_one_session_create_one_task() {
    for run in 0..10 {
        let fake = FakeArk::start().await.unwrap();
        let out = tempfile::tempdir().unwrap();
        let client = connect(server(&common::ark_settings(&fake, out.path()))).await;
        let args = json!({"prompt": "a paper boat in the rain", "duration": 5});
        let (a, b) = tokio::join!(
            common::call(&client, "submit_task", args.clone()),
            common::call(&client, "submit_task", args.clone()),
        );
        assert_eq!(fake.create_calls(), 1, "run {run}: {a:?} / {b:?}");
        let (won, lost) = if a.0 { (b, a) } else { (a, b) };
        assert!(
            !won.0 && lost.0,
            "run {run}: exactly one refused: {won:?} / {lost:?}"
        );
        let refusal = lost.1.to_string();
        let task_id = won.1["task_id"].as_str().unwrap().to_owned();
        assert!(
            refusal.contains("duplicate_submission") && refusal.contains(&task_id),
            "run {run}: the refusal names the task to follow: {refusal}"
        );
    }
}

/// Two server processes on one journal (two MCP clients open at once) receive
/// the same request at the same moment: one create reaches the provider.
#[tokio::test]
async fn identical_submits_from_two_processes_on_one_journal_create_one_task() {
    for run in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data = data.to_str().unwrap();
        let journals = [("SEEDANCE_DATA_DIR", data), ("SEEDANCE_DATA_DIR", data)];
        submit_twice_at_once(run, journals, None).await;
    }
}

/// Two replicas of a team server, each with its own data folder, share one
/// PostgreSQL journal and receive the same request at the same moment: the
/// database lets one create through.
#[tokio::test]
async fn identical_submits_from_two_replicas_on_one_database_create_one_task() {
    for run in 0..10 {
        let Some(url) = common::postgres_url().await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        let journals = [("SEEDANCE_DATA_DIR", a), ("SEEDANCE_DATA_DIR", b)];
        submit_twice_at_once(run, journals, Some(&url)).await;
    }
}

/// Starts two CLI submits of one request at once, each with its own data folder
/// (and the shared database, if any), and checks that exactly one created a task
/// and the other was told it is a duplicate.
async fn submit_twice_at_once(run: usize, journals: [(&str, &str); 2], database: Option<&str>) {
    let fake = FakeArk::start().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let spawn = |journal: (&str, &str)| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seedance-mcp"));
        command
            .args([
                "--json",
                "submit",
                "--prompt",
                "a lighthouse at dusk",
                "--duration",
                "5",
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SEEDANCE_PROVIDER", "byteplus")
            .env("ARK_API_KEY", fake.api_key())
            .env("ARK_BASE_URL", fake.base_url())
            .env("SEEDANCE_OUTPUT_DIR", out.path())
            .env(journal.0, journal.1)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(url) = database {
            command.env("SEEDANCE_DATABASE_URL", url);
        }
        command.spawn().unwrap()
    };
    let (first, second) = (spawn(journals[0]), spawn(journals[1]));
    let (first, second) = tokio::task::spawn_blocking(move || {
        (
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        )
    })
    .await
    .unwrap();
    let said = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(
        fake.create_calls(),
        1,
        "run {run}: {} / {}",
        said(&first),
        said(&second)
    );
    let successes = [&first, &second]
        .iter()
        .filter(|o| o.status.success())
        .count();
    assert_eq!(
        successes,
        1,
        "run {run}: {} / {}",
        said(&first),
        said(&second)
    );
    let refused = if first.status.success() {
        &second
    } else {
        &first
    };
    assert!(
        said(refused).contains("duplicate_submission"),
        "run {run}: {}",
        said(refused)
    );
}

/// `seedance-mcp token …` on a data folder: made, listed without its text,
/// revoked by user; users' limits set with a token and changed by `token limits`.
#[test]
fn tokens_are_made_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_seedance-mcp"))
            .arg("--json")
            .args(args)
            .env_clear()
            .env("SEEDANCE_DATA_DIR", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        (
            output.status.code().unwrap(),
            stdout,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, made, _) = run(&["token", "create", "--user", "ana"]);
    assert_eq!(code, 0, "{made}");
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sdm_"), "{made}");
    let (code, listed, _) = run(&["token", "list"]);
    assert_eq!(code, 0);
    assert!(
        listed.contains("\"ana\"") && listed.contains(made["id"].as_str().unwrap()),
        "{listed}"
    );
    assert!(
        !listed.contains(&token),
        "the token itself is never listed: {listed}"
    );
    // Limits given with a token are the user's; `token limits` changes or lifts them.
    let (code, made, said) = run(&["token", "create", "--user", "bo", "--daily-budget", "5"]);
    assert_eq!(code, 0, "{said}");
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["daily_budget"].as_f64(), Some(5.0), "{made}");
    let (code, shown, said) = run(&["token", "limits", "bo", "--max-cost-per-task", "2.5"]);
    assert_eq!(code, 0, "{said}");
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        (
            shown["daily_budget"].as_f64(),
            shown["max_cost_per_task"].as_f64()
        ),
        (Some(5.0), Some(2.5))
    );
    let (_, shown, _) = run(&["token", "limits", "bo", "--no-daily-budget"]);
    assert!(!shown.contains("daily_budget"), "lifted: {shown}");
    let (_, listed, _) = run(&["token", "list"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let bo = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["user"] == "bo")
        .unwrap();
    assert_eq!(bo["max_cost_per_task"].as_f64(), Some(2.5), "{listed}");
    let (code, _, said) = run(&["token", "create", "--user", "../etc", "--daily-budget", "5"]);
    assert_eq!(code, 2, "a user name becomes a folder name: {said}");
    let (code, _, said) = run(&["token", "limits", "bo", "--daily-budget", "-1"]);
    assert_eq!(code, 2, "{said}");
    assert_eq!(run(&["token", "revoke", "ana"]).0, 0);
    assert_eq!(
        run(&["token", "revoke", "ana"]).0,
        1,
        "nothing left to revoke"
    );
}
