//! get_task with wait_seconds: bounded, polite polling, progress while waiting (and
//! never after the answer), prompt stop on cancellation.
//!
//! Every scenario runs on tokio's paused clock: the simulator and the server wait
//! on tokio time, so a 90 s task takes 90 virtual seconds and no real ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::{sync::Mutex, time::Duration};

use seedance_mcp::{
    config::Settings,
    request::SubmitTaskParams,
    service::{GetTaskOutput, ProgressSink, Service, WaitProgress, Waiting},
};
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

fn sim(seconds: f64, out: &std::path::Path) -> (Settings, Service) {
    let settings = Settings {
        sim_seconds: seconds,
        ..common::settings(out)
    };
    let (_, service) = common::service(&settings);
    (settings, service)
}

/// Each report: when it came (virtual), how long the wait had lasted, its bound, the message.
#[derive(Default)]
struct Reports(Mutex<Vec<(Instant, f64, f64, String)>>);

#[async_trait::async_trait]
impl ProgressSink for Reports {
    async fn report(&self, progress: &WaitProgress) {
        self.0.lock().unwrap().push((
            Instant::now(),
            progress.waited.as_secs_f64(),
            progress.up_to.as_secs_f64(),
            progress.message(),
        ));
    }
}

async fn submit(service: &Service) -> String {
    let params = SubmitTaskParams {
        prompt: "a slow sunrise".into(),
        ..Default::default()
    };
    service.submit(&params).await.unwrap().task_id.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_wait_returns_soon_after_the_task_finishes_with_progress_at_least_every_ten_seconds() {
    let out = tempfile::tempdir().unwrap();
    let (_, service) = sim(40.0, out.path());
    let task_id = submit(&service).await;
    let reports = Reports::default();
    let never = CancellationToken::new();
    let started = Instant::now();
    let waiting = Waiting {
        up_to: Duration::from_secs(50),
        cancel: &never,
        progress: Some(&reports),
    };
    let out = service.get_task_waiting(&task_id, waiting).await.unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.as_str(), "succeeded");
    // Noticed within 10 % of the task's age plus a few seconds of finishing.
    assert!(
        took >= Duration::from_secs(40) && took <= Duration::from_secs(40 + 4 + 5),
        "took {took:?}"
    );
    let reports = reports.0.lock().unwrap();
    let mut last = (started, 0.0);
    for (at, waited, total, message) in reports.iter() {
        assert!(
            *at - last.0 <= Duration::from_secs(10),
            "a gap of {:?}",
            *at - last.0
        );
        assert!(*waited >= last.1 && *waited <= *total && *total == 50.0);
        assert!(message.contains("usually takes about 40 s"), "{message}");
        last = (*at, *waited);
    }
    // Progress covers the whole wait, up to the answer.
    assert!(
        started + took - last.0 <= Duration::from_secs(10),
        "no progress in the last {:?} of the wait",
        started + took - last.0
    );
    assert!(reports.len() >= 4, "{} reports in {took:?}", reports.len());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_wait_stops_promptly() {
    let out = tempfile::tempdir().unwrap();
    let (_, service) = sim(60.0, out.path());
    let task_id = submit(&service).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let waiting = Waiting {
        up_to: Duration::from_secs(40),
        cancel: &cancel,
        progress: None,
    };
    let out = service.get_task_waiting(&task_id, waiting).await.unwrap();
    assert!(!out.finished);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_never_exceeds_what_was_asked() {
    let out = tempfile::tempdir().unwrap();
    let (_, service) = sim(600.0, out.path());
    let task_id = submit(&service).await;
    let never = CancellationToken::new();
    let started = Instant::now();
    let waiting = Waiting {
        up_to: Duration::from_secs(3),
        cancel: &never,
        progress: None,
    };
    let out = service.get_task_waiting(&task_id, waiting).await.unwrap();
    assert!(!out.finished);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn mcp_clients_get_progress_notifications_and_none_after_the_result() {
    let out = tempfile::tempdir().unwrap();
    let (settings, _) = sim(30.0, out.path());
    let recorder = common::ProgressRecorder::default();
    let client = common::connect_with(common::server(&settings), recorder.clone()).await;
    let (_, submitted) =
        common::call(&client, "submit_task", json!({"prompt": "a paper boat"})).await;
    let (err, task) = common::call(
        &client,
        "get_task",
        json!({"task_id": submitted["task_id"], "wait_seconds": 45}),
    )
    .await;
    assert!(!err, "{task}");
    let task: GetTaskOutput = serde_json::from_value(task).unwrap();
    assert_eq!(task.status.as_str(), "succeeded");
    let seen = recorder.count();
    assert!(seen >= 3, "progress every 10 s of a 30 s wait: {seen}");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(recorder.count(), seen, "progress arrived after the result");
    let (err, text) = common::call(
        &client,
        "get_task",
        json!({"task_id": submitted["task_id"], "wait_seconds": 60}),
    )
    .await;
    assert!(
        err && text.as_str().unwrap().contains("wait_seconds"),
        "{text}"
    );
}

/// The acceptance scenario of long jobs: a 90 s task, get_task with wait_seconds
/// 45 in a loop from an rmcp client; progress arrives, no call takes more than
/// 50 s, and the loop ends with the file on disk.
#[tokio::test(start_paused = true)]
async fn a_ninety_second_task_is_followed_to_the_end_in_calls_under_fifty_seconds() {
    let out = tempfile::tempdir().unwrap();
    let (settings, _) = sim(90.0, out.path());
    let recorder = common::ProgressRecorder::default();
    let client = common::connect_with(common::server(&settings), recorder.clone()).await;
    let (_, submitted) = common::call(
        &client,
        "submit_task",
        json!({"prompt": "a long exposure of the sea"}),
    )
    .await;
    let mut calls = Vec::new();
    let task = loop {
        let started = Instant::now();
        let (err, task) = common::call(
            &client,
            "get_task",
            json!({"task_id": submitted["task_id"], "wait_seconds": 45}),
        )
        .await;
        calls.push(started.elapsed());
        assert!(!err, "{task}");
        let task: GetTaskOutput = serde_json::from_value(task).unwrap();
        if task.finished {
            break task;
        }
        assert!(calls.len() < 5, "too many calls: {calls:?}");
    };
    assert!(
        calls.iter().all(|c| *c <= Duration::from_secs(50)),
        "{calls:?}"
    );
    assert!(
        calls.len() >= 2,
        "a 90 s task needs more than one 45 s wait: {calls:?}"
    );
    assert_eq!(task.status.as_str(), "succeeded");
    assert!(task.local_files[0].exists());
    let progress = recorder.count();
    assert!(
        progress >= 9,
        "progress at least every 10 s of about 90 s of waiting: {progress}"
    );
}
