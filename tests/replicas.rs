//! Two replicas of a team server, each with its own folders, on one PostgreSQL
//! journal: what one submits, the other finds, waits on, lists and cancels; what
//! one was refused, the other refuses too. Skipped, saying so, without a server.
//! Replicas (or processes on one SQLite file) share status checks, so waiting
//! on a task costs the provider no more requests with three than with one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{call_err, call_ok, connect};
use provider_fakes::{
    FakeControl,
    ark::{FakeArk, FakeArkConfig},
};
use rmcp::{RoleClient, service::RunningService};
use seedance_mcp::{
    domain::TaskStatus,
    mcp::SeedanceServer,
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

/// Status requests per task do not grow with replicas (issue 19): three
/// replicas on one PostgreSQL journal, each with a client waiting on the same
/// task, cost the provider no more requests than one replica alone.
#[tokio::test(start_paused = true)]
async fn three_replicas_waiting_on_one_task_ask_the_provider_no_more_than_one_does() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = slow_fake().await;
    let folders = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let mut clients = Vec::new();
    for folder in &folders {
        let settings = common::ark_settings(&fake, folder.path());
        clients.push(connect(common::replica(&settings, &url).await).await);
    }
    let (alone, together) = waiting_together(&fake, &clients).await;
    eprintln!("PostgreSQL: status requests for one task: 1 replica {alone}, 3 replicas {together}");
    assert!(alone >= 3, "the stretch covers several checks: {alone}");
    assert!(
        together <= alone + 2,
        "3 replicas asked {together} times, 1 replica {alone} times"
    );
}

/// The same with three processes on one SQLite journal (one data folder).
#[tokio::test(start_paused = true)]
async fn three_processes_on_one_journal_file_ask_the_provider_no_more_than_one_does() {
    let fake = slow_fake().await;
    let data = tempfile::tempdir().unwrap();
    let folders = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let mut clients = Vec::new();
    for folder in &folders {
        let settings = seedance_mcp::config::Settings {
            data_dir: Some(data.path().to_owned()),
            ..common::ark_settings(&fake, folder.path())
        };
        let config = seedance_mcp::config::Config::from_settings(&settings).unwrap();
        let service = common::service(&settings).1.as_separate_replica();
        clients.push(connect(SeedanceServer::new(service, config.simulation_notice())).await);
    }
    let (alone, together) = waiting_together(&fake, &clients).await;
    eprintln!("SQLite: status requests for one task: 1 process {alone}, 3 processes {together}");
    assert!(alone >= 3, "the stretch covers several checks: {alone}");
    assert!(
        together <= alone + 2,
        "3 processes asked {together} times, 1 process {alone} times"
    );
}

