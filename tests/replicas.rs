//! Two replicas of a team server, each with its own folders, on one PostgreSQL
//! journal: what one submits, the other finds, waits on, lists and cancels; what
//! one was refused, the other refuses too. Skipped, saying so, without a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
};
use seedance_mcp::{
    domain::TaskStatus,
    service::{GetTaskOutput, ListTasksOutput, SubmitTaskOutput, TaskSummary},
};
use serde_json::json;

#[tokio::test]
async fn a_task_submitted_on_one_replica_is_followed_listed_and_cancelled_on_the_other() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 5,
        running_polls: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a =
        connect(common::replica(&common::ark_settings(&fake, folder_a.path()), &url).await).await;
    let b =
        connect(common::replica(&common::ark_settings(&fake, folder_b.path()), &url).await).await;

    let args = json!({"prompt": "a paper lantern rising", "duration": 5});
    let submitted: SubmitTaskOutput = call_ok(&a, "submit_task", args.clone()).await;
    let task_id = submitted.task_id.unwrap();
    // B refuses the same request as a duplicate of A's task: one journal.
    let refusal = call_err(&b, "submit_task", args).await;
    assert!(
        refusal.contains("duplicate_submission") && refusal.contains(&task_id),
        "{refusal}"
    );
    let listed: ListTasksOutput = call_ok(&b, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks.len(), 1, "{listed:?}");
    assert_eq!(listed.tasks[0].task_id.as_deref(), Some(task_id.as_str()));
    let seen: GetTaskOutput = call_ok(&b, "get_task", json!({"task_id": task_id})).await;
    assert_eq!(seen.status, TaskStatus::Queued);
    let cancelled: TaskSummary = call_ok(&b, "cancel_task", json!({"task_id": task_id})).await;
    assert_eq!(cancelled.status, Some(TaskStatus::Cancelled));
    // A sees what B did.
    let listed: ListTasksOutput = call_ok(&a, "list_tasks", json!({})).await;
    assert_eq!(
        listed.tasks[0].status,
        Some(TaskStatus::Cancelled),
        "{listed:?}"
    );
    assert_eq!(fake.create_calls(), 1);
}

#[tokio::test]
async fn a_task_submitted_on_one_replica_is_waited_for_and_saved_by_the_other() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start().await.unwrap();
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a =
        connect(common::replica(&common::ark_settings(&fake, folder_a.path()), &url).await).await;
    let b =
        connect(common::replica(&common::ark_settings(&fake, folder_b.path()), &url).await).await;
    let submitted: SubmitTaskOutput = call_ok(
        &a,
        "submit_task",
        json!({"prompt": "a kite over dunes", "duration": 5}),
    )
    .await;
    let task_id = submitted.task_id.unwrap();
    let mut done = None;
    for _ in 0..50 {
        let task: GetTaskOutput = call_ok(&b, "get_task", json!({"task_id": task_id})).await;
        if task.finished {
            done = Some(task);
            break;
        }
    }
    let done = done.expect("the task finishes");
    assert_eq!(done.status, TaskStatus::Succeeded, "{done:?}");
    assert!(
        done.local_files
            .iter()
            .all(|f| f.starts_with(folder_b.path())),
        "B saves into its own folder: {:?}",
        done.local_files
    );
    // A's listing carries B's files: the journal row was updated once, for both.
    let listed: ListTasksOutput = call_ok(&a, "list_tasks", json!({})).await;
    assert_eq!(listed.tasks[0].local_files, done.local_files, "{listed:?}");
}
