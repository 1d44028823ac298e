//! The task journal through the tools: duplicates refused, tasks listed, queued
//! tasks cancelled, and interrupted submissions reconciled after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call, connect, server, submit_and_wait};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
};
use serde_json::json;

#[tokio::test]
async fn the_same_request_twice_is_refused_unless_resubmit_is_set() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let args = json!({"prompt": "a red kite", "duration": 4});
    let (err, first) = call(&client, "submit_task", args.clone()).await;
    assert!(!err, "{first}");
    let (err, text) = call(&client, "submit_task", args).await;
    assert!(err);
    let text = text.as_str().unwrap();
    assert!(text.starts_with("duplicate_submission"), "{text}");
    assert!(
        text.contains(first["task_id"].as_str().unwrap()) && text.contains("resubmit"),
        "{text}"
    );
    let (err, second) = call(
        &client,
        "submit_task",
        json!({"prompt": "a red kite", "duration": 4, "resubmit": true}),
    )
    .await;
    assert!(!err, "{second}");
    assert_ne!(first["task_id"], second["task_id"]);
    let (err, different) = call(
        &client,
        "submit_task",
        json!({"prompt": "a red kite", "duration": 5}),
    )
    .await;
    assert!(!err, "a different request is not a duplicate: {different}");
}

#[tokio::test]
async fn a_failed_task_may_be_submitted_again_without_resubmit() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let args = json!({"prompt": "a storm #simulate-failure"});
    let task = submit_and_wait(&client, args.clone()).await;
    assert_eq!(task["status"], "failed");
    let (err, again) = call(&client, "submit_task", args).await;
    assert!(!err, "{again}");
}

#[tokio::test]
async fn list_tasks_shows_the_journal_newest_first_with_filters_and_pages() {
    let out = tempfile::tempdir().unwrap();
    let client = connect(server(&common::settings(out.path()))).await;
    let done = submit_and_wait(&client, json!({"prompt": "first clip"})).await;
    for n in 0..3 {
        let (err, _) = call(
            &client,
            "submit_task",
            json!({"prompt": format!("clip {n}")}),
        )
        .await;
        assert!(!err);
    }
    let (err, all) = call(&client, "list_tasks", json!({})).await;
    assert!(!err, "{all}");
    let tasks = all["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 4);
    assert_eq!(tasks[0]["prompt"], "clip 2");
    assert_eq!(tasks[3]["task_id"], done["task_id"]);
    assert_eq!(tasks[3]["status"], "succeeded");
    assert_eq!(tasks[3]["local_files"], done["local_files"]);
    let (_, page) = call(&client, "list_tasks", json!({"limit": 3})).await;
    assert_eq!(page["tasks"].as_array().unwrap().len(), 3);
    let (_, rest) = call(
        &client,
        "list_tasks",
        json!({"limit": 3, "cursor": page["next_cursor"]}),
    )
    .await;
    assert_eq!(rest["tasks"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_cursor").is_none());
    let (_, succeeded) = call(
        &client,
        "list_tasks",
        json!({"status": "succeeded", "since": "1h"}),
    )
    .await;
    assert_eq!(succeeded["tasks"].as_array().unwrap().len(), 1);
    let (err, text) = call(&client, "list_tasks", json!({"since": "last tuesday"})).await;
    assert!(err && text.as_str().unwrap().contains("`since`"), "{text}");
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
    let (_, submitted) = call(
        &client,
        "submit_task",
        json!({"prompt": "a queue of boats"}),
    )
    .await;
    let (err, cancelled) = call(
        &client,
        "cancel_task",
        json!({"task_id": submitted["task_id"]}),
    )
    .await;
    assert!(!err, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
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
    let (_, submitted) = call(&client, "submit_task", json!({"prompt": "a running horse"})).await;
    let (err, text) = call(
        &client,
        "cancel_task",
        json!({"task_id": submitted["task_id"]}),
    )
    .await;
    assert!(
        err && text.as_str().unwrap().contains("already running"),
        "{text}"
    );
    let (err, text) = {
        let out = tempfile::tempdir().unwrap();
        let client = connect(server(&common::settings(out.path()))).await;
        call(&client, "cancel_task", json!({"task_id": "sim-x-1"})).await
    };
    assert!(
        err && text.as_str().unwrap().starts_with("unsupported"),
        "{text}"
    );
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