/// A fake whose tasks stay queued through any test, so that one replica's
/// figure and three replicas' count the same stretch of waiting.
async fn slow_fake() -> FakeArk {
    FakeArk::start_with(FakeArkConfig {
        queued_polls: 10_000,
        running_polls: 10_000,
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Status reads of a task the first client alone waits on, and of one all
/// `clients` wait on together at the same time, each for two calls of 50 s: well past the
/// schedule's first check (45 s for a typical 90 s video), so several rounds
/// of checks are counted.
async fn waiting_together(
    fake: &FakeArk,
    clients: &[RunningService<RoleClient, ()>],
) -> (u32, u32) {
    let wait = |client, task_id: String| async move {
        for _ in 0..2 {
            let task: GetTaskOutput = call_ok(
                client,
                "get_task",
                json!({"task_id": task_id, "wait_seconds": 50}),
            )
            .await;
            assert!(!task.finished, "{task:?}");
        }
    };
    let submit = |prompt: &'static str| {
        let client = &clients[0];
        async move {
            let submitted: SubmitTaskOutput = call_ok(
                client,
                "submit_task",
                json!({"prompt": prompt, "duration": 5}),
            )
            .await;
            submitted.task_id.unwrap()
        }
    };
    // Each replica opens a few pooled connections now: a new one costs
    // PostgreSQL a process, real time the driven clock below would count as
    // seconds.
    let warm = clients
        .iter()
        .flat_map(|c| [c, c, c])
        .map(|c| call_ok::<ListTasksOutput, _>(c, "list_tasks", json!({})));
    futures_util::future::join_all(warm).await;
    // Both stretches at once, side by side: whatever the machine's load does to
    // the driven clock, it does to both figures alike.
    let (alone, together) = on_driven_clock(async {
        let alone = submit("a lighthouse at dusk").await;
        let together = submit("a harbour at dawn").await;
        let everyone =
            futures_util::future::join_all(clients.iter().map(|c| wait(c, together.clone())));
        tokio::join!(wait(&clients[0], alone.clone()), everyone);
        (alone, together)
    })
    .await;
    (fake.reads(&alone).unwrap(), fake.reads(&together).unwrap())
}

/// Runs `work` on the paused clock, moved on by hand in small steps with a
/// little real time between them. PostgreSQL answers in real time, and while a
/// query is out tokio would auto-advance the clock to the next timer, firing a
/// check's timeout around a query still in flight; a blocking task that lives
/// as long as `work` keeps tokio from doing that. Each 50 ms step gives the
/// database at least 1 ms: a query would have to stall for about a second of
/// real time before even the shortest timeout here (5 s) counted it late.
async fn on_driven_clock<F: std::future::Future>(work: F) -> F::Output {
    const STEP: std::time::Duration = std::time::Duration::from_millis(50);
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let inhibitor = tokio::task::spawn_blocking(move || {
        let _ = held.recv();
    });
    let tick = || async {
        tokio::task::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(1)))
            .await
            .unwrap();
        tokio::time::advance(STEP).await;
    };
    tokio::pin!(work);
    let output = loop {
        tokio::select! {
            biased;
            output = &mut work => break output,
            () = tick() => {}
        }
    };
    drop(hold);
    inhibitor.await.unwrap();
    output
}

/// A client following a task with `tasks/get` through a load balancer reaches
/// replicas that never asked about it: past their own schedule, they take the
/// answer another replica got while it stands, instead of asking again.
#[tokio::test]
async fn a_follower_on_another_replica_takes_the_standing_answer_instead_of_asking() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let fake = FakeArk::start_with(FakeArkConfig {
        queued_polls: 50,
        running_polls: 50,
        ..Default::default()
    })
    .await
    .unwrap();
    let (folder_a, folder_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::replica(&common::ark_settings(&fake, folder_a.path()), &url).await;
    let b = common::replica(&common::ark_settings(&fake, folder_b.path()), &url).await;
    let params = seedance_mcp::request::SubmitTaskParams {
        prompt: "a tram in the rain".into(),
        duration: Some(5),
        ..Default::default()
    };
    let task_id = a.service().submit(&params).await.unwrap().task_id.unwrap();
    // Five minutes old: on B's own schedule a check is long due.
    let raw = seedance_mcp::journal::postgres::PgJournal::connect(&url)
        .await
        .unwrap();
    let then =
        seedance_mcp::clock::rfc3339(u64::try_from(seedance_mcp::clock::unix_now() - 300).unwrap());
    raw.execute_raw(&format!(
        "UPDATE submissions SET created_at = '{then}', created_unix = created_unix - 300"
    ))
    .await
    .unwrap();
    let reads = |fake: &FakeArk| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.contains(&task_id))
            .count()
    };
    a.service().get_task(&task_id).await.unwrap();
    let asked = reads(&fake);
    let look = b.service().look_at_task(&task_id).await.unwrap();
    assert_eq!(look.output.status, TaskStatus::Queued);
    assert_eq!(reads(&fake), asked, "B took A's answer");
    assert!(look.next_look > std::time::Duration::ZERO);
}
